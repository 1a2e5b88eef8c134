import {
  consoleNotifier,
  createManualClock,
  createNotificationQueue,
  defineRouting,
  inboxNotifier,
  memoryInbox,
} from 'ticketkit';
import { describe, expect, it } from 'vitest';
import { conformanceMessage, runNotifierConformance } from '../conformance/notifier';
import { assignedEvent, makeDirectory } from './_fixtures';

{
  const inbox = memoryInbox();
  const users = new Set<string>();
  let seen: { id: string; accepted: boolean }[] = [];
  runNotifierConformance({
    name: 'inbox (memoryInbox)',
    create: () => {
      const inner = inboxNotifier(inbox);
      return {
        name: inner.name,
        async send(m, ctx) {
          users.add(m.recipient.id);
          const before = await inbox.unreadCount(m.recipient.id);
          const r = await inner.send(m, ctx);
          const after = await inbox.unreadCount(m.recipient.id);
          // the receiver-visible id is the inbox entry id; a repeated add is seen, not stored twice
          seen.push({ id: m.id, accepted: r.ok });
          if (after - before > 1) throw new Error('stored twice');
          return r;
        },
      };
    },
    receiver: {
      seen: () => seen,
      reset: () => {
        seen = [];
      },
    },
  });
}

{
  const lines: string[] = [];
  runNotifierConformance({
    name: 'console',
    create: () => consoleNotifier({ log: (l) => lines.push(l) }),
    receiver: {
      seen: () =>
        lines.map((l) => ({ id: /\(id (.+), attempt \d+\)$/.exec(l)![1]!, accepted: true })),
      reset: () => {
        lines.length = 0;
      },
    },
  });
}

describe('memoryInbox', () => {
  it('tracks unread and read per user, newest first, idempotent by message id', async () => {
    const clock = createManualClock();
    const inbox = memoryInbox({ clock });
    const routing = defineRouting([
      { name: 'team', on: 'ticket.assigned', to: 'team', channels: ['inbox'], includeActor: true },
    ]);
    const queue = createNotificationQueue({ notifiers: { inbox: inboxNotifier(inbox) }, clock });
    const { directory } = makeDirectory();
    const e1 = assignedEvent({ id: 'tk_1', version: 2 }, '2026-01-05T02:00:00.000Z');
    const e2 = assignedEvent({ id: 'tk_2', version: 5 }, '2026-01-05T03:00:00.000Z');
    await queue.enqueue(await routing.route(e1, directory));
    await queue.enqueue(await routing.route(e2, directory));
    await queue.enqueue(await routing.route(e1, directory)); // replay: no new entries
    await queue.tick();
    expect(await inbox.unreadCount('alice')).toBe(2);
    const list = await inbox.list('alice');
    expect(list.map((e) => e.ticketId)).toEqual(['tk_2', 'tk_1']);
    expect(list[0]).toMatchObject({ userId: 'alice', readAt: null, type: 'ticket.assigned' });
    expect(await inbox.markRead('alice', [list[1]!.id, 'unknown'])).toBe(1);
    expect(await inbox.markRead('alice', [list[1]!.id])).toBe(0);
    expect((await inbox.list('alice', { unreadOnly: true })).map((e) => e.ticketId)).toEqual([
      'tk_2',
    ]);
    expect(await inbox.unreadCount('alice')).toBe(1);
    expect(await inbox.unreadCount('bob')).toBe(2);
    clock.advance(60_000);
    expect(await inbox.markRead('bob', 'all')).toBe(2);
    expect(await inbox.unreadCount('bob')).toBe(0);
    expect((await inbox.list('bob'))[0]!.readAt).toBe(clock.now().toISOString());
    expect(await inbox.list('nobody')).toEqual([]);
    expect(await inbox.markRead('nobody', 'all')).toBe(0);
    expect(await inbox.list('alice', { tenantId: 'other' })).toEqual([]);
    expect(await inbox.list('alice', { limit: 1 })).toHaveLength(1);
  });

  it('inboxNotifier keeps one entry when a delivery is retried', async () => {
    const inbox = memoryInbox();
    const n = inboxNotifier(inbox);
    const m = conformanceMessage();
    await n.send(m, { attempt: 1 });
    await n.send(m, { attempt: 2 });
    expect(await inbox.unreadCount(m.recipient.id)).toBe(1);
  });
});

describe('consoleNotifier', () => {
  it('prints channel, recipient and subject, never the body or data', async () => {
    const lines: string[] = [];
    const n = consoleNotifier({ log: (l) => lines.push(l) });
    await n.send(conformanceMessage({ text: 'BODY-SECRET', data: { token: 'DATA' } }), {
      attempt: 1,
    });
    expect(lines[0]).toMatch(/^\[ticketkit notify\] test → user_\d+: Ticket/);
    expect(lines.join()).not.toContain('BODY-SECRET');
    expect(lines.join()).not.toContain('DATA');
  });
});
