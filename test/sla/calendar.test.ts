import {
  type BusinessCalendar,
  type CalendarSpec,
  calendar24x7,
  createCalendar,
  isTicketkitError,
  parseBusinessDuration,
  ValidationError,
} from 'ticketkit';
import { describe, expect, it } from 'vitest';

const d = (iso: string) => new Date(iso);
const iso = (x: Date) => x.toISOString();
const W = ['09:00-12:00', '13:00-18:00'];

const shanghaiSpec: CalendarSpec = {
  timeZone: 'Asia/Shanghai',
  weekly: { mon: W, tue: W, wed: W, thu: W, fri: W },
  holidays: ['2026-10-01', 'RRULE:FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1'],
  overrides: { '2026-10-10': ['09:00-18:00'], '2026-12-24': ['09:00-12:00'] },
};
const shanghai = createCalendar(shanghaiSpec);

function errorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('addBusinessMinutes on the Shanghai calendar', () => {
  it.each([
    ['lunch break is skipped', '2026-09-28T11:00:00+08:00', 120, '2026-09-28T14:00:00+08:00'],
    [
      'budget ending at 12:00 is due at 12:00',
      '2026-09-28T09:00:00+08:00',
      180,
      '2026-09-28T12:00:00+08:00',
    ],
    [
      'budget ending at 18:00 is due at 18:00',
      '2026-09-28T09:00:00+08:00',
      480,
      '2026-09-28T18:00:00+08:00',
    ],
    [
      'start inside lunch waits for 13:00',
      '2026-09-28T12:30:00+08:00',
      30,
      '2026-09-28T13:30:00+08:00',
    ],
    [
      'start after hours rolls to next morning',
      '2026-09-28T19:00:00+08:00',
      30,
      '2026-09-29T09:30:00+08:00',
    ],
    [
      'fixed-date holiday 2026-10-01 is skipped',
      '2026-09-30T17:00:00+08:00',
      120,
      '2026-10-02T10:00:00+08:00',
    ],
    [
      'make-up Saturday 2026-10-10 (调休) is open',
      '2026-10-09T17:00:00+08:00',
      120,
      '2026-10-10T10:00:00+08:00',
    ],
    [
      'half day 2026-12-24 closes at noon',
      '2026-12-24T11:00:00+08:00',
      120,
      '2026-12-25T10:00:00+08:00',
    ],
    ['weekend is skipped', '2026-09-25T17:30:00+08:00', 60, '2026-09-28T09:30:00+08:00'],
    [
      'RRULE Jan 1 holiday without DTSTART holds in a past year (2021)',
      '2020-12-31T17:00:00+08:00',
      120,
      '2021-01-04T10:00:00+08:00',
    ],
    [
      '37 business hours across the National Day holiday',
      '2026-09-30T10:00:00+08:00',
      37 * 60,
      '2026-10-07T16:00:00+08:00',
    ],
  ])('%s', (_name, start, minutes, due) => {
    const s = d(start);
    const t = shanghai.addBusinessMinutes(s, minutes);
    expect(iso(t)).toBe(iso(d(due)));
    expect(shanghai.businessMinutesBetween(s, t)).toBe(minutes);
  });

  it('returns the start itself for 0 minutes, even when closed', () => {
    const s = d('2026-09-27T03:00:00+08:00');
    expect(iso(shanghai.addBusinessMinutes(s, 0))).toBe(iso(s));
  });

  it('keeps seconds and milliseconds and accepts fractional minutes', () => {
    expect(iso(shanghai.addBusinessMinutes(d('2026-09-28T09:00:15.250+08:00'), 1))).toBe(
      iso(d('2026-09-28T09:01:15.250+08:00')),
    );
    expect(iso(shanghai.addBusinessMinutes(d('2026-09-28T11:59:50+08:00'), 0.5))).toBe(
      iso(d('2026-09-28T13:00:20+08:00')),
    );
  });

  it('a [] override closes a weekday', () => {
    const cal = createCalendar({ ...shanghaiSpec, overrides: { '2026-09-29': [] } });
    expect(iso(cal.addBusinessMinutes(d('2026-09-28T17:00:00+08:00'), 120))).toBe(
      iso(d('2026-09-30T10:00:00+08:00')),
    );
    expect(cal.isOpen(d('2026-09-29T10:00:00+08:00'))).toBe(false);
  });

  it('an override wins over a holiday on the same date', () => {
    const cal = createCalendar({ ...shanghaiSpec, overrides: { '2026-10-01': ['10:00-11:00'] } });
    expect(
      cal.businessMinutesBetween(d('2026-10-01T00:00:00+08:00'), d('2026-10-02T00:00:00+08:00')),
    ).toBe(60);
  });

  it('skips whole weeks and still agrees with businessMinutesBetween over years', () => {
    const s = d('2026-09-30T10:00:00+08:00');
    const n = 8 * 60 * 250 * 5;
    const t = shanghai.addBusinessMinutes(s, n);
    expect(shanghai.businessMinutesBetween(s, t)).toBe(n);
    expect(shanghai.isOpen(new Date(t.getTime() - 1))).toBe(true);
  });

  it('counts a year by independent day arithmetic', () => {
    // 2027: weekdays minus Jan 1 (a Friday); 8h each.
    let days = 0;
    for (let t = Date.UTC(2027, 0, 1); t < Date.UTC(2028, 0, 1); t += 86_400_000) {
      const wd = new Date(t).getUTCDay();
      if (wd !== 0 && wd !== 6) days++;
    }
    const between = shanghai.businessMinutesBetween(
      d('2027-01-01T00:00:00+08:00'),
      d('2028-01-01T00:00:00+08:00'),
    );
    expect(between).toBe((days - 1) * 480);
  });
});

