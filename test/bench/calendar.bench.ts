/**
 * Business-calendar benchmark: `npx tsx test/bench/calendar.bench.ts` (also run by `npm run bench`).
 *
 * Times addBusinessMinutes (37 business hours) and businessMinutesBetween on a Shanghai calendar
 * (Mon–Fri 09:00-12:00, 13:00-18:00, holidays) and a New York one (Mon–Fri 09:00-17:00, holidays)
 * against moment-business-time, dayjs-business-time, opening_hours and a naive minute stepper,
 * in one tinybench run. Every result is checked against the minute stepper on the same start
 * instants; peers' disagreements are printed as findings, ours must be 0. A "harness floor" row does
 * what the ticketkit rows do besides calendar work (read the input Dates; for add, return a new Date):
 * the ceiling any implementation of these shapes can reach here. Ratios are ticketkit / fastest peer, against a 300x goal.
 *
 * Method: each tinybench task runs whole passes over the same 64 pre-generated inputs (identical
 * for every implementation), as many passes as make one sample last about SAMPLE_MS (calibrated
 * once per task, so the timer read is negligible for fast and slow implementations alike). Every
 * pass's results are summed and compared, inside the timed loop, with the checked answers' sum, so
 * no call is dead code. The task times itself (tinybench's overriddenDuration) on BENCH_CLOCK:
 * `cpu` (default: process CPU time, which a shared, overloaded machine disturbs far less than
 * wall time) or `wall`. ops/s = calls / measured time; ROUNDS rounds in alternating order, ratios
 * per round, medians reported. BENCH_PER_CALL=1 also times one call per task with tinybench's
 * own wall-clock timer (the method before), to show what batching changes.
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
const wm = (t: Date) => moment(t) as WorkingMoment;

const MIN = 60_000;
const HOURS = 37;
const BUDGET = HOURS * 60;
/** Measured time per task and round (ms), and rounds per run. */
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** BENCH_PER_CALL=1 also times single calls per task (the old method), to show what batching changes. */
const PER_CALL = process.env.BENCH_PER_CALL === '1';
const STARTS = 64;
/** Target length of one timed sample (ms of BENCH_CLOCK time). */
const SAMPLE_MS = Number(process.env.BENCH_SAMPLE_MS ?? 2);
const CLOCK = process.env.BENCH_CLOCK === 'wall' ? 'wall' : 'cpu';
/** Inputs handed to every implementation: pre-built Dates, or epoch ms turned into Dates per call. */
const INPUT = process.env.BENCH_INPUT === 'number' ? 'number' : 'date';
/** Milliseconds on the chosen clock. */
const clock =
  CLOCK === 'wall'
    ? () => performance.now()
    : () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      };
/** Target speed-up over the fastest peer, per calendar and operation. */
const GOAL = 300;
const FLOOR = 'harness floor (no calendar work)';

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
    add(start: Date, minutes: number): number {
      const it = oh.getIterator(start);
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
    between(from: Date, to: Date): number {
      return oh.getOpenDuration(from, to)[0] / MIN;
    },
  };
}

type Op = (a: Date, b: Date) => number;
/** A self-timed batch: `passes` passes over the inputs; counts passes whose sum is wrong. */
interface BatchTask {
  run: (passes: number) => { overriddenDuration: number };
  wrong: () => number;
}
/** The call on input k: Dates are pre-built, or (BENCH_INPUT=number) built from epoch ms per call. */
function callSource(op: 'add' | 'between'): string {
  const arg = (xs: string) => (INPUT === 'number' ? `new Date(${xs}[k])` : `${xs}[k]`);
  return op === 'add' ? `fn(${arg('starts')})` : `fn(${arg('starts')}, ${arg('ends')})`;
}
/**
 * Task functions are compiled from source once per implementation and operation (Function
 * constructor), so V8 keeps separate type feedback for each: the call site inside sees one callee
 * and can inline it, as in a caller's own code. One shared closure would see every implementation
 * and go megamorphic, taxing the fast ones most.
 */
