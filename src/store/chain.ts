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
  // Per tenant: committed entries in commit order, and how many of them are sealed. Sealing
  // moves an index instead of splicing a queue; the sealed prefix is dropped once it is large.
  const logs = new Map<string, { entries: AuditEntry[]; sealed: number }>();
  const chains = new Map<string, AuditChainLink[]>();
  // Commits come from one tenant in a row, usually: skip the map lookup for it.
  let lastTenant: string | undefined;
  let lastLog: { entries: AuditEntry[]; sealed: number } | undefined;
  const logOf = (tenantId: string) => {
    if (tenantId === lastTenant) return lastLog!;
    let log = logs.get(tenantId);
    if (!log) {
      log = { entries: [], sealed: 0 };
      logs.set(tenantId, log);
    }
    lastTenant = tenantId;
    lastLog = log;
    return log;
  };
  return {
    append(entries) {
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i]!;
        logOf(e.tenantId).entries.push(e);
      }
    },
    async seal(tenantId, limit = 10_000) {
      const log = logOf(tenantId);
      const chain = chains.get(tenantId) ?? [];
      chains.set(tenantId, chain);
      const end = Math.min(log.entries.length, log.sealed + Math.max(0, limit));
      const take = log.entries.slice(log.sealed, end);
      log.sealed = end;
      if (log.sealed >= 4096 && log.sealed * 2 >= log.entries.length) {
        log.entries = log.entries.slice(log.sealed);
        log.sealed = 0;
      }
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