describe('businessMinutesBetween', () => {
  it('is antisymmetric: to < from gives the negative of the reverse', () => {
    const a = d('2026-09-28T10:00:00+08:00');
    const b = d('2026-09-30T15:00:00+08:00');
    expect(shanghai.businessMinutesBetween(a, b)).toBe(7 * 60 + 8 * 60 + 5 * 60);
    expect(shanghai.businessMinutesBetween(b, a)).toBe(-(7 * 60 + 8 * 60 + 5 * 60));
    expect(shanghai.businessMinutesBetween(a, a)).toBe(0);
    // +0, not -0, when a reversed interval holds no business time.
    expect(
      Object.is(
        shanghai.businessMinutesBetween(
          d('2026-09-30T12:45:00+08:00'),
          d('2026-09-30T12:15:00+08:00'),
        ),
        0,
      ),
    ).toBe(true);
    expect(
      Object.is(
        shanghai.businessMinutesBetween(
          d('2026-09-27T00:00:00+08:00'),
          d('2026-09-26T00:00:00+08:00'),
        ),
        0,
      ),
    ).toBe(true);
  });

  it('is 0 across a closed stretch', () => {
    expect(
      shanghai.businessMinutesBetween(
        d('2026-09-26T00:00:00+08:00'),
        d('2026-09-28T09:00:00+08:00'),
      ),
    ).toBe(0);
  });
});

describe('isOpen and nextOpen', () => {
  it.each([
    ['2026-09-28T09:00:00+08:00', true],
    ['2026-09-28T11:59:59.999+08:00', true],
    ['2026-09-28T12:00:00+08:00', false],
    ['2026-09-28T18:00:00+08:00', false],
    ['2026-10-01T10:00:00+08:00', false],
    ['2026-10-10T17:59:00+08:00', true],
    ['2021-01-01T10:00:00+08:00', false],
  ])('isOpen(%s) = %s', (at, open) => {
    expect(shanghai.isOpen(d(at))).toBe(open);
  });

  it.each([
    ['2026-09-28T10:00:00+08:00', '2026-09-28T10:00:00+08:00'],
    ['2026-09-28T12:30:00+08:00', '2026-09-28T13:00:00+08:00'],
    ['2026-09-26T12:00:00+08:00', '2026-09-28T09:00:00+08:00'],
    ['2026-09-30T18:00:00+08:00', '2026-10-02T09:00:00+08:00'],
  ])('nextOpen(%s) = %s', (at, next) => {
    expect(iso(shanghai.nextOpen(d(at)))).toBe(iso(d(next)));
  });
});

