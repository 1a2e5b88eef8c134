/**
 * `ticketkit/adapters/email`: an email channel over a nodemailer transport (yours, or one built
 * from `smtp` options with a lazily imported `nodemailer`).
 *
 * @module adapters/email
 */
import { createHash } from 'node:crypto';
import {
  type Clock,
  type DeliveryResult,
  type NotificationMessage,
  type Notifier,
  StoreError,
  systemClock,
  textToHtml,
  ValidationError,
  type ValidationIssue,
} from 'ticketkit';

/** The mail fields this adapter sets (a subset of nodemailer's `SendMailOptions`). */
export interface MailOptions {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** `<...@domain>`: stable per message, so retries dedup at the receiver. */
  readonly messageId: string;
  readonly date: Date;
  readonly replyTo?: string;
  readonly references?: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Anything with nodemailer's `sendMail(options): Promise<info>`. Typed structurally so this
 * adapter does not depend on nodemailer's types (a nodemailer `Transporter` fits).
 */
export interface MailTransportLike {
  sendMail(mail: MailOptions): Promise<unknown>;
}

/** SMTP settings for a transport built with `nodemailer.createTransport`. */
export interface SmtpOptions {
  readonly host: string;
  readonly port: number;
  /** TLS from the start (port 465). @default false (STARTTLS when offered) */
  readonly secure?: boolean;
  readonly auth?: { readonly user: string; readonly pass: string };
  /** Never use STARTTLS (local test servers only). */
  readonly ignoreTLS?: boolean;
  /** Fail unless STARTTLS succeeds. */
  readonly requireTLS?: boolean;
  /** Connection timeout in ms (nodemailer's own timer). */
  readonly connectionTimeout?: number;
  /** Passed to nodemailer's `tls` option. */
  readonly tls?: Readonly<Record<string, unknown>>;
}

/** Options of {@link emailNotifier}. */
export interface EmailNotifierOptions {
  /** A ready transport (e.g. `nodemailer.createTransport(...)`). Exclusive with `smtp`. */
  readonly transport?: MailTransportLike;
  /** SMTP settings; `nodemailer` is imported on first send. Exclusive with `transport`. */
  readonly smtp?: SmtpOptions;
  /** Sender, e.g. `"Help desk" <desk@example.com>`. */
  readonly from: string;
  readonly replyTo?: string;
  /** Domain of generated `Message-ID`s. @default the domain of `from` */
  readonly messageIdDomain?: string;
  /** Time source for the `Date` header. @default systemClock */
  readonly clock?: Clock;
  /** Notifier name in logs. @default 'email' */
  readonly name?: string;
}

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);

/** The stable `Message-ID` for a message id. */
export function emailMessageId(messageId: string, domain: string): string {
  return `<tk.${hash(messageId)}@${domain}>`;
}

function domainOf(from: string): string | null {
  const m = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from);
  return m ? m[1]!.toLowerCase() : null;
}

const ADDRESS = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+$/;

function classify(e: unknown, secrets: readonly string[]): DeliveryResult {
  const err = e as { responseCode?: unknown; code?: unknown; message?: unknown };
  const responseCode = typeof err?.responseCode === 'number' ? err.responseCode : undefined;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  let detail = `${code ?? 'error'}${responseCode === undefined ? '' : ` ${responseCode}`}: ${
    typeof err?.message === 'string' ? err.message.slice(0, 300) : String(e)
  }`;
  for (const s of secrets) if (s && s.length >= 4) detail = detail.split(s).join('[redacted]');
  const error = `SMTP delivery failed (${detail})`;
  if (responseCode !== undefined && responseCode >= 400 && responseCode < 500) {
    return { ok: false, retryable: true, error };
  }
  if (responseCode !== undefined && responseCode >= 500) {
    return { ok: false, retryable: false, error };
  }
  if (code === 'EENVELOPE' || code === 'EMESSAGE') return { ok: false, retryable: false, error };
  // Connection, DNS, TLS, timeouts: try again.
  return { ok: false, retryable: true, error };
}

/**
 * An email channel. Each message goes to `recipient.address` with a `Message-ID` derived from
 * the message id (identical on every retry, so receivers and mail clients drop duplicates) and a
 * per-ticket `References` header (clients thread one ticket's mails). HTML is the message's
 * `html`, or its text escaped. SMTP 4xx (e.g. 451) and connection errors → retryable; 5xx →
 * permanent. The SMTP password never appears in errors.
 *
 * @example
 * ```ts
 * emailNotifier({ smtp: { host: 'smtp.example.com', port: 587, auth: { user, pass } }, from: 'desk@example.com' });
 * emailNotifier({ transport: nodemailer.createTransport(...), from: 'desk@example.com' });
 * ```
 */
