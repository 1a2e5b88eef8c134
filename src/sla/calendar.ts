import { ValidationError } from '../errors/index';
import { formatDay } from './_dates';
import { DayPlans } from './_day-plan';
import { compileSpec, WEEKDAY_KEYS } from './_spec';
import { cumOf, instantAt, locate, Timeline } from './_timeline';
import { zoneTable } from './_zone';
import type { BusinessCalendar, CalendarSpec, WeekdayKey } from './types';

const MINUTE_MS = 60_000;
/** A search that crosses this many consecutive closed days gives up instead of looping. */
const MAX_CLOSED_DAYS = 3653;
/** Chunks the timeline walks past before handing a long span to the week-skipping walk. */
const MAX_WALK = 8;
/**
 * Instants the timeline serves; beyond, chunks (and zone blocks) would reach past the last
 * valid Date, so the day walk answers (and fails where it always did).
 */
const FAST_LIMIT = 8.5e15;

function checkDate(value: unknown, name: string, context: string): number {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new ValidationError(
      [
        {
          code: 'invalid_date',
          path: [name],
          message: `Expected a valid Date, got ${String(value)}.`,
        },
      ],
      { context },
    );
  }
  return value.getTime();
}

function checkMinutes(value: unknown, context: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ValidationError(
      [
        {
          code: 'invalid_number',
          path: ['minutes'],
          message: `Expected a finite number of minutes >= 0, got ${String(value)}.`,
        },
      ],
      { context },
    );
  }
  return Math.round(value * MINUTE_MS);
}

function neverOpens(fromDay: number, context: string): ValidationError {
  return new ValidationError(
    [
      {
        code: 'never_open',
        path: [],
        message: `The calendar has no open time in the ${MAX_CLOSED_DAYS} days after ${formatDay(fromDay)}; check its holidays and overrides.`,
      },
    ],
    { code: 'invalid_calendar', context },
  );
}

/**
 * Creates a business calendar. Validates the whole spec and reports every problem at once.
 *
 * @throws {@link ValidationError} with code `invalid_calendar` (unknown zone, malformed or
 * overlapping ranges, bad dates, bad RRULE, unknown weekday key, a calendar that never opens).
 *
 * @example
 * ```ts
 * const cal = createCalendar({
 *   timeZone: 'Asia/Shanghai',
 *   weekly: { mon: ['09:00-12:00', '13:00-18:00'], tue: ['09:00-12:00', '13:00-18:00'] },
 *   holidays: ['2026-10-01', 'RRULE:FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1'],
 *   overrides: { '2026-10-10': ['09:00-18:00'] },
 * });
 * cal.addBusinessMinutes(new Date('2026-10-09T09:00:00+08:00'), 8 * 60);
 * ```
 */
