import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors/index';
import {
  INTAKE_LIMITS,
  type IntakeMessage,
  type IntakeResult,
  normalizeIntake,
  normalizeMessageId,
  parseIntakeMessage,
} from '../../src/intake/index';
import { TICKET_LIMITS, TicketDraftSchema } from '../../src/ticket/index';

const email = (over: Record<string, unknown> = {}) =>
  ({
    channel: 'email',
    messageId: '<CAF1.abc@mail.example.com>',
    from: { address: 'Ann@Example.com', name: 'Ann Li' },
    subject: 'Printer broken',
    text: 'The printer on floor 3 is jammed.',
    ...over,
  }) as IntakeMessage;

const wechat = (over: Record<string, unknown> = {}) =>
  ({
    channel: 'wechat',
    msgId: '23984712398',
    openId: 'oABC123',
    content: '打印机坏了',
    msgType: 'text',
    createTime: 1767574800,
    ...over,
  }) as IntakeMessage;

const phone = (over: Record<string, unknown> = {}) =>
  ({
    channel: 'phone',
    callId: 'call-1',
    caller: '+86 138 0000 0000',
    summary: 'Customer reports the POS terminal restarts\nEvery 10 minutes since morning',
    ...over,
  }) as IntakeMessage;

const web = (over: Record<string, unknown> = {}) =>
  ({
    channel: 'web',
    submissionId: 'sub-1',
    name: 'Bo',
    email: 'Bo@Example.com',
    title: 'Cannot log in',
    description: 'Password reset link expired.',
    ...over,
  }) as IntakeMessage;

const api = (over: Record<string, unknown> = {}) =>
  ({
    channel: 'api',
    requestId: 'req-1',
    draft: { title: 'Sync failed', priority: 'high', requester: 'svc-erp' },
    ...over,
  }) as IntakeMessage;

function issuesOf(input: unknown) {
  try {
    parseIntakeMessage(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).issues.map((i) => ({ code: i.code, path: i.path }));
  }
  throw new Error('expected a ValidationError');
}

/** Every draft must pass desk.create's schema unchanged. */
function expectValidDraft(r: IntakeResult) {
  const parsed = TicketDraftSchema.safeParse(r.draft);
  expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
}

describe('valid messages per channel', () => {
  it('email → new ticket', () => {
    const r = normalizeIntake(email());
    expect(r.kind).toBe('new');
    expect(r.dedupKey).toBe('email:caf1.abc@mail.example.com');
    expect(r.from).toEqual({
      channel: 'email',
      id: 'ann@example.com',
      address: 'ann@example.com',
      name: 'Ann Li',
    });
    expect(r.draft).toMatchObject({
      title: 'Printer broken',
      description: 'The printer on floor 3 is jammed.',
      channel: 'email',
      requester: 'ann@example.com',
      externalRefs: { externalId: 'email:caf1.abc@mail.example.com' },
      custom: { intake: { channel: 'email', messageId: 'caf1.abc@mail.example.com' } },
    });
    expectValidDraft(r);
  });

  it('email with only HTML → text description', () => {
    const r = normalizeIntake(email({ text: undefined, html: '<p>Hi <b>team</b></p><p>Help</p>' }));
    expect(r.draft.description).toBe('Hi team\n\nHelp');
    expect(r.draft.custom).toMatchObject({ intake: { format: 'html-to-text' } });
  });

  it('phone → title from the summary first line, transcript appended', () => {
    const r = normalizeIntake(
      phone({ transcript: 'A: hello\nB: hi', at: '2026-01-05T09:00:00+08:00' }),
    );
    expect(r).toMatchObject({ kind: 'new', dedupKey: 'phone:call-1' });
    expect(r.draft.title).toBe('Customer reports the POS terminal restarts');
    expect(r.draft.description).toContain('Transcript:\nA: hello\nB: hi');
    expect(r.draft.requester).toBe('+86 138 0000 0000');
    expectValidDraft(r);
  });

  it.each([
    ['wechat', { openId: 'o1' }],
    ['wecom', { userId: 'zhangsan' }],
    ['dingtalk', { userId: 'manager123' }],
  ])('%s text → new ticket', (channel, sender) => {
    const base = {
      msgId: 'm-1',
      content: '会议室投影仪无法开机\n已经重启过',
      msgType: 'text',
      createTime: 1767574800,
    };
    const r = normalizeIntake({ channel, ...sender, ...base } as IntakeMessage);
    expect(r.kind).toBe('new');
    expect(r.dedupKey).toBe(`${channel}:m-1`);
    expect(r.draft.title).toBe('会议室投影仪无法开机');
    expect(r.draft.description).toBe('会议室投影仪无法开机\n已经重启过');
    expect(r.draft.channel).toBe(channel);
    expect(r.from.id).toBe(Object.values(sender)[0]);
    expect(r.draft.custom).toMatchObject({ intake: { sentAt: '2026-01-05T01:00:00.000Z' } });
    expectValidDraft(r);
  });

  it('dingtalk millisecond createTime', () => {
    const r = normalizeIntake({
      channel: 'dingtalk',
      msgId: 'd1',
      userId: 'u',
      content: 'x',
      msgType: 'text',
      createTime: 1767574800123,
    });
    expect(r.draft.custom).toMatchObject({ intake: { sentAt: '2026-01-05T01:00:00.123Z' } });
  });

  it('web form → draft with priority, category and fields', () => {
    const r = normalizeIntake(
      web({ priority: 'urgent', category: 'account', fields: { browser: 'Chrome', seats: 3 } }),
    );
    expect(r.draft).toMatchObject({
      title: 'Cannot log in',
      priority: 'urgent',
      category: 'account',
      requester: 'bo@example.com',
      custom: { intake: { fields: { browser: 'Chrome', seats: 3 }, name: 'Bo' } },
    });
    expect(r.dedupKey).toBe('web:sub-1');
    expectValidDraft(r);
  });

  it('anonymous web form has no requester', () => {
    const r = normalizeIntake(web({ name: undefined, email: undefined }));
    expect(r.draft.requester).toBeUndefined();
    expect(r.from).toEqual({ channel: 'web' });
    expectValidDraft(r);
  });

  it('api → the draft, with channel and intake metadata added', () => {
    const r = normalizeIntake(api());
    expect(r.draft).toMatchObject({
      title: 'Sync failed',
      priority: 'high',
      channel: 'api',
      custom: { intake: { requestId: 'req-1', dedupKey: 'api:req-1' } },
    });
    expect(r.from).toEqual({ channel: 'api', id: 'svc-erp' });
    expectValidDraft(r);
  });

  it('api keeps the caller’s channel and custom fields', () => {
    const r = normalizeIntake(
      api({ draft: { title: 'x', channel: 'mobile', custom: { store: 'SH-01' } } }),
    );
    expect(r.draft.channel).toBe('mobile');
    expect(r.draft.custom).toMatchObject({ store: 'SH-01', intake: { requestId: 'req-1' } });
  });
});