export function emailNotifier(options: EmailNotifierOptions): Notifier {
  const issues: ValidationIssue[] = [];
  if (!options || (!options.transport && !options.smtp)) {
    issues.push({
      code: 'required',
      path: ['transport'],
      message: 'pass { transport } (a nodemailer transporter) or { smtp: { host, port } }',
    });
  } else if (options.transport && options.smtp) {
    issues.push({
      code: 'conflict',
      path: ['smtp'],
      message: 'pass either transport or smtp, not both',
    });
  }
  if (options?.transport && typeof options.transport.sendMail !== 'function') {
    issues.push({
      code: 'invalid_type',
      path: ['transport'],
      message: 'transport needs sendMail()',
    });
  }
  if (
    options?.smtp &&
    (typeof options.smtp.host !== 'string' || !Number.isInteger(options.smtp.port))
  ) {
    issues.push({
      code: 'invalid_type',
      path: ['smtp'],
      message: 'smtp needs host (string) and port (integer)',
    });
  }
  const domain =
    options?.messageIdDomain ?? (typeof options?.from === 'string' ? domainOf(options.from) : null);
  if (typeof options?.from !== 'string' || !options.from) {
    issues.push({
      code: 'required',
      path: ['from'],
      message: 'from is required, e.g. "desk@example.com"',
    });
  } else if (!domain) {
    issues.push({
      code: 'invalid_type',
      path: ['from'],
      message: 'from must contain an address with a domain, or set messageIdDomain',
    });
  }
  if (issues.length) throw new ValidationError(issues, { context: 'emailNotifier' });

  const clock = options.clock ?? systemClock;
  const secrets = options.smtp?.auth?.pass ? [options.smtp.auth.pass] : [];
  let transport: Promise<MailTransportLike> | null = options.transport
    ? Promise.resolve(options.transport)
    : null;

  const load = (): Promise<MailTransportLike> => {
    if (transport) return transport;
    const smtp = options.smtp!;
    transport = (async () => {
      let mod: { createTransport?: unknown; default?: { createTransport?: unknown } };
      try {
        mod = (await import('nodemailer')) as typeof mod;
      } catch (cause) {
        throw new StoreError({
          adapter: 'email',
          operation: 'load nodemailer',
          message:
            'The email adapter needs the "nodemailer" package for { smtp }. Run `npm install nodemailer` or pass { transport }',
          cause,
        });
      }
      const create = (mod.createTransport ?? mod.default?.createTransport) as (
        o: Record<string, unknown>,
      ) => MailTransportLike;
      return create({
        host: smtp.host,
        port: smtp.port,
        secure: smtp.secure ?? false,
        ...(smtp.auth ? { auth: { user: smtp.auth.user, pass: smtp.auth.pass } } : {}),
        ...(smtp.ignoreTLS === undefined ? {} : { ignoreTLS: smtp.ignoreTLS }),
        ...(smtp.requireTLS === undefined ? {} : { requireTLS: smtp.requireTLS }),
        ...(smtp.connectionTimeout === undefined
          ? {}
          : { connectionTimeout: smtp.connectionTimeout }),
        ...(smtp.tls === undefined ? {} : { tls: smtp.tls }),
      });
    })();
    // A failed import is not cached, so installing nodemailer later works without a restart.
    transport.catch(() => {
      transport = null;
    });
    return transport;
  };

  return {
    name: options.name ?? 'email',
    async send(message: NotificationMessage) {
      const to = message.recipient.address;
      if (!to || !ADDRESS.test(to)) {
        return {
          ok: false,
          retryable: false,
          error: `recipient ${message.recipient.id} has no valid email address`,
        };
      }
      let t: MailTransportLike;
      try {
        t = await load();
      } catch (e) {
        return { ok: false, retryable: false, error: e instanceof Error ? e.message : String(e) };
      }
      const mail: MailOptions = {
        from: options.from,
        to,
        subject: message.subject.replace(/[\r\n]+/g, ' '),
        text: message.text,
        html: message.html ?? textToHtml(message.text),
        messageId: emailMessageId(message.id, domain!),
        date: clock.now(),
        references: `<tk.ticket.${hash(`${message.tenantId}\u0000${message.ticketId}`)}@${domain}>`,
        ...(options.replyTo ? { replyTo: options.replyTo } : {}),
        headers: { 'X-Ticketkit-Ticket': message.ticketId.replace(/[\r\n]/g, '') },
      };
      try {
        await t.sendMail(mail);
        return { ok: true };
      } catch (e) {
        return classify(e, secrets);
      }
    },
  };
}
