/**
 * The store conformance suite. Every TicketStore (memory, PGlite, PostgreSQL, third-party)
 * runs exactly these cases; see test/conformance/README.md.
 *
 * Writes are checked through a side door (`inspect`), not only through the store under test,
 * so a store that writes a wrong value and reads it back wrongly still fails.
 */
import {
  AUDIT_GENESIS_HASH,
  type AuditEntry,
  type Comment,
  type Commit,
  calendar24x7,
  createManualClock,
  createTicketing,
  defineSlaPolicy,
  hashAuditEntry,
  type IdempotencyRecord,
  type Ticket,
  type TicketStore,
} from 'ticketkit';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';

/** Raw reads that bypass the store's own methods. */
export interface StoreInspector {
  ticket(tenantId: string, id: string): Promise<Ticket | null>;
  audit(tenantId: string, ticketId: string): Promise<AuditEntry[]>;
  comments(tenantId: string, ticketId: string): Promise<Comment[]>;
  idempotencyKeys(tenantId: string): Promise<string[]>;
}

/** How a store plugs into the suite. */
export interface StoreConformanceOptions {
  /** Shown in test names. */
  name: string;
  /** A fresh, empty store for each test. */
  create: () => Promise<{ store: TicketStore; inspect: StoreInspector }>;
  /** Called once after all tests. */
  teardown?: () => Promise<void>;
  /** Extra adapter-specific cases. */
  additional?: (get: () => { store: TicketStore; inspect: StoreInspector }) => void;
}

let seq = 0;
const T0 = Date.parse('2026-03-02T01:00:00.000Z');

/** A valid stored ticket with overrides. */
export function makeTicket(over: Partial<Ticket> = {}): Ticket {
  seq++;
  const at = new Date(T0 + seq * 1000).toISOString();
  return {
    id: `tk_${String(seq).padStart(6, '0')}`,
    tenantId: 't1',
    title: `Ticket ${seq}`,
    description: null,
    priority: 'normal',
    risk: null,
    category: null,
    tags: [],
    channel: null,
    requester: 'req-1',
    assignee: null,
    team: null,
    status: 'pending',
    parentId: null,
    externalRefs: {},
    location: null,
    custom: {},
    createdAt: at,
    updatedAt: at,
    version: 1,
    reopenCount: 0,
    sla: null,
    ...over,
  };
}

function auditFor(t: Ticket, action = 'create'): AuditEntry {
  return {
    id: `${t.id}:${t.version}`,
    tenantId: t.tenantId,
    ticketId: t.id,
    seq: t.version,
    at: t.updatedAt,
    actor: { id: 'u1', roles: ['agent'] },
    action,
    changes: action === 'create' ? { title: { from: null, to: t.title } } : {},
  };
}

function insert(t: Ticket, extra: Partial<Commit> = {}): Commit {
  return {
    tenantId: t.tenantId,
    ticket: t,
    expectedVersion: null,
    audit: [auditFor(t)],
    now: t.updatedAt,
    ...extra,
  };
}

function bump(t: Ticket, over: Partial<Ticket> = {}): Ticket {
  return {
    ...t,
    ...over,
    version: t.version + 1,
    updatedAt: new Date(Date.parse(t.updatedAt) + 1000).toISOString(),
  };
}

function update(prev: Ticket, next: Ticket, extra: Partial<Commit> = {}): Commit {
  return {
    tenantId: next.tenantId,
    ticket: next,
    expectedVersion: prev.version,
    audit: [auditFor(next, 'update')],
    now: next.updatedAt,
    ...extra,
  };
}

function idem(
  tenantId: string,
  key: string,
  response: unknown,
  now: string,
  ttlMs = 60_000,
): IdempotencyRecord {
  return {
    tenantId,
    key,
    fingerprint: `fp-${key}`,
    response,
    createdAt: now,
    expiresAt: new Date(Date.parse(now) + ttlMs).toISOString(),
  };
}

const plain = <T>(x: T): T => JSON.parse(JSON.stringify(x));

