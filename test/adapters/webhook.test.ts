import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import {
  createManualClock,
  createNotificationQueue,
  type DeliveryResult,
  type NotificationMessage,
  type QueueEvent,
  seededRandom,
  ValidationError,
} from 'ticketkit';
import {
  checkWebhookUrl,
  classifyAddress,
  dingtalkRobotNotifier,
  type PinnedRequest,
  type TransportResponse,
  verifyWebhook,
  type WebhookPayload,
  webhookNotifier,
  wecomRobotNotifier,
} from 'ticketkit/adapters/webhook';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { conformanceMessage, runNotifierConformance } from '../conformance/notifier';

const SEED = 4242;
const secretOf = (text: string) => `whsec_${Buffer.from(text).toString('base64')}`;
const SECRET = secretOf('test-secret-0123456789abcdef');

// --- a local receiver on 127.0.0.1 ---------------------------------------------------------

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Handler = (r: Received, res: http.ServerResponse, req: http.IncomingMessage) => void;

async function startServer(handler: { current: Handler }) {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () =>
      handler.current(
        { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') },
        res,
        req,
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/hook`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const handler: { current: Handler } = { current: (_r, res) => res.end() };
let server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  server = await startServer(handler);
});
afterAll(() => server.close());
afterEach(() => {
  vi.restoreAllMocks();
});

const local = (over: Record<string, unknown> = {}) =>
  webhookNotifier({
    url: server.url,
    secret: SECRET,
    allowHttp: true,
    allowPrivateNetworks: true,
    ...over,
  });

/** Verifies with the standardwebhooks package, its clock set to the receiver's instant. */
function verifyWithLibrary(secret: string, r: Received, atMs: number): unknown {
  const spy = vi.spyOn(Date, 'now').mockReturnValue(atMs);
  try {
    return new Webhook(secret).verify(r.body, r.headers as Record<string, string>);
  } finally {
    spy.mockRestore();
  }
}

function ticketMessages(tickets: number, perTicket: number): NotificationMessage[] {
  const out: NotificationMessage[] = [];
  for (let s = 1; s <= perTicket; s++) {
    for (let t = 0; t < tickets; t++) {
      out.push(
        conformanceMessage({
          id: `evt_${t}_${s}:u${t}:webhook`,
          channel: 'webhook',
          ticketId: `tk_${t}`,
          sequence: s,
        }),
      );
    }
  }
  return out;
}

// --- conformance --------------------------------------------------------------------------

{
  const seen: { id: string; accepted: boolean }[] = [];
  let failing: { n: number; kind: 'retryable' | 'permanent' } = { n: 0, kind: 'retryable' };
  const receiverHandler: Handler = (r, res) => {
    const id = String(r.headers['webhook-id']);
    if (failing.n > 0) {
      failing.n--;
      seen.push({ id, accepted: false });
      res.statusCode = failing.kind === 'retryable' ? 503 : 410;
      res.end();
      return;
    }
    seen.push({ id, accepted: true });
    res.end('ok');
  };
  runNotifierConformance({
    name: 'webhook (127.0.0.1 receiver)',
    create: () => {
      handler.current = receiverHandler;
      return local();
    },
    receiver: {
      seen: () => seen,
      failNext: (n, kind) => {
        failing = { n, kind };
      },
      reset: () => {
        seen.length = 0;
        failing = { n: 0, kind: 'retryable' };
      },
    },
  });
}

// --- D2, D3, D4 ----------------------------------------------------------------------------

describe('D2: endpoint down for 5 minutes of the manual clock, then up', () => {
  it.each([
    { label: 'default retry and breaker', retry: {}, breaker: {} },
    {
      label: 'backoff alone (breaker off)',
      retry: { maxAttempts: 30 },
      breaker: { failureThreshold: 1e9 },
    },
  ])(
    '$label: 1,000/1,000 within max backoff + 10 s of recovery, signed, ordered, no duplicates',
    async ({ label, retry, breaker }) => {
      const clock = createManualClock('2026-01-05T01:00:00Z');
      const t0 = clock.now().getTime();
      const recoverAt = t0 + 5 * 60_000;
      const accepted: (Received & { at: number })[] = [];
      const arrivals: { ticketId: string; sequence: number }[] = [];
      let rejected = 0;
      handler.current = (r, res) => {
        const payload = JSON.parse(r.body) as WebhookPayload;
        arrivals.push({ ticketId: payload.data.ticketId, sequence: payload.data.sequence });
        if (clock.now().getTime() < recoverAt) {
          rejected++;
          res.statusCode = 503;
          res.end();
          return;
        }
        accepted.push({ ...r, at: clock.now().getTime() });
        res.end('ok');
      };
      const queue = createNotificationQueue({
        notifiers: { webhook: local({ clock }) },
        clock,
        random: seededRandom(SEED),
        retry,
        breaker,
        batchSize: 250,
        concurrency: 32,
      });
      const messages = ticketMessages(100, 10);
      await queue.enqueue(messages);
      let doneAt: number | null = null;
      for (let step = 0; step < 1000 && doneAt === null; step++) {
        await queue.tick();
        if (accepted.length >= 1000) doneAt = clock.now().getTime();
        else clock.advance(1000);
      }
      console.info(
        `D2 (${label}) seed=${SEED}: ${rejected} requests rejected during the outage; all delivered ${((doneAt ?? Number.NaN) - recoverAt) / 1000} s after recovery`,
      );
      expect(doneAt).not.toBeNull();
      expect(doneAt! - recoverAt).toBeLessThanOrEqual(60_000 + 10_000);
      const ids = accepted.map((a) => String(a.headers['webhook-id']));
      expect(ids).toHaveLength(1000); // 0 raw duplicates
      expect(new Set(ids).size).toBe(1000);
      expect(new Set(ids)).toEqual(new Set(messages.map((m) => m.id)));
      for (const a of accepted) expect(verifyWithLibrary(SECRET, a, a.at)).toBeTruthy();
      // per-ticket sequence is non-decreasing across every attempt the receiver saw
      const last = new Map<string, number>();
      for (const a of arrivals) {
        expect(a.sequence).toBeGreaterThanOrEqual(last.get(a.ticketId) ?? 0);
        last.set(a.ticketId, a.sequence);
      }
      expect((await queue.store.counts()).dead).toBe(0);
    },
  );
});

describe('D3: the receiver commits, then drops ~5% of connections before responding', () => {
  it('loses nothing; duplicates reuse the webhook-id; receiver dedup yields exactly N', async () => {
    const clock = createManualClock();
    const random = seededRandom(SEED + 1);
    const committed: string[] = [];
    handler.current = (r, res, req) => {
      committed.push(String(r.headers['webhook-id']));
      if (random() < 0.05) {
        req.socket.destroy();
        return;
      }
      res.end('ok');
    };
    const queue = createNotificationQueue({
      notifiers: { webhook: local({ clock }) },
      clock,
      random: seededRandom(SEED),
      batchSize: 250,
      concurrency: 32,
    });
    const messages = ticketMessages(200, 5);
    await queue.enqueue(messages);
    for (let step = 0; step < 600; step++) {
      await queue.tick();
      const c = await queue.store.counts();
      if (c.delivered === messages.length) break;
      clock.advance(1000);
    }
    const counts = await queue.store.counts();
    const dups = committed.length - new Set(committed).size;
    console.info(
      `D3 seed=${SEED + 1}: ${committed.length} raw deliveries, ${dups} duplicates (${((dups / 1000) * 100).toFixed(1)} %)`,
    );
    expect(counts.delivered).toBe(1000);
    expect(counts.dead).toBe(0);
    expect(new Set(committed).size).toBe(1000);
    expect(new Set(committed)).toEqual(new Set(messages.map((m) => m.id)));
    expect(dups).toBeGreaterThan(10);
    expect(dups).toBeLessThan(100);
  });
});

describe('D4: permanent failures, dead letter, redrive, breaker (real HTTP)', () => {
  it.each([410, 400])(
    'HTTP %i: dead letter after 1 attempt, 0 further attempts, redrive delivers',
    async (status) => {
      const clock = createManualClock();
      let requests = 0;
      let healthy = false;
      handler.current = (_r, res) => {
        requests++;
        res.statusCode = healthy ? 200 : status;
        res.end();
      };
      const queue = createNotificationQueue({
        notifiers: { webhook: local({ clock }) },
        clock,
        breaker: { failureThreshold: 1000 },
      });
      const messages = ticketMessages(20, 1);
      await queue.enqueue(messages);
      await queue.tick();
      for (let h = 0; h < 24; h++) {
        clock.advance({ hours: 1 });
        await queue.tick();
      }
      expect(requests).toBe(20);
      const dead = await queue.listDead();
      expect(dead).toHaveLength(20);
      expect(dead[0]!.lastError).toContain(`HTTP ${status}`);
      healthy = true;
      for (const d of dead) await queue.redrive(d.id);
      await queue.tick();
      expect(requests).toBe(40);
      expect((await queue.store.counts()).delivered).toBe(20);
    },
  );

  it('opens the breaker after N consecutive failures and half-opens after the cool-down', async () => {
    const clock = createManualClock();
    let requests = 0;
    handler.current = (_r, res) => {
      requests++;
      res.statusCode = 410;
      res.end();
    };
    const events: QueueEvent[] = [];
    const queue = createNotificationQueue({
      notifiers: { webhook: local({ clock }) },
      clock,
      concurrency: 1,
      breaker: { failureThreshold: 4, cooldownMs: 60_000 },
      onEvent: (e) => events.push(e),
    });
    await queue.enqueue(ticketMessages(10, 1));
    await queue.tick();
    expect(requests).toBe(4);
    expect(queue.breakers()[0]!.state).toBe('open');
    clock.advance(59_000);
    await queue.tick();
    expect(requests).toBe(4);
    clock.advance(1000);
    await queue.tick();
    expect(requests).toBe(5);
    expect(events.map((e) => e.type).filter((t) => t.startsWith('breaker'))).toEqual([
      'breaker_opened',
      'breaker_half_open',
      'breaker_opened',
    ]);
  });
});

describe('HTTP classification', () => {
  const cases: [number, boolean | 'ok'][] = [
    [200, 'ok'],
    [204, 'ok'],
    [301, false],
    [400, false],
    [401, false],
    [404, false],
    [408, true],
    [410, false],
    [422, false],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
  ];
  it.each(cases)('HTTP %i → %s', async (status, expected) => {
    handler.current = (_r, res) => {
      res.statusCode = status;
      res.end();
    };
    const r = await local().send(conformanceMessage(), { attempt: 1 });
    if (expected === 'ok') expect(r).toEqual({ ok: true });
    else expect(r.ok === false && r.retryable).toBe(expected);
  });

  it('honours Retry-After on 429 (seconds) and 503 (HTTP date)', async () => {
    const clock = createManualClock('2026-01-05T01:00:00Z');
    handler.current = (_r, res) => {
      res.statusCode = 429;
      res.setHeader('retry-after', '120');
      res.end();
    };
    const r1 = await local({ clock }).send(conformanceMessage(), { attempt: 1 });
    expect(r1).toMatchObject({ ok: false, retryable: true, retryAfterMs: 120_000 });
    handler.current = (_r, res) => {
      res.statusCode = 503;
      res.setHeader('retry-after', new Date('2026-01-05T01:05:00Z').toUTCString());
      res.end();
    };
    const r2 = await local({ clock }).send(conformanceMessage(), { attempt: 1 });
    expect(r2).toMatchObject({ ok: false, retryable: true, retryAfterMs: 300_000 });
  });

  it('times out on the injected clock (retryable)', async () => {
    const clock = createManualClock();
    const n = local({
      clock,
      timeoutMs: 5000,
      transport: (req: PinnedRequest) =>
        new Promise<TransportResponse>((_resolve, reject) =>
          req.signal.addEventListener('abort', () => reject(new Error('aborted'))),
        ),
    });
    const p = n.send(conformanceMessage(), { attempt: 1 });
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    clock.advance(5000);
    const r = await p;
    expect(r).toMatchObject({ ok: false, retryable: true });
    expect(r.ok === false && r.error).toContain('timed out after 5000 ms');
  });

  it('a closed port is a retryable network error', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const r = await local({ url: `http://127.0.0.1:${port}/x` }).send(conformanceMessage(), {
      attempt: 1,
    });
    expect(r).toMatchObject({ ok: false, retryable: true });
    expect(r.ok === false && r.error).toContain('ECONNREFUSED');
  });
});

