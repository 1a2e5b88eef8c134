/**
 * desk.links and desk.similar: `npx tsx test/bench/run.ts desk-knowledge` (also `npm run bench`).
 *
 * Memory store with BENCH_TICKETS (10,000) resolved tickets from the classification generator,
 * each linked to one of 500 CRM customers. Prints, with the baseline measured in the same run:
 * - desk.links.find (index) against the only alternative without one: paging desk.list over
 *   every ticket and filtering links in JavaScript;
 * - desk.similar's first query in a tenant (index build) and warm queries, against the bare
 *   BM25 index (`createSimilarityIndex().similar`, no store reads, no permission checks);
 * - PGlite: findByExternalRef with migration v3's GIN index against the same query before it.
 */
import { PGlite } from '@electric-sql/pglite';
import {
  type Commit,
  createSimilarityIndex,
  createTicketing,
  memoryStore,
  type Ticket,
  type TicketStore,
} from 'ticketkit';
import { pgliteStore } from 'ticketkit/adapters/pglite';
import { MIGRATION_V3_SQL } from '../../adapters/_sql/migration-v3';
import { render } from '../../adapters/_sql/names';
import { generateTickets } from '../classify/_tickets';

const N = Number(process.env.BENCH_TICKETS ?? 10_000);
const CUSTOMERS = 500;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const actor = { id: 'agent-1', roles: ['agent'] };
const link = (i: number) => ({ system: 'crm', kind: 'customer', externalId: `C-${i % CUSTOMERS}` });

function tickets(): Ticket[] {
  const gen = generateTickets({ seed: 7, perCategory: Math.ceil(N / 6) }).slice(0, N);
  const t0 = Date.parse('2026-01-05T01:00:00.000Z');
  return gen.map((g, i) => {
    const at = new Date(t0 + i * 60_000).toISOString();
    return {
      id: `tk_${String(i).padStart(7, '0')}`,
      tenantId: 'default',
      title: g.title,
      description: g.description,
      priority: 'normal',
      risk: null,
      category: g.label,
      tags: [],
      channel: null,
      requester: `req-${i % 997}`,
      assignee: null,
      team: null,
      status: 'resolved',
      parentId: null,
      externalRefs: { links: [link(i)] },
      location: null,
      custom: { rootCause: g.resolution },
      createdAt: at,
      updatedAt: at,
      version: 1,
      reopenCount: 0,
      sla: null,
    };
  });
}

const insert = (t: Ticket): Commit => ({
  tenantId: t.tenantId,
  ticket: t,
  expectedVersion: null,
  audit: [
    {
      id: `${t.id}:1`,
      tenantId: t.tenantId,
      ticketId: t.id,
      seq: 1,
      at: t.createdAt,
      actor: { id: 'bench', roles: ['admin'] },
      action: 'create',
      changes: {},
    },
  ],
  now: t.createdAt,
});

async function load(store: TicketStore, all: Ticket[]) {
  for (let i = 0; i < all.length; i += 1000) {
    const r = await store.commitBatch(all.slice(i, i + 1000).map(insert));
    if (!r.ok) throw new Error(`load failed at ${i}`);
  }
}

/** Calls fn `n` times; returns calls per second. */
async function rate(n: number, fn: (i: number) => Promise<unknown> | unknown): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  return (n * 1000) / (performance.now() - t);
}

async function main() {
  const all = tickets();
  const store = memoryStore();
  await load(store, all);
  const desk = createTicketing({ store });
  console.log(`${fmt(N)} resolved tickets, ${CUSTOMERS} customers (${N / CUSTOMERS} tickets each)`);

  // --- desk.links.find vs paging desk.list and filtering -------------------------------------
  const findRate = await rate(2000, (i) => desk.links.find(link(i), { actor }));
  const scanRate = await rate(20, async (i) => {
    const want = link(i).externalId;
    const out: Ticket[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof desk.list>> = await desk.list(
        { limit: 1000, cursor },
        { actor },
      );
      for (const t of page.items) {
        if (t.externalRefs.links?.some((l) => l.externalId === want)) out.push(t);
      }
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  });
  console.log(
    `links.find (memory): ${fmt(findRate)} q/s; list+filter baseline ${scanRate.toFixed(1)} q/s; ratio ${fmt(findRate / scanRate)}x`,
  );

  // --- desk.similar ----------------------------------------------------------------------------
  const builds: number[] = [];
  for (let k = 0; k < 3; k++) {
    const fresh = createTicketing({ store });
    const t = performance.now();
    await fresh.similar(all[k]!.id, {}, { actor });
    builds.push(performance.now() - t);
  }
  console.log(
    `similar first query (builds the index of ${fmt(N)}): ${builds.map((b) => `${fmt(b)} ms`).join(', ')}`,
  );
  await desk.similar(all[0]!.id, {}, { actor }); // build
  const Q = 500;
  const simRate = await rate(Q, (i) => desk.similar(all[(i * 7919) % N]!.id, {}, { actor }));
  const bare = createSimilarityIndex();
  for (const t of all) {
    bare.add(t.id, {
      title: t.title,
      description: t.description ?? '',
      resolution: String(t.custom.rootCause),
    });
  }
  const bareRate = await rate(Q, (i) => {
    const t = all[(i * 7919) % N]!;
    const hits = bare.similar({ title: t.title, description: t.description ?? '' }, { limit: 6 });
    return bare.suggestRootCause(hits.filter((h) => h.id !== t.id).slice(0, 5));
  });
  console.log(
    `similar warm (top 5 + root causes): ${fmt(simRate)} q/s; bare BM25 index ${fmt(bareRate)} q/s; desk/bare ${(simRate / bareRate).toFixed(2)}`,
  );

  // --- PGlite: findByExternalRef before and after migration v3 ---------------------------------
  const db = await PGlite.create();
  const pg = pgliteStore({ pglite: db });
  await pg.ready();
  await load(pg, all);
  await db.exec('ANALYZE tk_tickets');
  const PQ = 200;
  const before = await rate(PQ, (i) => pg.findByExternalRef!('default', link(i), { limit: 50 }));
  await db.exec(render(MIGRATION_V3_SQL, { schema: 'public', prefix: 'tk_' }));
  await db.exec('ANALYZE tk_tickets');
  const after = await rate(PQ, (i) => pg.findByExternalRef!('default', link(i), { limit: 50 }));
  console.log(
    `findByExternalRef (PGlite): with v3 index ${fmt(after)} q/s; without ${fmt(before)} q/s; ratio ${(after / before).toFixed(1)}x`,
  );
  await db.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
