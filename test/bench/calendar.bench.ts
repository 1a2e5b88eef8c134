/**
 * Business-calendar benchmark: `npx tsx test/bench/calendar.bench.ts` (also run by `npm run bench`).
 *
 * Times addBusinessMinutes (37 business hours) and businessMinutesBetween on a Shanghai calendar
 * (Mon–Fri 09:00-12:00, 13:00-18:00, holidays) and a New York one (Mon–Fri 09:00-17:00, holidays)
 * against moment-business-time, dayjs-business-time, opening_hours and a naive minute stepper,
 * in one tinybench run. Every result is checked against the minute stepper on the same start
 * instants; peers' disagreements are printed as findings, ours must be 0. A "harness floor" row makes
 * the same Date conversions as the ticketkit rows with no calendar work: the ceiling any Date-based
 * implementation can reach here. Ratios are ticketkit / fastest peer, against a 300x goal.
 *
 * Method: every tinybench task is a batch of BENCH_BATCH calls (default 64: one pass over the 64
 * starts, identical for every implementation), results summed into a checksum that must match the
 * checked answers; ops/s = calls / total measured time. Batching keeps the per-task timer read out
 * of the per-call figure, which otherwise caps any fast implementation (BENCH_BATCH=1 shows it).
 *
 * Peers compute in the machine's local zone (UTC here), so they get the calendar converted to
 * UTC wall times the way a user would: Shanghai is UTC+8 all year (exact); New York is given as
 * EST (UTC-5), which none of them can switch at the 2026-03-08 / 2026-11-01 DST changes.
 */
import dayjs from 'dayjs';
import dayjsBusinessTime from 'dayjs-business-time';
import moment from 'moment';
import 'moment-business-time';
import openingHours from 'opening_hours';
import { type CalendarSpec, createCalendar } from 'ticketkit';
import { Bench } from 'tinybench';

dayjs.extend(dayjsBusinessTime);

/** moment-business-time ships no types; these are the two methods used. */
interface WorkingMoment extends moment.Moment {
  addWorkingTime(amount: number, unit: 'minutes'): moment.Moment;
  workingDiff(other: moment.Moment, unit: 'minutes', precise: boolean): number;
}
const wm = (t: number) => moment(t) as WorkingMoment;

const MIN = 60_000;
const HOURS = 37;
const BUDGET = HOURS * 60;
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 700);
const STARTS = 64;
/** Calls per timed task: one pass over the starts by default; BENCH_BATCH=1 times single calls. */
const BATCH = Number(process.env.BENCH_BATCH ?? STARTS);
/** Target speed-up over the fastest peer, per calendar and operation. */
const GOAL = 300;
const FLOOR = 'harness floor (Date conversions only)';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = mulberry32(Number(process.env.BENCH_SEED ?? 20260308));

interface Scenario {
  name: string;
  spec: CalendarSpec;
  /** Start windows (UTC ms). */
  windows: [number, number][];
  /** Peer configuration in UTC wall time. */
  utcRanges: [string, string][]; // [start, end] HH:mm, Mon–Fri
  holidays: string[];
}

const golden = ['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07'];
const shanghaiDays = ['09:00-12:00', '13:00-18:00'];
const nyDays = ['09:00-17:00'];
const scenarios: Scenario[] = [
  {
    name: 'Shanghai',
    spec: {
      timeZone: 'Asia/Shanghai',
      weekly: {
        mon: shanghaiDays,
        tue: shanghaiDays,
        wed: shanghaiDays,
        thu: shanghaiDays,
        fri: shanghaiDays,
      },
      holidays: [...golden, '2027-01-01', 'RRULE:FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1'],
    },
    windows: [[Date.UTC(2026, 8, 1), Date.UTC(2026, 11, 24)]],
    utcRanges: [
      ['01:00', '04:00'],
      ['05:00', '10:00'],
    ],
    holidays: [...golden, '2027-01-01'],
  },
  {
    name: 'New York',
    spec: {
      timeZone: 'America/New_York',
      weekly: { mon: nyDays, tue: nyDays, wed: nyDays, thu: nyDays, fri: nyDays },
      holidays: ['2026-11-26', '2026-12-25'],
    },
    windows: [
      [Date.UTC(2026, 1, 20), Date.UTC(2026, 2, 20)],
      [Date.UTC(2026, 9, 20), Date.UTC(2026, 11, 20)],
    ],
    utcRanges: [['14:00', '22:00']],
    holidays: ['2026-11-26', '2026-12-25'],
  },
];

