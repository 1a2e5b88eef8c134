// Standard Webhooks (https://www.standardwebhooks.com) signing and verification.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ValidationError } from 'ticketkit';

const PREFIX = 'whsec_';

/** Decodes a `whsec_<base64>` (or bare base64) secret; null if malformed. */
export function decodeSecret(secret: unknown): Buffer | null {
  if (typeof secret !== 'string') return null;
  const b64 = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) return null;
  const key = Buffer.from(b64, 'base64');
  return key.length >= 16 ? key : null;
}

/** `base64(HMAC-SHA256(key, "id.timestamp.body"))`. */
export function signPayload(key: Buffer, id: string, timestamp: number, body: string): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
}

/** The `webhook-signature` header: one `v1,<sig>` per secret, space-separated. */
export function signatureHeader(
  keys: readonly Buffer[],
  id: string,
  timestamp: number,
  body: string,
): string {
  return keys.map((k) => `v1,${signPayload(k, id, timestamp, body)}`).join(' ');
}

/** A header-safe, stable `webhook-id` for a message id. */
export function webhookIdFor(messageId: string): string {
  if (/^[\x21-\x7e]{1,200}$/.test(messageId)) return messageId;
  return `msg_${createHash('sha256').update(messageId).digest('base64url').slice(0, 32)}`;
}

type HeaderSource =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  }
  const rec = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const key = Object.keys(rec).find((k) => k.toLowerCase() === name);
  const v = key === undefined ? undefined : rec[key];
  return Array.isArray(v) ? v[0] : (v as string | undefined);
}

/** Options of {@link verifyWebhook}. */
export interface VerifyWebhookOptions {
  /** The endpoint's secret (`whsec_...`). */
  readonly secret?: string;
  /** Several secrets during a rotation: a signature by any of them is accepted. */
  readonly secrets?: readonly string[];
  /** Request headers: a plain object (Node) or a `Headers` instance (fetch). */
  readonly headers: HeaderSource;
  /** The raw request body, exactly as received (not re-serialised JSON). */
  readonly body: string | Uint8Array;
  /** The receiver's current time. */
  readonly now: Date;
  /** Max age (and max clock skew into the future) of `webhook-timestamp`, in seconds. @default 300 */
  readonly toleranceSec?: number;
}

/** A verified delivery. */
export interface VerifiedWebhook {
  /** `webhook-id`: dedup on it (the same id is reused by every retry). */
  readonly id: string;
  /** `webhook-timestamp` as a Date. */
  readonly timestamp: Date;
  /** The parsed JSON body. */
  readonly payload: unknown;
}

function fail(code: string, message: string): never {
  throw new ValidationError([{ code, path: ['headers'], message }], {
    context: 'verifyWebhook',
  });
}

/**
 * Verifies a Standard Webhooks request: the HMAC-SHA256 signature over
 * `${webhook-id}.${webhook-timestamp}.${body}` (constant-time compare) and the timestamp's age.
 * Throws a `ValidationError` (issue codes `webhook_missing_header`, `webhook_timestamp_invalid`,
 * `webhook_timestamp_too_old`, `webhook_timestamp_in_future`, `webhook_signature_invalid`).
 *
 * @example
 * ```ts
 * const { id, payload } = verifyWebhook({ secret: process.env.WEBHOOK_SECRET!, headers: req.headers, body: rawBody, now: new Date() });
 * if (await seen(id)) return res.status(200).end(); // a retry of a delivery already handled
 * ```
 */
export function verifyWebhook(options: VerifyWebhookOptions): VerifiedWebhook {
  const secrets = options.secrets ?? (options.secret === undefined ? [] : [options.secret]);
  const keys = secrets.map(decodeSecret);
  if (keys.length === 0 || keys.some((k) => k === null)) {
    throw new ValidationError(
      [
        {
          code: 'invalid_secret',
          path: ['secret'],
          message: 'each secret must be "whsec_" followed by base64 of at least 16 bytes',
        },
      ],
      { context: 'verifyWebhook' },
    );
  }
  const id = header(options.headers, 'webhook-id');
  const ts = header(options.headers, 'webhook-timestamp');
  const sig = header(options.headers, 'webhook-signature');
  if (!id || !ts || !sig) {
    fail(
      'webhook_missing_header',
      'missing webhook-id, webhook-timestamp or webhook-signature header',
    );
  }
  if (!/^\d{1,12}$/.test(ts))
    fail('webhook_timestamp_invalid', 'webhook-timestamp is not a number of seconds');
  const timestamp = Number(ts);
  const nowSec = Math.floor(options.now.getTime() / 1000);
  const tolerance = options.toleranceSec ?? 300;
  if (nowSec - timestamp > tolerance) {
    fail(
      'webhook_timestamp_too_old',
      `webhook-timestamp is more than ${tolerance} s old (possible replay)`,
    );
  }
  if (timestamp - nowSec > tolerance) {
    fail(
      'webhook_timestamp_in_future',
      `webhook-timestamp is more than ${tolerance} s in the future`,
    );
  }
  const body =
    typeof options.body === 'string' ? options.body : Buffer.from(options.body).toString('utf8');
  const provided = sig
    .split(' ')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('v1,'))
    .map((s) => Buffer.from(s.slice(3), 'base64'));
  let match = false;
  for (const key of keys as Buffer[]) {
    const expected = Buffer.from(signPayload(key, id, timestamp, body), 'base64');
    for (const p of provided) {
      // Constant-time compare; lengths are public (always 32 bytes for a valid signature).
      if (p.length === expected.length && timingSafeEqual(p, expected)) match = true;
    }
  }
  if (!match)
    fail(
      'webhook_signature_invalid',
      'no webhook-signature matches (tampered body or wrong secret)',
    );
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    payload = body;
  }
  return { id, timestamp: new Date(timestamp * 1000), payload };
}
