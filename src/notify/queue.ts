import { setMaxListeners } from 'node:events';
import type { Clock, TimerId } from '../clock/index';
import { ValidationError, type ValidationIssue } from '../errors/index';
import type { Ticket } from '../ticket/index';
import { memoryOutbox, type OutboxEntry, type OutboxPort } from './outbox';
import type { RecipientDirectory } from './routing';
import type { DeliveryResult, NotificationMessage, Notifier } from './types';

/** Retry policy: exponential backoff with jitter, capped. */
export interface RetryOptions {
  /** Attempts before a retryable failure goes to the dead letter. @default 8 */
  readonly maxAttempts?: number;
  /** Backoff base: attempt n waits up to `baseMs * 2^(n-1)`. @default 1000 */
  readonly baseMs?: number;
  /** Backoff cap. @default 60_000 */
  readonly maxMs?: number;
  /** `full`: a uniform random wait in [0, backoff) (AWS "full jitter"); `none`: the backoff itself. @default 'full' */
  readonly jitter?: 'full' | 'none';
  /** Longest `Retry-After` honoured; longer requests are cut to this. @default 3_600_000 */
  readonly maxRetryAfterMs?: number;
}

/** Circuit breaker per channel. */
export interface BreakerOptions {
  /** Consecutive failed attempts that open the breaker. @default 5 */
  readonly failureThreshold?: number;
  /** How long an open breaker waits before one trial attempt (half-open). @default 30_000 */
  readonly cooldownMs?: number;
}

/** The state of one channel's breaker. */
export interface BreakerState {
  readonly channel: string;
  readonly state: 'closed' | 'open' | 'half_open';
  readonly consecutiveFailures: number;
  /** ISO 8601: when an open breaker half-opens. */
  readonly retryAt: string | null;
}

/** What the queue reports, for logs and metrics. Carries no message bodies and no secrets. */
export type QueueEvent =
  | {
      readonly type: 'delivered';
      readonly id: string;
      readonly channel: string;
      readonly attempt: number;
    }
  | {
      readonly type: 'retry_scheduled';
      readonly id: string;
      readonly channel: string;
      readonly attempt: number;
      readonly retryAt: string;
      readonly error: string;
    }
  | {
      readonly type: 'dead_lettered';
      readonly id: string;
      readonly channel: string;
      readonly attempt: number;
      readonly error: string;
      readonly permanent: boolean;
    }
  | {
      readonly type: 'skipped';
      readonly id: string;
      readonly channel: string;
      readonly recipientId: string;
      readonly reason: string;
    }
  | { readonly type: 'breaker_opened'; readonly channel: string; readonly retryAt: string }
  | { readonly type: 'breaker_half_open'; readonly channel: string }
  | { readonly type: 'breaker_closed'; readonly channel: string };

/**
 * The send-time check (Z5): true if the message may still go to its recipient. Runs right
 * before each attempt; a false skips the message (status `skipped`, no delivery).
 */
export type SendTimeCheck = (
  message: NotificationMessage,
) => boolean | string | Promise<boolean | string>;

/** Options of {@link createNotificationQueue}. */
export interface NotificationQueueOptions {
  /** One notifier per channel name used by the routing rules. */
  readonly notifiers: Readonly<Record<string, Notifier>>;
  /** Time source; all waits are on this clock. */
  readonly clock: Clock;
  readonly retry?: RetryOptions;
  readonly breaker?: BreakerOptions;
  /** Random source in [0, 1) for jitter; pass `seededRandom(seed)` for reproducible runs. @default Math.random */
  readonly random?: () => number;
  /** The outbox. @default memoryOutbox() */
  readonly store?: OutboxPort;
  /**
   * Re-checks each recipient right before delivery (Z5); see {@link accessRecheck}. Without it
   * messages are sent as routed.
   */
  readonly recheck?: SendTimeCheck;
  /** Entries claimed per round. @default 100 */
  readonly batchSize?: number;
  /** Deliveries in flight at once. @default 16 */
  readonly concurrency?: number;
  /** Lease per claim; must exceed a notifier's timeout. @default 60_000 */
  readonly leaseMs?: number;
  /** With `start()`: poll at least this often (other processes may enqueue). @default 30_000 */
  readonly pollMs?: number;
  /** Called for every delivery outcome and breaker change. */
  readonly onEvent?: (event: QueueEvent) => void;
}

/** What one {@link NotificationQueue.tick} did. */
export interface TickResult {
  readonly claimed: number;
  readonly delivered: number;
  readonly retried: number;
  readonly deadLettered: number;
  readonly skipped: number;
}

