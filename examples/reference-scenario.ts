/**
 * The reference scenario: an after-sales repair team. About 400 repair requests a month by
 * phone, WeChat and email; 12 technicians in Shanghai, Hangzhou and Suzhou on a Shanghai
 * business calendar with public holidays. Round-robin dispatch against weighted dispatch
 * (skill, load, distance), both with the same SLA escalation rules, on the same arrivals.
 * Run with `npm run demo` (`npx tsx examples/reference-scenario.ts [out.html] [--memory]`): on the
 * embedded default store (PGlite), or on the memory store with `--memory`.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import {
  type Comparison,
  comparisonRow,
  formatComparison,
  memoryStore,
  renderHtmlReport,
  runSimulation,
  type ScenarioInput,
  type TicketStore,
} from 'ticketkit';
import { pgliteStore } from 'ticketkit/adapters/pglite';

const workday = ['09:00-12:00', '13:00-18:00'];
/** Shanghai office hours, with 2026 public holidays (Qingming, Labour Day, Dragon Boat) and make-up workdays. */
const shanghaiHours = {
  timeZone: 'Asia/Shanghai',
  weekly: { mon: workday, tue: workday, wed: workday, thu: workday, fri: workday },
  holidays: ['2026-04-06', '2026-05-01', '2026-05-04', '2026-05-05', '2026-06-19'],
  overrides: { '2026-05-09': workday },
};
const daytime = [
  0, 0, 0, 0, 0, 0, 0.2, 0.6, 1.5, 2.2, 2.2, 1.8, 1.2, 1.8, 2, 2, 1.8, 1.4, 1, 0.8, 0.6, 0.4, 0.3,
  0.1,
];
const weekdays = [1.2, 1.1, 1, 1, 1, 0.5, 0.3];
const cities = { shanghai: 0.5, hangzhou: 0.3, suzhou: 0.2 } as const;
const channels = { phone: 0.45, wechat: 0.35, email: 0.2 } as const;
const categories = { appliance: 0.6, hvac: 0.3, electrical: 0.1 } as const;

/** The scenario (plain JSON: the same file works with `ticketkit simulate`). */
export const referenceScenario: ScenarioInput = {
  name: 'after-sales reference',
  start: '2026-03-02T00:00:00+08:00',
  durationDays: 91,
  seed: 2026,
  timeZone: 'Asia/Shanghai',
  regions: {
    shanghai: { center: { lat: 31.23, lng: 121.47 }, radiusKm: 25 },
    hangzhou: { center: { lat: 30.27, lng: 120.16 }, radiusKm: 20 },
    suzhou: { center: { lat: 31.3, lng: 120.62 }, radiusKm: 15 },
  },
  calendars: { shanghai: shanghaiHours },
  arrivals: {
    streams: Object.entries(cities).flatMap(([city, cw]) =>
      Object.entries(channels).flatMap(([channel, chw]) =>
        Object.entries(categories).map(([category, kw]) => ({
          category,
          channel,
          region: city,
          priority: category === 'electrical' ? ('high' as const) : ('normal' as const),
          ratePerDay: (400 / 30) * cw * chw * kw,
          hourProfile: daytime,
          weekdayProfile: weekdays,
        })),
      ),
    ),
    replay: [],
  },
  agents: [
    {
      id: 'sh',
      count: 5,
      team: 'shanghai',
      location: 'shanghai',
      calendar: 'shanghai',
      capacity: 1,
      skills: { appliance: 4, hvac: 3, electrical: 2 },
    },
    {
      id: 'hz',
      count: 4,
      team: 'hangzhou',
      location: 'hangzhou',
      calendar: 'shanghai',
      capacity: 1,
      skills: { appliance: 3, hvac: 4, electrical: 3 },
    },
    {
      id: 'sz',
      count: 3,
      team: 'suzhou',
      location: 'suzhou',
      calendar: 'shanghai',
      capacity: 1,
      skills: { appliance: 3, hvac: 2, electrical: 5 },
    },
  ],
  service: {
    default: { type: 'lognormal', mean: 150, sd: 90 },
    hvac: { type: 'lognormal', mean: 210, sd: 120 },
    electrical: { type: 'lognormal', mean: 120, sd: 60 },
  },
  skillFactor: 0.5,
  travel: { speedKmh: 40, overheadMinutes: 15 },
  feedback: { probability: 0.2, delay: { type: 'exponential', mean: 600 }, splitAt: 0.5 },
  reopen: {
    probability: 0.05,
    delay: { type: 'exponential', mean: 2880 },
    service: { type: 'exponential', mean: 90 },
  },
  sla: [
    {
      id: 'after-sales',
      calendar: 'shanghai',
      targets: {
        firstResponse: { urgent: '1h', high: '2h', normal: '4h', low: '1d' },
        resolution: { urgent: '1d', high: '2d', normal: '3d', low: '5d' },
      },
      escalations: [
        {
          name: 'lead-75',
          metric: 'firstResponse',
          at: 0.75,
          level: 1,
          actions: [{ notify: 'supervisor' }, { raisePriority: true }],
        },
        {
          name: 'resolution-breach',
          metric: 'resolution',
          at: 'breach',
          level: 2,
          actions: [{ notify: 'manager' }],
        },
      ],
    },
  ],
  tickMinutes: 15,
};

