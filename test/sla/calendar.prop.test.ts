/**
 * Property tests of the business calendar (RELIABILITY.md T1), including a brute-force oracle
 * that walks real time minute by minute and asks Intl for the local wall clock.
 * Replay a failure with FC_SEED=<seed printed below>.
 */
import fc from 'fast-check';
import { type CalendarSpec, createCalendar, type WeekdayKey } from 'ticketkit';
import { describe, expect, it } from 'vitest';

const SEED = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.FC_RUNS ?? 1000);
console.log(`calendar.prop: fast-check seed ${SEED} (FC_SEED=${SEED} to replay), ${RUNS} runs`);
const params = { seed: SEED, numRuns: RUNS };

const MIN = 60_000;
const DAY = 86_400_000;
const ZONES = [
  'America/New_York',
  'Europe/London',
  'Europe/Berlin',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'Asia/Shanghai',
  'Pacific/Apia',
] as const;
const KEYS: WeekdayKey[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
// Start dates near the transitions that matter (local midnight, UTC-based approximations).
const ANCHORS = [
  '2026-03-08', // US spring forward
  '2026-11-01', // US fall back
  '2026-03-29', // EU spring forward
  '2026-10-25', // EU fall back
  '2026-04-05', // Lord Howe back 30 min
  '2026-10-04', // Lord Howe forward 30 min
  '2011-12-29', // Apia skips 2011-12-30
  '2020-09-27', // Apia DST start
  '2026-06-15',
  '2027-02-26', // leap-year neighbourhood below
  '2028-02-28',
].map((s) => Date.parse(`${s}T00:00:00Z`));

const hhmm = (slot: number) =>
  `${String(Math.floor(slot / 4)).padStart(2, '0')}:${String((slot % 4) * 15).padStart(2, '0')}`;

/** 0–2 ranges of 15-minute slots, sometimes a whole day or a span over the usual 01:00–04:00 shift. */
const rangesArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant<string[]>([]) },
  { weight: 1, arbitrary: fc.constant<string[]>(['00:00-24:00']) },
  { weight: 1, arbitrary: fc.constant<string[]>(['01:00-04:00', '09:00-17:00']) },
  {
    weight: 4,
    arbitrary: fc
      .uniqueArray(fc.integer({ min: 0, max: 96 }), { minLength: 2, maxLength: 4 })
      .map((xs) => {
        const s = [...xs].sort((a, b) => a - b);
        const out: string[] = [];
        for (let i = 0; i + 1 < s.length; i += 2) out.push(`${hhmm(s[i]!)}-${hhmm(s[i + 1]!)}`);
        return out;
      }),
  },
);

interface Case {
  spec: CalendarSpec;
  start: number;
  /** Holiday dates as day numbers (oracle side). */
  fixedHolidays: number[];
  yearly: { month: number; day: number } | undefined;
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    zone: fc.constantFrom(...ZONES),
    weekly: fc.array(rangesArb, { minLength: 7, maxLength: 7 }),
    anchor: fc.constantFrom(...ANCHORS),
    startMinute: fc.integer({ min: -4 * 1440, max: 4 * 1440 }),
    holidayOffsets: fc.uniqueArray(fc.integer({ min: -2, max: 12 }), { maxLength: 3 }),
    yearlyOffset: fc.option(fc.integer({ min: -1, max: 10 }), { nil: undefined }),
    overrides: fc.array(fc.tuple(fc.integer({ min: -2, max: 12 }), rangesArb), { maxLength: 2 }),
  })
  .filter((r) => r.weekly.some((x) => x.length > 0))
  .map((r) => {
    const start = r.anchor + r.startMinute * MIN;
    const day0 = Math.floor(start / DAY);
    const weekly: Partial<Record<WeekdayKey, string[]>> = {};
    r.weekly.forEach((x, i) => {
      if (x.length) weekly[KEYS[i]!] = x;
    });
    const fixedHolidays = r.holidayOffsets.map((k) => day0 + k);
    const ymd = (dn: number) => new Date(dn * DAY).toISOString().slice(0, 10);
    let yearly: Case['yearly'];
    const holidays = fixedHolidays.map(ymd);
    if (r.yearlyOffset !== undefined) {
      const dt = new Date((day0 + r.yearlyOffset) * DAY);
      yearly = { month: dt.getUTCMonth() + 1, day: dt.getUTCDate() };
      holidays.push(`RRULE:FREQ=YEARLY;BYMONTH=${yearly.month};BYMONTHDAY=${yearly.day}`);
    }
    const overrides: Record<string, string[]> = {};
    for (const [k, x] of r.overrides) overrides[ymd(day0 + k)] = x;
    return {
      spec: { timeZone: r.zone, weekly, holidays, overrides },
      start,
      fixedHolidays,
      yearly,
    };
  });