/** The delivery engine the desk (or a worker) drives. */
export interface NotificationQueue {
  /** The outbox it works on. */
  readonly store: OutboxPort;
  /** Adds messages (idempotent by id) and, when started, wakes the worker. */
  enqueue(
    messages: readonly NotificationMessage[],
  ): Promise<{ inserted: number; duplicates: number }>;
  /**
   * Delivers everything due now, round after round, until nothing is due. Ticks never overlap:
   * a call during a tick waits for it and then runs once more.
   */
  tick(): Promise<TickResult>;
  /** Arms clock timers: ticks when the next entry is due (or every `pollMs`). */
  start(): void;
  /** Disarms the timers and aborts in-flight sends. */
  stop(): void;
  /** Resolves when no tick is running (useful with `start()` and a manual clock). */
  idle(): Promise<void>;
  /** Dead entries. */
  listDead(options?: { tenantId?: string; limit?: number }): Promise<OutboxEntry[]>;
  /** Re-queues a dead entry with a fresh attempt budget. */
  redrive(id: string): Promise<boolean>;
  /** Breaker state per channel. */
  breakers(): BreakerState[];
}

/**
 * A seedable random source (mulberry32) in [0, 1), for reproducible jitter.
 *
 * @example
 * ```ts
 * createNotificationQueue({ notifiers, clock, random: seededRandom(42) });
 * ```
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The wait before retry number `attempt` (1 = after the first failure): `min(maxMs, baseMs *
 * 2^(attempt-1))`, times a uniform random factor with full jitter.
 */
export function backoffDelay(
  attempt: number,
  retry: Required<Pick<RetryOptions, 'baseMs' | 'maxMs' | 'jitter'>>,
  random: () => number,
): number {
  const exp = Math.min(retry.maxMs, retry.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 52)));
  if (retry.jitter === 'none') return exp;
  return Math.floor(random() * exp);
}

/**
 * Builds the send-time check (Z5) from the app's directory: the ticket is read again and
 * `canRead` is asked again, so a recipient who lost access since routing gets nothing.
 * A ticket that no longer exists skips the message.
 *
 * @example
 * ```ts
 * createNotificationQueue({
 *   notifiers, clock,
 *   recheck: accessRecheck({ directory, getTicket: (t, id) => store.getTicket(t, id) }),
 * });
 * ```
 */
export function accessRecheck(args: {
  directory: Pick<RecipientDirectory, 'canRead'>;
  getTicket: (tenantId: string, ticketId: string) => Promise<Ticket | null> | Ticket | null;
}): SendTimeCheck {
  return async (message) => {
    const ticket = await args.getTicket(message.tenantId, message.ticketId);
    if (!ticket) return 'ticket_not_found';
    return (await args.directory.canRead(message.recipient.id, ticket)) ? true : 'no_read_access';
  };
}

type Counts = { -readonly [K in keyof TickResult]: number };

interface Breaker {
  state: 'closed' | 'open' | 'half_open';
  failures: number;
  retryAt: number;
}

function validate(opts: NotificationQueueOptions): void {
  const issues: ValidationIssue[] = [];
  if (!opts || typeof opts.notifiers !== 'object' || opts.notifiers === null) {
    issues.push({
      code: 'required',
      path: ['notifiers'],
      message: 'notifiers is required: { channel: Notifier }',
    });
  } else {
    for (const [k, n] of Object.entries(opts.notifiers)) {
      if (!n || typeof n.send !== 'function') {
        issues.push({
          code: 'invalid_type',
          path: ['notifiers', k],
          message: 'must be a Notifier with send()',
        });
      }
    }
  }
  if (!opts?.clock || typeof opts.clock.now !== 'function') {
    issues.push({
      code: 'required',
      path: ['clock'],
      message: 'clock is required (systemClock or createManualClock())',
    });
  }
  const positive = (v: unknown, path: string[], int: boolean) => {
    if (v === undefined) return;
    if (
      typeof v !== 'number' ||
      !Number.isFinite(v) ||
      v < (int ? 1 : 0) ||
      (int && !Number.isInteger(v))
    ) {
      issues.push({
        code: 'invalid_type',
        path,
        message: `must be a ${int ? 'positive integer' : 'number >= 0'}`,
      });
    }
  };
  positive(opts?.retry?.maxAttempts, ['retry', 'maxAttempts'], true);
  positive(opts?.retry?.baseMs, ['retry', 'baseMs'], false);
  positive(opts?.retry?.maxMs, ['retry', 'maxMs'], false);
  positive(opts?.breaker?.failureThreshold, ['breaker', 'failureThreshold'], true);
  positive(opts?.breaker?.cooldownMs, ['breaker', 'cooldownMs'], false);
  positive(opts?.batchSize, ['batchSize'], true);
  positive(opts?.concurrency, ['concurrency'], true);
  positive(opts?.leaseMs, ['leaseMs'], true);
  if (
    opts?.retry?.jitter !== undefined &&
    opts.retry.jitter !== 'full' &&
    opts.retry.jitter !== 'none'
  ) {
    issues.push({
      code: 'invalid_enum',
      path: ['retry', 'jitter'],
      message: 'must be "full" or "none"',
    });
  }
  if (issues.length) throw new ValidationError(issues, { context: 'createNotificationQueue' });
}