describe('invalid messages: exact error paths', () => {
  it.each<[string, unknown, { code: string; path: (string | number)[] }[]]>([
    ['not an object', 'hello', [{ code: 'invalid_type', path: [] }]],
    ['missing channel', { msgId: 'x' }, [{ code: 'required', path: ['channel'] }]],
    ['unknown channel', { channel: 'emial' }, [{ code: 'invalid_enum', path: ['channel'] }]],
    [
      'email: no messageId',
      { ...email(), messageId: undefined },
      [{ code: 'required', path: ['messageId'] }],
    ],
    [
      'email: bad from address',
      email({ from: { address: 'nobody' } }),
      [{ code: 'custom', path: ['from', 'address'] }],
    ],
    ['email: unknown key', email({ bcc: 'x' }), [{ code: 'unknown_field', path: ['bcc'] }]],
    [
      'email: attachment size',
      email({ attachments: [{ filename: 'a.pdf', contentType: 'application/pdf', size: -1 }] }),
      [{ code: 'too_small', path: ['attachments', 0, 'size'] }],
    ],
    [
      'email: javascript: url',
      email({
        attachments: [
          { filename: 'a', contentType: 'text/html', size: 1, url: 'javascript:alert(1)' },
        ],
      }),
      [{ code: 'custom', path: ['attachments', 0, 'url'] }],
    ],
    ['email: bad date', email({ date: 'yesterday' }), [{ code: 'invalid_format', path: ['date'] }]],
    [
      'email: NUL in message id',
      email({ messageId: 'a\u0000b' }),
      [{ code: 'custom', path: ['messageId'] }],
    ],
    ['phone: blank summary', phone({ summary: '   ' }), [{ code: 'custom', path: ['summary'] }]],
    [
      'phone: missing caller',
      { ...phone(), caller: undefined },
      [{ code: 'required', path: ['caller'] }],
    ],
    [
      'wechat: bad msgType',
      wechat({ msgType: 'imgae' }),
      [{ code: 'invalid_enum', path: ['msgType'] }],
    ],
    [
      'wechat: userId instead of openId',
      { ...wechat(), openId: undefined, userId: 'u' },
      [
        { code: 'required', path: ['openId'] },
        { code: 'unknown_field', path: ['userId'] },
      ],
    ],
    [
      'wechat: createTime not integer',
      wechat({ createTime: 1.5 }),
      [{ code: 'invalid_type', path: ['createTime'] }],
    ],
    ['web: blank title', web({ title: '  ' }), [{ code: 'custom', path: ['title'] }]],
    [
      'web: bad priority',
      web({ priority: 'hign' }),
      [{ code: 'invalid_enum', path: ['priority'] }],
    ],
    [
      'api: draft without title',
      api({ draft: { priority: 'high' } }),
      [{ code: 'required', path: ['draft', 'title'] }],
    ],
    [
      'api: mass assignment',
      api({ draft: { title: 'x', status: 'resolved' } }),
      [{ code: 'unknown_field', path: ['draft', 'status'] }],
    ],
  ])('%s', (_name, input, expected) => {
    expect(issuesOf(input)).toEqual(expected);
  });

  it('names the field and the fix', () => {
    try {
      parseIntakeMessage({ channel: 'emial' });
    } catch (e) {
      expect((e as ValidationError).message).toContain('Did you mean "email"?');
      expect((e as ValidationError).issues[0]?.suggestion).toBe('email');
    }
    try {
      parseIntakeMessage(web({ priority: 'hign' }));
    } catch (e) {
      expect((e as ValidationError).issues[0]?.suggestion).toBe('high');
    }
  });
});

