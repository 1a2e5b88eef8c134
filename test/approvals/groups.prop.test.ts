import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ApprovalError,
  createApprovals,
  defineApprovalFlow,
  type GroupMode,
  verifyApprovalChain,
} from '../../src/approvals/index';
import { createManualClock } from '../../src/clock/index';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
console.log(`approvals groups.prop: fast-check seed ${SEED} (FC_SEED=${SEED} to replay)`);

/** The oracle, written from the definitions rather than from thresholds. */
function oracle(
  mode: GroupMode,
  n: number,
  votes: readonly ('approve' | 'reject')[],
): 'approved' | 'rejected' | 'pending' {
  const a = votes.filter((v) => v === 'approve').length;
  const r = votes.length - a;
  if (mode === 'any')
    return votes[0] === undefined ? 'pending' : votes[0] === 'approve' ? 'approved' : 'rejected';
  if (mode === 'all') return r > 0 ? 'rejected' : a === n ? 'approved' : 'pending';
  if (a >= mode.quorum) return 'approved';
  return a + (n - votes.length) < mode.quorum ? 'rejected' : 'pending';
}

const groupCase = fc.integer({ min: 1, max: 7 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    mode: fc.oneof(
      fc.constant('any' as const),
      fc.constant('all' as const),
      fc.integer({ min: 1, max: n }).map((quorum) => ({ quorum })),
    ),
    // Actor index n means an outsider.
    attempts: fc.array(
      fc.record({
        who: fc.integer({ min: 0, max: n }),
        decision: fc.constantFrom('approve' as const, 'reject' as const),
      }),
      { maxLength: 14 },
    ),
  }),
);

describe('parallel groups decide exactly when the oracle says', () => {
  it('any / all / quorum against a model, with refusals after completion', async () => {
    await fc.assert(
      fc.asyncProperty(groupCase, async ({ n, mode, attempts }) => {
        const clock = createManualClock();
        const approvals = createApprovals({ clock });
        const flow = defineApprovalFlow({
          id: 'g',
          steps: [{ group: Array.from({ length: n }, (_, i) => ({ approver: `u${i}` })), mode }],
        });
        let { instance } = await approvals.start('t', 'tk', flow, { requester: 'req' });
        const votes: ('approve' | 'reject')[] = [];
        const voted = new Set<number>();
        for (const a of attempts) {
          const before = oracle(mode, n, votes);
          const call = approvals.decide(instance.id, {
            actor: { id: `u${a.who}` },
            decision: a.decision,
          });
          if (before !== 'pending') {
            await expect(call).rejects.toMatchObject({ reason: 'finished' });
          } else if (a.who === n) {
            await expect(call).rejects.toMatchObject({ reason: 'not_an_approver' });
          } else if (voted.has(a.who)) {
            await expect(call).rejects.toMatchObject({ reason: 'double_vote' });
          } else {
            instance = (await call).instance;
            voted.add(a.who);
            votes.push(a.decision);
          }
          expect(instance.state).toBe(oracle(mode, n, votes));
        }
        expect(instance.decisions).toHaveLength(votes.length);
        const records = await approvals.records('t', 'tk');
        expect(verifyApprovalChain(records)).toEqual({ ok: true });
        // start + one per accepted decision + one outcome when finished.
        expect(records).toHaveLength(1 + votes.length + (instance.state === 'pending' ? 0 : 1));
      }),
      { numRuns: 300, seed: SEED },
    );
  });

  it('series steps advance strictly in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(20), { maxLength: 30 }),
        async (sizes, picks) => {
          const approvals = createApprovals({ clock: createManualClock() });
          const flow = defineApprovalFlow({
            id: 's',
            steps: sizes.map((size, s) =>
              size === 1
                ? { approver: `s${s}a0` }
                : {
                    group: Array.from({ length: size }, (_, i) => ({ approver: `s${s}a${i}` })),
                    mode: 'all' as const,
                  },
            ),
          });
          let { instance } = await approvals.start('t', 'tk', flow, { requester: 'req' });
          const all = sizes.flatMap((size, s) =>
            Array.from({ length: size }, (_, i) => ({ s, id: `s${s}a${i}` })),
          );
          const done = new Set<string>();
          for (const p of picks) {
            const who = all[p % all.length]!;
            const call = approvals.decide(instance.id, {
              actor: { id: who.id },
              decision: 'approve',
            });
            if (instance.state !== 'pending') {
              await expect(call).rejects.toBeInstanceOf(ApprovalError);
              continue;
            }
            if (who.s !== instance.currentStep) {
              await expect(call).rejects.toMatchObject({ reason: 'not_an_approver' });
              continue;
            }
            if (done.has(who.id)) {
              await expect(call).rejects.toMatchObject({ reason: 'double_vote' });
              continue;
            }
            const prevStep = instance.currentStep;
            instance = (await call).instance;
            done.add(who.id);
            const stepDone = all.filter((x) => x.s === prevStep).every((x) => done.has(x.id));
            if (stepDone) {
              expect(instance.steps[prevStep]!.state).toBe('approved');
              if (prevStep + 1 < sizes.length) {
                expect(instance.currentStep).toBe(prevStep + 1);
                expect(instance.steps[prevStep + 1]!.state).toBe('pending');
              } else expect(instance.state).toBe('approved');
            } else expect(instance.currentStep).toBe(prevStep);
            // Later steps never start early.
            for (const st of instance.steps) {
              if (instance.currentStep !== null && st.index > instance.currentStep) {
                expect(st.state).toBe('waiting');
              }
            }
          }
        },
      ),
      { numRuns: 200, seed: SEED },
    );
  });
});
