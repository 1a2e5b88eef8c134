/**
 * Versioned schema migrations, as SQL text. `{schema}`, `{t:name}` and `{n:name}` are rendered by
 * `render()` in names.ts. Never edit a released migration: add a new version.
 *
 * Design notes:
 * - Whole documents (ticket, audit entry, comment, idempotency response) are stored as `json`,
 *   not `jsonb`: `json` keeps the exact text (key order, number spelling, `\u0000` escapes), so
 *   a stored value round-trips byte-for-byte. The typed columns next to it exist for filtering,
 *   sorting and indexing, and are written from the same values by the store.
 * - Text keys use `COLLATE "C"`, so `ORDER BY id` is byte order, as in JavaScript's `<` on
 *   ASCII ids, whatever the database's default collation.
 * - Timestamps are `timestamptz(3)`: millisecond precision, as the SDK's ISO strings.
 *
 * @internal
 */

import { MIGRATION_V3 } from './migration-v3';
import { v4 } from './migration-v4';

/** One schema migration. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const init = `
CREATE TABLE IF NOT EXISTS {t:tickets} (
  tenant_id     text COLLATE "C" NOT NULL,
  id            text COLLATE "C" NOT NULL,
  status        text COLLATE "C" NOT NULL,
  priority      text COLLATE "C" NOT NULL,
  priority_rank smallint NOT NULL,
  assignee      text COLLATE "C",
  team          text COLLATE "C",
  requester     text COLLATE "C" NOT NULL,
  parent_id     text COLLATE "C",
  created_at    timestamptz(3) NOT NULL,
  updated_at    timestamptz(3) NOT NULL,
  version       integer NOT NULL,
  doc           json NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX IF NOT EXISTS {n:tickets_queue_idx}
  ON {t:tickets} (tenant_id, status, priority_rank, created_at, id);
CREATE INDEX IF NOT EXISTS {n:tickets_assignee_idx} ON {t:tickets} (tenant_id, assignee);
CREATE INDEX IF NOT EXISTS {n:tickets_updated_idx} ON {t:tickets} (tenant_id, updated_at, id);
CREATE INDEX IF NOT EXISTS {n:tickets_created_idx} ON {t:tickets} (tenant_id, created_at, id);
CREATE INDEX IF NOT EXISTS {n:tickets_priority_idx} ON {t:tickets} (tenant_id, priority_rank, id);
CREATE INDEX IF NOT EXISTS {n:tickets_parent_idx} ON {t:tickets} (tenant_id, parent_id)
  WHERE parent_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS {t:audit} (
  tenant_id text COLLATE "C" NOT NULL,
  ticket_id text COLLATE "C" NOT NULL,
  seq       integer NOT NULL,
  at        timestamptz(3) NOT NULL,
  entry     json NOT NULL,
  PRIMARY KEY (tenant_id, ticket_id, seq)
);

CREATE OR REPLACE FUNCTION {t:audit_append_only}() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'ticketkit audit entries are append-only: % on %.% is not allowed',
    TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$fn$;
DROP TRIGGER IF EXISTS {n:audit_append_only} ON {t:audit};
CREATE TRIGGER {n:audit_append_only} BEFORE UPDATE OR DELETE ON {t:audit}
  FOR EACH ROW EXECUTE FUNCTION {t:audit_append_only}();

CREATE TABLE IF NOT EXISTS {t:comments} (
  tenant_id  text COLLATE "C" NOT NULL,
  ticket_id  text COLLATE "C" NOT NULL,
  pos        bigint GENERATED ALWAYS AS IDENTITY,
  id         text COLLATE "C" NOT NULL,
  created_at timestamptz(3) NOT NULL,
  doc        json NOT NULL,
  PRIMARY KEY (tenant_id, ticket_id, pos)
);

CREATE TABLE IF NOT EXISTS {t:idempotency} (
  tenant_id   text COLLATE "C" NOT NULL,
  key         text COLLATE "C" NOT NULL,
  fingerprint text NOT NULL,
  created_at  timestamptz(3) NOT NULL,
  expires_at  timestamptz(3) NOT NULL,
  record      json NOT NULL,
  PRIMARY KEY (tenant_id, key)
);
CREATE INDEX IF NOT EXISTS {n:idempotency_expires_idx} ON {t:idempotency} (tenant_id, expires_at);

-- Created now, used by later work (durable SLA timers, outbox delivery, import bookkeeping).
CREATE TABLE IF NOT EXISTS {t:sla_timers} (
  tenant_id   text COLLATE "C" NOT NULL,
  ticket_id   text COLLATE "C" NOT NULL,
  metric      text COLLATE "C" NOT NULL DEFAULT '',
  due_at      timestamptz(3) NOT NULL,
  lease_owner text,
  lease_until timestamptz(3),
  PRIMARY KEY (tenant_id, ticket_id, metric)
);
CREATE INDEX IF NOT EXISTS {n:sla_timers_due_idx} ON {t:sla_timers} (due_at);

CREATE TABLE IF NOT EXISTS {t:outbox} (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id       text COLLATE "C" NOT NULL,
  ticket_id       text COLLATE "C",
  topic           text NOT NULL,
  payload         json NOT NULL,
  idempotency_key text COLLATE "C" NOT NULL UNIQUE,
  attempts        integer NOT NULL DEFAULT 0,
  created_at      timestamptz(3) NOT NULL,
  available_at    timestamptz(3) NOT NULL,
  lease_owner     text,
  lease_until     timestamptz(3),
  delivered_at    timestamptz(3)
);
CREATE INDEX IF NOT EXISTS {n:outbox_pending_idx} ON {t:outbox} (available_at)
  WHERE delivered_at IS NULL;

CREATE TABLE IF NOT EXISTS {t:import_batches} (
  tenant_id  text COLLATE "C" NOT NULL,
  id         text COLLATE "C" NOT NULL,
  status     text NOT NULL,
  created_at timestamptz(3) NOT NULL,
  updated_at timestamptz(3) NOT NULL,
  report     json,
  PRIMARY KEY (tenant_id, id)
);
`;

/**
 * v2: durable SLA timers and the notification outbox.
 *
 * - `sla_timers` gets the ticket version its due instant was computed from, so a re-schedule
 *   written outside a commit never overwrites a newer one (`version <= EXCLUDED.version`).
 *   `metric = ''` is the ticket's next due instant; claims set `lease_owner`/`lease_until`.
 * - `notify_outbox` is the table behind the SQL `OutboxPort` (one row per routed notification;
 *   `id` is the message's idempotency id). The v1 `outbox` table stays as the transactional
 *   event outbox (one row per desk event, written in the command's transaction).
 */