describe('size limits', () => {
  it('an oversized subject is a ValidationError naming subject', () => {
    expect(issuesOf(email({ subject: 'x'.repeat(TICKET_LIMITS.title + 1) }))).toEqual([
      { code: 'too_long', path: ['subject'] },
    ]);
    try {
      parseIntakeMessage(email({ subject: 'x'.repeat(TICKET_LIMITS.title + 1) }));
    } catch (e) {
      expect((e as Error).message).toContain('shorten it');
    }
  });

  it('an oversized HTML body is capped, not an error', () => {
    const html = `<div>${'<p>lorem ipsum dolor</p>'.repeat(8000)}</div>`;
    const r = normalizeIntake(email({ text: undefined, html }));
    expect(r.truncated).toBe(true);
    expect(r.draft.description!.length).toBeLessThanOrEqual(TICKET_LIMITS.description);
    expect(r.draft.custom).toMatchObject({ intake: { truncated: true } });
    expectValidDraft(r);
  });

  it('an oversized text body and chat content are capped', () => {
    const big = '长'.repeat(TICKET_LIMITS.description + 10);
    const e = normalizeIntake(email({ text: big }));
    expect(e.truncated).toBe(true);
    expect(e.draft.description!.length).toBe(TICKET_LIMITS.description);
    const c = normalizeIntake(wechat({ content: big }));
    expect(c.truncated).toBe(true);
    expectValidDraft(c);
  });

  it('bodies beyond INTAKE_LIMITS.body are rejected', () => {
    expect(issuesOf(email({ html: 'x'.repeat(INTAKE_LIMITS.body + 1) }))).toEqual([
      { code: 'too_long', path: ['html'] },
    ]);
  });

  it('too many attachments are rejected; many large ones still fit custom', () => {
    const att = (i: number) => ({
      filename: `${'f'.repeat(240)}-${i}.pdf`,
      contentType: 'application/pdf',
      size: i,
      url: `https://files.example.com/${'p'.repeat(1900)}/${i}`,
    });
    const tooMany = Array.from({ length: INTAKE_LIMITS.attachments + 1 }, (_, i) => att(i));
    expect(issuesOf(email({ attachments: tooMany }))).toEqual([
      { code: 'too_big', path: ['attachments'] },
    ]);
    const many = tooMany.slice(0, INTAKE_LIMITS.attachments);
    const r = normalizeIntake(email({ attachments: many }));
    expect(r.attachments).toHaveLength(INTAKE_LIMITS.attachments);
    const intake = (
      r.draft.custom as { intake: { attachments: unknown[]; attachmentCount: number } }
    ).intake;
    expect(intake.attachmentCount).toBe(INTAKE_LIMITS.attachments);
    expect(intake.attachments.length).toBeLessThan(INTAKE_LIMITS.attachments);
    expectValidDraft(r);
  });

  it('api draft whose custom leaves no room for intake metadata', () => {
    const custom = { blob: 'x'.repeat(TICKET_LIMITS.customJson - 20) };
    expect(() => normalizeIntake(api({ draft: { title: 'x', custom } }))).toThrow(ValidationError);
  });
});

