import * as nodeCrypto from 'node:crypto';
import type { ApprovalRecord, ChainHead, ChainVerification, UnsealedApprovalRecord } from './types';

/** `prevHash` of the first record of a chain: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

const q = JSON.stringify;

// One-shot `crypto.hash` (Node >= 20.12) is about twice as fast as createHash for short input.
const oneShot = (nodeCrypto as { hash?: (alg: string, data: string, enc: 'hex') => string }).hash;
const sha256Hex: (s: string) => string =
  typeof oneShot === 'function'
    ? (s) => oneShot('sha256', s, 'hex')
    : (s) => nodeCrypto.createHash('sha256').update(s).digest('hex');

/**
 * True if `v` is JSON data whose object keys are already in canonical (sorted) order at every
 * level, with no `undefined`, non-finite number or Date: then `JSON.stringify` is canonical.
 */
function alreadyCanonical(v: unknown): boolean {
  if (v === null) return true;
  const t = typeof v;
  if (t === 'string' || t === 'boolean') return true;
  if (t === 'number') return Number.isFinite(v as number);
  if (t !== 'object' || v instanceof Date) return false;
  if (Array.isArray(v)) {
    for (const x of v) if (!alreadyCanonical(x)) return false;
    return true;
  }
  let prev: string | undefined;
  for (const k in v as Record<string, unknown>) {
    if (!Object.hasOwn(v as object, k)) return false;
    if (prev !== undefined && prev >= k) return false;
    if (!alreadyCanonical((v as Record<string, unknown>)[k])) return false;
    prev = k;
  }
  return Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null;
}

/**
 * Canonical JSON of plain JSON data: same output as the shared `canonicalJson` (sorted keys,
 * `undefined` members dropped). Data sealed by this module is stored with sorted keys, so the
 * common case is one native `JSON.stringify`; chain verification is hot.
 */
function canon(v: unknown): string {
  if (alreadyCanonical(v)) return q(v);
  return slowCanon(v);
}

function slowCanon(v: unknown): string {
  if (v === null || typeof v !== 'object') return v === undefined ? 'null' : q(v);
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i ? ',' : '') + slowCanon(v[i]);
    return `${out}]`;
  }
  if (v instanceof Date) return q(v.toISOString());
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const x = o[k];
    if (x === undefined) continue;
    out += `${first ? '' : ','}${q(k)}:${slowCanon(x)}`;
    first = false;
  }
  return `${out}}`;
}

/** A deep copy of JSON data with object keys in sorted order (what `canon` expects). */
function sortedCopy(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : sortedCopy(x)));
  const o = v as Record<string, unknown>;
  // Null prototype: a `__proto__` key stays an own data key.
  const out: Record<string, unknown> = Object.create(null);
  for (const k of Object.keys(o).sort()) if (o[k] !== undefined) out[k] = sortedCopy(o[k]);
  return out;
}

/**
 * RFC 8785-style canonical JSON of a record without its `hash` (sorted keys, no whitespace).
 * Same output as the generic canonicaliser, with the fixed top-level keys written in sorted
 * order by hand: verification of long chains spends most of its time here.
 */
export function canonicalRecord(r: UnsealedApprovalRecord): string {
  return (
    `{"actor":${q(r.actor)},"at":${q(r.at)},"data":${canon(r.data)},` +
    `"instanceId":${q(r.instanceId)},"prevHash":${q(r.prevHash)},"seq":${JSON.stringify(r.seq)},` +
    `"tenantId":${q(r.tenantId)},"ticketId":${q(r.ticketId)},"type":${q(r.type)}}`
  );
}

/**
 * The hash of a record: `SHA-256(prevHash ‖ canonicalJSON(record without hash))`, hex.
 *
 * @example
 * ```ts
 * const ok = hashApprovalRecord(record) === record.hash;
 * ```
 */
export function hashApprovalRecord(r: UnsealedApprovalRecord): string {
  return sha256Hex(r.prevHash + canonicalRecord(r));
}

