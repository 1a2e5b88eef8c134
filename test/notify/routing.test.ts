import {
  createCalendar,
  defineRouting,
  isTicketkitError,
  renderTemplate,
  type TicketkitEvent,
  textToHtml,
  ValidationError,
} from 'ticketkit';
import { describe, expect, it } from 'vitest';
import { assignedEvent, makeDirectory, makeTicket } from './_fixtures';

const day = ['09:00-18:00'];
const shanghai = createCalendar({
  timeZone: 'Asia/Shanghai',
  weekly: { mon: day, tue: day, wed: day, thu: day, fri: day },
});

describe('defineRouting validation', () => {
  it('lists every problem at once', () => {
    try {
      defineRouting([
        { name: 'a', on: 'ticket.nope' as never, to: 'assignee', channels: ['email'] },
        { name: 'a', on: 'ticket.created', to: 'nobody' as never, channels: [] },
      ]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      const codes = (e as ValidationError).issues.map((i) => i.code).sort();
      expect(codes).toEqual(['duplicate', 'invalid_enum', 'invalid_enum', 'required']);
      expect(isTicketkitError(e) && e.code).toBe('validation_failed');
    }
  });
});

describe('route', () => {
  it('produces one message per recipient and channel with stable ids and the ticket version as sequence', async () => {
    const routing = defineRouting([
      {
        name: 'assigned',
        on: 'ticket.assigned',
        to: ['assignee', 'team'],
        channels: ['email', 'inbox'],
      },
    ]);
    const { directory } = makeDirectory({ alice: { address: 'alice@example.com', name: 'Alice' } });
    const event = assignedEvent();
    const messages = await routing.route(event, directory);
    // alice (assignee, also in team), bob, carol; x 2 channels
    expect(messages.map((m) => m.id).sort()).toEqual(
      [
        't1/tk_1/ticket.assigned/v2:alice:email',
        't1/tk_1/ticket.assigned/v2:alice:inbox',
        't1/tk_1/ticket.assigned/v2:bob:email',
        't1/tk_1/ticket.assigned/v2:bob:inbox',
        't1/tk_1/ticket.assigned/v2:carol:email',
        't1/tk_1/ticket.assigned/v2:carol:inbox',
      ].sort(),
    );
    const alice = messages.find((m) => m.id.endsWith('alice:email'))!;
    expect(alice.recipient).toEqual({ id: 'alice', address: 'alice@example.com', name: 'Alice' });
    expect(alice.subject).toBe('[tk_1] Assigned to alice: Printer on fire');
    expect(alice.sequence).toBe(2);
    expect(alice.tenantId).toBe('t1');
    // routing twice gives the same ids (the outbox dedups on them)
    expect((await routing.route(event, directory)).map((m) => m.id)).toEqual(
      messages.map((m) => m.id),
    );
    // an explicit event id wins
    const explicit = await routing.route(event, directory, { eventId: 'ob_42', sequence: 9 });
    expect(explicit[0]!.id).toMatch(/^ob_42:/);
    expect(explicit[0]!.sequence).toBe(9);
  });

  it('keeps custom fields and secret-looking keys out of data', async () => {
    const routing = defineRouting([
      {
        name: 'r',
        on: 'ticket.assigned',
        to: 'assignee',
        channels: ['webhook'],
        data: () => ({ site: 'HQ', password: 'hunter2', nested: { apiKey: 'k' } }),
      },
    ]);
    const [m] = await routing.route(assignedEvent(), makeDirectory().directory);
    const json = JSON.stringify(m);
    expect(json).not.toContain('CUSTOM-CANARY');
    expect(json).not.toContain('hunter2');
    expect(json).not.toContain('apiKey');
    expect(m!.data.site).toBe('HQ');
  });

  it('honours when(), skips the actor, and never sends internal comments to the requester', async () => {
    const routing = defineRouting([
      {
        name: 'high only',
        on: 'ticket.assigned',
        to: 'assignee',
        channels: ['inbox'],
        when: (e) => e.ticket.priority === 'urgent',
      },
      {
        name: 'comments',
        on: 'ticket.commented',
        to: ['requester', 'assignee'],
        channels: ['email'],
      },
    ]);
    const { directory } = makeDirectory();
    expect(await routing.route(assignedEvent(), directory)).toEqual([]);
    const ticket = makeTicket();
    const comment = (visibility: 'public' | 'internal', author = 'bob'): TicketkitEvent => ({
      type: 'ticket.commented',
      tenantId: 't1',
      ticketId: ticket.id,
      actor: { id: author, roles: ['agent'] },
      at: '2026-01-05T02:00:00.000Z',
      ticket,
      comment: {
        id: `c_${visibility}`,
        tenantId: 't1',
        ticketId: ticket.id,
        author,
        body: 'hello',
        visibility,
        mentions: [],
        createdAt: '2026-01-05T02:00:00.000Z',
      },
    });
    const pub = await routing.plan(comment('public'), directory);
    expect(pub.messages.map((m) => m.recipient.id).sort()).toEqual(['alice', 'req']);
    const internal = await routing.plan(comment('internal'), directory);
    expect(internal.messages.map((m) => m.recipient.id)).toEqual(['alice']);
    expect(internal.skipped).toEqual([
      { rule: 'comments', recipientId: 'req', reason: 'internal_comment' },
    ]);
    const byAlice = await routing.plan(comment('public', 'alice'), directory);
    expect(byAlice.skipped).toContainEqual({
      rule: 'comments',
      recipientId: 'alice',
      reason: 'is_actor',
    });
  });

  it('checks read access when routing (substitutes and watchers included)', async () => {
    const routing = defineRouting([
      { name: 'watch', on: 'ticket.assigned', to: 'watchers', channels: ['inbox'] },
    ]);
    const { directory } = makeDirectory();
    directory.revoke('substitute1');
    const plan = await routing.plan(assignedEvent(), directory);
    expect(plan.messages.map((m) => m.recipient.id)).toEqual(['watcher1']);
    expect(plan.skipped).toEqual([
      { rule: 'watch', recipientId: 'substitute1', reason: 'no_read_access' },
    ]);
  });

  it('expands escalation targets to the roles of an sla.escalated event', async () => {
    const routing = defineRouting([
      { name: 'esc', on: 'sla.escalated', to: 'escalation', channels: ['inbox'], urgent: true },
    ]);
    const ticket = makeTicket();
    const event: TicketkitEvent = {
      type: 'sla.escalated',
      tenantId: 't1',
      ticketId: ticket.id,
      actor: { id: 'system', roles: [] },
      at: '2026-01-05T02:00:00.000Z',
      ticket,
      metric: 'resolution' as never,
      rule: 'l1',
      level: 1,
      actions: [],
      notify: ['supervisor', 'manager'],
    };
    const messages = await routing.route(event, makeDirectory().directory);
    expect(messages.map((m) => m.recipient.id)).toEqual(['supervisor-1', 'manager-1']);
    expect(messages[0]!.subject).toBe('[tk_1] Escalated (level 1): Printer on fire');
  });
});

describe('quiet hours', () => {
  const rules = defineRouting(
    [
      { name: 'normal', on: 'ticket.assigned', to: 'assignee', channels: ['email'] },
      {
        name: 'urgent',
        on: 'ticket.assigned',
        to: 'assignee',
        channels: ['sms'],
        urgent: (e) => e.ticket.priority === 'urgent',
      },
    ],
    { quietHours: shanghai },
  );
  const { directory } = makeDirectory();

  it('defers non-urgent messages to the next open instant and sends urgent ones now', async () => {
    // Friday 2026-01-09 20:00 in Shanghai: closed until Monday 09:00.
    const at = '2026-01-09T12:00:00.000Z';
    const messages = await rules.route(assignedEvent({ priority: 'urgent' }), directory, {
      now: new Date(at),
    });
    const email = messages.find((m) => m.channel === 'email')!;
    const sms = messages.find((m) => m.channel === 'sms')!;
    expect(email.notBefore).toBe('2026-01-12T01:00:00.000Z');
    expect(email.urgent).toBe(false);
    expect(sms.notBefore).toBeUndefined();
    expect(sms.urgent).toBe(true);
  });

  it('sends immediately inside open hours', async () => {
    const messages = await rules.route(assignedEvent({}, '2026-01-05T02:00:00.000Z'), directory);
    expect(messages.every((m) => m.notBefore === undefined)).toBe(true);
  });

  it('scans forward when the calendar has no nextOpen', async () => {
    const routing = defineRouting(
      [{ name: 'r', on: 'ticket.assigned', to: 'assignee', channels: ['email'] }],
      { quietHours: { isOpen: (d) => d.getUTCHours() >= 1 && d.getUTCHours() < 10 } },
    );
    const [m] = await routing.route(assignedEvent({}, '2026-01-05T12:34:56.000Z'), directory);
    expect(m!.notBefore).toBe('2026-01-06T01:00:00.000Z');
  });
});

describe('templates', () => {
  it('escapes values in HTML bodies, not in text, and never evaluates', () => {
    const ctx = { ticket: { title: '<img src=x onerror=alert(1)> & "q"' } };
    expect(renderTemplate('<h1>{{ticket.title}}</h1>', ctx, { escape: 'html' })).toBe(
      '<h1>&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot;</h1>',
    );
    expect(renderTemplate('{{ ticket.title }}', ctx)).toBe(ctx.ticket.title);
    expect(renderTemplate('{{constructor.constructor}}{{__proto__}}{{ticket.toString}}', ctx)).toBe(
      '',
    );
    expect(renderTemplate('{{ process.exit() }}{{missing.path}}', ctx)).toBe(
      '{{ process.exit() }}',
    );
    expect(textToHtml('a <b>\nc\n\nd')).toBe('<p>a &lt;b&gt;<br>\nc</p>\n<p>d</p>');
  });

  it('renders rule HTML templates with escaping', async () => {
    const routing = defineRouting([
      {
        name: 'r',
        on: 'ticket.assigned',
        to: 'assignee',
        channels: ['email'],
        template: { html: '<p>{{ticket.title}} for {{recipient.name}}</p>' },
      },
    ]);
    const [m] = await routing.route(
      assignedEvent({ title: '<script>alert(1)</script>' }),
      makeDirectory({ alice: { name: 'Al<i>ce' } }).directory,
    );
    expect(m!.html).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt; for Al&lt;i&gt;ce</p>');
    expect(m!.subject).toContain('<script>'); // plain text stays plain
  });
});
