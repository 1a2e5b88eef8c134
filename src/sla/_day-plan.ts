import { lowerBound, weekdayOf } from './_dates';
import type { CompiledSpec } from './_spec';
import { DAY_MS, type ZoneTable } from './_zone';

// Offsets stay within ±18h (historical LMT included), so wall time D 00:00 happens inside
// [D 00:00 UTC - 18h, D 00:00 UTC + 18h].
const MAX_OFFSET_MS = 18 * 3_600_000;
const EMPTY: readonly number[] = [];
/**
 * Days each cache holds (power of two). The caches are direct-mapped on the day number, so any
 * run of this many consecutive days fits at once and memory stays fixed (~100 KB per calendar)
 * however many distinct days a long-running process asks about.
 */
export const CACHE_DAYS = 4096;
const SLOT_MASK = CACHE_DAYS - 1;

/**
 * The open time of one "day": the real-time bucket [start, end) from the last time the wall
 * clock reaches local midnight of day D to the last time it reaches midnight of D+1. Buckets
 * tile the time line in order even where a fall-back crosses midnight (e.g. St. John's before
 * 2011), so walking buckets visits open time in real-time order.
 */
export interface DayPlan {
  readonly start: number;
  readonly end: number;
  /** Flat [s0, e0, s1, e1, …] open UTC intervals, ascending, merged. */
  readonly iv: readonly number[];
  readonly total: number;
}

export class DayPlans {
  /** Day held by each plan slot (NaN: empty). */
  private readonly planDay = new Float64Array(CACHE_DAYS).fill(Number.NaN);
  private readonly plans: (DayPlan | undefined)[] = new Array<DayPlan | undefined>(CACHE_DAYS);
  /** Day held by each boundary slot (NaN: empty), and its boundary instant. */
  private readonly boundDay = new Float64Array(CACHE_DAYS).fill(Number.NaN);
  private readonly bounds = new Float64Array(CACHE_DAYS);

  constructor(
    private readonly spec: CompiledSpec,
    private readonly zone: ZoneTable,
  ) {}

  /** Local ranges of local date `day`: override, else closed on a holiday, else weekly. */
  rangesOf(day: number): readonly number[] {
    const o = this.spec.overrides.get(day);
    if (o) return o;
    if (this.spec.holidays.has(day)) return EMPTY;
    return this.spec.weekly[weekdayOf(day)]!;
  }

  /** Last instant at which the wall clock moves up through local midnight of `day`. */
  boundary(day: number): number {
    const slot = day & SLOT_MASK;
    if (this.boundDay[slot] === day) return this.bounds[slot]!;
    const mid = day * DAY_MS;
    let crossing = Number.NaN;
    let prevWallEnd = Number.NEGATIVE_INFINITY;
    for (const s of this.zone.segments(mid - MAX_OFFSET_MS, mid + MAX_OFFSET_MS)) {
      const w0 = s.start + s.offset;
      const w1 = s.end + s.offset;
      if (w0 >= mid && prevWallEnd < mid) crossing = s.start;
      else if (w0 < mid && mid < w1) crossing = mid - s.offset;
      prevWallEnd = w1;
    }
    const b = Number.isNaN(crossing) ? mid - this.zone.offsetAt(mid) : crossing;
    this.boundDay[slot] = day;
    this.bounds[slot] = b;
    return b;
  }

  plan(day: number): DayPlan {
    const slot = day & SLOT_MASK;
    if (this.planDay[slot] === day) return this.plans[slot]!;
    const p = this.compute(day);
    this.planDay[slot] = day;
    this.plans[slot] = p;
    return p;
  }

  /** Days currently cached (plans, boundaries): never more than {@link CACHE_DAYS} each. */
  cached(): { plans: number; bounds: number } {
    let plans = 0;
    let bounds = 0;
    for (let i = 0; i < CACHE_DAYS; i++) {
      if (!Number.isNaN(this.planDay[i]!)) plans++;
      if (!Number.isNaN(this.boundDay[i]!)) bounds++;
    }
    return { plans, bounds };
  }

  /** Builds the plan of `day` without caching it (the timeline keeps its own flat copy). */
  compute(day: number): DayPlan {
    const start = this.boundary(day);
    const end = Math.max(start, this.boundary(day + 1));
    const raw: number[] = [];
    if (end > start) {
      for (const s of this.zone.segments(start, end)) {
        const w0 = s.start + s.offset;
        const w1 = s.end + s.offset;
        const lastDate = Math.floor((w1 - 1) / DAY_MS);
        for (let d = Math.floor(w0 / DAY_MS); d <= lastDate; d++) {
          const r = this.rangesOf(d);
          const base = d * DAY_MS - s.offset;
          for (let i = 0; i < r.length; i += 2) {
            const a = Math.max(s.start, base + r[i]!);
            const b = Math.min(s.end, base + r[i + 1]!);
            if (a < b) raw.push(a, b);
          }
        }
      }
    }
    const pairs: [number, number][] = [];
    for (let i = 0; i < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
    pairs.sort((x, y) => x[0] - y[0]);
    const iv: number[] = [];
    let total = 0;
    for (const [a, b] of pairs) {
      const n = iv.length;
      if (n > 0 && a <= iv[n - 1]!) iv[n - 1] = Math.max(iv[n - 1]!, b);
      else iv.push(a, b);
    }
    for (let i = 0; i < iv.length; i += 2) total += iv[i + 1]! - iv[i]!;
    return { start, end, iv, total };
  }

  /** Day whose bucket holds instant `t`. */
  dayOf(t: number): number {
    let d = Math.floor((t + this.zone.offsetAt(t)) / DAY_MS);
    while (t < this.plan(d).start) d--;
    while (t >= this.plan(d).end) d++;
    return d;
  }

  /**
   * Smallest day >= `day` (and < `limit`, else `limit`) whose plan may differ from the plain
   * weekly one: an override, a holiday, or a day near a UTC-offset change. Every other day holds
   * exactly its weekday's total, which is what lets whole weeks be skipped.
   */
  nextIrregular(day: number, limit: number): number {
    let best = limit;
    const i = lowerBound(this.spec.overrideDays, day);
    if (i < this.spec.overrideDays.length) best = Math.min(best, this.spec.overrideDays[i]!);
    best = this.spec.holidays.next(day, best);
    // A transition at T touches the buckets around the local dates just before and after it.
    let after = (day - 3) * DAY_MS - MAX_OFFSET_MS;
    const stop = (best + 3) * DAY_MS + MAX_OFFSET_MS;
    for (;;) {
      const tr = this.zone.nextTransition(after, stop);
      if (!tr) break;
      const lo = Math.floor((tr.at + Math.min(tr.before, tr.after)) / DAY_MS) - 2;
      const hi = Math.floor((tr.at + Math.max(tr.before, tr.after)) / DAY_MS) + 2;
      if (hi >= day) {
        best = Math.min(best, Math.max(lo, day));
        break;
      }
      after = tr.at;
    }
    return best;
  }
}