/** Business minutes in about `days` average open days of the weekly calendar. */
function budget(spec: CalendarSpec, days: number): number {
  let total = 0;
  let open = 0;
  for (const k of KEYS) {
    const r = spec.weekly[k] ?? [];
    if (r.length) open++;
    for (const x of r) {
      const [a, b] = x.split('-').map((t) => {
        const [h, m] = t.split(':').map(Number);
        return h! * 60 + m!;
      });
      total += b! - a!;
    }
  }
  return Math.max(1, Math.floor((days * total) / Math.max(open, 1)));
}

// ---- The oracle: independent of src/sla. Offsets come from Intl, one call per hour of real
// time; an hour whose two ends disagree is asked minute by minute.
const formatters = new Map<string, Intl.DateTimeFormat>();
function intlOffsetMinutes(zone: string, t: number): number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
  const wall = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!);
  return Math.round((wall - t) / MIN);
}

function makeOracle(c: Case) {
  const zone = c.spec.timeZone;
  const hourCache = new Map<number, number>();
  const hourOffset = (h: number) => {
    let o = hourCache.get(h);
    if (o === undefined) {
      o = intlOffsetMinutes(zone, h * 3_600_000);
      hourCache.set(h, o);
    }
    return o;
  };
  const offsetAt = (t: number) => {
    const h = Math.floor(t / 3_600_000);
    const a = hourOffset(h);
    return a === hourOffset(h + 1) ? a : intlOffsetMinutes(zone, t);
  };
  const parse = (x: string) =>
    x.split('-').map((t) => {
      const [h, m] = t.split(':').map(Number);
      return h! * 60 + m!;
    }) as [number, number];
  const fixed = new Set(c.fixedHolidays);
  const overrides = new Map(
    Object.entries(c.spec.overrides ?? {}).map(([k, v]) => [Date.parse(`${k}T00:00:00Z`) / DAY, v]),
  );
  return (t: number): boolean => {
    const local = t + offsetAt(t) * MIN;
    const date = Math.floor(local / DAY);
    const minuteOfDay = (local - date * DAY) / MIN;
    const dt = new Date(date * DAY);
    const holiday =
      fixed.has(date) ||
      (c.yearly !== undefined &&
        dt.getUTCMonth() + 1 === c.yearly.month &&
        dt.getUTCDate() === c.yearly.day);
    const ranges =
      overrides.get(date) ?? (holiday ? [] : (c.spec.weekly[KEYS[dt.getUTCDay()]!] ?? []));
    return ranges.some((x) => {
      const [a, b] = parse(x);
      return minuteOfDay >= a && minuteOfDay < b;
    });
  };
}

describe('T1: against a brute-force minute walker', () => {
  it('addBusinessMinutes and businessMinutesBetween agree with the oracle (0 mismatches)', () => {
    let walked = 0;
    fc.assert(
      fc.property(caseArb, fc.double({ min: 0, max: 1, noNaN: true }), (c, frac) => {
        const cal = createCalendar(c.spec);
        const open = makeOracle(c);
        const n = Math.max(1, Math.round(frac * budget(c.spec, 5)));
        let t = c.start;
        let count = 0;
        let probe = Number.NaN;
        let probeCount = 0;
        const probeAt = Math.floor(n / 2);
        for (let i = 0; ; i++) {
          if (i > 400_000) throw new Error('oracle walked too far');
          if (count === probeAt && Number.isNaN(probe)) {
            probe = t;
            probeCount = count;
          }
          if (open(t)) count++;
          t += MIN;
          if (count === n) break;
        }
        walked += (t - c.start) / MIN;
        expect(cal.addBusinessMinutes(new Date(c.start), n).getTime()).toBe(t);
        expect(cal.businessMinutesBetween(new Date(c.start), new Date(t))).toBe(n);
        expect(cal.businessMinutesBetween(new Date(c.start), new Date(probe))).toBe(probeCount);
        expect(cal.isOpen(new Date(t - MIN))).toBe(true);
        expect(cal.isOpen(new Date(probe))).toBe(open(probe));
      }),
      params,
    );
    expect(walked).toBeGreaterThan(RUNS);
  });
});

