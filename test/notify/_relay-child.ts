/**
 * A relay process for the D5 crash test (test/notify/relay-crash.test.ts): delivers the SQL
 * outbox of a PostgreSQL schema to an HTTP receiver in the parent, until told to stop or
 * killed. Run with `node --import tsx`; configured by environment variables.
 */
import { createNotificationQueue, type Notifier, systemClock } from 'ticketkit';
import { postgresStore } from 'ticketkit/adapters/postgres';

const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`_relay-child needs ${k}`);
  return v;
};

const store = postgresStore({
  connectionString: env('RELAY_DATABASE_URL'),
  schema: env('RELAY_SCHEMA'),
  migrate: false,
  max: 4,
});
const receiver = env('RELAY_RECEIVER_URL');

const webhook: Notifier = {
  name: 'receiver',
  async send(m, { signal }) {
    try {
      const res = await fetch(receiver, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': m.id },
        body: JSON.stringify({
          id: m.id,
          ticketId: m.ticketId,
          sequence: m.sequence,
          pid: process.pid,
        }),
        signal,
      });
      await res.arrayBuffer();
      return res.ok ? { ok: true } : { ok: false, retryable: true, error: `HTTP ${res.status}` };
    } catch (e) {
      return { ok: false, retryable: true, error: e instanceof Error ? e.message : String(e) };
    }
  },
};

const queue = createNotificationQueue({
  notifiers: { webhook },
  clock: systemClock,
  store: store.outbox,
  leaseMs: Number(env('RELAY_LEASE_MS')),
  pollMs: Number(env('RELAY_POLL_MS')),
  batchSize: 20,
  concurrency: 4,
  retry: { baseMs: 50, maxMs: 200 },
});

process.on('message', async (msg: { type?: string }) => {
  if (msg?.type !== 'stop') return;
  queue.stop();
  await queue.idle();
  await store.close();
  process.exit(0);
});

await store.ready();
queue.start();
process.send?.({ type: 'ready', at: Date.now() });
