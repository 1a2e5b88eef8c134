import net, { type AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import {
  accessRecheck,
  createManualClock,
  createNotificationQueue,
  defineRouting,
  isTicketkitError,
  type QueueEvent,
  seededRandom,
  ValidationError,
} from 'ticketkit';
import {
  type EmailNotifierOptions,
  emailMessageId,
  emailNotifier,
  type MailOptions,
} from 'ticketkit/adapters/email';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { conformanceMessage, runNotifierConformance } from '../conformance/notifier';
import { assignedEvent, makeDirectory, makeTicket } from '../notify/_fixtures';

// --- an SMTP sink on 127.0.0.1 ---------------------------------------------------------------

interface Mail {
  messageId: string;
  to: string[];
  raw: string;
  accepted: boolean;
}

const SMTP_PASS = 'CANARY-SMTP-PASS-5b2e91';
const mails: Mail[] = [];
let plan: { n: number; code: number; echo?: boolean } = { n: 0, code: 451 };
let server: SMTPServer;
let port: number;

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.password === SMTP_PASS) cb(null, { user: auth.username });
      else cb(Object.assign(new Error('Authentication failed'), { responseCode: 535 }));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const messageId = /^Message-ID:\s*(.+)$/im.exec(raw)?.[1]?.trim() ?? '';
        const to = session.envelope.rcptTo.map((r) => r.address);
        if (plan.n > 0) {
          plan.n--;
          mails.push({ messageId, to, raw, accepted: false });
          const text = plan.code === 451 ? 'Try again later' : 'Mailbox unavailable';
          // echo: a server that quotes the password back (the adapter must redact it)
          cb(
            Object.assign(new Error(plan.echo ? `${text} (${SMTP_PASS})` : text), {
              responseCode: plan.code,
            }),
          );
          return;
        }
        mails.push({ messageId, to, raw, accepted: true });
        cb(null, 'queued');
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  port = (server.server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const smtpOptions = (over: Partial<EmailNotifierOptions> = {}): EmailNotifierOptions => ({
  smtp: { host: '127.0.0.1', port, ignoreTLS: true, auth: { user: 'desk', pass: SMTP_PASS } },
  from: '"Help desk" <desk@example.com>',
  ...over,
});

runNotifierConformance({
  name: 'email (smtp-server on 127.0.0.1)',
  create: () => emailNotifier(smtpOptions()),
  receiver: {
    seen: () => mails.map((m) => ({ id: m.messageId, accepted: m.accepted })),
    failNext: (n, kind) => {
      plan = { n, code: kind === 'retryable' ? 451 : 550 };
    },
    reset: () => {
      mails.length = 0;
      plan = { n: 0, code: 451 };
    },
  },
});

describe('D7: SMTP answers 451 for the first 3 attempts', () => {
  it('delivers after recovery with the same Message-ID; a recipient who lost access gets nothing', async () => {
    mails.length = 0;
    plan = { n: 3, code: 451 };
    const { directory } = makeDirectory({
      alice: { address: 'alice@example.com' },
      bob: { address: 'bob@example.com' },
    });
    const routing = defineRouting([
      {
        name: 'assigned',
        on: 'ticket.assigned',
        to: { users: ['alice', 'bob'] },
        channels: ['email'],
      },
    ]);
    const clock = createManualClock();
    const messages = await routing.route(assignedEvent(), directory);
    expect(messages).toHaveLength(2);
    directory.revoke('bob'); // between routing and sending (Z5)
    const events: QueueEvent[] = [];
    const queue = createNotificationQueue({
      notifiers: { email: emailNotifier(smtpOptions({ clock })) },
      clock,
      random: seededRandom(11),
      recheck: accessRecheck({ directory, getTicket: () => makeTicket() }),
      onEvent: (e) => events.push(e),
    });
    await queue.enqueue(messages);
    for (let i = 0; i < 120; i++) {
      await queue.tick();
      if ((await queue.store.counts()).delivered === 1) break;
      clock.advance(1000);
    }
    const alice = messages.find((m) => m.recipient.id === 'alice')!;
    expect((await queue.store.get(alice.id))!).toMatchObject({ status: 'delivered', attempts: 4 });
    expect(mails.map((m) => m.accepted)).toEqual([false, false, false, true]);
    expect(new Set(mails.map((m) => m.messageId))).toEqual(
      new Set([emailMessageId(alice.id, 'example.com')]),
    );
    expect(mails.flatMap((m) => m.to)).not.toContain('bob@example.com');
    expect(events.filter((e) => e.type === 'skipped')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'retry_scheduled')).toHaveLength(3);
  });
});

