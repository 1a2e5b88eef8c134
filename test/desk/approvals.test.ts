import {
  createApprovals,
  createManualClock,
  createTicketing,
  defineApprovalFlow,
  defineWorkflow,
  TransitionError,
} from 'ticketkit';
import { describe, expect, it } from 'vitest';

const workflow = defineWorkflow({
  initial: 'draft',
  states: {
    draft: { to: ['in_progress'] },
    in_progress: { to: ['done', 'needs_info'] },
    needs_info: { to: ['in_progress'] },
    done: { terminal: true },
  },
});
const flow = defineApprovalFlow({
  id: 'change-approval',
  gates: { to: 'in_progress' },
  onReject: { moveTo: 'needs_info' },
  steps: [
    { approver: 'lead' },
    { group: [{ approver: 'tech' }, { approver: 'budget' }], mode: 'all' },
  ],
});

function setup() {
  const clock = createManualClock('2026-03-02T01:00:00Z');
  const engine = createApprovals({ clock });
  const desk = createTicketing({ clock, workflow, approvals: { engine, flows: [flow] } });
  return { desk, clock };
}
const requester = { id: 'eng', roles: ['agent'] };

describe('approvals in the desk', () => {
  it('refuses the gated move until the flow is approved', async () => {
    const { desk } = setup();
    const t = await desk.create({ title: 'Upgrade core switch' }, { actor: requester });
    const e = await desk.transition(t.id, 'in_progress', { actor: requester }).catch((x) => x);
    expect(e).toBeInstanceOf(TransitionError);
    expect(e).toMatchObject({ guard: 'approval:change-approval' });
    expect(e.message).toContain('request approval');
    const inst = await desk.approvals.request(t.id, 'change-approval', { actor: requester });
    await desk.approvals.decide(
      inst.id,
      { decision: 'approve' },
      { actor: { id: 'lead', roles: ['supervisor'] } },
    );
    const pending = await desk
      .transition(t.id, 'in_progress', { actor: requester })
      .catch((x) => x);
    expect(pending).toMatchObject({ guard: 'approval:change-approval' });
    expect(pending.message).toContain('is pending');
    await desk.approvals.decide(
      inst.id,
      { decision: 'approve' },
      { actor: { id: 'tech', roles: ['agent'] } },
    );
    await desk.approvals.decide(
      inst.id,
      { decision: 'approve' },
      { actor: { id: 'budget', roles: ['agent'] } },
    );
    expect((await desk.approvals.status(t.id))[0]?.state).toBe('approved');
    expect((await desk.transition(t.id, 'in_progress', { actor: requester })).status).toBe(
      'in_progress',
    );
  });

  it('moves the ticket where the flow says on a rejection', async () => {
    const { desk } = setup();
    const t = await desk.create({ title: 'Budget change' }, { actor: requester });
    const first = await desk.approvals.request(t.id, 'change-approval', { actor: requester });
    await desk.approvals.decide(
      first.id,
      { decision: 'approve' },
      { actor: { id: 'lead', roles: [] } },
    );
    for (const who of ['tech', 'budget']) {
      await desk.approvals.decide(
        first.id,
        { decision: 'approve' },
        { actor: { id: who, roles: [] } },
      );
    }
    await desk.transition(t.id, 'in_progress', { actor: requester });
    // A second round for more work is rejected at level 2: the ticket goes to needs_info.
    const second = await desk.approvals.request(t.id, 'change-approval', { actor: requester });
    await desk.approvals.decide(
      second.id,
      { decision: 'approve' },
      { actor: { id: 'lead', roles: [] } },
    );
    const done = await desk.approvals.decide(
      second.id,
      { decision: 'reject', comment: 'over budget' },
      {
        actor: { id: 'budget', roles: [] },
      },
    );
    expect(done.state).toBe('rejected');
    const after = (await desk.get(t.id))!;
    expect(after.status).toBe('needs_info');
    const last = (await desk.history(t.id)).at(-1)!;
    expect(last.actor.id).toBe('system:approvals');
    expect(last.meta?.approval).toMatchObject({ instanceId: second.id, state: 'rejected' });
  });

  it('keeps instances of other tenants out of reach', async () => {
    const { desk } = setup();
    const t = await desk.create({ title: 'x' }, { actor: { ...requester, tenantId: 'A' } });
    const inst = await desk.approvals.request(t.id, 'change-approval', {
      actor: { ...requester, tenantId: 'A' },
    });
    await expect(
      desk.approvals.decide(
        inst.id,
        { decision: 'approve' },
        { actor: { id: 'lead', roles: [], tenantId: 'B' } },
      ),
    ).rejects.toMatchObject({ code: 'not_found' });
  });
});