describe('algebraic properties', () => {
  const msArb = fc.integer({ min: 0, max: 5 * DAY });
  const jitter = fc.integer({ min: 0, max: 59_999 });

  it('businessMinutesBetween(s, addBusinessMinutes(s, n)) = n (ms precision)', () => {
    fc.assert(
      fc.property(caseArb, msArb, jitter, (c, ms, j) => {
        const cal = createCalendar(c.spec);
        const s = new Date(c.start + j);
        const n = ms / MIN;
        const t = cal.addBusinessMinutes(s, n);
        expect(cal.businessMinutesBetween(s, t)).toBe(n);
        if (ms > 0)
          expect(cal.isOpen(new Date(t.getTime() - 1))).toBe(true); // lands in open time or on a range end
        else expect(t.getTime()).toBe(s.getTime());
      }),
      params,
    );
  });

  it('addBusinessMinutes is monotonic in n and in the start', () => {
    fc.assert(
      fc.property(caseArb, msArb, msArb, fc.integer({ min: 0, max: 3 * DAY }), (c, a, b, shift) => {
        const cal = createCalendar(c.spec);
        const s = new Date(c.start);
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const tLo = cal.addBusinessMinutes(s, lo / MIN).getTime();
        const tHi = cal.addBusinessMinutes(s, hi / MIN).getTime();
        expect(tLo).toBeLessThanOrEqual(tHi);
        if (lo < hi) expect(tLo).toBeLessThan(tHi);
        const later = cal.addBusinessMinutes(new Date(c.start + shift), lo / MIN).getTime();
        expect(tLo).toBeLessThanOrEqual(later);
      }),
      params,
    );
  });

  it('businessMinutesBetween is additive over a split point and antisymmetric', () => {
    fc.assert(
      fc.property(
        caseArb,
        fc.array(fc.integer({ min: 0, max: 20 * DAY }), { minLength: 3, maxLength: 3 }),
        (c, xs) => {
          const cal = createCalendar(c.spec);
          const [a, b, m] = xs.map((x) => new Date(c.start - 6 * DAY + x)) as [Date, Date, Date];
          const ms = (x: Date, y: Date) => Math.round(cal.businessMinutesBetween(x, y) * MIN);
          expect(ms(a, b)).toBe(ms(a, m) + ms(m, b));
          expect(ms(b, a) + ms(a, b)).toBe(0);
          if (a <= b) expect(ms(a, b)).toBeGreaterThanOrEqual(0);
        },
      ),
      params,
    );
  });

  it('nextOpen is the first open instant at or after its argument', () => {
    fc.assert(
      fc.property(caseArb, jitter, (c, j) => {
        const cal = createCalendar(c.spec);
        const at = new Date(c.start + j);
        const next = cal.nextOpen(at);
        expect(next.getTime()).toBeGreaterThanOrEqual(at.getTime());
        expect(cal.isOpen(next)).toBe(true);
        expect(cal.businessMinutesBetween(at, next)).toBe(0);
        expect(cal.isOpen(at)).toBe(next.getTime() === at.getTime());
      }),
      params,
    );
  });
});

describe('T1: isOpen and nextOpen (prefix-sum timeline) against the minute walker', () => {
  // Offsets and ranges are whole minutes in these zones and years, so the open set is a union of
  // whole UTC minutes: an instant is open iff its minute is, and nextOpen lands on a minute start.
  const PROBES = 8;
  const probesArb = fc.array(
    fc.tuple(
      fc.integer({ min: -2 * 1440, max: 12 * 1440 }),
      // Range starts and ends are whole minutes: probe them exactly and 1 ms either side.
      fc.oneof(fc.constant(0), fc.constant(59_999), fc.integer({ min: 0, max: 59_999 })),
    ),
    { minLength: PROBES, maxLength: PROBES },
  );

  it('isOpen(t) is the oracle at t; nextOpen(t) is t if open, else the next open minute', () => {
    fc.assert(
      fc.property(caseArb, probesArb, (c, probes) => {
        const cal = createCalendar(c.spec);
        const open = makeOracle(c);
        for (const [minute, ms] of probes) {
          const m = c.start + minute * MIN;
          const t = m + ms;
          const isOpen = open(m);
          expect(cal.isOpen(new Date(t))).toBe(isOpen);
          let want = t;
          if (!isOpen) {
            want = m + MIN;
            for (let i = 0; !open(want); i++, want += MIN) {
              if (i > 60 * 1440) throw new Error('oracle found no open minute in 60 days');
            }
          }
          expect(cal.nextOpen(new Date(t)).getTime()).toBe(want);
          if (!isOpen) {
            // The oracle's closed-to-open edge, exactly: closed 1 ms before, open at it.
            expect(cal.isOpen(new Date(want - 1))).toBe(false);
            expect(cal.isOpen(new Date(want))).toBe(true);
          }
        }
      }),
      { ...params, numRuns: Math.max(1, Math.floor(RUNS / 4)) },
    );
  });
});
