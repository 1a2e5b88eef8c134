/**
 * Business calendars for SLA math: working hours per weekday in an IANA zone, holidays (dates
 * or RRULEs), per-date overrides, and DST-correct business-time arithmetic.
 *
 * @module sla
 */
export { calendar24x7, createCalendar } from './calendar';
export {
  deriveSla,
  dueFirings,
  nextDueAt,
  type SlaCause,
  type SlaClock,
  type SlaClockView,
  type SlaFiring,
  type SlaState,
  type SlaWorkflowFacts,
  viewClock,
} from './clocks';
export { type BusinessDurationOptions, parseBusinessDuration } from './duration';
export {
  type BusinessDuration,
  defineSlaPolicy,
  type EscalationAction,
  type EscalationRule,
  SLA_METRICS,
  type SlaMatch,
  type SlaMetric,
  type SlaPolicy,
  type SlaPolicySpec,
  type SlaTarget,
} from './policy';
export { memoryScheduler, type ScheduledTicket, type SlaScheduler } from './scheduler';
export type { BusinessCalendar, CalendarSpec, WeekdayKey } from './types';
