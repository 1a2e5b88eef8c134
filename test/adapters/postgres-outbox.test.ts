/**
 * The SQL outbox on PostgreSQL: the outbox conformance suite (as the owner, and as a non-owner
 * app role under row-level security), and D6: three relays on one outbox.
 *
 * Needs TICKETKIT_TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test); skips
 * with a visible message without it. Each run works in its own schemas, dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import {
  createNotificationQueue,
  type NotificationMessage,
  type Notifier,
  type OutboxPort,
  systemClock,
} from 'ticketkit';
import { postgresStore } from 'ticketkit/adapters/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxMessage, runOutboxConformance } from '../conformance/outbox';

const url = process.env.TICKETKIT_TEST_DATABASE_URL;
if (!url) {
  console.warn(
    'postgres outbox tests (conformance, RLS, D6) skipped: set TICKETKIT_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test',
  );
}

describe.skipIf(!url)('postgres outbox', () => {
  const schema = `tk_obx_${randomBytes(4).toString('hex')}`;
  const table = `${schema}.tk_notify_outbox`;
  const pools: pg.Pool[] = [];
  const newPool = (config: pg.PoolConfig = {}) => {
    const p = new pg.Pool({ connectionString: url, max: 4, ...config });
    p.on('error', () => {});
    pools.push(p);
    return p;
  };
  let pool: pg.Pool;
  let store: ReturnType<typeof postgresStore>;

  beforeAll(async () => {
    pool = newPool();
    store = postgresStore({ pool, schema });
    await store.ready();
  });
  afterAll(async () => {
    if (pool) await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await Promise.all(pools.map((p) => p.end()));
  });

  runOutboxConformance(
    'postgres',
    async () => {
      await pool.query(`DELETE FROM ${table}`);
      return store.outbox;
    },
    { modelRuns: 30 },
  );

  describe('under row-level security, as a non-owner app role (worker setting)', () => {
    const rlsSchema = `${schema}_rls`;
    const rlsTable = `${rlsSchema}.tk_notify_outbox`;
    const role = `tk_relay_${randomBytes(4).toString('hex')}`;
    let appStore: ReturnType<typeof postgresStore>;
    let appPool: pg.Pool;

    beforeAll(async () => {
      await pool.query(`CREATE ROLE ${role} NOLOGIN NOSUPERUSER NOBYPASSRLS`);
      await postgresStore({ pool, schema: rlsSchema, rowLevelSecurity: true }).ready();
      await pool.query(`GRANT USAGE ON SCHEMA ${rlsSchema} TO ${role};
        GRANT SELECT, INSERT, UPDATE, DELETE ON ${rlsTable} TO ${role};
        GRANT SELECT ON ${rlsSchema}.tk_migrations TO ${role};`);
      appPool = newPool({ options: `-c role=${role}` });
      appStore = postgresStore({
        pool: appPool,
        schema: rlsSchema,
        rowLevelSecurity: true,
        migrate: false,
      });
    });
    afterAll(async () => {
      await pool.query(`DROP SCHEMA IF EXISTS ${rlsSchema} CASCADE`);
      await pool.query(`DROP OWNED BY ${role}; DROP ROLE IF EXISTS ${role}`);
    });

    runOutboxConformance(
      'postgres with rowLevelSecurity',
      async () => {
        await pool.query(`DELETE FROM ${rlsTable}`);
        return appStore.outbox;
      },
      { modelRuns: 10 },
    );

    it('the app role sees no queue rows without the worker setting; the outbox sees every tenant', async () => {
      await pool.query(`DELETE FROM ${rlsTable}`);
      const now = new Date('2026-03-02T01:00:00.000Z');
      const [a, b] = [outboxMessage({ tenantId: 't1' }), outboxMessage({ tenantId: 't2' })];
      await appStore.outbox.enqueue([a, b], now);
      const bare = await appPool.query(`SELECT count(*)::int AS n FROM ${rlsTable}`);
      expect(bare.rows[0].n).toBe(0);
      const tenantOnly = await appPool.connect();
      try {
        await tenantOnly.query('BEGIN');
        await tenantOnly.query("SELECT set_config('ticketkit.tenant', 't1', true)");
        const mine = await tenantOnly.query(`SELECT id FROM ${rlsTable}`);
        expect(mine.rows).toEqual([{ id: a.id }]);
      } finally {
        await tenantOnly.query('ROLLBACK');
        tenantOnly.release();
      }
      const claimed = await appStore.outbox.claim(now, 10, 60_000);
      expect(claimed.map((e) => e.id).sort()).toEqual([a.id, b.id].sort());
    });
  });

  it('D6: 3 relays (3 pools) on one outbox, 2,000 messages: each row held by one relay at a time, 0 raw duplicates, per-ticket order', async () => {
    const N = 2000;
    const TICKETS = 200;
    const figures: { relays: number; perSecond: number }[] = [];
    for (const relays of [1, 3]) {
      await pool.query(`DELETE FROM ${table}`);
      const messages: NotificationMessage[] = [];
      for (let s = 1; s <= N / TICKETS; s++) {
        for (let t = 0; t < TICKETS; t++) {
          messages.push(
            outboxMessage({
              id: `d6-${relays}-${t}-${s}`,
              tenantId: `t${t % 3}`,
              ticketId: `tk${t}`,
              sequence: s,
            }),
          );
        }
      }
      await store.outbox.enqueue(messages, new Date());

      const held = new Map<string, number>(); // id -> relay holding its lease
      const holdViolations: string[] = [];
      const orderViolations: string[] = [];
      const sends = new Map<string, number>();
      const lastDone = new Map<string, number>(); // ticket -> last delivered sequence
      let delivered = 0;
      // Wraps a relay's outbox to see every claim and every settle.
      const tracked = (o: OutboxPort, relay: number): OutboxPort => {
        const drop = (id: string) => {
          if (held.get(id) === relay) held.delete(id);
          else holdViolations.push(`${id} settled by relay ${relay} but held by ${held.get(id)}`);
        };
        return {
          ...o,
          name: o.name,
          enqueue: (m, now) => o.enqueue(m, now),
          claim: async (now, limit, leaseMs, opts) => {
            const got = await o.claim(now, limit, leaseMs, opts);
            for (const e of got) {
              if (held.has(e.id))
                holdViolations.push(`${e.id} claimed by ${relay} while ${held.get(e.id)} holds it`);
              held.set(e.id, relay);
            }
            return got;
          },
          complete: async (id, r) => {
            drop(id);
            await o.complete(id, r);
          },
          fail: async (id, r) => {
            drop(id);
            await o.fail(id, r);
          },
          release: async (id, r) => {
            drop(id);
            await o.release(id, r);
          },
          deadLetter: async (id, r) => {
            drop(id);
            await o.deadLetter(id, r);
          },
        };
      };
      const notifier: Notifier = {
        name: 'counting',
        async send(m) {
          sends.set(m.id, (sends.get(m.id) ?? 0) + 1);
          const before = lastDone.get(m.ticketId) ?? 0;
          if (before !== m.sequence - 1)
            orderViolations.push(`${m.id} sent after sequence ${before}`);
          await sleep(1); // a receiver round trip
          lastDone.set(m.ticketId, m.sequence);
          delivered++;
          return { ok: true };
        },
      };
      const stores = Array.from({ length: relays }, () =>
        postgresStore({ pool: newPool(), schema, migrate: false }),
      );
      const queues = stores.map((s, i) =>
        createNotificationQueue({
          notifiers: { webhook: notifier },
          clock: systemClock,
          store: tracked(s.outbox, i),
          batchSize: 50,
          concurrency: 8,
          leaseMs: 60_000,
        }),
      );
      const t0 = performance.now();
      await Promise.all(
        queues.map(async (q) => {
          while (delivered < N) {
            const r = await q.tick();
            if (r.claimed === 0) await sleep(2);
          }
        }),
      );
      const seconds = (performance.now() - t0) / 1000;
      figures.push({ relays, perSecond: N / seconds });
      await Promise.all(stores.map((s) => s.close()));

      expect(holdViolations).toEqual([]);
      expect(orderViolations).toEqual([]);
      expect(sends.size).toBe(N);
      expect([...sends.values()].filter((n) => n !== 1)).toEqual([]); // 0 raw duplicates
      expect(await store.outbox.counts()).toEqual({
        pending: 0,
        leased: 0,
        delivered: N,
        skipped: 0,
        dead: 0,
      });
    }
    const [one, three] = figures as [(typeof figures)[0], (typeof figures)[0]];
    console.log(
      `D6 (informative): ${N} messages, 1 relay ${one.perSecond.toFixed(0)}/s, 3 relays ${three.perSecond.toFixed(0)}/s, ratio ${(three.perSecond / one.perSecond).toFixed(2)}x (goal >= 1.5x; 2-core machine, shared)`,
    );
  });
});
