/**
 * RELIABILITY S1 on PostgreSQL, as the storage issue states it: 4 child processes (4 app
 * instances, 4 pools) share one database and 10,000 due SLA timers; every timer fires exactly
 * once. One process is killed with SIGKILL mid-run; the timers it had claimed fire once, after
 * their lease. Exactly-once is judged in the database: one `sla` audit entry per ticket (the
 * audit primary key (tenant, ticket, seq) plus the version check make a second firing a
 * conflict), and no ticket reported fired by two processes.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { calendar24x7, createManualClock, createTicketing, defineSlaPolicy } from 'ticketkit';
import { postgresStore } from 'ticketkit/adapters/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const url = process.env.TICKETKIT_TEST_DATABASE_URL;
if (!url) {
  console.warn(
    'multi-process timer tests skipped: set TICKETKIT_TEST_DATABASE_URL (see docs/adapters/postgres.md)',
  );
}

const WORKER = fileURLToPath(new URL('./_timer-worker.ts', import.meta.url));
const TIMERS = 10_000;
const PROCESSES = 4;
const TARGET_MIN = 60;
const SPREAD_MS = 10 * 60_000; // due instants spread over 10 minutes of SDK clock
const SPEED = 30; // simulated ms per wall ms: the 10 minutes pass in 20 s
const LEASE_MS = 30_000; // simulated: 1 s of wall time
const POLL_WALL_MS = 50;
const T0 = Date.parse('2026-06-01T00:00:00.000Z');

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};

describe.skipIf(!url)('S1: 4 processes, 10,000 durable SLA timers, one SIGKILL', () => {
  const schema = `tk_s1_${randomBytes(4).toString('hex')}`;
  let pool: pg.Pool;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: url, max: 8 });
    const store = postgresStore({ pool, schema });
    const clock = createManualClock(new Date(T0));
    const desk = createTicketing({
      store,
      clock,
      sla: {
        policies: [
          defineSlaPolicy({
            id: 'mp',
            calendar: calendar24x7(),
            targets: { firstResponse: TARGET_MIN },
            warnAt: [],
          }),
        ],
        autoTick: false,
      },
    });
    const actor = { id: 'seed', roles: ['agent'] };
    const chunk = 100;
    for (let i = 0; i < TIMERS; i += chunk) {
      clock.set(new Date(T0 + Math.floor((i / TIMERS) * SPREAD_MS)));
      await Promise.all(
        Array.from({ length: Math.min(chunk, TIMERS - i) }, (_, k) =>
          desk.create({ title: `s1 ${i + k}` }, { actor }),
        ),
      );
    }
  }, 180_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await pool?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool?.end();
  });

  it('fires every timer exactly once across 4 processes, one of them SIGKILLed mid-run', async () => {
    const simStart = T0 + TARGET_MIN * 60_000 - 5_000;
    const wallStart = Date.now() + 1_500; // the children start ticking at simStart
    const firedBy = new Map<string, number[]>();
    const lateness: number[] = [];
    const errors: string[] = [];
    let killedAfter = -1;
    const start = (i: number) => {
      const cfg = {
        url,
        schema,
        instanceId: `p${i}`,
        simStart,
        wallStart,
        speed: SPEED,
        leaseMs: LEASE_MS,
        pollWallMs: POLL_WALL_MS,
        targetMinutes: TARGET_MIN,
      };
      const child = fork(WORKER, [JSON.stringify(cfg)], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      child.on(
        'message',
        (m: { type: string; ticketId: string; due: string; at: string; message: string }) => {
          if (m.type === 'fired') {
            const list = firedBy.get(m.ticketId) ?? [];
            list.push(i);
            firedBy.set(m.ticketId, list);
            lateness.push((Date.parse(m.at) - Date.parse(m.due)) / SPEED);
            if (i === 0 && killedAfter < 0 && list.length === 1 && countOf(0) >= 400) {
              killedAfter = countOf(0);
              child.kill('SIGKILL');
            }
          } else if (m.type === 'error') errors.push(m.message);
        },
      );
      children.push(child);
      return child;
    };
    const countOf = (i: number) => {
      let n = 0;
      for (const by of firedBy.values()) if (by.includes(i)) n++;
      return n;
    };
    for (let i = 0; i < PROCESSES; i++) start(i);

    const table = `${schema}.tk_audit`;
    const firedInDb = async () =>
      Number(
        (await pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE entry->>'action' = 'sla'`))
          .rows[0].n,
      );
    const deadline = Date.now() + 120_000;
    let inDb = 0;
    while (Date.now() < deadline) {
      inDb = await firedInDb();
      if (inDb >= TIMERS) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const wallToAll = (Date.now() - wallStart) / 1000;
    // Let any straggler finish, then stop the survivors.
    await new Promise((r) => setTimeout(r, 1_500));
    for (const c of children) if (c.connected) c.send({ type: 'stop' });
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((r) => {
            if (c.exitCode !== null || c.signalCode !== null) r();
            else c.on('exit', () => r());
          }),
      ),
    );

    const perTicket = await pool.query(
      `SELECT ticket_id, count(*)::int AS n FROM ${table} WHERE entry->>'action' = 'sla'
       GROUP BY ticket_id HAVING count(*) > 1`,
    );
    const distinct = await pool.query(
      `SELECT count(DISTINCT ticket_id)::int AS n FROM ${table} WHERE entry->>'action' = 'sla'`,
    );
    const leftDue = await pool.query(
      `SELECT count(*)::int AS n FROM ${schema}.tk_sla_timers WHERE metric = ''`,
    );
    const doubleReported = [...firedBy.values()].filter((by) => by.length > 1).length;
    console.log(
      `S1: ${TIMERS} timers, ${PROCESSES} processes, p0 SIGKILLed after ${killedAfter} firings; ` +
        `fired in DB ${await firedInDb()}, distinct ${distinct.rows[0].n}, duplicates ${perTicket.rowCount}; ` +
        `events received ${firedBy.size} (lost with the killed process: ${TIMERS - firedBy.size}), ` +
        `reported twice ${doubleReported}; per process ${[0, 1, 2, 3].map(countOf).join('/')}; ` +
        `lateness (wall) p50 ${quantile(lateness, 0.5).toFixed(0)} ms, p99 ${quantile(lateness, 0.99).toFixed(0)} ms, ` +
        `max ${Math.max(...lateness).toFixed(0)} ms (poll ${POLL_WALL_MS} ms, lease ${LEASE_MS / SPEED} ms); ` +
        `all fired ${wallToAll.toFixed(1)} s after start; errors ${errors.length}`,
    );
    expect(killedAfter).toBeGreaterThan(0);
    expect(perTicket.rowCount).toBe(0);
    expect(distinct.rows[0].n).toBe(TIMERS);
    expect(doubleReported).toBe(0);
    // Every timer was settled: fired tickets have no next due instant left.
    expect(leftDue.rows[0].n).toBe(0);
    expect(errors).toEqual([]);
  }, 240_000);
});
