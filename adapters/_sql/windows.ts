/**
 * Joint handling windows on SQL (PGlite and PostgreSQL): the `WindowStore` port on the `windows`
 * table of migration v4 (`migration-v4.ts`).
 *
 * `book` runs in one transaction: advisory locks on (tenant, participant) in sorted order, then
 * the clash query, then the insert, so concurrent bookings of the same participant see each
 * other. Every time comes from the caller; the database clock is never read.
 *
 * @internal
 */
import type { HandlingWindow, WindowFilter, WindowStore } from 'ticketkit';
import type { SqlExecutor, SqlQueryable } from './executor';
import { qualified, type SqlNames } from './names';

/** Options of {@link createSqlWindows}. */
export interface SqlWindowsOptions {
  /** Validated schema and table prefix (the store's). */
  readonly names: SqlNames;
  /** Set the tenant GUC in each transaction (the store has row-level security on). */
  readonly rowLevelSecurity?: boolean | undefined;
}

const parse = (text: unknown): HandlingWindow =>
  Object.freeze(JSON.parse(String(text)) as HandlingWindow);

/** Creates the SQL window store over an opened executor. */
export function createSqlWindows(
  opened: Promise<SqlExecutor>,
  options: SqlWindowsOptions,
): WindowStore {
  const W = qualified(options.names, 'windows');
  const rls = options.rowLevelSecurity === true;
  const inTenant = async <R>(tenantId: string, fn: (q: SqlQueryable) => Promise<R>) => {
    const db = await opened;
    return db.transaction(async (tx) => {
      if (rls) await tx.query("SELECT set_config('ticketkit.tenant', $1, true)", [tenantId]);
      return fn(tx);
    });
  };
  const clashesOf = async (q: SqlQueryable, w: HandlingWindow) => {
    const { rows } = await q.query<{ doc: string }>(
      `SELECT doc::text AS doc FROM ${W}
        WHERE tenant_id = $1 AND id <> $2 AND cancelled_at IS NULL
          AND participants && $3::text[] AND start_at < $5 AND end_at > $4
        ORDER BY start_at, id`,
      [w.tenantId, w.id, [...w.participants], w.start, w.end],
    );
    return rows.map((r) => parse(r.doc));
  };

  return {
    book(w, exclusive) {
      return inTenant(w.tenantId, async (q) => {
        await q.query(
          `SELECT pg_advisory_xact_lock(hashtextextended($1 || chr(1) || p, 0))
             FROM (SELECT DISTINCT unnest($2::text[]) AS p ORDER BY 1) s`,
          [w.tenantId, [...w.participants]],
        );
        const existing = await q.query<{ doc: string }>(
          `SELECT doc::text AS doc FROM ${W} WHERE tenant_id = $1 AND id = $2`,
          [w.tenantId, w.id],
        );
        if (existing.rows[0]) {
          return { booked: true, clashes: await clashesOf(q, parse(existing.rows[0].doc)) };
        }
        const clashes = await clashesOf(q, w);
        if (exclusive && clashes.length > 0) return { booked: false, clashes };
        await q.query(
          `INSERT INTO ${W} (tenant_id, id, ticket_id, start_at, end_at, participants, cancelled_at, doc)
           VALUES ($1, $2, $3, $4, $5, $6::text[], $7, $8::json)`,
          [
            w.tenantId,
            w.id,
            w.ticketId,
            w.start,
            w.end,
            [...w.participants],
            w.cancelledAt,
            JSON.stringify(w),
          ],
        );
        return { booked: true, clashes };
      });
    },

    get(tenantId, id) {
      return inTenant(tenantId, async (q) => {
        const { rows } = await q.query<{ doc: string }>(
          `SELECT doc::text AS doc FROM ${W} WHERE tenant_id = $1 AND id = $2`,
          [tenantId, id],
        );
        return rows[0] ? parse(rows[0].doc) : null;
      });
    },

    list(tenantId, f: WindowFilter) {
      return inTenant(tenantId, async (q) => {
        const where = ['tenant_id = $1'];
        const params: unknown[] = [tenantId];
        const p = (v: unknown) => {
          params.push(v);
          return `$${params.length}`;
        };
        if (f.ticketId !== undefined) where.push(`ticket_id = ${p(f.ticketId)}`);
        if (f.participant !== undefined)
          where.push(`participants && ${p([f.participant])}::text[]`);
        if (f.from !== undefined) where.push(`end_at > ${p(f.from)}`);
        if (f.to !== undefined) where.push(`start_at < ${p(f.to)}`);
        if (!f.includeCancelled) where.push('cancelled_at IS NULL');
        const { rows } = await q.query<{ doc: string }>(
          `SELECT doc::text AS doc FROM ${W} WHERE ${where.join(' AND ')} ORDER BY start_at, id`,
          params,
        );
        return rows.map((r) => parse(r.doc));
      });
    },

    cancel(tenantId, id, at, by) {
      return inTenant(tenantId, async (q) => {
        const { rows } = await q.query<{ doc: string }>(
          `SELECT doc::text AS doc FROM ${W}
            WHERE tenant_id = $1 AND id = $2 AND cancelled_at IS NULL FOR UPDATE`,
          [tenantId, id],
        );
        if (!rows[0]) return null;
        const next = Object.freeze({ ...parse(rows[0].doc), cancelledAt: at, cancelledBy: by });
        await q.query(
          `UPDATE ${W} SET cancelled_at = $3, doc = $4::json WHERE tenant_id = $1 AND id = $2`,
          [tenantId, id, at, JSON.stringify(next)],
        );
        return next;
      });
    },
  };
}
