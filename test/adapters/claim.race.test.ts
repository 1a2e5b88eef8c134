/**
 * RELIABILITY C1 (claim race): 100 unassigned tickets, 1,000 claim attempts from 8 async
 * workers, each claim an assign with the version the worker read (`expectedVersion: 1`). On
 * PostgreSQL through a pool of 8; on PGlite and memory the same calls (PGlite serialises them);
 * on memory also under fast-check's scheduler. Exactly 100 claims win, one assignee per ticket,
 * every loser gets `version_conflict`, 0 other errors; 100 `assign` audit entries and 100
 * `ticket.assigned` outbox events; no two wins with the same (ticket, expectedVersion).
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import {
  createManualClock,
  createTicketing,
  isTicketkitError,
  memoryStore,
  type TicketStore,
} from 'ticketkit';
import { pgliteStore } from 'ticketkit/adapters/pglite';
import { postgresStore } from 'ticketkit/adapters/postgres';
import { afterAll, describe, expect, it } from 'vitest';

const url = process.env.TICKETKIT_TEST_DATABASE_URL;
if (!url) console.warn('C1 on PostgreSQL skipped: set TICKETKIT_TEST_DATABASE_URL');

const TICKETS = 100;
const ATTEMPTS = 1000;
const WORKERS = 8;
const lead = { id: 'lead', roles: ['supervisor'] };

interface History {
  wins: { ticket: string; worker: string; expected: number }[];
  conflicts: number;
  other: unknown[];
  latencies: number[];
}

async function race(store: TicketStore, seed: number) {
  const desk = createTicketing({
    store,
    clock: createManualClock('2026-05-04T01:00:00Z'),
    outbox: true,
  });
  const ids: string[] = [];
  for (let i = 0; i < TICKETS; i++)
    ids.push((await desk.create({ title: `c1 ${i}` }, { actor: lead })).id);
  // Attempt k claims ticket order[k]: every ticket 10 times, shuffled.
  const order = fc.sample(
    fc.shuffledSubarray(
      Array.from({ length: ATTEMPTS }, (_, k) => k % TICKETS),
      { minLength: ATTEMPTS, maxLength: ATTEMPTS },
    ),
    { numRuns: 1, seed },
  )[0]!;
  const h: History = { wins: [], conflicts: 0, other: [], latencies: [] };
  let next = 0;
  await Promise.all(
    Array.from({ length: WORKERS }, async (_, w) => {
      const me = { id: `agent-${w}`, roles: ['agent'] };
      while (next < ATTEMPTS) {
        const id = ids[order[next++]!]!;
        const t0 = performance.now();
        try {
          await desk.assign(id, me.id, { actor: me, expectedVersion: 1 });
          h.wins.push({ ticket: id, worker: me.id, expected: 1 });
        } catch (e) {
          if (isTicketkitError(e) && e.code === 'version_conflict') h.conflicts++;
          else h.other.push(e);
        }
        h.latencies.push(performance.now() - t0);
      }
    }),
  );
  const assignees = new Map<string, string | null>();
  let assignEntries = 0;
  for (const id of ids) {
    const t = await desk.get(id, { actor: lead });
    assignees.set(id, t?.assignee ?? null);
    assignEntries += (await desk.history(id, { actor: lead })).filter(
      (e) => e.action === 'assign',
    ).length;
  }
  let assignedEvents = 0;
  await desk.outbox.relay(
    (e) => {
      if (e.type === 'ticket.assigned') assignedEvents++;
    },
    { limit: 10_000 },
  );
  return { h, ids, assignees, assignEntries, assignedEvents };
}

function check(name: string, r: Awaited<ReturnType<typeof race>>) {
  const { h, ids, assignees, assignEntries, assignedEvents } = r;
  const lat = [...h.latencies].sort((a, b) => a - b);
  const p99 = lat[Math.floor(lat.length * 0.99)]!;
  console.log(
    `C1 ${name}: ${h.wins.length} wins, ${h.conflicts} version_conflict, ${h.other.length} other; ` +
      `${assignEntries} assign audit entries, ${assignedEvents} ticket.assigned outbox events; ` +
      `claim latency p50 ${lat[Math.floor(lat.length / 2)]!.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`,
  );
  expect(h.other).toEqual([]);
  expect(h.wins).toHaveLength(TICKETS);
  expect(h.conflicts).toBe(ATTEMPTS - TICKETS);
  const keys = h.wins.map((w) => `${w.ticket}@${w.expected}`);
  expect(new Set(keys).size).toBe(TICKETS);
  for (const id of ids) {
    const win = h.wins.find((w) => w.ticket === id);
    expect(assignees.get(id)).toBe(win?.worker);
  }
  expect(assignEntries).toBe(TICKETS);
  expect(assignedEvents).toBe(TICKETS);
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe('C1: 1,000 claims on 100 tickets from 8 workers', () => {
  it('memory store', async () => {
    check('memory', await race(memoryStore(), 1));
  });

  it('PGlite', async () => {
    const store = pgliteStore();
    cleanups.push(() => store.close());
    check('PGlite', await race(store, 2));
  }, 120_000);

  it.skipIf(!url)(
    'PostgreSQL, pool of 8',
    async () => {
      const pool = new pg.Pool({ connectionString: url, max: 8 });
      const schema = `tk_c1_${randomBytes(4).toString('hex')}`;
      cleanups.push(async () => {
        await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await pool.end();
      });
      check('PostgreSQL', await race(postgresStore({ pool, schema }), 3));
    },
    120_000,
  );

  it('memory store under 200 fast-check schedules of 3 claimants per ticket', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const base = memoryStore();
        // Every store call yields to the scheduler: fast-check picks the interleaving.
        const store: TicketStore = {
          ...base,
          getTicket: s.scheduleFunction(base.getTicket.bind(base)),
          commit: s.scheduleFunction(base.commit.bind(base)),
        };
        const t = await createTicketing({ store: base }).create({ title: 'race' }, { actor: lead });
        const desk = createTicketing({ store });
        const claims = ['a', 'b', 'c'].map((w) =>
          desk.assign(t.id, w, { actor: { id: w, roles: ['agent'] }, expectedVersion: 1 }).then(
            () => 'win',
            (e) => (isTicketkitError(e) ? e.code : 'other'),
          ),
        );
        await s.waitAll();
        const outcomes = await Promise.all(claims);
        expect(outcomes.filter((o) => o === 'win')).toHaveLength(1);
        expect(outcomes.filter((o) => o === 'version_conflict')).toHaveLength(2);
        const after = await base.getTicket('default', t.id);
        expect(after?.version).toBe(2);
      }),
      { numRuns: 200, seed: 11 },
    );
  });
});