// --- X2: SSRF ------------------------------------------------------------------------------

const LITERAL_URLS = [
  'https://127.0.0.1/',
  'https://127.1/',
  'https://0x7f.1/',
  'https://2130706433/',
  'https://0177.0.0.1/',
  'https://017700000001/',
  'https://0x7f000001/',
  'https://127.000.000.001/',
  'https://127.255.255.254:8443/x',
  'https://[::1]/',
  'https://[0:0:0:0:0:0:0:1]/',
  'https://[::ffff:127.0.0.1]/',
  'https://[0:0:0:0:0:ffff:7f00:1]/',
  'https://[::127.0.0.1]/',
  'https://[::ffff:10.0.0.1]/',
  'https://[::ffff:169.254.169.254]/',
  'https://[64:ff9b::7f00:1]/',
  'https://[2002:7f00:1::1]/',
  'https://[2001::1]/',
  'https://10.0.0.1/',
  'https://10.255.255.255/',
  'https://172.16.0.1/',
  'https://172.31.255.254/',
  'https://192.168.1.1/',
  'https://100.64.0.1/',
  'https://100.127.255.254/',
  'https://169.254.169.254/latest/meta-data/',
  'https://169.254.1.1/',
  'https://100.100.100.200/',
  'https://0.0.0.0/',
  'https://0/',
  'https://[::]/',
  'https://224.0.0.1/',
  'https://239.255.255.250/',
  'https://255.255.255.255/',
  'https://240.0.0.1/',
  'https://192.0.2.1/',
  'https://198.18.0.1/',
  'https://[fd00::1]/',
  'https://[fd12:3456:789a::1]/',
  'https://[fc00::1]/',
  'https://[fd00:ec2::254]/',
  'https://[fe80::1]/',
  'https://[febf::1]/',
  'https://[fec0::1]/',
  'https://[ff02::1]/',
  'https://localhost/',
  'https://localhost./',
  'https://LOCALHOST/',
  'https://api.localhost/',
  'https://metadata.google.internal/',
  'https://printer.local/',
  'https://intranet/',
  'https://１２７.０.０.１/',
];
const SCHEME_URLS = [
  'http://example.com/hook',
  'ftp://example.com/',
  'file:///etc/passwd',
  'gopher://example.com/',
  'javascript:alert(1)',
  'data:text/plain,hi',
  'ws://example.com/',
  'https://user:pass@example.com/',
  'not a url',
  '',
];
/** Names a stubbed DNS maps to non-public addresses (the `*.nip.io` class). */
const RESOLVED: Record<string, string[]> = {
  '127.0.0.1.nip.io': ['127.0.0.1'],
  'loop6.example.com': ['::1'],
  'mapped.example.com': ['::ffff:127.0.0.1'],
  'mapped-hex.example.com': ['::ffff:7f00:1'],
  'ten.example.com': ['10.1.2.3'],
  'rfc1918.example.com': ['192.168.0.10'],
  'cgnat.example.com': ['100.64.1.1'],
  'meta.example.com': ['169.254.169.254'],
  'alimeta.example.com': ['100.100.100.200'],
  'linklocal.example.com': ['169.254.10.10'],
  'ula.example.com': ['fd00::1'],
  'll6.example.com': ['fe80::1%eth0'],
  'zero.example.com': ['0.0.0.0'],
  'mcast.example.com': ['224.0.0.251'],
  'nat64.example.com': ['64:ff9b::a00:1'],
  'mixed.example.com': ['93.184.216.34', '10.0.0.1'],
  '10.0.0.1.sslip.io': ['10.0.0.1'],
  'ec2meta.example.com': ['fd00:ec2::254'],
  'unspec6.example.com': ['::'],
  'bcast.example.com': ['255.255.255.255'],
};

