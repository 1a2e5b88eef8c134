import type { ClaimedTimer, SlaTimers } from './port';

/** The in-memory {@link SlaTimers}, plus the write a store's commit makes. */
export interface MemorySlaTimers extends SlaTimers {
  /**
   * Sets a timer as a commit does: stamped with the ticket's version, lease cleared,
   * unconditionally (the commit's version check already ordered it).
   */
  write(tenantId: string, ticketId: string, at: string | null, version: number): void;
}

interface Row {
  tenantId: string;
  ticketId: string;
  at: number;
  version: number;
  leaseUntil: number | null;
  /** Stamp of the row's live heap entry (0: none); older entries are stale. */
  seq: number;
  /** False once claimed (until re-queued by its lease) or deleted. */
  queued: boolean;
}

/** A heap entry: `row` becomes claimable at `at`; stale when `row.seq !== seq`. */
interface Entry {
  row: Row;
  at: number;
  seq: number;
}

/**
 * In-memory durable-timer semantics (claims with leases, version-guarded reschedules) for the
 * memory store and for tests. Single process; nothing survives a restart.
 *
 * Rows are ordered by the instant they become claimable (`leaseUntil` while leased, else `at`),
 * ties in the order they were queued, in a binary heap with lazy deletion: a reschedule pushes
 * a new entry and the old one is skipped when it surfaces.
 */
export function memorySlaTimers(): MemorySlaTimers {
  // tenant -> ticket -> row: no key string to build (and flatten) per commit.
  const tenants = new Map<string, Map<string, Row>>();
  let size = 0;
  const rowsOf = (tenantId: string) => {
    let m = tenants.get(tenantId);
    if (!m) {
      m = new Map();
      tenants.set(tenantId, m);
    }
    return m;
  };
  const heap: Entry[] = [];
  let seq = 0;
  const less = (a: Entry, b: Entry) => a.at < b.at || (a.at === b.at && a.seq < b.seq);
  const push = (e: Entry) => {
    heap.push(e);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p]!;
      if (!less(e, parent)) break;
      heap[i] = parent;
      i = p;
    }
    heap[i] = e;
  };
  const pop = (): Entry => {
    const top = heap[0]!;
    const last = heap.pop()!;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const m = r < n && less(heap[r]!, heap[l]!) ? r : l;
        if (!less(heap[m]!, last)) break;
        heap[i] = heap[m]!;
        i = m;
      }
      heap[i] = last;
    }
    return top;
  };
  const live = (e: Entry) => e.row.queued && e.row.seq === e.seq;
  const prune = () => {
    while (heap.length && !live(heap[0]!)) pop();
  };
  const enqueue = (row: Row, at: number) => {
    row.seq = ++seq;
    row.queued = true;
    push({ row, at, seq: row.seq });
  };
  const put = (tenantId: string, ticketId: string, at: number | null, version: number) => {
    const rows = rowsOf(tenantId);
    const row = rows.get(ticketId);
    if (at === null) {
      if (row) {
        row.queued = false;
        rows.delete(ticketId);
        size--;
      }
      return;
    }
    if (row) {
      row.at = at;
      row.version = version;
      row.leaseUntil = null;
      enqueue(row, at);
    } else {
      const fresh: Row = {
        tenantId,
        ticketId,
        at,
        version,
        leaseUntil: null,
        seq: 0,
        queued: false,
      };
      rows.set(ticketId, fresh);
      size++;
      enqueue(fresh, at);
    }
  };
  return {
    write(tenantId, ticketId, at, version) {
      put(tenantId, ticketId, at === null ? null : Date.parse(at), version);
    },
    async claimDue(now, limit, lease) {
      const t = now.getTime();
      const out: ClaimedTimer[] = [];
      const claimed: Row[] = [];
      prune();
      while (claimed.length < limit && heap.length && heap[0]!.at <= t) {
        const row = pop().row;
        row.queued = false;
        claimed.push(row);
        prune();
      }
      // Leases are queued after the whole batch is taken, as claims in one call never see
      // each other's leases.
      for (const row of claimed) {
        row.leaseUntil = t + Math.max(0, lease.ms);
        enqueue(row, row.leaseUntil);
        out.push({
          tenantId: row.tenantId,
          ticketId: row.ticketId,
          at: new Date(row.at),
          version: row.version,
        });
      }
      return out;
    },
    async reschedule(tenantId, ticketId, at, version) {
      const row = tenants.get(tenantId)?.get(ticketId);
      if (row && row.version > version) return;
      put(tenantId, ticketId, at === null ? null : at.getTime(), version);
    },
    async nextDueAt() {
      prune();
      return heap.length ? new Date(heap[0]!.at) : null;
    },
    async count() {
      return size;
    },
  };
}
