/** Key of a weekday in {@link CalendarSpec.weekly}. */
export type WeekdayKey = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/**
 * Description of a business calendar, validated by `createCalendar`.
 *
 * Ranges are local wall-clock `HH:mm-HH:mm` strings, half-open `[start, end)`; `24:00` is
 * allowed as an end. The ranges of a local date are `overrides[date]` if present, else none
 * if the date is a holiday, else `weekly[weekday]`.
 *
 * @example
 * ```ts
 * const spec: CalendarSpec = {
 *   timeZone: 'Asia/Shanghai',
 *   weekly: { mon: ['09:00-12:00', '13:00-18:00'], fri: ['09:00-12:00', '13:00-18:00'] },
 *   holidays: ['2026-10-01', 'RRULE:FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1'],
 *   overrides: { '2026-10-10': ['09:00-18:00'] },
 * };
 * ```
 */
export interface CalendarSpec {
  /** IANA time zone name, e.g. `Asia/Shanghai`. Offset strings like `+08:00` are refused. */
  timeZone: string;
  /** Open ranges per weekday; a missing weekday is closed. */
  weekly: Partial<Record<WeekdayKey, readonly string[]>>;
  /**
   * Closed local dates: `YYYY-MM-DD`, or an RFC 5545 rule (`RRULE:...`, optionally preceded by a
   * `DTSTART:...` line). A rule without DTSTART applies to every year, past ones too.
   */
  holidays?: readonly string[];
  /**
   * Ranges for specific local dates (`YYYY-MM-DD`), replacing the weekly ranges and any holiday:
   * make-up workdays (调休), half days, or `[]` to close a day.
   */
  overrides?: Readonly<Record<string, readonly string[]>>;
}

/**
 * Business-time arithmetic over one calendar. Business time is real elapsed time inside open
 * ranges, so a range that spans a DST shift is shorter or longer by the shift.
 */
export interface BusinessCalendar {
  /** The calendar's IANA time zone. */
  readonly timeZone: string;
  /**
   * Earliest instant `t` with `businessMinutesBetween(start, t) === minutes`; `start` itself for 0.
   * A budget that ends exactly at a range end is due at that end. Minutes may be fractional
   * (rounded to the millisecond).
   */
  addBusinessMinutes(start: Date, minutes: number): Date;
  /**
   * Business minutes in `[from, to)`. When `to` is before `from` the result is the negative of
   * `businessMinutesBetween(to, from)`.
   */
  businessMinutesBetween(from: Date, to: Date): number;
  /** True if `at`'s local wall-clock time lies in one of the open ranges of its local date. */
  isOpen(at: Date): boolean;
  /** `at` itself if open, else the start of the next open range. */
  nextOpen(at: Date): Date;
}
