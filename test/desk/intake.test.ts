import { createManualClock, createTicketing, defineRules } from 'ticketkit';
import { describe, expect, it } from 'vitest';

// Intake runs as the app's integration account; the sender becomes the ticket's requester.
const customer = { id: 'mail-gateway', roles: ['agent'] };
const agent = { id: 'agent-1', roles: ['agent'] };
const email = (over: Record<string, unknown> = {}) => ({
  channel: 'email',
  messageId: '<abc-1@mail.example.com>',
  from: { address: 'wang@example.com', name: 'Wang' },
  subject: '打印机无法打印',
  html: '<p>三楼打印机<b>卡纸</b></p><script>alert(1)</script>',
  ...over,
});

describe('desk.intake', () => {
  it('creates one ticket for a message delivered five times (I5)', async () => {
    const desk = createTicketing();
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await desk.intake(email(), { actor: customer }));
    expect(new Set(results.map((r) => r.ticket.id)).size).toBe(1);
    expect(results[0]).toMatchObject({ kind: 'created', dedupKey: 'email:abc-1@mail.example.com' });
    const t = results[0]!.ticket;
    expect(t.channel).toBe('email');
    expect(t.description).toContain('卡纸');
    expect(t.description).not.toContain('<');
    expect((await desk.list()).items).toHaveLength(1);
  });

  it('threads a reply by In-Reply-To into a comment and moves a waiting ticket back to work', async () => {
    const clock = createManualClock('2026-03-02T01:00:00Z');
    const desk = createTicketing({ clock });
    const created = await desk.intake(email(), { actor: customer });
    await desk.transition(created.ticket.id, 'in_progress', { actor: agent });
    await desk.transition(created.ticket.id, 'awaiting_feedback', { actor: agent });
    const reply = email({
      messageId: '<abc-2@mail.example.com>',
      inReplyTo: '<ABC-1@mail.example.com>',
      subject: 'Re: 打印机无法打印',
      html: undefined,
      text: '是二号纸盒\n\n> 请问是哪个纸盒？',
    });
    const r = await desk.intake(reply, { actor: customer });
    expect(r.kind).toBe('commented');
    expect(r.ticket.status).toBe('in_progress');
    if (r.kind === 'commented') expect(r.comment.body).toBe('是二号纸盒');
    const again = await desk.intake(reply, { actor: customer });
    expect(again.kind).toBe('commented');
    expect(await desk.comments(created.ticket.id)).toHaveLength(1);
  });

  it('creates a ticket from a reply whose ticket is unknown', async () => {
    const desk = createTicketing();
    const r = await desk.intake(email({ subject: 'Re: [#TK-404] 旧问题', messageId: '<x@y>' }), {
      actor: customer,
    });
    expect(r.kind).toBe('created');
  });

  it('fills category and priority from a classifier, and reads other channels', async () => {
    const desk = createTicketing();
    const classifier = defineRules([
      {
        name: 'printer',
        when: { any: ['打印机'] },
        set: { category: 'hardware', priority: 'high' },
      },
    ]);
    const r = await desk.intake(email(), { actor: customer, classifier });
    expect(r.ticket).toMatchObject({ category: 'hardware', priority: 'high' });
    const chat = await desk.intake(
      {
        channel: 'wechat',
        msgId: 'm-1',
        openId: 'o-1',
        content: '网络断了\n整层楼都上不了网',
        msgType: 'text',
        createTime: 1767225600,
      },
      { actor: customer },
    );
    expect(chat.ticket.title).toBe('网络断了');
    await expect(desk.intake({ channel: 'fax' }, { actor: customer })).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });
});