describe('X2: SSRF guard', () => {
  it(`rejects ${LITERAL_URLS.length + SCHEME_URLS.length} URL forms at creation, before any socket opens`, () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    expect(LITERAL_URLS.length + SCHEME_URLS.length).toBeGreaterThanOrEqual(40);
    for (const url of [...LITERAL_URLS, ...SCHEME_URLS]) {
      let error: unknown;
      try {
        webhookNotifier({ url, secret: SECRET });
      } catch (e) {
        error = e;
      }
      expect(error, url).toBeInstanceOf(ValidationError);
      expect(() => wecomRobotNotifier({ url }), url).toThrow(ValidationError);
      expect(() => dingtalkRobotNotifier({ url }), url).toThrow(ValidationError);
    }
    for (const url of LITERAL_URLS) {
      try {
        webhookNotifier({ url, secret: SECRET });
      } catch (e) {
        expect(
          (e as ValidationError).issues.map((i) => i.code),
          url,
        ).toContain('private_address');
      }
    }
    expect(connect).not.toHaveBeenCalled();
  });

  it(`rejects ${Object.keys(RESOLVED).length} names that resolve to non-public addresses at delivery, before any socket opens`, async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const transport = vi.fn();
    for (const [host, addresses] of Object.entries(RESOLVED)) {
      const lookup = vi.fn(async () =>
        addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
      );
      const n = webhookNotifier({ url: `https://${host}/hook`, secret: SECRET, lookup, transport });
      const r = await n.send(conformanceMessage(), { attempt: 1 });
      expect(r, host).toMatchObject({ ok: false, retryable: false });
      expect(r.ok === false && r.error, host).toContain('SSRF guard');
      expect(lookup).toHaveBeenCalledTimes(1);
      const check = await checkWebhookUrl(`https://${host}/`, { lookup });
      expect(check.ok, host).toBe(false);
    }
    expect(transport).not.toHaveBeenCalled();
    expect(connect).not.toHaveBeenCalled();
  });

  it('also rejects private literal IPs at delivery with the real transport when the lookup is bypassed', () => {
    for (const ip of [
      '127.0.0.1',
      '::1',
      '10.0.0.1',
      '169.254.169.254',
      'fd00::1',
      'fe80::1',
      '0.0.0.0',
      '::ffff:127.0.0.1',
    ]) {
      expect(classifyAddress(ip), ip).not.toBeNull();
    }
    for (const ip of [
      '93.184.216.34',
      '1.1.1.1',
      '2606:4700:4700::1111',
      '::ffff:8.8.8.8',
      '172.32.0.1',
      '100.128.0.1',
    ]) {
      expect(classifyAddress(ip), ip).toBeNull();
    }
  });

  it('DNS rebinding: first lookup public, second private → the second delivery is refused; each request is pinned to the IP validated in the same attempt', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const answers = [['93.184.216.34'], ['10.0.0.7']];
    const lookup = vi.fn(async () => answers.shift()!.map((address) => ({ address, family: 4 })));
    const pinned: string[] = [];
    const transport = vi.fn(async (req: PinnedRequest) => {
      pinned.push(req.address);
      return { status: 200, headers: {}, body: '' };
    });
    const n = webhookNotifier({
      url: 'https://rebind.example.com/hook',
      secret: SECRET,
      lookup,
      transport,
    });
    expect(await n.send(conformanceMessage(), { attempt: 1 })).toEqual({ ok: true });
    const second = await n.send(conformanceMessage(), { attempt: 1 });
    expect(second).toMatchObject({ ok: false, retryable: false });
    expect(pinned).toEqual(['93.184.216.34']);
    expect(transport).toHaveBeenCalledTimes(1);
    expect(connect).not.toHaveBeenCalled();
  });

  it('the default transport connects to the validated IP only (no second DNS lookup), with the original Host header', async () => {
    let host: string | undefined;
    handler.current = (r, res) => {
      host = r.headers.host;
      res.end();
    };
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const lookup = vi.fn(async () => [{ address: '127.0.0.1', family: 4 }]);
    const n = webhookNotifier({
      url: `http://pinned.invalid:${server.port}/hook`,
      secret: SECRET,
      lookup,
      allowHttp: true,
      allowPrivateNetworks: true,
    });
    expect(await n.send(conformanceMessage(), { attempt: 1 })).toEqual({ ok: true });
    expect(lookup).toHaveBeenCalledTimes(1);
    expect(host).toBe(`pinned.invalid:${server.port}`);
    expect(connect).toHaveBeenCalledTimes(1);
  });

  it('never follows a redirect (302 to a private IP or to the metadata service)', async () => {
    let requests = 0;
    handler.current = (_r, res) => {
      requests++;
      res.statusCode = 302;
      res.setHeader('location', 'http://169.254.169.254/latest/meta-data/iam');
      res.end();
    };
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const r = await local().send(conformanceMessage(), { attempt: 1 });
    expect(r).toMatchObject({ ok: false, retryable: false });
    expect(r.ok === false && r.error).toContain('redirects are never followed');
    expect(requests).toBe(1);
    expect(connect).toHaveBeenCalledTimes(1);
    const targets = connect.mock.calls.map((c) => JSON.stringify(c[0]));
    expect(targets.join()).not.toContain('169.254');
  });

  it('allowPrivateNetworks never opens the metadata service, unspecified or multicast addresses', () => {
    for (const url of [
      'http://169.254.169.254/',
      'http://0.0.0.0/',
      'http://[fd00:ec2::254]/',
      'http://224.0.0.1/',
    ]) {
      expect(
        () => webhookNotifier({ url, secret: SECRET, allowHttp: true, allowPrivateNetworks: true }),
        url,
      ).toThrow(ValidationError);
    }
  });
});