/** Where the two runs keep their tickets. */
export type DemoStore =
  | 'pglite'
  | 'memory'
  | ((policy: string) => TicketStore | Promise<TicketStore>);

/**
 * Runs the comparison, prints the table and writes the HTML report of the weighted run.
 *
 * By default both runs use the embedded default store, PGlite (PostgreSQL in WASM, in memory):
 * one PGlite instance, one set of tables per policy (`rr_`, `w_`). `store: 'memory'` uses the
 * memory store; `durationDays` shortens the period (the tests use it).
 */
export async function main(
  options: {
    out?: string;
    log?: (line: string) => void;
    store?: DemoStore;
    durationDays?: number;
    /** Progress of each run (share of simulated time), e.g. for a progress line on a TTY. */
    onProgress?: (policy: string, share: number) => void;
  } = {},
): Promise<{ comparison: Comparison; htmlPath: string }> {
  const log = options.log ?? console.log;
  const scenario: ScenarioInput = options.durationDays
    ? { ...referenceScenario, durationDays: options.durationDays }
    : referenceScenario;
  const policies = {
    'round-robin': { type: 'round-robin' },
    weighted: { type: 'weighted', weights: { skill: 0.3, load: 0.2, distance: 0.5 } },
  } as const;
  const kind = options.store ?? 'pglite';
  // PGlite: one instance (one start-up, a few seconds) shared by both runs, separate tables.
  let pglite: PGlite | undefined;
  const storeFor = async (policy: string): Promise<TicketStore> => {
    if (typeof kind === 'function') return kind(policy);
    if (kind === 'memory') return memoryStore();
    pglite ??= await PGlite.create();
    const store = pgliteStore({ pglite, tablePrefix: policy === 'weighted' ? 'w_' : 'rr_' });
    await store.ready();
    return store;
  };
  // Both runs share the seed, so they see the same arrivals, work and customers.
  const runs = [];
  try {
    for (const [name, dispatch] of Object.entries(policies)) {
      const store = await storeFor(name);
      runs.push(
        await runSimulation(scenario, {
          dispatch,
          groupBy: ['team'],
          store,
          ...(options.onProgress ? { onProgress: (p) => options.onProgress?.(name, p.share) } : {}),
        }),
      );
      if (typeof kind !== 'function') await store.close();
    }
  } finally {
    await pglite?.close();
  }
  const rows = runs.map((r) => comparisonRow(r.result));
  const comparison: Comparison = {
    scenario: scenario.name ?? 'reference',
    seed: runs[0]!.result.seed,
    rows,
    results: Object.fromEntries(runs.map((r) => [r.result.policy, r.result])),
  };
  log(
    `${scenario.name}: ${rows[0]?.tickets} tickets over ${scenario.durationDays} days, seed ${comparison.seed}, ${typeof kind === 'function' ? 'your' : kind} store\n`,
  );
  log(formatComparison(comparison));
  const run = runs[1]!;
  const html = renderHtmlReport(run.result.report, {
    title: 'After-sales repairs: weighted dispatch with escalation',
    comparison: comparison.rows,
    lang: 'en',
  });
  const htmlPath = resolve(options.out ?? './ticketkit-report.html');
  await writeFile(htmlPath, html);
  log(`\nHTML report: ${htmlPath}`);
  return { comparison, htmlPath };
}

// `npm run demo [-- out.html] [--memory]`
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const out = args.find((a) => !a.startsWith('--'));
  const tty = process.stderr.isTTY === true;
  const t0 = performance.now();
  await main({
    ...(out ? { out } : {}),
    store: args.includes('--memory') ? 'memory' : 'pglite',
    ...(tty
      ? {
          onProgress: (policy: string, share: number) =>
            process.stderr.write(
              `\r  simulating ${policy.padEnd(11)} ${(share * 100).toFixed(0).padStart(3)}%\x1b[K`,
            ),
        }
      : {}),
  });
  if (tty) process.stderr.write('\r\x1b[K');
  console.log(`(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