/**
 * Seals the next record of a chain: sets `seq` and `prevHash` from `head` and computes `hash`.
 *
 * @example
 * ```ts
 * const r1 = sealApprovalRecord({ seq: 0, hash: GENESIS_HASH }, { tenantId, ticketId, instanceId, type: 'start', at, actor: 'u1', data: {} });
 * ```
 */
export function sealApprovalRecord(
  head: ChainHead,
  fields: Omit<UnsealedApprovalRecord, 'seq' | 'prevHash'>,
): ApprovalRecord {
  const unsealed: UnsealedApprovalRecord = {
    seq: head.seq + 1,
    tenantId: fields.tenantId,
    ticketId: fields.ticketId,
    instanceId: fields.instanceId,
    type: fields.type,
    at: fields.at,
    actor: fields.actor,
    data: sortedCopy(fields.data) as UnsealedApprovalRecord['data'],
    prevHash: head.hash,
  };
  return { ...unsealed, hash: hashApprovalRecord(unsealed) };
}

/**
 * Verifies one ticket's chain (oldest first) and names the first affected sequence number.
 *
 * Detects an edited field (with or without re-sealing the edited row, unless it is the last
 * row), a deleted row, two swapped rows and an inserted forged row (seq numbered into the gap,
 * sealed or not). Without `head`, a truncated tail, a re-sealed last row and forged rows appended
 * at the end are indistinguishable from a shorter honest chain: pass an anchor from
 * {@link ChainHead} exported earlier to detect those.
 *
 * @example
 * ```ts
 * const v = verifyApprovalChain(records, { head: savedHead });
 * if (!v.ok) console.error(`tampered from seq ${v.firstBadSeq}: ${v.reason}`);
 * ```
 */
export function verifyApprovalChain(
  rows: readonly ApprovalRecord[],
  options: { head?: ChainHead } = {},
): ChainVerification {
  let prev = GENESIS_HASH;
  for (let idx = 0; idx < rows.length; idx++) {
    const r = rows[idx]!;
    const pos = idx + 1;
    if (hashApprovalRecord(r) !== r.hash) return bad(pos, 'hash_mismatch');
    if (r.seq === pos && r.prevHash === prev) {
      prev = r.hash;
      continue;
    }
    const before = idx > 0 ? rows[idx - 1] : undefined;
    // A sealed forgery took this row's slot: both claim seq pos-1 on the same predecessor.
    if (before && r.seq === pos - 1 && r.hash !== before.hash && r.prevHash === before.prevHash) {
      return bad(pos - 1, 'fork');
    }
    if (r.seq === pos) {
      const next = rows[idx + 1];
      // A forged row sealed on a made-up prevHash sits here; the genuine row follows it.
      if (next && next.seq === pos && next.prevHash === prev) return bad(pos, 'fork');
      // This row itself was re-sealed on another prevHash: its successor no longer links.
      if (next && next.prevHash !== r.hash) return bad(pos, 'prev_hash_mismatch');
      // This row is intact but sealed on a different predecessor: the predecessor was rewritten.
      if (before) return bad(pos - 1, 'rewritten');
      return bad(pos, 'prev_hash_mismatch');
    }
    return bad(pos, 'seq_mismatch');
  }
  const head = options.head;
  if (head && head.seq > 0) {
    if (head.seq > rows.length) return bad(rows.length + 1, 'truncated');
    if (rows[head.seq - 1]!.hash !== head.hash) return bad(head.seq, 'head_mismatch');
  }
  return { ok: true };
}

function bad(
  firstBadSeq: number,
  reason: Exclude<ChainVerification, { ok: true }>['reason'],
): ChainVerification {
  return { ok: false, firstBadSeq, reason };
}

/** The head of a chain (`{ seq: 0, hash: GENESIS_HASH }` when empty). */
export function chainHead(rows: readonly ApprovalRecord[]): ChainHead {
  const last = rows[rows.length - 1];
  return last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS_HASH };
}
