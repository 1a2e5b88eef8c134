/** One ticket's next SLA due instant. */
export interface ScheduledTicket {
  readonly tenantId: string;
  readonly ticketId: string;
  readonly at: Date;
}

/**
 * The SLA scheduler port: remembers, per ticket, the next instant one of its clocks reaches
 * a threshold. The desk asks it for what is due and re-evaluates those tickets; an entry that
 * turns out to be stale is harmless, because firing is decided from the ticket's stored state
 * (each threshold is marked fired in the same commit as its audit entry).
 *
 * The memory scheduler lives in-process; a durable one (with the PostgreSQL store) keeps the
 * entries in a table claimed with `FOR UPDATE SKIP LOCKED`.
 */
export interface SlaScheduler {
  /** Sets (or replaces) a ticket's next due instant; `null` removes it. */
  set(tenantId: string, ticketId: string, at: Date | null): void;
  /** Removes and returns up to `limit` entries due at or before `now`, earliest first. */
  takeDue(now: Date, limit: number): ScheduledTicket[];
  /** The earliest scheduled instant, or null when nothing is scheduled. */
  next(): Date | null;
  /** Number of tickets scheduled. */
  size(): number;
}

/** The in-memory scheduler: a binary heap with lazy deletion, O(log n) per change. */
export function memoryScheduler(): SlaScheduler {
  const current = new Map<
    string,
    { tenantId: string; ticketId: string; at: number; seq: number }
  >();
  const heap: { key: string; at: number; seq: number }[] = [];
  let seq = 0;
  const less = (a: { at: number; seq: number }, b: { at: number; seq: number }) =>
    a.at < b.at || (a.at === b.at && a.seq < b.seq);
  const push = (e: { key: string; at: number; seq: number }) => {
    heap.push(e);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i]!, heap[p]!)) break;
      [heap[i], heap[p]] = [heap[p]!, heap[i]!];
      i = p;
    }
  };
  const pop = () => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0 && top) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  };
  const live = (e: { key: string; seq: number }) => current.get(e.key)?.seq === e.seq;
  const prune = () => {
    while (heap.length && !live(heap[0]!)) pop();
  };
  return {
    set(tenantId, ticketId, at) {
      const key = `${tenantId}\u0000${ticketId}`;
      if (at === null) {
        current.delete(key);
        return;
      }
      const e = { tenantId, ticketId, at: at.getTime(), seq: ++seq };
      current.set(key, e);
      push({ key, at: e.at, seq: e.seq });
    },
    takeDue(now, limit) {
      const out: ScheduledTicket[] = [];
      const t = now.getTime();
      prune();
      while (out.length < limit && heap.length && heap[0]!.at <= t) {
        const e = pop()!;
        const c = current.get(e.key);
        if (c && c.seq === e.seq) {
          current.delete(e.key);
          out.push({ tenantId: c.tenantId, ticketId: c.ticketId, at: new Date(c.at) });
        }
        prune();
      }
      return out;
    },
    next() {
      prune();
      return heap.length ? new Date(heap[0]!.at) : null;
    },
    size: () => current.size,
  };
}
