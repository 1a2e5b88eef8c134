import { type Clock, systemClock } from '../clock/index';
import type { Notifier } from './types';

/** One in-app notification. */
export interface InboxEntry {
  /** The message id (adding the same id twice keeps one entry). */
  readonly id: string;
  readonly userId: string;
  readonly tenantId: string;
  readonly ticketId: string;
  /** The event type, e.g. `ticket.assigned`. */
  readonly type: string;
  readonly subject: string;
  readonly text: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** ISO 8601. */
  readonly createdAt: string;
  /** ISO 8601, or null while unread. */
  readonly readAt: string | null;
}

/** Per-user in-app notification storage; a SQL table can implement the same shape. */
export interface InboxPort {
  /** Adds an entry; false if its id was already there. */
  add(entry: Omit<InboxEntry, 'readAt' | 'createdAt'> & { createdAt?: string }): Promise<boolean>;
  /** A user's entries, newest first. */
  list(
    userId: string,
    options?: { unreadOnly?: boolean; tenantId?: string; limit?: number },
  ): Promise<InboxEntry[]>;
  /** Marks entries read; returns how many changed. */
  markRead(userId: string, ids: readonly string[] | 'all'): Promise<number>;
  unreadCount(userId: string, options?: { tenantId?: string }): Promise<number>;
}

/**
 * An in-memory inbox.
 *
 * @example
 * ```ts
 * const inbox = memoryInbox();
 * const queue = createNotificationQueue({ notifiers: { inbox: inboxNotifier(inbox) }, clock });
 * await inbox.unreadCount('alice'); // 1
 * await inbox.markRead('alice', 'all');
 * ```
 */
export function memoryInbox(options: { clock?: Clock } = {}): InboxPort {
  const clock = options.clock ?? systemClock;
  const byUser = new Map<
    string,
    Map<string, { -readonly [K in keyof InboxEntry]: InboxEntry[K] }>
  >();
  let order = 0;
  const seq = new WeakMap<object, number>();

  const entriesOf = (userId: string, tenantId?: string) =>
    [...(byUser.get(userId)?.values() ?? [])].filter(
      (e) => tenantId === undefined || e.tenantId === tenantId,
    );

  return {
    async add(entry) {
      let box = byUser.get(entry.userId);
      if (!box) {
        box = new Map();
        byUser.set(entry.userId, box);
      }
      if (box.has(entry.id)) return false;
      const row = {
        id: entry.id,
        userId: entry.userId,
        tenantId: entry.tenantId,
        ticketId: entry.ticketId,
        type: entry.type,
        subject: entry.subject,
        text: entry.text,
        data: entry.data,
        createdAt: entry.createdAt ?? clock.now().toISOString(),
        readAt: null,
      };
      seq.set(row, ++order);
      box.set(entry.id, row);
      return true;
    },
    async list(userId, opts = {}) {
      const out = entriesOf(userId, opts.tenantId)
        .filter((e) => !opts.unreadOnly || e.readAt === null)
        .sort(
          (a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || seq.get(b)! - seq.get(a)!,
        )
        .map((e) => Object.freeze({ ...e }));
      return opts.limit === undefined ? out : out.slice(0, opts.limit);
    },
    async markRead(userId, ids) {
      const box = byUser.get(userId);
      if (!box) return 0;
      const at = clock.now().toISOString();
      let n = 0;
      const targets = ids === 'all' ? [...box.values()] : ids.map((id) => box.get(id));
      for (const e of targets) {
        if (e && e.readAt === null) {
          e.readAt = at;
          n++;
        }
      }
      return n;
    },
    async unreadCount(userId, opts = {}) {
      return entriesOf(userId, opts.tenantId).filter((e) => e.readAt === null).length;
    },
  };
}

/**
 * Delivers to an in-app inbox: one entry per message, keyed by the message id (so a retried
 * delivery never shows twice).
 */
export function inboxNotifier(inbox: InboxPort, options: { name?: string } = {}): Notifier {
  return {
    name: options.name ?? 'inbox',
    async send(message) {
      try {
        await inbox.add({
          id: message.id,
          userId: message.recipient.id,
          tenantId: message.tenantId,
          ticketId: message.ticketId,
          type: message.type,
          subject: message.subject,
          text: message.text,
          data: message.data,
          createdAt: message.createdAt,
        });
        return { ok: true };
      } catch (e) {
        return {
          ok: false,
          retryable: true,
          error: `inbox write failed: ${e instanceof Error ? e.message : String(e)}`,
        };
      }
    },
  };
}
