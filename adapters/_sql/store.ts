/**
 * The one SQL implementation of the TicketStore port, shared by the PGlite and PostgreSQL
 * adapters. Every value travels as a parameter; the only text spliced into SQL is the validated,
 * quoted schema/prefix and column names from fixed allowlists.
 *
 * @internal
 */
import {
  AUDIT_GENESIS_HASH,
  type AuditChain,
  type AuditChainLink,
  type AuditEntry,
  type BatchOutcome,
  type ClaimedTimer,
  type Comment,
  type Commit,
  type CommitOutcome,
  type EventOutbox,
  hashAuditEntry,
  type IdempotencyRecord,
  PRIORITY_RANK,
  type SlaTimers,
  type SortField,
  type StoreCapabilities,
  type StoreListQuery,
  type Ticket,
  type TicketStore,
  verifyAuditChainLinks,
} from 'ticketkit';
import {
  bulkInsert,
  bulkStatements,
  getImportRecord,
  listImportRecords,
  putImportRecord,
  type StoredImportRecord,
} from './bulk';
import type { SqlExecutor, SqlQueryable } from './executor';
import { applyMigrations, checkMigrated } from './migrate';
import { qualified, resolveNames, type SqlNames } from './names';
import { createSqlOutbox, type SqlOutbox } from './outbox';
import { createSqlWindows } from './windows';

/** Options of {@link createSqlStore}. */
export interface SqlStoreOptions {
  /** The store's name in errors (`pglite`, `postgres`). */
  readonly name: string;
  readonly capabilities: StoreCapabilities;
  readonly schema?: string | undefined;
  readonly tablePrefix?: string | undefined;
  /** Scope every statement to the tenant with `set_config('ticketkit.tenant', ...)`. */
  readonly rowLevelSecurity?: boolean | undefined;
  /**
   * Apply migrations on open (under an advisory lock). With `false` the schema is only checked
   * to be at the latest version (for apps whose database role may not run DDL).
   */
  readonly migrate?: boolean | undefined;
  /** Expired idempotency keys are swept at most this often per tenant (desk clock ms). */
  readonly sweepIntervalMs?: number | undefined;
  /** Called by `close()` after the store is done (closes what the adapter opened). */
  readonly onClose?: (() => Promise<void>) | undefined;
}

/** A SQL-backed store: the port plus an explicit open step. */
export interface SqlStore extends TicketStore {
  /** Durable SLA timers in the `sla_timers` table, claimed with `FOR UPDATE SKIP LOCKED`. */
  readonly slaTimers: SlaTimers;
  /** The transactional event outbox in the `outbox` table, claimed with `FOR UPDATE SKIP LOCKED`. */
  readonly eventOutbox: EventOutbox;
  /** The sealed audit hash chain in the `audit_chain` table. */
  readonly auditChain: AuditChain;
  /**
   * Resolves once the connection is open and migrations are applied; rejects with the open
   * error. Every method awaits it too, so calling it is optional: do so to fail fast at start-up.
   */
  ready(): Promise<void>;
  /**
   * The durable notification outbox on this database (the `notify_outbox` table): pass it as
   * `createNotificationQueue({ store: sqlStore.outbox })`. Several relays, in one process or
   * many, may share it; see docs/guides/notifications.md.
   */
  readonly outbox: SqlOutbox;
  /** Creates or replaces the record of an import (kept in the `import_batches` table). */
  putImportRecord(record: StoredImportRecord): Promise<void>;
  /** The record of an import, or null. */
  getImportRecord(tenantId: string, id: string): Promise<StoredImportRecord | null>;
  /** The tenant's import records, newest first (at most `limit`, default 100). */
  listImportRecords(tenantId: string, limit?: number): Promise<StoredImportRecord[]>;
}

type Failure = Exclude<CommitOutcome, { ok: true }>;
const OK: CommitOutcome = Object.freeze({ ok: true });

/** Thrown inside a transaction to roll it back and carry the outcome out. */
class Rollback extends Error {
  constructor(
    readonly outcome: Failure,
    readonly index = 0,
  ) {
    super('ticketkit: rollback');
  }
}

const SORT_COLUMNS: Readonly<Record<SortField, { col: string; cast: string }>> = {
  createdAt: { col: 'created_at', cast: 'timestamptz' },
  updatedAt: { col: 'updated_at', cast: 'timestamptz' },
  priority: { col: 'priority_rank', cast: 'smallint' },
};

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

const parse = <T>(text: unknown): T => deepFreeze(JSON.parse(String(text)) as T);

/**
 * PostgreSQL text cannot hold NUL, so no stored key contains one: a lookup by such a key
 * finds nothing (instead of failing with an encoding error).
 */
