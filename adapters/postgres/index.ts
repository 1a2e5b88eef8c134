/**
 * `ticketkit/adapters/postgres`: the ticket store on PostgreSQL through a `pg` Pool; several
 * processes can share it. See docs/adapters/postgres.md.
 *
 * @module adapters/postgres
 */
import { StoreError } from 'ticketkit';
import { type PoolLike, poolExecutor } from '../_sql/executor';
import { createSqlStore, type SqlStore } from '../_sql/store';

export type { StoredImportRecord } from '../_sql/bulk';
export type { PoolClientLike, PoolLike } from '../_sql/executor';
export { type ExportMigrationsOptions, exportMigrationsSql } from '../_sql/migrate';
export type { SqlOutbox } from '../_sql/outbox';

/** Options of {@link postgresStore}. Give `pool` or `connectionString`. */
export interface PostgresStoreOptions {
  /**
   * A `pg` Pool you created (or anything with its `connect`/`query`/`end` shape). The store
   * does not end it: you own it. Typed structurally, so this package does not depend on `pg`'s
   * types.
   */
  pool?: PoolLike;
  /**
   * Shortcut: the store loads `pg` lazily and creates (and on `close()` ends) its own Pool.
   * Ignored with `pool`.
   */
  connectionString?: string;
  /**
   * Max connections of the Pool created from `connectionString`.
   * @default 10
   */
  max?: number;
  /**
   * PostgreSQL schema for the tables; created if missing.
   * @default 'public'
   */
  schema?: string;
  /**
   * Prefix of every table, index, function and policy name: lowercase letters, digits and
   * underscores.
   * @default 'tk_'
   */
  tablePrefix?: string;
  /**
   * Defence in depth: enable PostgreSQL row-level security on every tenant table (policies on
   * `tenant_id = current_setting('ticketkit.tenant')`), and run every call in a transaction
   * that sets `ticketkit.tenant`. Only effective when the app connects as a role that is not a
   * superuser and has no BYPASSRLS. Costs one extra round trip per call.
   * @default false
   */
  rowLevelSecurity?: boolean;
  /**
   * Apply pending migrations on open, under an advisory lock. Set `false` when the app's
   * database role may not run DDL and migrations are applied separately
   * ({@link exportMigrationsSql}); the store then only checks the schema is up to date.
   * @default true
   */
  migrate?: boolean;
  /**
   * Expired idempotency keys are deleted at most this often per tenant (ms of the desk's clock).
   * @default 60_000
   */
  sweepIntervalMs?: number;
  /**
   * Send statements as named prepared statements, so PostgreSQL parses and plans each of the
   * store's fixed statements once per connection instead of on every call. Turn off behind a
   * pooler in transaction mode that does not support them (PgBouncer before 1.21).
   * @default true
   */
  preparedStatements?: boolean;
}

/** A PostgreSQL-backed {@link TicketStore}, with {@link PostgresStore.ready} to fail fast. */
export interface PostgresStore extends SqlStore {}

/**
 * Creates a ticket store on PostgreSQL. The factory returns at once; connecting and applying
 * migrations (under an advisory lock, so instances starting together do not race) happen in
 * the background, and every method waits for them. Await `store.ready()` to surface an open
 * error at start-up.
 *
 * Capabilities: `multiProcess: true`, `durable: true`.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { createTicketing } from 'ticketkit';
 * import { postgresStore } from 'ticketkit/adapters/postgres';
 * const store = postgresStore({ pool: new pg.Pool({ connectionString: process.env.DATABASE_URL }) });
 * await store.ready();
 * const desk = createTicketing({ store });
 * ```
 */
export function postgresStore(options: PostgresStoreOptions): PostgresStore {
  const given = options.pool;
  if (!given && !options.connectionString) {
    throw new StoreError({
      adapter: 'postgres',
      operation: 'open',
      message: 'postgresStore needs { pool } or { connectionString }',
    });
  }
  let owned: PoolLike | undefined;
  const open = async () => {
    if (given) return poolExecutor(given, { preparedStatements: options.preparedStatements });
    type PgModule = {
      Pool: new (config: {
        connectionString?: string;
        max?: number;
      }) => PoolLike & {
        on(event: 'error', fn: (e: Error) => void): unknown;
      };
    };
    let mod: PgModule;
    try {
      const m = (await import('pg')) as unknown as PgModule & { default?: PgModule };
      mod = m.default ?? m;
    } catch (cause) {
      throw new StoreError({
        adapter: 'postgres',
        operation: 'open',
        message:
          'The postgres adapter needs the "pg" package. Run `npm install pg` or pass { pool }',
        cause,
      });
    }
    const pool = new mod.Pool({
      connectionString: options.connectionString!,
      max: options.max ?? 10,
    });
    // An idle client whose server connection dies emits 'error' on the pool; without a listener
    // Node would crash the process. The next checkout simply gets a fresh connection.
    pool.on('error', () => {});
    owned = pool;
    return poolExecutor(pool, { preparedStatements: options.preparedStatements });
  };
  return createSqlStore(open(), {
    name: 'postgres',
    capabilities: { multiProcess: true, durable: true },
    schema: options.schema,
    tablePrefix: options.tablePrefix,
    rowLevelSecurity: options.rowLevelSecurity,
    sweepIntervalMs: options.sweepIntervalMs,
    migrate: options.migrate,
    onClose: async () => {
      await owned?.end();
      owned = undefined;
    },
  });
}
