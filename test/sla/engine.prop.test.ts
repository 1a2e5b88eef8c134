/**
 * S3: reschedule correctness. Random sequences of priority changes, pauses and resumes,
 * reassignments and policy switches; after every step the resolution clock's due date must
 * equal a minute-by-minute oracle that knows nothing of the SDK's calendar code.
 */
import fc from 'fast-check';
import {
  createCalendar,
  createManualClock,
  createTicketing,
  defineSlaPolicy,
  type Priority,
} from 'ticketkit';
import { describe, expect, it } from 'vitest';

const RUNS = process.env.RELIABILITY_PROFILE === 'deep' ? 10_000 : 1_000;
const MIN = 60_000;

/** Oracle: open Mon-Fri 09:00-12:00 and 13:00-18:00 UTC. */
function openMinute(ms: number): boolean {
  const d = new Date(ms);
  const day = d.getUTCDay();
  const h = d.getUTCHours();
  return day >= 1 && day <= 5 && ((h >= 9 && h < 12) || (h >= 13 && h < 18));
}

const cal = createCalendar({
  timeZone: 'UTC',
  weekly: Object.fromEntries(
    (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((d) => [d, ['09:00-12:00', '13:00-18:00']]),
  ),
});
const TARGETS = {
  hw: { urgent: 60, high: 240, normal: 480, low: 960 },
  net: { urgent: 30, high: 120, normal: 600, low: 1200 },
} as const;
const policies = [
  defineSlaPolicy({
    id: 'net',
    match: { category: ['net'] },
    calendar: cal,
    targets: { resolution: TARGETS.net },
  }),
  defineSlaPolicy({ id: 'hw', calendar: cal, targets: { resolution: TARGETS.hw } }),
];

type Op =
  | { kind: 'wait'; minutes: number }
  | { kind: 'priority'; to: Priority }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'category'; to: 'hw' | 'net' }
  | { kind: 'assign'; to: string };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('wait' as const), minutes: fc.integer({ min: 1, max: 900 }) }),
  fc.record({
    kind: fc.constant('priority' as const),
    to: fc.constantFrom<Priority>('urgent', 'high', 'normal', 'low'),
  }),
  fc.record({ kind: fc.constant('pause' as const) }),
  fc.record({ kind: fc.constant('resume' as const) }),
  fc.record({
    kind: fc.constant('category' as const),
    to: fc.constantFrom<'hw' | 'net'>('hw', 'net'),
  }),
  fc.record({ kind: fc.constant('assign' as const), to: fc.constantFrom('a1', 'a2') }),
);

describe('SLA reschedule correctness (S3)', () => {
  it(`due dates equal the minute-walker oracle over ${RUNS} random sequences`, async () => {
    await fc.assert(
      fc.asyncProperty(
        // Whole-minute starts across a fortnight, including weekends and nights.
        fc.integer({ min: 0, max: 14 * 24 * 60 }),
        fc.array(opArb, { minLength: 1, maxLength: 14 }),
        async (startMinute, ops) => {
          const t0 = Date.parse('2026-03-02T00:00:00Z') + startMinute * MIN;
          const clock = createManualClock(t0);
          const desk = createTicketing({ clock, sla: { policies, autoTick: false } });
          const agent = { id: 'ag', roles: ['agent'] };
          let t = await desk.create(
            { title: 'x', priority: 'normal', category: 'hw' },
            { actor: agent },
          );
          t = await desk.transition(t.id, 'in_progress', { actor: agent });
          // Oracle state.
          let now = t0;
          let elapsed = 0; // business minutes counted so far
          let paused = false;
          let priority: Priority = 'normal';
          let category: 'hw' | 'net' = 'hw';
          for (const op of ops) {
            switch (op.kind) {
              case 'wait':
                for (let m = 0; m < op.minutes; m++)
                  if (!paused && openMinute(now + m * MIN)) elapsed++;
                now += op.minutes * MIN;
                clock.set(now);
                continue;
              case 'priority':
                priority = op.to;
                t = await desk.update(t.id, { priority: op.to }, { actor: agent });
                break;
              case 'pause':
                if (!paused) {
                  paused = true;
                  t = await desk.transition(t.id, 'awaiting_feedback', { actor: agent });
                }
                break;
              case 'resume':
                if (paused) {
                  paused = false;
                  t = await desk.transition(t.id, 'in_progress', { actor: agent });
                }
                break;
              case 'category':
                category = op.to;
                t = await desk.update(t.id, { category: op.to }, { actor: agent });
                break;
              case 'assign':
                t = await desk.assign(t.id, op.to, { actor: agent });
                break;
            }
            t = (await desk.get(t.id))!;
            const clockState = t.sla!.clocks.find((c) => c.metric === 'resolution')!;
            expect(t.sla!.policyId).toBe(category);
            const target = TARGETS[category][priority];
            expect(clockState.targetMinutes).toBe(target);
            expect(
              clockState.elapsedMinutes +
                (clockState.since
                  ? cal.businessMinutesBetween(new Date(clockState.since), new Date(now))
                  : 0),
            ).toBeCloseTo(elapsed, 6);
            if (paused) {
              expect(clockState.status).toBe('paused');
              expect(clockState.dueAt).toBeNull();
            } else if (elapsed < target) {
              // Walk forward from now until the remaining budget is used up.
              let left = target - elapsed;
              let m = now;
              while (left > 0) {
                if (openMinute(m)) left--;
                m += MIN;
              }
              expect(clockState.dueAt).toBe(new Date(m).toISOString());
            } else {
              expect(desk.sla.view(t, new Date(now))[0]!.status).toBe('breached');
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
