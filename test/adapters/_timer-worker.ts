/**
 * A child process for the multi-instance timer tests: one app instance (its own pool, or its
 * own PGlite on a data directory) that ticks the store's SLA timers on a simulated clock and
 * reports each firing over IPC. Optionally seeds tickets first. Started by
 * test/adapters/timers.*.test.ts with `node --import tsx`.
 */
import {
  calendar24x7,
  createManualClock,
  createTicketing,
  defineSlaPolicy,
  type TicketStore,
} from 'ticketkit';
import { pgliteStore } from 'ticketkit/adapters/pglite';
import { postgresStore } from 'ticketkit/adapters/postgres';

interface Config {
  /** A PostgreSQL URL, or `pglite:<dataDir>`. */
  url: string;
  schema?: string;
  instanceId: string;
  /** Simulated instant at wall time `wallStart`. */
  simStart: number;
  wallStart: number;
  /** Simulated ms per wall ms. */
  speed: number;
  leaseMs: number;
  pollWallMs: number;
  targetMinutes: number;
  /** Create this many tickets first, due evenly over `seedSpreadMs` from `seedDueFrom`. */
  seed?: { count: number; dueFrom: number; spreadMs: number };
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as Config;
const simNow = () => new Date(cfg.simStart + (Date.now() - cfg.wallStart) * cfg.speed);
const send = (m: unknown) => process.send?.(m);

const store: TicketStore & { ready(): Promise<void> } = cfg.url.startsWith('pglite:')
  ? pgliteStore({ dataDir: cfg.url.slice('pglite:'.length) })
  : postgresStore({ connectionString: cfg.url, schema: cfg.schema, max: 4 });
const clock = createManualClock(simNow());
const desk = createTicketing({
  store,
  clock,
  sla: {
    policies: [
      defineSlaPolicy({
        id: 'mp',
        calendar: calendar24x7(),
        targets: { firstResponse: cfg.targetMinutes },
        warnAt: [],
      }),
    ],
    autoTick: false,
    leaseMs: cfg.leaseMs,
    instanceId: cfg.instanceId,
  },
});
desk.on('sla.breached', (e) => {
  send({ type: 'fired', ticketId: e.ticketId, due: e.breachedAt, at: e.at });
});

let stopping = false;
process.on('message', (m: { type?: string }) => {
  if (m?.type === 'stop') stopping = true;
});
process.on('disconnect', () => {
  stopping = true;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
await store.ready();
if (cfg.seed) {
  const { count, dueFrom, spreadMs } = cfg.seed;
  const actor = { id: 'seed', roles: ['agent'] };
  for (let i = 0; i < count; i++) {
    clock.set(new Date(dueFrom - cfg.targetMinutes * 60_000 + Math.floor((i / count) * spreadMs)));
    await desk.create({ title: `seed ${i}` }, { actor, idempotencyKey: `seed-${i}` });
  }
  send({ type: 'seeded' });
}
send({ type: 'ready' });
while (!stopping) {
  let n = 0;
  try {
    n = await desk.sla.tick(simNow());
  } catch (e) {
    send({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
  if (n === 0) await sleep(cfg.pollWallMs);
}
await store.close();
process.exit(0);
