import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pgliteStore } from 'ticketkit/adapters/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/index';
import { importedTicketId } from '../../src/desk/_import';

const PG_URL = process.env.TICKETKIT_TEST_DATABASE_URL;
if (!PG_URL) {
  console.warn(
    'CLI import into PostgreSQL SKIPPED: set TICKETKIT_TEST_DATABASE_URL (see docs/adapters/postgres.md)',
  );
}

function io(isTty = false) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    text: () => out.join(''),
    errText: () => err.join(''),
    io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), isTty },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'tk-cli-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'tickets.csv');
writeFileSync(
  file,
  [
    'externalId,title,priority,createdAt',
    'A-1,Printer jams,high,2026-01-21',
    'A-2,=HYPERLINK("http://x"),Hign,2026-01-21',
    'A-3,Scanner,low,2026-01-22 14:30',
    'A-4,No priority,,2026-01-22',
  ].join('\n'),
);

describe('ticketkit import --store', () => {
  it('stores the valid rows into a PGlite directory, reports the rest, and a re-run stores nothing twice', async () => {
    const dataDir = join(dir, 'pglite');
    const first = io(true);
    const code = await run(
      ['import', file, '--store', dataDir, '--time-zone', 'Asia/Shanghai', '--batch-size', '1'],
      first.io,
    );
    expect(code).toBe(1); // rows were rejected
    expect(first.text()).toMatch(/stored\s+2/);
    expect(first.text()).toMatch(/batches\s+2/);
    expect(first.text()).toContain('Stored 2 ticket(s); 2 row(s) rejected');
    expect(first.text()).toContain('row 3, priority: invalid_enum');
    expect(first.errText()).toMatch(/\[#+\] 100% 4 rows/);
    const report = readFileSync(`${file}.errors.csv`, 'utf8');
    expect(report).toContain('invalid_enum');
    expect(report).toContain('required');
    expect(report).not.toMatch(/(^|,)=HYPERLINK/m);

    const again = io();
    expect(await run(['import', file, '--store', dataDir], again.io)).toBe(1);
    expect(again.text()).toMatch(/stored\s+0/);
    expect(again.text()).toMatch(/already stored\s+2/);
    const importId = /import id\s+(\S+)/.exec(again.text())?.[1];
    expect(importId).toMatch(/^imp_[0-9a-f]{32}$/);

    const store = pgliteStore({ dataDir });
    try {
      const t = await store.getTicket('default', importedTicketId('default', 'A-3'));
      expect(t).toMatchObject({ title: 'Scanner', priority: 'low', channel: 'import' });
      expect(await store.getTicket('default', importedTicketId('default', 'A-2'))).toBeNull();
      expect(await store.getImportRecord('default', importId!)).toMatchObject({
        status: 'completed',
        runs: 2,
        created: 0,
        skipped: 2,
        invalid: 2,
        actor: { id: 'cli' },
      });
    } finally {
      await store.close();
    }
  });

  it('with --dry-run and --store, says what would be stored and stores nothing', async () => {
    const dataDir = join(dir, 'pglite-dry');
    const c = io();
    expect(await run(['import', file, '--dry-run', '--store', dataDir], c.io)).toBe(1);
    expect(c.text()).toMatch(/would store\s+2/);
    expect(c.text()).toContain('nothing was stored');
    const store = pgliteStore({ dataDir });
    try {
      expect(await store.existingIds('default', [importedTicketId('default', 'A-1')])).toEqual(
        new Set(),
      );
    } finally {
      await store.close();
    }
  });

  it('explains a missing --store or a bad --batch-size with exit code 2', async () => {
    for (const argv of [
      ['import', file],
      ['import', file, '--store', join(dir, 'x'), '--batch-size', '0'],
      ['import', file, '--store', join(dir, 'x'), '--batch-size', 'many'],
    ]) {
      const c = io();
      expect(await run(argv, c.io), argv.join(' ')).toBe(2);
      expect(c.errText()).toMatch(/--store|--batch-size/);
    }
  });

  it('reports a store that cannot be opened, without its password', async () => {
    const c = io();
    const code = await run(
      ['import', file, '--store', 'postgres://u:secret@127.0.0.1:1/none'],
      c.io,
    );
    expect(code).toBe(1);
    expect(c.errText()).toContain('cannot open the store');
    expect(c.errText()).not.toContain('secret');
  });

  it.skipIf(!PG_URL)('stores into PostgreSQL, in its own schema', async () => {
    const schema = `tk_cli_${process.pid}`;
    const pool = new pg.Pool({ connectionString: PG_URL, max: 1 });
    try {
      const c = io();
      const code = await run(
        [
          'import',
          file,
          '--store',
          PG_URL!,
          '--schema',
          schema,
          '--tenant',
          'acme',
          '--actor',
          'li.wei',
        ],
        c.io,
      );
      expect(code).toBe(1);
      expect(c.text()).toMatch(/stored\s+2/);
      const { rows } = await pool.query(
        `SELECT id, doc->>'title' AS title FROM "${schema}".tk_tickets WHERE tenant_id = 'acme' ORDER BY 2`,
      );
      expect(rows.map((r) => r.title)).toEqual(['Printer jams', 'Scanner']);
      const rec = await pool.query(
        `SELECT status, report->'actor'->>'id' AS actor FROM "${schema}".tk_import_batches`,
      );
      expect(rec.rows).toEqual([{ status: 'completed', actor: 'li.wei' }]);
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    }
  });
});
