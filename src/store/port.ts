/**
 * The storage port. Every store (memory, PGlite, PostgreSQL, your own) implements this
 * interface and passes the shared conformance suite in `test/conformance/store.ts`.
 *
 * A store is deliberately dumb: it reads and writes what the desk gives it. All rules live in
 * the desk. The one thing a store must get right is {@link TicketStore.commit}: every write of
 * one command (the ticket, its audit entries, its comments, its idempotency record) happens
 * atomically, or none of it does, and only if the ticket is still at the expected version.
 *
 * Every method takes the tenant id first; a store must never return or touch another
 * tenant's rows.
 */
import type { AuditChainVerification, AuditEntry } from '../audit/index';
import type { ExternalLink, Priority, Ticket } from '../ticket/index';

/** A comment on a ticket. */
export interface Comment {
  readonly id: string;
  readonly tenantId: string;
  readonly ticketId: string;
  /** The actor id of the author. */
  readonly author: string;
  readonly body: string;
  /** `public` comments are visible to the requester; `internal` ones only to staff. */
  readonly visibility: 'public' | 'internal';
  /** Actor ids mentioned with `@id`. */
  readonly mentions: readonly string[];
  /** ISO 8601 UTC. */
  readonly createdAt: string;
  /**
   * Set on a comment copied to a survivor by `desk.merge`: the duplicate it came from, the
   * original comment's id and its original time. Stores keep it as part of the comment.
   */
  readonly mergedFrom?: {
    readonly ticketId: string;
    readonly commentId: string;
    readonly createdAt: string;
  };
}

/**
 * A stored idempotency key: the first response to a command, returned again to retries.
 * Keys are scoped per tenant and expire at `expiresAt` (after which the key is free again,
 * as with Stripe's idempotency keys).
 */
export interface IdempotencyRecord {
  readonly tenantId: string;
  readonly key: string;
  /** Hash of the command and its input; a retry with a different input is a conflict. */
  readonly fingerprint: string;
  /** What the first call returned (a ticket, or a comment with its ticket). */
  readonly response: unknown;
  /** ISO 8601 UTC. */
  readonly createdAt: string;
  /** ISO 8601 UTC; the record is ignored from this instant on. */
  readonly expiresAt: string;
}

/** One command's writes, applied atomically by {@link TicketStore.commit}. */
export interface Commit {
  readonly tenantId: string;
  /** The ticket after the change. */
  readonly ticket: Ticket;
  /**
   * `null` to insert a new ticket (fails with `already_exists` if the id is taken), otherwise
   * the version the stored ticket must still have (fails with `version_conflict` if not).
   */
  readonly expectedVersion: number | null;
  /** Audit entries to append (at least one per change). */
  readonly audit: readonly AuditEntry[];
  /** Comments to add. */
  readonly comments?: readonly Comment[];
  /** An idempotency key to reserve; fails with `idempotency_exists` if a live record has it. */
  readonly idempotency?: IdempotencyRecord;
  /** The desk's current time (ISO 8601 UTC), to judge idempotency expiry without a server clock. */
  readonly now: string;
  /**
   * The ticket's next SLA due instant after this change (ISO 8601 UTC), `null` when none is
   * left; omitted when the change does not move it. A store with {@link TicketStore.slaTimers}
   * writes it in the same transaction as the ticket (stamped with `ticket.version`, clearing
   * any lease), so a timer never outlives or misses the change that set it.
   */
  readonly slaDueAt?: string | null;
  /**
   * The change's events, for a store with an {@link TicketStore.eventOutbox}: written in the
   * same transaction as the ticket, so an event is stored exactly when its change is.
   */
  readonly events?: readonly OutboxEventInput[];
}

/** An event as written to the event outbox by a commit. */
export interface OutboxEventInput {
  /** Stable id (unique per store): a second write of the same id is ignored. */
  readonly id: string;
  /** The event type, e.g. `ticket.assigned`. */
  readonly type: string;
  /** ISO 8601 UTC: when the change happened. */
  readonly at: string;
  /** The event as plain JSON (the desk's `TicketkitEvent`). */
  readonly payload: unknown;
}

