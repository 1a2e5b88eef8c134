// A2: tamper detection on the approval hash chain.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/_internal/index';
import {
  type ApprovalRecord,
  type ApprovalRecordType,
  canonicalRecord,
  chainHead,
  GENESIS_HASH,
  hashApprovalRecord,
  sealApprovalRecord,
  verifyApprovalChain,
} from '../../src/approvals/index';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
console.log(`approvals chain.prop: fast-check seed ${SEED} (FC_SEED=${SEED} to replay)`);

const TYPES: ApprovalRecordType[] = ['start', 'decision', 'delegation', 'nudge', 'outcome'];

/** A deterministic chain of `n` records with varied data. */
function buildChain(n: number, salt = 0): ApprovalRecord[] {
  const rows: ApprovalRecord[] = [];
  let head = { seq: 0, hash: GENESIS_HASH };
  for (let i = 0; i < n; i++) {
    const r = sealApprovalRecord(head, {
      tenantId: 't1',
      ticketId: 'tk_1',
      instanceId: `apv_${Math.floor(i / 7)}`,
      type: TYPES[(i + salt) % TYPES.length]!,
      at: new Date(Date.UTC(2026, 0, 5) + i * 60_000).toISOString(),
      actor: `user-${(i * 31 + salt) % 17}`,
      data: { step: i % 3, decision: i % 2 ? 'approve' : 'reject', comment: `c${i}`, n: i },
    });
    rows.push(r);
    head = { seq: r.seq, hash: r.hash };
  }
  return rows;
}

type Tamper =
  | { kind: 'edit'; at: number; field: number; rehash: boolean }
  | { kind: 'delete'; at: number }
  | { kind: 'swap'; i: number; j: number }
  | { kind: 'insert'; at: number; variant: 'sealed' | 'bogus_prev' | 'garbage_hash' };

const EDIT_FIELDS = [
  'data',
  'at',
  'actor',
  'type',
  'instanceId',
  'tenantId',
  'ticketId',
  'seq',
  'prevHash',
  'hash',
] as const;
// Fields whose edit a forger can re-seal without breaking the row's own links.
const RESEALABLE = new Set(['data', 'at', 'actor', 'type', 'instanceId', 'tenantId', 'ticketId']);

/** Applies one tamper; returns the tampered copy and the first affected seq. */
function applyTamper(rows: readonly ApprovalRecord[], t: Tamper): [ApprovalRecord[], number] {
  const out = [...rows];
  switch (t.kind) {
    case 'edit': {
      const r = { ...out[t.at - 1]! } as Record<string, unknown>;
      const field = EDIT_FIELDS[t.field % EDIT_FIELDS.length]!;
      if (field === 'data') r.data = { ...(r.data as object), forged: true };
      else if (field === 'seq') r.seq = (r.seq as number) + 1000;
      else if (field === 'type') r.type = r.type === 'outcome' ? 'start' : 'outcome';
      else r[field] = `${String(r[field])}x`;
      let rec = r as unknown as ApprovalRecord;
      if (t.rehash && RESEALABLE.has(field)) rec = { ...rec, hash: hashApprovalRecord(rec) };
      out[t.at - 1] = rec;
      return [out, t.at];
    }
    case 'delete':
      out.splice(t.at - 1, 1);
      return [out, t.at];
    case 'swap': {
      const [i, j] = t.i < t.j ? [t.i, t.j] : [t.j, t.i];
      [out[i - 1], out[j - 1]] = [out[j - 1]!, out[i - 1]!];
      return [out, i];
    }
    case 'insert': {
      const prev = t.at === 1 ? GENESIS_HASH : out[t.at - 2]!.hash;
      const forged = sealApprovalRecord(
        { seq: t.at - 1, hash: t.variant === 'bogus_prev' ? 'f'.repeat(64) : prev },
        {
          tenantId: 't1',
          ticketId: 'tk_1',
          instanceId: 'apv_forged',
          type: 'decision',
          at: '2026-01-05T00:00:00.000Z',
          actor: 'mallory',
          data: { decision: 'approve' },
        },
      );
      out.splice(
        t.at - 1,
        0,
        t.variant === 'garbage_hash' ? { ...forged, hash: 'a'.repeat(64) } : forged,
      );
      return [out, t.at];
    }
  }
}

function tamperArb(n: number): fc.Arbitrary<Tamper> {
  const pos = fc.integer({ min: 1, max: n });
  return fc.oneof(
    fc.record({
      kind: fc.constant('edit' as const),
      at: pos,
      field: fc.nat(EDIT_FIELDS.length - 1),
      rehash: fc.boolean(),
    }),
    fc.record({ kind: fc.constant('delete' as const), at: pos }),
    fc
      .tuple(pos, pos)
      .filter(([i, j]) => i !== j)
      .map(([i, j]) => ({ kind: 'swap' as const, i, j })),
    fc.record({
      kind: fc.constant('insert' as const),
      at: pos,
      variant: fc.constantFrom('sealed' as const, 'bogus_prev' as const, 'garbage_hash' as const),
    }),
  );
}