function batchTask(
  op: 'add' | 'between',
  fn: Op,
  starts: readonly unknown[],
  ends: readonly unknown[],
  want: number,
): BatchTask {
  return new Function(
    'fn',
    'starts',
    'ends',
    'want',
    'clock',
    `let wrong = 0;
    return {
      run(passes) {
        const t0 = clock();
        for (let p = 0; p < passes; p++) {
          let sum = 0;
          for (let k = 0; k < starts.length; k++) sum += ${callSource(op)};
          if (sum !== want) wrong++;
        }
        return { overriddenDuration: clock() - t0 };
      },
      wrong: () => wrong,
    };`,
  )(fn, starts, ends, want, clock);
}
/** One call per sample, cycling through the inputs, timed on the same clock (method before). */
function singleCallTask(
  op: 'add' | 'between',
  fn: Op,
  starts: readonly unknown[],
  ends: readonly unknown[],
): () => { overriddenDuration: number } {
  return new Function(
    'fn',
    'starts',
    'ends',
    'clock',
    `let k = 0; let last = 0;
    return () => {
      const t0 = clock();
      last = ${callSource(op)};
      const took = clock() - t0;
      k = (k + 1) % starts.length;
      return { overriddenDuration: took };
    };`,
  )(fn, starts, ends, clock);
}
/** Passes per sample so that one sample lasts about SAMPLE_MS (after a short warm-up). */
function calibrate(task: BatchTask, setup?: () => void): number {
  setup?.();
  const t0 = performance.now();
  let passes = 1;
  let took = 0;
  while (performance.now() - t0 < 100) {
    const s = performance.now();
    task.run(passes);
    took = performance.now() - s;
    if (took >= SAMPLE_MS / 4) break;
    passes *= 2;
  }
  return Math.max(1, Math.round((passes * SAMPLE_MS) / Math.max(took, 1e-3)));
}
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
function fmt(x: number): string {
  return x >= 1e6
    ? `${(x / 1e6).toFixed(2)}M`
    : x >= 1e4
      ? `${(x / 1e3).toFixed(1)}k`
      : x.toFixed(0);
}

interface Impl {
  name: string;
  setup?: () => void;
  /** Due instant (epoch ms) of BUDGET business minutes from `start`. */
  add: (start: Date) => number;
  /** Business minutes in [from, to). */
  between: (from: Date, to: Date) => number;
}

