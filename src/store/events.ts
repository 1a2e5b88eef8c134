import { deepFreeze } from '../_internal/index';
import type { EventOutbox, OutboxEvent, OutboxEventInput } from './port';

/** The in-memory {@link EventOutbox}, plus the write a store's commit makes. */
export interface MemoryEventOutbox extends EventOutbox {
  /** Appends a commit's events (ids already present are ignored). */
  write(tenantId: string, ticketId: string, events: readonly OutboxEventInput[]): void;
}

interface Row {
  event: OutboxEvent;
  availableAt: number;
  leaseUntil: number | null;
  delivered: boolean;
}

/**
 * In-memory event-outbox semantics (leases, per-ticket order, retries) for the memory store
 * and for tests. Single process; nothing survives a restart.
 */
export function memoryEventOutbox(): MemoryEventOutbox {
  const byId = new Map<string, Row>();
  // Undelivered rows in commit order (a Map keeps insertion order).
  const open = new Map<string, Row>();
  return {
    write(tenantId, ticketId, events) {
      for (const e of events) {
        if (byId.has(e.id)) continue;
        const row: Row = {
          // Stored as JSON, as a SQL store would: the relay gets a copy, never the live object.
          event: deepFreeze({
            id: e.id,
            type: e.type,
            at: e.at,
            payload: JSON.parse(JSON.stringify(e.payload)) as unknown,
            tenantId,
            ticketId,
            attempts: 0,
          }),
          availableAt: Date.parse(e.at),
          leaseUntil: null,
          delivered: false,
        };
        byId.set(e.id, row);
        open.set(e.id, row);
      }
    },
    async claim(now, limit, lease) {
      const t = now.getTime();
      const out: OutboxEvent[] = [];
      const seen = new Set<string>();
      for (const row of open.values()) {
        if (out.length >= limit) break;
        const key = `${row.event.tenantId}\u0000${row.event.ticketId}`;
        if (seen.has(key)) continue; // an earlier event of this ticket is still open
        seen.add(key);
        if (row.availableAt > t || (row.leaseUntil !== null && row.leaseUntil > t)) continue;
        row.leaseUntil = t + Math.max(0, lease.ms);
        out.push(row.event);
      }
      return out;
    },
    async complete(ids) {
      for (const id of ids) {
        const row = byId.get(id);
        if (!row) continue;
        row.delivered = true;
        row.leaseUntil = null;
        open.delete(id);
      }
    },
    async retry(id, retryAt) {
      const row = byId.get(id);
      if (!row || row.delivered) return;
      row.event = Object.freeze({ ...row.event, attempts: row.event.attempts + 1 });
      row.availableAt = retryAt.getTime();
      row.leaseUntil = null;
    },
    async pending() {
      return open.size;
    },
  };
}
