import {
  accessRecheck,
  backoffDelay,
  createManualClock,
  createNotificationQueue,
  type DeliveryResult,
  defineRouting,
  memoryOutbox,
  type QueueEvent,
  seededRandom,
  ValidationError,
} from 'ticketkit';
import { describe, expect, it } from 'vitest';
import { assignedEvent, makeDirectory, makeTicket, msg, scriptedNotifier } from './_fixtures';

const SEED = 20260105;
const fail = (retryable: boolean, extra: Partial<DeliveryResult> = {}): DeliveryResult =>
  ({
    ok: false,
    retryable,
    error: retryable ? 'HTTP 503' : 'HTTP 410',
    ...extra,
  }) as DeliveryResult;

describe('backoff', () => {
  it('is exponential with full jitter, capped at maxMs', () => {
    const random = seededRandom(SEED);
    const retry = { baseMs: 1000, maxMs: 60_000, jitter: 'full' as const };
    for (let attempt = 1; attempt <= 30; attempt++) {
      const cap = Math.min(60_000, 1000 * 2 ** (attempt - 1));
      for (let i = 0; i < 200; i++) {
        const d = backoffDelay(attempt, retry, random);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(cap);
      }
    }
    expect(backoffDelay(3, { ...retry, jitter: 'none' }, random)).toBe(4000);
    expect(backoffDelay(40, { ...retry, jitter: 'none' }, random)).toBe(60_000);
    // full jitter spreads: mean of attempt-7 delays is near half the cap (32 s)
    const r2 = seededRandom(SEED);
    let sum = 0;
    for (let i = 0; i < 2000; i++) sum += backoffDelay(7, retry, r2);
    expect(sum / 2000).toBeGreaterThan(28_000);
    expect(sum / 2000).toBeLessThan(36_000);
  });
});