describe('24:00 ends and 24x7 desks', () => {
  it('a range ending at 24:00 joins the next day starting at 00:00', () => {
    const cal = createCalendar({
      timeZone: 'UTC',
      weekly: { mon: ['18:00-24:00'], tue: ['00:00-02:00'] },
    });
    expect(iso(cal.addBusinessMinutes(d('2026-09-28T23:00:00Z'), 120))).toBe(
      '2026-09-29T01:00:00.000Z',
    );
    expect(iso(cal.addBusinessMinutes(d('2026-09-28T23:00:00Z'), 60))).toBe(
      '2026-09-29T00:00:00.000Z',
    );
    expect(cal.isOpen(d('2026-09-28T23:59:59.999Z'))).toBe(true);
    expect(cal.isOpen(d('2026-09-29T00:00:00Z'))).toBe(true);
  });

  it('24x7 is real elapsed time across midnight', () => {
    const cal = calendar24x7('Europe/Berlin');
    expect(iso(cal.addBusinessMinutes(d('2026-06-01T23:30:00+02:00'), 60))).toBe(
      iso(d('2026-06-02T00:30:00+02:00')),
    );
    expect(
      cal.businessMinutesBetween(d('2026-06-01T23:00:00+02:00'), d('2026-06-03T01:00:00+02:00')),
    ).toBe(26 * 60);
    expect(calendar24x7().timeZone).toBe('UTC');
  });
});

describe('half-hour offsets and Pacific/Apia', () => {
  it('Asia/Kolkata (+05:30)', () => {
    const cal = createCalendar({
      timeZone: 'Asia/Kolkata',
      weekly: { mon: ['09:30-18:00'], tue: ['09:30-18:00'] },
    });
    expect(iso(cal.addBusinessMinutes(d('2026-03-02T17:00:00+05:30'), 120))).toBe(
      iso(d('2026-03-03T10:30:00+05:30')),
    );
    expect(cal.isOpen(d('2026-03-02T04:00:00Z'))).toBe(true); // 09:30 IST
    expect(cal.isOpen(d('2026-03-02T03:59:00Z'))).toBe(false);
  });

  it('Apia skipped Friday 2011-12-30 when it crossed the date line', () => {
    const weekday = ['09:00-17:00'];
    const cal = createCalendar({
      timeZone: 'Pacific/Apia',
      weekly: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday },
    });
    // Thu 2011-12-29 16:00 (-10:00) + 2h → Mon 2012-01-02 10:00 (+14:00).
    expect(iso(cal.addBusinessMinutes(d('2011-12-29T16:00:00-10:00'), 120))).toBe(
      iso(d('2012-01-02T10:00:00+14:00')),
    );
    const desk = calendar24x7('Pacific/Apia');
    const a = d('2011-12-29T12:00:00-10:00');
    const b = d('2011-12-31T12:00:00+14:00');
    expect(desk.businessMinutesBetween(a, b)).toBe((b.getTime() - a.getTime()) / 60_000);
  });
});

