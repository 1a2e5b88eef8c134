/**
 * RELIABILITY X6 (injection and deserialisation). Filter values, sort keys, directions, limits
 * and cursors come from callers; fuzzing them through `desk.list` (and ids through `desk.get`
 * and `links.find`) on PGlite and PostgreSQL gives typed validation errors or results, never
 * a SQL error (a `store_failed`). And the sources contain no `eval`, `new Function` or other
 * code-from-text, and no JSON reviver that builds objects.
 */

import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { createTicketing, isTicketkitError, type TicketStore } from 'ticketkit';
import { pgliteStore } from 'ticketkit/adapters/pglite';
import { postgresStore } from 'ticketkit/adapters/postgres';
import { afterAll, describe, expect, it } from 'vitest';

const url = process.env.TICKETKIT_TEST_DATABASE_URL;
if (!url) console.warn('X6 on PostgreSQL skipped: set TICKETKIT_TEST_DATABASE_URL');

const nasty = fc.oneof(
  fc.string(),
  fc.constantFrom(
    "'; DROP TABLE tk_tickets; --",
    '" OR 1=1 --',
    '\\',
    '$1',
    '%',
    '_',
    '\u0000',
    'tk_tickets.doc',
    "') OR ('a'='a",
    'pending',
    'urgent',
    '😀',
    '',
  ),
);
const maybeList = <T>(a: fc.Arbitrary<T>) => fc.oneof(a, fc.array(a, { maxLength: 4 }));
const query = fc.record(
  {
    status: maybeList(nasty),
    priority: maybeList(nasty),
    assignee: maybeList(fc.oneof(nasty, fc.constant(null))),
    team: maybeList(nasty),
    requester: maybeList(nasty),
    parentId: maybeList(fc.oneof(nasty, fc.constant(null))),
    sort: fc.oneof(fc.constantFrom('createdAt', 'updatedAt', 'priority'), nasty),
    direction: fc.oneof(fc.constantFrom('asc', 'desc'), nasty),
    limit: fc.oneof(fc.integer({ min: -5, max: 2000 }), fc.double(), fc.constant(Number.NaN)),
    cursor: fc.oneof(nasty, fc.base64String(), fc.constant(null)),
  },
  { requiredKeys: [] },
);

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function fuzz(name: string, store: TicketStore) {
  const desk = createTicketing({ store });
  const actor = { id: 'x6', roles: ['admin'] };
  for (let i = 0; i < 5; i++) await desk.create({ title: `x6 ${i}`, team: 'net' }, { actor });
  let ok = 0;
  let rejected = 0;
  await fc.assert(
    fc.asyncProperty(query, nasty, async (q, id) => {
      for (const call of [
        () => desk.list(q as never, { actor }),
        () => desk.get(id, { actor }),
        () => desk.links.find({ system: id, kind: id, externalId: id }, { actor }),
      ]) {
        try {
          await call();
          ok++;
        } catch (e) {
          // A typed refusal of the input is fine; a store failure (SQL error) is not.
          expect(isTicketkitError(e)).toBe(true);
          expect((e as { code: string }).code).not.toBe('store_failed');
          rejected++;
        }
      }
    }),
    { numRuns: 300, seed: 6 },
  );
  console.log(
    `X6 ${name}: ${ok + rejected} fuzzed calls, ${ok} answered, ${rejected} refused with typed errors, 0 SQL errors`,
  );
}

describe('X6: injection and deserialisation', () => {
  it('fuzzed filters, sort keys, cursors and ids never reach SQL as text (PGlite)', async () => {
    const store = pgliteStore();
    cleanups.push(() => store.close());
    await fuzz('PGlite', store);
  }, 120_000);

  it.skipIf(!url)(
    'the same on PostgreSQL',
    async () => {
      const pool = new pg.Pool({ connectionString: url, max: 4 });
      const schema = `tk_x6_${randomBytes(4).toString('hex')}`;
      cleanups.push(async () => {
        await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await pool.end();
      });
      await fuzz('PostgreSQL', postgresStore({ pool, schema }));
    },
    120_000,
  );

  it('no code from text anywhere in the sources', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) files.push(p);
      }
    };
    walk('src');
    walk('adapters');
    const banned = [
      /\beval\s*\(/,
      /\bnew\s+Function\s*\(/,
      /\bFunction\s*\(\s*['"`]/,
      /vm\.run/,
      /JSON\.parse\([^)]*,\s*\w/,
    ];
    const hits = files.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          banned.some((b) => b.test(line)) &&
          !line.trim().startsWith('*') &&
          !line.trim().startsWith('//')
            ? [`${f}:${i + 1}: ${line.trim()}`]
            : [],
        ),
    );
    expect(files.length).toBeGreaterThan(50);
    expect(hits).toEqual([]);
  });
});