describe('approval hash chain', () => {
  it('canonicalRecord equals the generic RFC 8785-style canonicaliser', () => {
    for (const r of buildChain(20)) {
      const { hash: _h, ...rest } = r;
      expect(canonicalRecord(rest)).toBe(canonicalJson(rest));
    }
  });

  it('canonical output is the same for any JSON data, sorted or not, before and after sealing', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue()), (a, b) => {
        const data = { a, b, z: 1, '10': 2, '9': [b] } as Record<string, unknown>;
        const r = sealApprovalRecord(
          { seq: 0, hash: GENESIS_HASH },
          {
            tenantId: 't',
            ticketId: 'k',
            instanceId: 'i',
            type: 'decision',
            at: '2026-01-05T00:00:00.000Z',
            actor: 'u',
            data,
          },
        );
        const { hash: _h, ...rest } = r;
        expect(canonicalRecord(rest)).toBe(canonicalJson(rest));
        expect(canonicalJson(rest.data)).toBe(canonicalJson(data));
        expect(verifyApprovalChain([r])).toEqual({ ok: true });
      }),
      { numRuns: 300, seed: SEED },
    );
  });

  it('an honest chain verifies, with and without its head', () => {
    const rows = buildChain(50);
    expect(verifyApprovalChain(rows)).toEqual({ ok: true });
    expect(verifyApprovalChain(rows, { head: chainHead(rows) })).toEqual({ ok: true });
    expect(verifyApprovalChain([])).toEqual({ ok: true });
  });

  it('A2: 5,000-entry chain, 1,000 random single tampers → fails at the first affected seq, 100%', () => {
    const N = 5000;
    const rows = buildChain(N);
    const head = chainHead(rows);
    const counts: Record<string, number> = {};
    let detected = 0;
    const t0 = performance.now();
    fc.assert(
      fc.property(tamperArb(N), (t) => {
        const [bad, first] = applyTamper(rows, t);
        const v = verifyApprovalChain(bad, { head });
        counts[t.kind] = (counts[t.kind] ?? 0) + 1;
        expect(v.ok).toBe(false);
        if (!v.ok) expect(v.firstBadSeq).toBe(first);
        detected++;
      }),
      { numRuns: 1000, seed: SEED },
    );
    console.log(
      `A2: ${detected}/1000 tampers detected at the first affected seq on a ${N}-entry chain ` +
        `(${JSON.stringify(counts)}) in ${Math.round(performance.now() - t0)} ms`,
    );
    expect(detected).toBe(1000);
  });

  it('every tamper kind at every position of a short chain (exhaustive, 30 rows)', () => {
    const N = 30;
    const rows = buildChain(N, 3);
    const head = chainHead(rows);
    const tampers: Tamper[] = [];
    for (let at = 1; at <= N; at++) {
      for (let field = 0; field < EDIT_FIELDS.length; field++) {
        tampers.push({ kind: 'edit', at, field, rehash: false });
        tampers.push({ kind: 'edit', at, field, rehash: true });
      }
      tampers.push({ kind: 'delete', at });
      for (const variant of ['sealed', 'bogus_prev', 'garbage_hash'] as const) {
        tampers.push({ kind: 'insert', at, variant });
      }
      for (let j = at + 1; j <= N; j++) tampers.push({ kind: 'swap', i: at, j });
    }
    for (const t of tampers) {
      const [bad, first] = applyTamper(rows, t);
      const v = verifyApprovalChain(bad, { head });
      expect(v, JSON.stringify(t)).toMatchObject({ ok: false, firstBadSeq: first });
    }
  });

  it('tail truncation is detected with a head anchor, and undetectable without one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 200 }), fc.integer({ min: 1, max: 199 }), (n, k) => {
        const cut = Math.min(k, n - 1);
        const rows = buildChain(n);
        const head = chainHead(rows);
        const truncated = rows.slice(0, n - cut);
        // Documented limitation: a shorter honest-looking prefix verifies on its own.
        expect(verifyApprovalChain(truncated)).toEqual({ ok: true });
        expect(verifyApprovalChain(truncated, { head })).toEqual({
          ok: false,
          firstBadSeq: n - cut + 1,
          reason: 'truncated',
        });
      }),
      { numRuns: 200, seed: SEED },
    );
  });

  it('a re-sealed last row is caught only by the head anchor', () => {
    const rows = buildChain(10);
    const head = chainHead(rows);
    const last = { ...rows[9]!, actor: 'mallory' };
    const bad = [...rows.slice(0, 9), { ...last, hash: hashApprovalRecord(last) }];
    expect(verifyApprovalChain(bad)).toEqual({ ok: true });
    expect(verifyApprovalChain(bad, { head })).toMatchObject({ ok: false, firstBadSeq: 10 });
  });
});
