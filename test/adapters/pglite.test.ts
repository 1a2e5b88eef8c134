import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { AuditEntry, Comment, Ticket } from 'ticketkit';
import { exportMigrationsSql, pgliteStore } from 'ticketkit/adapters/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTicket, runStoreConformance, type StoreInspector } from '../conformance/store';

// One PGlite for the whole file (the first create costs ~4 s); each test starts from empty
// tables (DELETE, a few ms) and a fresh store over the same instance.
let db: PGlite;
let empty: Awaited<ReturnType<PGlite['clone']>>; // a clone taken before migrations: an empty database for the export case
beforeAll(async () => {
  db = await PGlite.create();
  empty = await db.clone();
  await pgliteStore({ pglite: db }).ready();
});
afterAll(async () => {
  await db?.close();
  await empty?.close();
});

const TABLES =
  'tk_tickets, tk_audit, tk_comments, tk_idempotency, tk_sla_timers, tk_outbox, tk_import_batches, tk_notify_outbox, tk_audit_chain, tk_windows';

/** Raw reads with SQL, bypassing the store. */
function sqlInspector(q: PGlite, table = (name: string) => `tk_${name}`): StoreInspector {
  return {
    async ticket(tenantId, id) {
      const { rows } = await q.query<{ doc: string; version: number }>(
        `SELECT doc::text AS doc, version FROM ${table('tickets')} WHERE tenant_id = $1 AND id = $2`,
        [tenantId, id],
      );
      if (!rows[0]) return null;
      const t = JSON.parse(rows[0].doc) as Ticket;
      // The typed column and the document must agree.
      expect(rows[0].version).toBe(t.version);
      return t;
    },
    async audit(tenantId, ticketId) {
      const { rows } = await q.query<{ entry: string }>(
        `SELECT entry::text AS entry FROM ${table('audit')} WHERE tenant_id = $1 AND ticket_id = $2 ORDER BY seq`,
        [tenantId, ticketId],
      );
      return rows.map((r) => JSON.parse(r.entry) as AuditEntry);
    },
    async comments(tenantId, ticketId) {
      const { rows } = await q.query<{ doc: string }>(
        `SELECT doc::text AS doc FROM ${table('comments')} WHERE tenant_id = $1 AND ticket_id = $2 ORDER BY pos`,
        [tenantId, ticketId],
      );
      return rows.map((r) => JSON.parse(r.doc) as Comment);
    },
    async idempotencyKeys(tenantId) {
      const { rows } = await q.query<{ key: string }>(
        `SELECT key FROM ${table('idempotency')} WHERE tenant_id = $1`,
        [tenantId],
      );
      return rows.map((r) => r.key);
    },
  };
}

