import { describe, expect, it } from 'vitest';
import {
  ApprovalError,
  type ApprovalEvent,
  type ApprovalStore,
  createApprovals,
  defineApprovalFlow,
  memoryApprovalStore,
} from '../../src/approvals/index';
import { createManualClock } from '../../src/clock/index';
import { isTicketkitError, NotFoundError, ValidationError } from '../../src/errors/index';

const single = defineApprovalFlow({ id: 'one', steps: [{ approver: 'boss' }] });

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).issues;
  }
  throw new Error('expected a ValidationError');
}

describe('defineApprovalFlow', () => {
  it('lists every problem at once', () => {
    const issues = issuesOf(() =>
      defineApprovalFlow({
        id: '',
        steps: [
          { group: [{ approver: 'a' }, { approver: 'a' }], mode: 'all' },
          { group: [{ approver: 'a' }, { role: 'x' }], mode: { quorum: 3 } },
          { group: [{ approver: 'a' }], mode: { quorum: 0 } },
          { group: [{ approver: 'a' }], mode: 'most' as never },
          { approver: 'a', role: 'b' } as never,
          { approver: 'a', delegate: 'a' },
          { group: [], mode: 'any' },
        ],
        gates: { to: '' },
      }),
    );
    expect(issues.map((i) => [i.code, i.path.join('.')])).toEqual([
      ['invalid_type', 'id'],
      ['duplicate_approver', 'steps.0.group.1'],
      ['too_big', 'steps.1.mode.quorum'],
      ['too_small', 'steps.2.mode.quorum'],
      ['invalid_enum', 'steps.3.mode'],
      ['invalid_step', 'steps.4'],
      ['invalid_delegate', 'steps.5.delegate'],
      ['too_small', 'steps.6.group'],
      ['invalid_type', 'gates.to'],
    ]);
  });

  it('refuses empty steps, naming the fix', () => {
    expect(() => defineApprovalFlow({ id: 'x', steps: [] })).toThrow(/at least one step/);
  });

  it('normalises and freezes a valid flow', () => {
    const flow = defineApprovalFlow({
      id: 'cr',
      steps: [{ approver: 'lead', delegate: 'deputy' }, { role: 'finance' }],
      onReject: { moveTo: 'needs_info' },
      gates: { to: 'in_progress' },
    });
    expect(flow.steps.map((s) => [s.kind, s.seats.length, s.mode])).toEqual([
      ['approver', 1, 'all'],
      ['role', 1, 'all'],
    ]);
    expect(Object.isFrozen(flow.steps[0])).toBe(true);
    expect(flow.gates).toEqual({ to: 'in_progress' });
  });
});

