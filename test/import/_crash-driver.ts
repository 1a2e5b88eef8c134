/**
 * Child process for the M5 crash test (test/import/crash.test.ts), run with `node --import tsx`.
 *
 *   import  <pg|pglite> <url|dataDir> <schema> <file>   desk.import, batches of 500; reports
 *                                                       each finished batch over IPC
 *   inspect <pg|pglite> <url|dataDir> <schema>          counts through direct SQL, over IPC
 */
import { readFileSync } from 'node:fs';
import { createManualClock, createTicketing } from 'ticketkit';
import { pgliteStore } from '../../adapters/pglite/index';
import { postgresStore } from '../../adapters/postgres/index';

const [mode, kind, where, schema, file] = process.argv.slice(2) as [
  'import' | 'inspect',
  'pg' | 'pglite',
  string,
  string,
  string | undefined,
];
const send = (m: unknown) =>
  new Promise<void>((resolve) => {
    if (process.send) process.send(m, () => resolve());
    else resolve();
  });

/** Raw SQL on the store's tables (the side door: not through the store under test). */
async function inspect(): Promise<Record<string, number>> {
  const sql = `SELECT
      (SELECT count(*) FROM "${schema}".tk_tickets)::int AS tickets,
      (SELECT count(DISTINCT doc->'externalRefs'->>'externalId') FROM "${schema}".tk_tickets)::int AS external,
      (SELECT count(*) FROM "${schema}".tk_audit)::int AS audit,
      (SELECT count(*) FROM "${schema}".tk_import_batches WHERE id = 'crash-import')::int AS records,
      (SELECT count(*) FROM "${schema}".tk_import_batches
        WHERE id = 'crash-import' AND status = 'completed')::int AS completed`;
  if (kind === 'pg') {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: where });
    await client.connect();
    try {
      const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (exists.rows.length === 0)
        return { tickets: 0, external: 0, audit: 0, records: 0, completed: 0 };
      return (await client.query(sql)).rows[0];
    } finally {
      await client.end();
    }
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create(where);
  try {
    const exists = await db.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rows.length === 0)
      return { tickets: 0, external: 0, audit: 0, records: 0, completed: 0 };
    return (await db.query<Record<string, number>>(sql)).rows[0]!;
  } finally {
    await db.close();
  }
}

async function runImport(): Promise<void> {
  const store =
    kind === 'pg'
      ? postgresStore({ connectionString: where, schema, max: 4 })
      : pgliteStore({ dataDir: where, schema });
  await store.ready();
  const desk = createTicketing({ store, clock: createManualClock('2026-03-02T01:00:00Z') });
  const bytes = readFileSync(file!);
  await send({ type: 'started' });
  const r = await desk.import(new Uint8Array(bytes), {
    actor: { id: 'migrator', roles: ['admin'] },
    timeZone: 'Asia/Shanghai',
    batchSize: 500,
    importId: 'crash-import',
    onProgress: (p) => void send({ type: 'batch', batches: p.batches, created: p.created }),
  });
  await store.close();
  await send({ type: 'done', created: r.created, skipped: r.skipped, batches: r.batches });
}

if (mode === 'inspect') await send({ type: 'counts', counts: await inspect() });
else await runImport();
