import { describe, expect, it } from 'vitest';
import { type ApprovalEvent, createApprovals, defineApprovalFlow } from '../../src/approvals/index';
import { createManualClock } from '../../src/clock/index';
import { createCalendar } from '../../src/sla/index';

const day = ['09:00-12:00', '13:00-18:00'];
const shanghai = createCalendar({
  timeZone: 'Asia/Shanghai',
  weekly: { mon: day, tue: day, wed: day, thu: day, fri: day },
});

describe('change request with a two-level approval', () => {
  it('delegates an away approver after 48 business hours, limits nudges, reports onReject', async () => {
    // Thursday 2026-01-08 10:00 in Shanghai.
    const clock = createManualClock('2026-01-08T10:00:00+08:00');
    const events: ApprovalEvent[] = [];
    const approvals = createApprovals({
      clock,
      directory: {
        membersOf: (role) => (role === 'cab' ? ['cab-1', 'cab-2'] : []),
        calendarOf: () => shanghai,
      },
      onEvent: (e) => events.push(e),
    });
    const flow = defineApprovalFlow({
      id: 'change-request',
      steps: [
        { name: 'team lead', approver: 'lead', delegate: 'deputy' },
        { name: 'CAB', group: [{ role: 'cab' }, { approver: 'cto' }], mode: 'all' },
      ],
      gates: { to: 'in_progress' },
      onReject: { moveTo: 'needs_info' },
    });
    const { instance } = await approvals.start('acme', 'CR-42', flow, { requester: 'alice' });

    // Nudge level 1 once; a second nudge within 4 h is refused with the next allowed time.
    expect((await approvals.nudge(instance.id, { actor: { id: 'alice' } })).nudges).toBe(1);
    clock.advance({ hours: 1 });
    await expect(approvals.nudge(instance.id, { actor: { id: 'alice' } })).rejects.toMatchObject({
      reason: 'nudge_rate_limited',
      retryAt: '2026-01-08T06:00:00.000Z',
    });

    // 48 business hours from Thu 10:00 = 7 h Thu + 8 h x 5 (Fri, Mon-Thu) + 1 h: Fri 16th 10:00,
    // with a weekend in between (24x7 would have been Sat 10th 10:00).
    clock.set('2026-01-16T09:59:00+08:00');
    expect((await approvals.tick()).delegated).toEqual([]);
    clock.set('2026-01-16T10:00:00+08:00');
    const tick = await approvals.tick();
    expect(tick.delegated).toEqual([
      {
        instanceId: instance.id,
        tenantId: 'acme',
        ticketId: 'CR-42',
        step: 0,
        from: 'lead',
        to: 'deputy',
      },
    ]);
    expect(tick.events[0]).toMatchObject({
      type: 'approval.delegated',
      from: 'lead',
      to: 'deputy',
    });
    // Once per step.
    clock.advance({ days: 3 });
    expect((await approvals.tick()).delegated).toEqual([]);

    // The delegate decides on the lead's behalf; level 2 starts and is notified.
    const d1 = await approvals.decide(instance.id, {
      actor: { id: 'deputy' },
      decision: 'approve',
      comment: 'covering for lead',
    });
    expect(d1.instance.decisions[0]).toMatchObject({ actorId: 'deputy', onBehalfOf: 'lead' });
    expect(d1.instance.currentStep).toBe(1);
    expect(d1.events.map((e) => e.type)).toEqual(['approval.decided', 'approval.requested']);
    expect(d1.events[1]).toMatchObject({ step: 1, notify: { users: ['cab-1', 'cab-2', 'cto'] } });

    // Nudges count per step: level 2 starts from zero, and is again rate-limited.
    const n2 = await approvals.nudge(instance.id, { actor: { id: 'alice' } });
    expect(n2).toMatchObject({ nudges: 1, notify: { users: ['cab-1', 'cab-2', 'cto'] } });
    await expect(approvals.nudge(instance.id, { actor: { id: 'alice' } })).rejects.toMatchObject({
      reason: 'nudge_rate_limited',
    });
    clock.advance({ hours: 4 });
    expect((await approvals.nudge(instance.id, { actor: { id: 'alice' } })).nudges).toBe(2);
    expect((await approvals.get(instance.id)).steps.map((s) => s.nudges)).toEqual([1, 2]);

    // A CAB member approves, the CTO rejects: the ticket goes where onReject says.
    await approvals.decide(instance.id, { actor: { id: 'cab-2' }, decision: 'approve' });
    const rej = await approvals.decide(instance.id, {
      actor: { id: 'cto', roles: ['exec'] },
      decision: 'reject',
      comment: 'rollback plan missing',
    });
    expect(rej.instance.state).toBe('rejected');
    expect(rej.events.at(-1)).toMatchObject({
      type: 'approval.completed',
      outcome: 'rejected',
      moveTo: 'needs_info',
      gates: { to: 'in_progress' },
    });

    // The whole story is on the chain, and verifies against an exported head.
    const records = await approvals.records('acme', 'CR-42');
    expect(records.map((r) => r.type)).toEqual([
      'start',
      'nudge',
      'delegation',
      'decision',
      'nudge',
      'nudge',
      'decision',
      'decision',
      'outcome',
    ]);
    expect(records[2]).toMatchObject({
      actor: 'system',
      at: '2026-01-16T02:00:00.000Z',
      data: { from: 'lead', to: 'deputy', dueAt: '2026-01-16T02:00:00.000Z' },
    });
    const head = await approvals.exportHead('acme', 'CR-42');
    expect(await approvals.verifyApprovals('acme', 'CR-42', { head })).toEqual({ ok: true });
    expect(events.map((e) => e.type)).toContain('approval.completed');
  });
});