const rows: string[][] = [];
const ratios: string[] = [];
const summary: {
  calendar: string;
  op: string;
  ticketkit: number;
  fastestPeer: number;
  floor: number;
  ratio: number[];
  ceiling: number[];
}[] = [];
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
      add: (t) => cal.addBusinessMinutes(t, BUDGET).getTime(),
      between: (f, t) => cal.businessMinutesBetween(f, t),
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
      add: (t) => stepper.add(t.getTime(), BUDGET),
      between: (f, t) => stepper.between(f.getTime(), t.getTime()),
    },
    {
      // Not an implementation: what the ticketkit rows do besides calendar work (read the input
      // Dates; for add, return a new Date), i.e. the fastest any API of these shapes can show here.
      name: FLOOR,
      add: (t) => new Date(t.getTime() + 1).getTime(),
      between: (f, t) => (t.getTime() - f.getTime()) / MIN,
    },
  ];

  const disagreements = new Map<string, { add: number; between: number; error?: string }>();
  for (const impl of impls) {
    if (impl.name === FLOOR) continue;
    impl.setup?.();
    const d = { add: 0, between: 0 } as { add: number; between: number; error?: string };
    try {
      starts.forEach((t, i) => {
        if (impl.add(new Date(t)) !== expectedEnd[i]) d.add++;
        const minutes = impl.between(new Date(t), new Date(expectedEnd[i]!));
        if (Math.abs(minutes - BUDGET) > 1e-9) d.between++;
      });
    } catch (e) {
      d.error = (e as Error).message;
    }
    disagreements.set(impl.name, d);
  }
  const ours = disagreements.get('ticketkit')!;
  ourDisagreements += ours.add + ours.between + (ours.error ? 1 : 0);

  // Timed in ROUNDS rounds; each round times every implementation for TIME_MS per operation, in
  // alternating order, so a burst of load from other jobs on this shared machine hits one round of
  // every implementation rather than all rounds of one. Ratios are taken per round, then the median.
  const inStarts = INPUT === 'number' ? starts : starts.map((t) => new Date(t));
  const inEnds = INPUT === 'number' ? expectedEnd : expectedEnd.map((t) => new Date(t));
  const tasks: { name: string; calls: number; fn: () => unknown; setup?: () => void }[] = [];
  const checks: { name: string; task: BatchTask }[] = [];
  for (const impl of impls) {
    for (const op of ['add', 'between'] as const) {
      const key = `${impl.name} ${op}`;
      impl.setup?.();
      let want = 0;
      try {
        for (let k = 0; k < STARTS; k++) {
          want += impl[op](new Date(starts[k]!), new Date(expectedEnd[k]!));
        }
      } catch {
        // A peer that throws is reported through its disagreements; its task errors too.
      }
      const task = batchTask(op, impl[op], inStarts, inEnds, want);
      const passes = calibrate(task, impl.setup);
      checks.push({ name: key, task });
      tasks.push({
        name: key,
        calls: passes * STARTS,
        fn: () => task.run(passes),
        setup: impl.setup,
      });
      if (PER_CALL) {
        const one = singleCallTask(op, impl[op], inStarts, inEnds);
        tasks.push({ name: `${key} /1`, calls: 1, fn: one, setup: impl.setup });
      }
    }
  }
  const perRound = new Map<string, number[]>(tasks.map((t) => [t.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({
      time: TIME_MS,
      iterations: 1,
      warmupTime: Math.min(50, TIME_MS),
      warmupIterations: 1,
    });
    const order = round % 2 === 0 ? tasks : [...tasks].reverse();
    for (const t of order) bench.add(t.name, t.fn, t.setup ? { beforeAll: t.setup } : {});
    await bench.run();
    for (const t of tasks) {
      // Calls per second over the task's whole measured time: calls x samples / total time.
      const r = bench.tasks.find((x) => x.name === t.name)?.result as
        | { period?: number }
        | undefined;
      perRound.get(t.name)!.push(r?.period ? (t.calls * 1000) / r.period : 0);
    }
  }
  for (const { name, task } of checks) {
    if (task.wrong() > 0) throw new Error(`${name}: ${task.wrong()} timed passes summed wrong`);
  }
  const hz = (name: string) => median(perRound.get(name) ?? [0]);
  const spread = (name: string) => {
    const xs = perRound.get(name) ?? [0];
    return `${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))}`;
  };
  for (const impl of impls) {
    const d = disagreements.get(impl.name) ?? { add: 0, between: 0 };
    const floor = impl.name === FLOOR;
    const row = [
      s.name,
      impl.name,
      fmt(hz(`${impl.name} add`)),
      spread(`${impl.name} add`),
      fmt(hz(`${impl.name} between`)),
      spread(`${impl.name} between`),
      floor ? '-' : d.error ? `error: ${d.error}` : `${d.add}/${STARTS}`,
      floor || d.error ? '-' : `${d.between}/${STARTS}`,
    ];
    if (PER_CALL) {
      for (const op of ['add', 'between']) {
        const gain = median(
          perRound
            .get(`${impl.name} ${op}`)!
            .map((x, r) => x / perRound.get(`${impl.name} ${op} /1`)![r]!),
        );
        row.push(`${fmt(hz(`${impl.name} ${op} /1`))} (x${gain.toFixed(2)})`);
      }
    }
    rows.push(row);
  }
  const peers = impls.filter(
    (x) => x.name !== 'ticketkit' && x.name !== FLOOR && !x.name.startsWith('minute'),
  );
  for (const op of ['add', 'between'] as const) {
    const at = (name: string, r: number) => perRound.get(`${name} ${op}`)![r]!;
    const ratio: number[] = [];
    const ceiling: number[] = [];
    const fastest = new Set<string>();
    for (let r = 0; r < ROUNDS; r++) {
      const best = peers.reduce((x, p) => (at(p.name, r) > at(x.name, r) ? p : x));
      fastest.add(best.name);
      ratio.push(at('ticketkit', r) / at(best.name, r));
      ceiling.push(at(FLOOR, r) / at(best.name, r));
    }
    const m = median(ratio);
    ratios.push(
      `${s.name} ${op}: ticketkit / fastest peer (${[...fastest].join(', ')}) = ${m.toFixed(0)}x median of ${ROUNDS} rounds (${Math.min(...ratio).toFixed(0)}-${Math.max(...ratio).toFixed(0)}x; goal >= ${GOAL}x: ${m >= GOAL ? 'met' : 'NOT met'}); / minute stepper = ${(hz(`ticketkit ${op}`) / hz(`minute stepper (naive) ${op}`)).toFixed(0)}x; harness ceiling (floor / fastest peer) = ${median(ceiling).toFixed(0)}x (${Math.min(...ceiling).toFixed(0)}-${Math.max(...ceiling).toFixed(0)}x)`,
    );
    summary.push({
      calendar: s.name,
      op,
      ticketkit: hz(`ticketkit ${op}`),
      fastestPeer: Math.max(...peers.map((p) => hz(`${p.name} ${op}`))),
      floor: hz(`${FLOOR} ${op}`),
      ratio,
      ceiling,
    });
  }
}

const header = [
  'calendar',
  'implementation',
  'add ops/s',
  'add range',
  'between ops/s',
  'between range',
  'add disagree',
  'between disagree',
  ...(PER_CALL ? ['add, 1 call/task (gain)', 'between, 1 call/task (gain)'] : []),
];
const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
const line = (r: string[]) => `| ${r.map((x, c) => x.padEnd(widths[c]!)).join(' | ')} |`;
console.log(
  `addBusinessMinutes(${HOURS}h) / businessMinutesBetween, ${STARTS} starts per calendar, checked against the minute stepper. Each sample: whole passes over the ${STARTS} starts lasting ~${SAMPLE_MS} ms, timed on the ${CLOCK} clock, ${INPUT === 'date' ? 'pre-built Date inputs' : 'inputs built per call from epoch ms'}; ops/s = calls / measured time, median (range) of ${ROUNDS} rounds of ${TIME_MS} ms per task`,
);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
for (const r of ratios) console.log(r);
console.log(
  'Peers run on UTC wall times: Shanghai (UTC+8, no DST) is exact; New York is given as EST and cannot follow DST in any of them.',
);
if (process.env.BENCH_JSON) console.log(`BENCH_JSON ${JSON.stringify(summary)}`);
if (ourDisagreements > 0) {
  console.error(`ticketkit disagreed with the minute stepper ${ourDisagreements} time(s)`);
  process.exit(1);
}