const insertCommit = (t: Ticket) => ({
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

runStoreConformance({
  name: 'pglite',
  async create() {
    // DELETE is cheaper than TRUNCATE on tiny tables; replica mode skips the audit trigger.
    await db.exec(
      `BEGIN; SET LOCAL session_replication_role = replica; ${TABLES.split(', ')
        .map((t) => `DELETE FROM ${t};`)
        .join(' ')} COMMIT;`,
    );
    return { store: pgliteStore({ pglite: db }), inspect: sqlInspector(db) };
  },
  additional(get) {
    describe('pglite adapter', () => {
      it('reports its capabilities', () => {
        expect(get().store.name).toBe('pglite');
        expect(get().store.capabilities).toEqual({ multiProcess: false, durable: false });
      });

      it('applies migrations once: re-opening is a no-op', async () => {
        const before = await db.query<{ version: number }>('SELECT version FROM tk_migrations');
        expect(before.rows.map((r) => r.version)).toEqual([1, 2, 3, 4]);
        await Promise.all([1, 2, 3].map(() => pgliteStore({ pglite: db }).ready()));
        const after = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM tk_migrations');
        expect(after.rows[0]?.n).toBe(4);
      });

      it('rejects UPDATE and DELETE on the audit table (append-only trigger)', async () => {
        const t = makeTicket();
        await get().store.commit(insertCommit(t));
        await expect(
          db.query(`UPDATE tk_audit SET seq = 9 WHERE ticket_id = $1`, [t.id]),
        ).rejects.toThrow(/append-only/);
        await expect(db.query(`DELETE FROM tk_audit WHERE ticket_id = $1`, [t.id])).rejects.toThrow(
          /append-only/,
        );
        expect(await get().inspect.audit('t1', t.id)).toHaveLength(1);
      });

      it('isolates stores by table prefix and by schema in one database', async () => {
        const a = get().store;
        const b = pgliteStore({ pglite: db, tablePrefix: 'other_' });
        const c = pgliteStore({ pglite: db, schema: 'tenant_x' });
        const t = makeTicket();
        await a.commit(insertCommit(t));
        expect(await b.getTicket('t1', t.id)).toBeNull();
        expect(await c.getTicket('t1', t.id)).toBeNull();
        await b.commit(insertCommit({ ...t, title: 'in b' }));
        expect((await b.getTicket('t1', t.id))?.title).toBe('in b');
        expect((await a.getTicket('t1', t.id))?.title).toBe(t.title);
        const raw = await db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM tenant_x.tk_tickets',
        );
        expect(raw.rows[0]?.n).toBe(0);
      });

      it('rejects unsafe schema and prefix names before touching the database', () => {
        expect(() => pgliteStore({ pglite: db, schema: 'x"; DROP TABLE tk_tickets; --' })).toThrow(
          /schema .* is not allowed/,
        );
        expect(() => pgliteStore({ pglite: db, tablePrefix: 'Bad-Prefix' })).toThrow(
          /tablePrefix .* is not allowed/,
        );
        expect(() => exportMigrationsSql({ schema: 'a.b' })).toThrow(/not allowed/);
      });

      it('rejects unknown sort fields instead of splicing them into SQL', async () => {
        await expect(
          get().store.listTickets('t1', {
            filter: {},
            sort: { field: 'id; DROP TABLE tk_tickets' as never, direction: 'asc' },
            limit: 10,
          }),
        ).rejects.toThrow(/unsupported sort field/);
      });
    });

    describe('pglite adapter: fresh databases', () => {
      it('exportMigrationsSql applies cleanly to an empty database, and a store then applies nothing', async () => {
        const fresh = empty;
        {
          await fresh.exec(exportMigrationsSql({ schema: 'app', tablePrefix: 'tk_' }));
          await fresh.exec(exportMigrationsSql({ schema: 'app', tablePrefix: 'tk_' })); // re-runnable
          const tables = await fresh.query<{ t: string }>(
            `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'app' ORDER BY 1`,
          );
          expect(tables.rows.map((r) => r.t)).toEqual([
            'tk_audit',
            'tk_audit_chain',
            'tk_comments',
            'tk_idempotency',
            'tk_import_batches',
            'tk_migrations',
            'tk_notify_outbox',
            'tk_outbox',
            'tk_sla_timers',
            'tk_tickets',
            'tk_windows',
          ]);
          const store = pgliteStore({ pglite: fresh, schema: 'app' });
          const t = makeTicket();
          expect(await store.commit(insertCommit(t))).toEqual({ ok: true });
          const m = await fresh.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM app.tk_migrations',
          );
          expect(m.rows[0]?.n).toBe(4);
        }
      });

      it('a dataDir store survives close and reopen', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'ticketkit-pglite-'));
        try {
          const t = makeTicket({ title: '持久 💾' });
          const first = pgliteStore({ dataDir: dir });
          expect(first.capabilities).toEqual({ multiProcess: false, durable: true });
          expect(await first.commit(insertCommit(t))).toEqual({ ok: true });
          await first.close();
          const second = pgliteStore({ dataDir: dir });
          expect((await second.getTicket('t1', t.id))?.title).toBe('持久 💾');
          expect(await second.listAudit('t1', t.id)).toHaveLength(1);
          await second.close();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    });
  },
});
