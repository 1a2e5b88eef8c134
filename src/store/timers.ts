import { memoryScheduler } from '../sla/scheduler';
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
}

/**
 * In-memory durable-timer semantics (claims with leases, version-guarded reschedules) for the
 * memory store and for tests. Single process; nothing survives a restart.
 */
export function memorySlaTimers(): MemorySlaTimers {
  const rows = new Map<string, Row>();
  // Orders rows by the instant they become claimable: `leaseUntil` while leased, else `at`.
  const queue = memoryScheduler();
  const keyOf = (tenantId: string, ticketId: string) => `${tenantId}\u0000${ticketId}`;
  const put = (tenantId: string, ticketId: string, at: number | null, version: number) => {
    const key = keyOf(tenantId, ticketId);
    if (at === null) {
      rows.delete(key);
      queue.set(tenantId, ticketId, null);
      return;
    }
    rows.set(key, { tenantId, ticketId, at, version, leaseUntil: null });
    queue.set(tenantId, ticketId, new Date(at));
  };
  return {
    write(tenantId, ticketId, at, version) {
      put(tenantId, ticketId, at === null ? null : Date.parse(at), version);
    },
    async claimDue(now, limit, lease) {
      const t = now.getTime();
      const out: ClaimedTimer[] = [];
      for (const d of queue.takeDue(now, limit)) {
        const row = rows.get(keyOf(d.tenantId, d.ticketId));
        if (!row) continue;
        row.leaseUntil = t + Math.max(0, lease.ms);
        queue.set(row.tenantId, row.ticketId, new Date(row.leaseUntil));
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
      const row = rows.get(keyOf(tenantId, ticketId));
      if (row && row.version > version) return;
      put(tenantId, ticketId, at === null ? null : at.getTime(), version);
    },
    async nextDueAt() {
      return queue.next();
    },
    async count() {
      return rows.size;
    },
  };
}