/** An event read back from the event outbox. */
export interface OutboxEvent extends OutboxEventInput {
  readonly tenantId: string;
  readonly ticketId: string;
  /** Delivery attempts that failed so far. */
  readonly attempts: number;
}

/**
 * The transactional event outbox of a store: events written by commits (see
 * {@link Commit.events}), handed to relays at least once, one ticket's events in commit order.
 * A relay claims with a lease (`FOR UPDATE SKIP LOCKED` in SQL), so several relays share the
 * work and a crashed relay's claims are taken over when the lease expires.
 */
export interface EventOutbox {
  /**
   * Leases up to `limit` due events (not delivered, due at `now`, no live lease) until
   * `now + lease.ms`, oldest first, and never an event while an earlier one of the same ticket
   * is still undelivered.
   */
  claim(now: Date, limit: number, lease: TimerLease): Promise<OutboxEvent[]>;
  /** Marks claimed events delivered. */
  complete(ids: readonly string[], now: Date): Promise<void>;
  /** Records a failed attempt: the event is due again at `retryAt` (its lease cleared). */
  retry(id: string, retryAt: Date, error: string): Promise<void>;
  /** Number of events not delivered yet. */
  pending(): Promise<number>;
}

/**
 * A tenant-wide hash chain over the audit trail, sealed after the fact. Commits append audit
 * entries without touching any shared row (so concurrent writers never queue behind one chain
 * head); `seal` then links every unsealed entry, in the order it finds them, into the tenant's
 * chain: gapless positions 1, 2, 3, ... and `hash = SHA-256(prevHash ‖ canonical entry)`. One
 * sealer per tenant runs at a time (an advisory lock in SQL); each entry is sealed once (a
 * unique key). `verify` recomputes the chain and reports the first edited, deleted or
 * reordered entry or link; `head` is the anchor to keep elsewhere.
 */
export interface AuditChain {
  /** Seals up to `limit` (default 10,000) unsealed entries of the tenant; returns how many. */
  seal(tenantId: string, limit?: number): Promise<number>;
  /** Recomputes the whole chain of the tenant. */
  verify(tenantId: string): Promise<AuditChainVerification>;
  /** The last link (position and hash), or null before the first seal. */
  head(tenantId: string): Promise<{ readonly seq: number; readonly hash: string } | null>;
}

/** A due SLA timer claimed by {@link SlaTimers.claimDue}. */
export interface ClaimedTimer {
  readonly tenantId: string;
  readonly ticketId: string;
  /** The due instant. */
  readonly at: Date;
  /** The ticket version the due instant was computed from. */
  readonly version: number;
}

/** Who claims timers and for how long. */
export interface TimerLease {
  /** An id of the claiming app instance (for inspection; leases are judged by time). */
  readonly owner: string;
  /** Lease length in ms: a claim not settled by then is void and the timer claimable again. */
  readonly ms: number;
}

/**
 * Durable SLA timers kept by a store: one row per ticket with its next due instant, written by
 * {@link TicketStore.commit} from {@link Commit.slaDueAt}. Several app instances poll the same
 * store; a claim leases the row (`FOR UPDATE SKIP LOCKED` in SQL) so each due timer is worked
 * by one instance at a time, and a claim by an instance that died is taken over once its lease
 * expires. Firing stays exactly-once because the desk commits each threshold's "fired" mark
 * with a version check (a second worker's commit conflicts and re-reads).
 *
 * Every time comes from the caller (the desk's clock), never from a server clock.
 */
export interface SlaTimers {
  /**
   * Leases up to `limit` timers that are due (`at <= now`) and not under a live lease, earliest
   * first, until `now + lease.ms`.
   */
  claimDue(now: Date, limit: number, lease: TimerLease): Promise<ClaimedTimer[]>;
  /**
   * Sets a ticket's due instant outside a commit (`null` removes it) and clears its lease.
   * Ignored when the stored timer was written from a newer ticket version than `version`.
   */
  reschedule(tenantId: string, ticketId: string, at: Date | null, version: number): Promise<void>;
  /** The earliest instant a timer becomes claimable (due, or its lease expires), or null. */
  nextDueAt(): Promise<Date | null>;
  /** Number of timers held. */
  count(): Promise<number>;
}

