/**
 * Store throughput through the desk: creates and transitions per second, p50/p99 latency, on
 * PGlite (in memory) and PostgreSQL (one connection; a pool of 8 with 8 workers), each next to
 * the memory store measured in the same run with the same worker count.
 * Goal: PostgreSQL >= 3,000 transitions/s with a pool of 8 on a 2-core machine, durability on.
 * Then a list query over 1,000,000 tickets (EXPLAIN must show an index scan; goal < 10 ms).
 *
 *   npx tsx test/bench/store.bench.ts            (PostgreSQL part needs TICKETKIT_TEST_DATABASE_URL)
 *   BENCH_LIST_ROWS=0 npx tsx test/bench/store.bench.ts   (skip the 1M-row list query)
 */
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { pgliteStore } from '../../adapters/pglite/index';
import { postgresStore } from '../../adapters/postgres/index';
import { createTicketing, memoryStore, type Ticket, type TicketStore } from '../../src/index';

const actor = { id: 'bench', roles: ['agent'] };
const url = process.env.TICKETKIT_TEST_DATABASE_URL;
const LIST_ROWS = Number(process.env.BENCH_LIST_ROWS ?? 1_000_000);

interface Figures {
  perSec: number;
  p50: number;
  p99: number;
}
interface Result {
  label: string;
  workers: number;
  create: Figures;
  transition: Figures;
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

/** Runs `ops` calls of `op` over `workers` concurrent loops; latency of each call. */
async function measure(workers: number, ops: number, op: (w: number, i: number) => Promise<void>) {
  const lat: number[] = [];
  const per = Math.ceil(ops / workers);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = 0; i < per; i++) {
        const s = performance.now();
        await op(w, i);
        lat.push(performance.now() - s);
      }
    }),
  );
  const ms = performance.now() - t0;
  lat.sort((a, b) => a - b);
  return { perSec: (lat.length / ms) * 1000, p50: pct(lat, 50), p99: pct(lat, 99) };
}

async function run(label: string, store: TicketStore, workers: number, ops: number) {
  const desk = createTicketing({ store });
  // Warm-up (connections, JIT, statement plans), not measured.
  for (let i = 0; i < 50; i++) await desk.create({ title: `warm ${i}` }, { actor });
  const mine: Ticket[][] = Array.from({ length: workers }, () => []);
  const create = await measure(workers, ops, async (w, i) => {
    mine[w]!.push(await desk.create({ title: `bench ${w}/${i}`, priority: 'high' }, { actor }));
  });
  // Each worker bounces its own tickets in_progress <-> awaiting_feedback (no conflicts).
  const transition = await measure(workers, ops, async (w, i) => {
    const list = mine[w]!;
    const t = list[i % list.length]!;
    const to =
      t.status === 'pending' || t.status === 'awaiting_feedback'
        ? 'in_progress'
        : 'awaiting_feedback';
    list[i % list.length] = await desk.transition(t.id, to, { actor, expectedVersion: t.version });
  });
  return { label, workers, create, transition } satisfies Result;
}

