/**
 * The durable notification outbox: the `OutboxPort` of `createNotificationQueue` on the
 * `notify_outbox` table (migration v2), shared by the PGlite and PostgreSQL adapters.
 *
 * - Every time comes from the caller (`now`, `at`, `retryAt`) as a parameter; the database
 *   clock is never read, so a manual clock drives the SQL outbox exactly like the memory one.
 * - `claim` is one statement: a `SELECT ... ORDER BY available_at, position LIMIT n FOR UPDATE
 *   SKIP LOCKED` that applies the ordering contract with `NOT EXISTS`, feeding an `UPDATE` that
 *   sets the lease. Several relays (processes, pools) can claim at once: a row locked by one is
 *   skipped by the others, and its still-pending snapshot keeps blocking the rows behind it.
 * - Under row-level security each call runs in a transaction that sets
 *   `ticketkit.worker = 'on'` (the worker policy of the queue tables): relays see every tenant.
 *
 * @internal
 */
import {
  isTicketkitError,
  type NotificationMessage,
  type OutboxEntry,
  type OutboxPort,
  type OutboxStatus,
  StoreError,
  ValidationError,
  type ValidationIssue,
} from 'ticketkit';
import type { SqlExecutor, SqlQueryable } from './executor';
import { qualified, type SqlNames } from './names';

/** The SQL outbox: {@link OutboxPort} plus housekeeping. */
export interface SqlOutbox extends OutboxPort {
  /**
   * Deletes delivered and skipped entries last changed before `before`; their ids may then be
   * enqueued again. Returns how many rows were deleted. Run it now and then (for example daily
   * with a cut-off a few days back) so the table does not grow without bound.
   */
  prune(before: Date): Promise<number>;
}

/** Options of {@link createSqlOutbox}. */
export interface SqlOutboxOptions {
  /** The adapter's name, for errors (`pglite`, `postgres`). */
  readonly name: string;
  /** Validated schema and table prefix (the store's). */
  readonly names: SqlNames;
  /** Run every call with `ticketkit.worker = 'on'` (the store has row-level security on). */
  readonly rowLevelSecurity?: boolean | undefined;
}

interface RawRow {
  id: string;
  position: number | string;
  status: OutboxStatus;
  attempts: number;
  available_at: number;
  leased_until: number | null;
  last_error: string | null;
  enqueued_at: number;
  updated_at: number;
  message: string;
}

const ms = (col: string) => `(extract(epoch FROM ${col}) * 1000)::float8`;
const columns = (a: string) =>
  `${a}.id, ${a}.position::float8 AS position, ${a}.status, ${a}.attempts,
   ${ms(`${a}.available_at`)} AS available_at, ${ms(`${a}.leased_until`)} AS leased_until,
   ${a}.last_error, ${ms(`${a}.enqueued_at`)} AS enqueued_at, ${ms(`${a}.updated_at`)} AS updated_at,
   ${a}.message::text AS message`;

const iso = (v: number) => new Date(Number(v)).toISOString();

function toEntry(r: RawRow): OutboxEntry {
  return Object.freeze({
    id: r.id,
    message: JSON.parse(r.message) as NotificationMessage,
    status: r.status,
    attempts: Number(r.attempts),
    availableAt: iso(r.available_at),
    leasedUntil: r.leased_until === null ? null : iso(r.leased_until),
    lastError: r.last_error,
    enqueuedAt: iso(r.enqueued_at),
    updatedAt: iso(r.updated_at),
    position: Number(r.position),
  });
}

const byDue = (a: OutboxEntry, b: OutboxEntry) =>
  Date.parse(a.availableAt) - Date.parse(b.availableAt) || a.position - b.position;

/** `limit` as memoryOutbox reads it: at most this many (fractions cut), nothing if not > 0. */
const rowLimit = (limit: number): number | null =>
  limit > 0 ? (limit === Number.POSITIVE_INFINITY ? null : Math.floor(limit)) : 0;

const hasNul = (v: unknown) => typeof v === 'string' && v.includes('\u0000');

function checkMessages(messages: readonly NotificationMessage[]): void {
  const issues: ValidationIssue[] = [];
  messages.forEach((m, i) => {
    for (const key of ['id', 'tenantId', 'ticketId', 'channel'] as const) {
      const v = m?.[key];
      if (typeof v !== 'string' || v === '' || hasNul(v)) {
        issues.push({
          code: 'invalid_type',
          path: [i, key],
          message: `must be a non-empty string without NUL characters (the SQL outbox stores it in a text column); got ${JSON.stringify(v)}`,
        });
      }
    }
    if (typeof m?.sequence !== 'number' || !Number.isFinite(m.sequence)) {
      issues.push({
        code: 'invalid_type',
        path: [i, 'sequence'],
        message: `must be a finite number (the ticket version); got ${String(m?.sequence)}`,
      });
    }
    const nb = m?.notBefore;
    if (
      nb !== undefined &&
      nb !== null &&
      (typeof nb !== 'string' || Number.isNaN(Date.parse(nb)))
    ) {
      issues.push({
        code: 'invalid_date',
        path: [i, 'notBefore'],
        message: `must be an ISO 8601 instant such as "2026-01-05T09:00:00.000Z"; got ${JSON.stringify(nb)}`,
      });
    }
  });
  if (issues.length) throw new ValidationError(issues, { context: 'outbox.enqueue' });
}

