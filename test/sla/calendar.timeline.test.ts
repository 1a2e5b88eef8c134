/**
 * The prefix-sum timeline behind addBusinessMinutes / businessMinutesBetween serves spans of up
 * to a few years chunk by chunk and hands longer ones to the week-skipping day walk. These
 * properties cross-check the two paths on the same calendar: a long span (day walk) must agree
 * with the sum of its shorter pieces (timeline), including pieces that end on chunk boundaries.
 * Replay a failure with FC_SEED=<seed printed below>.
 */
import fc from 'fast-check';
import { type CalendarSpec, createCalendar } from 'ticketkit';
import { describe, expect, it } from 'vitest';
import { CACHE_DAYS, DayPlans } from '../../src/sla/_day-plan';
import { compileSpec } from '../../src/sla/_spec';
import { zoneTable } from '../../src/sla/_zone';

const SEED = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.FC_RUNS ?? 300);
console.log(`calendar.timeline: fast-check seed ${SEED} (FC_SEED=${SEED} to replay), ${RUNS} runs`);
const params = { seed: SEED, numRuns: RUNS };

const MIN = 60_000;
const DAY = 86_400_000;
const YEAR = 365 * DAY;
const sh = ['09:00-12:00', '13:00-18:00'];
const specs: CalendarSpec[] = [
  {
    timeZone: 'Asia/Shanghai',
    weekly: { mon: sh, tue: sh, wed: sh, thu: sh, fri: sh },
    holidays: ['2026-10-01', '2026-10-02', 'RRULE:FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1'],
    overrides: { '2026-10-10': ['09:00-18:00'] },
  },
  {
    timeZone: 'America/New_York',
    weekly: { mon: ['09:00-17:00'], tue: ['01:00-04:00', '09:00-17:00'], sat: ['00:00-24:00'] },
    holidays: ['RRULE:FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=26', '2026-12-25'],
  },
  {
    timeZone: 'Australia/Lord_Howe',
    weekly: { sun: ['00:00-24:00'], mon: ['01:00-03:00'], thu: ['12:00-24:00'] },
    holidays: ['RRULE:FREQ=MONTHLY;BYMONTHDAY=1'],
  },
  { timeZone: 'Europe/Berlin', weekly: { wed: ['23:00-24:00'] } },
  {
    // Closed for 300 days from 2026-03-01: longer than a timeline chunk (128 days).
    timeZone: 'America/New_York',
    weekly: { mon: ['09:00-17:00'], fri: ['22:00-24:00'], sat: ['00:00-02:00'] },
    holidays: Array.from({ length: 300 }, (_, k) =>
      new Date(Date.UTC(2026, 2, 1) + k * 86_400_000).toISOString().slice(0, 10),
    ),
  },
];
const calendars = specs.map(createCalendar);
const calArb = fc.integer({ min: 0, max: specs.length - 1 }).map((i) => calendars[i]!);
const BASE = Date.UTC(2024, 0, 1);
const instantArb = fc.integer({ min: 0, max: 8 * YEAR }).map((x) => BASE + x);

