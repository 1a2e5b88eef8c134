/**
 * A small structural executor, so the shared store runs over PGlite and over a `pg` pool
 * without importing either driver's types (as Kysely's dialects do).
 *
 * @internal
 */
import { createHash } from 'node:crypto';

/** Runs statements. Parameters are always passed separately from the text. */
export interface SqlQueryable {
  /** One statement with `$n` parameters. */
  query<R = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
  ): Promise<{ rows: R[] }>;
  /** A script of several statements, without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/** A queryable that can also run a transaction. */
export interface SqlExecutor extends SqlQueryable {
  /**
   * Runs `fn` inside BEGIN/COMMIT on one connection. If `fn` throws, the transaction is rolled
   * back and the error rethrown.
   */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
}

/** The part of a PGlite instance (or transaction) the adapter uses. */
export interface PGliteQueryableLike {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  exec(sql: string): Promise<unknown>;
}

/** The part of a PGlite instance the adapter uses (structural; PGlite's own types are not imported). */
export interface PGliteLike extends PGliteQueryableLike {
  transaction<T>(fn: (tx: PGliteQueryableLike) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const wrapPglite = (q: PGliteQueryableLike): SqlQueryable => ({
  query: (text, params) => q.query(text, params ? [...params] : undefined),
  exec: async (sql) => {
    await q.exec(sql);
  },
});

/** An executor over PGlite: one connection, so PGlite serialises transactions itself. */
export function pgliteExecutor(db: PGliteLike): SqlExecutor {
  return {
    ...wrapPglite(db),
    transaction: (fn) => db.transaction((tx) => fn(wrapPglite(tx))),
  };
}

/** The part of a checked-out `pg` client the adapter uses. */
export interface PoolClientLike {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  /** Returns the client to the pool; a truthy argument destroys it instead. */
  release(destroy?: boolean | Error): void;
  /** `pg` clients are event emitters: a connection lost between queries emits `error`. */
  on?(event: 'error', listener: (e: Error) => void): unknown;
  removeListener?(event: 'error', listener: (e: Error) => void): unknown;
}

/**
 * The part of a `pg` Pool the adapter uses. `pg`'s types are deliberately not imported, so the
 * adapter does not depend on them (Kysely's `PostgresPool` does the same).
 */
export interface PoolLike {
  connect(): Promise<PoolClientLike>;
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  end(): Promise<void>;
}

/** A `pg` query config: a named statement is parsed and planned once per connection. */
interface NamedQuery {
  readonly name: string;
  readonly text: string;
  readonly values: unknown[];
}

const asRows = <R>(p: Promise<{ rows: unknown[] }>) => p as Promise<{ rows: R[] }>;

/** Statement names by text: `tk_` + a hash of the text (the same on every connection). */
const statementNames = new Map<string, string>();
const statementName = (text: string): string => {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `tk_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    // Bounded: the package's statement texts are a fixed set (list filters combine into a few
    // hundred at most); past the bound, names are still derived, just not memoised.
    if (statementNames.size < 4096) statementNames.set(text, name);
  }
  return name;
};

const wrapClient = (c: Pick<PoolClientLike, 'query'>, prepared: boolean): SqlQueryable => ({
  query: <R>(text: string, params?: readonly unknown[]) => {
    if (!params) return asRows<R>(c.query(text));
    if (!prepared) return asRows<R>(c.query(text, [...params]));
    const q: NamedQuery = { name: statementName(text), text, values: [...params] };
    return asRows<R>((c.query as unknown as (q: NamedQuery) => Promise<{ rows: unknown[] }>)(q));
  },
  exec: async (sql) => {
    // No parameters: `pg` uses the simple protocol, which accepts several statements.
    await c.query(sql);
  },
});

/**
 * An executor over a `pg` Pool. Each transaction checks out one client, runs BEGIN/COMMIT (or
 * ROLLBACK), and always releases it; a client whose ROLLBACK failed (a dead connection) is
 * destroyed rather than returned to the pool.
 */
export function poolExecutor(
  pool: PoolLike,
  options: { preparedStatements?: boolean } = {},
): SqlExecutor {
  const prepared = options.preparedStatements !== false;
  return {
    ...wrapClient(pool, prepared),
    async transaction(fn) {
      const client = await pool.connect();
      let broken: unknown;
      // While checked out, the pool no longer listens for this client's errors: a connection
      // killed between two of our queries would otherwise be an uncaught 'error' event.
      const onError = (e: Error) => {
        broken = e;
      };
      client.on?.('error', onError);
      try {
        await client.query('BEGIN');
        try {
          const out = await fn(wrapClient(client, prepared));
          await client.query('COMMIT');
          return out;
        } catch (e) {
          try {
            await client.query('ROLLBACK');
          } catch (rollbackError) {
            broken = rollbackError;
          }
          throw e;
        }
      } catch (e) {
        broken ??= isConnectionError(e) ? e : undefined;
        throw e;
      } finally {
        client.removeListener?.('error', onError);
        client.release(broken instanceof Error ? broken : broken === undefined ? undefined : true);
      }
    },
  };
}

/** Errors after which a client must not go back to the pool. */
function isConnectionError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  // 57P01 admin_shutdown (pg_terminate_backend), 08xxx connection exceptions.
  if (typeof code === 'string') return code === '57P01' || code.startsWith('08');
  const msg = e instanceof Error ? e.message : '';
  return /Connection terminated|ECONNRESET|not queryable/i.test(msg);
}
