/**
 * Migration v3 (adapters/_sql/migration-v3.ts): the GIN expression index behind
 * `findByExternalRef` applies cleanly, PostgreSQL's planner uses it for the store's lookup, and
 * lookups return the same with and without it. Runs on PGlite; applies the migration by hand
 * until it is registered in MIGRATIONS.
 */
import { PGlite } from '@electric-sql/pglite';
import type { Commit, Ticket } from 'ticketkit';
import { pgliteStore } from 'ticketkit/adapters/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATION_V3, MIGRATION_V3_SQL } from '../../adapters/_sql/migration-v3';
import { render } from '../../adapters/_sql/names';
import { makeTicket } from '../conformance/store';

let db: PGlite;
beforeAll(async () => {
  db = await PGlite.create();
});
afterAll(async () => {
  await db?.close();
});

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
      actor: { id: 'u1', roles: ['agent'] },
      action: 'create',
      changes: {},
    },
  ],
  now: t.createdAt,
});

describe('migration v3: the external-link index', () => {
  it('is a migration entry numbered after v2', () => {
    expect(MIGRATION_V3).toMatchObject({ version: 3, name: 'ticket_links_index' });
  });

  it('applies, is used by the lookup, and changes no result', async () => {
    const store = pgliteStore({ pglite: db });
    await store.ready();
    const customer = (i: number) => ({
      system: 'crm',
      kind: 'customer',
      externalId: `C-${i % 400}`,
    });
    const tickets: Ticket[] = [];
    for (let i = 0; i < 4000; i++) {
      tickets.push(
        makeTicket({
          id: `tk_${String(i).padStart(6, '0')}`,
          tenantId: i % 2 ? 'A' : 'B',
          ...(i % 4 === 3 ? {} : { externalRefs: { links: [customer(i)] } }),
        }),
      );
    }
    for (const tenant of ['A', 'B']) {
      const mine = tickets.filter((t) => t.tenantId === tenant);
      for (let i = 0; i < mine.length; i += 500) {
        expect(await store.commitBatch(mine.slice(i, i + 500).map(insert))).toEqual({ ok: true });
      }
    }
    const probe = customer(5); // i = 5, 405, ...: tenant A, linked
    const before = await store.findByExternalRef!('A', probe, { limit: 100 });

    await db.exec(render(MIGRATION_V3_SQL, { schema: 'public', prefix: 'tk_' }));
    // Idempotent, as every migration step is written.
    await db.exec(render(MIGRATION_V3_SQL, { schema: 'public', prefix: 'tk_' }));
    await db.exec('ANALYZE tk_tickets');
    const { rows: idx } = await db.query<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes WHERE tablename = 'tk_tickets' AND indexname = 'tk_tickets_links_idx'",
    );
    expect(idx).toHaveLength(1);
    // The store's lookup statement (adapters/_sql/store.ts, findByExternalRef).
    const { rows: plan } = await db.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT doc::text AS doc FROM "public"."tk_tickets"
       WHERE tenant_id = $1 AND (doc -> 'externalRefs' -> 'links')::jsonb @> $2::jsonb
         AND id > $3 ORDER BY id LIMIT $4`,
      ['A', JSON.stringify([probe]), '', 100],
    );
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toContain('tk_tickets_links_idx');

    const after = await store.findByExternalRef!('A', probe, { limit: 100 });
    expect(after.map((t) => t.id)).toEqual(before.map((t) => t.id));
    const want = tickets
      .filter(
        (t) => t.tenantId === 'A' && t.externalRefs.links?.[0]?.externalId === probe.externalId,
      )
      .map((t) => t.id);
    expect(want.length).toBeGreaterThan(0);
    expect(after.map((t) => t.id)).toEqual(want);
  });
});
