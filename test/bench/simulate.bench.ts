/**
 * Simulator throughput on the scale scenario: one year, 500 agents, ~1,000,000 tickets
 * on the memory store, through the real desk (every create, assign, transition, comment and SLA
 * tick is a desk command with its audit entry), with the report built at the end.
 *
 *   npx tsx test/bench/simulate.bench.ts        # a prefix: the first 36.5 days (~100,000 tickets)
 *   npx tsx test/bench/simulate.bench.ts 365    # the full year (minutes; ~6 GB of heap)
 *   npx tsx test/bench/simulate.bench.ts 10 73  # chosen prefixes, in days
 *
 * A prefix runs the full scenario (500 agents, the full arrival rate) for fewer days; the
 * full-year time printed after it is an EXTRAPOLATION at the prefix's rate, and an optimistic
 * one: the memory store keeps every ticket and audit entry, so the heap (and GC) grows with the
 * year. Baseline, measured in the same run: the desk alone running the same five commands per
 * ticket (create, assign, start, first reply, resolve) with the same SLA policy, without the
 * simulator; the ratio shows what the simulation adds on top of the desk.
 *
 * Re-spawns itself with a larger heap.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  createCalendar,
  createManualClock,
  createTicketing,
  defineSlaPolicy,
  memoryStore,
  type ScenarioInput,
  simulate,
} from '../../src/index';

if (!process.env.TK_BENCH_CHILD) {
  const r = spawnSync(
    process.execPath,
    [
      '--max-old-space-size=16384',
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit', env: { ...process.env, TK_BENCH_CHILD: '1' } },
  );
  process.exit(r.status ?? 1);
}

const YEAR_TICKETS = 1_000_000;
const office = ['08:00-20:00'];
const dayCalendar = {
  timeZone: 'Asia/Shanghai',
  weekly: {
    mon: office,
    tue: office,
    wed: office,
    thu: office,
    fri: office,
    sat: office,
    sun: office,
  },
};
const sla = {
  id: 'std',
  calendar: 'day',
  targets: { firstResponse: { high: '1h', normal: '4h' }, resolution: '2d' },
};

/** The one-year scenario, run for `days` days (365: the whole year). */
const scenario = (days: number): ScenarioInput => ({
  name: `year-500-agents-${days}d`,
  start: '2026-01-01T00:00:00+08:00',
  durationDays: days,
  seed: 42,
  timeZone: 'Asia/Shanghai',
  calendars: { day: dayCalendar },
  arrivals: {
    streams: ['network', 'hardware', 'software', 'access'].map((category, i) => ({
      category,
      priority: i === 0 ? ('high' as const) : ('normal' as const),
      channel: ['phone', 'wechat', 'email', 'web'][i]!,
      ratePerDay: YEAR_TICKETS / 365 / 4,
    })),
  },
  agents: [
    {
      id: 'day',
      count: 400,
      capacity: 2,
      calendar: 'day',
      skills: { network: 3, hardware: 3, software: 4, access: 5 },
    },
    {
      id: 'night',
      count: 100,
      capacity: 2,
      skills: { network: 4, hardware: 2, software: 3, access: 5 },
    },
  ],
  service: { default: { type: 'exponential', mean: 40 } },
  feedback: { probability: 0.1, delay: { type: 'exponential', mean: 120 } },
  dispatch: { type: 'least-loaded' },
  sla: [sla],
  tickMinutes: 15,
});

/** Baseline: the desk alone, five commands per ticket, same SLA policy, no simulator. */
async function deskAlone(n: number): Promise<number> {
  const clock = createManualClock('2026-01-01T00:00:00+08:00');
  const desk = createTicketing({
    clock,
    store: memoryStore(),
    sla: {
      policies: [defineSlaPolicy({ ...sla, calendar: createCalendar(dayCalendar) })],
      autoTick: false,
    },
  });
  const customer = { id: 'c', roles: ['requester'] };
  const lead = { id: 'lead', roles: ['supervisor'] };
  const agents = Array.from({ length: 500 }, (_, i) => ({ id: `a-${i}`, roles: ['agent'] }));
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    clock.advance(31_536); // a year's million tickets: one every 31.5 s
    const agent = agents[i % agents.length]!;
    const t = await desk.create(
      { title: 'request', priority: 'normal', category: 'software', channel: 'web' },
      { actor: customer },
    );
    await desk.assign(t.id, agent.id, { actor: lead });
    await desk.transition(t.id, 'in_progress', { actor: agent });
    await desk.comment(t.id, { body: 'Received, working on it.' }, { actor: agent });
    await desk.transition(t.id, 'resolved', { actor: agent });
  }
  return n / ((performance.now() - t0) / 1000);
}

const args = process.argv
  .slice(2)
  .map(Number)
  .filter((x) => x > 0);
const runs = args.length ? args : [36.5];

const base = await deskAlone(20_000);
console.log(
  `baseline: the desk alone, 5 commands per ticket, 20,000 tickets: ${base.toFixed(0)} tickets/s`,
);
console.log('days    tickets  agents  time(s)  tickets/s  vs desk alone  peak RSS (MB)');
for (const days of runs) {
  const t0 = performance.now();
  let last = 0;
  const r = await simulate(scenario(days), {
    onProgress: (p) => {
      if (p.share - last >= 0.1) {
        last = p.share;
        process.stderr.write(
          `  ${(p.share * 100).toFixed(0)}% ${p.simulatedAt.slice(0, 10)} ${p.created} tickets ${(p.elapsedMs / 1000).toFixed(1)} s\n`,
        );
      }
    },
  });
  const sec = (performance.now() - t0) / 1000;
  const rate = r.tickets.created / sec;
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(
    `${String(days).padEnd(6)}  ${String(r.tickets.created).padStart(7)}  ${String(r.agents.length).padStart(6)}  ${sec.toFixed(1).padStart(7)}  ${rate.toFixed(0).padStart(9)}  ${(rate / base).toFixed(2).padStart(13)}  ${rss.toFixed(0).padStart(13)}`,
  );
  if (days < 365) {
    console.log(
      `  EXTRAPOLATED full year at this rate: ${YEAR_TICKETS.toLocaleString('en')} tickets in ~${(YEAR_TICKETS / rate).toFixed(0)} s (goal < 60 s; optimistic, the heap grows with the year)`,
    );
  } else {
    console.log(
      `  full year: ${r.tickets.created.toLocaleString('en')} tickets in ${sec.toFixed(1)} s (goal < 60 s: ${sec < 60 ? 'met' : 'NOT met'})`,
    );
  }
}
