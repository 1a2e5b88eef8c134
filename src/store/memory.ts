import type { AuditEntry } from '../audit/index';
import { type ExternalLink, linkKey, type Ticket } from '../ticket/index';
import { type MemoryAuditChain, memoryAuditChain } from './chain';
import { type MemoryEventOutbox, memoryEventOutbox } from './events';
import {
  type Comment,
  type Commit,
  type CommitOutcome,
  type IdempotencyRecord,
  PRIORITY_RANK,
  type StoreListQuery,
  type TicketStore,
} from './port';
import { type MemorySlaTimers, memorySlaTimers } from './timers';
import { memoryWindows } from './windows';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Expired idempotency keys are swept at most this often (ms of the desk's clock), so the key
   * table never grows past the live keys plus one interval's worth.
   * @default 60_000
   */
  sweepIntervalMs?: number;
}

/** A raw view of everything a memory store holds, for tests and debugging. */
export interface MemoryStoreSnapshot {
  readonly tickets: ReadonlyMap<string, Ticket>;
  readonly audit: ReadonlyMap<string, readonly AuditEntry[]>;
  readonly comments: ReadonlyMap<string, readonly Comment[]>;
  readonly idempotency: ReadonlyMap<string, IdempotencyRecord>;
}

/** The in-memory store, with a side door for tests. */
export interface MemoryStore extends TicketStore {
  /**
   * Raw maps keyed by `tenantId + '\u0000' + id` (tickets, audit and comments by ticket id,
   * idempotency by key). Reads the data directly, bypassing the port's methods.
   */
  snapshot(): MemoryStoreSnapshot;
}

interface Tenant {
  tickets: Map<string, Ticket>;
  /** assignee -> status -> count, kept on every write (dispatch asks for load per call). */
  load: Map<string, Map<string, number>>;
  /** parent id -> child ids (parentId never changes after create). */
  children: Map<string, Set<string>>;
  /** linkKey -> ids of the tickets carrying that external link. */
  links: Map<string, Set<string>>;
  audit: Map<string, AuditEntry[]>;
  comments: Map<string, Comment[]>;
  idempotency: Map<string, IdempotencyRecord>;
  lastSweep: number;
}

const keyOf = (tenantId: string, id: string) => `${tenantId}\u0000${id}`;