describe('createApprovals: refusals', () => {
  it('wrong actor, double vote and finished instance are typed errors naming the problem', async () => {
    const approvals = createApprovals({ clock: createManualClock() });
    const flow = defineApprovalFlow({
      id: 'g',
      steps: [{ group: [{ approver: 'a' }, { approver: 'b' }], mode: 'all' }],
    });
    const { instance } = await approvals.start('t', 'tk', flow, { requester: 'r' });
    const wrong = await approvals
      .decide(instance.id, { actor: { id: 'eve' }, decision: 'approve' })
      .catch((e) => e);
    expect(wrong).toBeInstanceOf(ApprovalError);
    expect(isTicketkitError(wrong)).toBe(true);
    expect(wrong).toMatchObject({ reason: 'not_an_approver', code: 'permission_denied' });
    expect(wrong.message).toMatch(/"eve" is not an approver of step 0.*approvers: a, b/);

    await approvals.decide(instance.id, { actor: { id: 'a' }, decision: 'approve' });
    await expect(
      approvals.decide(instance.id, { actor: { id: 'a' }, decision: 'reject' }),
    ).rejects.toMatchObject({ reason: 'double_vote', code: 'permission_denied' });

    await approvals.decide(instance.id, { actor: { id: 'b' }, decision: 'reject' });
    await expect(
      approvals.decide(instance.id, { actor: { id: 'b' }, decision: 'approve' }),
    ).rejects.toMatchObject({ reason: 'finished', code: 'invalid_transition' });
    await expect(
      approvals.decide('nope', { actor: { id: 'a' }, decision: 'approve' }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it('a role seat is filled by the first holder; another holder then finds it taken', async () => {
    const approvals = createApprovals({
      clock: createManualClock(),
      directory: { membersOf: (role) => (role === 'finance' ? ['fin1', 'fin2'] : []) },
    });
    const flow = defineApprovalFlow({
      id: 'r',
      steps: [{ group: [{ role: 'finance' }, { approver: 'cto' }], mode: 'all' }],
    });
    const { instance, events } = await approvals.start('t', 'tk', flow, { requester: 'r' });
    expect(events[0]).toMatchObject({
      type: 'approval.requested',
      notify: { users: ['fin1', 'fin2', 'cto'], roles: [] },
    });
    const r1 = await approvals.decide(instance.id, {
      actor: { id: 'fin1' },
      decision: 'approve',
      comment: 'budget ok',
      ip: '10.0.0.1',
      userAgent: 'test-agent',
    });
    expect(r1.instance.decisions[0]).toMatchObject({
      actorId: 'fin1',
      seat: 0,
      comment: 'budget ok',
      ip: '10.0.0.1',
      userAgent: 'test-agent',
      at: '2026-01-05T01:00:00.000Z',
    });
    // Role via actor.roles also counts, but the seat is taken.
    await expect(
      approvals.decide(instance.id, {
        actor: { id: 'x', roles: ['finance'] },
        decision: 'approve',
      }),
    ).rejects.toMatchObject({ reason: 'seat_taken' });
    const recs = await approvals.records('t', 'tk');
    expect(recs.map((r) => r.type)).toEqual(['start', 'decision']);
    expect(recs[1]!.data).toMatchObject({ ip: '10.0.0.1', userAgent: 'test-agent' });
  });

  it('only the requester nudges; nudges are counted and rate-limited', async () => {
    const clock = createManualClock();
    const approvals = createApprovals({ clock, nudgeInterval: 3_600_000 });
    const { instance } = await approvals.start('t', 'tk', single, { requester: 'req' });
    await expect(approvals.nudge(instance.id, { actor: { id: 'boss' } })).rejects.toMatchObject({
      reason: 'not_requester',
    });
    const n1 = await approvals.nudge(instance.id, { actor: { id: 'req' } });
    expect(n1).toMatchObject({ nudges: 1, notify: { users: ['boss'] } });
    clock.advance({ minutes: 30 });
    const refused = await approvals.nudge(instance.id, { actor: { id: 'req' } }).catch((e) => e);
    expect(refused).toMatchObject({
      reason: 'nudge_rate_limited',
      retryAt: '2026-01-05T02:00:00.000Z',
    });
    expect(refused.message).toMatch(/next nudge is allowed at 2026-01-05T02:00:00.000Z/);
    clock.advance({ minutes: 30 });
    expect((await approvals.nudge(instance.id, { actor: { id: 'req' } })).nudges).toBe(2);
  });

  it('cancel finishes the instance and records an outcome', async () => {
    const seen: ApprovalEvent[] = [];
    const approvals = createApprovals({ clock: createManualClock(), onEvent: (e) => seen.push(e) });
    const { instance } = await approvals.start('t', 'tk', single, { requester: 'req' });
    const c = await approvals.cancel(instance.id, { actor: { id: 'req' }, reason: 'withdrawn' });
    expect(c.instance.state).toBe('cancelled');
    expect(seen.map((e) => e.type)).toEqual(['approval.requested', 'approval.completed']);
    await expect(approvals.nudge(instance.id, { actor: { id: 'req' } })).rejects.toMatchObject({
      reason: 'finished',
    });
  });

  it('rejects a bad delegateAfter at create time', () => {
    expect(() => createApprovals({ clock: createManualClock(), delegateAfter: 'soon' })).toThrow(
      ValidationError,
    );
  });
});

describe('concurrency', () => {
  it('two concurrent decisions on an any-group: exactly one decides (CAS)', async () => {
    const inner = memoryApprovalStore();
    // Both readers get the same version before either writes.
    let waiting: (() => void)[] = [];
    let gate = true;
    const store: ApprovalStore = {
      ...inner,
      async getInstance(id) {
        const i = inner.getInstance(id);
        if (gate) {
          await new Promise<void>((resolve) => {
            waiting.push(resolve);
            if (waiting.length === 2) {
              gate = false;
              for (const w of waiting) w();
              waiting = [];
            }
          });
        }
        return i;
      },
    };
    const approvals = createApprovals({ clock: createManualClock(), store });
    gate = false;
    const flow = defineApprovalFlow({
      id: 'any',
      steps: [{ group: [{ approver: 'a' }, { approver: 'b' }], mode: 'any' }],
    });
    const { instance } = await approvals.start('t', 'tk', flow, { requester: 'r' });
    gate = true;
    const results = await Promise.allSettled([
      approvals.decide(instance.id, { actor: { id: 'a' }, decision: 'approve' }),
      approvals.decide(instance.id, { actor: { id: 'b' }, decision: 'reject' }),
    ]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r) => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect((failed[0] as PromiseRejectedResult).reason).toMatchObject({ reason: 'finished' });
    const final = await approvals.get(instance.id);
    expect(final.decisions).toHaveLength(1);
    expect(final.version).toBe(2);
    const recs = await approvals.records('t', 'tk');
    expect(recs.map((r) => r.type)).toEqual(['start', 'decision', 'outcome']);
    expect(await approvals.verifyApprovals('t', 'tk')).toEqual({ ok: true });
  });
});

describe('verifyApprovals on the stored chain', () => {
  it('reports an edited stored record, and truncation with an exported head', async () => {
    const store = memoryApprovalStore();
    const approvals = createApprovals({ clock: createManualClock(), store });
    const flow = defineApprovalFlow({
      id: 'two',
      steps: [{ approver: 'a' }, { approver: 'b' }],
    });
    const { instance } = await approvals.start('t', 'tk', flow, { requester: 'r' });
    await approvals.decide(instance.id, { actor: { id: 'a' }, decision: 'approve' });
    await approvals.decide(instance.id, { actor: { id: 'b' }, decision: 'approve' });
    const head = await approvals.exportHead('t', 'tk');
    expect(head.seq).toBe(4);
    expect(await approvals.verifyApprovals('t', 'tk', { head })).toEqual({ ok: true });

    const rows = store.unsafeRecords('t', 'tk');
    const original = rows[1]!;
    rows[1] = { ...original, data: { ...original.data, decision: 'reject' } };
    expect(await approvals.verifyApprovals('t', 'tk')).toMatchObject({
      ok: false,
      firstBadSeq: 2,
      reason: 'hash_mismatch',
    });
    rows[1] = original;
    rows.pop();
    expect(await approvals.verifyApprovals('t', 'tk')).toEqual({ ok: true });
    expect(await approvals.verifyApprovals('t', 'tk', { head })).toMatchObject({
      ok: false,
      firstBadSeq: 4,
      reason: 'truncated',
    });
  });
});

describe('delegation and chain appends', () => {
  it('default 24x7 UTC calendar; the approver may still decide after hand-over; role seats name the role', async () => {
    const clock = createManualClock('2026-01-10T00:00:00Z'); // a Saturday: 24x7 ignores weekends
    const approvals = createApprovals({ clock, delegateAfter: '2h' });
    const flow = defineApprovalFlow({
      id: 'd',
      steps: [
        {
          group: [
            { approver: 'a', delegate: 'a2' },
            { role: 'finance', delegate: 'f2' },
          ],
          mode: 'all',
        },
      ],
    });
    const { instance } = await approvals.start('t', 'tk', flow, { requester: 'r' });
    await expect(
      approvals.decide(instance.id, { actor: { id: 'a2' }, decision: 'approve' }),
    ).rejects.toMatchObject({ reason: 'not_an_approver' });
    clock.advance({ minutes: 119 });
    expect((await approvals.tick()).delegated).toHaveLength(0);
    clock.advance({ minutes: 1 });
    const t = await approvals.tick();
    expect(t.delegated.map((d) => [d.from, d.to])).toEqual([
      ['a', 'a2'],
      ['role:finance', 'f2'],
    ]);
    // The original approver can still decide the handed-over seat.
    await approvals.decide(instance.id, { actor: { id: 'a' }, decision: 'approve' });
    const done = await approvals.decide(instance.id, { actor: { id: 'f2' }, decision: 'approve' });
    expect(done.instance.state).toBe('approved');
    expect(done.instance.decisions[1]).toMatchObject({ actorId: 'f2', onBehalfOf: 'role:finance' });
    expect(done.events.at(-1)).toMatchObject({ type: 'approval.completed', outcome: 'approved' });
  });

  it('concurrent writers on one ticket never fork its chain', async () => {
    const approvals = createApprovals({ clock: createManualClock() });
    const flow = defineApprovalFlow({ id: 'p', steps: [{ approver: 'boss' }] });
    const started = await Promise.all(
      Array.from({ length: 8 }, () => approvals.start('t', 'tk', flow, { requester: 'r' })),
    );
    await Promise.all(
      started.map(({ instance }) =>
        approvals.decide(instance.id, { actor: { id: 'boss' }, decision: 'approve' }),
      ),
    );
    const recs = await approvals.records('t', 'tk');
    expect(recs.map((r) => r.seq)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    expect(new Set(recs.map((r) => r.prevHash)).size).toBe(24);
    expect(await approvals.verifyApprovals('t', 'tk')).toEqual({ ok: true });
  });
});
