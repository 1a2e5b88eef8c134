// The SSRF guard and the pinned HTTP transport shared by the webhook and robot notifiers.
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { type Clock, type DeliveryResult, ValidationError, type ValidationIssue } from 'ticketkit';
import { ALWAYS_BLOCKED, classifyAddress, isInternalName, isIpLiteral } from './_ip';

/** A DNS lookup returning every address of a host (`dns.promises.lookup(host, { all: true })`). */
export type LookupFunction = (
  hostname: string,
) => Promise<ReadonlyArray<{ readonly address: string; readonly family: number }>>;

/** One outgoing request, already validated: the transport must connect to `address`. */
export interface PinnedRequest {
  readonly url: URL;
  /** The validated IP to connect to (DNS is not consulted again). */
  readonly address: string;
  readonly family: 4 | 6;
  readonly method: 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly signal: AbortSignal;
}

/** What a transport returns. Redirects are returned as-is, never followed. */
export interface TransportResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Up to 64 KiB of the response body. */
  readonly body: string;
}

/** Sends a {@link PinnedRequest}. The default uses `node:http`/`node:https` with a pinned lookup. */
export type WebhookTransport = (request: PinnedRequest) => Promise<TransportResponse>;

/** Network options shared by every webhook-style notifier. */
export interface GuardOptions {
  /** Allow `http:` URLs. @default false */
  readonly allowHttp?: boolean;
  /**
   * Allow loopback, RFC 1918, CGNAT, link-local and unique-local targets (trusted internal
   * endpoints, local tests). Unspecified, multicast, broadcast and cloud metadata addresses stay
   * blocked. @default false
   */
  readonly allowPrivateNetworks?: boolean;
  /** DNS lookup (inject a stub in tests). @default dns.promises.lookup with all: true */
  readonly lookup?: LookupFunction;
  /** HTTP transport (inject in tests). @default node:http(s) connecting to the validated IP */
  readonly transport?: WebhookTransport;
  /** Per-attempt timeout, on the injected clock. @default 10_000 */
  readonly timeoutMs?: number;
}

const MAX_BODY = 64 * 1024;

/** Replaces every occurrence of each secret by `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}

/** Issues with a URL, judged without DNS (literal IPs and internal names). */
export function urlIssues(raw: unknown, opts: GuardOptions, field = 'url'): ValidationIssue[] {
  if (typeof raw !== 'string' || raw.length === 0) {
    return [{ code: 'required', path: [field], message: `${field} is required (an https:// URL)` }];
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return [
      { code: 'invalid_url', path: [field], message: `${field} is not a valid absolute URL` },
    ];
  }
  const issues: ValidationIssue[] = [];
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && opts.allowHttp)) {
    issues.push({
      code: 'insecure_scheme',
      path: [field],
      message:
        url.protocol === 'http:'
          ? `${field} must use https:// (pass allowHttp: true only for trusted local endpoints)`
          : `${field} scheme "${url.protocol}" is not allowed; use https://`,
    });
  }
  if (url.username || url.password) {
    issues.push({
      code: 'credentials_in_url',
      path: [field],
      message: `${field} must not contain credentials; the webhook secret signs each request`,
    });
  }
  const why = hostIssue(url.hostname, opts);
  if (why) issues.push({ code: 'private_address', path: [field], message: `${field} ${why}` });
  return issues;
}

function hostIssue(hostname: string, opts: GuardOptions): string | null {
  if (isIpLiteral(hostname)) {
    const cls = classifyAddress(hostname);
    if (cls && (ALWAYS_BLOCKED.has(cls) || !opts.allowPrivateNetworks)) {
      return `points to a non-public address (${cls}); refusing it (SSRF guard)`;
    }
    return null;
  }
  if (!opts.allowPrivateNetworks && isInternalName(hostname)) {
    return `host "${hostname}" is an internal name; refusing it (SSRF guard)`;
  }
  return null;
}

/** Parses and checks a URL at creation; throws a ValidationError naming every problem. */
export function checkUrlAtCreation(raw: unknown, opts: GuardOptions, context: string): URL {
  const issues = urlIssues(raw, opts);
  if (issues.length) throw new ValidationError(issues, { context });
  return new URL(raw as string);
}

