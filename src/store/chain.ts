import {
  AUDIT_GENESIS_HASH,
  type AuditChainLink,
  type AuditEntry,
  hashAuditEntry,
  verifyAuditChainLinks,
} from '../audit/index';
import type { AuditChain } from './port';

/** The in-memory {@link AuditChain}, plus the append a store's commit makes. */
export interface MemoryAuditChain extends AuditChain {
  /** Records committed entries in commit order (unsealed until `seal`). */
  append(entries: readonly AuditEntry[]): void;
  /** Raw links of a tenant (a side door for tamper tests). */
  links(tenantId: string): AuditChainLink[];
}

/**
 * In-memory audit chain for the memory store: entries are sealed in commit order. The entries
 * are the store's own (frozen) objects, so `verify` sees any change made through a side door.
 */
export function memoryAuditChain(
  entryOf: (tenantId: string, ticketId: string, seq: number) => AuditEntry | undefined,
): MemoryAuditChain {
  const pending = new Map<string, AuditEntry[]>();
  const chains = new Map<string, AuditChainLink[]>();
  return {
    append(entries) {
      for (const e of entries) {
        const list = pending.get(e.tenantId) ?? [];
        list.push(e);
        pending.set(e.tenantId, list);
      }
    },
    async seal(tenantId, limit = 10_000) {
      const queue = pending.get(tenantId) ?? [];
      const chain = chains.get(tenantId) ?? [];
      chains.set(tenantId, chain);
      const take = queue.splice(0, Math.max(0, limit));
      let prev = chain.at(-1)?.hash ?? AUDIT_GENESIS_HASH;
      for (const e of take) {
        const hash = hashAuditEntry(prev, e);
        chain.push(
          Object.freeze({
            tenantId,
            seq: chain.length + 1,
            ticketId: e.ticketId,
            entrySeq: e.seq,
            prevHash: prev,
            hash,
          }),
        );
        prev = hash;
      }
      return take.length;
    },
    async verify(tenantId) {
      return verifyAuditChainLinks(chains.get(tenantId) ?? [], (l) =>
        entryOf(tenantId, l.ticketId, l.entrySeq),
      );
    },
    async head(tenantId) {
      const last = chains.get(tenantId)?.at(-1);
      return last ? { seq: last.seq, hash: last.hash } : null;
    },
    links: (tenantId) => [...(chains.get(tenantId) ?? [])],
  };
}
