/**
 * @internal Date parsing for import cells and the wall-time → instant conversion (T4, M2).
 */
import { intlOffset, zoneFormatter } from '../_internal/zone';
import type { LocalTimePolicy } from './_types';

/** @internal Wall-clock fields (month 1-12). */
export interface Wall {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  ms: number;
}

/** @internal The outcome of reading one date cell, before any zone is applied. */
export type ParsedDate =
  | { kind: 'instant'; ms: number }
  | { kind: 'wall'; wall: Wall }
  /** `a/b/yyyy`: `order` is set when one part is above 12, `null` when both could be the month. */
  | { kind: 'dm'; a: number; b: number; y: number; time: Wall; order: 'DMY' | 'MDY' | null }
  | { kind: 'error'; message: string };

// The date patterns are checked by recheck (test/security/regex.test.ts, X5), which needs them
// free of backreferences to prove them linear: the two separators of ISO and DM are captured
// separately and compared in parseDateText instead of with `\2`. Wherever two blank runs could
// meet, one of them is placed so that a run of blanks has only one way to match.

/** Separator between the date and the time of day, then the clock (4 capture groups). */
const CLOCK = String.raw`(?:\s*T\s*|\s+)(\d{1,2})[:：](\d{2})(?:[:：](\d{2})(?:[.,](\d{1,9}))?)?`;
/** An optional time of day at the end of the text: clock, blanks, AM/PM (5 capture groups). */
const TIME = String.raw`(?:${CLOCK}\s*([AaPp][Mm])?)?`;
/**
 * ISO: the AM/PM blank run is inside its optional group so it does not meet the blank run before
 * the offset (`(\s*(AM))?\s*` matches what `\s*(AM)?\s*` matches, in one way only).
 */
const ISO = new RegExp(
  String.raw`^(\d{4})([-/.])(\d{1,2})([-/.])(\d{1,2})(?:${CLOCK}(?:\s*([AaPp][Mm]))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$`,
  'i',
);
/**
 * ZH: blanks after the day belong either to `日`/`号`, to the time, or end the text; the former
 * `\s*[日号]?` followed by the time's `\s+` split a blank run in n ways.
 */
const ZH = new RegExp(
  String.raw`^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})(?:\s*[日号]|\s+$)?${TIME}$`,
);
const DM = new RegExp(String.raw`^(\d{1,2})([-/.])(\d{1,2})([-/.])(\d{4})${TIME}$`);

/** @internal The date patterns, exported only for the behaviour tests of the ReDoS fix. */
export const DATE_PATTERNS = { ISO, ZH, DM } as const;
const TWO_DIGIT_YEAR = /^\d{1,2}[-/.]\d{1,2}[-/.]\d{2}(?:\D|$)/;

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(y: number, mo: number): number {
  if (mo === 2 && ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0)) return 29;
  return MONTH_DAYS[mo - 1]!;
}

/** @internal Checks calendar ranges; returns an error message or undefined. */
export function checkWall(w: Wall): string | undefined {
  if (w.y < 1000 || w.y > 9999) return `year ${w.y} is out of range (1000-9999)`;
  if (w.mo < 1 || w.mo > 12) return `month ${w.mo} does not exist`;
  if (w.d < 1 || w.d > daysIn(w.y, w.mo)) return `day ${w.d} does not exist in ${w.y}-${w.mo}`;
  if (w.h > 23 || w.mi > 59 || w.s > 59) return `time ${w.h}:${w.mi}:${w.s} is not a valid time`;
  return undefined;
}

