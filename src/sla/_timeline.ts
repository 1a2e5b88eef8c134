import type { DayPlans } from './_day-plan';
import { DAY_MS } from './_zone';

/** Local days per chunk: long enough that most SLA spans stay inside one chunk. */
export const CHUNK_DAYS = 128;
/** Chunks kept per calendar before the cache starts over (~8 KB each, ~350 years). */
const MAX_CHUNKS = 1024;

/**
 * The open time of `CHUNK_DAYS` consecutive local days as flat typed arrays, with business time
 * accumulated from the chunk's first instant. Everything is integer UTC milliseconds, so sums
 * and differences are exact.
 */
export class Chunk {
  constructor(
    /** Chunk number: local days [index * CHUNK_DAYS, (index + 1) * CHUNK_DAYS). */
    readonly index: number,
    /** First instant of the chunk's first day bucket. */
    readonly t0: number,
    /** First instant after the chunk's last day bucket (= next chunk's t0). */
    readonly t1: number,
    /** Bucket start of each day, plus t1 at [CHUNK_DAYS]. */
    readonly dayStart: Float64Array,
    /** Index of each day's first interval, plus the interval count at [CHUNK_DAYS]. */
    readonly dayIv: Int32Array,
    /** Open intervals [ivStart[i], ivEnd[i]), ascending; [count] is a +inf sentinel. */
    readonly ivStart: Float64Array,
    readonly ivEnd: Float64Array,
    /** Business ms from t0 to ivStart[i]; [count] holds the chunk total. */
    readonly ivCum: Float64Array,
    /** Business ms in the whole chunk. */
    readonly total: number,
    /** Number of open intervals (index of the sentinel). */
    readonly count: number,
  ) {}
}

const NONE = new Chunk(
  Number.NaN,
  0,
  0,
  new Float64Array(1),
  new Int32Array(1),
  new Float64Array([Number.POSITIVE_INFINITY]),
  new Float64Array([Number.POSITIVE_INFINITY]),
  new Float64Array(1),
  0,
  0,
);

/**
 * Per-calendar prefix-sum timeline over day plans, built lazily chunk by chunk. Locating an
 * instant is a chunk-range check, a day guess fixed up against bucket starts, and a scan of the
 * day's few intervals; business time between two instants is a difference of prefix sums.
 */
/** Direct-mapped cache of recently used chunks, in front of the map (power of two). */
const SLOTS = 16;
const CHUNK_MS = CHUNK_DAYS * DAY_MS;
const PER_DAY = 1 / DAY_MS;
/** Intervals scanned linearly before {@link instantAt} switches to galloping. */
const SCAN = 24;

export class Timeline {
  private readonly chunks = new Map<number, Chunk>();
  private readonly slots: Chunk[] = new Array<Chunk>(SLOTS).fill(NONE);
  private a: Chunk = NONE;
  private b: Chunk = NONE;
  /** Which of `a` (0) and `b` (1) {@link find} returned last. */
  private recent = 0;

  constructor(private readonly plans: DayPlans) {}

  chunk(index: number): Chunk {
    const slot = index & (SLOTS - 1);
    let c = this.slots[slot]!;
    if (c.index === index) return c;
    c = this.chunks.get(index) ?? this.add(index);
    this.slots[slot] = c;
    return c;
  }

  private add(index: number): Chunk {
    const c = this.build(index);
    if (this.chunks.size >= MAX_CHUNKS) this.chunks.clear();
    this.chunks.set(index, c);
    return c;
  }

