/**
 * `ticketkit/adapters/webhook`: signed webhooks (Standard Webhooks), WeCom and DingTalk group
 * robots, and `verifyWebhook` for receivers. Every target passes the SSRF guard: https only by
 * default, the host resolved and every address checked before each attempt, the request pinned
 * to the checked IP, redirects never followed.
 *
 * @module adapters/webhook
 */
import { createHmac } from 'node:crypto';
import {
  type Clock,
  type DeliveryResult,
  type NotificationMessage,
  type Notifier,
  systemClock,
  ValidationError,
  type ValidationIssue,
} from 'ticketkit';
import {
  checkUrlAtCreation,
  classifyStatus,
  type GuardOptions,
  guardedPost,
  type LookupFunction,
  type PinnedRequest,
  redact,
  resolveTarget,
  type TransportResponse,
  urlIssues,
  type WebhookTransport,
} from './_guard';
import { decodeSecret, signatureHeader, webhookIdFor } from './_signing';

export { classifyAddress } from './_ip';
export {
  type VerifiedWebhook,
  type VerifyWebhookOptions,
  verifyWebhook,
} from './_signing';
export type { GuardOptions, LookupFunction, PinnedRequest, TransportResponse, WebhookTransport };

/** Options of {@link webhookNotifier}. */
export interface WebhookNotifierOptions extends GuardOptions {
  /** The endpoint (https:// unless `allowHttp`). */
  readonly url: string;
  /** The signing secret, `whsec_` + base64 (Standard Webhooks). */
  readonly secret?: string;
  /**
   * Several secrets during a rotation: every request carries one `v1,` signature per secret,
   * the first being the current one, so receivers holding the old or the new secret both verify.
   */
  readonly secrets?: readonly string[];
  /** Time source for `webhook-timestamp` and the timeout. @default systemClock */
  readonly clock?: Clock;
  /** Extra request headers (not secrets: they would travel with every request unredacted). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Notifier name in logs. @default 'webhook' */
  readonly name?: string;
}

/** The JSON body of a webhook delivery. Identical on every retry of the same message. */
export interface WebhookPayload {
  /** The event type, e.g. `ticket.assigned`. */
  readonly type: string;
  /** ISO 8601: when the event happened. */
  readonly timestamp: string;
  readonly data: {
    readonly id: string;
    readonly eventId: string;
    readonly rule: string;
    readonly tenantId: string;
    readonly ticketId: string;
    /** Per-ticket order; non-decreasing across one ticket's deliveries. */
    readonly sequence: number;
    readonly recipient: { readonly id: string; readonly name?: string };
    readonly subject: string;
    readonly text: string;
    readonly html?: string;
    /** The event projection (no secrets, no custom fields). */
    readonly event: Readonly<Record<string, unknown>>;
  };
}

/** Builds the JSON body for a message (exported for receivers' tests). */
export function webhookPayload(message: NotificationMessage): WebhookPayload {
  return {
    type: message.type,
    timestamp: message.createdAt,
    data: {
      id: message.id,
      eventId: message.eventId,
      rule: message.rule,
      tenantId: message.tenantId,
      ticketId: message.ticketId,
      sequence: message.sequence,
      recipient: {
        id: message.recipient.id,
        ...(message.recipient.name === undefined ? {} : { name: message.recipient.name }),
      },
      subject: message.subject,
      text: message.text,
      ...(message.html === undefined ? {} : { html: message.html }),
      event: message.data,
    },
  };
}

function timeoutIssues(opts: GuardOptions): ValidationIssue[] {
  const t = opts.timeoutMs;
  if (t === undefined || (typeof t === 'number' && Number.isFinite(t) && t > 0)) return [];
  return [{ code: 'invalid_type', path: ['timeoutMs'], message: 'timeoutMs must be a number > 0' }];
}

/** Query values and path segments that may be tokens, for redaction. */
function urlSecrets(url: URL): string[] {
  const out: string[] = [];
  for (const [, v] of url.searchParams) if (v.length >= 6) out.push(v, encodeURIComponent(v));
  for (const seg of url.pathname.split('/')) if (seg.length >= 16) out.push(seg);
  return out;
}