/**
 * The default store: everything in memory, nothing survives the process. Values are frozen
 * tickets shared by reference (they are immutable), so reads cost nothing.
 *
 * Each {@link TicketStore.commit} runs without awaiting in between its checks and its writes,
 * so on one event loop it is atomic, and it validates everything before writing anything.
 *
 * @example
 * ```ts
 * import { createTicketing } from 'ticketkit';
 * import { memoryStore } from 'ticketkit/adapters/memory';
 * const desk = createTicketing({ store: memoryStore() });
 * ```
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const sweepInterval = options.sweepIntervalMs ?? 60_000;
  const tenants = new Map<string, Tenant>();
  const timers: MemorySlaTimers = memorySlaTimers();
  const events: MemoryEventOutbox = memoryEventOutbox();
  const chain: MemoryAuditChain = memoryAuditChain((tenantId, ticketId, seq) =>
    tenants
      .get(tenantId)
      ?.audit.get(ticketId)
      ?.find((e) => e.seq === seq),
  );
  const tenant = (id: string): Tenant => {
    let t = tenants.get(id);
    if (!t) {
      t = {
        tickets: new Map(),
        load: new Map(),
        children: new Map(),
        links: new Map(),
        audit: new Map(),
        comments: new Map(),
        idempotency: new Map(),
        lastSweep: Number.NEGATIVE_INFINITY,
      };
      tenants.set(id, t);
    }
    return t;
  };

  const sortValue = (t: Ticket, field: StoreListQuery['sort']['field']): string | number =>
    field === 'priority' ? PRIORITY_RANK[t.priority] : t[field];

  type Failure = Exclude<CommitOutcome, { ok: true }>;
  /** Checks one commit without writing. `seen` catches clashes inside a batch. */
  const check = (c: Commit, seen: Set<string> | null): Failure | undefined => {
    const t = tenant(c.tenantId);
    // `seen` catches two commits on one ticket inside a batch; single commits pass null.
    const key = seen ? keyOf(c.tenantId, c.ticket.id) : '';
    const current = t.tickets.get(c.ticket.id);
    if (c.expectedVersion === null) {
      if (current || seen?.has(key)) return { ok: false, reason: 'already_exists' };
    } else if (!current) {
      return { ok: false, reason: 'not_found' };
    } else if (current.version !== c.expectedVersion || seen?.has(key)) {
      return { ok: false, reason: 'version_conflict', actualVersion: current.version };
    }
    seen?.add(key);
    if (c.idempotency) {
      const nowMs = Date.parse(c.now);
      if (nowMs - t.lastSweep >= sweepInterval) {
        for (const [k, r] of t.idempotency) if (r.expiresAt <= c.now) t.idempotency.delete(k);
        t.lastSweep = nowMs;
      }
      const existing = t.idempotency.get(c.idempotency.key);
      if (existing && existing.expiresAt > c.now) {
        return { ok: false, reason: 'idempotency_exists', record: existing };
      }
    }
    return undefined;
  };
  /** Writes one checked commit. */
  const bumpLoad = (t: Tenant, assignee: string | null, status: string, by: number) => {
    if (assignee === null) return;
    let m = t.load.get(assignee);
    if (!m) {
      m = new Map<string, number>();
      t.load.set(assignee, m);
    }
    m.set(status, (m.get(status) ?? 0) + by);
  };
  const noLinks: readonly ExternalLink[] = [];
  /** Keeps the link index in step with a ticket's `externalRefs.links`. */
  const reindexLinks = (t: Tenant, id: string, before: Ticket | undefined, after: Ticket) => {
    const was = before?.externalRefs.links ?? noLinks;
    const now = after.externalRefs.links ?? noLinks;
    if (was === now) return; // unchanged refs are shared by reference between versions
    const keep = new Set(now.map(linkKey));
    for (const l of was) {
      const k = linkKey(l);
      if (keep.has(k)) continue;
      const ids = t.links.get(k);
      ids?.delete(id);
      if (ids?.size === 0) t.links.delete(k);
    }
    for (const k of keep) {
      const ids = t.links.get(k) ?? new Set<string>();
      t.links.set(k, ids);
      ids.add(id);
    }
  };
  const write = (c: Commit) => {
    const t = tenant(c.tenantId);
    const old = t.tickets.get(c.ticket.id);
    reindexLinks(t, c.ticket.id, old, c.ticket);
    // A change that keeps assignee and status (a comment, an SLA tick) leaves the load as is.
    if (!old || old.assignee !== c.ticket.assignee || old.status !== c.ticket.status) {
      if (old) bumpLoad(t, old.assignee, old.status, -1);
      bumpLoad(t, c.ticket.assignee, c.ticket.status, 1);
    }
    if (!old && c.ticket.parentId !== null) {
      const kids = t.children.get(c.ticket.parentId) ?? new Set<string>();
      t.children.set(c.ticket.parentId, kids);
      kids.add(c.ticket.id);
    }
    t.tickets.set(c.ticket.id, c.ticket);
    const audit = t.audit.get(c.ticket.id);
    if (audit) for (const e of c.audit) audit.push(e);
    else t.audit.set(c.ticket.id, [...c.audit]);
    if (c.comments?.length) {
      const list = t.comments.get(c.ticket.id);
      if (list) for (const cm of c.comments) list.push(cm);
      else t.comments.set(c.ticket.id, [...c.comments]);
    }
    if (c.idempotency) t.idempotency.set(c.idempotency.key, c.idempotency);
    if (c.slaDueAt !== undefined) {
      timers.write(c.tenantId, c.ticket.id, c.slaDueAt, c.ticket.version);
    }
    if (c.events?.length) events.write(c.tenantId, c.ticket.id, c.events);
    chain.append(c.audit);
  };

  return {
    name: 'memory',
    capabilities: { multiProcess: false, durable: false },
    slaTimers: timers,
    eventOutbox: events,
    auditChain: chain,
    windows: memoryWindows(),

    async getTicket(tenantId, id) {
      return tenants.get(tenantId)?.tickets.get(id) ?? null;
    },

    async listTickets(tenantId, q) {
      const t = tenants.get(tenantId);
      if (!t) return [];
      const f = q.filter;
      const status = f.status && new Set(f.status);
      const priority = f.priority && new Set<string>(f.priority);
      const assignee = f.assignee && new Set(f.assignee);
      const team = f.team && new Set(f.team);
      const requester = f.requester && new Set(f.requester);
      const parent = f.parentId && new Set(f.parentId);
      const dir = q.sort.direction === 'asc' ? 1 : -1;
      const field = q.sort.field;
      const after = q.after;
      const rows: { v: string | number; t: Ticket }[] = [];
      // Children of given parents: walk the parent index instead of every ticket.
      let candidates: Iterable<Ticket> = t.tickets.values();
      if (f.parentId && !f.parentId.includes(null)) {
        const list: Ticket[] = [];
        for (const p of new Set(f.parentId)) {
          for (const id of t.children.get(p as string) ?? []) list.push(t.tickets.get(id)!);
        }
        candidates = list;
      }
      for (const ticket of candidates) {
        if (status && !status.has(ticket.status)) continue;
        if (priority && !priority.has(ticket.priority)) continue;
        if (assignee && !assignee.has(ticket.assignee)) continue;
        if (team && !team.has(ticket.team ?? '')) continue;
        if (requester && !requester.has(ticket.requester)) continue;
        if (parent && !parent.has(ticket.parentId)) continue;
        const v = sortValue(ticket, field);
        if (after) {
          const c = v < after.value ? -1 : v > after.value ? 1 : 0;
          if (c * dir < 0 || (c === 0 && ticket.id <= after.id)) continue;
        }
        rows.push({ v, t: ticket });
      }
      rows.sort((a, b) => {
        const c = a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
        if (c !== 0) return c * dir;
        return a.t.id < b.t.id ? -1 : a.t.id > b.t.id ? 1 : 0;
      });
      return rows.slice(0, q.limit).map((r) => r.t);
    },

    async existingIds(tenantId, ids) {
      const t = tenants.get(tenantId);
      return new Set(t ? ids.filter((id) => t.tickets.has(id)) : []);
    },

    async listAudit(tenantId, ticketId) {
      return [...(tenants.get(tenantId)?.audit.get(ticketId) ?? [])];
    },

    async listComments(tenantId, ticketId) {
      return [...(tenants.get(tenantId)?.comments.get(ticketId) ?? [])];
    },

    async getIdempotency(tenantId, key, now) {
      const r = tenants.get(tenantId)?.idempotency.get(key);
      return r && r.expiresAt > now ? r : null;
    },

    async commit(c: Commit): Promise<CommitOutcome> {
      const failed = check(c, null);
      if (failed) return failed;
      write(c);
      return { ok: true };
    },

    async commitBatch(commits) {
      // Check every commit first (including clashes inside the batch), then write them all.
      const seen = new Set<string>();
      for (let i = 0; i < commits.length; i++) {
        const failed = check(commits[i]!, seen);
        if (failed) return { ok: false, index: i, outcome: failed };
      }
      for (const c of commits) write(c);
      return { ok: true };
    },

    async countByAssignee(tenantId, statuses) {
      const out = new Map<string, number>();
      for (const [assignee, byStatus] of tenants.get(tenantId)?.load ?? []) {
        let n = 0;
        for (const st of statuses) n += byStatus.get(st) ?? 0;
        if (n > 0) out.set(assignee, n);
      }
      return out;
    },

    async findByExternalRef(tenantId, link, page) {
      const t = tenants.get(tenantId);
      const ids = t?.links.get(linkKey(link));
      if (!t || !ids) return [];
      const after = page.after;
      const out: string[] = [];
      for (const id of ids) if (after === undefined || id > after) out.push(id);
      out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return out.slice(0, page.limit).map((id) => t.tickets.get(id)!);
    },

    async close() {},

    snapshot() {
      const tickets = new Map<string, Ticket>();
      const audit = new Map<string, readonly AuditEntry[]>();
      const comments = new Map<string, readonly Comment[]>();
      const idempotency = new Map<string, IdempotencyRecord>();
      for (const [tid, t] of tenants) {
        for (const [id, v] of t.tickets) tickets.set(keyOf(tid, id), v);
        for (const [id, v] of t.audit) audit.set(keyOf(tid, id), [...v]);
        for (const [id, v] of t.comments) comments.set(keyOf(tid, id), [...v]);
        for (const [k, v] of t.idempotency) idempotency.set(keyOf(tid, k), v);
      }
      return { tickets, audit, comments, idempotency };
    },
  };
}