// --- X3: signing and verification ------------------------------------------------------------

describe('X3: Standard Webhooks signing', () => {
  const capture = () => {
    const sent: PinnedRequest[] = [];
    const transport = async (req: PinnedRequest) => {
      sent.push(req);
      return { status: 200, headers: {}, body: '' };
    };
    const lookup = async () => [{ address: '93.184.216.34', family: 4 }];
    return { sent, transport, lookup };
  };
  const clock = createManualClock('2026-01-05T01:00:00Z');
  const now = clock.now();

  it('every request verifies with the standardwebhooks package and with verifyWebhook', async () => {
    const { sent, transport, lookup } = capture();
    const n = webhookNotifier({
      url: 'https://hooks.example.com/x',
      secret: SECRET,
      transport,
      lookup,
      clock,
    });
    const m = conformanceMessage({ id: 'evt 1:ü:webhook' }); // not header-safe: hashed id
    await n.send(m, { attempt: 1 });
    await n.send(m, { attempt: 2 });
    const [a, b] = sent.map((s) => ({
      headers: s.headers as http.IncomingHttpHeaders,
      body: s.body,
    }));
    expect(a!.headers['webhook-id']).toBe(b!.headers['webhook-id']);
    expect(a!.headers['webhook-id']).toMatch(/^msg_/);
    expect(a!.body).toBe(b!.body);
    for (const r of [a!, b!]) {
      expect(verifyWithLibrary(SECRET, r, now.getTime())).toMatchObject({
        type: 'ticket.assigned',
      });
      const v = verifyWebhook({
        secret: SECRET,
        headers: r.headers as Record<string, string>,
        body: r.body,
        now,
      });
      expect(v.id).toBe(r.headers['webhook-id']);
      expect((v.payload as WebhookPayload).data.id).toBe(m.id);
    }
    // a fetch-style Headers object works too
    const h = new Headers(a!.headers as Record<string, string>);
    expect(
      verifyWebhook({ secret: SECRET, headers: h, body: Buffer.from(a!.body), now }).id,
    ).toBeTruthy();
  });

  it('rejects a tampered body, an old or future timestamp, a wrong secret and missing headers', async () => {
    const { sent, transport, lookup } = capture();
    await webhookNotifier({
      url: 'https://hooks.example.com/x',
      secret: SECRET,
      transport,
      lookup,
      clock,
    }).send(conformanceMessage(), { attempt: 1 });
    const headers = sent[0]!.headers as Record<string, string>;
    const body = sent[0]!.body;
    const code = (f: () => unknown) => {
      try {
        f();
        return 'accepted';
      } catch (e) {
        expect(e).toBeInstanceOf(ValidationError);
        return (e as ValidationError).issues[0]!.code;
      }
    };
    expect(code(() => verifyWebhook({ secret: SECRET, headers, body, now }))).toBe('accepted');
    expect(
      code(() =>
        verifyWebhook({ secret: SECRET, headers, body: body.replace('assigned', 'resolved'), now }),
      ),
    ).toBe('webhook_signature_invalid');
    expect(
      code(() =>
        verifyWebhook({ secret: SECRET, headers, body, now: new Date(now.getTime() + 301_000) }),
      ),
    ).toBe('webhook_timestamp_too_old');
    expect(
      code(() =>
        verifyWebhook({ secret: SECRET, headers, body, now: new Date(now.getTime() + 299_000) }),
      ),
    ).toBe('accepted');
    expect(
      code(() =>
        verifyWebhook({ secret: SECRET, headers, body, now: new Date(now.getTime() - 301_000) }),
      ),
    ).toBe('webhook_timestamp_in_future');
    expect(
      code(() =>
        verifyWebhook({ secret: secretOf('another-secret-0123456789'), headers, body, now }),
      ),
    ).toBe('webhook_signature_invalid');
    expect(
      code(() =>
        verifyWebhook({
          secret: SECRET,
          headers: { ...headers, 'webhook-id': 'other' },
          body,
          now,
        }),
      ),
    ).toBe('webhook_signature_invalid');
    expect(
      code(() =>
        verifyWebhook({
          secret: SECRET,
          headers: {
            ...headers,
            'webhook-timestamp': String(Math.floor(now.getTime() / 1000) + 1),
          },
          body,
          now,
        }),
      ),
    ).toBe('webhook_signature_invalid');
    const { 'webhook-signature': _s, ...noSig } = headers;
    expect(code(() => verifyWebhook({ secret: SECRET, headers: noSig, body, now }))).toBe(
      'webhook_missing_header',
    );
    // the library agrees on the tampered body
    expect(() =>
      verifyWithLibrary(
        SECRET,
        { headers: headers as never, body: body.replace('assigned', 'resolved') },
        now.getTime(),
      ),
    ).toThrow();
  });

  it('rotation: old and new secrets are both accepted during the overlap', async () => {
    const OLD = secretOf('old-secret-0123456789abcdef');
    const NEW = secretOf('new-secret-0123456789abcdef');
    const { sent, transport, lookup } = capture();
    const base = { url: 'https://hooks.example.com/x', transport, lookup, clock };
    await webhookNotifier({ ...base, secrets: [NEW, OLD] }).send(conformanceMessage(), {
      attempt: 1,
    }); // sender in overlap
    await webhookNotifier({ ...base, secret: OLD }).send(conformanceMessage(), { attempt: 1 }); // sender not yet rotated
    await webhookNotifier({ ...base, secret: NEW }).send(conformanceMessage(), { attempt: 1 }); // sender rotated
    const [overlap, oldOnly, newOnly] = sent.map((s) => ({
      headers: s.headers as Record<string, string>,
      body: s.body,
    }));
    expect(overlap!.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    // receivers holding either secret verify the overlap request
    expect(verifyWithLibrary(OLD, overlap as never, now.getTime())).toBeTruthy();
    expect(verifyWithLibrary(NEW, overlap as never, now.getTime())).toBeTruthy();
    // a receiver in overlap (both secrets) accepts senders on either side
    for (const r of [overlap!, oldOnly!, newOnly!]) {
      expect(
        verifyWebhook({ secrets: [NEW, OLD], headers: r.headers, body: r.body, now }).id,
      ).toBeTruthy();
    }
    expect(() =>
      verifyWebhook({ secret: NEW, headers: oldOnly!.headers, body: oldOnly!.body, now }),
    ).toThrow(ValidationError);
  });

  it('validates secrets at creation', () => {
    for (const secret of ['', 'whsec_', 'whsec_!!!', 'whsec_c2hvcnQ=', 'plain text']) {
      expect(() => webhookNotifier({ url: 'https://hooks.example.com/', secret }), secret).toThrow(
        ValidationError,
      );
    }
    expect(() => webhookNotifier({ url: 'https://hooks.example.com/' })).toThrow(
      /secret is required/,
    );
    expect(() =>
      webhookNotifier({
        url: 'https://hooks.example.com/',
        secret: randomBytes(24).toString('base64'),
      }),
    ).not.toThrow();
  });
});

// --- robots ---------------------------------------------------------------------------------

describe('WeCom and DingTalk robots', () => {
  const lookup = async () => [{ address: '203.208.40.1', family: 4 }];
  const robotTransport = (reply: unknown, status = 200) => {
    const sent: PinnedRequest[] = [];
    const transport = async (req: PinnedRequest) => {
      sent.push(req);
      return {
        status,
        headers: {},
        body: typeof reply === 'string' ? reply : JSON.stringify(reply),
      };
    };
    return { sent, transport };
  };

  it('WeCom: markdown message; errcode 0 ok, 45009 retryable after 60 s, others permanent', async () => {
    const url =
      'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=11111111-2222-3333-4444-555555555555';
    const ok = robotTransport({ errcode: 0, errmsg: 'ok' });
    const n = wecomRobotNotifier({ url, lookup, transport: ok.transport });
    expect(n.name).toBe('wecom');
    expect(
      await n.send(conformanceMessage({ subject: '工单 A', text: '内容'.repeat(3000) }), {
        attempt: 1,
      }),
    ).toEqual({ ok: true });
    const body = JSON.parse(ok.sent[0]!.body);
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.content.startsWith('**工单 A**')).toBe(true);
    expect(Buffer.byteLength(body.markdown.content)).toBeLessThanOrEqual(4096);
    expect(ok.sent[0]!.url.searchParams.get('key')).toBe('11111111-2222-3333-4444-555555555555');
    const limited = await wecomRobotNotifier({
      url,
      lookup,
      transport: robotTransport({ errcode: 45009, errmsg: 'api freq out of limit' }).transport,
    }).send(conformanceMessage(), { attempt: 1 });
    expect(limited).toMatchObject({ ok: false, retryable: true, retryAfterMs: 60_000 });
    const bad = await wecomRobotNotifier({
      url,
      lookup,
      transport: robotTransport({ errcode: 93000, errmsg: 'invalid webhook url' }).transport,
    }).send(conformanceMessage(), { attempt: 1 });
    expect(bad).toMatchObject({ ok: false, retryable: false });
    const http5 = await wecomRobotNotifier({
      url,
      lookup,
      transport: robotTransport('', 502).transport,
    }).send(conformanceMessage(), { attempt: 1 });
    expect(http5).toMatchObject({ ok: false, retryable: true });
  });

  it('DingTalk: signs with timestamp + HMAC-SHA256 of "timestamp\\nsecret", URL-encoded query params', async () => {
    const clock = createManualClock('2026-01-05T01:00:00Z');
    const secret = 'SEC0123456789abcdef0123456789abcdef';
    const ok = robotTransport({ errcode: 0, errmsg: 'ok' });
    const n = dingtalkRobotNotifier({
      url: 'https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789',
      secret,
      clock,
      lookup,
      transport: ok.transport,
    });
    expect(await n.send(conformanceMessage({ subject: 'S' }), { attempt: 1 })).toEqual({
      ok: true,
    });
    const sentUrl = ok.sent[0]!.url;
    const ts = clock.now().getTime();
    expect(sentUrl.searchParams.get('timestamp')).toBe(String(ts));
    const expected = createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64');
    expect(sentUrl.searchParams.get('sign')).toBe(expected);
    expect(sentUrl.search).toContain(`sign=${encodeURIComponent(expected)}`);
    expect(sentUrl.searchParams.get('access_token')).toBe('abcdef0123456789');
    const body = JSON.parse(ok.sent[0]!.body);
    expect(body).toMatchObject({ msgtype: 'markdown', markdown: { title: 'S' } });
    const fast = await dingtalkRobotNotifier({
      url: 'https://oapi.dingtalk.com/robot/send?access_token=x',
      lookup,
      transport: robotTransport({ errcode: 130101, errmsg: 'send too fast' }).transport,
    }).send(conformanceMessage(), { attempt: 1 });
    expect(fast).toMatchObject({ ok: false, retryable: true });
    const kw = await dingtalkRobotNotifier({
      url: 'https://oapi.dingtalk.com/robot/send?access_token=x',
      lookup,
      transport: robotTransport({ errcode: 310000, errmsg: 'keywords not in content' }).transport,
    }).send(conformanceMessage(), { attempt: 1 });
    expect(kw).toMatchObject({ ok: false, retryable: false });
  });
});