describe('email notifier', () => {
  const capture = () => {
    const sent: MailOptions[] = [];
    return { sent, transport: { sendMail: async (m: MailOptions) => void sent.push(m) } };
  };

  it('escapes text into HTML, keeps rule HTML, sets Message-ID, References and Date from the clock', async () => {
    const clock = createManualClock('2026-01-05T01:00:00Z');
    const { sent, transport } = capture();
    const n = emailNotifier({ transport, from: 'desk@Example.com', clock });
    const m = conformanceMessage({
      text: '<script>alert(1)</script> & more',
      subject: 'a\r\nBcc: evil@x.com',
    });
    await n.send(m, { attempt: 1 });
    await n.send(m, { attempt: 2 });
    await n.send(conformanceMessage({ html: '<p>custom</p>' }), { attempt: 1 });
    expect(sent[0]!.html).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; more</p>');
    expect(sent[0]!.subject).toBe('a Bcc: evil@x.com');
    expect(sent[0]!.messageId).toMatch(/^<tk\.[0-9a-f]{32}@example\.com>$/);
    expect(sent[0]!.messageId).toBe(sent[1]!.messageId);
    expect(sent[0]!.references).toMatch(/^<tk\.ticket\.[0-9a-f]{32}@example\.com>$/);
    expect(sent[0]!.date.toISOString()).toBe('2026-01-05T01:00:00.000Z');
    expect(sent[2]!.html).toBe('<p>custom</p>');
  });

  it('classifies SMTP replies: 4xx retryable, 5xx permanent, connection errors retryable', async () => {
    const fails = (err: unknown) =>
      emailNotifier({
        transport: { sendMail: async () => Promise.reject(err) },
        from: 'desk@example.com',
      }).send(conformanceMessage(), { attempt: 1 });
    expect(
      await fails(
        Object.assign(new Error('451 try later'), { responseCode: 451, code: 'EMESSAGE' }),
      ),
    ).toMatchObject({ ok: false, retryable: true });
    expect(
      await fails(Object.assign(new Error('421 busy'), { responseCode: 421, code: 'EENVELOPE' })),
    ).toMatchObject({ ok: false, retryable: true });
    expect(
      await fails(
        Object.assign(new Error('550 no such user'), { responseCode: 550, code: 'EENVELOPE' }),
      ),
    ).toMatchObject({ ok: false, retryable: false });
    expect(
      await fails(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ESOCKET' })),
    ).toMatchObject({ ok: false, retryable: true });
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closed = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const refused = await emailNotifier(
      smtpOptions({ smtp: { host: '127.0.0.1', port: closed, ignoreTLS: true } }),
    ).send(conformanceMessage(), { attempt: 1 });
    expect(refused).toMatchObject({ ok: false, retryable: true });
  });

  it('a recipient without an email address is a permanent failure', async () => {
    const { transport } = capture();
    const r = await emailNotifier({ transport, from: 'desk@example.com' }).send(
      conformanceMessage({ recipient: { id: 'u1' } }),
      { attempt: 1 },
    );
    expect(r).toMatchObject({ ok: false, retryable: false });
  });

  it('validates its options at creation', () => {
    expect(() => emailNotifier({ from: 'desk@example.com' })).toThrow(ValidationError);
    expect(() =>
      emailNotifier({
        transport: capture().transport,
        smtp: { host: 'x', port: 25 },
        from: 'desk@example.com',
      }),
    ).toThrow(/either transport or smtp/);
    expect(() => emailNotifier({ transport: capture().transport, from: '' })).toThrow(
      /from is required/,
    );
    expect(() => emailNotifier({ transport: capture().transport, from: 'desk' })).toThrow(
      /messageIdDomain/,
    );
  });

  it('without nodemailer installed, { smtp } fails with a clear message (and { transport } still works)', async () => {
    vi.resetModules();
    vi.doMock('nodemailer', () => {
      throw new Error("Cannot find package 'nodemailer'");
    });
    try {
      const mod = await import('ticketkit/adapters/email');
      const n = mod.emailNotifier(smtpOptions());
      const r = await n.send(conformanceMessage(), { attempt: 1 });
      expect(r).toMatchObject({ ok: false, retryable: false });
      expect(r.ok === false && r.error).toContain('needs the "nodemailer" package');
      expect(r.ok === false && r.error).toContain('npm install nodemailer');
    } finally {
      vi.doUnmock('nodemailer');
      vi.resetModules();
    }
  });

  it('X4: the SMTP password never appears in errors, dead letters, events or logs', async () => {
    const logs: string[] = [];
    for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, m).mockImplementation(
        (...args: unknown[]) => void logs.push(args.map(String).join(' ')),
      );
    }
    const clock = createManualClock();
    const events: QueueEvent[] = [];
    const wrong = emailNotifier(
      smtpOptions({
        smtp: {
          host: '127.0.0.1',
          port,
          ignoreTLS: true,
          auth: { user: 'desk', pass: `${SMTP_PASS}-wrong` },
        },
      }),
    );
    const echo = emailNotifier(smtpOptions());
    plan = { n: 1, code: 550, echo: true };
    const queue = createNotificationQueue({
      notifiers: { email: wrong, echo },
      clock,
      retry: { maxAttempts: 2 },
      onEvent: (e) => events.push(e),
    });
    await queue.enqueue([
      conformanceMessage({ channel: 'email' }),
      conformanceMessage({ channel: 'echo' }),
    ]);
    for (let i = 0; i < 30; i++) {
      await queue.tick();
      clock.advance(2000);
    }
    const dead = await queue.listDead();
    expect(dead).toHaveLength(2);
    let thrown = '';
    try {
      emailNotifier({
        smtp: { host: 'x', port: Number.NaN, auth: { user: 'u', pass: SMTP_PASS } },
        from: 'desk@example.com',
      });
    } catch (e) {
      thrown = String(e) + JSON.stringify(e);
      expect(isTicketkitError(e)).toBe(true);
    }
    const all = [
      JSON.stringify(events),
      JSON.stringify(dead),
      thrown,
      ...logs,
      ...mails.map((m) => m.raw),
    ].join('\n');
    expect(all).toContain('535');
    expect(all).toContain('[redacted]'); // the echo was there, and was redacted
    expect(all.split(SMTP_PASS).length - 1).toBe(0);
    plan = { n: 0, code: 451 };
    vi.restoreAllMocks();
  });
});