const v2 = `
ALTER TABLE {t:sla_timers} ADD COLUMN IF NOT EXISTS version integer NOT NULL DEFAULT 0;
ALTER TABLE {t:outbox} ADD COLUMN IF NOT EXISTS last_error text;
CREATE INDEX IF NOT EXISTS {n:outbox_ticket_idx} ON {t:outbox} (tenant_id, ticket_id, id)
  WHERE delivered_at IS NULL;
CREATE INDEX IF NOT EXISTS {n:sla_timers_lease_idx} ON {t:sla_timers} (lease_until)
  WHERE lease_until IS NOT NULL;

-- The sealed audit hash chain: one link per audit entry, per tenant, gapless seq.
ALTER TABLE {t:audit} ADD COLUMN IF NOT EXISTS pos bigint GENERATED ALWAYS AS IDENTITY;
CREATE INDEX IF NOT EXISTS {n:audit_pos_idx} ON {t:audit} (tenant_id, pos);
CREATE TABLE IF NOT EXISTS {t:audit_chain} (
  tenant_id text COLLATE "C" NOT NULL,
  seq       bigint NOT NULL,
  ticket_id text COLLATE "C" NOT NULL,
  entry_seq integer NOT NULL,
  prev_hash text COLLATE "C" NOT NULL,
  hash      text COLLATE "C" NOT NULL,
  PRIMARY KEY (tenant_id, seq),
  UNIQUE (tenant_id, ticket_id, entry_seq),
  UNIQUE (tenant_id, prev_hash)
);
DROP TRIGGER IF EXISTS {n:audit_chain_append_only} ON {t:audit_chain};
CREATE TRIGGER {n:audit_chain_append_only} BEFORE UPDATE OR DELETE ON {t:audit_chain}
  FOR EACH ROW EXECUTE FUNCTION {t:audit_append_only}();

CREATE TABLE IF NOT EXISTS {t:notify_outbox} (
  id           text COLLATE "C" PRIMARY KEY,
  position     bigint GENERATED ALWAYS AS IDENTITY,
  tenant_id    text COLLATE "C" NOT NULL,
  ticket_id    text COLLATE "C" NOT NULL,
  channel      text COLLATE "C" NOT NULL,
  sequence     double precision NOT NULL,
  status       text COLLATE "C" NOT NULL,
  attempts     integer NOT NULL DEFAULT 0,
  available_at timestamptz(3) NOT NULL,
  leased_until timestamptz(3),
  last_error   text,
  enqueued_at  timestamptz(3) NOT NULL,
  updated_at   timestamptz(3) NOT NULL,
  message      json NOT NULL
);
CREATE INDEX IF NOT EXISTS {n:notify_outbox_due_idx} ON {t:notify_outbox} (available_at, position)
  WHERE status IN ('pending', 'leased');
CREATE INDEX IF NOT EXISTS {n:notify_outbox_order_idx}
  ON {t:notify_outbox} (tenant_id, ticket_id, channel, sequence, position)
  WHERE status IN ('pending', 'leased');
CREATE INDEX IF NOT EXISTS {n:notify_outbox_dead_idx} ON {t:notify_outbox} (tenant_id, updated_at)
  WHERE status = 'dead';
`;

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  { version: 1, name: 'init', sql: init },
  { version: 2, name: 'durable_timers_and_notify_outbox', sql: v2 },
  MIGRATION_V3,
  { version: 4, name: 'handling_windows', sql: v4 },
]);