function readTime(m: RegExpExecArray, at: number): Wall | string {
  const hs = m[at];
  let h = hs === undefined ? 0 : +hs;
  const mi = m[at + 1] === undefined ? 0 : +m[at + 1]!;
  const s = m[at + 2] === undefined ? 0 : +m[at + 2]!;
  const frac = m[at + 3];
  const ms = frac === undefined ? 0 : Math.floor(+`0.${frac}` * 1000);
  const ampm = m[at + 4];
  if (ampm !== undefined) {
    if (h < 1 || h > 12) return `hour ${h} cannot be used with ${ampm.toUpperCase()}`;
    const pm = ampm.toLowerCase() === 'pm';
    h = (h % 12) + (pm ? 12 : 0);
  }
  return { y: 0, mo: 0, d: 0, h, mi, s, ms };
}

/** @internal Reads a date cell's text. */
export function parseDateText(text: string): ParsedDate {
  // ISO and DM: both separators must be the same character (2024-01-05, not 2024-01/05).
  let m = ISO.exec(text);
  if (m && m[2] === m[4]) {
    const t = readTime(m, 6);
    if (typeof t === 'string') return { kind: 'error', message: t };
    const wall: Wall = { ...t, y: +m[1]!, mo: +m[3]!, d: +m[5]! };
    const bad = checkWall(wall);
    if (bad) return { kind: 'error', message: bad };
    const off = m[11];
    if (off !== undefined) {
      if (m[6] === undefined) return { kind: 'error', message: 'a UTC offset needs a time of day' };
      const base = wallUtc(wall);
      if (off.toUpperCase() === 'Z') return { kind: 'instant', ms: base };
      const sign = off[0] === '-' ? -1 : 1;
      const digits = off.slice(1).replace(':', '');
      const oh = +digits.slice(0, 2);
      const om = digits.length > 2 ? +digits.slice(2) : 0;
      if (oh > 18 || om > 59) return { kind: 'error', message: `offset ${off} is not valid` };
      return { kind: 'instant', ms: base - sign * (oh * 60 + om) * 60_000 };
    }
    return { kind: 'wall', wall };
  }
  m = ZH.exec(text);
  if (m) {
    const t = readTime(m, 4);
    if (typeof t === 'string') return { kind: 'error', message: t };
    const wall: Wall = { ...t, y: +m[1]!, mo: +m[2]!, d: +m[3]! };
    const bad = checkWall(wall);
    return bad ? { kind: 'error', message: bad } : { kind: 'wall', wall };
  }
  m = DM.exec(text);
  if (m && m[2] === m[4]) {
    const t = readTime(m, 6);
    if (typeof t === 'string') return { kind: 'error', message: t };
    const a = +m[1]!;
    const b = +m[3]!;
    const y = +m[5]!;
    let order: 'DMY' | 'MDY' | null = null;
    if (a > 12 && b > 12) return { kind: 'error', message: `neither ${a} nor ${b} is a month` };
    if (a > 12) order = 'DMY';
    else if (b > 12) order = 'MDY';
    return { kind: 'dm', a, b, y, time: t, order };
  }
  if (TWO_DIGIT_YEAR.test(text))
    return { kind: 'error', message: 'two-digit years are not accepted; write the year in full' };
  return {
    kind: 'error',
    message:
      'not a recognised date; use YYYY-MM-DD [HH:mm[:ss]] (optionally with Z or +08:00), YYYY/MM/DD, YYYY年M月D日 or DD/MM/YYYY',
  };
}

/** @internal Fills in the day and month of an `a/b/yyyy` value under an order. */
export function resolveDm(
  p: { a: number; b: number; y: number; time: Wall },
  order: 'DMY' | 'MDY',
): Wall | string {
  const wall: Wall = {
    ...p.time,
    y: p.y,
    d: order === 'DMY' ? p.a : p.b,
    mo: order === 'DMY' ? p.b : p.a,
  };
  return checkWall(wall) ?? wall;
}

/** @internal Wall fields read as if they were UTC. */
export function wallUtc(w: Wall): number {
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s, w.ms);
}

