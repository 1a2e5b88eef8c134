/**
 * Business calendars for SLA math: working hours per weekday in an IANA zone, holidays (dates
 * or RRULEs), per-date overrides, and DST-correct business-time arithmetic.
 *
 * @module sla
 */
export { calendar24x7, createCalendar } from './calendar';
export { type BusinessDurationOptions, parseBusinessDuration } from './duration';
export type { BusinessCalendar, CalendarSpec, WeekdayKey } from './types';
