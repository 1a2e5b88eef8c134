/**
 * `ticketkit/adapters/pglite`: the ticket store on PGlite (PostgreSQL compiled to WASM, in
 * process). For embedded use, tests and development; see docs/adapters/pglite.md.
 *
 * @module adapters/pglite
 */
import { StoreError } from 'ticketkit';
import { type PGliteLike, pgliteExecutor } from '../_sql/executor';
import { createSqlStore, type SqlStore } from '../_sql/store';

export type { StoredImportRecord } from '../_sql/bulk';
export type { PGliteLike, PGliteQueryableLike } from '../_sql/executor';
export { type ExportMigrationsOptions, exportMigrationsSql } from '../_sql/migrate';
export type { SqlOutbox } from '../_sql/outbox';

/** Options of {@link pgliteStore}. */
export interface PgliteStoreOptions {
  /**
   * A PGlite instance you created (`await PGlite.create(...)`). The store does not close it:
   * you own it. Typed structurally, so this package does not depend on PGlite's types.
   */
  pglite?: PGliteLike;
  /**
   * Where PGlite keeps its files when the store creates the instance itself (for example
   * `./data/tickets` or `idb://tickets`). Omit for an in-memory database. Ignored with `pglite`.
   */
  dataDir?: string;
  /**
   * PostgreSQL schema for the tables; created if missing.
   * @default 'public'
   */
  schema?: string;
  /**
   * Prefix of every table, index and function name (`tk_tickets`, ...): lowercase letters,
   * digits and underscores.
   * @default 'tk_'
   */
  tablePrefix?: string;
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
}

/** A PGlite-backed {@link TicketStore}, with {@link PgliteStore.ready} to fail fast at start-up. */
export interface PgliteStore extends SqlStore {}

/**
 * Creates a ticket store on PGlite. The factory returns at once; opening the database and
 * applying migrations happen in the background, and every method waits for them. Await
 * `store.ready()` to surface an open error at start-up.
 *
 * Capabilities: `multiProcess: false` (one connection, in process); `durable` when a `dataDir`
 * is given (or the given instance has one).
 *
 * @example
 * ```ts
 * import { createTicketing } from 'ticketkit';
 * import { pgliteStore } from 'ticketkit/adapters/pglite';
 * const store = pgliteStore({ dataDir: './data/tickets' });
 * await store.ready();
 * const desk = createTicketing({ store });
 * ```
 */
export function pgliteStore(options: PgliteStoreOptions = {}): PgliteStore {
  const given = options.pglite;
  const dataDir = given ? (given as { dataDir?: unknown }).dataDir : (options.dataDir ?? undefined);
  const durable = typeof dataDir === 'string' && dataDir !== '' && !dataDir.startsWith('memory://');
  let owned: PGliteLike | undefined;
  const open = async () => {
    if (given) return pgliteExecutor(given);
    let mod: { PGlite: { create(dataDir?: string): Promise<PGliteLike> } };
    try {
      mod = (await import('@electric-sql/pglite')) as unknown as typeof mod;
    } catch (cause) {
      throw new StoreError({
        adapter: 'pglite',
        operation: 'open',
        message:
          'The pglite adapter needs the "@electric-sql/pglite" package. Run `npm install @electric-sql/pglite` or pass { pglite }',
        cause,
      });
    }
    owned = await mod.PGlite.create(options.dataDir);
    return pgliteExecutor(owned);
  };
  return createSqlStore(open(), {
    name: 'pglite',
    capabilities: { multiProcess: false, durable },
    schema: options.schema,
    tablePrefix: options.tablePrefix,
    sweepIntervalMs: options.sweepIntervalMs,
    migrate: options.migrate,
    onClose: async () => {
      await owned?.close();
      owned = undefined;
    },
  });
}