export function createCalendar(spec: CalendarSpec): BusinessCalendar {
  const compiled = compileSpec(spec);
  const plans = new DayPlans(compiled, zoneTable(compiled.timeZone));
  const weekTotal = compiled.weekTotalMs;
  const timeline = new Timeline(plans);

  /** addMs on the prefix-sum timeline; long or closed stretches go to the day walk. */
  function addFast(s: number, amount: number): number {
    if (s > FAST_LIMIT || s < -FAST_LIMIT) return addMs(s, amount);
    let c = timeline.find(s);
    const j = locate(c, s);
    let target = cumOf(c, j, s) + amount;
    if (target <= c.total) return instantAt(c, target, j);
    for (let walked = 0; walked < MAX_WALK; walked++) {
      target -= c.total;
      c = timeline.chunk(c.index + 1);
      // A closed chunk may start a closure long enough to fail: the day walk reports it.
      if (c.total === 0) break;
      if (target <= c.total) return instantAt(c, target, 0);
    }
    return addMs(s, amount);
  }

  /** betweenMs (from < to) as a difference of prefix sums. */
  function betweenFast(from: number, to: number): number {
    if (from < -FAST_LIMIT || to > FAST_LIMIT) return betweenMs(from, to);
    const ca = timeline.find(from);
    const a = cumOf(ca, locate(ca, from), from);
    if (to < ca.t1) return cumOf(ca, locate(ca, to), to) - a;
    const cb = timeline.find(to);
    if (cb.index - ca.index > MAX_WALK) return betweenMs(from, to);
    let sum = ca.total - a + cumOf(cb, locate(cb, to), to);
    for (let k = ca.index + 1; k < cb.index; k++) sum += timeline.chunk(k).total;
    return sum;
  }

  /** First open instant at or after `t` on the timeline; closed stretches go to the day walk. */
  function nextOpenFast(t: number): number {
    if (t > FAST_LIMIT || t < -FAST_LIMIT) return nextOpenWalk(t);
    let c = timeline.find(t);
    const j = locate(c, t);
    if (j < c.count) return Math.max(c.ivStart[j]!, t);
    c = timeline.chunk(c.index + 1);
    if (c.count > 0) return c.ivStart[0]!;
    // A closed chunk may start a closure long enough to fail: the day walk reports it.
    return nextOpenWalk(t);
  }

  function isOpenWalk(t: number): boolean {
    const iv = plans.plan(plans.dayOf(t)).iv;
    for (let i = 0; i < iv.length; i += 2) if (t >= iv[i]! && t < iv[i + 1]!) return true;
    return false;
  }

  function nextOpenWalk(t: number): number {
    let day = plans.dayOf(t);
    const first = day;
    for (;;) {
      const iv = plans.plan(day).iv;
      for (let i = 0; i < iv.length; i += 2) {
        if (iv[i + 1]! > t) return Math.max(iv[i]!, t);
      }
      day++;
      if (weekTotal === 0) day = plans.nextIrregular(day, first + MAX_CLOSED_DAYS + 1);
      if (day - first > MAX_CLOSED_DAYS) throw neverOpens(first, 'nextOpen');
    }
  }

  function addMs(s: number, amount: number): number {
    let rem = amount;
    let day = plans.dayOf(s);
    let lastOpen = day;
    let irregular = Number.NEGATIVE_INFINITY;
    for (;;) {
      const p = plans.plan(day);
      const iv = p.iv;
      for (let i = 0; i < iv.length; i += 2) {
        const b = iv[i + 1]!;
        if (b <= s) continue;
        const a = Math.max(iv[i]!, s);
        const len = b - a;
        if (len >= rem) return a + rem;
        rem -= len;
        lastOpen = day;
      }
      day++;
      if (weekTotal === 0) {
        // Plain days are all closed: jump straight to the next day that may differ.
        day = plans.nextIrregular(day, lastOpen + MAX_CLOSED_DAYS + 1);
      } else if (rem > weekTotal) {
        if (day > irregular) {
          irregular = plans.nextIrregular(day, day + 7 * Math.ceil(rem / weekTotal) + 7);
        }
        const weeks = Math.min(
          Math.floor((irregular - day) / 7),
          Math.floor((rem - 1) / weekTotal),
        );
        if (weeks > 0) {
          rem -= weeks * weekTotal;
          day += 7 * weeks;
          lastOpen = day - 1;
        }
      }
      if (day - lastOpen > MAX_CLOSED_DAYS) throw neverOpens(lastOpen, 'addBusinessMinutes');
    }
  }

  function clip(iv: readonly number[], from: number, to: number): number {
    let sum = 0;
    for (let i = 0; i < iv.length; i += 2) {
      const a = Math.max(iv[i]!, from);
      const b = Math.min(iv[i + 1]!, to);
      if (b > a) sum += b - a;
    }
    return sum;
  }

  function betweenMs(from: number, to: number): number {
    const d0 = plans.dayOf(from);
    const d1 = plans.dayOf(to);
    let sum = clip(plans.plan(d0).iv, from, to);
    if (d1 === d0) return sum;
    let day = d0 + 1;
    let irregular = Number.NEGATIVE_INFINITY;
    while (day < d1) {
      if (d1 - day >= 7 && weekTotal > 0) {
        if (day > irregular) irregular = plans.nextIrregular(day, d1);
        const weeks = Math.floor((Math.min(irregular, d1) - day) / 7);
        if (weeks > 0) {
          sum += weeks * weekTotal;
          day += 7 * weeks;
          continue;
        }
      }
      sum += plans.plan(day).total;
      day++;
    }
    return sum + clip(plans.plan(d1).iv, from, to);
  }

  return {
    timeZone: compiled.timeZone,
    addBusinessMinutes(start: Date, minutes: number): Date {
      const s = checkDate(start, 'start', 'addBusinessMinutes');
      const amount = checkMinutes(minutes, 'addBusinessMinutes');
      return new Date(amount === 0 ? s : addFast(s, amount));
    },
    businessMinutesBetween(from: Date, to: Date): number {
      const f = checkDate(from, 'from', 'businessMinutesBetween');
      const t = checkDate(to, 'to', 'businessMinutesBetween');
      if (t === f) return 0;
      if (t > f) return betweenFast(f, t) / MINUTE_MS;
      const back = betweenFast(t, f);
      return back === 0 ? 0 : -back / MINUTE_MS;
    },
    isOpen(at: Date): boolean {
      const t = checkDate(at, 'at', 'isOpen');
      if (t > FAST_LIMIT || t < -FAST_LIMIT) return isOpenWalk(t);
      const c = timeline.find(t);
      // locate gives the first interval ending after t (or the +inf sentinel): open iff it started.
      return c.ivStart[locate(c, t)]! <= t;
    },
    nextOpen(at: Date): Date {
      const t = checkDate(at, 'at', 'nextOpen');
      return new Date(nextOpenFast(t));
    },
  };
}

/**
 * A calendar open around the clock every day (24x7 desk); ranges join across midnight.
 *
 * @example
 * ```ts
 * calendar24x7('Europe/Berlin').addBusinessMinutes(start, 120); // = start + 2h of real time
 * ```
 */
export function calendar24x7(timeZone = 'UTC'): BusinessCalendar {
  const weekly: Partial<Record<WeekdayKey, readonly string[]>> = {};
  for (const k of WEEKDAY_KEYS) weekly[k] = ['00:00-24:00'];
  return createCalendar({ timeZone, weekly });
}