/**
 * The delivery engine: claims due messages from the outbox, re-checks recipients, sends through
 * the channel's notifier, and records the outcome. At-least-once: a message is retried until a
 * notifier reports success, with exponential backoff and full jitter (honouring `retryAfterMs`);
 * permanent failures and exhausted retries go to the dead letter; `redrive` re-queues. One
 * ticket's messages on one channel go out in `sequence` order. A breaker per channel stops
 * calls to a failing notifier and probes it after a cool-down. All waiting is on `clock`.
 *
 * @example
 * ```ts
 * const queue = createNotificationQueue({
 *   notifiers: { webhook: webhookNotifier({ url, secret }), inbox: inboxNotifier(inbox) },
 *   clock: systemClock,
 *   recheck: accessRecheck({ directory, getTicket }),
 * });
 * await queue.enqueue(await routing.route(event, directory));
 * queue.start();
 * ```
 */
export function createNotificationQueue(options: NotificationQueueOptions): NotificationQueue {
  validate(options);
  const { notifiers, clock } = options;
  const store = options.store ?? memoryOutbox();
  const retry = {
    maxAttempts: options.retry?.maxAttempts ?? 8,
    baseMs: options.retry?.baseMs ?? 1000,
    maxMs: options.retry?.maxMs ?? 60_000,
    jitter: options.retry?.jitter ?? 'full',
    maxRetryAfterMs: options.retry?.maxRetryAfterMs ?? 3_600_000,
  } as const;
  const breakerOpts = {
    failureThreshold: options.breaker?.failureThreshold ?? 5,
    cooldownMs: options.breaker?.cooldownMs ?? 30_000,
  };
  const random = options.random ?? Math.random;
  const batchSize = options.batchSize ?? 100;
  const concurrency = options.concurrency ?? 16;
  const leaseMs = options.leaseMs ?? 60_000;
  const pollMs = options.pollMs ?? 30_000;
  const emit = (e: QueueEvent) => {
    try {
      options.onEvent?.(e);
    } catch {
      // A throwing listener must not break delivery.
    }
  };

  const breakers = new Map<string, Breaker>();
  const channels = Object.keys(notifiers);
  for (const c of channels) breakers.set(c, { state: 'closed', failures: 0, retryAt: 0 });

  // Every in-flight send listens to this signal; lift Node's 10-listener warning.
  const newAbort = () => {
    const c = new AbortController();
    setMaxListeners(0, c.signal);
    return c;
  };
  let abort = newAbort();
  let running: Promise<TickResult> | null = null;
  let again = false;
  let started = false;
  let timer: TimerId | null = null;
  let scheduling: Promise<void> | null = null;
  // Entries claimed by the last tick; 0 means a due-looking entry could not be claimed.
  let lastClaimed = 0;
  // When the last claim round looked (an entry due after that instant is new work).
  let lastRoundAt = Number.NEGATIVE_INFINITY;

  const now = () => clock.now();

  function refreshBreakers(t: number) {
    for (const [channel, b] of breakers) {
      if (b.state === 'open' && t >= b.retryAt) {
        b.state = 'half_open';
        emit({ type: 'breaker_half_open', channel });
      }
    }
  }

  function onSuccess(channel: string) {
    const b = breakers.get(channel);
    if (!b) return;
    const wasOpen = b.state !== 'closed';
    b.state = 'closed';
    b.failures = 0;
    b.retryAt = 0;
    if (wasOpen) emit({ type: 'breaker_closed', channel });
  }

  function onFailure(channel: string, t: number) {
    const b = breakers.get(channel);
    if (!b) return;
    b.failures++;
    if (
      b.state === 'half_open' ||
      (b.state === 'closed' && b.failures >= breakerOpts.failureThreshold)
    ) {
      b.state = 'open';
      b.retryAt = t + breakerOpts.cooldownMs;
      emit({ type: 'breaker_opened', channel, retryAt: new Date(b.retryAt).toISOString() });
    }
  }

  async function deliver(entry: OutboxEntry, counts: Counts) {
    const message = entry.message;
    const attempt = entry.attempts + 1;
    const notifier = notifiers[message.channel];
    if (!notifier) {
      const error = `No notifier for channel "${message.channel}"; add it to createNotificationQueue({ notifiers }).`;
      await store.deadLetter(entry.id, { at: now(), error });
      counts.deadLettered++;
      emit({
        type: 'dead_lettered',
        id: entry.id,
        channel: message.channel,
        attempt,
        error,
        permanent: true,
      });
      return;
    }
    const b = breakers.get(message.channel);
    if (b && b.state === 'open') {
      // The breaker opened while this entry waited in the batch: hand the lease back unused.
      await store.release(entry.id, { at: now(), retryAt: new Date(b.retryAt) });
      return;
    }
    if (options.recheck) {
      let verdict: boolean | string;
      try {
        verdict = await options.recheck(message);
      } catch (e) {
        // The check itself failed: do not send blind; retry later.
        await settle(
          entry,
          attempt,
          {
            ok: false,
            retryable: true,
            error: `Send-time access check failed: ${e instanceof Error ? e.message : String(e)}`,
          },
          counts,
          false,
        );
        return;
      }
      if (verdict !== true) {
        const reason = typeof verdict === 'string' ? verdict : 'no_read_access';
        await store.complete(entry.id, { at: now(), outcome: 'skipped', note: reason });
        counts.skipped++;
        emit({
          type: 'skipped',
          id: entry.id,
          channel: message.channel,
          recipientId: message.recipient.id,
          reason,
        });
        return;
      }
    }
    let result: DeliveryResult;
    try {
      result = await notifier.send(message, { attempt, signal: abort.signal });
    } catch (e) {
      result = {
        ok: false,
        retryable: true,
        error: `${notifier.name} threw: ${e instanceof Error ? e.message : String(e)}`,
      };
    }
    await settle(entry, attempt, result, counts, true);
  }

  async function settle(
    entry: OutboxEntry,
    attempt: number,
    result: DeliveryResult,
    counts: Counts,
    countsForBreaker: boolean,
  ) {
    const channel = entry.message.channel;
    const at = now();
    if (result.ok) {
      await store.complete(entry.id, { at, outcome: 'delivered' });
      onSuccess(channel);
      counts.delivered++;
      emit({ type: 'delivered', id: entry.id, channel, attempt });
      return;
    }
    if (countsForBreaker) onFailure(channel, at.getTime());
    if (!result.retryable || attempt >= retry.maxAttempts) {
      const error = result.retryable
        ? `Gave up after ${attempt} attempts: ${result.error}`
        : `Permanent failure: ${result.error}`;
      await store.deadLetter(entry.id, { at, error });
      counts.deadLettered++;
      emit({
        type: 'dead_lettered',
        id: entry.id,
        channel,
        attempt,
        error,
        permanent: !result.retryable,
      });
      return;
    }
    let delay = backoffDelay(attempt, retry, random);
    if (result.retryAfterMs !== undefined && Number.isFinite(result.retryAfterMs)) {
      delay = Math.max(delay, Math.min(Math.max(0, result.retryAfterMs), retry.maxRetryAfterMs));
    }
    const retryAt = new Date(at.getTime() + delay);
    await store.fail(entry.id, { at, retryAt, error: result.error });
    counts.retried++;
    emit({
      type: 'retry_scheduled',
      id: entry.id,
      channel,
      attempt,
      retryAt: retryAt.toISOString(),
      error: result.error,
    });
  }

  async function claimRound(): Promise<OutboxEntry[]> {
    const t = now();
    lastRoundAt = t.getTime();
    refreshBreakers(t.getTime());
    const closed = channels.filter((c) => breakers.get(c)!.state === 'closed');
    const halfOpen = channels.filter((c) => breakers.get(c)!.state === 'half_open');
    const out: OutboxEntry[] = [];
    if (closed.length)
      out.push(...(await store.claim(t, batchSize, leaseMs, { channels: closed })));
    // Half-open: exactly one trial per channel until it reports back.
    for (const c of halfOpen) out.push(...(await store.claim(t, 1, leaseMs, { channels: [c] })));
    return out;
  }

  async function runTick(): Promise<TickResult> {
    const counts = { claimed: 0, delivered: 0, retried: 0, deadLettered: 0, skipped: 0 };
    for (let round = 0; round < 10_000; round++) {
      const batch = await claimRound();
      if (batch.length === 0) break;
      counts.claimed += batch.length;
      let next = 0;
      const worker = async () => {
        while (next < batch.length) {
          const entry = batch[next++]!;
          await deliver(entry, counts);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, worker));
      if (abort.signal.aborted) break;
    }
    return counts;
  }

  function tick(): Promise<TickResult> {
    if (running) {
      // The running tick sees the flag before it finishes and runs once more.
      again = true;
      return running;
    }
    running = (async () => {
      try {
        let result = await runTick();
        lastClaimed = result.claimed;
        while (again) {
          again = false;
          const more = await runTick();
          lastClaimed += more.claimed;
          result = {
            claimed: result.claimed + more.claimed,
            delivered: result.delivered + more.delivered,
            retried: result.retried + more.retried,
            deadLettered: result.deadLettered + more.deadLettered,
            skipped: result.skipped + more.skipped,
          };
        }
        return result;
      } finally {
        running = null;
      }
    })();
    const p = running;
    void p.then(
      () => schedule(),
      () => schedule(),
    );
    return p;
  }

  async function nextWake(): Promise<number> {
    const t = now().getTime();
    let wake = t + pollMs;
    const open = channels.filter((c) => breakers.get(c)!.state !== 'open');
    for (const c of channels) {
      const b = breakers.get(c)!;
      if (b.state === 'open') wake = Math.min(wake, b.retryAt);
    }
    if (open.length) {
      const due = await store.nextDueAt({ channels: open });
      if (due) wake = Math.min(wake, due.getTime());
    }
    return wake - t;
  }

  // Decides when the worker runs next: now (something is due), at the next due instant, or
  // after pollMs. A tick that claimed nothing never re-runs at once, so a due-but-unclaimable
  // entry (another relay holds it) cannot spin the loop.
  function schedule() {
    if (!started || running) return;
    const p: Promise<void> = (async () => {
      let delay: number;
      try {
        delay = await nextWake();
      } catch {
        delay = pollMs;
      }
      if (!started || running) return;
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      const wakeAt = now().getTime() + delay;
      if (delay <= 0 && (lastClaimed > 0 || wakeAt > lastRoundAt)) {
        void tick().catch(() => undefined);
        return;
      }
      timer = clock.setTimeout(
        () => {
          timer = null;
          void tick().catch(() => undefined);
        },
        Math.max(delay, lastClaimed > 0 || wakeAt > lastRoundAt ? 0 : Math.min(1000, pollMs)),
      );
    })().finally(() => {
      if (scheduling === p) scheduling = null;
    });
    scheduling = p;
  }

  return {
    store,
    async enqueue(messages) {
      const unknown = [...new Set(messages.map((m) => m.channel))].filter((c) => !notifiers[c]);
      if (unknown.length) {
        throw new ValidationError(
          unknown.map((c) => ({
            code: 'unknown_channel',
            path: ['channel'],
            message: `no notifier for channel "${c}"; add it to createNotificationQueue({ notifiers })`,
          })),
          { context: 'queue.enqueue' },
        );
      }
      const r = await store.enqueue(messages, now());
      if (started && r.inserted > 0) {
        lastClaimed = 1;
        schedule();
      }
      return r;
    },
    tick,
    start() {
      if (started) return;
      started = true;
      if (abort.signal.aborted) abort = newAbort();
      lastClaimed = 1;
      schedule();
    },
    stop() {
      started = false;
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      abort.abort();
    },
    async idle() {
      while (running || scheduling) await (running ?? scheduling)?.catch(() => undefined);
    },
    listDead: (o) => store.listDead(o),
    async redrive(id) {
      const ok = await store.redrive(id, now());
      if (ok && started) {
        lastClaimed = 1;
        schedule();
      }
      return ok;
    },
    breakers() {
      refreshBreakers(now().getTime());
      return channels.map((channel) => {
        const b = breakers.get(channel)!;
        return {
          channel,
          state: b.state,
          consecutiveFailures: b.failures,
          retryAt: b.state === 'open' ? new Date(b.retryAt).toISOString() : null,
        };
      });
    },
  };
}
