/**
 * Simulator throughput: one simulated year, 500 agents, ~1,000,000 tickets on the memory store,
 * through the real desk (every create, assign, transition, comment and SLA tick is a desk
 * command with its audit entry), against smaller runs of the same scenario to show scaling.
 *
 *   npx tsx test/bench/simulate.bench.ts            # 1 % and 10 % (fits the bench budget)
 *   npx tsx test/bench/simulate.bench.ts 1          # the full year (minutes; see docs/benchmarks.md)
 *   npx tsx test/bench/simulate.bench.ts 0.01 0.1   # chosen shares of the full arrival rate
 *
 * Re-spawns itself with a larger heap: the memory store keeps every ticket and audit entry.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type ScenarioInput, simulate } from '../../src/index';

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

const office = ['08:00-20:00'];
const scenario = (share: number): ScenarioInput => ({
  name: `year-500-agents-${share}`,
  start: '2026-01-01T00:00:00+08:00',
  durationDays: 365,
  seed: 42,
  timeZone: 'Asia/Shanghai',
  calendars: {
    day: {
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
    },
  },
  arrivals: {
    streams: ['network', 'hardware', 'software', 'access'].map((category, i) => ({
      category,
      priority: i === 0 ? ('high' as const) : ('normal' as const),
      channel: ['phone', 'wechat', 'email', 'web'][i]!,
      ratePerDay: (1_000_000 / 365 / 4) * share,
    })),
  },
  agents: [
    {
      id: 'day',
      count: Math.max(4, Math.round(400 * share)),
      capacity: 2,
      calendar: 'day',
      skills: { network: 3, hardware: 3, software: 4, access: 5 },
    },
    {
      id: 'night',
      count: Math.max(1, Math.round(100 * share)),
      capacity: 2,
      skills: { network: 4, hardware: 2, software: 3, access: 5 },
    },
  ],
  service: { default: { type: 'exponential', mean: 40 } },
  feedback: { probability: 0.1, delay: { type: 'exponential', mean: 120 } },
  dispatch: { type: 'least-loaded' },
  sla: [
    {
      id: 'std',
      calendar: 'day',
      targets: { firstResponse: { high: '1h', normal: '4h' }, resolution: '2d' },
    },
  ],
  tickMinutes: 15,
});

const shares = process.argv
  .slice(2)
  .map(Number)
  .filter((x) => x > 0);
const runs = shares.length ? shares : [0.01, 0.1];
console.log('share  tickets   agents  time(s)  tickets/s  peak RSS (MB)');
for (const share of runs) {
  const s = scenario(share);
  const t0 = performance.now();
  let last = 0;
  const r = await simulate(s, {
    onProgress: (p) => {
      if (share >= 0.5 && p.share - last >= 0.1) {
        last = p.share;
        process.stderr.write(
          `  ${(p.share * 100).toFixed(0)}% ${p.created} tickets ${(p.elapsedMs / 1000).toFixed(1)} s\n`,
        );
      }
    },
  });
  const sec = (performance.now() - t0) / 1000;
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(
    `${String(share).padEnd(5)}  ${String(r.tickets.created).padStart(7)}  ${String(r.agents.length).padStart(7)}  ${sec.toFixed(1).padStart(7)}  ${(r.tickets.created / sec).toFixed(0).padStart(9)}  ${rss.toFixed(0).padStart(13)}`,
  );
}