describe('timeline vs day walk', () => {
  it('between over a long span is the sum of its pieces (paths agree, ms precision)', () => {
    fc.assert(
      fc.property(calArb, fc.array(instantArb, { minLength: 4, maxLength: 4 }), (cal, xs) => {
        const [a, b, c, d] = [...xs].sort((x, y) => x - y).map((x) => new Date(x)) as Date[];
        const ms = (x: Date, y: Date) => Math.round(cal.businessMinutesBetween(x, y) * MIN);
        expect(ms(a!, d!)).toBe(ms(a!, b!) + ms(b!, c!) + ms(c!, d!));
        expect(ms(d!, a!) + ms(a!, d!)).toBe(0);
      }),
      params,
    );
  });

  it('add(s, n) = add(add(s, k), n - k) for spans from minutes to years', () => {
    fc.assert(
      fc.property(
        calArb,
        instantArb,
        fc.integer({ min: 1, max: 2_000 * 60 * MIN }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (cal, s, n, f) => {
          const k = Math.floor(n * f);
          const start = new Date(s);
          const whole = cal.addBusinessMinutes(start, n / MIN);
          const mid = cal.addBusinessMinutes(start, k / MIN);
          expect(cal.addBusinessMinutes(mid, (n - k) / MIN).getTime()).toBe(whole.getTime());
          expect(Math.round(cal.businessMinutesBetween(start, whole) * MIN)).toBe(n);
          expect(cal.isOpen(new Date(whole.getTime() - 1))).toBe(true);
        },
      ),
      params,
    );
  });

  it('a budget that ends exactly at a range end returns that end, across chunk edges', () => {
    const cal = calendars[0]!;
    // Every Friday 18:00 in Shanghai over two years: 1 minute before it, add 1 minute.
    for (let t = Date.UTC(2026, 0, 2, 10); t < Date.UTC(2028, 0, 1); t += 7 * DAY) {
      const end = new Date(t);
      if (!cal.isOpen(new Date(t - MIN))) continue;
      expect(cal.addBusinessMinutes(new Date(t - MIN), 1).getTime()).toBe(end.getTime());
      expect(cal.businessMinutesBetween(new Date(t - MIN), end)).toBe(1);
    }
  });

  it('spans far from today and near the Date range edges still work', () => {
    const cal = calendars[1]!;
    for (const iso of ['1901-03-04T15:00:00Z', '2300-06-01T12:00:00Z', '-000100-01-04T12:00:00Z']) {
      const s = new Date(iso);
      const t = cal.addBusinessMinutes(s, 37 * 60);
      expect(cal.businessMinutesBetween(s, t)).toBe(37 * 60);
    }
  });
});

describe('isOpen / nextOpen on the timeline', () => {
  // Half the draws inside (or just around) the 300-day closure of the last calendar.
  const closure = fc.integer({ min: Date.UTC(2026, 1, 1), max: Date.UTC(2027, 0, 15) });
  const pairArb = fc.oneof(
    fc.tuple(calArb, instantArb),
    fc.tuple(fc.constant(calendars[calendars.length - 1]!), closure),
  );

  it('nextOpen(t) = addBusinessMinutes(t, 1 ms) - 1 ms, and isOpen agrees with it', () => {
    fc.assert(
      fc.property(pairArb, ([cal, t]) => {
        const next = cal.nextOpen(new Date(t)).getTime();
        expect(next).toBe(cal.addBusinessMinutes(new Date(t), 1 / MIN).getTime() - 1);
        expect(cal.isOpen(new Date(t))).toBe(next === t);
        expect(cal.isOpen(new Date(next))).toBe(true);
        if (next > t) {
          expect(cal.isOpen(new Date(next - 1))).toBe(false);
          expect(cal.businessMinutesBetween(new Date(t), new Date(next))).toBe(0);
        }
      }),
      params,
    );
  });

  it('the day walk (instants past the timeline range) gives the same answers', () => {
    // Same weekly calendar, far apart: compare the pattern one whole number of weeks apart in a
    // fixed-offset zone, so the answer near the Date range edge is a shifted near-today answer.
    const cal = createCalendar({ timeZone: 'Asia/Shanghai', weekly: { mon: ['09:00-17:00'] } });
    const WEEK = 7 * DAY;
    const near = Date.UTC(2026, 0, 5);
    const far = near + Math.floor((8.6e15 - near) / WEEK) * WEEK;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: WEEK - 1 }), (x) => {
        expect(cal.isOpen(new Date(far + x))).toBe(cal.isOpen(new Date(near + x)));
        const nf = cal.nextOpen(new Date(far + x)).getTime() - far;
        expect(nf).toBe(cal.nextOpen(new Date(near + x)).getTime() - near);
      }),
      params,
    );
  });
});

describe('day plan caches', () => {
  it('stay within CACHE_DAYS entries however many days are asked about, and stay correct', () => {
    const spec = specs[1]!;
    const plans = new DayPlans(compileSpec(spec), zoneTable(spec.timeZone));
    const fresh = new DayPlans(compileSpec(spec), zoneTable(spec.timeZone));
    const day0 = Math.floor(BASE / DAY);
    for (let d = day0; d < day0 + 3 * CACHE_DAYS; d++) plans.plan(d);
    const used = plans.cached();
    expect(used.plans).toBe(CACHE_DAYS);
    expect(used.bounds).toBe(CACHE_DAYS);
    // After evictions, a cached or recomputed plan equals one computed from scratch.
    for (let d = day0; d < day0 + 3 * CACHE_DAYS; d += 97) {
      expect(plans.plan(d)).toEqual(fresh.compute(d));
    }
  });
});
