/**
 * The audit trail: one append-only entry per change, written in the same atomic step as the
 * change itself.
 *
 * @module audit
 */
import type { Ticket } from '../ticket/index';

/** The actor as recorded in the audit trail. */
export interface AuditActor {
  readonly id: string;
  readonly roles: readonly string[];
}

/** What kind of change an audit entry records. */
export type AuditAction = 'create' | 'update' | 'assign' | 'transition' | 'comment' | (string & {});

/** One change to a ticket. */
export interface AuditEntry {
  /** `${ticketId}:${seq}`: unique, and stable across stores. */
  readonly id: string;
  readonly tenantId: string;
  readonly ticketId: string;
  /** The ticket's version after this change: 1 for the create, then gapless. */
  readonly seq: number;
  /** When the change was stored (ISO 8601 UTC, from the injected clock). */
  readonly at: string;
  readonly actor: AuditActor;
  readonly action: AuditAction;
  /** Each changed field with its value before and after (`from: null` on create). */
  readonly changes: Readonly<Record<string, { readonly from: unknown; readonly to: unknown }>>;
  /** Client IP from the host's request context, when supplied. */
  readonly ip?: string;
  /** Client user agent from the host's request context, when supplied. */
  readonly userAgent?: string;
  /** Extra facts: the comment id, the rule that decided, a dispatch breakdown, ... */
  readonly meta?: Readonly<Record<string, unknown>>;
}

/**
 * Rebuilds a ticket from its audit trail (oldest first). The result equals the stored ticket:
 * the trail is a complete record of every change.
 *
 * @throws Error if the trail does not start with a `create` entry or has a gap in `seq`.
 */
export function replayAudit<S extends string = string>(entries: readonly AuditEntry[]): Ticket<S> {
  const first = entries[0];
  if (first?.action !== 'create' || first.seq !== 1) {
    throw new Error('replayAudit: the trail must start with the create entry (seq 1)');
  }
  const t: Record<string, unknown> = {
    id: first.ticketId,
    tenantId: first.tenantId,
    createdAt: first.at,
  };
  entries.forEach((e, i) => {
    if (e.seq !== i + 1) throw new Error(`replayAudit: gap in the trail at seq ${i + 1}`);
    for (const [field, change] of Object.entries(e.changes)) t[field] = change.to;
    t.version = e.seq;
    t.updatedAt = e.at;
  });
  return t as unknown as Ticket<S>;
}

/** Time a ticket spent in one state. */
export interface StateDwell {
  readonly state: string;
  /** Total milliseconds in the state, over every visit. */
  readonly ms: number;
  /** How many times the ticket entered the state. */
  readonly visits: number;
}

/**
 * How long a ticket sat in each state, from its audit trail (oldest first), up to `now` for
 * the state it is in. States are listed in the order first entered. Wall-clock time, not
 * business time: divide by a calendar yourself for business-hour dwell.
 *
 * @example
 * ```ts
 * const dwell = dwellTimes(await desk.history(id), clock.now());
 * // [{ state: 'pending', ms: 720000, visits: 1 }, { state: 'in_progress', ... }]
 * ```
 */
export function dwellTimes(entries: readonly AuditEntry[], now: Date): StateDwell[] {
  const totals = new Map<string, { ms: number; visits: number }>();
  let state: string | undefined;
  let since = 0;
  const enter = (s: string, at: number) => {
    if (state !== undefined) totals.get(state)!.ms += Math.max(0, at - since);
    const t = totals.get(s);
    if (t) t.visits++;
    else totals.set(s, { ms: 0, visits: 1 });
    state = s;
    since = at;
  };
  for (const e of entries) {
    const change = e.changes.status;
    if (change && change.to !== undefined && change.to !== state)
      enter(String(change.to), Date.parse(e.at));
  }
  if (state !== undefined) totals.get(state)!.ms += Math.max(0, now.getTime() - since);
  return [...totals].map(([s, t]) => ({ state: s, ms: t.ms, visits: t.visits }));
}

export {
  AUDIT_GENESIS_HASH,
  type AuditChainLink,
  type AuditChainVerification,
  hashAuditEntry,
  verifyAuditChainLinks,
} from './chain';
