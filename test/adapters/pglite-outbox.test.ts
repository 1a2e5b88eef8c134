/**
 * The SQL outbox on PGlite against the outbox conformance suite, plus PGlite-specific cases.
 * One in-memory PGlite for the file; each test starts from an empty outbox table.
 */
import { PGlite } from '@electric-sql/pglite';
import { pgliteStore } from 'ticketkit/adapters/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxMessage, runOutboxConformance } from '../conformance/outbox';

let db: PGlite;
let store: ReturnType<typeof pgliteStore>;
beforeAll(async () => {
  db = await PGlite.create();
  store = pgliteStore({ pglite: db, schema: 'obx', tablePrefix: 'n_' });
  await store.ready();
});
afterAll(async () => {
  await store?.close();
  await db?.close();
});

runOutboxConformance(
  'pglite',
  async () => {
    await db.query('DELETE FROM obx.n_notify_outbox');
    return store.outbox;
  },
  { modelRuns: 40 },
);

describe('pglite outbox', () => {
  it('is the store’s outbox, in the store’s schema and prefix, and prunes finished rows', async () => {
    await db.query('DELETE FROM obx.n_notify_outbox');
    const o = store.outbox;
    expect(o.name).toBe('pglite');
    const [a, b, c] = [outboxMessage(), outboxMessage(), outboxMessage()];
    await o.enqueue([a, b, c], new Date('2026-03-02T01:00:00.000Z'));
    const { rows } = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM obx.n_notify_outbox',
    );
    expect(rows[0]!.n).toBe(3);
    await o.claim(new Date('2026-03-02T01:00:00.000Z'), 2, 60_000);
    await o.complete(a.id, { at: new Date('2026-03-02T01:00:01.000Z') });
    await o.complete(b.id, { at: new Date('2026-03-02T01:00:05.000Z'), outcome: 'skipped' });
    expect(await o.prune(new Date('2026-03-02T01:00:05.000Z'))).toBe(1);
    expect(await o.get(a.id)).toBeNull();
    expect((await o.get(b.id))!.status).toBe('skipped');
    expect(await o.enqueue([a], new Date('2026-03-02T02:00:00.000Z'))).toEqual({
      inserted: 1,
      duplicates: 0,
    });
  });

  it('rejects messages a text column cannot hold, naming the field', async () => {
    const o = store.outbox;
    await expect(
      o.enqueue(
        [outboxMessage({ ticketId: 'a\u0000b' }), outboxMessage({ notBefore: 'tomorrow' })],
        new Date(),
      ),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringMatching(/\[0\]\.ticketId.*NUL[\s\S]*\[1\]\.notBefore.*ISO 8601/),
    });
  });
});