/**
 * Builds the SQL {@link OutboxPort} over an executor (or a promise of one: the store's opened,
 * migrated connection). It behaves exactly as `memoryOutbox()`, including the ordering
 * contract, and is checked against it by the outbox conformance suite.
 */
export function createSqlOutbox(
  executor: SqlExecutor | Promise<SqlExecutor>,
  options: SqlOutboxOptions,
): SqlOutbox {
  const adapter = options.name;
  const rls = options.rowLevelSecurity === true;
  const O = qualified(options.names, 'notify_outbox');

  /** Runs one call: directly, or under RLS in a transaction that marks it as a worker. */
  const run = async <R>(operation: string, fn: (q: SqlQueryable) => Promise<R>): Promise<R> => {
    const db = await executor;
    try {
      if (!rls) return await fn(db);
      return await db.transaction(async (tx) => {
        await tx.query("SELECT set_config('ticketkit.worker', 'on', true)");
        return fn(tx);
      });
    } catch (cause) {
      if (isTicketkitError(cause)) throw cause;
      throw new StoreError({ adapter, operation: `outbox.${operation}`, cause });
    }
  };

  const enqueueSql = `INSERT INTO ${O} AS o
      (id, tenant_id, ticket_id, channel, sequence, status, attempts, available_at,
       enqueued_at, updated_at, message)
    SELECT x.id, x.tenant_id, x.ticket_id, x.channel, x.sequence, 'pending', 0,
      x.available_at::timestamptz, $1::timestamptz, $1::timestamptz, x.message::json
    FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::text[], $8::text[])
      WITH ORDINALITY AS x(id, tenant_id, ticket_id, channel, sequence, available_at, message, ord)
    ORDER BY x.ord
    ON CONFLICT (id) DO NOTHING
    RETURNING o.id`;

  // An earlier open row of the same (tenant, ticket, channel), by (sequence, position).
  const earlier = (e: string, r: string) => `${e}.tenant_id = ${r}.tenant_id
        AND ${e}.ticket_id = ${r}.ticket_id AND ${e}.channel = ${r}.channel
        AND ${e}.status IN ('pending', 'leased')
        AND (${e}.sequence < ${r}.sequence OR (${e}.sequence = ${r}.sequence AND ${e}.position < ${r}.position))`;

  // $1 now, $2 lease end, $3 limit (null = all), $4 channels (null = all).
  const claimSql = `WITH c AS (
      SELECT r.id FROM ${O} r
      WHERE ((r.status = 'pending' AND r.available_at <= $1::timestamptz)
          OR (r.status = 'leased' AND r.leased_until <= $1::timestamptz))
        AND ($4::text[] IS NULL OR r.channel = ANY($4::text[]))
        AND NOT EXISTS (SELECT 1 FROM ${O} e WHERE ${earlier('e', 'r')}
          AND (e.status = 'leased' OR e.attempts > 0 OR e.available_at <= $1::timestamptz))
      ORDER BY r.available_at, r.position
      LIMIT $3::bigint
      FOR UPDATE OF r SKIP LOCKED)
    UPDATE ${O} t SET status = 'leased', leased_until = $2::timestamptz, updated_at = $1::timestamptz
    FROM c WHERE t.id = c.id
    RETURNING ${columns('t')}`;

  // Per key, the rows up to and including the first leased or attempted one: a never-attempted
  // row waiting for quiet hours does not block later rows, so any of them may fall due first.
  const nextDueSql = `SELECT ${ms(
    "min(CASE WHEN r.status = 'leased' THEN r.leased_until ELSE r.available_at END)",
  )} AS at
    FROM ${O} r
    WHERE r.status IN ('pending', 'leased')
      AND ($1::text[] IS NULL OR r.channel = ANY($1::text[]))
      AND NOT EXISTS (SELECT 1 FROM ${O} e WHERE ${earlier('e', 'r')}
        AND (e.status = 'leased' OR e.attempts > 0))`;

  const completeSql = `UPDATE ${O} SET status = $2,
      attempts = attempts + CASE WHEN $2 = 'delivered' THEN 1 ELSE 0 END,
      leased_until = NULL, updated_at = $3::timestamptz, last_error = COALESCE($4, last_error)
    WHERE id = $1 AND status = 'leased'`;
  const failSql = `UPDATE ${O} SET status = 'pending', attempts = attempts + 1, leased_until = NULL,
      last_error = $2, available_at = $3::timestamptz, updated_at = $4::timestamptz
    WHERE id = $1 AND status = 'leased'`;
  const releaseSql = `UPDATE ${O} SET status = 'pending', leased_until = NULL,
      available_at = $2::timestamptz, updated_at = $3::timestamptz
    WHERE id = $1 AND status = 'leased'`;
  const deadSql = `UPDATE ${O} SET status = 'dead',
      attempts = attempts + CASE WHEN status = 'leased' THEN 1 ELSE 0 END,
      leased_until = NULL, last_error = $2, updated_at = $3::timestamptz
    WHERE id = $1 AND status IN ('pending', 'leased')`;
  const listDeadSql = `SELECT ${columns('o')} FROM ${O} o
    WHERE o.status = 'dead' AND ($1::text IS NULL OR o.tenant_id = $1)
    ORDER BY o.updated_at, o.position LIMIT $2::bigint`;
  const redriveSql = `UPDATE ${O} SET status = 'pending', attempts = 0,
      available_at = $2::timestamptz, updated_at = $2::timestamptz
    WHERE id = $1 AND status = 'dead' RETURNING 1`;

  return {
    name: adapter,

    async enqueue(messages, now) {
      checkMessages(messages);
      // Keep the first of repeated ids, as memoryOutbox does; the rest are duplicates.
      const seen = new Set<string>();
      const fresh = messages.filter((m) => !seen.has(m.id) && seen.add(m.id));
      if (fresh.length === 0) return { inserted: 0, duplicates: messages.length };
      const at = now.toISOString();
      const { rows } = await run('enqueue', (q) =>
        q.query<{ id: string }>(enqueueSql, [
          at,
          fresh.map((m) => m.id),
          fresh.map((m) => m.tenantId),
          fresh.map((m) => m.ticketId),
          fresh.map((m) => m.channel),
          fresh.map((m) => m.sequence),
          fresh.map((m) => m.notBefore ?? at),
          fresh.map((m) => JSON.stringify(m)),
        ]),
      );
      return { inserted: rows.length, duplicates: messages.length - rows.length };
    },

    async claim(now, limit, leaseMs, claimOptions = {}) {
      const n = rowLimit(limit);
      if (n === 0) return [];
      const until = new Date(now.getTime() + leaseMs).toISOString();
      const { rows } = await run('claim', (q) =>
        q.query<RawRow>(claimSql, [
          now.toISOString(),
          until,
          n,
          claimOptions.channels ? [...claimOptions.channels] : null,
        ]),
      );
      return rows.map(toEntry).sort(byDue);
    },

    async complete(id, result) {
      await run('complete', (q) =>
        q.query(completeSql, [
          id,
          result.outcome ?? 'delivered',
          result.at.toISOString(),
          result.note ?? null,
        ]),
      );
    },

    async fail(id, result) {
      await run('fail', (q) =>
        q.query(failSql, [id, result.error, result.retryAt.toISOString(), result.at.toISOString()]),
      );
    },

    async release(id, result) {
      await run('release', (q) =>
        q.query(releaseSql, [id, result.retryAt.toISOString(), result.at.toISOString()]),
      );
    },

    async deadLetter(id, result) {
      await run('deadLetter', (q) => q.query(deadSql, [id, result.error, result.at.toISOString()]));
    },

    async listDead(listOptions = {}) {
      const n = listOptions.limit === undefined ? null : rowLimit(listOptions.limit);
      if (n === 0) return [];
      const { rows } = await run('listDead', (q) =>
        q.query<RawRow>(listDeadSql, [listOptions.tenantId ?? null, n]),
      );
      return rows.map(toEntry);
    },

    async redrive(id, now) {
      const { rows } = await run('redrive', (q) => q.query(redriveSql, [id, now.toISOString()]));
      return rows.length > 0;
    },

    async nextDueAt(dueOptions = {}) {
      const { rows } = await run('nextDueAt', (q) =>
        q.query<{ at: number | null }>(nextDueSql, [
          dueOptions.channels ? [...dueOptions.channels] : null,
        ]),
      );
      const at = rows[0]?.at;
      return at === null || at === undefined ? null : new Date(Number(at));
    },

    async get(id) {
      const { rows } = await run('get', (q) =>
        q.query<RawRow>(`SELECT ${columns('o')} FROM ${O} o WHERE o.id = $1`, [id]),
      );
      return rows[0] ? toEntry(rows[0]) : null;
    },

    async counts() {
      const { rows } = await run('counts', (q) =>
        q.query<{ status: OutboxStatus; n: number }>(
          `SELECT status, count(*)::int AS n FROM ${O} GROUP BY status`,
        ),
      );
      const c: Record<OutboxStatus, number> = {
        pending: 0,
        leased: 0,
        delivered: 0,
        skipped: 0,
        dead: 0,
      };
      for (const r of rows) if (r.status in c) c[r.status] += Number(r.n);
      return c;
    },

    async prune(before) {
      const { rows } = await run('prune', (q) =>
        q.query(
          `DELETE FROM ${O} WHERE status IN ('delivered', 'skipped') AND updated_at < $1::timestamptz RETURNING 1`,
          [before.toISOString()],
        ),
      );
      return rows.length;
    },
  };
}