interface DstCase {
  zone: string;
  date: string;
  range: string;
  minutes: number;
}
describe('DST: ranges spanning the shift are shorter or longer in real time', () => {
  const cases: DstCase[] = [
    { zone: 'America/New_York', date: '2026-03-08', range: '00:00-24:00', minutes: 23 * 60 },
    { zone: 'America/New_York', date: '2026-03-08', range: '01:00-04:00', minutes: 2 * 60 },
    { zone: 'America/New_York', date: '2026-03-08', range: '09:00-17:00', minutes: 8 * 60 },
    { zone: 'America/New_York', date: '2026-11-01', range: '00:00-24:00', minutes: 25 * 60 },
    { zone: 'America/New_York', date: '2026-11-01', range: '01:00-04:00', minutes: 4 * 60 },
    { zone: 'America/New_York', date: '2026-11-01', range: '09:00-17:00', minutes: 8 * 60 },
    { zone: 'Europe/Berlin', date: '2026-03-29', range: '01:00-04:00', minutes: 2 * 60 },
    { zone: 'Europe/Berlin', date: '2026-03-29', range: '00:00-24:00', minutes: 23 * 60 },
    { zone: 'Europe/Berlin', date: '2026-10-25', range: '01:00-04:00', minutes: 4 * 60 },
    { zone: 'Europe/Berlin', date: '2026-10-25', range: '09:00-17:00', minutes: 8 * 60 },
    { zone: 'Europe/London', date: '2026-03-29', range: '00:00-03:00', minutes: 2 * 60 },
    { zone: 'Europe/London', date: '2026-10-25', range: '00:00-03:00', minutes: 4 * 60 },
    { zone: 'Europe/London', date: '2026-10-25', range: '00:00-24:00', minutes: 25 * 60 },
    // Lord Howe shifts by 30 minutes: back 02:00→01:30 on 2026-04-05, forward 02:00→02:30 on 2026-10-04.
    {
      zone: 'Australia/Lord_Howe',
      date: '2026-04-05',
      range: '00:00-24:00',
      minutes: 24 * 60 + 30,
    },
    { zone: 'Australia/Lord_Howe', date: '2026-04-05', range: '01:00-04:00', minutes: 3 * 60 + 30 },
    {
      zone: 'Australia/Lord_Howe',
      date: '2026-10-04',
      range: '00:00-24:00',
      minutes: 23 * 60 + 30,
    },
    { zone: 'Australia/Lord_Howe', date: '2026-10-04', range: '01:00-04:00', minutes: 2 * 60 + 30 },
  ];
  it.each(cases)('$zone $date $range = $minutes min', ({ zone, date, range, minutes }) => {
    const cal = createCalendar({ timeZone: zone, weekly: {}, overrides: { [date]: [range] } });
    const from = d(`${date}T00:00:00Z`);
    const wide = (t: Date, days: number) => new Date(t.getTime() + days * 86_400_000);
    expect(cal.businessMinutesBetween(wide(from, -2), wide(from, 3))).toBe(minutes);
    const open = cal.nextOpen(wide(from, -2));
    const due = cal.addBusinessMinutes(open, minutes);
    expect(cal.businessMinutesBetween(open, due)).toBe(minutes);
    expect(cal.isOpen(new Date(due.getTime() - 1))).toBe(true);
    expect(cal.isOpen(due)).toBe(false);
  });

  it('spring gap: wall times that do not exist are not business time (New York 01:00-04:00)', () => {
    const cal = createCalendar({
      timeZone: 'America/New_York',
      weekly: { sun: ['01:00-04:00'] },
    });
    // 01:30 EST + 60 min of real time = 03:30 EDT (02:00-03:00 does not exist).
    expect(iso(cal.addBusinessMinutes(d('2026-03-08T01:30:00-05:00'), 60))).toBe(
      iso(d('2026-03-08T03:30:00-04:00')),
    );
    expect(cal.isOpen(d('2026-03-08T07:00:00Z'))).toBe(true); // 03:00 EDT
  });

  it('fall back: repeated wall times count twice (New York 01:00-04:00)', () => {
    const cal = createCalendar({
      timeZone: 'America/New_York',
      weekly: { sun: ['01:00-04:00'] },
    });
    // 01:30 EDT + 60 min = 01:30 EST, the second 01:30 of the night.
    expect(iso(cal.addBusinessMinutes(d('2026-11-01T01:30:00-04:00'), 60))).toBe(
      iso(d('2026-11-01T01:30:00-05:00')),
    );
  });

  it('T2: an 09:00-17:00 day is 8 business hours on each transition date', () => {
    const weekday = ['09:00-17:00'];
    const ny = createCalendar({
      timeZone: 'America/New_York',
      weekly: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday },
    });
    // Friday 16:00 EST + 2h → Monday 10:00 EDT, across the 2026-03-08 shift.
    expect(iso(ny.addBusinessMinutes(d('2026-03-06T16:00:00-05:00'), 120))).toBe(
      iso(d('2026-03-09T10:00:00-04:00')),
    );
    expect(iso(ny.addBusinessMinutes(d('2026-10-30T16:00:00-04:00'), 120))).toBe(
      iso(d('2026-11-02T10:00:00-05:00')),
    );
    const berlin = createCalendar({
      timeZone: 'Europe/Berlin',
      weekly: { fri: weekday, mon: weekday },
    });
    expect(iso(berlin.addBusinessMinutes(d('2026-03-27T16:00:00+01:00'), 120))).toBe(
      iso(d('2026-03-30T10:00:00+02:00')),
    );
    expect(iso(berlin.addBusinessMinutes(d('2026-10-23T16:00:00+02:00'), 120))).toBe(
      iso(d('2026-10-26T10:00:00+01:00')),
    );
  });

  it('T2: a 24-hour calendar SLA moves the wall clock by ±1 h across a transition', () => {
    const desk = calendar24x7('America/New_York');
    expect(iso(desk.addBusinessMinutes(d('2026-03-07T12:00:00-05:00'), 24 * 60))).toBe(
      iso(d('2026-03-08T13:00:00-04:00')),
    );
    expect(iso(desk.addBusinessMinutes(d('2026-10-31T12:00:00-04:00'), 24 * 60))).toBe(
      iso(d('2026-11-01T11:00:00-05:00')),
    );
  });

  it("St. John's 1990: a fall-back at 00:01 re-enters the previous local date", () => {
    // 1990-10-28 00:01 NDT became 1990-10-27 23:01 NST: Saturday 23:00-24:00 is lived 60 + 59 min.
    const cal = createCalendar({ timeZone: 'America/St_Johns', weekly: { sat: ['23:00-24:00'] } });
    const from = d('1990-10-27T12:00:00Z');
    const to = d('1990-10-29T12:00:00Z');
    expect(cal.businessMinutesBetween(from, to)).toBe(119);
    const due = cal.addBusinessMinutes(from, 119);
    expect(cal.businessMinutesBetween(from, due)).toBe(119);
    expect(cal.isOpen(new Date(due.getTime() - 1))).toBe(true);
  });
});