describe('createNotificationQueue', () => {
  it('validates its options', () => {
    expect(() =>
      createNotificationQueue({
        notifiers: {},
        clock: undefined as never,
        retry: { maxAttempts: 0 },
      }),
    ).toThrow(ValidationError);
  });

  it('rejects messages for channels without a notifier', async () => {
    const q = createNotificationQueue({
      notifiers: { fake: scriptedNotifier().notifier },
      clock: createManualClock(),
    });
    await expect(q.enqueue([msg({ channel: 'pager' })])).rejects.toThrow(
      /no notifier for channel "pager"/,
    );
  });

  it('enqueue is idempotent by message id', async () => {
    const { notifier, calls } = scriptedNotifier();
    const q = createNotificationQueue({
      notifiers: { fake: notifier },
      clock: createManualClock(),
    });
    const m = msg();
    expect(await q.enqueue([m, m])).toEqual({ inserted: 1, duplicates: 1 });
    await q.tick();
    expect(await q.enqueue([m])).toEqual({ inserted: 0, duplicates: 1 });
    await q.tick();
    expect(calls).toHaveLength(1);
  });

  it('retries with backoff and the same id until success', async () => {
    const { notifier, calls } = scriptedNotifier((_m, attempt) =>
      attempt < 4 ? fail(true) : { ok: true },
    );
    const clock = createManualClock();
    const events: QueueEvent[] = [];
    const q = createNotificationQueue({
      notifiers: { fake: notifier },
      clock,
      random: seededRandom(SEED),
      onEvent: (e) => events.push(e),
    });
    const m = msg();
    await q.enqueue([m]);
    for (let i = 0; i < 30; i++) {
      await q.tick();
      clock.advance(1000);
    }
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3, 4]);
    expect(new Set(calls.map((c) => c.id))).toEqual(new Set([m.id]));
    const retries = events.filter((e) => e.type === 'retry_scheduled');
    expect(retries).toHaveLength(3);
    expect((await q.store.get(m.id))!.status).toBe('delivered');
  });

  it('honours retryAfterMs beyond the backoff cap', async () => {
    const { notifier, calls } = scriptedNotifier((_m, a) =>
      a === 1 ? fail(true, { retryAfterMs: 120_000 }) : { ok: true },
    );
    const clock = createManualClock();
    const q = createNotificationQueue({ notifiers: { fake: notifier }, clock, random: () => 0.5 });
    await q.enqueue([msg()]);
    await q.tick();
    clock.advance(119_000);
    await q.tick();
    expect(calls).toHaveLength(1);
    clock.advance(1000);
    await q.tick();
    expect(calls).toHaveLength(2);
  });

  it('D4: a permanent failure goes to the dead letter after 1 attempt, then 0 more attempts; redrive delivers', async () => {
    let healthy = false;
    const { notifier, calls } = scriptedNotifier(() => (healthy ? { ok: true } : fail(false)));
    const clock = createManualClock();
    const q = createNotificationQueue({
      notifiers: { fake: notifier },
      clock,
      breaker: { failureThreshold: 1000 },
    });
    const messages = Array.from({ length: 50 }, () => msg());
    await q.enqueue(messages);
    await q.tick();
    expect(calls).toHaveLength(50);
    for (let i = 0; i < 24; i++) {
      clock.advance({ hours: 1 });
      await q.tick();
    }
    expect(calls).toHaveLength(50);
    const dead = await q.listDead();
    expect(dead).toHaveLength(50);
    expect(dead[0]!.attempts).toBe(1);
    expect(dead[0]!.lastError).toBe('Permanent failure: HTTP 410');
    healthy = true;
    for (const d of dead) expect(await q.redrive(d.id)).toBe(true);
    expect(await q.redrive('nope')).toBe(false);
    await q.tick();
    expect(calls).toHaveLength(100);
    expect((await q.store.counts()).delivered).toBe(50);
    expect(await q.listDead()).toHaveLength(0);
  });

  it('D4: a retryable failure goes to the dead letter after exactly maxAttempts', async () => {
    let healthy = false;
    const { notifier, calls } = scriptedNotifier(() => (healthy ? { ok: true } : fail(true)));
    const clock = createManualClock();
    const q = createNotificationQueue({
      notifiers: { fake: notifier },
      clock,
      retry: { maxAttempts: 8 },
      random: seededRandom(SEED),
      breaker: { failureThreshold: 1000 },
    });
    const m = msg();
    await q.enqueue([m]);
    for (let i = 0; i < 600; i++) {
      await q.tick();
      clock.advance(1000);
    }
    expect(calls).toHaveLength(8);
    const dead = await q.listDead();
    expect(dead.map((d) => [d.id, d.attempts, d.lastError])).toEqual([
      [m.id, 8, 'Gave up after 8 attempts: HTTP 503'],
    ]);
    healthy = true;
    await q.redrive(m.id);
    await q.tick();
    expect(calls).toHaveLength(9);
    expect((await q.store.get(m.id))!.status).toBe('delivered');
  });

  it("delivers one ticket's messages per channel in sequence order; other tickets are not blocked", async () => {
    const { notifier, calls } = scriptedNotifier((m, a) =>
      m.ticketId === 'A' && m.sequence === 1 && a < 3 ? fail(true) : { ok: true },
    );
    const clock = createManualClock();
    const q = createNotificationQueue({
      notifiers: { fake: notifier },
      clock,
      random: seededRandom(SEED),
    });
    // enqueued out of order on purpose
    await q.enqueue([
      msg({ id: 'A3', ticketId: 'A', sequence: 3 }),
      msg({ id: 'A1', ticketId: 'A', sequence: 1 }),
      msg({ id: 'B1', ticketId: 'B', sequence: 1 }),
      msg({ id: 'A2', ticketId: 'A', sequence: 2 }),
      msg({ id: 'B2', ticketId: 'B', sequence: 2 }),
    ]);
    await q.tick();
    expect(calls.map((c) => c.id)).toEqual(['A1', 'B1', 'B2']);
    for (let i = 0; i < 20; i++) {
      clock.advance(1000);
      await q.tick();
    }
    expect(calls.filter((c) => c.ticketId === 'A').map((c) => c.id)).toEqual([
      'A1',
      'A1',
      'A1',
      'A2',
      'A3',
    ]);
  });

  it('a message deferred by quiet hours does not hold back a later urgent one', async () => {
    const { notifier, calls } = scriptedNotifier();
    const clock = createManualClock('2026-01-05T12:00:00Z');
    const q = createNotificationQueue({ notifiers: { fake: notifier }, clock });
    await q.enqueue([
      msg({ id: 'later', ticketId: 'A', sequence: 1, notBefore: '2026-01-06T01:00:00.000Z' }),
      msg({ id: 'urgent', ticketId: 'A', sequence: 2, urgent: true }),
    ]);
    await q.tick();
    expect(calls.map((c) => c.id)).toEqual(['urgent']);
    clock.set('2026-01-06T01:00:00Z');
    await q.tick();
    expect(calls.map((c) => c.id)).toEqual(['urgent', 'later']);
  });

  it('D4: the circuit breaker opens after N consecutive failures and half-opens on schedule', async () => {
    let healthy = false;
    const { notifier, calls } = scriptedNotifier(() => (healthy ? { ok: true } : fail(true)));
    const clock = createManualClock();
    const events: QueueEvent[] = [];
    const q = createNotificationQueue({
      notifiers: { fake: notifier },
      clock,
      concurrency: 1,
      retry: { maxAttempts: 100, baseMs: 1, maxMs: 1 },
      breaker: { failureThreshold: 3, cooldownMs: 30_000 },
      onEvent: (e) => events.push(e),
    });
    await q.enqueue(Array.from({ length: 10 }, () => msg()));
    await q.tick();
    expect(calls).toHaveLength(3);
    expect(q.breakers()[0]).toMatchObject({ state: 'open', consecutiveFailures: 3 });
    expect(q.breakers()[0]!.retryAt).toBe(new Date(clock.now().getTime() + 30_000).toISOString());
    clock.advance(29_999);
    await q.tick();
    expect(calls).toHaveLength(3); // still open: nothing sent
    clock.advance(1);
    expect(q.breakers()[0]!.state).toBe('half_open');
    await q.tick();
    expect(calls).toHaveLength(4); // exactly one trial, which fails: open again
    expect(q.breakers()[0]!.state).toBe('open');
    healthy = true;
    clock.advance(30_000);
    await q.tick();
    expect(q.breakers()[0]!.state).toBe('closed');
    expect((await q.store.counts()).delivered).toBe(10);
    expect(events.filter((e) => e.type.startsWith('breaker')).map((e) => e.type)).toEqual([
      'breaker_opened',
      'breaker_half_open',
      'breaker_opened',
      'breaker_half_open',
      'breaker_closed',
    ]);
    // attempts were not burnt while the breaker was open
    const entries = (q.store as ReturnType<typeof memoryOutbox>).entries();
    expect(Math.max(...entries.map((e) => e.attempts))).toBeLessThanOrEqual(3);
  });

  it('Z5: a recipient whose access is revoked between routing and sending receives nothing', async () => {
    const { directory } = makeDirectory();
    const routing = defineRouting([
      { name: 'team', on: 'ticket.assigned', to: ['team', 'watchers'], channels: ['fake'] },
    ]);
    const ticket = makeTicket();
    const messages = await routing.route(assignedEvent(), directory);
    expect(messages.map((m) => m.recipient.id).sort()).toEqual(
      ['alice', 'bob', 'carol', 'substitute1', 'watcher1'].sort(),
    );
    directory.revoke('bob');
    directory.revoke('substitute1');
    const { notifier, calls } = scriptedNotifier();
    const events: QueueEvent[] = [];
    const q = createNotificationQueue({
      notifiers: { fake: notifier },
      clock: createManualClock(),
      recheck: accessRecheck({ directory, getTicket: () => ticket }),
      onEvent: (e) => events.push(e),
    });
    await q.enqueue(messages);
    const result = await q.tick();
    expect(result).toMatchObject({ delivered: 3, skipped: 2 });
    expect(calls.map((c) => c.id).filter((id) => /:(bob|substitute1):/.test(id))).toEqual([]);
    expect(
      events
        .filter((e) => e.type === 'skipped')
        .map((e) => e.type === 'skipped' && e.recipientId)
        .sort(),
    ).toEqual(['bob', 'substitute1']);
    const bob = (await q.store.get(messages.find((m) => m.recipient.id === 'bob')!.id))!;
    expect(bob.status).toBe('skipped');
    expect(bob.lastError).toBe('no_read_access');
  });

  it('Z5: a deleted ticket skips its messages', async () => {
    const { notifier, calls } = scriptedNotifier();
    const q = createNotificationQueue({
      notifiers: { fake: notifier },
      clock: createManualClock(),
      recheck: accessRecheck({ directory: makeDirectory().directory, getTicket: async () => null }),
    });
    await q.enqueue([msg()]);
    expect((await q.tick()).skipped).toBe(1);
    expect(calls).toHaveLength(0);
  });

  it('a notifier that throws is retried; a throwing listener does not break delivery', async () => {
    let n = 0;
    const clock = createManualClock();
    const q = createNotificationQueue({
      notifiers: {
        fake: {
          name: 'boom',
          async send() {
            if (n++ === 0) throw new Error('kaput');
            return { ok: true };
          },
        },
      },
      clock,
      random: () => 0.5,
      onEvent: () => {
        throw new Error('listener');
      },
    });
    await q.enqueue([msg()]);
    const r1 = await q.tick();
    expect(r1.retried).toBe(1);
    clock.advance(500);
    const r2 = await q.tick();
    expect(r2.delivered).toBe(1);
  });

  it('reclaims an expired lease (a relay that crashed mid-delivery)', async () => {
    const store = memoryOutbox();
    const clock = createManualClock();
    const m = msg();
    await store.enqueue([m], clock.now());
    const claimed = await store.claim(clock.now(), 10, 60_000);
    expect(claimed.map((e) => e.id)).toEqual([m.id]);
    expect(await store.claim(clock.now(), 10, 60_000)).toEqual([]);
    const { notifier, calls } = scriptedNotifier();
    const q = createNotificationQueue({ notifiers: { fake: notifier }, clock, store });
    await q.tick();
    expect(calls).toHaveLength(0);
    clock.advance(60_000);
    await q.tick();
    expect(calls.map((c) => c.id)).toEqual([m.id]);
  });

  it('start() arms clock timers: deliveries and retries happen as the clock moves', async () => {
    const { notifier, calls } = scriptedNotifier((_m, a) => (a === 1 ? fail(true) : { ok: true }));
    const clock = createManualClock();
    const q = createNotificationQueue({ notifiers: { fake: notifier }, clock, random: () => 0.5 });
    q.start();
    await q.enqueue([
      msg(),
      msg({ notBefore: new Date(clock.now().getTime() + 3_600_000).toISOString() }),
    ]);
    clock.advance(0);
    await q.idle();
    expect(calls.map((c) => c.attempt)).toEqual([1]);
    clock.advance(499); // retry after 0.5 * 1000 ms
    await q.idle();
    expect(calls).toHaveLength(1);
    clock.advance(1);
    await q.idle();
    expect(calls).toHaveLength(2);
    clock.advance({ hours: 1 });
    await q.idle();
    expect(calls).toHaveLength(3); // the deferred message's first attempt (fails, by script)
    clock.advance(500);
    await q.idle();
    expect(calls).toHaveLength(4);
    expect((await q.store.counts()).delivered).toBe(2);
    q.stop();
    expect(clock.pending()).toBe(0);
  });
});
