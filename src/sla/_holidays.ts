import type { Options } from 'rrule';
import * as rruleNs from 'rrule';
import { firstDayOfYear, lowerBound, yearOf } from './_dates';
import { DAY_MS } from './_zone';

// rrule's `main` is a UMD bundle: named ESM imports fail in Node, the namespace form works everywhere.
const { RRule } = ((rruleNs as unknown as { default?: typeof rruleNs }).default ??
  rruleNs) as typeof rruleNs;

/** One compiled rule; occurrences are local dates (the rule runs in floating UTC). */
export interface HolidayRule {
  readonly source: string;
  readonly options: Partial<Options>;
  /** False when the rule had no DTSTART: it is then anchored at January 1st of each year. */
  readonly anchored: boolean;
}

/** Parses one RRULE string, or returns the problem as a message. */
export function compileRule(source: string): HolidayRule | string {
  let options: Partial<Options>;
  try {
    options = RRule.parseString(source.trim());
  } catch (e) {
    return `is not a valid RFC 5545 rule (${(e as Error).message}).`;
  }
  if (options.freq === undefined || options.freq === null) {
    return 'needs FREQ, e.g. "RRULE:FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1".';
  }
  const months = toList(options.bymonth);
  if (months.some((m) => !Number.isInteger(m) || m < 1 || m > 12)) {
    return 'has a BYMONTH outside 1..12.';
  }
  const monthDays = toList(options.bymonthday);
  if (monthDays.some((d) => !Number.isInteger(d) || d === 0 || d < -31 || d > 31)) {
    return 'has a BYMONTHDAY outside 1..31 (or -31..-1).';
  }
  const anchored = options.dtstart instanceof Date;
  if (!anchored && (options.count != null || (options.interval ?? 1) !== 1)) {
    return 'uses COUNT or INTERVAL, which need a DTSTART line to count from.';
  }
  const rule: HolidayRule = { source, options: { ...options, tzid: null }, anchored };
  // Eight years cover every leap-year pattern but 400-year ones: a rule silent for that long is a
  // typo. One call, because rrule walks to year 9999 on each call that finds nothing.
  const from = anchored ? options.dtstart!.getTime() : Date.UTC(2024, 0, 1);
  const probe = new RRule({
    ...rule.options,
    dtstart: new Date(from),
    until: new Date(
      Math.min(options.until?.getTime() ?? Number.POSITIVE_INFINITY, from + 8 * 366 * DAY_MS),
    ),
  });
  if (probe.all((_d, i) => i < 1).length === 0) {
    return 'never matches a date (check BYMONTH / BYMONTHDAY / UNTIL).';
  }
  return rule;
}

function toList(v: number | number[] | null | undefined): number[] {
  if (v === null || v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** Day numbers of the rule's occurrences in calendar year `year`, ascending. */
export function occurrencesInYear(rule: HolidayRule, year: number): number[] {
  const start = firstDayOfYear(year) * DAY_MS;
  const end = firstDayOfYear(year + 1) * DAY_MS;
  // rrule keeps iterating up to year 9999 looking for a match unless UNTIL stops it.
  const until = Math.min(rule.options.until?.getTime() ?? end, end - 1);
  const r = new RRule({
    ...rule.options,
    ...(rule.anchored ? {} : { dtstart: new Date(start) }),
    until: new Date(until),
  });
  return r.between(new Date(start), new Date(end), true).flatMap((d) => {
    const t = d.getTime();
    return t < end ? [Math.floor(t / DAY_MS)] : [];
  });
}

/** Fixed-date and rule holidays with per-year expansion cached. */
export class Holidays {
  private readonly fixed: readonly number[];
  private readonly fixedSet: ReadonlySet<number>;
  private readonly years = new Map<number, { sorted: number[]; set: Set<number> }>();

  constructor(
    fixed: readonly number[],
    private readonly rules: readonly HolidayRule[],
  ) {
    this.fixed = [...new Set(fixed)].sort((a, b) => a - b);
    this.fixedSet = new Set(fixed);
  }

  private year(y: number): { sorted: number[]; set: Set<number> } {
    let e = this.years.get(y);
    if (!e) {
      const set = new Set<number>();
      for (const r of this.rules) for (const d of occurrencesInYear(r, y)) set.add(d);
      e = { sorted: [...set].sort((a, b) => a - b), set };
      this.years.set(y, e);
    }
    return e;
  }

  has(day: number): boolean {
    if (this.fixedSet.has(day)) return true;
    return this.rules.length > 0 && this.year(yearOf(day)).set.has(day);
  }

  /** Smallest holiday >= day and < limit, else limit. */
  next(day: number, limit: number): number {
    let best = limit;
    const i = lowerBound(this.fixed, day);
    if (i < this.fixed.length && this.fixed[i]! < best) best = this.fixed[i]!;
    if (this.rules.length === 0) return best;
    for (let y = yearOf(day); firstDayOfYear(y) < best; y++) {
      const { sorted } = this.year(y);
      const j = lowerBound(sorted, day);
      if (j < sorted.length) return Math.min(best, sorted[j]!);
    }
    return best;
  }
}