/** Registers the conformance cases for one store. */
export function runStoreConformance(opts: StoreConformanceOptions): void {
  describe(`store conformance: ${opts.name}`, () => {
    let store: TicketStore;
    let inspect: StoreInspector;
    beforeEach(async () => {
      ({ store, inspect } = await opts.create());
    });
    if (opts.teardown) afterAll(opts.teardown);

    describe('tickets', () => {
      it('inserts a ticket and reads it back, through the store and the side door', async () => {
        const t = makeTicket({ title: 'Printer down', tags: ['hw', 'floor-3'] });
        expect(await store.commit(insert(t))).toEqual({ ok: true });
        expect(plain(await store.getTicket('t1', t.id))).toEqual(plain(t));
        expect(plain(await inspect.ticket('t1', t.id))).toEqual(plain(t));
      });

      it('returns null for an unknown id', async () => {
        expect(await store.getTicket('t1', 'tk_nope')).toBeNull();
      });

      it('refuses to insert an id that exists, and writes nothing', async () => {
        const t = makeTicket();
        await store.commit(insert(t));
        const again = { ...t, title: 'other' };
        expect(await store.commit(insert(again))).toEqual({ ok: false, reason: 'already_exists' });
        expect((await inspect.ticket('t1', t.id))?.title).toBe(t.title);
        expect(await inspect.audit('t1', t.id)).toHaveLength(1);
      });

      it('updates with the expected version (compare-and-set)', async () => {
        const t = makeTicket();
        await store.commit(insert(t));
        const t2 = bump(t, { status: 'in_progress' });
        expect(await store.commit(update(t, t2))).toEqual({ ok: true });
        const raw = await inspect.ticket('t1', t.id);
        expect(raw?.version).toBe(2);
        expect(raw?.status).toBe('in_progress');
      });

      it('rejects a stale expected version with the actual version, and writes nothing', async () => {
        const t = makeTicket();
        await store.commit(insert(t));
        const t2 = bump(t);
        await store.commit(update(t, t2));
        const stale = bump(t, { title: 'stale write' });
        expect(await store.commit(update(t, stale))).toEqual({
          ok: false,
          reason: 'version_conflict',
          actualVersion: 2,
        });
        expect((await inspect.ticket('t1', t.id))?.title).toBe(t.title);
        expect(await inspect.audit('t1', t.id)).toHaveLength(2);
      });

      it('reports not_found when updating a ticket that does not exist', async () => {
        const t = makeTicket();
        expect(await store.commit(update(t, bump(t)))).toEqual({ ok: false, reason: 'not_found' });
        expect(await inspect.ticket('t1', t.id)).toBeNull();
        expect(await inspect.audit('t1', t.id)).toHaveLength(0);
      });

      it('lets exactly one of 20 concurrent writers with the same version win', async () => {
        const t = makeTicket();
        await store.commit(insert(t));
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            store.commit(update(t, bump(t, { title: `w${i}` }))),
          ),
        );
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        expect(results.filter((r) => !r.ok && r.reason === 'version_conflict')).toHaveLength(19);
        expect((await inspect.ticket('t1', t.id))?.version).toBe(2);
        expect(await inspect.audit('t1', t.id)).toHaveLength(2);
      });

      it('round-trips text exactly: Chinese, emoji, quotes, backslashes, newlines', async () => {
        const title = '打印机坏了 🖨️ "quoted" \\back\\slash\nline2 \'single\' $1 %s';
        const t = makeTicket({ title, description: '描述\t制表符 ‮RTL‬ 𠀀' });
        await store.commit(insert(t));
        const got = await store.getTicket('t1', t.id);
        expect(got?.title).toBe(title);
        expect(got?.description).toBe(t.description);
      });

      it('keeps millisecond precision on timestamps', async () => {
        const t = makeTicket({
          createdAt: '2026-03-02T01:02:03.456Z',
          updatedAt: '2026-03-02T01:02:03.789Z',
        });
        await store.commit(insert(t));
        const got = await store.getTicket('t1', t.id);
        expect(got?.createdAt).toBe('2026-03-02T01:02:03.456Z');
        expect(got?.updatedAt).toBe('2026-03-02T01:02:03.789Z');
      });

      it('round-trips nested custom fields, refs, location and nulls', async () => {
        const t = makeTicket({
          custom: { a: { b: [1, 2, { c: '深' }] }, n: null, f: 1.5, yes: true },
          externalRefs: { customerId: 'C-1', serialNumber: 'SN-9' },
          location: { lat: 31.2304, lng: 121.4737 },
          risk: 'high',
          category: null,
          team: 'network',
          parentId: null,
        });
        await store.commit(insert(t));
        expect(plain(await store.getTicket('t1', t.id))).toEqual(plain(t));
      });

      it('round-trips a 100,000-character description', async () => {
        const t = makeTicket({ description: '长'.repeat(100_000) });
        await store.commit(insert(t));
        expect((await store.getTicket('t1', t.id))?.description).toHaveLength(100_000);
      });
    });

    describe('audit and comments', () => {
      it('appends audit entries in the same commit, oldest first', async () => {
        const t = makeTicket();
        await store.commit(insert(t));
        let prev = t;
        for (let i = 0; i < 5; i++) {
          const next = bump(prev, { title: `v${i}` });
          await store.commit(update(prev, next));
          prev = next;
        }
        const trail = await store.listAudit('t1', t.id);
        expect(trail.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
        expect((await inspect.audit('t1', t.id)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      });

      it('stores audit entries with every field intact', async () => {
        const t = makeTicket();
        const entry: AuditEntry = {
          ...auditFor(t),
          ip: '203.0.113.7',
          userAgent: 'Mozilla/5.0',
          meta: { rule: 'agent-work', nested: { x: [1, '二'] } },
          changes: { title: { from: null, to: t.title }, tags: { from: null, to: ['a'] } },
        };
        await store.commit(insert(t, { audit: [entry] }));
        expect(plain(await store.listAudit('t1', t.id))).toEqual([plain(entry)]);
      });

      it('stores comments with the commit, oldest first', async () => {
        const t = makeTicket();
        await store.commit(insert(t));
        const c1: Comment = {
          id: 'cm_1',
          tenantId: 't1',
          ticketId: t.id,
          author: 'u1',
          body: '第一条 @u2',
          visibility: 'public',
          mentions: ['u2'],
          createdAt: '2026-03-02T02:00:00.000Z',
        };
        const c2: Comment = {
          ...c1,
          id: 'cm_2',
          body: 'internal',
          visibility: 'internal',
          mentions: [],
          createdAt: '2026-03-02T02:00:01.000Z',
        };
        const t2 = bump(t);
        await store.commit(update(t, t2, { comments: [c1] }));
        await store.commit(update(t2, bump(t2), { comments: [c2] }));
        expect(plain(await store.listComments('t1', t.id))).toEqual([plain(c1), plain(c2)]);
        expect(await inspect.comments('t1', t.id)).toHaveLength(2);
      });

      it('rolls back everything when the version check fails: no audit, no comment, no key', async () => {
        const t = makeTicket();
        await store.commit(insert(t));
        await store.commit(update(t, bump(t)));
        const c: Comment = {
          id: 'cm_x',
          tenantId: 't1',
          ticketId: t.id,
          author: 'u1',
          body: 'lost',
          visibility: 'public',
          mentions: [],
          createdAt: t.updatedAt,
        };
        const r = await store.commit(
          update(t, bump(t), {
            comments: [c],
            idempotency: idem('t1', 'k-rollback', { x: 1 }, t.updatedAt),
          }),
        );
        expect(r.ok).toBe(false);
        expect(await inspect.audit('t1', t.id)).toHaveLength(2);
        expect(await inspect.comments('t1', t.id)).toHaveLength(0);
        expect(await inspect.idempotencyKeys('t1')).not.toContain('k-rollback');
      });
    });

    describe('batches', () => {
      it('commits a batch of inserts all together', async () => {
        const batch = [makeTicket(), makeTicket(), makeTicket()];
        expect(await store.commitBatch(batch.map((t) => insert(t)))).toEqual({ ok: true });
        for (const t of batch) {
          expect((await inspect.ticket('t1', t.id))?.id).toBe(t.id);
          expect(await inspect.audit('t1', t.id)).toHaveLength(1);
        }
      });

      it('writes nothing when one commit of the batch fails, and names it', async () => {
        const existing = makeTicket();
        await store.commit(insert(existing));
        const a = makeTicket();
        const b = makeTicket();
        const r = await store.commitBatch([
          insert(a),
          insert(b),
          insert({ ...existing, title: 'dup' }),
        ]);
        expect(r).toEqual({
          ok: false,
          index: 2,
          outcome: { ok: false, reason: 'already_exists' },
        });
        expect(await inspect.ticket('t1', a.id)).toBeNull();
        expect(await inspect.ticket('t1', b.id)).toBeNull();
        expect(await inspect.audit('t1', a.id)).toHaveLength(0);
        expect((await inspect.ticket('t1', existing.id))?.title).toBe(existing.title);
      });

      it('refuses the same id twice inside one batch', async () => {
        const a = makeTicket();
        const r = await store.commitBatch([insert(a), insert({ ...a, title: 'again' })]);
        expect(r.ok).toBe(false);
        expect(await inspect.ticket('t1', a.id)).toBeNull();
      });

      it('checks versions of updates inside a batch', async () => {
        const a = makeTicket();
        await store.commit(insert(a));
        const stale = update(bump(a), bump(bump(a)));
        const fresh = makeTicket();
        const r = await store.commitBatch([insert(fresh), stale]);
        expect(r).toMatchObject({
          ok: false,
          index: 1,
          outcome: { reason: 'version_conflict', actualVersion: 1 },
        });
        expect(await inspect.ticket('t1', fresh.id)).toBeNull();
      });
    });

    describe('idempotency keys', () => {
      it('reserves a key with the commit and returns the live record', async () => {
        const t = makeTicket();
        await store.commit(insert(t, { idempotency: idem('t1', 'k1', t, t.updatedAt) }));
        const rec = await store.getIdempotency('t1', 'k1', t.updatedAt);
        expect(rec?.fingerprint).toBe('fp-k1');
        expect(plain(rec?.response)).toEqual(plain(t));
        expect(await inspect.idempotencyKeys('t1')).toContain('k1');
      });

      it('refuses a second commit with a live key and returns the first record; writes nothing', async () => {
        const a = makeTicket();
        const b = makeTicket();
        await store.commit(insert(a, { idempotency: idem('t1', 'k2', a, a.updatedAt) }));
        const r = await store.commit(insert(b, { idempotency: idem('t1', 'k2', b, b.updatedAt) }));
        expect(r.ok).toBe(false);
        if (!r.ok && r.reason === 'idempotency_exists') {
          expect((r.record.response as Ticket).id).toBe(a.id);
        } else expect.fail(`expected idempotency_exists, got ${JSON.stringify(r)}`);
        expect(await inspect.ticket('t1', b.id)).toBeNull();
      });

      it('lets exactly one of 10 concurrent commits with the same key win', async () => {
        const tickets = Array.from({ length: 10 }, () => makeTicket());
        const results = await Promise.all(
          tickets.map((t) =>
            store.commit(insert(t, { idempotency: idem('t1', 'k-race', t, t.updatedAt) })),
          ),
        );
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        let stored = 0;
        for (const t of tickets) if (await inspect.ticket('t1', t.id)) stored++;
        expect(stored).toBe(1);
      });

      it('ignores an expired key, and the key can be used again', async () => {
        const a = makeTicket();
        await store.commit(insert(a, { idempotency: idem('t1', 'k3', a, a.updatedAt, 1000) }));
        const later = new Date(Date.parse(a.updatedAt) + 1001).toISOString();
        expect(await store.getIdempotency('t1', 'k3', later)).toBeNull();
        const b = makeTicket();
        expect(
          await store.commit(insert(b, { now: later, idempotency: idem('t1', 'k3', b, later) })),
        ).toEqual({ ok: true });
      });

      it('scopes keys per tenant', async () => {
        const a = makeTicket({ tenantId: 't1' });
        const b = makeTicket({ tenantId: 't2' });
        await store.commit(insert(a, { idempotency: idem('t1', 'shared', a, a.updatedAt) }));
        expect(
          await store.commit(insert(b, { idempotency: idem('t2', 'shared', b, b.updatedAt) })),
        ).toEqual({ ok: true });
        expect(await store.getIdempotency('t2', 'shared', b.updatedAt)).not.toBeNull();
      });
    });

    describe('tenant isolation', () => {
      it('never returns or changes another tenant’s rows', async () => {
        const a = makeTicket({ tenantId: 't1', assignee: 'x' });
        await store.commit(insert(a));
        expect(await store.getTicket('t2', a.id)).toBeNull();
        expect(await store.listAudit('t2', a.id)).toEqual([]);
        expect(await store.listComments('t2', a.id)).toEqual([]);
        expect(
          await store.listTickets('t2', {
            filter: {},
            sort: { field: 'createdAt', direction: 'asc' },
            limit: 100,
          }),
        ).toEqual([]);
        expect((await store.countByAssignee('t2', ['pending'])).size).toBe(0);
        const hijack = { ...bump(a, { title: 'hijacked' }), tenantId: 't2' };
        const r = await store.commit(update(a, hijack));
        expect(r).toEqual({ ok: false, reason: 'not_found' });
        expect((await inspect.ticket('t1', a.id))?.title).toBe(a.title);
      });
    });

    describe('listing', () => {
      const seed = async () => {
        const base = Date.parse('2026-04-01T00:00:00.000Z');
        const list: Ticket[] = [];
        const prios = ['low', 'urgent', 'normal', 'high'] as const;
        for (let i = 0; i < 30; i++) {
          const at = new Date(base + Math.floor(i / 3) * 60_000).toISOString(); // ties in threes
          const t = makeTicket({
            id: `tk_l${String(29 - i).padStart(2, '0')}`,
            createdAt: at,
            updatedAt: new Date(base + (30 - i) * 1000).toISOString(),
            priority: prios[i % 4]!,
            status: i % 5 === 0 ? 'resolved' : 'pending',
            assignee: i % 3 === 0 ? null : `agent-${i % 3}`,
            team: i % 2 ? 'network' : 'hardware',
            requester: i < 10 ? 'alice' : 'bob',
          });
          await store.commit(insert(t));
          list.push(t);
        }
        return list;
      };
      const q = (over: Partial<Parameters<TicketStore['listTickets']>[1]> = {}) => ({
        filter: {},
        sort: { field: 'createdAt' as const, direction: 'asc' as const },
        limit: 1000,
        ...over,
      });

      it('filters by status, priority, assignee (null = unassigned), team and requester', async () => {
        const all = await seed();
        const check = async (
          filter: Parameters<TicketStore['listTickets']>[1]['filter'],
          pred: (t: Ticket) => boolean,
        ) => {
          const got = (await store.listTickets('t1', q({ filter }))).map((t) => t.id).sort();
          expect(got).toEqual(
            all
              .filter(pred)
              .map((t) => t.id)
              .sort(),
          );
        };
        await check({ status: ['resolved'] }, (t) => t.status === 'resolved');
        await check(
          { priority: ['urgent', 'high'] },
          (t) => t.priority === 'urgent' || t.priority === 'high',
        );
        await check({ assignee: [null] }, (t) => t.assignee === null);
        await check(
          { assignee: ['agent-1', null] },
          (t) => t.assignee === 'agent-1' || t.assignee === null,
        );
        await check({ team: ['network'] }, (t) => t.team === 'network');
        await check(
          { requester: ['alice'], status: ['pending'] },
          (t) => t.requester === 'alice' && t.status === 'pending',
        );
      });

      it('sorts by createdAt with ascending id as the tie-breaker, both directions', async () => {
        const all = await seed();
        const byAsc = [...all].sort(
          (a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id),
        );
        const byDesc = [...all].sort(
          (a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id),
        );
        expect((await store.listTickets('t1', q())).map((t) => t.id)).toEqual(
          byAsc.map((t) => t.id),
        );
        expect(
          (
            await store.listTickets('t1', q({ sort: { field: 'createdAt', direction: 'desc' } }))
          ).map((t) => t.id),
        ).toEqual(byDesc.map((t) => t.id));
      });

      it('sorts by priority urgency (urgent first ascending) and by updatedAt', async () => {
        const all = await seed();
        const rank = { urgent: 0, high: 1, normal: 2, low: 3 };
        const exp = [...all].sort(
          (a, b) => rank[a.priority] - rank[b.priority] || a.id.localeCompare(b.id),
        );
        expect(
          (await store.listTickets('t1', q({ sort: { field: 'priority', direction: 'asc' } }))).map(
            (t) => t.id,
          ),
        ).toEqual(exp.map((t) => t.id));
        const upd = [...all].sort(
          (a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.id.localeCompare(b.id),
        );
        expect(
          (
            await store.listTickets('t1', q({ sort: { field: 'updatedAt', direction: 'desc' } }))
          ).map((t) => t.id),
        ).toEqual(upd.map((t) => t.id));
      });

      it('respects the limit', async () => {
        await seed();
        expect(await store.listTickets('t1', q({ limit: 7 }))).toHaveLength(7);
      });

      for (const field of ['createdAt', 'updatedAt', 'priority'] as const) {
        for (const direction of ['asc', 'desc'] as const) {
          it(`pages with a keyset cursor without gaps or duplicates (${field} ${direction})`, async () => {
            const all = await seed();
            const full = await store.listTickets('t1', q({ sort: { field, direction } }));
            expect(full).toHaveLength(all.length);
            const seen: string[] = [];
            let after: { value: string | number; id: string } | undefined;
            for (let guard = 0; guard < 20; guard++) {
              const page = await store.listTickets(
                't1',
                q({ sort: { field, direction }, limit: 4, ...(after ? { after } : {}) }),
              );
              if (page.length === 0) break;
              seen.push(...page.map((t) => t.id));
              const last = page[page.length - 1]!;
              const rank = { urgent: 0, high: 1, normal: 2, low: 3 };
              after = {
                value: field === 'priority' ? rank[last.priority] : last[field],
                id: last.id,
              };
            }
            expect(seen).toEqual(full.map((t) => t.id));
          });
        }
      }

      it('keeps pages stable when tickets are inserted between pages', async () => {
        const all = await seed();
        const first = await store.listTickets('t1', q({ limit: 10 }));
        const last = first[first.length - 1]!;
        // Insert tickets both before and after the cursor position.
        await store.commit(insert(makeTicket({ createdAt: '2026-01-01T00:00:00.000Z' })));
        await store.commit(insert(makeTicket({ createdAt: '2027-01-01T00:00:00.000Z' })));
        const rest = await store.listTickets(
          't1',
          q({ after: { value: last.createdAt, id: last.id } }),
        );
        const ids = [...first, ...rest].map((t) => t.id);
        expect(new Set(ids).size).toBe(ids.length);
        for (const t of all) expect(ids).toContain(t.id);
      });

      it('counts open tickets per assignee over the given statuses', async () => {
        const all = await seed();
        const counts = await store.countByAssignee('t1', ['pending']);
        const exp = new Map<string, number>();
        for (const t of all)
          if (t.assignee && t.status === 'pending')
            exp.set(t.assignee, (exp.get(t.assignee) ?? 0) + 1);
        expect(new Map(counts)).toEqual(exp);
      });
    });

    describe('more of the contract', () => {
      it('returns [] for a tenant with no data, and null for an unknown idempotency key', async () => {
        expect(
          await store.listTickets('nobody', {
            filter: {},
            sort: { field: 'createdAt', direction: 'asc' },
            limit: 10,
          }),
        ).toEqual([]);
        expect(await store.listAudit('nobody', 'x')).toEqual([]);
        expect(await store.listComments('nobody', 'x')).toEqual([]);
        expect(await store.getIdempotency('nobody', 'k', '2026-01-01T00:00:00.000Z')).toBeNull();
        expect((await store.countByAssignee('nobody', ['pending'])).size).toBe(0);
      });

      it('keeps the same ticket id in two tenants apart', async () => {
        const a = makeTicket({ id: 'tk_shared', tenantId: 't1', title: 'one' });
        const b = { ...a, tenantId: 't2', title: 'two' };
        expect(await store.commit(insert(a))).toEqual({ ok: true });
        expect(await store.commit(insert(b))).toEqual({ ok: true });
        expect((await store.getTicket('t1', 'tk_shared'))?.title).toBe('one');
        expect((await store.getTicket('t2', 'tk_shared'))?.title).toBe('two');
        expect(await store.listAudit('t2', 'tk_shared')).toHaveLength(1);
      });

      it('keeps audit trails and comments of different tickets apart', async () => {
        const a = makeTicket();
        const b = makeTicket();
        await store.commit(insert(a));
        await store.commit(insert(b));
        await store.commit(update(a, bump(a)));
        expect((await store.listAudit('t1', a.id)).map((e) => e.ticketId)).toEqual([a.id, a.id]);
        expect((await store.listAudit('t1', b.id)).map((e) => e.ticketId)).toEqual([b.id]);
      });

      it('round-trips ids with quotes, slashes, percent signs and unicode', async () => {
        for (const id of [`tk_'quote"`, 'tk_a/b\\c', 'tk_100%_%s', 'tk_工单_🎫']) {
          const t = makeTicket({ id });
          expect(await store.commit(insert(t))).toEqual({ ok: true });
          expect((await store.getTicket('t1', id))?.id).toBe(id);
        }
      });

      it('round-trips a ticket with every optional field null, and one with SLA state', async () => {
        const bare = makeTicket();
        await store.commit(insert(bare));
        expect(plain(await store.getTicket('t1', bare.id))).toEqual(plain(bare));
        const sla = {
          policyId: 'std',
          clocks: [
            {
              metric: 'resolution' as const,
              status: 'running' as const,
              targetMinutes: 240,
              elapsedMinutes: 12.5,
              since: '2026-03-02T01:00:00.000Z',
              dueAt: '2026-03-02T05:00:00.000Z',
              metAt: null,
              breachedAt: null,
              fired: ['warn:0.5'],
              cycle: 0,
            },
          ],
        };
        const withSla = makeTicket({ sla });
        await store.commit(insert(withSla));
        expect(plain(await store.getTicket('t1', withSla.id))?.sla).toEqual(sla);
      });

      it('round-trips 100 tags and a large nested custom object', async () => {
        const custom = Object.fromEntries(
          Array.from({ length: 200 }, (_, i) => [`k${i}`, { v: i, s: '值'.repeat(i % 7) }]),
        );
        const t = makeTicket({ tags: Array.from({ length: 100 }, (_, i) => `tag-${i}`), custom });
        await store.commit(insert(t));
        const got = await store.getTicket('t1', t.id);
        expect(got?.tags).toHaveLength(100);
        expect(plain(got?.custom)).toEqual(plain(custom));
      });

      it('moves a ticket between filters when its status changes', async () => {
        const t = makeTicket();
        await store.commit(insert(t));
        const q = (status: string) =>
          store.listTickets('t1', {
            filter: { status: [status] },
            sort: { field: 'createdAt', direction: 'asc' },
            limit: 10,
          });
        expect((await q('pending')).map((x) => x.id)).toEqual([t.id]);
        await store.commit(update(t, bump(t, { status: 'in_progress' })));
        expect(await q('pending')).toEqual([]);
        expect((await q('in_progress')).map((x) => x.id)).toEqual([t.id]);
      });

      it('orders by updatedAt after updates', async () => {
        const a = makeTicket();
        const b = makeTicket();
        await store.commit(insert(a));
        await store.commit(insert(b));
        const a2 = { ...bump(a), updatedAt: '2027-01-01T00:00:00.000Z' };
        await store.commit(update(a, a2));
        const list = await store.listTickets('t1', {
          filter: {},
          sort: { field: 'updatedAt', direction: 'desc' },
          limit: 10,
        });
        expect(list.map((x) => x.id)).toEqual([a.id, b.id]);
      });

      it('lists 250 tickets in full order with a limit equal to the total', async () => {
        const all: Ticket[] = [];
        for (let i = 0; i < 250; i++) {
          const t = makeTicket();
          all.push(t);
          await store.commit(insert(t));
        }
        const got = await store.listTickets('t1', {
          filter: {},
          sort: { field: 'createdAt', direction: 'asc' },
          limit: 250,
        });
        expect(got.map((t) => t.id)).toEqual(all.map((t) => t.id));
        const one = await store.listTickets('t1', {
          filter: {},
          sort: { field: 'createdAt', direction: 'desc' },
          limit: 1,
        });
        expect(one.map((t) => t.id)).toEqual([all.at(-1)!.id]);
      });

      it('combines filters with AND and lists with OR', async () => {
        const x = makeTicket({ priority: 'urgent', team: 'net', assignee: 'a' });
        const y = makeTicket({ priority: 'urgent', team: 'hw', assignee: 'a' });
        const z = makeTicket({ priority: 'low', team: 'net', assignee: null });
        for (const t of [x, y, z]) await store.commit(insert(t));
        const ids = async (filter: Parameters<TicketStore['listTickets']>[1]['filter']) =>
          (
            await store.listTickets('t1', {
              filter,
              sort: { field: 'createdAt', direction: 'asc' },
              limit: 10,
            })
          ).map((t) => t.id);
        expect(await ids({ priority: ['urgent'], team: ['net'] })).toEqual([x.id]);
        expect(await ids({ team: ['net', 'hw'], assignee: ['a'] })).toEqual([x.id, y.id]);
        expect(await ids({ priority: ['urgent', 'low'], assignee: [null] })).toEqual([z.id]);
        expect(await ids({ status: [] })).toEqual([]);
      });

      it('accepts an empty batch', async () => {
        expect(await store.commitBatch([])).toEqual({ ok: true });
      });

      it('replaces an expired idempotency record on reuse and returns the new one', async () => {
        const a = makeTicket();
        await store.commit(
          insert(a, { idempotency: idem('t1', 'k-re', { first: true }, a.updatedAt, 1000) }),
        );
        const later = new Date(Date.parse(a.updatedAt) + 5000).toISOString();
        const b = makeTicket();
        await store.commit(
          insert(b, { now: later, idempotency: idem('t1', 'k-re', { second: true }, later) }),
        );
        expect((await store.getIdempotency('t1', 'k-re', later))?.response).toEqual({
          second: true,
        });
      });

      it('stores comment visibility and mentions exactly', async () => {
        const t = makeTicket();
        await store.commit(insert(t));
        const c: Comment = {
          id: 'cm_v',
          tenantId: 't1',
          ticketId: t.id,
          author: 'u1',
          body: '内部 @a @b',
          visibility: 'internal',
          mentions: ['a', 'b'],
          createdAt: t.updatedAt,
        };
        await store.commit(update(t, bump(t), { comments: [c] }));
        expect(plain(await store.listComments('t1', t.id))).toEqual([plain(c)]);
      });

      it('counts load only over the given statuses and never counts unassigned tickets', async () => {
        for (const [status, assignee] of [
          ['pending', 'a'],
          ['in_progress', 'a'],
          ['resolved', 'a'],
          ['pending', null],
          ['awaiting_feedback', 'b'],
        ] as const) {
          await store.commit(insert(makeTicket({ status, assignee })));
        }
        const loads = await store.countByAssignee('t1', [
          'pending',
          'in_progress',
          'awaiting_feedback',
        ]);
        expect(new Map(loads)).toEqual(
          new Map([
            ['a', 2],
            ['b', 1],
          ]),
        );
        expect((await store.countByAssignee('t1', [])).size).toBe(0);
      });
    });

    describe('edges of the contract', () => {
      const q = (over: Partial<Parameters<TicketStore['listTickets']>[1]> = {}) => ({
        filter: {},
        sort: { field: 'createdAt' as const, direction: 'asc' as const },
        limit: 1000,
        ...over,
      });

      it('filters children by parentId, and top-level tickets with null', async () => {
        const p = makeTicket();
        const c1 = makeTicket({ parentId: p.id });
        const c2 = makeTicket({ parentId: p.id, status: 'resolved' });
        const other = makeTicket();
        for (const t of [p, c1, c2, other]) await store.commit(insert(t));
        const ids = async (filter: Parameters<TicketStore['listTickets']>[1]['filter']) =>
          (await store.listTickets('t1', q({ filter }))).map((t) => t.id);
        expect(await ids({ parentId: [p.id] })).toEqual([c1.id, c2.id]);
        expect(await ids({ parentId: [p.id], status: ['pending'] })).toEqual([c1.id]);
        expect(await ids({ parentId: [null] })).toEqual([p.id, other.id]);
        expect(await ids({ parentId: ['tk_nobody'] })).toEqual([]);
      });

      it('reports which of many ids exist, in this tenant only', async () => {
        const a = makeTicket();
        const b = makeTicket({ tenantId: 't2' });
        await store.commit(insert(a));
        await store.commit(insert(b));
        expect(await store.existingIds('t1', [a.id, b.id, 'tk_none'])).toEqual(new Set([a.id]));
        expect(await store.existingIds('t1', [])).toEqual(new Set());
      });

      it('inserts a large batch of new tickets with their audit entries', async () => {
        const batch = Array.from({ length: 500 }, () => makeTicket());
        expect(await store.commitBatch(batch.map((t) => insert(t)))).toEqual({ ok: true });
        expect(
          await store.existingIds(
            't1',
            batch.map((t) => t.id),
          ),
        ).toHaveProperty('size', 500);
        expect(await inspect.audit('t1', batch[499]!.id)).toHaveLength(1);
        const odd = makeTicket({
          title: '批量 "quoted" \\back\\slash 🎫 \u2028 {"json":[1]}',
          custom: { nested: { 'k"ey': ['ä', null, 1.5] } },
        });
        const odd2 = makeTicket({ description: '第二行\n\ttab' });
        expect(await store.commitBatch([insert(odd), insert(odd2)])).toEqual({ ok: true });
        expect(plain(await store.getTicket('t1', odd.id))).toEqual(plain(odd));
        expect(plain(await store.getTicket('t1', odd2.id))).toEqual(plain(odd2));
        expect(plain(await store.listAudit('t1', odd.id))).toEqual([plain(insert(odd).audit[0])]);
        const again = await store.commitBatch([insert(makeTicket()), insert(batch[7]!)]);
        expect(again).toMatchObject({ ok: false, index: 1, outcome: { reason: 'already_exists' } });
      });

      it('returns nothing after the last position', async () => {
        const t = makeTicket();
        await store.commit(insert(t));
        expect(
          await store.listTickets('t1', q({ after: { value: t.createdAt, id: t.id } })),
        ).toEqual([]);
        expect(
          await store.listTickets(
            't1',
            q({ after: { value: '2099-01-01T00:00:00.000Z', id: '' } }),
          ),
        ).toEqual([]);
      });

      it('pages a filtered list with a cursor', async () => {
        const made: Ticket[] = [];
        for (let i = 0; i < 12; i++) {
          const t = makeTicket({ status: i % 2 ? 'pending' : 'resolved' });
          made.push(t);
          await store.commit(insert(t));
        }
        const seen: string[] = [];
        let after: { value: string | number; id: string } | undefined;
        for (let guard = 0; guard < 10; guard++) {
          const page = await store.listTickets(
            't1',
            q({ filter: { status: ['pending'] }, limit: 2, ...(after ? { after } : {}) }),
          );
          if (!page.length) break;
          seen.push(...page.map((t) => t.id));
          const last = page.at(-1)!;
          after = { value: last.createdAt, id: last.id };
        }
        expect(seen).toEqual(made.filter((t) => t.status === 'pending').map((t) => t.id));
      });

      it('keeps 100 successive versions gapless', async () => {
        let t = makeTicket();
        await store.commit(insert(t));
        for (let i = 0; i < 100; i++) {
          const next = bump(t, { title: `v${i}` });
          expect(await store.commit(update(t, next))).toEqual({ ok: true });
          t = next;
        }
        expect((await store.getTicket('t1', t.id))?.version).toBe(101);
        expect((await inspect.audit('t1', t.id)).map((e) => e.seq)).toEqual(
          Array.from({ length: 101 }, (_, i) => i + 1),
        );
      });

      it('treats an idempotency record as expired exactly at expiresAt', async () => {
        const a = makeTicket();
        const rec = idem('t1', 'k-edge', a, a.updatedAt, 1000);
        await store.commit(insert(a, { idempotency: rec }));
        const before = new Date(Date.parse(rec.expiresAt) - 1).toISOString();
        expect(await store.getIdempotency('t1', 'k-edge', before)).not.toBeNull();
        expect(await store.getIdempotency('t1', 'k-edge', rec.expiresAt)).toBeNull();
      });

      it('lets the same key race in two tenants without interference', async () => {
        const a = makeTicket({ tenantId: 't1' });
        const b = makeTicket({ tenantId: 't2' });
        const r = await Promise.all([
          store.commit(insert(a, { idempotency: idem('t1', 'same', a, a.updatedAt) })),
          store.commit(insert(b, { idempotency: idem('t2', 'same', b, b.updatedAt) })),
        ]);
        expect(r).toEqual([{ ok: true }, { ok: true }]);
      });

      it('stores idempotency records and comments that come in a batch', async () => {
        const t = makeTicket();
        const c: Comment = {
          id: 'cm_b',
          tenantId: 't1',
          ticketId: t.id,
          author: 'u',
          body: 'b',
          visibility: 'public',
          mentions: [],
          createdAt: t.updatedAt,
        };
        const other = makeTicket();
        await store.commit(insert(other));
        const r = await store.commitBatch([
          insert(t, { idempotency: idem('t1', 'k-batch', t, t.updatedAt) }),
          update(other, bump(other), { comments: [{ ...c, ticketId: other.id }] }),
        ]);
        expect(r).toEqual({ ok: true });
        expect(await inspect.idempotencyKeys('t1')).toContain('k-batch');
        expect(await inspect.comments('t1', other.id)).toHaveLength(1);
      });

      it('writes no idempotency key from a failed batch', async () => {
        const existing = makeTicket();
        await store.commit(insert(existing));
        const t = makeTicket();
        const r = await store.commitBatch([
          insert(t, { idempotency: idem('t1', 'k-lost', t, t.updatedAt) }),
          insert({ ...existing }),
        ]);
        expect(r.ok).toBe(false);
        expect(await inspect.idempotencyKeys('t1')).not.toContain('k-lost');
        expect(await inspect.ticket('t1', t.id)).toBeNull();
      });

      it('follows reassignments and status changes in load counts', async () => {
        const t = makeTicket({ assignee: 'a' });
        await store.commit(insert(t));
        const t2 = bump(t, { assignee: 'b' });
        await store.commit(update(t, t2));
        const t3 = bump(t2, { status: 'resolved' });
        const counts = async () => new Map(await store.countByAssignee('t1', ['pending']));
        expect(await counts()).toEqual(new Map([['b', 1]]));
        await store.commit(update(t2, t3));
        expect(await counts()).toEqual(new Map());
        expect(new Map(await store.countByAssignee('t1', ['resolved']))).toEqual(
          new Map([['b', 1]]),
        );
      });

      it('round-trips 500-character Chinese titles, emoji keys and negative coordinates', async () => {
        const t = makeTicket({
          title: '设备'.repeat(250),
          custom: { '🔧': '扳手', 'a.b': { 'c d': [null, true, 0, -1.5e-7] } },
          location: { lat: -33.8688, lng: -151.2093 },
        });
        await store.commit(insert(t));
        expect(plain(await store.getTicket('t1', t.id))).toEqual(plain(t));
      });

      it('filters by a single priority and by requester lists', async () => {
        const a = makeTicket({ priority: 'high', requester: 'x' });
        const b = makeTicket({ priority: 'low', requester: 'y' });
        await store.commit(insert(a));
        await store.commit(insert(b));
        expect(
          (await store.listTickets('t1', q({ filter: { priority: ['low'] } }))).map((t) => t.id),
        ).toEqual([b.id]);
        expect(
          (await store.listTickets('t1', q({ filter: { requester: ['x', 'y'] } }))).map(
            (t) => t.id,
          ),
        ).toEqual([a.id, b.id]);
      });

      it('returns the latest version after many writers finish', async () => {
        const t = makeTicket();
        await store.commit(insert(t));
        let cur = t;
        for (let round = 0; round < 5; round++) {
          const rs = await Promise.all(
            Array.from({ length: 5 }, (_, i) =>
              store.commit(update(cur, bump(cur, { title: `r${round}w${i}` }))),
            ),
          );
          expect(rs.filter((r) => r.ok)).toHaveLength(1);
          cur = (await store.getTicket('t1', t.id))!;
        }
        expect(cur.version).toBe(6);
      });
    });

    describe('the desk over this store, more', () => {
      it('rolls a parent up when its last child resolves', async () => {
        const clock = createManualClock('2026-03-02T01:00:00Z');
        const desk = createTicketing({ store, clock, children: { onAllResolved: 'resolve' } });
        const sup = { id: 's', roles: ['supervisor'] };
        const p = await desk.create({ title: 'parent' }, { actor: sup });
        clock.advance(1);
        const c = await desk.create({ title: 'child', parentId: p.id }, { actor: sup });
        expect((await desk.children(p.id)).map((x) => x.id)).toEqual([c.id]);
        await desk.transition(p.id, 'in_progress', { actor: sup });
        await expect(desk.transition(p.id, 'resolved', { actor: sup })).rejects.toMatchObject({
          guard: 'open-children',
        });
        await desk.transition(c.id, 'in_progress', { actor: sup });
        await desk.transition(c.id, 'resolved', { actor: sup });
        expect((await inspect.ticket('default', p.id))?.status).toBe('resolved');
      });

      it('dispatches with the live load from this store', async () => {
        const { createDispatcher } = await import('ticketkit');
        const desk = createTicketing({
          store,
          dispatch: {
            dispatcher: createDispatcher({ weights: { load: 1 } }),
            agents: () => [
              { id: 'a1', skills: {}, load: 0, capacity: 3 },
              { id: 'a2', skills: {}, load: 0, capacity: 3 },
            ],
          },
        });
        const sup = { id: 's', roles: ['supervisor'] };
        const got: string[] = [];
        for (let i = 0; i < 4; i++) {
          const t = await desk.create({ title: `d${i}` }, { actor: sup });
          got.push((await desk.dispatch(t.id, { actor: sup })).assigned!.agentId);
        }
        expect(got.sort()).toEqual(['a1', 'a1', 'a2', 'a2']);
      });

      it('replays an idempotent comment with the same result and writes once', async () => {
        const desk = createTicketing({ store });
        const actor = { id: 'a', roles: ['agent'] };
        const t = await desk.create({ title: 'c' }, { actor });
        const r1 = await desk.comment(t.id, { body: 'once' }, { actor, idempotencyKey: 'cm-1' });
        const r2 = await desk.comment(t.id, { body: 'once' }, { actor, idempotencyKey: 'cm-1' });
        expect(plain(r2)).toEqual(plain(r1));
        expect(await inspect.comments('default', t.id)).toHaveLength(1);
      });

      it('writes nothing for a no-op update', async () => {
        const desk = createTicketing({ store });
        const actor = { id: 'a', roles: ['agent'] };
        const t = await desk.create({ title: 'same' }, { actor });
        await desk.update(t.id, { title: 'same' }, { actor });
        expect((await inspect.ticket('default', t.id))?.version).toBe(1);
        expect(await inspect.audit('default', t.id)).toHaveLength(1);
      });

      it('leaves the store untouched when a command is refused', async () => {
        const desk = createTicketing({ store });
        const agent = { id: 'a', roles: ['agent'] };
        const t = await desk.create({ title: 'r', risk: 'high' }, { actor: agent });
        await desk.transition(t.id, 'in_progress', { actor: agent });
        const before = plain(await inspect.ticket('default', t.id));
        await expect(desk.transition(t.id, 'resolved', { actor: agent })).rejects.toMatchObject({
          code: 'permission_denied',
        });
        await expect(desk.transition(t.id, 'archived', { actor: agent })).rejects.toBeDefined();
        await expect(desk.update(t.id, { title: '' }, { actor: agent })).rejects.toMatchObject({
          code: 'validation_failed',
        });
        expect(plain(await inspect.ticket('default', t.id))).toEqual(before);
        expect(await inspect.audit('default', t.id)).toHaveLength(2);
      });

      it('keeps ticket versions and audit in step through mixed commands', async () => {
        const desk = createTicketing({ store });
        const actor = { id: 'a', roles: ['agent'] };
        const t = await desk.create({ title: 'mix' }, { actor });
        await desk.assign(t.id, 'x', { actor });
        await desk.update(t.id, { priority: 'high', tags: ['a'] }, { actor });
        await desk.comment(t.id, { body: 'note', visibility: 'internal' }, { actor });
        await desk.transition(t.id, 'in_progress', { actor });
        const raw = await inspect.ticket('default', t.id);
        const trail = await inspect.audit('default', t.id);
        expect(raw?.version).toBe(5);
        expect(trail.map((e) => e.action)).toEqual([
          'create',
          'assign',
          'update',
          'comment',
          'transition',
        ]);
        const { replayAudit } = await import('ticketkit');
        expect(plain(replayAudit(trail))).toEqual(plain(raw));
      });

      it('scopes desk idempotency keys per tenant over this store', async () => {
        const desk = createTicketing({ store });
        const a = await desk.create(
          { title: 'k' },
          { actor: { id: 'u', roles: ['agent'], tenantId: 'A' }, idempotencyKey: 'dup' },
        );
        const b = await desk.create(
          { title: 'k' },
          { actor: { id: 'u', roles: ['agent'], tenantId: 'B' }, idempotencyKey: 'dup' },
        );
        expect(a.id).not.toBe(b.id);
        expect(await inspect.ticket('B', b.id)).not.toBeNull();
      });

      it('rejects a stale expectedVersion and keeps the later write', async () => {
        const desk = createTicketing({ store });
        const actor = { id: 'a', roles: ['agent'] };
        const t = await desk.create({ title: 'v1' }, { actor });
        await desk.update(t.id, { title: 'v2' }, { actor, expectedVersion: 1 });
        await expect(
          desk.update(t.id, { title: 'stale' }, { actor, expectedVersion: 1 }),
        ).rejects.toMatchObject({
          code: 'version_conflict',
          actualVersion: 2,
        });
        expect((await inspect.ticket('default', t.id))?.title).toBe('v2');
      });
    });

    describe('durable SLA timers', () => {
      const L = { owner: 'w1', ms: 60_000 };
      const at = (iso: string) => new Date(iso);
      const timers = () => {
        if (!store.slaTimers) throw new Error(`${opts.name} has no slaTimers`);
        return store.slaTimers;
      };

      it('a commit writes the due instant, stamped with the version; claimed only once due', async () => {
        const t = makeTicket();
        await store.commit(insert(t, { slaDueAt: '2026-03-02T02:00:00.000Z' }));
        expect(await timers().count()).toBe(1);
        expect(await timers().nextDueAt()).toEqual(at('2026-03-02T02:00:00.000Z'));
        expect(await timers().claimDue(at('2026-03-02T01:59:59.999Z'), 10, L)).toEqual([]);
        expect(await timers().claimDue(at('2026-03-02T02:00:00.000Z'), 10, L)).toEqual([
          { tenantId: 't1', ticketId: t.id, at: at('2026-03-02T02:00:00.000Z'), version: 1 },
        ]);
      });

      it('a claim leases the timer: not claimable again until the lease expires', async () => {
        const t = makeTicket();
        await store.commit(insert(t, { slaDueAt: '2026-03-02T02:00:00.000Z' }));
        const now = at('2026-03-02T03:00:00.000Z');
        expect(await timers().claimDue(now, 10, L)).toHaveLength(1);
        expect(await timers().claimDue(now, 10, { owner: 'w2', ms: 60_000 })).toEqual([]);
        expect(await timers().nextDueAt()).toEqual(at('2026-03-02T03:01:00.000Z'));
        expect(
          await timers().claimDue(at('2026-03-02T03:00:59.999Z'), 10, { owner: 'w2', ms: 1 }),
        ).toEqual([]);
        const again = await timers().claimDue(at('2026-03-02T03:01:00.000Z'), 10, {
          owner: 'w2',
          ms: 60_000,
        });
        expect(again.map((x) => x.ticketId)).toEqual([t.id]);
      });

      it('a later commit moves the timer and clears the lease; null removes it', async () => {
        const t = makeTicket();
        await store.commit(insert(t, { slaDueAt: '2026-03-02T02:00:00.000Z' }));
        await timers().claimDue(at('2026-03-02T02:00:00.000Z'), 10, L);
        const t2 = bump(t);
        await store.commit(update(t, t2, { slaDueAt: '2026-03-02T05:00:00.000Z' }));
        expect(await timers().nextDueAt()).toEqual(at('2026-03-02T05:00:00.000Z'));
        const c = await timers().claimDue(at('2026-03-02T05:00:00.000Z'), 10, L);
        expect(c).toEqual([
          { tenantId: 't1', ticketId: t.id, at: at('2026-03-02T05:00:00.000Z'), version: 2 },
        ]);
        const t3 = bump(t2);
        await store.commit(update(t2, t3, { slaDueAt: null }));
        expect(await timers().count()).toBe(0);
        expect(await timers().nextDueAt()).toBeNull();
        // A commit without slaDueAt leaves the timer alone.
        const t4 = bump(t3);
        await store.commit(update(t3, t4));
        expect(await timers().count()).toBe(0);
      });

      it('a failed commit leaves the timer untouched (rollback)', async () => {
        const t = makeTicket();
        await store.commit(insert(t, { slaDueAt: '2026-03-02T02:00:00.000Z' }));
        const stale = bump(t);
        await store.commit(update(t, stale));
        const lost = await store.commit(
          update(t, bump(t, { title: 'x' }), { slaDueAt: '2026-03-09T00:00:00.000Z' }),
        );
        expect(lost).toMatchObject({ ok: false, reason: 'version_conflict' });
        expect(await timers().nextDueAt()).toEqual(at('2026-03-02T02:00:00.000Z'));
        const dup = await store.commit(insert(t, { slaDueAt: '2026-03-09T00:00:00.000Z' }));
        expect(dup).toMatchObject({ ok: false, reason: 'already_exists' });
        expect(await timers().nextDueAt()).toEqual(at('2026-03-02T02:00:00.000Z'));
      });

      it('reschedule is ignored for an older version, applies for the same or newer, clears the lease', async () => {
        const t = makeTicket();
        await store.commit(insert(t, { slaDueAt: '2026-03-02T02:00:00.000Z' }));
        const t2 = bump(t);
        await store.commit(update(t, t2, { slaDueAt: '2026-03-02T04:00:00.000Z' }));
        await timers().reschedule('t1', t.id, at('2026-03-02T01:30:00.000Z'), 1);
        expect(await timers().nextDueAt()).toEqual(at('2026-03-02T04:00:00.000Z'));
        await timers().reschedule('t1', t.id, null, 1);
        expect(await timers().count()).toBe(1);
        await timers().claimDue(at('2026-03-02T04:00:00.000Z'), 10, L);
        await timers().reschedule('t1', t.id, at('2026-03-02T04:01:00.000Z'), 2);
        const c = await timers().claimDue(at('2026-03-02T04:01:00.000Z'), 10, L);
        expect(c.map((x) => [x.ticketId, x.version])).toEqual([[t.id, 2]]);
        await timers().reschedule('t1', t.id, null, 3);
        expect(await timers().count()).toBe(0);
      });

      it('claims earliest first, respects the limit, keeps tenants apart', async () => {
        const made: Ticket[] = [];
        for (let i = 0; i < 6; i++) {
          const t = makeTicket({ tenantId: i % 2 ? 't1' : 't2' });
          made.push(t);
          const due = new Date(Date.parse('2026-03-02T02:00:00.000Z') + (6 - i) * 60_000);
          await store.commit(insert(t, { slaDueAt: due.toISOString() }));
        }
        // The same ticket id in another tenant is a separate timer.
        const twin = { ...made[0]!, tenantId: 't9' };
        await store.commit(insert(twin, { slaDueAt: '2026-03-02T09:00:00.000Z' }));
        const now = at('2026-03-02T03:00:00.000Z');
        const first = await timers().claimDue(now, 4, L);
        expect(first.map((x) => x.ticketId)).toEqual(
          made
            .slice(2)
            .reverse()
            .map((t) => t.id),
        );
        expect(first.map((x) => x.tenantId)).toEqual(['t1', 't2', 't1', 't2']);
        const rest = await timers().claimDue(now, 10, L);
        expect(rest.map((x) => x.ticketId)).toEqual([made[1]!.id, made[0]!.id]);
        expect(rest[1]!.tenantId).toBe('t2');
        expect(await timers().count()).toBe(7);
      });

      it('concurrent claims never hand the same timer to two workers', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 40; i++) {
          const t = makeTicket();
          ids.push(t.id);
          await store.commit(insert(t, { slaDueAt: '2026-03-02T02:00:00.000Z' }));
        }
        const now = at('2026-03-02T02:30:00.000Z');
        const claims = await Promise.all(
          Array.from({ length: 6 }, (_, w) =>
            timers().claimDue(now, 9, { owner: `w${w}`, ms: 60_000 }),
          ),
        );
        const got = claims.flat().map((x) => x.ticketId);
        expect(new Set(got).size).toBe(got.length);
        expect(got.sort()).toEqual([...ids].sort());
      });

      it('a batch writes its timers with its tickets, and a failed batch writes none', async () => {
        const a = makeTicket();
        const b = makeTicket();
        expect(
          await store.commitBatch([
            insert(a, { slaDueAt: '2026-03-02T02:00:00.000Z' }),
            insert(b, { slaDueAt: '2026-03-02T02:05:00.000Z' }),
          ]),
        ).toEqual({ ok: true });
        expect(await timers().count()).toBe(2);
        const c = makeTicket();
        const failed = await store.commitBatch([
          insert(c, { slaDueAt: '2026-03-01T00:00:00.000Z' }),
          insert(a, { slaDueAt: '2026-03-01T00:00:00.000Z' }),
        ]);
        expect(failed).toMatchObject({ ok: false, index: 1 });
        expect(await timers().count()).toBe(2);
        expect(await timers().nextDueAt()).toEqual(at('2026-03-02T02:00:00.000Z'));
      });

      it('the desk fires a breach from the store timers, and again never (two desks, one store)', async () => {
        const clock = createManualClock('2026-03-02T01:00:00Z');
        const policies = [
          defineSlaPolicy({
            id: 'p',
            calendar: calendar24x7(),
            targets: { firstResponse: { normal: '1h' } },
          }),
        ];
        const a = createTicketing({ store, clock, sla: { policies, autoTick: false } });
        const b = createTicketing({ store, clock, sla: { policies, autoTick: false } });
        const fired: string[] = [];
        a.on('sla.breached', (e) => fired.push(`a:${e.ticketId}`));
        b.on('sla.breached', (e) => fired.push(`b:${e.ticketId}`));
        const actor = { id: 'a1', roles: ['agent'] };
        const t = await a.create({ title: 'slow' }, { actor });
        expect(await a.sla.scheduled()).toBe(1);
        clock.advance(61 * 60_000);
        const [na, nb] = await Promise.all([a.sla.tick(), b.sla.tick()]);
        expect(na + nb).toBe(1);
        expect(fired).toHaveLength(1);
        expect(fired[0]!.endsWith(t.id)).toBe(true);
        clock.advance(10 * 3_600_000);
        await Promise.all([a.sla.tick(), b.sla.tick()]);
        expect(fired).toHaveLength(1);
        const breaches = (await store.listAudit('default', t.id)).filter((e) => e.action === 'sla');
        expect(breaches).toHaveLength(1);
      });
    });

    describe('transactional event outbox', () => {
      const L = { owner: 'r1', ms: 30_000 };
      const at = (iso: string) => new Date(iso);
      const box = () => {
        if (!store.eventOutbox) throw new Error(`${opts.name} has no eventOutbox`);
        return store.eventOutbox;
      };
      const ev = (t: Ticket, n = 1, type = 'ticket.updated') => ({
        id: `${t.tenantId}/${t.id}/${type}/v${t.version}/${n}`,
        type,
        at: t.updatedAt,
        payload: { type, ticketId: t.id, version: t.version, n, text: 'ü 😀 \u0000' },
      });
      const LATER = at('2026-03-03T00:00:00.000Z');

      it('a commit stores its events with the change; a failed commit stores none', async () => {
        const t = makeTicket();
        await store.commit(insert(t, { events: [ev(t, 1, 'ticket.created')] }));
        const stale = await store.commit(update(bump(t), bump(bump(t)), { events: [ev(t, 9)] }));
        expect(stale.ok).toBe(false);
        const dup = await store.commit(insert(t, { events: [ev(t, 8)] }));
        expect(dup.ok).toBe(false);
        expect(await box().pending()).toBe(1);
        const got = await box().claim(LATER, 10, L);
        expect(got).toEqual([
          {
            id: `t1/${t.id}/ticket.created/v1/1`,
            type: 'ticket.created',
            at: t.updatedAt,
            tenantId: 't1',
            ticketId: t.id,
            attempts: 0,
            payload: {
              type: 'ticket.created',
              ticketId: t.id,
              version: 1,
              n: 1,
              text: 'ü 😀 \u0000',
            },
          },
        ]);
      });

      it("hands out one ticket's events in commit order, the next only once the earlier is delivered", async () => {
        const a = makeTicket();
        const b = makeTicket();
        await store.commit(insert(a, { events: [ev(a, 1), ev(a, 2)] }));
        await store.commit(insert(b, { events: [ev(b, 1)] }));
        const a2 = bump(a);
        await store.commit(update(a, a2, { events: [ev(a2, 1)] }));
        const first = await box().claim(LATER, 10, L);
        expect(first.map((e) => e.id)).toEqual([ev(a, 1).id, ev(b, 1).id]);
        // Nothing more while those are leased.
        expect(await box().claim(LATER, 10, { owner: 'r2', ms: 30_000 })).toEqual([]);
        await box().complete([first[0]!.id], LATER);
        expect((await box().claim(LATER, 10, L)).map((e) => e.id)).toEqual([ev(a, 2).id]);
        await box().complete([ev(a, 2).id, ev(b, 1).id], LATER);
        expect((await box().claim(LATER, 10, L)).map((e) => e.id)).toEqual([ev(a2, 1).id]);
        await box().complete([ev(a2, 1).id], LATER);
        expect(await box().pending()).toBe(0);
        expect(await box().claim(LATER, 10, L)).toEqual([]);
      });

      it('an expired lease makes events claimable again; retry delays and counts attempts', async () => {
        const t = makeTicket();
        await store.commit(insert(t, { events: [ev(t, 1), ev(t, 2)] }));
        const now = at('2026-03-02T10:00:00.000Z');
        expect(await box().claim(now, 10, L)).toHaveLength(1);
        expect(await box().claim(at('2026-03-02T10:00:29.999Z'), 10, L)).toEqual([]);
        const again = await box().claim(at('2026-03-02T10:00:30.000Z'), 10, L);
        expect(again.map((e) => e.id)).toEqual([ev(t, 1).id]);
        await box().retry(again[0]!.id, at('2026-03-02T11:00:00.000Z'), 'receiver down');
        expect(await box().claim(at('2026-03-02T10:59:59.999Z'), 10, L)).toEqual([]);
        const third = await box().claim(at('2026-03-02T11:00:00.000Z'), 10, L);
        expect(third.map((e) => [e.id, e.attempts])).toEqual([[ev(t, 1).id, 1]]);
      });

      it('does not take an event before its change happened, and respects the limit', async () => {
        const ts = [makeTicket(), makeTicket(), makeTicket()];
        for (const t of ts) await store.commit(insert(t, { events: [ev(t)] }));
        expect(await box().claim(at('2026-03-02T00:00:00.000Z'), 10, L)).toEqual([]);
        expect(await box().claim(LATER, 2, L)).toHaveLength(2);
        expect(await box().claim(LATER, 2, L)).toHaveLength(1);
      });

      it('a batch stores the events of all its commits, or of none', async () => {
        const a = makeTicket();
        const b = makeTicket();
        expect(
          await store.commitBatch([insert(a, { events: [ev(a)] }), insert(b, { events: [ev(b)] })]),
        ).toEqual({ ok: true });
        const c = makeTicket();
        const failed = await store.commitBatch([
          insert(c, { events: [ev(c)] }),
          insert(a, { events: [ev(a, 5)] }),
        ]);
        expect(failed.ok).toBe(false);
        expect(await box().pending()).toBe(2);
      });

      it('concurrent relays never hold the same event', async () => {
        for (let i = 0; i < 30; i++) {
          const t = makeTicket();
          await store.commit(insert(t, { events: [ev(t)] }));
        }
        const claims = await Promise.all(
          Array.from({ length: 5 }, (_, w) =>
            box().claim(LATER, 8, { owner: `r${w}`, ms: 30_000 }),
          ),
        );
        const ids = claims.flat().map((e) => e.id);
        expect(ids).toHaveLength(30);
        expect(new Set(ids).size).toBe(30);
      });

      it('the desk writes every change of a command with its event; a relay reads them in order (outbox: true)', async () => {
        const clock = createManualClock('2026-03-02T01:00:00Z');
        const desk = createTicketing({ store, clock, outbox: true });
        const actor = { id: 'a1', roles: ['agent'] };
        const t = await desk.create({ title: 'outbox' }, { actor });
        clock.advance(1000);
        await desk.assign(t.id, 'a1', { actor });
        await desk.comment(t.id, { body: 'on it' }, { actor });
        await desk.transition(t.id, 'in_progress', { actor });
        const seen: string[] = [];
        const r = await desk.outbox.relay((e, meta) => {
          seen.push(`${e.type}@v${e.ticket.version}`);
          expect(meta.id).toContain(e.ticketId);
        });
        expect(r).toEqual({ delivered: 4, failed: 0 });
        expect(seen).toEqual([
          'ticket.created@v1',
          'ticket.assigned@v2',
          'ticket.commented@v3',
          'ticket.transitioned@v4',
        ]);
        expect(await desk.outbox.pending()).toBe(0);
        expect(await desk.outbox.relay(() => {})).toEqual({ delivered: 0, failed: 0 });
      });
    });

    describe('sealed audit chain', () => {
      const chain = () => {
        if (!store.auditChain) throw new Error(`${opts.name} has no auditChain`);
        return store.auditChain;
      };

      it('seals committed entries in order into a gapless chain that verifies', async () => {
        expect(await chain().head('t1')).toBeNull();
        expect(await chain().verify('t1')).toEqual({
          ok: true,
          length: 0,
          head: AUDIT_GENESIS_HASH,
        });
        const a = makeTicket();
        const b = makeTicket();
        await store.commit(insert(a));
        await store.commit(insert(b));
        const a2 = bump(a);
        await store.commit(update(a, a2));
        expect(await chain().seal('t1')).toBe(3);
        expect(await chain().seal('t1')).toBe(0);
        const v = await chain().verify('t1');
        expect(v).toMatchObject({ ok: true, length: 3 });
        // The chain is recomputable from the entries alone.
        const entries = [
          ...(await inspect.audit('t1', a.id)).slice(0, 1),
          ...(await inspect.audit('t1', b.id)),
          ...(await inspect.audit('t1', a.id)).slice(1),
        ];
        let h = AUDIT_GENESIS_HASH;
        for (const e of entries) h = hashAuditEntry(h, e);
        expect(v.ok && v.head).toBe(h);
        expect(await chain().head('t1')).toEqual({ seq: 3, hash: h });
      });

      it('seals incrementally, respecting the limit, and keeps tenants apart', async () => {
        for (let i = 0; i < 5; i++) await store.commit(insert(makeTicket()));
        await store.commit(insert(makeTicket({ tenantId: 't2' })));
        expect(await chain().seal('t1', 2)).toBe(2);
        expect(await chain().seal('t1', 2)).toBe(2);
        expect(await chain().seal('t1', 2)).toBe(1);
        expect(await chain().verify('t1')).toMatchObject({ ok: true, length: 5 });
        expect(await chain().verify('t2')).toMatchObject({ ok: true, length: 0 });
        expect(await chain().seal('t2')).toBe(1);
        expect(await chain().head('t2')).toMatchObject({ seq: 1 });
      });

      it('concurrent sealers never fork the chain or seal an entry twice', async () => {
        for (let i = 0; i < 40; i++) await store.commit(insert(makeTicket()));
        const n = await Promise.all(Array.from({ length: 5 }, () => chain().seal('t1', 7)));
        const sealed = n.reduce((x, y) => x + y, 0);
        expect(sealed).toBe(35);
        await chain().seal('t1');
        expect(await chain().verify('t1')).toMatchObject({ ok: true, length: 40 });
      });
    });

    describe('external links (findByExternalRef)', () => {
      const crm = { system: 'crm', kind: 'customer', externalId: 'C-1001' };
      const sn = { system: 'erp', kind: 'serial', externalId: 'SN-7' };
      const withLinks = (links: (typeof crm)[], over: Partial<Ticket> = {}) =>
        makeTicket({ externalRefs: { customerId: 'legacy', links }, ...over });
      const ids = (ts: Ticket[]) => ts.map((t) => t.id);
      /** The store's lookup, or a visible skip when it has none. */
      const finder = (skip: (note: string) => void) => {
        if (!store.findByExternalRef) {
          skip(`${store.name} store has no findByExternalRef; desk.links.find is unavailable`);
          throw new Error('unreachable');
        }
        return store.findByExternalRef.bind(store);
      };

      it('finds tickets by one link, in id order, keyset-paged', async (ctx) => {
        const find = finder((m) => ctx.skip(m));
        const a = withLinks([crm, sn]);
        const b = withLinks([sn]);
        const c = withLinks([crm]);
        const d = makeTicket();
        for (const t of [c, a, d, b]) await store.commit(insert(t));
        expect(ids(await find('t1', crm, { limit: 10 }))).toEqual([a.id, c.id]);
        expect(ids(await find('t1', sn, { limit: 10 }))).toEqual([a.id, b.id]);
        expect(ids(await find('t1', crm, { limit: 1 }))).toEqual([a.id]);
        expect(ids(await find('t1', crm, { limit: 10, after: a.id }))).toEqual([c.id]);
        expect(await find('t1', crm, { limit: 10, after: c.id })).toEqual([]);
        // All three fields must match, exactly (case-sensitive id).
        expect(await find('t1', { ...crm, kind: 'contact' }, { limit: 10 })).toEqual([]);
        expect(await find('t1', { ...crm, externalId: 'c-1001' }, { limit: 10 })).toEqual([]);
        expect(await find('t1', { ...crm, system: 'erp' }, { limit: 10 })).toEqual([]);
        // The ticket comes back whole.
        expect(plain((await find('t1', crm, { limit: 1 }))[0])).toEqual(plain(a));
      });

      it('follows updates: a link removed or added by a commit is seen at once', async (ctx) => {
        const find = finder((m) => ctx.skip(m));
        const t = withLinks([crm]);
        await store.commit(insert(t));
        const t2 = bump(t, { externalRefs: { links: [sn] } });
        expect(await store.commit(update(t, t2))).toEqual({ ok: true });
        expect(await find('t1', crm, { limit: 10 })).toEqual([]);
        expect(ids(await find('t1', sn, { limit: 10 }))).toEqual([t.id]);
        const t3 = bump(t2, { externalRefs: {} });
        await store.commit(update(t2, t3));
        expect(await find('t1', sn, { limit: 10 })).toEqual([]);
        // A failed commit (stale version) changes no link.
        const stale = bump(t2, { externalRefs: { links: [crm] } });
        expect((await store.commit(update(t2, stale))).ok).toBe(false);
        expect(await find('t1', crm, { limit: 10 })).toEqual([]);
      });

      it('indexes the tickets of an atomic batch, and nothing of a refused one', async (ctx) => {
        const find = finder((m) => ctx.skip(m));
        const a = withLinks([crm]);
        const b = withLinks([crm]);
        expect(await store.commitBatch([insert(a), insert(b)])).toEqual({ ok: true });
        expect(ids(await find('t1', crm, { limit: 10 }))).toEqual([a.id, b.id]);
        const c = withLinks([sn]);
        const r = await store.commitBatch([insert(c), insert(a)]);
        expect(r.ok).toBe(false);
        expect(await find('t1', sn, { limit: 10 })).toEqual([]);
      });

      it("never returns another tenant's tickets", async (ctx) => {
        const find = finder((m) => ctx.skip(m));
        const mine = withLinks([crm]);
        const theirs = withLinks([crm], { tenantId: 't2' });
        await store.commit(insert(mine));
        await store.commit(insert(theirs));
        expect(ids(await find('t1', crm, { limit: 10 }))).toEqual([mine.id]);
        expect(ids(await find('t2', crm, { limit: 10 }))).toEqual([theirs.id]);
        expect(await find('t3', crm, { limit: 10 })).toEqual([]);
      });

      it('desk.links over this store: add, find, remove', async (ctx) => {
        finder((m) => ctx.skip(m));
        const desk = createTicketing({ store, clock: createManualClock('2026-03-02T01:00:00Z') });
        const actor = { id: 'a', roles: ['agent'] };
        const t = await desk.create({ title: 'linked' }, { actor });
        await desk.links.add(t.id, crm, { actor });
        expect((await desk.links.find(crm, { actor })).items.map((x) => x.id)).toEqual([t.id]);
        expect(await desk.links.of(t.id, { actor })).toEqual([crm]);
        await desk.links.remove(t.id, crm, { actor });
        expect((await desk.links.find(crm, { actor })).items).toEqual([]);
        expect((await inspect.audit(t.tenantId, t.id)).map((e) => e.action)).toEqual([
          'create',
          'link',
          'unlink',
        ]);
      });
    });

    describe('keys holding NUL', () => {
      it('find nothing, and never fail (X6: text columns cannot hold NUL)', async () => {
        const t = makeTicket();
        await store.commit(insert(t));
        const nul = `${t.id}\u0000`;
        expect(await store.getTicket('t1', nul)).toBeNull();
        expect(await store.getTicket('t1\u0000', t.id)).toBeNull();
        expect(await store.listAudit('t1', nul)).toEqual([]);
        expect(await store.listComments('t1', nul)).toEqual([]);
        expect(await store.getIdempotency('t1', 'k\u0000', t.updatedAt)).toBeNull();
        expect([...(await store.existingIds('t1', [nul, t.id]))]).toEqual([t.id]);
        const page = await store.listTickets('t1', {
          filter: { status: ['\u0000'], team: ['a\u0000'] },
          sort: { field: 'createdAt', direction: 'asc' },
          limit: 10,
        });
        expect(page).toEqual([]);
      });
    });

    describe('merge races (C3)', () => {
      it('merge A→B ‖ merge B→A, 500 runs: never both, every final state a serial outcome', async () => {
        const { mergeRaces } = await import('../desk/_merge-race');
        // Two runs at a time per connection a SQL store may use; the memory store interleaves anyway.
        const f = await mergeRaces(store, 500, store.capabilities.multiProcess ? 4 : 10);
        console.info(`C3 ${opts.name}`, JSON.stringify(f));
        expect(f.runs).toBe(500);
        expect(f.bothSucceeded).toBe(0);
        expect(f.notSerial).toBe(0);
        expect(f.winners.neither).toBeUndefined();
      }, 300_000);
    });

    describe('the desk over this store', () => {
      it('pages through 120 tickets with cursors, no gaps or duplicates, both directions', async () => {
        const clock = createManualClock('2026-03-02T01:00:00Z');
        const desk = createTicketing({ store, clock });
        const actor = { id: 'a', roles: ['agent'] };
        const made: string[] = [];
        for (let i = 0; i < 120; i++) {
          if (i % 3 === 0) clock.advance(1000); // ties in threes
          made.push((await desk.create({ title: `p${i}` }, { actor })).id);
        }
        for (const direction of ['asc', 'desc'] as const) {
          const seen: string[] = [];
          let cursor: string | null = null;
          do {
            const page: Awaited<ReturnType<typeof desk.list>> = await desk.list(
              { limit: 7, direction, cursor },
              { actor },
            );
            seen.push(...page.items.map((t) => t.id));
            cursor = page.nextCursor;
          } while (cursor);
          expect(new Set(seen).size).toBe(120);
          expect(seen.sort()).toEqual([...made].sort());
        }
      });

      it('keeps tenants apart through the desk', async () => {
        const desk = createTicketing({ store });
        const a = await desk.create(
          { title: 'A' },
          { actor: { id: 'x', roles: ['admin'], tenantId: 'A' } },
        );
        const inB = { id: 'y', roles: ['admin'], tenantId: 'B' };
        expect(await desk.get(a.id, { actor: inB })).toBeNull();
        await expect(desk.update(a.id, { title: 'pwned' }, { actor: inB })).rejects.toMatchObject({
          code: 'not_found',
        });
        expect((await inspect.ticket('A', a.id))?.title).toBe('A');
      });

      it('returns the audit trail through the desk exactly as stored', async () => {
        const desk = createTicketing({ store });
        const actor = { id: 'a', roles: ['agent'] };
        const t = await desk.create({ title: 'h' }, { actor, request: { ip: '198.51.100.4' } });
        await desk.comment(t.id, { body: 'hi @b' }, { actor });
        await desk.transition(t.id, 'in_progress', { actor });
        expect(plain(await desk.history(t.id))).toEqual(
          plain(await inspect.audit('default', t.id)),
        );
        expect((await desk.comments(t.id))[0]?.mentions).toEqual(['b']);
      });

      it('imports a file idempotently (re-run creates nothing)', async () => {
        const desk = createTicketing({ store });
        const actor = { id: 'm', roles: ['admin'] };
        const csv = 'externalId,title,priority\nE-1,one,high\nE-2,two,low\nE-3,three,urgent\n';
        expect((await desk.import(csv, { actor, batchSize: 2 })).created).toBe(3);
        expect(await desk.import(csv, { actor })).toMatchObject({ created: 0, skipped: 3 });
        expect((await desk.list({}, { actor })).items).toHaveLength(3);
      });

      it('stores SLA clocks with the ticket', async () => {
        const { defineSlaPolicy } = await import('ticketkit');
        const clock = createManualClock('2026-03-02T01:00:00Z');
        const policy = defineSlaPolicy({
          id: 'p',
          targets: { resolution: '4h', assignment: '30m' },
        });
        const desk = createTicketing({
          store,
          clock,
          sla: { policies: [policy], autoTick: false },
        });
        const actor = { id: 'a', roles: ['agent'] };
        const t = await desk.create({ title: 's' }, { actor });
        clock.advance({ minutes: 45 });
        expect(await desk.sla.tick()).toBe(1);
        const raw = await inspect.ticket('default', t.id);
        expect(raw?.sla?.clocks.find((c) => c.metric === 'assignment')?.status).toBe('breached');
        expect((await inspect.audit('default', t.id)).at(-1)?.action).toBe('sla');
      });

      it('runs a ticket from create to archive with a gapless audit trail', async () => {
        const clock = createManualClock('2026-03-02T01:00:00Z');
        const desk = createTicketing({ store, clock });
        const actor = { id: 'sup', roles: ['supervisor'] };
        const t = await desk.create({ title: 'Printer down', priority: 'urgent' }, { actor });
        let v = t.version;
        for (const to of [
          'in_progress',
          'awaiting_feedback',
          'in_progress',
          'resolved',
          'archived',
        ] as const) {
          clock.advance({ minutes: 5 });
          v = (await desk.transition(t.id, to, { actor, expectedVersion: v })).version;
        }
        const raw = await inspect.ticket('default', t.id);
        expect(raw?.status).toBe('archived');
        expect(raw?.version).toBe(6);
        expect((await inspect.audit('default', t.id)).map((e) => e.seq)).toEqual([
          1, 2, 3, 4, 5, 6,
        ]);
      });

      it('lets exactly one of 100 concurrent transitions with the same expectedVersion succeed', async () => {
        const desk = createTicketing({ store });
        const actor = { id: 'a', roles: ['agent'] };
        const t = await desk.create({ title: 'race' }, { actor });
        const results = await Promise.allSettled(
          Array.from({ length: 100 }, () =>
            desk.transition(t.id, 'in_progress', { actor, expectedVersion: 1 }),
          ),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const codes = results.flatMap((r) =>
          r.status === 'rejected' ? [(r.reason as { code: string }).code] : [],
        );
        expect(codes).toHaveLength(99);
        expect(new Set(codes)).toEqual(new Set(['version_conflict']));
        expect(await inspect.audit('default', t.id)).toHaveLength(2);
      });

      it('loses no update: 50 tickets x 20 concurrent writers with stale and fresh versions (C2)', async () => {
        const desk = createTicketing({ store });
        const actor = { id: 'a', roles: ['agent'] };
        const tickets = await Promise.all(
          Array.from({ length: 50 }, (_, i) => desk.create({ title: `c2-${i}` }, { actor })),
        );
        let accepted = 0;
        let conflicts = 0;
        const acceptedTokens = new Map<string, string[]>();
        await Promise.all(
          tickets.flatMap((t) =>
            Array.from({ length: 20 }, async (_, w) => {
              const token = `w${w}`;
              // Half the writers read fresh; the others write on the version they saw at create.
              const cur = w % 2 === 0 ? await desk.get(t.id) : t;
              try {
                await desk.update(
                  t.id,
                  { tags: [...(cur?.tags ?? []), token] },
                  { actor, expectedVersion: cur!.version },
                );
                accepted++;
                acceptedTokens.set(t.id, [...(acceptedTokens.get(t.id) ?? []), token]);
              } catch (e) {
                expect((e as { code?: string }).code).toBe('version_conflict');
                conflicts++;
              }
            }),
          ),
        );
        expect(accepted + conflicts).toBe(1000);
        for (const t of tickets) {
          const raw = await inspect.ticket('default', t.id);
          const mine = acceptedTokens.get(t.id) ?? [];
          expect(raw?.version).toBe(1 + mine.length);
          for (const token of mine) expect(raw?.tags).toContain(token);
          expect((await inspect.audit('default', t.id)).map((e) => e.seq)).toEqual(
            Array.from({ length: raw!.version }, (_, i) => i + 1),
          );
        }
      });

      it('creates exactly one ticket for a key retried concurrently (I1), identical responses', async () => {
        const desk = createTicketing({ store });
        const actor = { id: 'a', roles: ['agent'] };
        const results = await Promise.all(
          Array.from({ length: 10 }, () =>
            desk.create({ title: 'dup' }, { actor, idempotencyKey: 'req-42' }),
          ),
        );
        expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
        const page = await desk.list({ limit: 100 });
        expect(page.items).toHaveLength(1);
      });
    });

    opts.additional?.(() => ({ store, inspect }));
  });
}