  private build(index: number): Chunk {
    const day0 = index * CHUNK_DAYS;
    const dayStart = new Float64Array(CHUNK_DAYS + 1);
    const dayIv = new Int32Array(CHUNK_DAYS + 1);
    const flat: number[] = [];
    let end = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < CHUNK_DAYS; i++) {
      const p = this.plans.compute(day0 + i);
      dayStart[i] = p.start;
      dayIv[i] = flat.length >> 1;
      for (let k = 0; k < p.iv.length; k++) flat.push(p.iv[k]!);
      end = p.end;
    }
    const n = flat.length >> 1;
    dayStart[CHUNK_DAYS] = end;
    dayIv[CHUNK_DAYS] = n;
    // One sentinel interval [+inf, +inf) past the last lets scans stop without bounds checks.
    const ivStart = new Float64Array(n + 1);
    const ivEnd = new Float64Array(n + 1);
    const ivCum = new Float64Array(n + 1);
    ivStart[n] = Number.POSITIVE_INFINITY;
    ivEnd[n] = Number.POSITIVE_INFINITY;
    let cum = 0;
    for (let i = 0; i < n; i++) {
      const a = flat[2 * i]!;
      const b = flat[2 * i + 1]!;
      ivStart[i] = a;
      ivEnd[i] = b;
      ivCum[i] = cum;
      cum += b - a;
    }
    ivCum[n] = cum;
    return new Chunk(index, dayStart[0]!, end, dayStart, dayIv, ivStart, ivEnd, ivCum, cum, n);
  }

  /**
   * Chunk whose time range holds instant `t`. The two most recent chunks are checked first; a hit
   * only records which of the two it was (a small integer, no pointer store), so inputs that
   * alternate between two chunks stay cheap.
   */
  find(t: number): Chunk {
    const a = this.a;
    if (t >= a.t0 && t < a.t1) {
      this.recent = 0;
      return a;
    }
    const b = this.b;
    if (t >= b.t0 && t < b.t1) {
      this.recent = 1;
      return b;
    }
    // A local day lies within a day of its UTC day, so this guess is at most one chunk off.
    let index = Math.floor(t / CHUNK_MS);
    let c: Chunk;
    for (;;) {
      c = this.chunk(index);
      if (t < c.t0) index--;
      else if (t >= c.t1) index++;
      else break;
    }
    // Replace the one of the two used less recently.
    if (this.recent === 0) {
      this.b = c;
      this.recent = 1;
    } else {
      this.a = c;
      this.recent = 0;
    }
    return c;
  }
}

/** First interval of chunk `c` (which holds `t`) that ends after `t`; the sentinel if none. */
export function locate(c: Chunk, t: number): number {
  const ds = c.dayStart;
  // A guess within a day or so of the bucket (DST days are not 24 h). Only a guess past the
  // bucket needs fixing: the scan below walks forward over any earlier day's intervals.
  let d = ((t - c.t0) * PER_DAY) | 0;
  if (d >= CHUNK_DAYS) d = CHUNK_DAYS - 1;
  while (t < ds[d]!) d--;
  const ivEnd = c.ivEnd;
  let j = c.dayIv[d]!;
  while (ivEnd[j]! <= t) j++;
  return j;
}

/** Business ms from `c.t0` to `t`, given `j = locate(c, t)`. */
export function cumOf(c: Chunk, j: number, t: number): number {
  return c.ivCum[j]! + Math.max(0, t - c.ivStart[j]!);
}

/**
 * Earliest instant at which `target` business ms (> 0, <= c.total) have elapsed since `c.t0`,
 * searching intervals from `lo` on (the caller guarantees ivCum[lo] < target).
 */
export function instantAt(c: Chunk, target: number, lo: number): number {
  const cum = c.ivCum;
  // Smallest i >= lo with cum[i + 1] >= target. SLA spans are usually a few days ahead, where a
  // short linear scan (one mispredicted branch) beats bisection; longer ones gallop and bisect.
  const last = c.dayIv[CHUNK_DAYS]! - 1;
  let i = lo;
  const stop = Math.min(lo + SCAN, last);
  while (i < stop && cum[i + 1]! < target) i++;
  if (cum[i + 1]! < target) {
    let hi = i + 1;
    for (let step = 1; hi < last && cum[hi + 1]! < target; step += step) {
      i = hi + 1;
      hi = Math.min(last, hi + step);
    }
    i = Math.max(i, stop + 1);
    while (i < hi) {
      const mid = (i + hi) >>> 1;
      if (cum[mid + 1]! >= target) hi = mid;
      else i = mid + 1;
    }
  }
  return c.ivStart[i]! + (target - cum[i]!);
}
