/**
 * The notifier conformance suite. Every Notifier (webhook, email, inbox, console, third-party)
 * runs these cases; see test/conformance/README.md.
 *
 * Results are checked at the receiver (`receiver.seen()`), not only through the notifier's
 * own return value, so a notifier that reports success without delivering still fails.
 */
import {
  createManualClock,
  createNotificationQueue,
  type NotificationMessage,
  type Notifier,
  seededRandom,
} from 'ticketkit';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';

/** One delivery attempt as the receiver saw it. */
export interface ReceivedDelivery {
  /** The receiver-visible idempotency id (`webhook-id`, `Message-ID`, inbox entry id). */
  readonly id: string;
  /** False when the receiver rejected this attempt (because of `failNext`). */
  readonly accepted: boolean;
}

/** The receiving end, controlled by the test. */
export interface NotifierReceiver {
  /** Every attempt that reached the receiver, in arrival order, duplicates included. */
  seen(): readonly ReceivedDelivery[] | Promise<readonly ReceivedDelivery[]>;
  /**
   * Rejects the next `n` attempts, retryably (HTTP 503, SMTP 451) or permanently (HTTP 410,
   * SMTP 550). Omit when the channel cannot fail: the failure cases are then skipped visibly.
   */
  failNext?(n: number, kind: 'retryable' | 'permanent'): void;
  /** Forgets everything seen and pending failures. */
  reset(): void | Promise<void>;
}

/** How a notifier plugs into the suite. */
export interface NotifierConformanceOptions {
  /** Shown in test names. */
  name: string;
  /** A notifier wired to `receiver`. Called once per test. */
  create: () => Notifier | Promise<Notifier>;
  receiver: NotifierReceiver;
  /** Called once after all tests. */
  teardown?: () => void | Promise<void>;
  /** Extra adapter-specific cases. */
  additional?: () => void;
}

let n = 0;

/** A valid message with overrides (recipient with an email address, so every channel accepts it). */
export function conformanceMessage(over: Partial<NotificationMessage> = {}): NotificationMessage {
  n++;
  return {
    id: `evt_${n}:user_${n}:${over.channel ?? 'test'}`,
    eventId: `evt_${n}`,
    type: 'ticket.assigned',
    rule: 'conformance',
    channel: 'test',
    recipient: { id: `user_${n}`, address: `user${n}@example.com`, name: `User ${n}` },
    subject: `Ticket ${n} assigned <b>&</b>`,
    text: `Ticket ${n} was assigned to you.\n\nLine <two> & "quotes"`,
    data: { ticket: { id: `tk_${n}`, title: `Ticket ${n}` } },
    tenantId: 't1',
    ticketId: `tk_${n}`,
    sequence: 1,
    urgent: false,
    createdAt: '2026-01-05T01:00:00.000Z',
    ...over,
  };
}

/** Runs the notifier contract: delivery, stable ids, retryable vs permanent, queue round-trip. */
export function runNotifierConformance(options: NotifierConformanceOptions): void {
  const { receiver } = options;
  const canFail = typeof receiver.failNext === 'function';

  describe(`notifier conformance: ${options.name}`, () => {
    let notifier: Notifier;
    beforeEach(async () => {
      await receiver.reset();
      notifier = await options.create();
    });
    if (options.teardown) afterAll(options.teardown);

    it('has a name', () => {
      expect(typeof notifier.name).toBe('string');
      expect(notifier.name.length).toBeGreaterThan(0);
    });

    it('delivers a message and the receiver sees it once', async () => {
      const result = await notifier.send(conformanceMessage(), { attempt: 1 });
      expect(result).toEqual({ ok: true });
      const seen = await receiver.seen();
      expect(seen).toHaveLength(1);
      expect(seen[0]!.accepted).toBe(true);
    });

    it('keeps the receiver-visible id stable across attempts and distinct across messages', async () => {
      const m1 = conformanceMessage();
      const m2 = conformanceMessage();
      await notifier.send(m1, { attempt: 1 });
      await notifier.send(m1, { attempt: 2 }); // a retry after a lost acknowledgement
      await notifier.send(m2, { attempt: 1 });
      const ids = (await receiver.seen()).map((d) => d.id);
      expect(ids).toHaveLength(3);
      expect(ids[0]).toBe(ids[1]);
      expect(ids[2]).not.toBe(ids[0]);
      expect(ids[0]!.length).toBeGreaterThan(0);
    });

    it.skipIf(!canFail)('classifies a transient rejection as retryable', async () => {
      receiver.failNext!(1, 'retryable');
      const m = conformanceMessage();
      const first = await notifier.send(m, { attempt: 1 });
      expect(first.ok).toBe(false);
      expect(first.ok === false && first.retryable).toBe(true);
      expect(first.ok === false && first.error.length > 0).toBe(true);
      const second = await notifier.send(m, { attempt: 2 });
      expect(second).toEqual({ ok: true });
      const seen = await receiver.seen();
      expect(seen.map((d) => d.accepted)).toEqual([false, true]);
      expect(seen[0]!.id).toBe(seen[1]!.id);
    });

    it.skipIf(!canFail)('classifies a permanent rejection as not retryable', async () => {
      receiver.failNext!(1, 'permanent');
      const result = await notifier.send(conformanceMessage(), { attempt: 1 });
      expect(result.ok).toBe(false);
      expect(result.ok === false && result.retryable).toBe(false);
    });

    it('delivers every message exactly once after dedup when driven by the queue', async () => {
      const clock = createManualClock();
      const queue = createNotificationQueue({
        notifiers: { test: notifier },
        clock,
        random: seededRandom(7),
        breaker: { failureThreshold: 100 },
      });
      const messages = Array.from({ length: 12 }, () => conformanceMessage());
      if (canFail) receiver.failNext!(5, 'retryable');
      await queue.enqueue(messages);
      for (let i = 0; i < 200; i++) {
        await queue.tick();
        const c = await queue.store.counts();
        if (c.delivered === messages.length) break;
        clock.advance(5_000);
      }
      const counts = await queue.store.counts();
      expect(counts.delivered).toBe(messages.length);
      expect(counts.dead).toBe(0);
      const accepted = (await receiver.seen()).filter((d) => d.accepted).map((d) => d.id);
      expect(new Set(accepted).size).toBe(messages.length);
    });

    options.additional?.();
  });
}