describe('leap day (T3)', () => {
  const weekday = ['09:00-17:00'];
  const weekly = { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday };
  it.each([
    'RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29',
    'DTSTART:20240229T000000Z\nRRULE:FREQ=YEARLY',
  ])('yearly Feb-29 holiday %j falls only in leap years', (rule) => {
    const cal = createCalendar({ timeZone: 'UTC', weekly, holidays: [rule] });
    expect(cal.isOpen(d('2028-02-29T10:00:00Z'))).toBe(false); // a Tuesday
    expect(cal.isOpen(d('2028-02-28T10:00:00Z'))).toBe(true);
    expect(cal.isOpen(d('2028-03-01T10:00:00Z'))).toBe(true);
    expect(cal.isOpen(d('2029-02-28T10:00:00Z'))).toBe(true);
    expect(cal.isOpen(d('2029-03-01T10:00:00Z'))).toBe(true);
    expect(cal.businessMinutesBetween(d('2029-02-26T00:00:00Z'), d('2029-03-03T00:00:00Z'))).toBe(
      5 * 480,
    );
    expect(cal.businessMinutesBetween(d('2028-02-28T00:00:00Z'), d('2028-03-02T00:00:00Z'))).toBe(
      2 * 480,
    );
  });
});

describe('validation', () => {
  it('collects every problem with its path and code invalid_calendar', () => {
    const e = errorOf(() =>
      createCalendar({
        timeZone: 'Asia/Shangai',
        weekly: {
          mon: ['09:00-12:00', '11:00-13:00'],
          tue: ['9-5'],
          wed: ['18:00-09:00'],
          thu: ['09:00-24:30'],
          monday: ['09:00-17:00'],
        } as never,
        holidays: ['2026-02-30', 'RRULE:FREQ=SOMETIMES', 'RRULE:FREQ=YEARLY;BYMONTH=13'],
        overrides: { '2026/10/10': ['09:00-18:00'], '2026-10-11': ['25:00-26:00'] },
      }),
    );
    expect(e.code).toBe('invalid_calendar');
    expect(isTicketkitError(e)).toBe(true);
    const paths = e.issues.map((i) => JSON.stringify(i.path));
    expect(paths).toEqual(
      expect.arrayContaining([
        '["timeZone"]',
        '["weekly","mon",1]',
        '["weekly","tue",0]',
        '["weekly","wed",0]',
        '["weekly","thu",0]',
        '["weekly","monday"]',
        '["holidays",0]',
        '["holidays",1]',
        '["holidays",2]',
        '["overrides","2026/10/10"]',
        '["overrides","2026-10-11",0]',
      ]),
    );
    expect(e.issues.find((i) => i.path[1] === 'monday')?.suggestion).toBe('mon');
    expect(e.message).toContain('createCalendar');
  });

  it.each([
    ['offset string zone', { timeZone: '+08:00', weekly: { mon: W } }, 'timeZone'],
    ['never opens', { timeZone: 'UTC', weekly: {} }, 'weekly'],
    [
      'never opens with only empty overrides',
      { timeZone: 'UTC', weekly: { mon: [] }, overrides: { '2026-01-01': [] } },
      'weekly',
    ],
    [
      'COUNT without DTSTART',
      { timeZone: 'UTC', weekly: { mon: W }, holidays: ['RRULE:FREQ=YEARLY;COUNT=2'] },
      'holidays',
    ],
    [
      'rule that never matches',
      {
        timeZone: 'UTC',
        weekly: { mon: W },
        holidays: ['RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30'],
      },
      'holidays',
    ],
    ['weekly not an object', { timeZone: 'UTC', weekly: ['09:00-17:00'] }, 'weekly'],
  ])('%s', (_name, spec, path) => {
    const e = errorOf(() => createCalendar(spec as unknown as CalendarSpec));
    expect(e.code).toBe('invalid_calendar');
    expect(e.issues[0]?.path[0]).toBe(path);
  });

  it.each([
    [
      'negative minutes',
      (c: BusinessCalendar) => c.addBusinessMinutes(d('2026-01-05T00:00:00Z'), -1),
    ],
    [
      'NaN minutes',
      (c: BusinessCalendar) => c.addBusinessMinutes(d('2026-01-05T00:00:00Z'), Number.NaN),
    ],
    [
      'infinite minutes',
      (c: BusinessCalendar) =>
        c.addBusinessMinutes(d('2026-01-05T00:00:00Z'), Number.POSITIVE_INFINITY),
    ],
    ['invalid start', (c: BusinessCalendar) => c.addBusinessMinutes(new Date(Number.NaN), 1)],
    ['invalid from', (c: BusinessCalendar) => c.businessMinutesBetween(new Date('x'), new Date())],
    ['invalid isOpen', (c: BusinessCalendar) => c.isOpen(new Date(Number.NaN))],
    ['not a Date', (c: BusinessCalendar) => c.nextOpen('2026-01-01' as unknown as Date)],
  ])('%s is a ValidationError at the call', (_name, call) => {
    const e = errorOf(() => call(shanghai));
    expect(e.code).toBe('validation_failed');
  });

  it('a calendar whose every open day is a holiday fails at the call instead of looping', () => {
    const cal = createCalendar({
      timeZone: 'Europe/Berlin',
      weekly: { mon: W },
      holidays: ['RRULE:FREQ=WEEKLY;BYDAY=MO'],
    });
    const t0 = performance.now();
    const e = errorOf(() => cal.addBusinessMinutes(d('2026-01-05T00:00:00Z'), 60));
    expect(e.code).toBe('invalid_calendar');
    expect(e.message).toMatch(/no open time/);
    expect(errorOf(() => cal.nextOpen(d('2026-01-05T00:00:00Z'))).code).toBe('invalid_calendar');
    expect(cal.businessMinutesBetween(d('2026-01-01T00:00:00Z'), d('2036-01-01T00:00:00Z'))).toBe(
      0,
    );
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it('an override-only calendar works until its last override, then fails clearly', () => {
    const cal = createCalendar({
      timeZone: 'UTC',
      weekly: {},
      overrides: { '2026-05-09': ['10:00-11:00'] },
    });
    expect(iso(cal.addBusinessMinutes(d('2026-01-01T00:00:00Z'), 30))).toBe(
      '2026-05-09T10:30:00.000Z',
    );
    expect(errorOf(() => cal.addBusinessMinutes(d('2026-01-01T00:00:00Z'), 61)).code).toBe(
      'invalid_calendar',
    );
  });
});

describe('parseBusinessDuration', () => {
  it.each([
    ['30m', 30],
    ['4h', 240],
    ['2d', 960],
    ['1h30m', 90],
    ['1d4h', 720],
    ['1.5h', 90],
    [' 2h 15m ', 135],
    ['0m', 0],
  ])('%j → %d minutes', (input, minutes) => {
    expect(parseBusinessDuration(input)).toBe(minutes);
  });

  it('takes hoursPerDay for d', () => {
    expect(parseBusinessDuration('1d', { hoursPerDay: 7.5 })).toBe(450);
    expect(parseBusinessDuration('2d1h', { hoursPerDay: 24 })).toBe(2940);
  });

  it.each(['', '30', '-1h', '1w', 'h', '1m30h', 'abc', '1.h'])('rejects %j', (input) => {
    const e = errorOf(() => parseBusinessDuration(input));
    expect(e.code).toBe('validation_failed');
    expect(e.issues[0]?.message).toMatch(/business duration/);
  });

  it('rejects a bad hoursPerDay', () => {
    expect(errorOf(() => parseBusinessDuration('1d', { hoursPerDay: 0 })).issues[0]?.path).toEqual([
      'hoursPerDay',
    ]);
  });
});