/** @internal Excel serial day number (1900 system, or 1904) → wall fields. */
export function excelSerialToWall(serial: number, date1904: boolean): Wall | string {
  if (!Number.isFinite(serial) || serial < 1) return `${serial} is not an Excel date serial`;
  if (!date1904 && serial >= 60 && serial < 61)
    return '1900-02-29 does not exist (Excel 1900 leap-year bug)';
  // Serials below 60 predate Excel's phantom 1900-02-29, so they count from one day later.
  const days = date1904 ? serial + 1462 : serial < 60 ? serial + 1 : serial;
  const ms = Math.round((days - 25569) * 86_400_000);
  return utcToWall(ms);
}

/** @internal The UTC fields of an instant (used for wall times that exceljs hands over as Dates). */
export function utcToWall(ms: number): Wall {
  const d = new Date(ms);
  return {
    y: d.getUTCFullYear(),
    mo: d.getUTCMonth() + 1,
    d: d.getUTCDate(),
    h: d.getUTCHours(),
    mi: d.getUTCMinutes(),
    s: d.getUTCSeconds(),
    ms: d.getUTCMilliseconds(),
  };
}

/** @internal The outcome of placing a wall time in a zone. */
export type ZoneResult =
  | { ok: true; ms: number }
  | {
      ok: false;
      code: 'nonexistent_local_time' | 'ambiguous_local_time';
      earlier: number;
      later: number;
    };

const DAY = 86_400_000;

/** @internal Converts wall times in one IANA zone to instants with Intl, caching per UTC day. */
export class ZoneConverter {
  private readonly fmt: Intl.DateTimeFormat;
  // Offset per UTC day when it is the same at both ends of the day; NaN marks a transition day,
  // where each instant is asked for separately. Offsets are constant on all but ~2 days a year,
  // so a million rows cost a few hundred Intl calls.
  private readonly dayOffsets = new Map<number, number>();

  constructor(readonly timeZone: string) {
    this.fmt = zoneFormatter(timeZone);
  }

  private exactOffset(ms: number): number {
    return intlOffset(this.fmt, ms);
  }

  /** Offset (local − UTC, in ms) in force at instant `ms`. */
  offsetAt(ms: number): number {
    const day = Math.floor(ms / DAY);
    let off = this.dayOffsets.get(day);
    if (off === undefined) {
      const a = this.exactOffset(day * DAY);
      const b = this.exactOffset(day * DAY + DAY - 1000);
      off = a === b ? a : Number.NaN;
      if (this.dayOffsets.size > 50_000) this.dayOffsets.clear();
      this.dayOffsets.set(day, off);
    }
    return Number.isNaN(off) ? this.exactOffset(ms) : off;
  }

  /** The instant(s) at which the zone's clocks show `wall`. */
  toInstant(wall: Wall): ZoneResult {
    const w = wallUtc(wall);
    // At most one transition lies within a day of any wall time, so the offsets a day either
    // side are the only two candidates.
    const before = this.offsetAt(w - DAY);
    const after = this.offsetAt(w + DAY);
    const c1 = w - before;
    const c2 = w - after;
    const ok1 = this.offsetAt(c1) === before;
    const ok2 = c2 !== c1 && this.offsetAt(c2) === after;
    if (ok1 && !ok2) return { ok: true, ms: c1 };
    if (ok2 && !ok1) return { ok: true, ms: c2 };
    const earlier = Math.min(c1, c2);
    const later = Math.max(c1, c2);
    if (ok1 && ok2) return { ok: false, code: 'ambiguous_local_time', earlier, later };
    return { ok: false, code: 'nonexistent_local_time', earlier, later };
  }

  /** Applies a policy to {@link toInstant}'s result: an instant or the code to report. */
  resolve(wall: Wall, policy: LocalTimePolicy): number | (ZoneResult & { ok: false }) {
    const r = this.toInstant(wall);
    if (r.ok) return r.ms;
    if (policy === 'earlier') return r.earlier;
    if (policy === 'later') return r.later;
    return r;
  }
}

/** @internal True if `tz` is an IANA zone Intl knows. */
export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
