import type { NotificationMessage } from './types';

/** Where an outbox entry is in its life. */
export type OutboxStatus = 'pending' | 'leased' | 'delivered' | 'skipped' | 'dead';

/**
 * One row of the outbox. Shaped as a table row: a SQL outbox stores `message` as jsonb and
 * the rest as columns (`id` primary key; an index on `(status, available_at)` and one on
 * `(tenant_id, ticket_id, channel, sequence)` for the ordering rule).
 */
export interface OutboxEntry {
  /** The message id (primary key; the idempotency key of `enqueue`). */
  readonly id: string;
  readonly message: NotificationMessage;
  readonly status: OutboxStatus;
  /** Attempts made so far (a claim that is completed or failed counts; an expired lease does not). */
  readonly attempts: number;
  /** ISO 8601: due from this instant (first enqueue, retry time, or quiet-hours deferral). */
  readonly availableAt: string;
  /** ISO 8601 while leased: after this a crashed relay's claim is void and the entry is claimable again. */
  readonly leasedUntil: string | null;
  /** The last failure, for the dead letter and logs (never contains secrets). */
  readonly lastError: string | null;
  /** ISO 8601. */
  readonly enqueuedAt: string;
  /** ISO 8601 of the last status change. */
  readonly updatedAt: string;
  /** Insertion order: the tie-breaker for equal `message.sequence` (a bigserial in SQL). */
  readonly position: number;
}

/** Options of {@link OutboxPort.claim}. */
export interface ClaimOptions {
  /** Only entries of these channels (the queue leaves out channels whose breaker is open). */
  readonly channels?: readonly string[];
}

/**
 * The durable outbox the notification queue works on. `memoryOutbox()` implements it in
 * memory; a SQL store implements it with one table and `SELECT ... FOR UPDATE SKIP LOCKED`.
 * Every method takes the time from the caller (`now`), never from a server clock, so tests
 * and the simulator control time.
 *
 * **Ordering contract** (per-ticket order): `claim` must not return an entry while another
 * entry with the same `(tenantId, ticketId, channel)` and an earlier `(message.sequence,
 * position)` is `leased`, or is `pending` and either already attempted (`attempts > 0`) or
 * due (`availableAt <= now`); and it returns at most one entry per such key per call. A
 * message waiting only for quiet hours therefore does not hold back a later urgent one.
 */
export interface OutboxPort {
  /** A short name for errors and logs (`memory`, `postgres`). */
  readonly name: string;
  /**
   * Adds messages as `pending`, due at `message.notBefore` or `now`. Idempotent by message id:
   * an id already present (in any status, including delivered and dead) is left untouched.
   */
  enqueue(
    messages: readonly NotificationMessage[],
    now: Date,
  ): Promise<{ inserted: number; duplicates: number }>;
  /**
   * Leases up to `limit` due entries (pending with `availableAt <= now`, or leased with an
   * expired lease) until `now + leaseMs`, obeying the ordering contract; oldest due first.
   */
  claim(now: Date, limit: number, leaseMs: number, options?: ClaimOptions): Promise<OutboxEntry[]>;
  /** Marks a leased entry done: `delivered`, or `skipped` (e.g. recipient lost access) with a note. */
  complete(
    id: string,
    result: { at: Date; outcome?: 'delivered' | 'skipped'; note?: string },
  ): Promise<void>;
  /** Records a failed attempt and makes the entry due again at `retryAt`. */
  fail(id: string, result: { at: Date; retryAt: Date; error: string }): Promise<void>;
  /**
   * Gives a lease back unused (no attempt counted), due again at `retryAt`: the queue does this
   * when a channel's breaker opened while the entry waited in a claimed batch.
   */
  release(id: string, result: { at: Date; retryAt: Date }): Promise<void>;
  /** Records the final attempt and moves the entry to the dead letter. */
  deadLetter(id: string, result: { at: Date; error: string }): Promise<void>;
  /** Dead entries, oldest first. */
  listDead(options?: { tenantId?: string; limit?: number }): Promise<OutboxEntry[]>;
  /** Moves a dead entry back to `pending`, due now, with its attempt count reset. False if not dead. */
  redrive(id: string, now: Date): Promise<boolean>;
  /** The earliest instant a pending entry (of these channels) falls due, or a lease expires; null if none. */
  nextDueAt(options?: ClaimOptions): Promise<Date | null>;
  /** One entry by id (for inspection and tests). */
  get(id: string): Promise<OutboxEntry | null>;
  /** Counts per status. */
  counts(): Promise<Record<OutboxStatus, number>>;
}

