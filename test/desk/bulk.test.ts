/**
 * desk.bulkTransition, and RELIABILITY C4 (bulk vs single edits): a bulk status change over
 * 1,000 tickets while 8 workers edit 100 of them. The 100 lose no update (as C2), and the bulk
 * result lists exactly the conflicts that happened: a ticket reported `version_conflict` was
 * changed by a worker after the bulk read it, and every ticket reported moved was moved at the
 * version the bulk read. On the memory store and, with TICKETKIT_TEST_DATABASE_URL, PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  createManualClock,
  createTicketing,
  isTicketkitError,
  memoryStore,
  type Ticket,
  type TicketStore,
} from 'ticketkit';
import { postgresStore } from 'ticketkit/adapters/postgres';
import { afterAll, describe, expect, it } from 'vitest';

const url = process.env.TICKETKIT_TEST_DATABASE_URL;
if (!url) console.warn('C4 on PostgreSQL skipped: set TICKETKIT_TEST_DATABASE_URL');

const lead = { id: 'lead', roles: ['supervisor'] };

describe('desk.bulkTransition', () => {
  it('moves each ticket on its own, and lists every refusal in input order', async () => {
    const desk = createTicketing({ clock: createManualClock('2026-05-04T01:00:00Z') });
    const a = await desk.create({ title: 'a' }, { actor: lead });
    const b = await desk.create({ title: 'b' }, { actor: lead });
    const c = await desk.create({ title: 'c' }, { actor: lead });
    await desk.update(b.id, { title: 'b2' }, { actor: lead });
    await desk.transition(c.id, 'in_progress', { actor: lead });
    await desk.transition(c.id, 'resolved', { actor: lead });
    await desk.transition(c.id, 'archived', { actor: lead });
    const r = await desk.bulkTransition(
      [a.id, { id: b.id, expectedVersion: 1 }, c.id, 'tk_missing'],
      'in_progress',
      { actor: lead },
    );
    expect(r.results.map((x) => [x.id, x.ok ? 'ok' : x.code])).toEqual([
      [a.id, 'ok'],
      [b.id, 'version_conflict'],
      [c.id, 'invalid_transition'],
      ['tk_missing', 'not_found'],
    ]);
    expect(r).toMatchObject({ succeeded: 1, failed: 3, conflicts: 1 });
  });

  it('refuses bad input before touching anything, naming the item', async () => {
    const desk = createTicketing();
    const t = await desk.create({ title: 'x' }, { actor: lead });
    await expect(desk.bulkTransition([t.id, t.id], 'in_progress', { actor: lead })).rejects.toThrow(
      /listed twice/,
    );
    await expect(
      desk.bulkTransition([{ id: t.id, expectedVersion: 0 }], 'in_progress', { actor: lead }),
    ).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(
      desk.bulkTransition(
        Array.from({ length: 1001 }, (_, i) => `t${i}`),
        'in_progress',
        {
          actor: lead,
        },
      ),
    ).rejects.toThrow(/at most 1000/);
    expect((await desk.get(t.id))?.version).toBe(1);
  });

  it('checks permission per ticket, with the same errors as transition', async () => {
    const desk = createTicketing();
    const mine = await desk.create({ title: 'mine', requester: 'r1' }, { actor: lead });
    const other = await desk.create({ title: 'other', requester: 'r2' }, { actor: lead });
    const r = await desk.bulkTransition([mine.id, other.id], 'in_progress', {
      actor: { id: 'r1', roles: ['requester'] },
    });
    expect(r.results.every((x) => !x.ok)).toBe(true);
    // A requester may not start work on any ticket, not even their own.
    expect(r.results.map((x) => (x.ok ? 'ok' : x.code))).toEqual([
      'permission_denied',
      'permission_denied',
    ]);
  });
});

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function c4(name: string, store: TicketStore) {
  const desk = createTicketing({ store, clock: createManualClock('2026-05-04T01:00:00Z') });
  const made: Ticket[] = [];
  for (let i = 0; i < 1000; i += 50) {
    made.push(
      ...(await Promise.all(
        Array.from({ length: 50 }, (_, k) =>
          desk.create({ title: `c4 ${i + k}` }, { actor: lead }),
        ),
      )),
    );
  }
  const hot = made.slice(0, 100).map((t) => t.id);
  // The bulk works from the list it read, as a UI would.
  const seen = made.map((t) => ({ id: t.id, expectedVersion: t.version }));
  const tokens = new Map<string, string[]>(hot.map((id) => [id, []]));
  let stop = false;
  let workerConflicts = 0;
  const workers = Array.from({ length: 8 }, async (_, w) => {
    const me = { id: `w${w}`, roles: ['agent'] };
    let n = 0;
    while (!stop) {
      const id = hot[(w * 13 + n * 7) % hot.length]!;
      const token = `w${w}-${n++}`;
      for (;;) {
        const cur = await desk.get(id, { actor: me });
        try {
          await desk.update(
            id,
            { tags: [...cur!.tags, token] },
            { actor: me, expectedVersion: cur!.version },
          );
          tokens.get(id)!.push(token);
          break;
        } catch (e) {
          if (!(isTicketkitError(e) && e.code === 'version_conflict')) throw e;
          workerConflicts++;
        }
      }
      if (n > 200) break;
    }
  });
  const bulk = desk.bulkTransition(seen, 'in_progress', { actor: lead });
  const r = await bulk;
  stop = true;
  await Promise.all(workers);

  // Reported conflicts = observed: decide from the audit trail what happened to each ticket.
  let observed = 0;
  for (const [i, res] of r.results.entries()) {
    const history = await desk.history(res.id, { actor: lead });
    const moved = history.filter((e) => e.action === 'transition' && e.actor.id === 'lead');
    const before = seen[i]!.expectedVersion;
    const changedAfterRead = history.some((e) => e.seq === before + 1 && e.actor.id !== 'lead');
    if (res.ok) {
      expect(moved).toHaveLength(1);
      expect(moved[0]!.seq).toBe(before + 1);
    } else {
      expect(res.code).toBe('version_conflict');
      expect(moved).toHaveLength(0);
      expect(changedAfterRead).toBe(true);
    }
    if (changedAfterRead) observed++;
    if (!hot.includes(res.id)) expect(res.ok).toBe(true);
  }
  expect(r.conflicts).toBe(observed);
  // C2 for the hot tickets: every worker update that succeeded is still there.
  let lost = 0;
  for (const id of hot) {
    const t = await desk.get(id, { actor: lead });
    for (const token of tokens.get(id)!) if (!t!.tags.includes(token)) lost++;
  }
  expect(lost).toBe(0);
  console.log(
    `C4 ${name}: bulk over 1,000 tickets moved ${r.succeeded}, reported ${r.conflicts} conflicts = ${observed} observed; ` +
      `8 workers made ${[...tokens.values()].reduce((a, b) => a + b.length, 0)} edits on 100 tickets (${workerConflicts} retried), 0 lost`,
  );
}

describe('C4: bulk vs single edits', () => {
  it('memory store', async () => {
    await c4('memory', memoryStore());
  }, 60_000);
  it.skipIf(!url)(
    'PostgreSQL, pool of 8',
    async () => {
      const pool = new pg.Pool({ connectionString: url, max: 8 });
      const schema = `tk_c4_${randomBytes(4).toString('hex')}`;
      cleanups.push(async () => {
        await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await pool.end();
      });
      await c4('PostgreSQL', postgresStore({ pool, schema }));
    },
    120_000,
  );
});