/** Parses an HTTP `Retry-After` (seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d{1,9}$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

/** The standard classification of an HTTP status. */
export function classifyStatus(res: TransportResponse, what: string, now: Date): DeliveryResult {
  const s = res.status;
  if (s >= 200 && s < 300) return { ok: true };
  if (s >= 300 && s < 400) {
    return {
      ok: false,
      retryable: false,
      error: `${what} answered HTTP ${s} (a redirect); redirects are never followed, fix the URL`,
    };
  }
  if (s === 408 || s === 429 || s >= 500) {
    const retryAfterMs =
      s === 429 || s === 503 ? parseRetryAfter(res.headers['retry-after'], now) : undefined;
    return {
      ok: false,
      retryable: true,
      error: `${what} answered HTTP ${s}`,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  return { ok: false, retryable: false, error: `${what} answered HTTP ${s} (permanent)` };
}

const defaultLookup: LookupFunction = (hostname) =>
  dnsLookup(hostname, { all: true, verbatim: true });

/** The default transport: node:http(s), connecting only to the pinned address, no redirects. */
export const nodeTransport: WebhookTransport = (req) =>
  new Promise<TransportResponse>((resolve, reject) => {
    const mod = req.url.protocol === 'https:' ? https : http;
    const host = req.url.hostname.replace(/^\[|\]$/g, '');
    const pinned = (
      _h: string,
      options: { all?: boolean } | number,
      cb: (...args: unknown[]) => void,
    ) => {
      if (typeof options === 'object' && options?.all) {
        cb(null, [{ address: req.address, family: req.family }]);
      } else cb(null, req.address, req.family);
    };
    const r = mod.request(
      {
        protocol: req.url.protocol,
        hostname: host,
        port: req.url.port || undefined,
        path: `${req.url.pathname}${req.url.search}`,
        method: req.method,
        headers: { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) },
        agent: false,
        lookup: pinned as never,
        ...(req.url.protocol === 'https:' && !isIpLiteral(host) ? { servername: host } : {}),
        signal: req.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < MAX_BODY) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => {
          const headers: Record<string, string | undefined> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            headers[k] = Array.isArray(v) ? v.join(', ') : v;
          }
          resolve({
            status: res.statusCode ?? 0,
            headers,
            body: Buffer.concat(chunks).subarray(0, MAX_BODY).toString('utf8'),
          });
        });
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('response aborted')));
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });

/** A resolved target, or the reason to refuse it. */
type Resolution =
  | { ok: true; address: string; family: 4 | 6 }
  | { ok: false; result: DeliveryResult };

/**
 * Resolves the URL's host and validates every address it maps to. Runs before every attempt,
 * so a DNS answer that changed since creation (rebinding) is caught.
 */
export async function resolveTarget(
  url: URL,
  opts: GuardOptions,
  what: string,
): Promise<Resolution> {
  const host = url.hostname;
  const literalIssue = hostIssue(host, opts);
  if (literalIssue) {
    return { ok: false, result: { ok: false, retryable: false, error: `${what} ${literalIssue}` } };
  }
  if (isIpLiteral(host)) {
    const bare = host.replace(/^\[|\]$/g, '');
    return { ok: true, address: bare, family: bare.includes(':') ? 6 : 4 };
  }
  let addresses: ReadonlyArray<{ address: string; family: number }>;
  try {
    addresses = await (opts.lookup ?? defaultLookup)(host.replace(/\.$/, ''));
  } catch (e) {
    const code = (e as { code?: string })?.code;
    return {
      ok: false,
      result: {
        ok: false,
        retryable: true,
        error: `${what}: DNS lookup failed (${code ?? 'error'})`,
      },
    };
  }
  if (!addresses || addresses.length === 0) {
    return {
      ok: false,
      result: { ok: false, retryable: true, error: `${what}: DNS lookup returned no address` },
    };
  }
  for (const a of addresses) {
    const cls = classifyAddress(a.address);
    if (cls && (ALWAYS_BLOCKED.has(cls) || !opts.allowPrivateNetworks)) {
      return {
        ok: false,
        result: {
          ok: false,
          retryable: false,
          error: `${what}: host resolved to a non-public address (${cls}); refusing to connect (SSRF guard)`,
        },
      };
    }
  }
  const first = addresses[0]!;
  const bare = first.address.replace(/^\[|\]$/g, '');
  return { ok: true, address: bare, family: bare.includes(':') ? 6 : 4 };
}

/**
 * Validates the target, then POSTs through the transport to the pinned IP with a timeout on
 * the injected clock. Never throws: network errors are retryable results.
 */
export async function guardedPost(args: {
  url: URL;
  opts: GuardOptions;
  clock: Clock;
  what: string;
  headers: Record<string, string>;
  body: string;
  signal?: AbortSignal;
  secrets: readonly string[];
  onResponse?: (res: TransportResponse) => DeliveryResult;
}): Promise<DeliveryResult> {
  const { url, opts, clock, what } = args;
  const target = await resolveTarget(url, opts, what);
  if (!target.ok) return target.result;
  const controller = new AbortController();
  const timeoutMs = opts.timeoutMs ?? 10_000;
  let timedOut = false;
  const timer = clock.setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = () => controller.abort();
  args.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await (opts.transport ?? nodeTransport)({
      url,
      address: target.address,
      family: target.family,
      method: 'POST',
      headers: args.headers,
      body: args.body,
      signal: controller.signal,
    });
    return args.onResponse ? args.onResponse(res) : classifyStatus(res, what, clock.now());
  } catch (e) {
    const code = (e as { code?: string })?.code;
    const detail = timedOut
      ? `timed out after ${timeoutMs} ms`
      : (code ?? (e instanceof Error ? e.message : String(e)));
    return {
      ok: false,
      retryable: true,
      error: redact(`${what}: request failed (${detail})`, args.secrets),
    };
  } finally {
    clock.clearTimeout(timer);
    args.signal?.removeEventListener('abort', onAbort);
  }
}
