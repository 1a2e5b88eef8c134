import { chainHead } from './chain';
import type {
  AppendResult,
  ApprovalInstance,
  ApprovalRecord,
  ApprovalStore,
  ChainHead,
  PutInstanceResult,
} from './types';

/** The memory approval store, plus a side door for tests. */
export interface MemoryApprovalStore extends ApprovalStore {
  /**
   * The live record array of a ticket, for tests that tamper with the stored chain.
   * @internal Never use in application code: it bypasses append-only.
   */
  unsafeRecords(tenantId: string, ticketId: string): ApprovalRecord[];
}

/**
 * An in-memory {@link ApprovalStore}: the default of `createApprovals`. Single process; values
 * are copied in and out (structuredClone) so callers cannot mutate stored state.
 *
 * @example
 * ```ts
 * const approvals = createApprovals({ clock, store: memoryApprovalStore() });
 * ```
 */
export function memoryApprovalStore(): MemoryApprovalStore {
  const chains = new Map<string, ApprovalRecord[]>();
  const instances = new Map<string, ApprovalInstance>();
  const key = (tenantId: string, ticketId: string) => `${tenantId}\u0000${ticketId}`;
  const chainOf = (tenantId: string, ticketId: string) => {
    const k = key(tenantId, ticketId);
    let c = chains.get(k);
    if (!c) {
      c = [];
      chains.set(k, c);
    }
    return c;
  };

  return {
    append(record): AppendResult {
      const chain = chainOf(record.tenantId, record.ticketId);
      const head: ChainHead = chainHead(chain);
      if (record.seq !== head.seq + 1 || record.prevHash !== head.hash) {
        return { ok: false, conflict: true, head };
      }
      chain.push(Object.freeze(structuredClone(record)));
      return { ok: true };
    },
    list: (tenantId, ticketId) => [...(chains.get(key(tenantId, ticketId)) ?? [])],
    head: (tenantId, ticketId) => chainHead(chains.get(key(tenantId, ticketId)) ?? []),
    getInstance(id) {
      const i = instances.get(id);
      return i ? structuredClone(i) : undefined;
    },
    putInstance(instance, expectedVersion): PutInstanceResult {
      const actualVersion = instances.get(instance.id)?.version ?? 0;
      if (actualVersion !== expectedVersion) return { ok: false, conflict: true, actualVersion };
      instances.set(instance.id, structuredClone(instance));
      return { ok: true };
    },
    listPending: () =>
      [...instances.values()].filter((i) => i.state === 'pending').map((i) => structuredClone(i)),
    unsafeRecords: (tenantId, ticketId) => chainOf(tenantId, ticketId),
  };
}
