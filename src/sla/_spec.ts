import { ValidationError, type ValidationIssue } from '../errors/index';
import { parseLocalDate } from './_dates';
import { compileRule, type HolidayRule, Holidays } from './_holidays';
import { isKnownTimeZone } from './_zone';
import type { CalendarSpec, WeekdayKey } from './types';

const MINUTE_MS = 60_000;

/** Weekday keys in `Date#getUTCDay` order. */
export const WEEKDAY_KEYS: readonly WeekdayKey[] = [
  'sun',
  'mon',
  'tue',
  'wed',
  'thu',
  'fri',
  'sat',
];

/** Validated calendar: ranges are flat `[start, end, …]` ms offsets from local midnight. */
export interface CompiledSpec {
  readonly timeZone: string;
  readonly weekly: readonly (readonly number[])[];
  readonly weekTotalMs: number;
  readonly holidays: Holidays;
  readonly overrides: ReadonlyMap<number, readonly number[]>;
  readonly overrideDays: readonly number[];
}

const RANGE_RE = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/;

function parseRanges(
  value: unknown,
  path: (string | number)[],
  issues: ValidationIssue[],
): number[] | undefined {
  if (!Array.isArray(value)) {
    issues.push({
      code: 'invalid_type',
      path,
      message: 'Expected an array of "HH:mm-HH:mm" strings, e.g. ["09:00-12:00", "13:00-18:00"].',
    });
    return undefined;
  }
  const parsed: { start: number; end: number; index: number }[] = [];
  value.forEach((raw, index) => {
    const p = [...path, index];
    const m = typeof raw === 'string' ? RANGE_RE.exec(raw.trim()) : null;
    if (!m) {
      issues.push({
        code: 'invalid_string',
        path: p,
        message: `Expected "HH:mm-HH:mm" (e.g. "09:00-18:00"), got ${JSON.stringify(raw)}.`,
      });
      return;
    }
    const [sh, sm, eh, em] = [m[1], m[2], m[3], m[4]].map(Number) as [
      number,
      number,
      number,
      number,
    ];
    if (sh > 23 || sm > 59 || eh > 24 || em > 59 || (eh === 24 && em !== 0)) {
      issues.push({
        code: 'invalid_string',
        path: p,
        message: `"${raw}" is not a valid time range: hours run 00-23 (24:00 only as an end), minutes 00-59.`,
      });
      return;
    }
    const start = (sh * 60 + sm) * MINUTE_MS;
    const end = (eh * 60 + em) * MINUTE_MS;
    if (end <= start) {
      issues.push({
        code: 'invalid_range',
        path: p,
        message: `"${raw}" ends before it starts; split a range that crosses midnight into "…-24:00" and next day "00:00-…".`,
      });
      return;
    }
    parsed.push({ start, end, index });
  });
  const sorted = [...parsed].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur.start < prev.end) {
      const later = cur.index > prev.index ? cur : prev;
      const other = later === cur ? prev : cur;
      issues.push({
        code: 'overlapping_ranges',
        path: [...path, later.index],
        message: `"${String(value[later.index])}" overlaps "${String(value[other.index])}"; ranges of one day must not overlap.`,
      });
    }
  }
  return sorted.flatMap((r) => [r.start, r.end]);
}

function suggestWeekday(key: string): string | undefined {
  const k = key.trim().toLowerCase().slice(0, 3);
  return (WEEKDAY_KEYS as readonly string[]).includes(k) ? k : undefined;
}

/** Total open ms of a flat range list. */
export function rangesTotal(ranges: readonly number[]): number {
  let t = 0;
  for (let i = 0; i < ranges.length; i += 2) t += ranges[i + 1]! - ranges[i]!;
  return t;
}