// ---- Naive minute stepper (the reference): one Intl offset per hour of real time.
function minuteStepper(spec: CalendarSpec) {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: spec.timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  const offsetAt = (t: number) => {
    const p = Object.fromEntries(fmt.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
    return Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!) - t;
  };
  const offsets = new Map<number, number>();
  const offsetOfHour = (h: number) => {
    let o = offsets.get(h);
    if (o === undefined) {
      o = offsetAt(h * 3_600_000);
      offsets.set(h, o);
    }
    return o;
  };
  const keys = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
  const holidays = new Set(spec.holidays?.filter((h) => !h.startsWith('RRULE')) ?? []);
  const toMin = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
  const weekly = keys.map((k) =>
    (spec.weekly[k] ?? []).map((r) => [toMin(r.slice(0, 5)), toMin(r.slice(6))]),
  );
  const open = (t: number) => {
    const h = Math.floor(t / 3_600_000);
    // An hour whose two ends agree has no transition inside; otherwise ask minute by minute.
    const off = offsetOfHour(h) === offsetOfHour(h + 1) ? offsetOfHour(h) : offsetAt(t);
    const local = new Date(t + off);
    const ymd = local.toISOString().slice(0, 10);
    if (holidays.has(ymd) || ymd.endsWith('-01-01')) return false;
    const m = local.getUTCHours() * 60 + local.getUTCMinutes();
    return weekly[local.getUTCDay()]!.some(([a, b]) => m >= a! && m < b!);
  };
  return {
    add(start: number, minutes: number): number {
      let t = start;
      let n = 0;
      while (n < minutes) {
        if (open(t)) n++;
        t += MIN;
      }
      return t;
    },
    between(from: number, to: number): number {
      let n = 0;
      for (let t = from; t < to; t += MIN) if (open(t)) n++;
      return n;
    },
  };
}

// ---- Peers, configured with UTC wall times.
function configureMoment(s: Scenario) {
  const hours: Record<number, string[] | null> = { 0: null, 6: null };
  for (let d = 1; d <= 5; d++) hours[d] = s.utcRanges.flatMap(([a, b]) => [`${a}:00`, `${b}:00`]);
  moment.updateLocale('en', {
    workinghours: hours,
    holidays: s.holidays,
  } as moment.LocaleSpecification);
}
function configureDayjs(s: Scenario) {
  const seg = s.utcRanges.map(([a, b]) => ({ start: `${a}:00`, end: `${b}:00` }));
  dayjs.setBusinessTime({
    sunday: null,
    monday: seg,
    tuesday: seg,
    wednesday: seg,
    thursday: seg,
    friday: seg,
    saturday: null,
  });
  dayjs.setHolidays(s.holidays);
}
function openingHoursFor(s: Scenario) {
  const months = [
    'Jan',
    'Feb',
    'Mar',
    'Apr',
    'May',
    'Jun',
    'Jul',
    'Aug',
    'Sep',
    'Oct',
    'Nov',
    'Dec',
  ];
  const off = s.holidays.map(
    (h) => `${h.slice(0, 4)} ${months[Number(h.slice(5, 7)) - 1]} ${h.slice(8)} off`,
  );
  const text = `Mo-Fr ${s.utcRanges.map(([a, b]) => `${a}-${b}`).join(',')}; ${off.join('; ')}`;
  const oh = new openingHours(text, null, 0);
  return {
    add(start: number, minutes: number): number {
      const it = oh.getIterator(new Date(start));
      let rem = minutes * MIN;
      for (;;) {
        const open = it.getState();
        const cur = it.getDate().getTime();
        if (!it.advance()) throw new Error('opening_hours: iterator stopped');
        const next = it.getDate().getTime();
        if (open) {
          if (next - cur >= rem) return cur + rem;
          rem -= next - cur;
        }
      }
    },
    between(from: number, to: number): number {
      return oh.getOpenDuration(new Date(from), new Date(to))[0] / MIN;
    },
  };
}