const fmt = (n: number, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

function print(results: Result[], baselines: Map<number, Result>) {
  const rows = [
    [
      'store',
      'workers',
      'creates/s',
      'p50 ms',
      'p99 ms',
      'transitions/s',
      'p50 ms',
      'p99 ms',
      'vs memory (transitions)',
    ],
  ];
  for (const r of results) {
    const base = baselines.get(r.workers);
    rows.push([
      r.label,
      String(r.workers),
      fmt(r.create.perSec),
      fmt(r.create.p50, 2),
      fmt(r.create.p99, 2),
      fmt(r.transition.perSec),
      fmt(r.transition.p50, 2),
      fmt(r.transition.p99, 2),
      base && base !== r
        ? `${fmt(base.transition.perSec / r.transition.perSec, 1)}x slower`
        : '(baseline)',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) console.log(row.map((c, i) => c.padEnd(widths[i]!)).join('  '));
}

async function listQuery(pool: pg.Pool, schema: string) {
  const T = `${schema}.tk_tickets`;
  console.log(
    `\nlist query over ${fmt(LIST_ROWS)} tickets (one INSERT ... SELECT generate_series)`,
  );
  let t0 = performance.now();
  // 10 tenants x 100,000; statuses and priorities spread; ids and times unique per tenant.
  await pool.query(
    `INSERT INTO ${T} (tenant_id, id, status, priority, priority_rank, assignee, team, requester,
       parent_id, created_at, updated_at, version, doc)
     SELECT 'tenant-' || (g % 10), 'tk_' || lpad(g::text, 8, '0'),
       (ARRAY['pending','in_progress','awaiting_feedback','resolved','archived'])[1 + (g / 10) % 5],
       (ARRAY['urgent','high','normal','low'])[1 + (g / 50) % 4], (g / 50) % 4,
       CASE WHEN g % 3 = 0 THEN NULL ELSE 'agent-' || (g % 97) END, NULL, 'req', NULL,
       timestamptz '2026-01-01' + g * interval '1 second', timestamptz '2026-01-01' + g * interval '1 second', 1,
       json_build_object('id', 'tk_' || lpad(g::text, 8, '0'), 'tenantId', 'tenant-' || (g % 10), 'title', 'bulk ' || g)
     FROM generate_series(1, $1::int) AS g`,
    [LIST_ROWS],
  );
  await pool.query(`ANALYZE ${T}`);
  console.log(`  generated in ${fmt((performance.now() - t0) / 1000, 1)} s`);
  const store = postgresStore({ pool, schema });
  const query = {
    filter: { status: ['pending'] },
    sort: { field: 'priority' as const, direction: 'asc' as const },
    limit: 50,
  };
  await store.listTickets('tenant-3', query); // warm
  const times: number[] = [];
  for (let i = 0; i < 50; i++) {
    t0 = performance.now();
    const page = await store.listTickets('tenant-3', {
      ...query,
      ...(i % 2 ? { after: { value: 1, id: 'tk_00500000' } } : {}),
    });
    times.push(performance.now() - t0);
    if (page.length !== 50) throw new Error(`expected 50 rows, got ${page.length}`);
  }
  times.sort((a, b) => a - b);
  console.log(
    `  pending by priority, 50 per page, keyset: p50 ${fmt(pct(times, 50), 2)} ms, p99 ${fmt(pct(times, 99), 2)} ms (goal < 10 ms)`,
  );
  const plan = await pool.query(
    `EXPLAIN SELECT doc::text FROM ${T} WHERE tenant_id = 'tenant-3' AND status = ANY('{pending}')
     AND (priority_rank, id) > (1, 'tk_00500000') ORDER BY priority_rank ASC, id ASC LIMIT 50`,
  );
  const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
  console.log(text.replace(/^/gm, '    '));
  if (!/Index (Only )?Scan/.test(text)) console.log('  WARNING: no index scan in the plan');
  const plan2 = await pool.query(
    `EXPLAIN SELECT doc::text FROM ${T} WHERE tenant_id = 'tenant-3'
     ORDER BY created_at DESC, id ASC LIMIT 50`,
  );
  console.log('  newest first (created_at desc):');
  console.log(
    plan2.rows
      .map((r) => r['QUERY PLAN'])
      .join('\n')
      .replace(/^/gm, '    '),
  );
  t0 = performance.now();
  await store.listTickets('tenant-3', {
    filter: {},
    sort: { field: 'createdAt', direction: 'desc' },
    limit: 50,
  });
  console.log(`  newest first, 50 rows: ${fmt(performance.now() - t0, 2)} ms`);
}

async function main() {
  const ops = Number(process.env.BENCH_OPS ?? 2000);
  const results: Result[] = [];
  const baselines = new Map<number, Result>();
  for (const workers of [1, 8]) {
    const r = await run('memory', memoryStore(), workers, ops * 5);
    baselines.set(workers, r);
    results.push(r);
  }

  const lite = await PGlite.create();
  const liteStore = pgliteStore({ pglite: lite });
  await liteStore.ready();
  results.push(await run('pglite (in memory)', liteStore, 1, ops));
  await lite.close();

  if (!url) {
    console.log(
      'PostgreSQL part skipped: set TICKETKIT_TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)',
    );
  } else {
    const schema = `tk_bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Pool({ connectionString: url, max: 8 });
    try {
      const sc = await admin.query('SHOW synchronous_commit');
      console.log(`PostgreSQL synchronous_commit = ${sc.rows[0].synchronous_commit}`);
      const one = new pg.Pool({ connectionString: url, max: 1 });
      const s1 = postgresStore({ pool: one, schema });
      await s1.ready();
      results.push(await run('postgres, 1 connection', s1, 1, ops));
      await one.end();
      const eight = new pg.Pool({ connectionString: url, max: 8 });
      const s8 = postgresStore({ pool: eight, schema });
      results.push(await run('postgres, pool of 8', s8, 8, ops * 3));
      await eight.end();
      // For comparison only: the same with the WAL flush taken off the commit path (not durable),
      // to show how much of the gap is the flush on this machine's disk.
      const async8 = new pg.Pool({
        connectionString: url,
        max: 8,
        options: '-c synchronous_commit=off',
      });
      const sa = postgresStore({ pool: async8, schema });
      results.push(await run('postgres, pool of 8, sync_commit off*', sa, 8, ops * 3));
      await async8.end();
      print(results, baselines);
      console.log(
        '* not durable; for comparison only (shows the cost of the WAL flush per commit)',
      );
      if (LIST_ROWS > 0) {
        await admin.query(`TRUNCATE ${schema}.tk_tickets, ${schema}.tk_audit`);
        await listQuery(admin, schema);
      }
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
    return;
  }
  print(results, baselines);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