const impossible = (...keys: readonly string[]) =>
  keys.some((k) => typeof k === 'string' && k.includes('\u0000'));

/** Builds the shared store over an executor (or a promise of one, for lazily opened drivers). */
export function createSqlStore(
  executor: SqlExecutor | Promise<SqlExecutor>,
  options: SqlStoreOptions,
): SqlStore {
  const names: SqlNames = resolveNames(options.name, options);
  const rls = options.rowLevelSecurity === true;
  const sweepInterval = options.sweepIntervalMs ?? 60_000;
  const T = qualified(names, 'tickets');
  const A = qualified(names, 'audit');
  const C = qualified(names, 'comments');
  const I = qualified(names, 'idempotency');
  const S = qualified(names, 'sla_timers');
  const E = qualified(names, 'outbox');

  const opened = (async () => {
    const db = await executor;
    if (options.migrate === false) await checkMigrated(db, names, options.name);
    else await applyMigrations(db, names, { rowLevelSecurity: rls });
    return db;
  })();
  // The error surfaces from ready() and from every method; never as an unhandled rejection.
  opened.catch(() => {});

  /** Runs `fn` with the tenant set for row-level security (in a transaction), or directly. */
  const scoped = async <R>(tenantId: string, fn: (q: SqlQueryable) => Promise<R>): Promise<R> => {
    const db = await opened;
    if (!rls) return fn(db);
    return db.transaction(async (tx) => {
      await setTenant(tx, tenantId);
      return fn(tx);
    });
  };
  const setTenant = (q: SqlQueryable, tenantId: string) =>
    q.query("SELECT set_config('ticketkit.tenant', $1, true)", [tenantId]);
  /** Runs a background worker's statement across tenants (under RLS: the worker policy). */
  const worker = async <R>(fn: (q: SqlQueryable) => Promise<R>): Promise<R> => {
    const db = await opened;
    if (!rls) return fn(db);
    return db.transaction(async (tx) => {
      await tx.query("SELECT set_config('ticketkit.worker', 'on', true)");
      return fn(tx);
    });
  };

  // --- commit statements: one statement writes the ticket, its audit and its comments ---------
  const cols =
    'tenant_id, id, status, priority, priority_rank, assignee, team, requester, parent_id, created_at, updated_at, version, doc';
  const insertTicket = `INSERT INTO ${T} (${cols})
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::timestamptz, $11::timestamptz, $12, $13::json)
    ON CONFLICT (tenant_id, id) DO NOTHING RETURNING 1`;
  const updateTicket = `UPDATE ${T} SET status = $3, priority = $4, priority_rank = $5,
    assignee = $6, team = $7, requester = $8, parent_id = $9, created_at = $10::timestamptz,
    updated_at = $11::timestamptz, version = $12, doc = $13::json
    WHERE tenant_id = $1 AND id = $2 AND version = $17 RETURNING 1`;
  const auditCte = `a AS (INSERT INTO ${A} (tenant_id, ticket_id, seq, at, entry)
    SELECT $1, $2, x.seq, x.at, x.entry::json
    FROM w, unnest($14::int[], $15::timestamptz[], $16::text[]) AS x(seq, at, entry))`;
  const commentCte = (
    n: number,
  ) => `c AS (INSERT INTO ${C} (tenant_id, ticket_id, id, created_at, doc)
    SELECT $1, $2, x.id, x.created_at, x.doc::json
    FROM w, unnest($${n}::text[], $${n + 1}::timestamptz[], $${n + 2}::text[])
      WITH ORDINALITY AS x(id, created_at, doc, ord)
    ORDER BY x.ord)`;
  // The ticket's SLA timer, written in the same statement: set (stamped with the ticket's new
  // version, lease cleared) or removed. `$n` is the due instant's parameter.
  const timerSetCte = (
    n: number,
  ) => `s AS (INSERT INTO ${S} (tenant_id, ticket_id, metric, due_at, version)
    SELECT $1, $2, '', $${n}::timestamptz, $12 FROM w
    ON CONFLICT (tenant_id, ticket_id, metric) DO UPDATE SET due_at = EXCLUDED.due_at,
      version = EXCLUDED.version, lease_owner = NULL, lease_until = NULL)`;
  const timerClearCte = `s AS (DELETE FROM ${S}
    WHERE tenant_id = $1 AND ticket_id = $2 AND metric = '' AND EXISTS (SELECT 1 FROM w))`;
  // The change's events, in order, into the transactional event outbox.
  const eventsCte = (n: number) => `e AS (INSERT INTO ${E}
      (tenant_id, ticket_id, topic, payload, idempotency_key, created_at, available_at)
    SELECT $1, $2, x.topic, x.payload::json, x.key, x.at, x.at
    FROM w, unnest($${n}::text[], $${n + 1}::text[], $${n + 2}::text[], $${n + 3}::timestamptz[])
      WITH ORDINALITY AS x(key, topic, payload, at, ord)
    ORDER BY x.ord
    ON CONFLICT (idempotency_key) DO NOTHING)`;
  type TimerWrite = 'none' | 'set' | 'clear';
  const statements = new Map<string, string>();
  /** The one statement of a commit: ticket, audit, and what else the commit carries. */
  const statementFor = (
    update: boolean,
    comments: boolean,
    timer: TimerWrite,
    events: boolean,
  ): string => {
    const key = `${update}:${comments}:${timer}:${events}`;
    let text = statements.get(key);
    if (text) return text;
    let n = update ? 18 : 17;
    const ctes = [`w AS (${update ? updateTicket : insertTicket})`, auditCte];
    if (comments) {
      ctes.push(commentCte(n));
      n += 3;
    }
    if (timer === 'set') ctes.push(timerSetCte(n++));
    if (timer === 'clear') ctes.push(timerClearCte);
    if (events) ctes.push(eventsCte(n));
    text = `WITH ${ctes.join(', ')} SELECT count(*)::int AS n FROM w`;
    statements.set(key, text);
    return text;
  };
  const versionOf = `SELECT version FROM ${T} WHERE tenant_id = $1 AND id = $2`;
  const reserveKey = `INSERT INTO ${I} AS i (tenant_id, key, fingerprint, created_at, expires_at, record)
    VALUES ($1, $2, $3, $4::timestamptz, $5::timestamptz, $6::json)
    ON CONFLICT (tenant_id, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint,
      created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at, record = EXCLUDED.record
    WHERE i.expires_at <= $7::timestamptz
    RETURNING 1`;
  const keyRecord = `SELECT record::text AS record FROM ${I} WHERE tenant_id = $1 AND key = $2`;
  const sweep = `DELETE FROM ${I} WHERE tenant_id = $1 AND expires_at <= $2::timestamptz`;

  const bulkTimers = `INSERT INTO ${S} (tenant_id, ticket_id, metric, due_at, version)
    SELECT $1, x.ticket_id, '', x.due_at, x.version
    FROM unnest($2::text[], $3::timestamptz[], $4::int[]) AS x(ticket_id, due_at, version)
    ON CONFLICT (tenant_id, ticket_id, metric) DO UPDATE SET due_at = EXCLUDED.due_at,
      version = EXCLUDED.version, lease_owner = NULL, lease_until = NULL`;

  const bulkEvents = `INSERT INTO ${E}
      (tenant_id, ticket_id, idempotency_key, topic, payload, created_at, available_at)
    SELECT $1, x.ticket_id, x.key, x.topic, x.payload::json, x.at, x.at
    FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
      WITH ORDINALITY AS x(ticket_id, key, topic, payload, at, ord)
    ORDER BY x.ord
    ON CONFLICT (idempotency_key) DO NOTHING`;

  // --- the transactional event outbox ---------------------------------------------------------
  const claimEvents = `UPDATE ${E} AS o SET lease_owner = $3, lease_until = $4::timestamptz
    FROM (SELECT h.id FROM ${E} AS h
          WHERE h.delivered_at IS NULL AND h.available_at <= $1::timestamptz
            AND (h.lease_until IS NULL OR h.lease_until <= $1::timestamptz)
            AND NOT EXISTS (SELECT 1 FROM ${E} AS p
              WHERE p.tenant_id = h.tenant_id AND p.ticket_id = h.ticket_id
                AND p.delivered_at IS NULL AND p.id < h.id)
          ORDER BY h.id LIMIT $2 FOR UPDATE SKIP LOCKED) AS d
    WHERE o.id = d.id
    RETURNING o.id AS pos, o.idempotency_key AS key, o.tenant_id, o.ticket_id, o.topic,
      o.payload::text AS payload, o.attempts,
      to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at`;
  const eventOutbox: EventOutbox = {
    async claim(now, limit, lease) {
      const n = Math.max(0, Math.min(Math.trunc(limit) || 0, 10_000));
      if (n === 0) return [];
      const { rows } = await worker((q) =>
        q.query<{
          pos: string;
          key: string;
          tenant_id: string;
          ticket_id: string;
          topic: string;
          payload: string;
          attempts: number;
          at: string;
        }>(claimEvents, [
          now.toISOString(),
          n,
          lease.owner,
          new Date(now.getTime() + lease.ms).toISOString(),
        ]),
      );
      return rows
        .sort((a, b) => Number(a.pos) - Number(b.pos))
        .map((r) =>
          Object.freeze({
            id: r.key,
            tenantId: r.tenant_id,
            ticketId: r.ticket_id,
            type: r.topic,
            at: r.at,
            payload: parse<unknown>(r.payload),
            attempts: Number(r.attempts),
          }),
        );
    },
    async complete(ids, now) {
      if (ids.length === 0) return;
      await worker((q) =>
        q.query(
          `UPDATE ${E} SET delivered_at = $2::timestamptz, lease_owner = NULL, lease_until = NULL
           WHERE idempotency_key = ANY($1::text[]) AND delivered_at IS NULL`,
          [[...ids], now.toISOString()],
        ),
      );
    },
    async retry(id, retryAt, error) {
      await worker((q) =>
        q.query(
          `UPDATE ${E} SET attempts = attempts + 1, available_at = $2::timestamptz,
             lease_owner = NULL, lease_until = NULL, last_error = $3
           WHERE idempotency_key = $1 AND delivered_at IS NULL`,
          [id, retryAt.toISOString(), error.slice(0, 2000)],
        ),
      );
    },
    async pending() {
      const { rows } = await worker((q) =>
        q.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${E} WHERE delivered_at IS NULL`),
      );
      return Number(rows[0]?.n ?? 0);
    },
  };

  // --- the sealed audit chain ---------------------------------------------------------------
  const CH = qualified(names, 'audit_chain');
  const chainLock = `ticketkit:chain:${names.schema}:${names.prefix}:`;
  const auditChain: AuditChain = {
    async seal(tenantId, limit = 10_000) {
      const n = Math.max(0, Math.min(Math.trunc(limit) || 0, 100_000));
      if (n === 0) return 0;
      const db = await opened;
      return db.transaction(async (tx) => {
        if (rls) await setTenant(tx, tenantId);
        // One sealer per tenant at a time; a second one waits, then finds the work done.
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [chainLock + tenantId]);
        const head = await tx.query<{ seq: string; hash: string }>(
          `SELECT s.seq::text AS seq, s.hash FROM ${CH} AS s WHERE s.tenant_id = $1 ORDER BY s.seq DESC LIMIT 1`,
          [tenantId],
        );
        const todo = await tx.query<{ ticket_id: string; seq: number; entry: string }>(
          `SELECT a.ticket_id, a.seq, a.entry::text AS entry FROM ${A} AS a
           WHERE a.tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM ${CH} AS c
             WHERE c.tenant_id = a.tenant_id AND c.ticket_id = a.ticket_id AND c.entry_seq = a.seq)
           ORDER BY a.pos LIMIT $2`,
          [tenantId, n],
        );
        if (todo.rows.length === 0) return 0;
        let seq = Number(head.rows[0]?.seq ?? 0);
        let prev = head.rows[0]?.hash ?? AUDIT_GENESIS_HASH;
        const cols = { seq: [] as number[], t: [] as string[], e: [] as number[] };
        const hashes = { prev: [] as string[], hash: [] as string[] };
        for (const r of todo.rows) {
          const hash = hashAuditEntry(prev, JSON.parse(r.entry) as AuditEntry);
          cols.seq.push(++seq);
          cols.t.push(r.ticket_id);
          cols.e.push(Number(r.seq));
          hashes.prev.push(prev);
          hashes.hash.push(hash);
          prev = hash;
        }
        await tx.query(
          `INSERT INTO ${CH} (tenant_id, seq, ticket_id, entry_seq, prev_hash, hash)
           SELECT $1, x.seq, x.ticket_id, x.entry_seq, x.prev_hash, x.hash
           FROM unnest($2::bigint[], $3::text[], $4::int[], $5::text[], $6::text[])
             AS x(seq, ticket_id, entry_seq, prev_hash, hash)`,
          [tenantId, cols.seq, cols.t, cols.e, hashes.prev, hashes.hash],
        );
        return todo.rows.length;
      });
    },
    async verify(tenantId) {
      const { rows } = await scoped(tenantId, (q) =>
        q.query<{
          seq: string;
          ticket_id: string;
          entry_seq: number;
          prev_hash: string;
          hash: string;
          entry: string | null;
        }>(
          `SELECT c.seq::text AS seq, c.ticket_id, c.entry_seq, c.prev_hash, c.hash,
             a.entry::text AS entry
           FROM ${CH} AS c LEFT JOIN ${A} AS a
             ON a.tenant_id = c.tenant_id AND a.ticket_id = c.ticket_id AND a.seq = c.entry_seq
           WHERE c.tenant_id = $1 ORDER BY c.seq`,
          [tenantId],
        ),
      );
      const entries = new Map<AuditChainLink, AuditEntry>();
      const links = rows.map((r) => {
        const link: AuditChainLink = {
          tenantId,
          seq: Number(r.seq),
          ticketId: r.ticket_id,
          entrySeq: Number(r.entry_seq),
          prevHash: r.prev_hash,
          hash: r.hash,
        };
        if (r.entry !== null) entries.set(link, JSON.parse(r.entry) as AuditEntry);
        return link;
      });
      return verifyAuditChainLinks(links, (l) => entries.get(l));
    },
    async head(tenantId) {
      const { rows } = await scoped(tenantId, (q) =>
        q.query<{ seq: string; hash: string }>(
          `SELECT s.seq::text AS seq, s.hash FROM ${CH} AS s WHERE s.tenant_id = $1 ORDER BY s.seq DESC LIMIT 1`,
          [tenantId],
        ),
      );
      return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash } : null;
    },
  };

  // --- durable SLA timers ------------------------------------------------------------------
  const claimTimers = `UPDATE ${S} AS t SET lease_owner = $3, lease_until = $4::timestamptz
    FROM (SELECT tenant_id, ticket_id, metric FROM ${S}
          WHERE metric = '' AND due_at <= $1::timestamptz
            AND (lease_until IS NULL OR lease_until <= $1::timestamptz)
          ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED) AS d
    WHERE t.tenant_id = d.tenant_id AND t.ticket_id = d.ticket_id AND t.metric = d.metric
    RETURNING t.tenant_id, t.ticket_id, (extract(epoch FROM t.due_at) * 1000)::float8 AS due_ms,
      t.version`;
  const rescheduleTimer = `INSERT INTO ${S} AS s (tenant_id, ticket_id, metric, due_at, version)
    VALUES ($1, $2, '', $3::timestamptz, $4)
    ON CONFLICT (tenant_id, ticket_id, metric) DO UPDATE SET due_at = EXCLUDED.due_at,
      version = EXCLUDED.version, lease_owner = NULL, lease_until = NULL
    WHERE s.version <= EXCLUDED.version`;
  const removeTimer = `DELETE FROM ${S}
    WHERE tenant_id = $1 AND ticket_id = $2 AND metric = '' AND version <= $3`;
  const nextTimer = `SELECT (extract(epoch FROM LEAST(
      (SELECT min(due_at) FROM ${S} WHERE metric = '' AND lease_until IS NULL),
      (SELECT min(lease_until) FROM ${S} WHERE metric = '' AND lease_until IS NOT NULL)
    )) * 1000)::float8 AS ms`;
  const slaTimers: SlaTimers = {
    async claimDue(now, limit, lease) {
      const n = Math.max(0, Math.min(Math.trunc(limit) || 0, 10_000));
      if (n === 0) return [];
      const { rows } = await worker((q) =>
        q.query<{ tenant_id: string; ticket_id: string; due_ms: number; version: number }>(
          claimTimers,
          [now.toISOString(), n, lease.owner, new Date(now.getTime() + lease.ms).toISOString()],
        ),
      );
      const out: ClaimedTimer[] = rows.map((r) => ({
        tenantId: r.tenant_id,
        ticketId: r.ticket_id,
        at: new Date(Number(r.due_ms)),
        version: Number(r.version),
      }));
      return out.sort(
        (a, b) =>
          a.at.getTime() - b.at.getTime() ||
          (a.tenantId < b.tenantId ? -1 : a.tenantId > b.tenantId ? 1 : 0) ||
          (a.ticketId < b.ticketId ? -1 : a.ticketId > b.ticketId ? 1 : 0),
      );
    },
    async reschedule(tenantId, ticketId, at, version) {
      await scoped(tenantId, (q) =>
        at === null
          ? q.query(removeTimer, [tenantId, ticketId, version])
          : q.query(rescheduleTimer, [tenantId, ticketId, at.toISOString(), version]),
      );
    },
    async nextDueAt() {
      const { rows } = await worker((q) => q.query<{ ms: number | null }>(nextTimer));
      const ms = rows[0]?.ms;
      return ms === null || ms === undefined ? null : new Date(Number(ms));
    },
    async count() {
      const { rows } = await worker((q) =>
        q.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${S} WHERE metric = ''`),
      );
      return Number(rows[0]?.n ?? 0);
    },
  };

  /** After a bulk insert: the batch's SLA timers and outbox events, in the same transaction. */
  const bulkExtras = async (q: SqlQueryable, commits: readonly Commit[]): Promise<void> => {
    const tenantId = commits[0]!.tenantId;
    const timed = commits.filter((c) => typeof c.slaDueAt === 'string');
    if (timed.length) {
      await q.query(bulkTimers, [
        tenantId,
        timed.map((c) => c.ticket.id),
        timed.map((c) => c.slaDueAt),
        timed.map((c) => c.ticket.version),
      ]);
    }
    const evs = commits.flatMap((c) => (c.events ?? []).map((e) => ({ t: c.ticket.id, e })));
    if (evs.length) {
      await q.query(bulkEvents, [
        tenantId,
        evs.map((x) => x.t),
        evs.map((x) => x.e.id),
        evs.map((x) => x.e.type),
        evs.map((x) => JSON.stringify(x.e.payload)),
        evs.map((x) => x.e.at),
      ]);
    }
  };
  // Insert-only batches (imports) go in one statement, whatever their size (see bulk.ts).
  const BULK = bulkStatements(
    { tickets: T, audit: A, imports: qualified(names, 'import_batches') },
    cols,
  );

  /** Writes the ticket, audit and comments of one commit; a failure is returned, not thrown. */
  const writeTicket = async (q: SqlQueryable, c: Commit): Promise<Failure | undefined> => {
    const t = c.ticket;
    const audit = c.audit;
    const comments = c.comments ?? [];
    const update = c.expectedVersion !== null;
    const params: unknown[] = [
      c.tenantId,
      t.id,
      t.status,
      t.priority,
      PRIORITY_RANK[t.priority] ?? 99,
      t.assignee ?? null,
      t.team ?? null,
      t.requester,
      t.parentId ?? null,
      t.createdAt,
      t.updatedAt,
      t.version,
      JSON.stringify(t),
      audit.map((e) => e.seq),
      audit.map((e) => e.at),
      audit.map((e) => JSON.stringify(e)),
    ];
    if (update) params.push(c.expectedVersion);
    if (comments.length) {
      params.push(
        comments.map((m) => m.id),
        comments.map((m) => m.createdAt),
        comments.map((m) => JSON.stringify(m)),
      );
    }
    const timer: TimerWrite =
      c.slaDueAt === undefined ? 'none' : c.slaDueAt === null ? 'clear' : 'set';
    if (timer === 'set') params.push(c.slaDueAt);
    const events = c.events ?? [];
    if (events.length) {
      params.push(
        events.map((e) => e.id),
        events.map((e) => e.type),
        events.map((e) => JSON.stringify(e.payload)),
        events.map((e) => e.at),
      );
    }
    const text = statementFor(update, comments.length > 0, timer, events.length > 0);
    const { rows } = await q.query<{ n: number }>(text, params);
    if (Number(rows[0]?.n) > 0) return undefined;
    if (!update) return { ok: false, reason: 'already_exists' };
    const cur = await q.query<{ version: number }>(versionOf, [c.tenantId, t.id]);
    const row = cur.rows[0];
    return row
      ? { ok: false, reason: 'version_conflict', actualVersion: Number(row.version) }
      : { ok: false, reason: 'not_found' };
  };

  /** Reserves the commit's idempotency key; a live key is returned as a failure. */
  const reserve = async (q: SqlQueryable, c: Commit): Promise<Failure | undefined> => {
    const k = c.idempotency;
    if (!k) return undefined;
    const { rows } = await q.query(reserveKey, [
      c.tenantId,
      k.key,
      k.fingerprint,
      k.createdAt,
      k.expiresAt,
      JSON.stringify(k),
      c.now,
    ]);
    if (rows.length > 0) return undefined;
    const existing = await q.query<{ record: string }>(keyRecord, [c.tenantId, k.key]);
    const rec = existing.rows[0];
    if (!rec) throw new Error(`idempotency key ${JSON.stringify(k.key)} vanished during commit`);
    return {
      ok: false,
      reason: 'idempotency_exists',
      record: parse<IdempotencyRecord>(rec.record),
    };
  };

  const lastSweep = new Map<string, number>();
  /** Deletes expired keys of a tenant now and then, outside the commit's transaction. */
  const maybeSweep = async (c: Commit) => {
    const nowMs = Date.parse(c.now);
    if (nowMs - (lastSweep.get(c.tenantId) ?? Number.NEGATIVE_INFINITY) < sweepInterval) return;
    lastSweep.set(c.tenantId, nowMs);
    try {
      await scoped(c.tenantId, (q) => q.query(sweep, [c.tenantId, c.now]));
    } catch {
      // Best effort: an expired key is ignored by reads and replaced by writes anyway.
    }
  };

  const store: SqlStore = {
    name: options.name,
    capabilities: Object.freeze({ ...options.capabilities }),
    slaTimers,
    eventOutbox,
    auditChain,
    windows: createSqlWindows(opened, { names, rowLevelSecurity: rls }),
    outbox: createSqlOutbox(opened, { name: options.name, names, rowLevelSecurity: rls }),

    async ready() {
      await opened;
    },

    async getTicket(tenantId, id) {
      if (impossible(tenantId, id)) return null;
      const { rows } = await scoped(tenantId, (q) =>
        q.query<{ doc: string }>(
          `SELECT doc::text AS doc FROM ${T} WHERE tenant_id = $1 AND id = $2`,
          [tenantId, id],
        ),
      );
      return rows[0] ? parse<Ticket>(rows[0].doc) : null;
    },

    async listTickets(tenantId, query: StoreListQuery) {
      if (impossible(tenantId)) return [];
      const params: unknown[] = [tenantId];
      const p = (v: unknown) => {
        params.push(v);
        return `$${params.length}`;
      };
      const where = ['tenant_id = $1'];
      const f = query.filter;
      const anyOf = (col: string, list: readonly (string | null)[], nullToo: boolean) => {
        // A value holding NUL cannot be stored in a text column, so it matches nothing.
        const values = list.filter((x): x is string => x !== null && !x.includes('\u0000'));
        const parts: string[] = [];
        if (values.length) parts.push(`${col} = ANY(${p(values)}::text[])`);
        if (nullToo) parts.push(`${col} IS NULL`);
        where.push(parts.length ? `(${parts.join(' OR ')})` : 'FALSE');
      };
      if (f.status) anyOf('status', f.status, false);
      if (f.priority) anyOf('priority', f.priority, false);
      if (f.assignee) anyOf('assignee', f.assignee, f.assignee.includes(null));
      // As the memory store: a team filter containing '' also matches tickets without a team.
      if (f.team) anyOf('team', f.team, f.team.includes(''));
      if (f.requester) anyOf('requester', f.requester, false);
      if (f.parentId) anyOf('parent_id', f.parentId, f.parentId.includes(null));
      const sort = SORT_COLUMNS[query.sort.field];
      if (!sort) throw new Error(`unsupported sort field ${JSON.stringify(query.sort.field)}`);
      const dir = query.sort.direction;
      if (dir !== 'asc' && dir !== 'desc') {
        throw new Error(`unsupported sort direction ${JSON.stringify(dir)}`);
      }
      if (query.after) {
        const v = `${p(query.after.value)}::${sort.cast}`;
        const id = p(query.after.id);
        where.push(
          dir === 'asc'
            ? `(${sort.col}, id) > (${v}, ${id})`
            : `(${sort.col} < ${v} OR (${sort.col} = ${v} AND id > ${id}))`,
        );
      }
      const limit = Math.max(0, Math.min(Math.trunc(Number(query.limit)) || 0, 10_000));
      const text = `SELECT doc::text AS doc FROM ${T} WHERE ${where.join(' AND ')}
        ORDER BY ${sort.col} ${dir === 'asc' ? 'ASC' : 'DESC'}, id ASC LIMIT ${p(limit)}`;
      const { rows } = await scoped(tenantId, (q) => q.query<{ doc: string }>(text, params));
      return rows.map((r) => parse<Ticket>(r.doc));
    },

    async listAudit(tenantId, ticketId) {
      if (impossible(tenantId, ticketId)) return [];
      const { rows } = await scoped(tenantId, (q) =>
        q.query<{ entry: string }>(
          `SELECT entry::text AS entry FROM ${A} WHERE tenant_id = $1 AND ticket_id = $2 ORDER BY seq`,
          [tenantId, ticketId],
        ),
      );
      return rows.map((r) => parse<AuditEntry>(r.entry));
    },

    async listComments(tenantId, ticketId) {
      if (impossible(tenantId, ticketId)) return [];
      const { rows } = await scoped(tenantId, (q) =>
        q.query<{ doc: string }>(
          `SELECT doc::text AS doc FROM ${C} WHERE tenant_id = $1 AND ticket_id = $2 ORDER BY pos`,
          [tenantId, ticketId],
        ),
      );
      return rows.map((r) => parse<Comment>(r.doc));
    },

    async getIdempotency(tenantId, key, now) {
      if (impossible(tenantId, key)) return null;
      const { rows } = await scoped(tenantId, (q) =>
        q.query<{ record: string }>(
          `SELECT record::text AS record FROM ${I}
           WHERE tenant_id = $1 AND key = $2 AND expires_at > $3::timestamptz`,
          [tenantId, key, now],
        ),
      );
      return rows[0] ? parse<IdempotencyRecord>(rows[0].record) : null;
    },

    async commit(c) {
      const db = await opened;
      if (c.idempotency) await maybeSweep(c);
      // Fast path: one statement is one transaction (ticket, audit and comments, or nothing).
      if (!c.idempotency && !rls) return (await writeTicket(db, c)) ?? OK;
      try {
        return await db.transaction(async (tx) => {
          if (rls) await setTenant(tx, c.tenantId);
          const failed = (await writeTicket(tx, c)) ?? (await reserve(tx, c));
          if (failed) throw new Rollback(failed);
          return OK;
        });
      } catch (e) {
        if (e instanceof Rollback) return e.outcome;
        throw e;
      }
    },

    async commitBatch(commits): Promise<BatchOutcome> {
      if (commits.length === 0) return { ok: true };
      const db = await opened;
      for (const c of commits) if (c.idempotency) await maybeSweep(c);
      try {
        const bulk =
          commits.length > 1 &&
          commits.every(
            (c) =>
              c.expectedVersion === null &&
              !c.idempotency &&
              !c.comments?.length &&
              c.tenantId === commits[0]!.tenantId,
          );
        return await db.transaction(async (tx) => {
          if (bulk) {
            if (rls) await setTenant(tx, commits[0]!.tenantId);
            const failedAt = await bulkInsert(tx, BULK, commits);
            if (failedAt >= 0) {
              throw new Rollback({ ok: false, reason: 'already_exists' }, failedAt);
            }
            await bulkExtras(tx, commits);
            return { ok: true } as const;
          }
          let tenant: string | undefined;
          for (let i = 0; i < commits.length; i++) {
            const c = commits[i]!;
            if (rls && c.tenantId !== tenant) {
              await setTenant(tx, c.tenantId);
              tenant = c.tenantId;
            }
            const failed = (await writeTicket(tx, c)) ?? (await reserve(tx, c));
            if (failed) throw new Rollback(failed, i);
          }
          return { ok: true } as const;
        });
      } catch (e) {
        if (e instanceof Rollback) return { ok: false, index: e.index, outcome: e.outcome };
        throw e;
      }
    },

    putImportRecord: (record) => scoped(record.tenantId, (q) => putImportRecord(q, BULK, record)),
    getImportRecord: (tenantId, id) =>
      scoped(tenantId, (q) => getImportRecord(q, BULK, tenantId, id)),
    listImportRecords: (tenantId, limit = 100) =>
      scoped(tenantId, (q) => listImportRecords(q, BULK, tenantId, limit)),

    async existingIds(tenantId, ids) {
      ids = ids.filter((id) => !impossible(id));
      if (impossible(tenantId)) return new Set<string>();
      if (ids.length === 0) return new Set<string>();
      const { rows } = await scoped(tenantId, (q) =>
        q.query<{ id: string }>(
          `SELECT id FROM ${T} WHERE tenant_id = $1 AND id = ANY($2::text[])`,
          [tenantId, [...ids]],
        ),
      );
      return new Set(rows.map((r) => r.id));
    },

    async findByExternalRef(tenantId, link, page) {
      if (impossible(tenantId, link.system, link.kind, link.externalId)) return [];
      // Served by the GIN expression index of migration v3 (migration-v3.ts): containment of
      // one link in the ticket's `externalRefs.links`, then keyset by id.
      const probe = JSON.stringify([
        { system: link.system, kind: link.kind, externalId: link.externalId },
      ]);
      const limit = Math.max(0, Math.min(Math.trunc(Number(page.limit)) || 0, 10_000));
      const { rows } = await scoped(tenantId, (q) =>
        q.query<{ doc: string }>(
          `SELECT doc::text AS doc FROM ${T}
           WHERE tenant_id = $1 AND (doc -> 'externalRefs' -> 'links')::jsonb @> $2::jsonb
             AND id > $3 ORDER BY id LIMIT $4`,
          [tenantId, probe, page.after ?? '', limit],
        ),
      );
      return rows.map((r) => parse<Ticket>(r.doc));
    },

    async countByAssignee(tenantId, statuses) {
      const { rows } = await scoped(tenantId, (q) =>
        q.query<{ assignee: string; n: number }>(
          `SELECT assignee, count(*)::int AS n FROM ${T}
           WHERE tenant_id = $1 AND status = ANY($2::text[]) AND assignee IS NOT NULL
           GROUP BY assignee`,
          [tenantId, [...statuses]],
        ),
      );
      return new Map(rows.map((r) => [r.assignee, Number(r.n)]));
    },

    async close() {
      try {
        await opened;
      } catch {
        // Nothing was opened beyond what onClose releases.
      }
      await options.onClose?.();
    },
  };
  return store;
}