type Op = (a: number, b: number) => number;
type Loop = (op: Op, starts: readonly number[], ends: readonly number[]) => number;
/**
 * A fresh batch loop for one implementation and operation. It is compiled from source each time
 * (Function constructor) so V8 keeps separate type feedback per loop: each loop's call site sees
 * one callee and can inline it, as in a caller's own code. A shared loop would see every
 * implementation and go megamorphic, taxing the fast ones most.
 */
function loopFor(op: 'add' | 'between'): Loop {
  const call = op === 'add' ? 'op(starts[k])' : 'op(starts[k], ends[k])';
  return new Function(
    'op',
    'starts',
    'ends',
    `let sum = 0; for (let k = 0; k < starts.length; k++) sum += ${call}; return sum;`,
  ) as Loop;
}

interface Impl {
  name: string;
  setup?: () => void;
  add: (start: number) => number;
  between: (from: number, to: number) => number;
}

const rows: string[][] = [];
const ratios: string[] = [];
let ourDisagreements = 0;

for (const s of scenarios) {
  const starts: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const [a, b] = s.windows[i % s.windows.length]!;
    starts.push(a + Math.floor((rnd() * (b - a)) / MIN) * MIN);
  }
  const stepper = minuteStepper(s.spec);
  const expectedEnd = starts.map((t) => stepper.add(t, BUDGET));
  const cal = createCalendar(s.spec);
  const oh = openingHoursFor(s);
  const impls: Impl[] = [
    {
      name: 'ticketkit',
      add: (t) => cal.addBusinessMinutes(new Date(t), BUDGET).getTime(),
      between: (f, t) => cal.businessMinutesBetween(new Date(f), new Date(t)),
    },
    {
      name: 'moment-business-time',
      setup: () => configureMoment(s),
      add: (t) => wm(t).addWorkingTime(BUDGET, 'minutes').valueOf(),
      between: (f, t) => wm(t).workingDiff(moment(f), 'minutes', true),
    },
    {
      name: 'dayjs-business-time',
      setup: () => configureDayjs(s),
      add: (t) => dayjs(t).addBusinessMinutes(BUDGET).valueOf(),
      between: (f, t) => dayjs(f).businessMinutesDiff(dayjs(t)),
    },
    { name: 'opening_hours', add: (t) => oh.add(t, BUDGET), between: (f, t) => oh.between(f, t) },
    {
      name: 'minute stepper (naive)',
      add: (t) => stepper.add(t, BUDGET),
      between: (f, t) => stepper.between(f, t),
    },
    {
      // Not an implementation: the Date conversions the ticketkit rows make (number -> Date in,
      // Date -> number out) with no calendar work, i.e. the fastest any Date-based API can show
      // in this harness (timer read included).
      name: FLOOR,
      add: (t) => new Date(new Date(t).getTime() + 1).getTime(),
      between: (f, t) => (new Date(t).getTime() - new Date(f).getTime()) / MIN,
    },
  ];

  const disagreements = new Map<string, { add: number; between: number; error?: string }>();
  for (const impl of impls) {
    if (impl.name === FLOOR) continue;
    impl.setup?.();
    const d = { add: 0, between: 0 } as { add: number; between: number; error?: string };
    try {
      starts.forEach((t, i) => {
        if (impl.add(t) !== expectedEnd[i]) d.add++;
        if (Math.abs(impl.between(t, expectedEnd[i]!) - BUDGET) > 1e-9) d.between++;
      });
    } catch (e) {
      d.error = (e as Error).message;
    }
    disagreements.set(impl.name, d);
  }
  const ours = disagreements.get('ticketkit')!;
  ourDisagreements += ours.add + ours.between + (ours.error ? 1 : 0);

  // Each task runs one batch: BATCH calls over the same pre-generated inputs for every
  // implementation, its results summed into a checksum (so no call is dead code), and that checksum
  // is compared after the run with the one the checked answers give. Each implementation and op gets
  // its own loop function (see loopFor), so its call site sees one callee.
  const bench = new Bench({
    time: TIME_MS,
    iterations: 8,
    warmupTime: 100,
    warmupIterations: 2,
  });
  const batchStarts = Array.from({ length: BATCH }, (_, k) => starts[k % STARTS]!);
  const batchEnds = Array.from({ length: BATCH }, (_, k) => expectedEnd[k % STARTS]!);
  const sums = new Map<string, number>();
  const expectedSums = new Map<string, number>();
  for (const impl of impls) {
    const opts = impl.setup ? { beforeAll: impl.setup } : {};
    impl.setup?.();
    let addSum = 0;
    let betweenSum = 0;
    try {
      for (let k = 0; k < BATCH; k++) {
        addSum += impl.add(batchStarts[k]!);
        betweenSum += impl.between(batchStarts[k]!, batchEnds[k]!);
      }
    } catch {
      // A peer that throws is reported through its disagreements; its task errors too.
    }
    expectedSums.set(`${impl.name} add`, addSum);
    expectedSums.set(`${impl.name} between`, betweenSum);
    const addLoop = loopFor('add');
    const betweenLoop = loopFor('between');
    bench.add(
      `${impl.name} add`,
      () => {
        sums.set(`${impl.name} add`, addLoop(impl.add, batchStarts, batchEnds));
      },
      opts,
    );
    bench.add(
      `${impl.name} between`,
      () => {
        sums.set(`${impl.name} between`, betweenLoop(impl.between, batchStarts, batchEnds));
      },
      opts,
    );
  }
  await bench.run();
  for (const [task, want] of expectedSums) {
    const got = sums.get(task);
    if (got !== undefined && got !== want && !Number.isNaN(want)) {
      throw new Error(`${task}: timed loop checksum ${got} differs from the checked one ${want}`);
    }
  }
  /** Calls per second over the whole measured run: BATCH x samples / total time. */
  const hz = (name: string) => {
    const r = bench.tasks.find((t) => t.name === name)?.result as { period?: number } | undefined;
    return r?.period ? (BATCH * 1000) / r.period : 0;
  };
  for (const impl of impls) {
    const d = disagreements.get(impl.name) ?? { add: 0, between: 0, error: 'n/a' };
    if (impl.name === FLOOR) {
      rows.push([
        s.name,
        impl.name,
        hz(`${FLOOR} add`).toFixed(0),
        hz(`${FLOOR} between`).toFixed(0),
        '-',
        '-',
      ]);
      continue;
    }
    rows.push([
      s.name,
      impl.name,
      hz(`${impl.name} add`).toFixed(0),
      hz(`${impl.name} between`).toFixed(0),
      d.error ? `error: ${d.error}` : `${d.add}/${STARTS}`,
      d.error ? '-' : `${d.between}/${STARTS}`,
    ]);
  }
  const peers = impls.filter(
    (x) => x.name !== 'ticketkit' && x.name !== FLOOR && !x.name.startsWith('minute'),
  );
  for (const op of ['add', 'between'] as const) {
    const best = peers.reduce((a, p) => (hz(`${p.name} ${op}`) > hz(`${a.name} ${op}`) ? p : a));
    const ratio = hz(`ticketkit ${op}`) / hz(`${best.name} ${op}`);
    ratios.push(
      `${s.name} ${op}: ticketkit / fastest peer (${best.name}) = ${ratio.toFixed(0)}x (goal >= ${GOAL}x: ${ratio >= GOAL ? 'met' : 'NOT met'}); / minute stepper = ${(hz(`ticketkit ${op}`) / hz(`minute stepper (naive) ${op}`)).toFixed(0)}x; harness ceiling (floor / fastest peer) = ${(hz(`${FLOOR} ${op}`) / hz(`${best.name} ${op}`)).toFixed(0)}x`,
    );
  }
}

const header = [
  'calendar',
  'implementation',
  'add ops/s',
  'between ops/s',
  'add disagree',
  'between disagree',
];
const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
const line = (r: string[]) => `| ${r.map((x, c) => x.padEnd(widths[c]!)).join(' | ')} |`;
console.log(
  `addBusinessMinutes(${HOURS}h) / businessMinutesBetween, ${STARTS} starts per calendar, checked against the minute stepper; ${BATCH} calls per timed task, ops/s = calls / measured time`,
);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
for (const r of ratios) console.log(r);
console.log(
  'Peers run on UTC wall times: Shanghai (UTC+8, no DST) is exact; New York is given as EST and cannot follow DST in any of them.',
);
if (ourDisagreements > 0) {
  console.error(`ticketkit disagreed with the minute stepper ${ourDisagreements} time(s)`);
  process.exit(1);
}
