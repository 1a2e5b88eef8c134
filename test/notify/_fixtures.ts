import type {
  DeliveryResult,
  NotificationMessage,
  Notifier,
  Recipient,
  RecipientDirectory,
  RecipientTarget,
  Ticket,
  TicketkitEvent,
} from 'ticketkit';

export function makeTicket(over: Partial<Ticket> = {}): Ticket {
  return {
    id: 'tk_1',
    tenantId: 't1',
    title: 'Printer on fire',
    description: 'Smoke from tray 2',
    priority: 'high',
    risk: null,
    category: null,
    tags: [],
    channel: 'web',
    requester: 'req',
    assignee: 'alice',
    team: 'ops',
    status: 'in_progress',
    parentId: null,
    externalRefs: {},
    location: null,
    custom: { apiToken: 'CUSTOM-CANARY', note: 'internal' },
    createdAt: '2026-01-05T01:00:00.000Z',
    updatedAt: '2026-01-05T01:00:00.000Z',
    version: 2,
    reopenCount: 0,
    sla: null,
    ...over,
  };
}

export function assignedEvent(over: Partial<Ticket> = {}, at = '2026-01-05T02:00:00.000Z') {
  const ticket = makeTicket(over);
  return {
    type: 'ticket.assigned',
    tenantId: ticket.tenantId,
    ticketId: ticket.id,
    actor: { id: 'boss', roles: ['supervisor'] },
    at,
    ticket,
    from: null,
    to: ticket.assignee,
  } as const satisfies TicketkitEvent;
}

/** A directory backed by plain maps; `revoke(id)` takes read access away. */
export function makeDirectory(users: Record<string, Omit<Recipient, 'id'>> = {}) {
  const denied = new Set<string>();
  const calls = { canRead: 0 };
  const people = (ids: readonly (string | null | undefined)[]): Recipient[] =>
    ids.filter((x): x is string => !!x).map((id) => ({ id, ...(users[id] ?? {}) }));
  const directory: RecipientDirectory & { revoke(id: string): void; restore(id: string): void } = {
    resolve(to: RecipientTarget, event: TicketkitEvent) {
      const t = event.ticket;
      if (to === 'assignee') return people([t.assignee]);
      if (to === 'requester') return people([t.requester]);
      if (to === 'supervisors') return people(['sup1', 'sup2']);
      if (to === 'team') return people(['alice', 'bob', 'carol']);
      if (to === 'watchers') return people(['watcher1', 'substitute1']);
      if (to === 'escalation') return [];
      if ('role' in to) return people([`${to.role}-1`]);
      return people(to.users);
    },
    canRead(id) {
      calls.canRead++;
      return !denied.has(id);
    },
    revoke: (id) => denied.add(id),
    restore: (id) => denied.delete(id),
  };
  return { directory, calls };
}

/** A scripted notifier: `script(message, attempt)` decides each result; every call is recorded. */
export function scriptedNotifier(
  script: (m: NotificationMessage, attempt: number) => DeliveryResult = () => ({ ok: true }),
  name = 'fake',
) {
  const calls: { id: string; attempt: number; ticketId: string; sequence: number }[] = [];
  const notifier: Notifier = {
    name,
    async send(m, ctx) {
      calls.push({ id: m.id, attempt: ctx.attempt, ticketId: m.ticketId, sequence: m.sequence });
      return script(m, ctx.attempt);
    },
  };
  return { notifier, calls };
}

let n = 0;
export function msg(over: Partial<NotificationMessage> = {}): NotificationMessage {
  n++;
  return {
    id: `m${n}`,
    eventId: `e${n}`,
    type: 'ticket.assigned',
    rule: 'r',
    channel: 'fake',
    recipient: { id: 'alice', address: 'alice@example.com' },
    subject: `s${n}`,
    text: `t${n}`,
    data: {},
    tenantId: 't1',
    ticketId: `tk_${n}`,
    sequence: 1,
    urgent: false,
    createdAt: '2026-01-05T01:00:00.000Z',
    ...over,
  };
}
