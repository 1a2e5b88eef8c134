import {
  calendar24x7,
  createManualClock,
  createNotificationQueue,
  createTicketing,
  defineRouting,
  defineSlaPolicy,
  inboxNotifier,
  memoryInbox,
  memoryOutbox,
  memoryStore,
  type Notifier,
  type RecipientDirectory,
  routeToOutbox,
  type TicketkitEvent,
  type TicketStore,
} from 'ticketkit';
import { describe, expect, it } from 'vitest';

const agent = { id: 'li', roles: ['agent'] };
const T0 = '2026-05-04T01:00:00Z';

const directory: RecipientDirectory = {
  resolve: (to, event) =>
    to === 'assignee' && event.ticket.assignee ? [{ id: event.ticket.assignee }] : [],
  canRead: () => true,
};

describe('desk.outbox: the transactional event outbox', () => {
  it('refuses outbox: true on a store without an event outbox, naming the option', () => {
    const base = memoryStore();
    const { eventOutbox: _drop, ...rest } = base;
    const store: TicketStore = { ...rest, name: 'custom' };
    expect(() => createTicketing({ store, outbox: true })).toThrow(
      /custom store has no event outbox/,
    );
  });

  it('refuses relay() when the desk does not write the outbox', async () => {
    const desk = createTicketing({ store: memoryStore() });
    await expect(desk.outbox.relay(() => {})).rejects.toThrow(/create it with \{ outbox: true \}/);
  });

  it('stores SLA firings with their commit, and relays them after the change that caused them', async () => {
    const clock = createManualClock(T0);
    const desk = createTicketing({
      clock,
      outbox: true,
      sla: {
        policies: [
          defineSlaPolicy({
            id: 'p',
            calendar: calendar24x7(),
            targets: { firstResponse: 60 },
            warnAt: [0.5],
            escalations: [
              {
                name: 'lead',
                metric: 'firstResponse',
                at: 'breach',
                actions: [{ notify: 'lead' }],
              },
            ],
          }),
        ],
        autoTick: false,
      },
    });
    const t = await desk.create({ title: 'slow' }, { actor: agent });
    clock.advance(31 * 60_000);
    await desk.sla.tick();
    clock.advance(30 * 60_000);
    await desk.sla.tick();
    const seen: string[] = [];
    await desk.outbox.relay((e) => {
      seen.push(e.type);
    });
    expect(seen).toEqual(['ticket.created', 'sla.warning', 'sla.breached', 'sla.escalated']);
    const history = await desk.history(t.id, { actor: agent });
    expect(history.filter((h) => h.action === 'sla')).toHaveLength(2);
  });

  it('retries a failed handler later; the ticket waits, other tickets go on; nothing lost or doubled', async () => {
    const clock = createManualClock(T0);
    const desk = createTicketing({ clock, outbox: true });
    const a = await desk.create({ title: 'a' }, { actor: agent });
    await desk.create({ title: 'b' }, { actor: agent });
    await desk.assign(a.id, 'li', { actor: agent });
    let failA = true;
    const got: string[] = [];
    const handler = (e: TicketkitEvent) => {
      if (e.ticketId === a.id && failA) throw new Error('receiver down');
      got.push(`${e.ticketId === a.id ? 'a' : 'b'}:${e.type}`);
    };
    expect(await desk.outbox.relay(handler)).toEqual({ delivered: 1, failed: 1 });
    expect(got).toEqual(['b:ticket.created']);
    // Not due again before the retry delay (1 s after the first failure).
    expect(await desk.outbox.relay(handler)).toEqual({ delivered: 0, failed: 0 });
    failA = false;
    clock.advance(1000);
    expect(await desk.outbox.relay(handler)).toEqual({ delivered: 2, failed: 0 });
    expect(got).toEqual(['b:ticket.created', 'a:ticket.created', 'a:ticket.assigned']);
    expect(await desk.outbox.pending()).toBe(0);
  });

  it('two relays sharing the store hand each event out once', async () => {
    const clock = createManualClock(T0);
    const store = memoryStore();
    const desk = createTicketing({ clock, store, outbox: true });
    const other = createTicketing({ clock, store, outbox: true });
    for (let i = 0; i < 50; i++) {
      const t = await desk.create({ title: `t${i}` }, { actor: agent });
      await desk.assign(t.id, 'li', { actor: agent });
    }
    const seen: string[] = [];
    const handler = (_e: TicketkitEvent, m: { id: string }) => {
      seen.push(m.id);
    };
    for (let round = 0; round < 4; round++) {
      await Promise.all([
        desk.outbox.relay(handler, { limit: 30 }),
        other.outbox.relay(handler, { limit: 30 }),
      ]);
    }
    expect(seen).toHaveLength(100);
    expect(new Set(seen).size).toBe(100);
  });

  it('routes events to notification messages exactly once, even when relayed twice', async () => {
    const clock = createManualClock(T0);
    const store = memoryStore();
    const desk = createTicketing({ clock, store, outbox: true });
    const routing = defineRouting([
      { name: 'assigned', on: 'ticket.assigned', to: 'assignee', channels: ['inbox'] },
    ]);
    const outbox = memoryOutbox();
    const inbox = memoryInbox({ clock });
    const sent: string[] = [];
    const inboxChannel = inboxNotifier(inbox);
    const counting: Notifier = {
      name: 'inbox',
      async send(m, ctx) {
        sent.push(m.id);
        return inboxChannel.send(m, ctx);
      },
    };
    const queue = createNotificationQueue({ notifiers: { inbox: counting }, clock, store: outbox });
    const route = routeToOutbox({ routing, directory, outbox });
    const t = await desk.create({ title: 'printer' }, { actor: agent });
    await desk.assign(t.id, 'wang', { actor: agent });
    // A relay that crashes after routing, before marking delivered: its lease expires and the
    // event is relayed again; the message id is the same, so the outbox keeps one.
    await desk.outbox.relay(
      async (e, m) => {
        await route(e, m);
        if (e.type === 'ticket.assigned') throw new Error('crash after enqueue');
      },
      { retryDelay: () => 0 },
    );
    await desk.outbox.relay(route);
    expect(outbox.entries()).toHaveLength(1);
    await queue.tick();
    expect(sent).toHaveLength(1);
    const unread = await inbox.list('wang', { unreadOnly: true });
    expect(unread).toHaveLength(1);
  });
});
