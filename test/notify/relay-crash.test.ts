/**
 * D5, relay crash, on PostgreSQL: a relay process (test/notify/_relay-child.ts) delivers the
 * SQL outbox to an HTTP receiver on 127.0.0.1 in this process; it is SIGKILLed when the
 * receiver has seen a fast-check-chosen number of messages, then restarted.
 *
 * Pass figure: every message delivered; dedup count = total; each row the dead relay held is
 * reclaimed within lease + poll interval (its first delivery after the restart comes no later
 * than `max(leased_until, restarted relay ready) + pollMs`).
 *
 * PR profile: 300 messages x 5 trials. DEEP (RELIABILITY_PROFILE=deep): 2,000 x 20, as in
 * RELIABILITY.md. Every trial has a 30 s budget. Replay the kill points with FC_SEED.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import pg from 'pg';
import type { NotificationMessage } from 'ticketkit';
import { postgresStore } from 'ticketkit/adapters/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxMessage } from '../conformance/outbox';

const url = process.env.TICKETKIT_TEST_DATABASE_URL;
if (!url) {
  console.warn(
    'D5 relay crash test skipped: set TICKETKIT_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test',
  );
}

const DEEP = process.env.RELIABILITY_PROFILE === 'deep';
const MESSAGES = DEEP ? 2000 : 300;
const TRIALS = DEEP ? 20 : 5;
const TICKETS = MESSAGES / 10;
const LEASE_MS = 2000;
const POLL_MS = 1000;
const TRIAL_BUDGET_MS = 30_000;
const SEED = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CHILD = fileURLToPath(new URL('./_relay-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Receipt {
  id: string;
  at: number;
}

describe.skipIf(!url)('D5: relay crash (PostgreSQL)', () => {
  const schema = `tk_d5_${randomBytes(4).toString('hex')}`;
  const table = `${schema}.tk_notify_outbox`;
  let pool: pg.Pool;
  let store: ReturnType<typeof postgresStore>;
  let server: Server;
  let receiverUrl: string;
  let receipts: Receipt[] = [];
  const children = new Set<ChildProcess>();

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: url, max: 2 });
    pool.on('error', () => {});
    store = postgresStore({ pool, schema });
    await store.ready();
    server = createServer((req, res) => {
      const id = String(req.headers['webhook-id'] ?? '');
      req.resume();
      req.on('end', () => {
        receipts.push({ id, at: Date.now() });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    if (pool) await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool?.end();
  });

  /** Starts a relay; resolves with the process and the instant it reported ready. */
  function startRelay(): Promise<{ child: ChildProcess; readyAt: number }> {
    const child = fork(CHILD, [], {
      cwd: ROOT,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: {
        ...process.env,
        RELAY_DATABASE_URL: url,
        RELAY_SCHEMA: schema,
        RELAY_RECEIVER_URL: receiverUrl,
        RELAY_LEASE_MS: String(LEASE_MS),
        RELAY_POLL_MS: String(POLL_MS),
      },
    });
    children.add(child);
    child.on('exit', () => children.delete(child));
    return new Promise((resolve, reject) => {
      child.once('message', (m: { type?: string; at?: number }) => {
        if (m?.type === 'ready') resolve({ child, readyAt: m.at ?? Date.now() });
      });
      child.once('exit', (code) => reject(new Error(`relay exited (${code}) before ready`)));
    });
  }

  const kill = (child: ChildProcess) =>
    new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });

  async function until(what: string, deadline: number, check: () => Promise<boolean> | boolean) {
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`trial budget exceeded waiting for ${what}`);
      await sleep(20);
    }
  }

  const killPoints = fc.sample(fc.integer({ min: 1, max: MESSAGES - 1 }), {
    numRuns: TRIALS,
    seed: SEED,
  });
  console.log(
    `D5 relay crash: ${MESSAGES} messages x ${TRIALS} trials (DEEP: 2,000 x 20), kill after receipts ${killPoints.join(', ')}; fast-check seed ${SEED} (replay with FC_SEED=${SEED})`,
  );

  it.each(killPoints.map((k, i) => [i + 1, k]))(
    `trial %i: SIGKILL after %i receipts of ${MESSAGES}; restart; all delivered, dedup = total, held rows reclaimed within lease + poll`,
    async (trial, killAfter) => {
      const deadline = Date.now() + TRIAL_BUDGET_MS;
      await pool.query(`DELETE FROM ${table}`);
      receipts = [];
      const messages: NotificationMessage[] = [];
      for (let s = 1; s <= 10; s++) {
        for (let t = 0; t < TICKETS; t++) {
          messages.push(
            outboxMessage({
              id: `d5-${trial}-${t}-${s}`,
              ticketId: `tk${t}`,
              tenantId: `t${t % 2}`,
              sequence: s,
            }),
          );
        }
      }
      expect(await store.outbox.enqueue(messages, new Date())).toEqual({
        inserted: MESSAGES,
        duplicates: 0,
      });

      const first = await startRelay();
      await until('the kill point', deadline, () => receipts.length >= killAfter);
      await kill(first.child);
      const killedAt = Date.now();
      const { rows: held } = await pool.query<{ id: string; leased_until: Date }>(
        `SELECT id, leased_until FROM ${table} WHERE status = 'leased'`,
      );

      const second = await startRelay();
      await until('every message delivered', deadline, async () => {
        const c = await store.outbox.counts();
        return c.delivered === MESSAGES;
      });
      await new Promise<void>((resolve) => {
        second.child.once('exit', () => resolve());
        second.child.send({ type: 'stop' });
      });

      const distinct = new Set(receipts.map((r) => r.id));
      expect(distinct.size).toBe(MESSAGES); // dedup count = total
      expect([...distinct].every((id) => id.startsWith(`d5-${trial}-`))).toBe(true);
      expect(await store.outbox.counts()).toMatchObject({
        delivered: MESSAGES,
        pending: 0,
        leased: 0,
        dead: 0,
      });
      // Rows the dead relay held: each one's first delivery after the restart, against
      // max(its lease end, the restarted relay being ready) + poll interval.
      let worst = 0;
      for (const row of held) {
        const after = receipts.find((r) => r.id === row.id && r.at >= killedAt);
        expect(after, `${row.id} reclaimed after the crash`).toBeDefined();
        const from = Math.max(row.leased_until.getTime(), second.readyAt);
        worst = Math.max(worst, after!.at - from);
        expect(after!.at - from, `${row.id} reclaim delay`).toBeLessThanOrEqual(POLL_MS);
      }
      const raw = receipts.length;
      console.log(
        `D5 trial ${trial}: killed after ${killAfter} receipts, ${held.length} rows held by the dead relay, ` +
          `${raw} raw receipts (${raw - MESSAGES} duplicates), dedup ${distinct.size}/${MESSAGES}, ` +
          `worst reclaim delay after lease end ${worst} ms (bound ${POLL_MS} ms)`,
      );
    },
    TRIAL_BUDGET_MS + 5000,
  );
});