/** The result of a commit. Conflicts are values, not exceptions: the desk turns them into typed errors. */
export type CommitOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'version_conflict'; readonly actualVersion: number }
  | { readonly ok: false; readonly reason: 'not_found' }
  | { readonly ok: false; readonly reason: 'already_exists' }
  | {
      readonly ok: false;
      readonly reason: 'idempotency_exists';
      readonly record: IdempotencyRecord;
    };

/** The result of {@link TicketStore.commitBatch}. */
export type BatchOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly index: number;
      readonly outcome: Exclude<CommitOutcome, { ok: true }>;
    };

/** Fields a list can be sorted by. */
export type SortField = 'createdAt' | 'updatedAt' | 'priority';

/** Filters a store applies when listing. Every array means "any of". */
export interface StoreFilter {
  readonly status?: readonly string[];
  readonly priority?: readonly Priority[];
  /** `null` in the list matches unassigned tickets. */
  readonly assignee?: readonly (string | null)[];
  readonly team?: readonly string[];
  readonly requester?: readonly string[];
  /** Children of these parents; `null` in the list matches top-level tickets. */
  readonly parentId?: readonly (string | null)[];
}

/** A keyset position: the sort value and id of the last item of the previous page. */
export interface StoreCursor {
  readonly value: string | number;
  readonly id: string;
}

/** A list request as a store receives it (validated and normalised by the desk). */
export interface StoreListQuery {
  readonly filter: StoreFilter;
  readonly sort: { readonly field: SortField; readonly direction: 'asc' | 'desc' };
  /** Max items to return (1..1000). */
  readonly limit: number;
  /** Return items strictly after this position in sort order. */
  readonly after?: StoreCursor;
}

/** A keyset page by ticket id, as {@link TicketStore.findByExternalRef} receives it. */
export interface StorePage {
  /** Max items to return (1..1000). */
  readonly limit: number;
  /** Return only ids strictly greater than this. */
  readonly after?: string;
}

/** What a store can do beyond the basics; the conformance suite skips cases visibly. */
export interface StoreCapabilities {
  /** Several processes can share the store (a server database). */
  readonly multiProcess: boolean;
  /** Data survives a restart. */
  readonly durable: boolean;
}

