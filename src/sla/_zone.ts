import { intlOffset, zoneFormatter } from '../_internal/zone';
export const DAY_MS = 86_400_000;
// Offsets are sampled per block and refined by bisection; a block is a whole number of days
// so sample instants stay on whole seconds (transitions happen on whole seconds).
const BLOCK_MS = 400 * DAY_MS;
// No zone has two transitions that cancel out within two days, so a 2-day sampling step
// cannot miss one.
const STEP_MS = 2 * DAY_MS;

interface Block {
  readonly offset0: number;
  /** Transition instants inside the block, ascending. */
  readonly at: readonly number[];
  /** Offset in force from `at[i]` on. */
  readonly offsets: readonly number[];
}

/** A maximal stretch of real time with one UTC offset: [start, end) plus the offset in ms. */
export interface Segment {
  start: number;
  end: number;
  offset: number;
}

/** A change of offset at `at`, from `before` to `after` (ms). */
export interface Transition {
  at: number;
  before: number;
  after: number;
}

/**
 * Offset table for one zone, built lazily per 400-day block. All Intl / date-fns-tz work
 * happens here, once per block; lookups afterwards are pure arithmetic.
 */
export class ZoneTable {
  private readonly blocks = new Map<number, Block>();

  private readonly format: Intl.DateTimeFormat;

  constructor(readonly timeZone: string) {
    this.format = zoneFormatter(timeZone);
  }

  private raw(t: number): number {
    return intlOffset(this.format, t);
  }

  private block(index: number): Block {
    let b = this.blocks.get(index);
    if (b) return b;
    const start = index * BLOCK_MS;
    const end = start + BLOCK_MS;
    const offset0 = this.raw(start);
    const at: number[] = [];
    const offsets: number[] = [];
    let prevT = start;
    let prevOff = offset0;
    for (let t = start + STEP_MS; t <= end; t += STEP_MS) {
      const o = this.raw(t);
      // A step may hold more than one transition; peel them off one at a time.
      while (o !== prevOff) {
        let lo = prevT;
        let hi = t;
        while (hi - lo > 1000) {
          const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
          if (this.raw(mid) === prevOff) lo = mid;
          else hi = mid;
        }
        const next = this.raw(hi);
        if (hi < end) {
          at.push(hi);
          offsets.push(next);
        }
        prevT = hi;
        prevOff = next;
      }
      prevT = t;
    }
    b = { offset0, at, offsets };
    this.blocks.set(index, b);
    return b;
  }

  /** UTC offset (ms) in force at instant `t`. */
  private lastIndex = Number.NaN;
  private lastBlock: Block | undefined;

  offsetAt(t: number): number {
    const index = Math.floor(t / BLOCK_MS);
    let b = this.lastBlock;
    if (index !== this.lastIndex || !b) {
      b = this.block(index);
      this.lastIndex = index;
      this.lastBlock = b;
    }
    let o = b.offset0;
    for (let i = 0; i < b.at.length; i++) {
      if (t < b.at[i]!) break;
      o = b.offsets[i]!;
    }
    return o;
  }

  /** Constant-offset segments covering [from, to), in order. */
  segments(from: number, to: number): Segment[] {
    const out: Segment[] = [];
    let cur = from;
    let off = this.offsetAt(from);
    const last = Math.floor((to - 1) / BLOCK_MS);
    for (let bi = Math.floor(from / BLOCK_MS); bi <= last; bi++) {
      const b = this.block(bi);
      for (let i = 0; i < b.at.length; i++) {
        const t = b.at[i]!;
        if (t <= from) continue;
        if (t >= to) break;
        out.push({ start: cur, end: t, offset: off });
        cur = t;
        off = b.offsets[i]!;
      }
    }
    out.push({ start: cur, end: to, offset: off });
    return out;
  }

  /** First transition strictly after `after` and before `limit`, if any. */
  nextTransition(after: number, limit: number): Transition | undefined {
    const last = Math.floor(limit / BLOCK_MS);
    for (let bi = Math.floor(after / BLOCK_MS); bi <= last; bi++) {
      const b = this.block(bi);
      for (let i = 0; i < b.at.length; i++) {
        const t = b.at[i]!;
        if (t <= after) continue;
        if (t >= limit) return undefined;
        return { at: t, before: i === 0 ? b.offset0 : b.offsets[i - 1]!, after: b.offsets[i]! };
      }
    }
    return undefined;
  }
}

const tables = new Map<string, ZoneTable>();

/** Shared per-zone table: zone data is immutable, so calendars on one zone share lookups. */
export function zoneTable(timeZone: string): ZoneTable {
  let z = tables.get(timeZone);
  if (!z) {
    z = new ZoneTable(timeZone);
    tables.set(timeZone, z);
  }
  return z;
}

/** True if `timeZone` is an IANA zone name the runtime knows (offset strings are refused). */
export function isKnownTimeZone(timeZone: string): boolean {
  if (!/[A-Za-z]/.test(timeZone) || /^[+-]?\d/.test(timeZone)) return false;
  try {
    zoneFormatter(timeZone);
  } catch {
    return false;
  }
  return true;
}
