/**
 * A child process for the crash tests (RELIABILITY R1, I4): creates tickets one after another
 * with idempotency keys `${prefix}-${i}` and reports each acknowledged one over IPC, until the
 * parent kills it (or `count` is reached). With `retry: true` it instead re-sends every key in
 * [0, count) once and reports the ticket id each returns.
 */
import { createManualClock, createTicketing, type TicketStore } from 'ticketkit';
import { pgliteStore } from 'ticketkit/adapters/pglite';
import { postgresStore } from 'ticketkit/adapters/postgres';

const cfg = JSON.parse(process.argv[2] ?? '{}') as {
  url: string;
  schema?: string;
  prefix: string;
  from: number;
  count: number;
  retry?: boolean;
};
const send = (m: unknown) => process.send?.(m);
const store: TicketStore & { ready(): Promise<void> } = cfg.url.startsWith('pglite:')
  ? pgliteStore({ dataDir: cfg.url.slice('pglite:'.length) })
  : postgresStore({ connectionString: cfg.url, schema: cfg.schema, max: 2 });
// Idempotency keys live 24 h of desk time; a fixed clock keeps every retry inside the window.
const desk = createTicketing({ store, clock: createManualClock('2026-06-01T08:00:00Z') });
const actor = { id: 'crash', roles: ['agent'] };
await store.ready();
send({ type: 'ready' });
for (let i = cfg.from; i < cfg.from + cfg.count; i++) {
  const key = `${cfg.prefix}-${i}`;
  const t = await desk.create({ title: `crash ${i}` }, { actor, idempotencyKey: key });
  send({ type: cfg.retry ? 'retried' : 'acked', i, id: t.id });
}
await store.close();
send({ type: 'done' });
process.exit(0);
