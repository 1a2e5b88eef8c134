import { describe, expect, it } from 'vitest';
import {
  extractTicketNumbers,
  type IntakeMessage,
  type IntakeReply,
  normalizeIntake,
  stripQuotedReply,
  stripReplyPrefixes,
} from '../../src/intake/index';
import { TicketDraftSchema } from '../../src/ticket/index';

const email = (over: Record<string, unknown> = {}) =>
  ({
    channel: 'email',
    messageId: '<reply-1@mail.example.com>',
    from: { address: 'ann@example.com' },
    subject: 'Re: Printer broken',
    text: 'Still broken.\n\nOn Mon, Jan 5, 2026 at 9:00 AM Desk <desk@example.com> wrote:\n> Have you tried turning it off?\n',
    ...over,
  }) as IntakeMessage;

// Message-IDs of notifications the app sent, mapped to tickets.
const sent = new Map([
  ['notif-1@desk.example.com', 'tk_1'],
  ['notif-2@desk.example.com', 'tk_2'],
]);
const lookupMessageId = (id: string) => sent.get(id);

describe('threading', () => {
  it('In-Reply-To mapped by the app → reply', () => {
    const r = normalizeIntake(email({ inReplyTo: '<NOTIF-1@desk.example.com>' }), {
      lookupMessageId,
    });
    expect(r).toMatchObject({
      kind: 'reply',
      ticketRef: 'tk_1',
      matchedBy: 'in-reply-to',
      comment: { body: 'Still broken.', visibility: 'public' },
      dedupKey: 'email:reply-1@mail.example.com',
    });
  });

  it('References: the newest mapped id wins', () => {
    const r = normalizeIntake(
      email({
        inReplyTo: '<unknown@x>',
        references: ['<root@x> <notif-1@desk.example.com>', '<notif-2@desk.example.com>'],
      }),
      { lookupMessageId },
    );
    expect(r).toMatchObject({ kind: 'reply', ticketRef: 'tk_2', matchedBy: 'references' });
  });

  it('unmapped ids and no number → new ticket with the prefix stripped', () => {
    const r = normalizeIntake(email({ inReplyTo: '<unknown@x>' }), { lookupMessageId });
    expect(r.kind).toBe('new');
    expect(r.draft.title).toBe('Printer broken');
  });

  it.each([
    ['Re: Printer broken [#TK-123]', 'TK-123'],
    ['RE: [TK-123] Printer broken', 'TK-123'],
    ['Re: Printer broken (TK-123)', 'TK-123'],
    ['回复：打印机坏了 工单号: TK-123', 'TK-123'],
    ['答复: 打印机坏了（工单号：TK-123）', 'TK-123'],
    ['转发: 工单号：tk-123 打印机', 'TK-123'],
    ['Re: Ticket #TK-123 updated', 'TK-123'],
  ])('subject %j → reply to %s', (subject, ref) => {
    const r = normalizeIntake(email({ subject }));
    expect(r).toMatchObject({ kind: 'reply', ticketRef: ref, matchedBy: 'subject' });
  });

  it('a bare number without a marker is not a reference', () => {
    expect(normalizeIntake(email({ subject: 'Similar to TK-123 last week' })).kind).toBe('new');
    expect(extractTicketNumbers('TK-1234567890123 [#TK-1234567890123]')).toEqual([]);
  });

  it('a custom pattern', () => {
    const r = normalizeIntake(email({ subject: 'Re: case ACME-77' }), {
      ticketNumberPattern: /\b(ACME-\d{1,9})\b/,
    });
    expect(r).toMatchObject({ kind: 'reply', ticketRef: 'ACME-77' });
    expect(extractTicketNumbers('ACME-1 and ACME-2 and ACME-1', /ACME-\d{1,9}/g)).toEqual([
      'ACME-1',
      'ACME-2',
    ]);
  });

  it('the reply carries a fallback draft that passes desk.create', () => {
    const r = normalizeIntake(email({ subject: 'Re: x [#TK-9]' })) as IntakeReply;
    expect(TicketDraftSchema.safeParse(r.draft).success).toBe(true);
    expect(r.draft.description).toContain('Have you tried');
  });

  it('a reply that is only quotes gets a placeholder body', () => {
    const r = normalizeIntake(email({ subject: 'Re: [#TK-1]', text: '> only quoted' }));
    expect(r.kind === 'reply' && r.comment.body).toBe('(empty reply)');
  });

  it('an HTML reply is converted, then stripped', () => {
    const r = normalizeIntake(
      email({
        subject: 'Re: [#TK-1]',
        text: undefined,
        html: '<div>Works now &#x1F44D;</div><div>在 2026年1月5日 09:00，客服 &lt;desk@example.com&gt; 写道：</div><blockquote><p>&gt; 请重启</p></blockquote>',
      }),
    );
    expect(r.kind === 'reply' && r.comment.body).toBe('Works now 👍');
  });
});

describe('stripReplyPrefixes', () => {
  it.each([
    ['Re: Printer', 'Printer'],
    ['RE: RE: re: Printer', 'Printer'],
    ['Re[2]: Printer', 'Printer'],
    ['Fwd: FW: Printer', 'Printer'],
    ['回复：回复: 打印机', '打印机'],
    ['答复: 转发: 打印机', '打印机'],
    ['AW: Drucker', 'Drucker'],
    ['Re:', ''],
    ['Regarding: budget', 'Regarding: budget'],
    ['Printer  \t broken', 'Printer broken'],
  ])('%j → %j', (input, out) => {
    expect(stripReplyPrefixes(input)).toBe(out);
  });
});

describe('stripQuotedReply', () => {
  it.each([
    ['Thanks!\n> old\n> older', 'Thanks!'],
    ['Thanks!\n\nOn Mon, Jan 5, 2026 at 9:00 AM Ann <a@b.c>\nwrote:\n> old\n', 'Thanks!'],
    ['好的，已解决。\n\n在 2026年1月5日 09:00，张三 写道：\n> 打印机坏了', '好的，已解决。'],
    ['See below.\n\n-----Original Message-----\nFrom: Desk\nSubject: x\n\nold text', 'See below.'],
    ['收到\n\n------------------ 原始邮件 ------------------\n发件人: 客服\n旧内容', '收到'],
    [
      'Done.\n\n________________________________\nFrom: Desk <desk@x>\nSent: Monday\n\nold',
      'Done.',
    ],
    // An attribution without '>' lines (the original pasted unquoted) cuts the rest.
    ['OK\nOn Tue, Jan 6, 2026, Bo wrote:\nold unquoted text', 'OK'],
    // Inline answers between quoted blocks are kept.
    ['On Mon, Ann wrote:\n> Q1?\nA1.\n> Q2?\nA2.', 'A1.\nA2.'],
    ['No quotes here.\n\nSecond paragraph.', 'No quotes here.\n\nSecond paragraph.'],
    ['Line\r\n> quoted\r\nmore', 'Line\nmore'],
  ])('%j', (input, out) => {
    expect(stripQuotedReply(input)).toBe(out);
  });
});
