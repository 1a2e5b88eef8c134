/**
 * Approval events to notifications: the approver hears about a request and each nudge (催办),
 * and both the away approver and the delegate hear about a delegation — end to end through the
 * notification outbox and queue into the in-app inbox.
 */
import {
  approvalMessages,
  createApprovals,
  createCalendar,
  createManualClock,
  createNotificationQueue,
  defineApprovalFlow,
  inboxNotifier,
  memoryInbox,
  memoryOutbox,
} from 'ticketkit';
import { describe, expect, it } from 'vitest';

const day = ['09:00-12:00', '13:00-18:00'];
const shanghai = createCalendar({
  timeZone: 'Asia/Shanghai',
  weekly: { mon: day, tue: day, wed: day, thu: day, fri: day },
});

describe('approvalMessages', () => {
  it('tells the approver of a request and each nudge, and both people of a delegation', async () => {
    const clock = createManualClock('2026-01-08T10:00:00+08:00');
    const outbox = memoryOutbox();
    const inbox = memoryInbox({ clock });
    const queue = createNotificationQueue({
      clock,
      store: outbox,
      notifiers: { inbox: inboxNotifier(inbox) },
    });
    const pending: Promise<unknown>[] = [];
    const approvals = createApprovals({
      clock,
      directory: { membersOf: () => [], calendarOf: () => shanghai },
      onEvent: (e) => {
        const messages = approvalMessages(e, {
          channels: ['inbox'],
          user: (id) => ({ id, name: id.toUpperCase() }),
        });
        pending.push(outbox.enqueue(messages, clock.now()));
      },
    });
    const flow = defineApprovalFlow({
      id: 'change',
      steps: [{ name: 'lead', approver: 'lead', delegate: 'deputy' }],
    });
    const { instance } = await approvals.start('acme', 'CR-7', flow, { requester: 'alice' });
    await approvals.nudge(instance.id, { actor: { id: 'alice' } });
    clock.set('2026-01-16T10:00:00+08:00'); // 48 business hours later
    await approvals.tick();
    await Promise.all(pending);
    await queue.tick();

    // The inbox lists newest first; delivery followed the events' order.
    const lead = (await inbox.list('lead')).reverse();
    expect(lead.map((m) => m.subject)).toEqual([
      '[CR-7] Approval requested (step 0)',
      '[CR-7] Reminder: approval pending (step 0)',
      '[CR-7] Approval handed from lead to deputy',
    ]);
    const deputy = await inbox.list('deputy');
    expect(deputy.map((m) => m.subject)).toEqual(['[CR-7] Approval handed from lead to deputy']);
    expect(await inbox.list('alice')).toEqual([]);

    // The same events enqueued again add nothing (ids derive from the event).
    const before = outbox.entries().length;
    const again = await outbox.enqueue(
      outbox.entries().map((e) => e.message),
      clock.now(),
    );
    expect(again).toEqual({ inserted: 0, duplicates: before });
  });

  it('ignores events that notify nobody, and reaches role members through `role`', () => {
    const at = '2026-01-08T02:00:00.000Z';
    const base = { tenantId: 't', ticketId: 'T-1', instanceId: 'i1', at };
    expect(
      approvalMessages(
        { ...base, type: 'approval.completed', outcome: 'approved' },
        { channels: ['inbox'] },
      ),
    ).toEqual([]);
    const msgs = approvalMessages(
      { ...base, type: 'approval.requested', step: 1, notify: { users: ['u1'], roles: ['cab'] } },
      { channels: ['inbox', 'email'], role: () => [{ id: 'c1' }, { id: 'u1' }] },
    );
    expect(msgs.map((m) => `${m.recipient.id}:${m.channel}`)).toEqual([
      'u1:inbox',
      'u1:email',
      'c1:inbox',
      'c1:email',
    ]);
    expect(new Set(msgs.map((m) => m.id)).size).toBe(4);
  });
});