/**
 * A signed webhook channel (Standard Webhooks): POSTs the message as JSON with `webhook-id`
 * (stable across retries), `webhook-timestamp` and `webhook-signature` headers.
 * 2xx → delivered; 408, 429, 5xx, timeouts and network errors → retryable (`Retry-After` on
 * 429/503 honoured); 3xx and other 4xx → permanent. Throws a `ValidationError` at creation for
 * a bad URL or secret (no secret value appears in it).
 *
 * @example
 * ```ts
 * const webhook = webhookNotifier({ url: 'https://hooks.example.com/ticketkit', secret: process.env.WEBHOOK_SECRET! });
 * createNotificationQueue({ notifiers: { webhook }, clock: systemClock });
 * ```
 */
export function webhookNotifier(options: WebhookNotifierOptions): Notifier {
  const secrets = options.secrets ?? (options.secret === undefined ? [] : [options.secret]);
  const issues: ValidationIssue[] = [...urlIssues(options.url, options), ...timeoutIssues(options)];
  if (secrets.length === 0) {
    issues.push({
      code: 'required',
      path: ['secret'],
      message: 'secret is required: "whsec_" + base64 of 24-64 random bytes',
    });
  }
  const keys = secrets.map(decodeSecret);
  keys.forEach((k, i) => {
    if (!k) {
      issues.push({
        code: 'invalid_secret',
        path: options.secrets ? ['secrets', i] : ['secret'],
        message: 'must be "whsec_" followed by base64 of at least 16 bytes',
      });
    }
  });
  if (issues.length) throw new ValidationError(issues, { context: 'webhookNotifier' });
  const url = new URL(options.url);
  const clock = options.clock ?? systemClock;
  const what = `webhook ${url.host}`;
  const redactList = [
    ...secrets,
    ...secrets.map((s) => s.replace(/^whsec_/, '')),
    ...urlSecrets(url),
  ];
  const signingKeys = keys as Buffer[];

  return {
    name: options.name ?? 'webhook',
    async send(message, ctx) {
      const id = webhookIdFor(message.id);
      const body = JSON.stringify(webhookPayload(message));
      const timestamp = Math.floor(clock.now().getTime() / 1000);
      return guardedPost({
        url,
        opts: options,
        clock,
        what,
        body,
        secrets: redactList,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        headers: {
          ...(options.headers ?? {}),
          'content-type': 'application/json',
          'user-agent': 'ticketkit-webhook/1',
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signatureHeader(signingKeys, id, timestamp, body),
        },
      });
    },
  };
}

/**
 * Checks a URL as `webhookNotifier` would, including a DNS lookup: for settings pages that
 * validate a URL when the user enters it. Never sends a request.
 */
export async function checkWebhookUrl(
  url: string,
  options: GuardOptions = {},
): Promise<{ ok: true } | { ok: false; issues: ValidationIssue[] }> {
  const issues = urlIssues(url, options);
  if (issues.length) return { ok: false, issues };
  const target = await resolveTarget(new URL(url), options, 'url');
  if (target.ok) return { ok: true };
  const r = target.result as Extract<DeliveryResult, { ok: false }>;
  return {
    ok: false,
    issues: [
      { code: r.retryable ? 'dns_failed' : 'private_address', path: ['url'], message: r.error },
    ],
  };
}

// --- group robots -------------------------------------------------------------------------

/** Options of the WeCom and DingTalk robot notifiers. */
export interface RobotNotifierOptions extends GuardOptions {
  /** The robot's webhook URL (contains its key or access token: treated as a secret). */
  readonly url: string;
  /** Time source (DingTalk signing, timeouts). @default systemClock */
  readonly clock?: Clock;
  /** Notifier name in logs. */
  readonly name?: string;
}

function truncateBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = '';
  let size = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (size + n > maxBytes - 3) break;
    out += ch;
    size += n;
  }
  return `${out}...`;
}

function robotResult(
  res: TransportResponse,
  what: string,
  now: Date,
  retryableCodes: ReadonlySet<number>,
  secrets: readonly string[],
): DeliveryResult {
  const http = classifyStatus(res, what, now);
  if (!http.ok) return http;
  let parsed: { errcode?: unknown; errmsg?: unknown };
  try {
    parsed = JSON.parse(res.body) as typeof parsed;
  } catch {
    return { ok: false, retryable: true, error: `${what} answered with a body that is not JSON` };
  }
  const code = typeof parsed.errcode === 'number' ? parsed.errcode : Number(parsed.errcode);
  if (code === 0) return { ok: true };
  const msg = redact(String(parsed.errmsg ?? '').slice(0, 200), secrets);
  if (retryableCodes.has(code)) {
    return {
      ok: false,
      retryable: true,
      error: `${what} errcode ${code}: ${msg}`,
      retryAfterMs: 60_000,
    };
  }
  return {
    ok: false,
    retryable: false,
    error: `${what} rejected the message: errcode ${code}: ${msg}`,
  };
}