/** The in-memory outbox: {@link memoryOutbox}. */
export interface MemoryOutbox extends OutboxPort {
  /** Every entry in insertion order (a side door for tests). */
  entries(): OutboxEntry[];
  /** Deletes delivered and skipped entries last changed before `before`; their ids may then be enqueued again. */
  prune(before: Date): number;
}

type Row = { -readonly [K in keyof OutboxEntry]: OutboxEntry[K] };

const orderKey = (m: NotificationMessage) => `${m.tenantId}\u0000${m.ticketId}\u0000${m.channel}`;

function before(a: Row, b: Row): boolean {
  return (
    a.message.sequence < b.message.sequence ||
    (a.message.sequence === b.message.sequence && a.position < b.position)
  );
}

/**
 * An in-memory {@link OutboxPort}: single process, lost on restart. The default of
 * `createNotificationQueue`, and the reference a SQL outbox is tested against.
 */
export function memoryOutbox(): MemoryOutbox {
  const rows = new Map<string, Row>();
  // Unfinished rows per ordering key, so claim need not scan everything.
  const open = new Map<string, Row[]>();
  let position = 0;

  const isOpen = (r: Row) => r.status === 'pending' || r.status === 'leased';
  const close = (r: Row) => {
    const key = orderKey(r.message);
    const list = open.get(key);
    if (!list) return;
    const i = list.indexOf(r);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) open.delete(key);
  };
  const reopen = (r: Row) => {
    const key = orderKey(r.message);
    const list = open.get(key) ?? [];
    list.push(r);
    list.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    open.set(key, list);
  };
  const leasedRow = (id: string): Row | undefined => {
    const r = rows.get(id);
    return r && r.status === 'leased' ? r : undefined;
  };
  const snapshot = (r: Row): OutboxEntry => Object.freeze({ ...r });

  return {
    name: 'memory',
    async enqueue(messages, now) {
      let inserted = 0;
      let duplicates = 0;
      const at = now.toISOString();
      for (const message of messages) {
        if (rows.has(message.id)) {
          duplicates++;
          continue;
        }
        const row: Row = {
          id: message.id,
          message,
          status: 'pending',
          attempts: 0,
          availableAt: message.notBefore ?? at,
          leasedUntil: null,
          lastError: null,
          enqueuedAt: at,
          updatedAt: at,
          position: ++position,
        };
        rows.set(message.id, row);
        reopen(row);
        inserted++;
      }
      return { inserted, duplicates };
    },
    async claim(now, limit, leaseMs, options = {}) {
      const t = now.getTime();
      const channels = options.channels ? new Set(options.channels) : null;
      const candidates: Row[] = [];
      for (const list of open.values()) {
        // The first row of the key that is leased, attempted or due decides: it is the only
        // one that may be claimed, and only if it is itself claimable.
        for (const r of list) {
          const leaseLive = r.status === 'leased' && Date.parse(r.leasedUntil!) > t;
          const due = Date.parse(r.availableAt) <= t;
          if (leaseLive) break;
          if (r.status === 'leased' || due) {
            if (!channels || channels.has(r.message.channel)) candidates.push(r);
            break;
          }
          if (r.attempts > 0) break;
          // pending, never attempted, not due (quiet hours): does not block later rows.
        }
      }
      candidates.sort(
        (a, b) => Date.parse(a.availableAt) - Date.parse(b.availableAt) || a.position - b.position,
      );
      const out: OutboxEntry[] = [];
      const until = new Date(t + leaseMs).toISOString();
      for (const r of candidates.slice(0, Math.max(0, limit))) {
        r.status = 'leased';
        r.leasedUntil = until;
        r.updatedAt = now.toISOString();
        out.push(snapshot(r));
      }
      return out;
    },
    async complete(id, result) {
      const r = leasedRow(id);
      if (!r) return;
      r.status = result.outcome ?? 'delivered';
      r.attempts += r.status === 'delivered' ? 1 : 0;
      r.leasedUntil = null;
      r.updatedAt = result.at.toISOString();
      if (result.note !== undefined) r.lastError = result.note;
      close(r);
    },
    async fail(id, result) {
      const r = leasedRow(id);
      if (!r) return;
      r.status = 'pending';
      r.attempts++;
      r.leasedUntil = null;
      r.lastError = result.error;
      r.availableAt = result.retryAt.toISOString();
      r.updatedAt = result.at.toISOString();
    },
    async release(id, result) {
      const r = leasedRow(id);
      if (!r) return;
      r.status = 'pending';
      r.leasedUntil = null;
      r.availableAt = result.retryAt.toISOString();
      r.updatedAt = result.at.toISOString();
    },
    async deadLetter(id, result) {
      const r = rows.get(id);
      if (!r || !isOpen(r)) return;
      r.attempts += r.status === 'leased' ? 1 : 0;
      r.status = 'dead';
      r.leasedUntil = null;
      r.lastError = result.error;
      r.updatedAt = result.at.toISOString();
      close(r);
    },
    async listDead(options = {}) {
      const out: OutboxEntry[] = [];
      for (const r of rows.values()) {
        if (r.status !== 'dead') continue;
        if (options.tenantId !== undefined && r.message.tenantId !== options.tenantId) continue;
        out.push(snapshot(r));
      }
      out.sort(
        (a, b) => Date.parse(a.updatedAt) - Date.parse(b.updatedAt) || a.position - b.position,
      );
      return options.limit === undefined ? out : out.slice(0, options.limit);
    },
    async redrive(id, now) {
      const r = rows.get(id);
      if (r?.status !== 'dead') return false;
      r.status = 'pending';
      r.attempts = 0;
      r.availableAt = now.toISOString();
      r.updatedAt = now.toISOString();
      reopen(r);
      return true;
    },
    async nextDueAt(options = {}) {
      // Mirrors claim(): per key, only the row that claim would consider next counts, plus
      // never-attempted deferred rows ahead of it (they may become due first).
      const channels = options.channels ? new Set(options.channels) : null;
      let min = Number.POSITIVE_INFINITY;
      for (const list of open.values()) {
        for (const r of list) {
          const wanted = !channels || channels.has(r.message.channel);
          if (r.status === 'leased') {
            if (wanted) min = Math.min(min, Date.parse(r.leasedUntil!));
            break;
          }
          if (wanted) min = Math.min(min, Date.parse(r.availableAt));
          if (r.attempts > 0) break;
        }
      }
      return Number.isFinite(min) ? new Date(min) : null;
    },
    async get(id) {
      const r = rows.get(id);
      return r ? snapshot(r) : null;
    },
    async counts() {
      const c: Record<OutboxStatus, number> = {
        pending: 0,
        leased: 0,
        delivered: 0,
        skipped: 0,
        dead: 0,
      };
      for (const r of rows.values()) c[r.status]++;
      return c;
    },
    entries: () => [...rows.values()].map(snapshot),
    prune(cutoff) {
      let n = 0;
      const t = cutoff.getTime();
      for (const [id, r] of rows) {
        if ((r.status === 'delivered' || r.status === 'skipped') && Date.parse(r.updatedAt) < t) {
          rows.delete(id);
          n++;
        }
      }
      return n;
    },
  };
}
