/**
 * Core command throughput on the memory store: create, and transition with the permission
 * check, the audit entry and an event listener, against XState's pure getNextSnapshot on the
 * same workflow and a plain table-driven transition, all measured in this run.
 * Goal: >= 250,000 transitions/s and >= 5x XState.
 */
import { Bench } from 'tinybench';
import { createMachine, getInitialSnapshot, getNextSnapshot } from 'xstate';
import { createManualClock, createTicketing, type Ticket } from '../../src/index';

const BATCH = 1000;
const actor = { id: 'agent-1', roles: ['agent'] };

async function main() {
  const clock = createManualClock('2026-01-05T01:00:00Z');
  const desk = createTicketing({ clock });
  let events = 0;
  desk.on('ticket.transitioned', () => void events++);
  desk.on('ticket.created', () => void events++);

  // One ticket per batch slot, bouncing in_progress <-> awaiting_feedback (a legal cycle).
  const pool: Ticket[] = [];
  for (let i = 0; i < BATCH; i++) {
    const t = await desk.create({ title: `bench ${i}` }, { actor });
    pool.push(await desk.transition(t.id, 'in_progress', { actor }));
  }
  const flip = (t: Ticket) => (t.status === 'in_progress' ? 'awaiting_feedback' : 'in_progress');

  const machine = createMachine({
    id: 'default',
    initial: 'pending',
    states: {
      pending: { on: { START: 'in_progress' } },
      in_progress: { on: { WAIT: 'awaiting_feedback', RESOLVE: 'resolved' } },
      awaiting_feedback: { on: { ANSWER: 'in_progress', RESOLVE: 'resolved' } },
      resolved: { on: { ARCHIVE: 'archived', REOPEN: 'in_progress' } },
      archived: { type: 'final' },
    },
  });
  const xsWaiting = getNextSnapshot(
    machine,
    getNextSnapshot(machine, getInitialSnapshot(machine), { type: 'START' }),
    {
      type: 'WAIT',
    },
  );
  let xs = getNextSnapshot(machine, getInitialSnapshot(machine), { type: 'START' });

  const table = new Map<string, Map<string, string>>([
    ['pending', new Map([['in_progress', 'in_progress']])],
    [
      'in_progress',
      new Map([
        ['awaiting_feedback', 'awaiting_feedback'],
        ['resolved', 'resolved'],
      ]),
    ],
    [
      'awaiting_feedback',
      new Map([
        ['in_progress', 'in_progress'],
        ['resolved', 'resolved'],
      ]),
    ],
    [
      'resolved',
      new Map([
        ['archived', 'archived'],
        ['in_progress', 'in_progress'],
      ]),
    ],
  ]);
  let tableState = 'in_progress';

  const bench = new Bench({ time: 1500, warmup: true, warmupTime: 300 });
  bench
    .add(`desk.transition x${BATCH} (permission + audit + event)`, async () => {
      for (let i = 0; i < BATCH; i++) {
        const t = pool[i]!;
        pool[i] = await desk.transition(t.id, flip(t), { actor, expectedVersion: t.version });
      }
    })
    .add(`desk.create x${BATCH}`, async () => {
      for (let i = 0; i < BATCH; i++)
        await desk.create({ title: 'new', priority: 'high' }, { actor });
    })
    .add(`xstate getNextSnapshot x${BATCH}`, () => {
      for (let i = 0; i < BATCH; i++) {
        xs = getNextSnapshot(machine, xs, { type: xs.value === 'in_progress' ? 'WAIT' : 'ANSWER' });
      }
    })
    .add(`table-driven lookup x${BATCH}`, () => {
      for (let i = 0; i < BATCH; i++) {
        tableState = table
          .get(tableState)!
          .get(tableState === 'in_progress' ? 'awaiting_feedback' : 'in_progress')!;
      }
    });
  await bench.run();

  const rate = (name: string) => {
    const task = bench.tasks.find((t) => t.name.startsWith(name))!;
    const r = task.result as unknown as { throughput?: { mean: number }; hz?: number };
    const hz = r.throughput?.mean ?? r.hz ?? 0;
    return hz * BATCH;
  };
  const ours = rate('desk.transition');
  const created = rate('desk.create');
  const xstate = rate('xstate');
  const plain = rate('table-driven');

  // Latency of single transitions, awaited one by one.
  const samples: number[] = [];
  for (let k = 0; k < 50_000; k++) {
    const i = k % BATCH;
    const t = pool[i]!;
    const t0 = process.hrtime.bigint();
    pool[i] = await desk.transition(t.id, flip(t), { actor, expectedVersion: t.version });
    samples.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  samples.sort((a, b) => a - b);
  const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!;

  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.table([
    { case: 'desk.transition (memory store, permission, audit, event)', 'ops/s': fmt(ours) },
    { case: 'desk.create (memory store, validation, audit, event)', 'ops/s': fmt(created) },
    { case: 'xstate getNextSnapshot (pure, same workflow)', 'ops/s': fmt(xstate) },
    { case: 'plain table-driven transition (pure)', 'ops/s': fmt(plain) },
  ]);
  console.log(
    `transition latency: p50 ${pct(0.5).toFixed(2)} µs, p99 ${pct(0.99).toFixed(2)} µs (50,000 sequential awaits)`,
  );
  console.log(
    `ratio desk.transition / xstate getNextSnapshot: ${(ours / xstate).toFixed(1)}x (goal >= 5x)`,
  );
  console.log(
    `goal >= 250,000 transitions/s: ${ours >= 250_000 ? 'met' : 'NOT met'} (${fmt(ours)})`,
  );
  console.log(`events delivered: ${fmt(events)}; xstate final state: ${String(xsWaiting.value)}`);
}

await main();
