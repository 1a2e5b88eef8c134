import { createHash } from 'node:crypto';
import { canonicalJson } from '../_internal/index';
import type { AuditEntry } from './index';

/** `prevHash` of a tenant's first sealed audit entry: 64 zeros. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** One link of a tenant's sealed audit chain. */
export interface AuditChainLink {
  readonly tenantId: string;
  /** Position in the tenant's chain: 1, 2, 3, ... gapless. */
  readonly seq: number;
  /** The sealed entry: its ticket and its `seq` on that ticket. */
  readonly ticketId: string;
  readonly entrySeq: number;
  /** The previous link's hash ({@link AUDIT_GENESIS_HASH} for seq 1). */
  readonly prevHash: string;
  /** `SHA-256(prevHash ‖ canonical JSON of the entry)`, hex. */
  readonly hash: string;
}

/** The result of verifying a tenant's audit chain. */
export type AuditChainVerification =
  | {
      readonly ok: true;
      /** Number of sealed entries. */
      readonly length: number;
      /** The last link's hash: publish or store it elsewhere as an anchor. */
      readonly head: string;
    }
  | {
      readonly ok: false;
      readonly length: number;
      /** The chain position where verification failed. */
      readonly brokenAt: number;
      readonly reason: 'hash_mismatch' | 'entry_missing' | 'gap' | 'fork';
      readonly message: string;
    };

/** The hash of one link: `SHA-256(prevHash ‖ canonicalJSON(entry))`, hex. */
export function hashAuditEntry(prevHash: string, entry: AuditEntry): string {
  return createHash('sha256').update(prevHash).update(canonicalJson(entry)).digest('hex');
}

/**
 * Verifies links (in chain order) against the entries they seal: gapless seq from 1, each
 * `prevHash` the previous hash, each hash recomputed from the entry as stored now. Any edited,
 * deleted or reordered entry or link is reported at the first position it breaks the chain.
 */
export function verifyAuditChainLinks(
  links: readonly AuditChainLink[],
  entryOf: (link: AuditChainLink) => AuditEntry | undefined,
): AuditChainVerification {
  let prev = AUDIT_GENESIS_HASH;
  const seen = new Set<string>();
  for (let i = 0; i < links.length; i++) {
    const l = links[i]!;
    const fail = (reason: 'hash_mismatch' | 'entry_missing' | 'gap' | 'fork', message: string) =>
      ({ ok: false, length: links.length, brokenAt: i + 1, reason, message }) as const;
    if (l.seq !== i + 1) return fail('gap', `link ${i + 1} has seq ${l.seq}`);
    if (l.prevHash !== prev) return fail('fork', `link ${l.seq} does not follow link ${l.seq - 1}`);
    const key = `${l.ticketId}\u0000${l.entrySeq}`;
    if (seen.has(key)) return fail('fork', `entry ${l.ticketId}:${l.entrySeq} is sealed twice`);
    seen.add(key);
    const entry = entryOf(l);
    if (!entry) return fail('entry_missing', `entry ${l.ticketId}:${l.entrySeq} is gone`);
    if (hashAuditEntry(l.prevHash, entry) !== l.hash) {
      return fail('hash_mismatch', `entry ${l.ticketId}:${l.entrySeq} changed after sealing`);
    }
    prev = l.hash;
  }
  return { ok: true, length: links.length, head: prev };
}
