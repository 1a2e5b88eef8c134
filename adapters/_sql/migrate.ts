/**
 * Applies migrations on open, and exports them for teams that run migrations themselves.
 *
 * @internal
 */
import { StoreError } from 'ticketkit';
import type { SqlExecutor } from './executor';
import { MIGRATIONS, RLS_SQL } from './migrations';
import { qualified, render, resolveNames, type SqlNames } from './names';

const lockKey = (n: SqlNames) => `ticketkit:${n.schema}:${n.prefix}`;

const bootstrap = (n: SqlNames) =>
  render(
    `${n.schema === 'public' ? '' : 'CREATE SCHEMA IF NOT EXISTS {schema};\n'}CREATE TABLE IF NOT EXISTS {t:migrations} (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);`,
    n,
  );

/**
 * Brings the schema up to date in one transaction. A transaction-scoped advisory lock keyed by
 * schema and prefix makes several app instances opening at once apply each migration exactly
 * once: the others wait, then find nothing left to do.
 *
 * @returns the versions applied by this call (empty when already up to date).
 */
export async function applyMigrations(
  db: SqlExecutor,
  n: SqlNames,
  opts: { rowLevelSecurity?: boolean } = {},
): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockKey(n)]);
    await tx.exec(bootstrap(n));
    const { rows } = await tx.query<{ version: number }>(
      `SELECT version FROM ${qualified(n, 'migrations')}`,
    );
    const done = new Set(rows.map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await tx.exec(render(m.sql, n));
      await tx.query(`INSERT INTO ${qualified(n, 'migrations')} (version, name) VALUES ($1, $2)`, [
        m.version,
        m.name,
      ]);
      applied.push(m.version);
    }
    if (opts.rowLevelSecurity) await tx.exec(render(RLS_SQL, n));
    return applied;
  });
}

/** With `migrate: false`: fails clearly unless every migration has been applied already. */
export async function checkMigrated(db: SqlExecutor, n: SqlNames, adapter: string): Promise<void> {
  const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
  let current = 0;
  try {
    const { rows } = await db.query<{ v: number | null }>(
      `SELECT max(version) AS v FROM ${qualified(n, 'migrations')}`,
    );
    current = Number(rows[0]?.v ?? 0);
  } catch (cause) {
    throw new StoreError({
      adapter,
      operation: 'open',
      message: `cannot read ${qualified(n, 'migrations')} (${cause instanceof Error ? cause.message : String(cause)}); apply exportMigrationsSql() first or open with migrate: true`,
      cause,
    });
  }
  if (current < latest) {
    throw new StoreError({
      adapter,
      operation: 'open',
      message: `the schema is at migration ${current}, this version of ticketkit needs ${latest}; apply exportMigrationsSql() or open with migrate: true`,
    });
  }
}

/** Options of {@link exportMigrationsSql}. */
export interface ExportMigrationsOptions {
  /** @default 'public' */
  schema?: string;
  /** @default 'tk_' */
  tablePrefix?: string;
  /** Also emit the row-level security policies. @default false */
  rowLevelSecurity?: boolean;
}

/**
 * The complete migration script as one `.sql` text, for teams that apply migrations with their
 * own tooling. It records each version in the migrations table, so a store opened later finds
 * the schema up to date and applies nothing.
 */
export function exportMigrationsSql(options: ExportMigrationsOptions = {}): string {
  const n = resolveNames('sql', options);
  const parts = [
    `-- ticketkit schema, migrations 1..${MIGRATIONS.length} (schema ${n.schema}, table prefix "${n.prefix}")`,
    'BEGIN;',
    `SELECT pg_advisory_xact_lock(hashtext('${lockKey(n)}'));`,
    bootstrap(n),
  ];
  for (const m of MIGRATIONS) {
    parts.push(
      `-- migration ${m.version}: ${m.name}`,
      render(m.sql, n).trim(),
      `INSERT INTO ${qualified(n, 'migrations')} (version, name) VALUES (${m.version}, '${m.name}') ON CONFLICT (version) DO NOTHING;`,
    );
  }
  if (options.rowLevelSecurity) parts.push('-- row-level security', render(RLS_SQL, n).trim());
  parts.push('COMMIT;', '');
  return parts.join('\n');
}