/** Validates a spec, collecting every problem, and compiles it. */
export function compileSpec(spec: CalendarSpec): CompiledSpec {
  const issues: ValidationIssue[] = [];
  const fail = () =>
    new ValidationError(issues, { code: 'invalid_calendar', context: 'createCalendar' });
  if (typeof spec !== 'object' || spec === null) {
    issues.push({ code: 'invalid_type', path: [], message: 'Expected a calendar spec object.' });
    throw fail();
  }
  const s = spec as unknown as Record<string, unknown>;

  const timeZone = s.timeZone;
  if (typeof timeZone !== 'string' || !isKnownTimeZone(timeZone)) {
    issues.push({
      code: 'invalid_time_zone',
      path: ['timeZone'],
      message: `${JSON.stringify(timeZone)} is not a known IANA time zone; use a name like "Asia/Shanghai" or "America/New_York".`,
    });
  }

  const weekly: number[][] = WEEKDAY_KEYS.map(() => []);
  if (typeof s.weekly !== 'object' || s.weekly === null || Array.isArray(s.weekly)) {
    issues.push({
      code: 'invalid_type',
      path: ['weekly'],
      message: 'Expected an object like { mon: ["09:00-18:00"], … }.',
    });
  } else {
    for (const [key, value] of Object.entries(s.weekly)) {
      const idx = (WEEKDAY_KEYS as readonly string[]).indexOf(key);
      if (idx < 0) {
        const suggestion = suggestWeekday(key);
        issues.push({
          code: 'unrecognized_key',
          path: ['weekly', key],
          message: `Unknown weekday "${key}"; use one of ${WEEKDAY_KEYS.join(', ')}.${suggestion ? ` Did you mean "${suggestion}"?` : ''}`,
          ...(suggestion ? { suggestion } : {}),
        });
        continue;
      }
      if (value === undefined) continue;
      weekly[idx] = parseRanges(value, ['weekly', key], issues) ?? [];
    }
  }

  const fixed: number[] = [];
  const rules: HolidayRule[] = [];
  if (s.holidays !== undefined) {
    if (!Array.isArray(s.holidays)) {
      issues.push({
        code: 'invalid_type',
        path: ['holidays'],
        message: 'Expected an array of "YYYY-MM-DD" dates or "RRULE:…" strings.',
      });
    } else {
      s.holidays.forEach((h: unknown, i: number) => {
        if (typeof h !== 'string') {
          issues.push({
            code: 'invalid_type',
            path: ['holidays', i],
            message: `Expected a "YYYY-MM-DD" date or an "RRULE:…" string, got ${JSON.stringify(h)}.`,
          });
          return;
        }
        if (/^\s*(RRULE|DTSTART)/i.test(h)) {
          const r = compileRule(h);
          if (typeof r === 'string') {
            issues.push({ code: 'invalid_rrule', path: ['holidays', i], message: `"${h}" ${r}` });
          } else rules.push(r);
          return;
        }
        const d = parseLocalDate(h);
        if (d === undefined) {
          issues.push({
            code: 'invalid_date',
            path: ['holidays', i],
            message: `"${h}" is not a valid local date; use "YYYY-MM-DD" or an "RRULE:…" string.`,
          });
        } else fixed.push(d);
      });
    }
  }

  const overrides = new Map<number, number[]>();
  if (s.overrides !== undefined) {
    if (typeof s.overrides !== 'object' || s.overrides === null || Array.isArray(s.overrides)) {
      issues.push({
        code: 'invalid_type',
        path: ['overrides'],
        message: 'Expected an object like { "2026-10-10": ["09:00-18:00"] }.',
      });
    } else {
      for (const [key, value] of Object.entries(s.overrides)) {
        const d = parseLocalDate(key);
        if (d === undefined) {
          issues.push({
            code: 'invalid_date',
            path: ['overrides', key],
            message: `"${key}" is not a valid local date; use "YYYY-MM-DD".`,
          });
          continue;
        }
        const r = parseRanges(value, ['overrides', key], issues);
        if (r) overrides.set(d, r);
      }
    }
  }

  const weekTotalMs = weekly.reduce((acc, r) => acc + rangesTotal(r), 0);
  if (issues.length === 0 && weekTotalMs === 0 && ![...overrides.values()].some((r) => r.length)) {
    issues.push({
      code: 'never_open',
      path: ['weekly'],
      message:
        'The calendar never opens: give at least one weekday a range (or an override date some ranges).',
    });
  }
  if (issues.length > 0) throw fail();

  return {
    timeZone: timeZone as string,
    weekly,
    weekTotalMs,
    holidays: new Holidays(fixed, rules),
    overrides,
    overrideDays: [...overrides.keys()].sort((a, b) => a - b),
  };
}