/** The storage port. */
export interface TicketStore {
  /** A short name used in errors (`memory`, `pglite`, `postgres`). */
  readonly name: string;
  readonly capabilities: StoreCapabilities;
  /** The ticket, or null if it does not exist in this tenant. */
  getTicket(tenantId: string, id: string): Promise<Ticket | null>;
  /**
   * Tickets matching the filter, in sort order with `id` as the tie-breaker (ascending ids
   * for equal sort values, whatever the direction), at most `limit` of them.
   * Priority sorts by urgency: `urgent` first when ascending.
   */
  listTickets(tenantId: string, query: StoreListQuery): Promise<Ticket[]>;
  /** Which of these ids exist in the tenant (one query, for imports and bulk checks). */
  existingIds(tenantId: string, ids: readonly string[]): Promise<Set<string>>;
  /** Audit entries of a ticket, oldest first (by `seq`). */
  listAudit(tenantId: string, ticketId: string): Promise<AuditEntry[]>;
  /** Comments of a ticket, oldest first. */
  listComments(tenantId: string, ticketId: string): Promise<Comment[]>;
  /** A live (not expired at `now`) idempotency record, or null. */
  getIdempotency(tenantId: string, key: string, now: string): Promise<IdempotencyRecord | null>;
  /** Applies one command's writes atomically. See {@link Commit}. */
  commit(commit: Commit): Promise<CommitOutcome>;
  /**
   * Applies several commits atomically: all of them, or none. Used for import batches. If
   * one fails, nothing is written and the result names it (`index`) with its outcome.
   */
  commitBatch(commits: readonly Commit[]): Promise<BatchOutcome>;
  /** Number of open tickets per assignee (for dispatch load), over the given states. */
  countByAssignee(tenantId: string, statuses: readonly string[]): Promise<Map<string, number>>;
  /**
   * Tickets of the tenant whose `externalRefs.links` contain `link` (all three fields equal),
   * in ascending id order, only ids strictly after `page.after` when given, at most
   * `page.limit` (1..1000) of them. Optional: without it `desk.links.find` is unavailable.
   *
   * It must be served by an index kept with the ticket (the memory store's map, the SQL
   * stores' GIN expression index), never by scanning every ticket, and it must see a commit's
   * links as soon as the commit returns.
   */
  findByExternalRef?(tenantId: string, link: ExternalLink, page: StorePage): Promise<Ticket[]>;
  /**
   * Durable SLA timers (optional). When present, the desk keeps its SLA due instants here,
   * written inside each commit; without it the desk keeps them in process memory.
   */
  readonly slaTimers?: SlaTimers;
  /** The transactional event outbox (optional); see {@link Commit.events}. */
  readonly eventOutbox?: EventOutbox;
  /** The sealed audit hash chain (optional); see {@link AuditChain}. */
  readonly auditChain?: AuditChain;
  /** Joint handling windows (optional); `desk.windows` needs it. */
  readonly windows?: WindowStore;
  /** Releases resources (connections, file handles). */
  close(): Promise<void>;
}

/**
 * A joint handling window: a time slot on a ticket booked with several participants (see
 * `desk.windows`). Times are ISO 8601 UTC; the slot is `[start, end)`.
 */
export interface HandlingWindow {
  readonly id: string;
  readonly tenantId: string;
  readonly ticketId: string;
  readonly start: string;
  readonly end: string;
  /** Actor ids, sorted, without repeats. */
  readonly participants: readonly string[];
  readonly note: string | null;
  /** Who booked it, and when (the desk clock). */
  readonly createdBy: string;
  readonly createdAt: string;
  /** Set when cancelled; a cancelled window clashes with nothing. */
  readonly cancelledAt: string | null;
  readonly cancelledBy: string | null;
}

/** Filters of {@link WindowStore.list}; every given filter must match. */
export interface WindowFilter {
  readonly ticketId?: string;
  readonly participant?: string;
  /** Windows ending after this instant (ISO). */
  readonly from?: string;
  /** Windows starting before this instant (ISO). */
  readonly to?: string;
  /** Include cancelled windows. @default false */
  readonly includeCancelled?: boolean;
}

/**
 * Joint handling windows kept by a store (optional). `book` finds the clashes (live windows of
 * the same tenant sharing a participant and overlapping in time) and inserts in one atomic step,
 * so two bookings that race both see each other when `exclusive` is asked for.
 */
export interface WindowStore {
  /**
   * Inserts `w` unless `exclusive` and it clashes; returns the clashes (by start, then id).
   * A second call with the same id inserts nothing and returns `booked: true` with the stored
   * window's clashes (a retried booking is not refused by itself).
   */
  book(
    w: HandlingWindow,
    exclusive: boolean,
  ): Promise<{ readonly booked: boolean; readonly clashes: HandlingWindow[] }>;
  /** The window, or null if none with this id in the tenant. */
  get(tenantId: string, id: string): Promise<HandlingWindow | null>;
  /** Windows matching the filter, by start then id. */
  list(tenantId: string, filter: WindowFilter): Promise<HandlingWindow[]>;
  /** Marks a live window cancelled; returns it, or null if there is none or it was cancelled. */
  cancel(tenantId: string, id: string, at: string, by: string): Promise<HandlingWindow | null>;
}

/** Urgency rank of a priority: 0 for urgent ... 3 for low. */
export const PRIORITY_RANK: Readonly<Record<Priority, number>> = Object.freeze({
  urgent: 0,
  high: 1,
  normal: 2,
  low: 3,
});
