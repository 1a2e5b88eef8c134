/**
 * The SQL WindowStore (adapters/_sql/windows.ts, migration v4) against the memory one: the same
 * cases on memory, PGlite and (with TICKETKIT_TEST_DATABASE_URL) PostgreSQL. Migration v4 is not
 * registered yet, so this file applies its SQL itself.
 */
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { createTicketing, type HandlingWindow, memoryWindows, type WindowStore } from 'ticketkit';
import { pgliteStore } from 'ticketkit/adapters/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { pgliteExecutor, poolExecutor } from '../../adapters/_sql/executor';
import { v4 } from '../../adapters/_sql/migration-v4';
import { render, resolveNames } from '../../adapters/_sql/names';
import { createSqlWindows } from '../../adapters/_sql/windows';

const url = process.env.TICKETKIT_TEST_DATABASE_URL;
if (!url) {
  console.warn('postgres window tests skipped: set TICKETKIT_TEST_DATABASE_URL');
}

const H = (h: number) => new Date(Date.UTC(2026, 2, 2, 0) + h * 3_600_000).toISOString();
const win = (id: string, s: number, e: number, ps: string[], tenantId = 't'): HandlingWindow => ({
  id,
  tenantId,
  ticketId: `k-${id}`,
  start: H(s),
  end: H(e),
  participants: [...ps].sort(),
  note: null,
  createdBy: 'u',
  createdAt: H(0),
  cancelledAt: null,
  cancelledBy: null,
});

function contract(name: string, make: () => Promise<WindowStore>, concurrent: boolean) {
  describe(`window store: ${name}`, () => {
    it('finds clashes, refuses exclusive ones, is idempotent by id, lists and cancels', async () => {
      const ws = await make();
      const a = win('a', 1, 3, ['net', 'app']);
      expect(await ws.book(a, false)).toEqual({ booked: true, clashes: [] });
      expect(await ws.book(a, true)).toEqual({ booked: true, clashes: [] }); // same id again
      const b = win('b', 2, 4, ['net']);
      expect(await ws.book(b, false)).toEqual({ booked: true, clashes: [a] });
      // Touching ends do not overlap; other participants and tenants do not clash.
      expect((await ws.book(win('c', 3, 5, ['app']), true)).booked).toBe(true);
      expect((await ws.book(win('d', 1, 3, ['ops']), true)).booked).toBe(true);
      expect((await ws.book(win('e', 1, 3, ['net'], 'other'), true)).booked).toBe(true);
      const refused = await ws.book(win('f', 2, 3, ['net', 'x']), true);
      expect(refused).toEqual({ booked: false, clashes: [a, b] });
      expect(await ws.get('t', 'f')).toBeNull();
      expect((await ws.list('t', { participant: 'net' })).map((w) => w.id)).toEqual(['a', 'b']);
      expect((await ws.list('t', { from: H(3), to: H(5) })).map((w) => w.id)).toEqual(['b', 'c']);
      expect((await ws.list('t', { ticketId: 'k-d' })).map((w) => w.id)).toEqual(['d']);
      const c = await ws.cancel('t', 'a', H(9), 'sup');
      expect(c).toEqual({ ...a, cancelledAt: H(9), cancelledBy: 'sup' });
      expect(await ws.cancel('t', 'a', H(9), 'sup')).toBeNull();
      expect(await ws.get('t', 'a')).toEqual(c);
      expect((await ws.list('t', { participant: 'net' })).map((w) => w.id)).toEqual(['b']);
      expect((await ws.list('t', { participant: 'net', includeCancelled: true })).length).toBe(2);
      expect((await ws.book(win('g', 1, 2, ['app']), true)).booked).toBe(true);
    });

    it.skipIf(!concurrent)(
      '40 exclusive bookings of one participant at once: exactly one wins',
      async () => {
        const ws = await make();
        const results = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            ws.book(win(`r${i}`, 10, 12 + (i % 3), ['lead']), true),
          ),
        );
        expect(results.filter((r) => r.booked)).toHaveLength(1);
        expect(await ws.list('t', { participant: 'lead' })).toHaveLength(1);
      },
    );
  });
}

contract('memory', async () => memoryWindows(), true);

const lites: PGlite[] = [];
afterAll(async () => {
  await Promise.all(lites.map((l) => l.close()));
});
const names = resolveNames('pglite', {});
contract(
  'pglite',
  async () => {
    const db = await PGlite.create();
    lites.push(db);
    await db.exec(render(v4, names));
    return createSqlWindows(Promise.resolve(pgliteExecutor(db)), { names });
  },
  true,
);

describe('desk.windows over a PGlite store with the SQL window store', () => {
  it('books, reports and cancels through the desk', async () => {
    const db = await PGlite.create();
    lites.push(db);
    const base = pgliteStore({ pglite: db });
    await base.ready();
    await db.exec(render(v4, names));
    const store = Object.assign(Object.create(base), {
      windows: createSqlWindows(Promise.resolve(pgliteExecutor(db)), { names }),
    });
    const desk = createTicketing({ store });
    const actor = { id: 'sup', roles: ['supervisor'] };
    const t = await desk.create({ title: 'x' }, { actor });
    const a = await desk.windows.book(
      t.id,
      { start: H(1), end: H(2), participants: ['n'] },
      { actor },
    );
    const b = await desk.windows.book(
      t.id,
      { start: H(1), end: H(3), participants: ['n'] },
      { actor },
    );
    expect(b.conflicts).toEqual([{ kind: 'window', participant: 'n', window: a.window }]);
    await desk.windows.cancel(a.window.id, { actor });
    expect(await desk.windows.list({ participant: 'n' })).toEqual([b.window]);
    expect((await desk.history(t.id)).map((e) => e.action)).toEqual([
      'create',
      'window_book',
      'window_book',
      'window_cancel',
    ]);
  });
});

describe.skipIf(!url)('window store on postgres', () => {
  const schema = `tk_win_${randomBytes(4).toString('hex')}`;
  const pool = url ? new pg.Pool({ connectionString: url, max: 8 }) : undefined;
  const pgNames = resolveNames('postgres', { schema });
  afterAll(async () => {
    if (!pool) return;
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });
  contract(
    'postgres',
    async () => {
      await pool!.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await pool!.query(`DROP TABLE IF EXISTS ${schema}.tk_windows`);
      await pool!.query(render(v4, pgNames));

      return createSqlWindows(Promise.resolve(poolExecutor(pool!)), { names: pgNames });
    },
    true,
  );
});