/** Tables holding tenant rows (row-level security applies to each). */
export const TENANT_TABLES = [
  'tickets',
  'audit',
  'comments',
  'idempotency',
  'sla_timers',
  'outbox',
  'import_batches',
  'notify_outbox',
  'audit_chain',
  'windows',
] as const;

/**
 * Work-queue tables: background workers (the SLA timer poller, outbox relays) claim due rows
 * of every tenant at once. Under row-level security they do so with the transaction-local
 * setting `ticketkit.worker = 'on'`, set only by this package's fixed claim statements.
 */
export const QUEUE_TABLES = ['sla_timers', 'outbox', 'notify_outbox'] as const;

/**
 * Row-level security (opt-in): every tenant table only shows and accepts rows whose
 * `tenant_id` equals the transaction-local setting `ticketkit.tenant`. Idempotent, so it is
 * re-applied on every open with `rowLevelSecurity: true`.
 */
export const RLS_SQL = TENANT_TABLES.map(
  (t) => `
ALTER TABLE {t:${t}} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {t:${t}} FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS {n:${t}_tenant} ON {t:${t}};
CREATE POLICY {n:${t}_tenant} ON {t:${t}}
  USING (tenant_id = current_setting('ticketkit.tenant', true))
  WITH CHECK (tenant_id = current_setting('ticketkit.tenant', true));`,
)
  .concat(
    QUEUE_TABLES.map(
      (t) => `
DROP POLICY IF EXISTS {n:${t}_worker} ON {t:${t}};
CREATE POLICY {n:${t}_worker} ON {t:${t}}
  USING (current_setting('ticketkit.worker', true) = 'on')
  WITH CHECK (current_setting('ticketkit.worker', true) = 'on');`,
    ),
  )
  .join('\n');