describe('dedup keys', () => {
  it('the same message delivered 5 times yields the same key and draft', () => {
    const results = Array.from({ length: 5 }, () => normalizeIntake(email()));
    expect(new Set(results.map((r) => r.dedupKey)).size).toBe(1);
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    for (const make of [wechat, phone, web, api]) {
      const keys = Array.from({ length: 5 }, () => normalizeIntake(make()).dedupKey);
      expect(new Set(keys).size).toBe(1);
    }
  });

  it('Message-ID normalisation: brackets, case, whitespace', () => {
    const variants = [
      '<CAF1.abc@mail.example.com>',
      'caf1.abc@mail.example.com',
      ' <caf1.ABC@MAIL.example.com> ',
    ];
    const keys = variants.map((messageId) => normalizeIntake(email({ messageId })).dedupKey);
    expect(new Set(keys)).toEqual(new Set(['email:caf1.abc@mail.example.com']));
    expect(normalizeMessageId('<X@Y>')).toBe('x@y');
  });

  it('different messages → different keys; channels never collide', () => {
    const keys = [
      normalizeIntake(email({ messageId: '<a@x>' })).dedupKey,
      normalizeIntake(email({ messageId: '<b@x>' })).dedupKey,
      normalizeIntake(wechat({ msgId: '1' })).dedupKey,
      normalizeIntake(wechat({ msgId: '2' })).dedupKey,
      normalizeIntake({
        channel: 'wecom',
        msgId: '1',
        userId: 'u',
        content: 'x',
        msgType: 'text',
        createTime: 1,
      }).dedupKey,
      normalizeIntake(phone({ callId: '1' })).dedupKey,
      normalizeIntake(web({ submissionId: '1' })).dedupKey,
      normalizeIntake(api({ requestId: '1' })).dedupKey,
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('keys fit the desk’s 255-character idempotency key', () => {
    const r = normalizeIntake(email({ messageId: `<${'a'.repeat(INTAKE_LIMITS.messageId - 2)}>` }));
    expect(r.dedupKey.length).toBeLessThanOrEqual(255);
    expect(issuesOf(email({ messageId: 'a'.repeat(INTAKE_LIMITS.messageId + 1) }))).toEqual([
      { code: 'too_long', path: ['messageId'] },
    ]);
  });
});

describe('chat titles and media', () => {
  it('Chinese first line ≤ 80 characters, cut on a character boundary', () => {
    const line = '这是一段很长的中文描述'.repeat(12);
    const r = normalizeIntake(wechat({ content: `${line}\n第二行` }));
    expect(r.draft.title.length).toBeLessThanOrEqual(80);
    expect(r.draft.title.endsWith('…')).toBe(true);
    expect(line.startsWith(r.draft.title.slice(0, -1))).toBe(true);
  });

  it('never splits an emoji', () => {
    const r = normalizeIntake(wechat({ content: `${'a'.repeat(78)}👍🏽👍🏽👍🏽` }));
    expect(r.draft.title).toBe(`${'a'.repeat(78)}…`);
    expect(r.draft.title).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('English first line is cut at a word boundary', () => {
    const r = normalizeIntake(
      wechat({
        content:
          'The conference room projector does not turn on after the power outage this morning at nine',
      }),
    );
    expect(r.draft.title).toBe(
      'The conference room projector does not turn on after the power outage this…',
    );
  });

  it('skips leading blank lines', () => {
    expect(normalizeIntake(wechat({ content: '\n\n  \n  你好 \n' })).draft.title).toBe('你好');
  });

  it.each([
    ['image', 'image/*'],
    ['voice', 'audio/*'],
    ['video', 'video/*'],
    ['file', 'application/octet-stream'],
  ])('%s message → attachment metadata and a placeholder title', (msgType, contentType) => {
    const r = normalizeIntake(wechat({ msgType, content: 'MEDIA_ID_123' }));
    expect(r.draft.title).toBe(`[${msgType}] WeChat message`);
    expect(r.draft.description).toBeUndefined();
    expect(r.attachments).toEqual([
      {
        filename: `${msgType}-23984712398`,
        contentType,
        ref: 'MEDIA_ID_123',
        disposition: 'attachment',
      },
    ]);
    expect(r.draft.custom).toMatchObject({ intake: { attachments: r.attachments } });
    expectValidDraft(r);
  });
});

describe('email attachments', () => {
  it('metadata is kept, always with attachment disposition', () => {
    const r = normalizeIntake(
      email({
        attachments: [
          { filename: 'photo.jpg', contentType: 'image/jpeg', size: 2048, checksum: 'abc' },
          {
            filename: 'x.svg',
            contentType: 'image/svg+xml',
            size: 10,
            url: 'https://f.example.com/x.svg',
          },
        ],
      }),
    );
    expect(r.attachments).toEqual([
      {
        filename: 'photo.jpg',
        contentType: 'image/jpeg',
        size: 2048,
        checksum: 'abc',
        disposition: 'attachment',
      },
      {
        filename: 'x.svg',
        contentType: 'image/svg+xml',
        size: 10,
        url: 'https://f.example.com/x.svg',
        disposition: 'attachment',
      },
    ]);
    expect(r.draft.custom).toMatchObject({ intake: { attachments: r.attachments } });
  });
});