function robotSetup(options: RobotNotifierOptions, context: string, extra: ValidationIssue[] = []) {
  const issues = [...urlIssues(options.url, options), ...timeoutIssues(options), ...extra];
  if (issues.length) throw new ValidationError(issues, { context });
  const url = checkUrlAtCreation(options.url, options, context);
  return { url, clock: options.clock ?? systemClock, secrets: urlSecrets(url) };
}

function markdownOf(message: NotificationMessage, maxBytes: number): string {
  return truncateBytes(`**${message.subject}**\n\n${message.text}`, maxBytes);
}

/**
 * A WeCom (企业微信) group robot: posts `{ msgtype: 'markdown', markdown: { content } }` to the
 * robot URL. errcode 0 → delivered; 45009 (rate limit) and -1 (busy) → retryable after 60 s;
 * other errcodes → permanent. The URL's `key` never appears in errors.
 *
 * @example
 * ```ts
 * wecomRobotNotifier({ url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...' });
 * ```
 */
export function wecomRobotNotifier(options: RobotNotifierOptions): Notifier {
  const { url, clock, secrets } = robotSetup(options, 'wecomRobotNotifier');
  const what = `WeCom robot ${url.host}`;
  const retryable = new Set([45009, -1]);
  return {
    name: options.name ?? 'wecom',
    send(message, ctx) {
      const body = JSON.stringify({
        msgtype: 'markdown',
        markdown: { content: markdownOf(message, 4096) },
      });
      return guardedPost({
        url,
        opts: options,
        clock,
        what,
        body,
        secrets,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        headers: { 'content-type': 'application/json' },
        onResponse: (res) => robotResult(res, what, clock.now(), retryable, secrets),
      });
    },
  };
}

/** Options of {@link dingtalkRobotNotifier}. */
export interface DingtalkRobotOptions extends RobotNotifierOptions {
  /** The robot's signing secret (`SEC...`), when "加签" is enabled. */
  readonly secret?: string;
}

/**
 * DingTalk's robot signature: `timestamp` (ms) and `sign` = base64(HMAC-SHA256(secret,
 * `${timestamp}\n${secret}`)), both added as (URL-encoded) query parameters.
 */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

/**
 * A DingTalk (钉钉) group robot: posts `{ msgtype: 'markdown', markdown: { title, text } }`,
 * signed with `timestamp` and `sign` query parameters when `secret` is set. errcode 0 →
 * delivered; 130101 (too fast) and -1 (busy) → retryable after 60 s; other errcodes →
 * permanent. Neither the access token nor the secret appears in errors.
 *
 * @example
 * ```ts
 * dingtalkRobotNotifier({ url: 'https://oapi.dingtalk.com/robot/send?access_token=...', secret: 'SEC...' });
 * ```
 */
export function dingtalkRobotNotifier(options: DingtalkRobotOptions): Notifier {
  const extra: ValidationIssue[] =
    options.secret !== undefined && (typeof options.secret !== 'string' || !options.secret)
      ? [{ code: 'invalid_secret', path: ['secret'], message: 'secret must be a non-empty string' }]
      : [];
  const { url, clock, secrets } = robotSetup(options, 'dingtalkRobotNotifier', extra);
  const what = `DingTalk robot ${url.host}`;
  const retryable = new Set([130101, -1]);
  const allSecrets = options.secret ? [...secrets, options.secret] : secrets;
  return {
    name: options.name ?? 'dingtalk',
    send(message, ctx) {
      const target = new URL(url.href);
      if (options.secret) {
        const ts = clock.now().getTime();
        const sign = dingtalkSign(options.secret, ts);
        target.searchParams.set('timestamp', String(ts));
        target.searchParams.set('sign', sign);
      }
      const body = JSON.stringify({
        msgtype: 'markdown',
        markdown: { title: message.subject.slice(0, 100), text: markdownOf(message, 18_000) },
      });
      return guardedPost({
        url: target,
        opts: options,
        clock,
        what,
        body,
        secrets: allSecrets,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        headers: { 'content-type': 'application/json' },
        onResponse: (res) => robotResult(res, what, clock.now(), retryable, allSecrets),
      });
    },
  };
}