// --- X4: canary secrets ---------------------------------------------------------------------

describe('X4: secrets never appear in errors, payloads or logs', () => {
  it('canary webhook secret, robot key and DingTalk secret: 0 occurrences', async () => {
    const CANARY = 'CANARY-7f3a9c-WEBHOOK-SECRET';
    const WH = secretOf(CANARY);
    const KEY = 'CANARYKEY-1234-5678-9abc';
    const DSEC = 'SECCANARY9876543210fedcba';
    const forms = [CANARY, WH, WH.slice(6), KEY, DSEC];
    const texts: string[] = [];
    const logs: string[] = [];
    for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
        logs.push(args.map(String).join(' '));
      });
    }
    // configuration errors
    for (const bad of [`whsec_${CANARY}!`, `${CANARY}`]) {
      try {
        webhookNotifier({ url: `https://user:${CANARY}@10.0.0.1/?token=${KEY}`, secret: bad });
      } catch (e) {
        texts.push(String(e), JSON.stringify((e as ValidationError).issues));
      }
    }
    // delivery failures of every kind, through the queue (dead letter and events)
    const clock = createManualClock();
    const outcomes: (number | 'drop')[] = [503, 410, 'drop'];
    handler.current = (r, res, req) => {
      texts.push(r.body, JSON.stringify(r.headers));
      const o = outcomes.shift() ?? 400;
      if (o === 'drop') return void req.socket.destroy();
      res.statusCode = o;
      res.end(`echo ${CANARY}`);
    };
    const events: QueueEvent[] = [];
    // robots whose APIs echo back the secrets they were given
    const robotEcho = (echo: string) => async () => ({
      status: 200,
      headers: {},
      body: JSON.stringify({ errcode: 93000, errmsg: `invalid ${echo}` }),
    });
    const queue = createNotificationQueue({
      notifiers: {
        webhook: local({ secret: WH, clock, url: `${server.url}?token=${KEY}` }),
        wecom: wecomRobotNotifier({
          url: `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`,
          lookup: async () => [{ address: '203.208.40.1', family: 4 }],
          transport: robotEcho(`key ${KEY}`),
        }),
        dingtalk: dingtalkRobotNotifier({
          url: `https://oapi.dingtalk.com/robot/send?access_token=${KEY}`,
          secret: DSEC,
          lookup: async () => [{ address: '203.208.40.1', family: 4 }],
          transport: robotEcho(`token ${KEY} secret ${DSEC}`),
        }),
      },
      clock,
      retry: { maxAttempts: 3 },
      onEvent: (e) => events.push(e),
    });
    await queue.enqueue([
      ...ticketMessages(4, 1),
      conformanceMessage({ channel: 'wecom' }),
      conformanceMessage({ channel: 'dingtalk' }),
    ]);
    for (let i = 0; i < 200; i++) {
      await queue.tick();
      clock.advance(1000);
    }
    const dead = await queue.listDead();
    expect(dead.length).toBeGreaterThan(0);
    texts.push(
      JSON.stringify(events),
      JSON.stringify(dead),
      JSON.stringify((queue.store as unknown as { entries(): unknown }).entries()),
    );
    const results: DeliveryResult[] = [];
    results.push(
      await local({ secret: WH, url: 'http://127.0.0.1:1/x' }).send(conformanceMessage(), {
        attempt: 1,
      }),
    );
    texts.push(JSON.stringify(results));
    const all = [...texts, ...logs].join('\n');
    expect(all).toContain('webhook-signature'); // the corpus is real
    for (const f of forms) expect(all.split(f).length - 1, f).toBe(0);
  });
});
