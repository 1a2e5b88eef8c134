/**
 * A4 (last clause): a write path that skips the audit does not exist. Every desk method and
 * namespace method is enumerated at runtime and must appear in {@link TABLE}, either as
 * `mutates` (with a driver and the audit entries it must add) or as `reads` / `worker` /
 * `config` with a reason. Each mutating driver runs on a fresh desk over a memory store, and
 * the store's raw maps are compared before and after: no ticket changes (and no comment is
 * stored) without its audit entries, every trail stays append-only and gapless, and the
 * entries added are exactly the expected ones, as `desk.history` shows them too.
 */
import fc from 'fast-check';
import {
  type Actor,
  type AuditEntry,
  calendar24x7,
  createApprovals,
  createDispatcher,
  createManualClock,
  createTicketing,
  type Desk,
  defineApprovalFlow,
  defineSlaPolicy,
  defineWorkflow,
  type ManualClock,
  type MemoryStore,
  type MemoryStoreSnapshot,
  memoryStore,
  type Ticket,
  type TicketingOptions,
} from 'ticketkit';
import { describe, expect, it } from 'vitest';

const T0 = '2026-03-02T01:00:00Z';
const admin: Actor = { id: 'root', roles: ['admin'] };
const lead: Actor = { id: 'lead', roles: ['supervisor'] };
const crm = { system: 'crm', kind: 'customer', externalId: 'C-1' };
const window = {
  start: '2026-03-02T10:00:00Z',
  end: '2026-03-02T11:00:00Z',
  participants: ['tech'],
};
const attachment = {
  name: 'a.pdf',
  type: 'application/pdf',
  size: 1,
  checksum: 'a'.repeat(64),
  url: '/f/1',
};

/** Options every driver's desk gets: dispatch and SLA configured, SLA ticks only on demand. */
function baseOptions(clock: ManualClock, store: MemoryStore): TicketingOptions {
  return {
    clock,
    store,
    dispatch: {
      dispatcher: createDispatcher({ weights: { load: 1 } }),
      agents: () => [{ id: 'tech', skills: {}, load: 0, capacity: 5, team: 'net' }],
    },
    sla: {
      policies: [
        defineSlaPolicy({
          id: 'p',
          calendar: calendar24x7(),
          targets: { firstResponse: 60 },
          warnAt: [0.5],
        }),
      ],
      autoTick: false,
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: drivers use the default workflow or their own.
type AnyDesk = Desk<any>;

interface Env {
  readonly desk: AnyDesk;
  readonly store: MemoryStore;
  readonly clock: ManualClock;
  /** The fresh ticket the method acts on (created by `admin` before the measured call). */
  readonly subject: Ticket;
  /** Whatever `prepare` returned. */
  readonly prepared: Record<string, string>;
}

/** An audit entry the call must add: action and actor id. */
type Entry = readonly [action: string, actorId: string];

interface Driver {
  readonly kind: 'mutates';
  /** Replaces {@link baseOptions} (a flow that needs its own workflow, for instance). */
  readonly options?: (clock: ManualClock, store: MemoryStore) => TicketingOptions;
  /** Brings the fresh ticket to where the method applies; these writes are not measured. */
  readonly prepare?: (env: Omit<Env, 'prepared'>) => Promise<Record<string, string>>;
  /** The measured call. */
  readonly run: (env: Env) => Promise<unknown>;
  /** Entries the call adds to the subject's trail, in order. */
  readonly subject: readonly Entry[];
  /** Entries the call adds to other tickets (new or existing), any order. */
  readonly others?: readonly Entry[];
  /** Extra checks of a write kept outside the ticket trail (the approvals log, for one). */
  readonly also?: (env: Env, result: unknown) => Promise<void>;
}
type Exempt = { readonly kind: 'reads' | 'worker' | 'config'; readonly reason: string };

const rejectFlow = defineApprovalFlow({
  id: 'change',
  gates: { to: 'in_progress' },
  onReject: { moveTo: 'needs_info' },
  steps: [{ approver: 'lead' }],
});
const approvalsWorkflow = defineWorkflow({
  initial: 'draft',
  states: {
    draft: { to: ['in_progress', 'needs_info'] },
    in_progress: { to: ['done', 'needs_info'] },
    needs_info: { to: ['in_progress'] },
    done: { terminal: true },
  },
});
const approvalsOptions = (clock: ManualClock, store: MemoryStore): TicketingOptions =>
  ({
    clock,
    store,
    workflow: approvalsWorkflow,
    approvals: { engine: createApprovals({ clock }), flows: [rejectFlow] },
  }) as TicketingOptions;

/** Every desk member that is a command, classified. A new method fails the meta-test. */
const TABLE: Record<string, Driver | Exempt> = {
  create: {
    kind: 'mutates',
    run: ({ desk }) => desk.create({ title: 'new' }, { actor: admin }),
    subject: [],
    others: [['create', 'root']],
  },
  update: {
    kind: 'mutates',
    run: ({ desk, subject }) => desk.update(subject.id, { title: 'changed' }, { actor: admin }),
    subject: [['update', 'root']],
  },
  assign: {
    kind: 'mutates',
    run: ({ desk, subject }) => desk.assign(subject.id, 'tech', { actor: admin }),
    subject: [['assign', 'root']],
  },
  dispatch: {
    kind: 'mutates',
    run: ({ desk, subject }) => desk.dispatch(subject.id, { actor: admin }),
    subject: [['assign', 'root']],
  },
  transition: {
    kind: 'mutates',
    run: ({ desk, subject }) => desk.transition(subject.id, 'in_progress', { actor: admin }),
    subject: [['transition', 'root']],
  },
  bulkTransition: {
    kind: 'mutates',
    run: ({ desk, subject }) =>
      desk.bulkTransition([{ id: subject.id, expectedVersion: subject.version }], 'in_progress', {
        actor: admin,
      }),
    subject: [['transition', 'root']],
  },
  comment: {
    kind: 'mutates',
    run: ({ desk, subject }) => desk.comment(subject.id, { body: 'hi @tech' }, { actor: admin }),
    subject: [['comment', 'root']],
  },
  merge: {
    kind: 'mutates',
    prepare: async ({ desk }) => {
      const dup = await desk.create({ title: 'same subject' }, { actor: admin });
      await desk.comment(dup.id, { body: 'copied over' }, { actor: admin });
      return { dup: dup.id };
    },
    run: ({ desk, subject, prepared }) => desk.merge(subject.id, [prepared.dup!], { actor: admin }),
    subject: [['merge', 'root']],
    others: [['merge', 'root']],
  },
  attach: {
    kind: 'mutates',
    run: ({ desk, subject }) => desk.attach(subject.id, attachment, { actor: admin }),
    subject: [['attach', 'root']],
  },
  checkIn: {
    kind: 'mutates',
    run: ({ desk, subject }) =>
      desk.checkIn(subject.id, { kind: 'note', at: T0, note: 'on site' }, { actor: admin }),
    subject: [['check_in', 'root']],
  },
  'links.add': {
    kind: 'mutates',
    run: ({ desk, subject }) => desk.links.add(subject.id, crm, { actor: admin }),
    subject: [['link', 'root']],
  },
  'links.remove': {
    kind: 'mutates',
    prepare: async ({ desk, subject }) => {
      await desk.links.add(subject.id, crm, { actor: admin });
      return {};
    },
    run: ({ desk, subject }) => desk.links.remove(subject.id, crm, { actor: admin }),
    subject: [['unlink', 'root']],
  },
  'windows.book': {
    kind: 'mutates',
    run: ({ desk, subject }) => desk.windows.book(subject.id, window, { actor: admin }),
    subject: [['window_book', 'root']],
  },
  'windows.cancel': {
    kind: 'mutates',
    prepare: async ({ desk, subject }) => {
      const booked = await desk.windows.book(subject.id, window, { actor: admin });
      return { window: booked.window.id };
    },
    run: ({ desk, prepared }) => desk.windows.cancel(prepared.window!, { actor: admin }),
    subject: [['window_cancel', 'root']],
  },
  intake: {
    kind: 'mutates',
    run: ({ desk }) =>
      desk.intake(
        {
          channel: 'web',
          submissionId: 's-1',
          email: 'x@example.com',
          title: 'Form',
          description: 'd',
        },
        { actor: admin },
      ),
    subject: [],
    others: [['create', 'root']],
  },
  import: {
    kind: 'mutates',
    run: ({ desk }) =>
      desk.import('externalId,title,priority\nX-1,Imported,high\nX-2,Also,low\n', {
        actor: admin,
      }),
    subject: [],
    others: [
      ['import', 'root'],
      ['import', 'root'],
    ],
  },
  'sla.tick': {
    kind: 'mutates',
    prepare: async ({ clock }) => {
      clock.advance(31 * 60_000); // past the 50% warning of the 60-minute first response
      return {};
    },
    run: ({ desk }) => desk.sla.tick(),
    subject: [['sla', 'system:sla']],
  },
  'approvals.request': {
    kind: 'mutates',
    options: approvalsOptions,
    run: ({ desk, subject }) => desk.approvals.request(subject.id, 'change', { actor: admin }),
    // The ticket does not change: the request is recorded in the approvals engine's own
    // append-only log, with the requester.
    subject: [],
    also: async ({ desk, subject }) => {
      const status = await desk.approvals.status(subject.id);
      expect(status).toHaveLength(1);
      expect(status[0]).toMatchObject({ state: 'pending', requester: 'root' });
    },
  },
  'approvals.decide': {
    kind: 'mutates',
    options: approvalsOptions,
    prepare: async ({ desk, subject }) => {
      const inst = await desk.approvals.request(subject.id, 'change', { actor: admin });
      return { instance: inst.id };
    },
    run: ({ desk, prepared }) =>
      desk.approvals.decide(prepared.instance!, { decision: 'reject' }, { actor: lead }),
    // A rejection moves the ticket to `needs_info` as the approvals system actor; the
    // decision itself (by `lead`) is in the approvals engine's log.
    subject: [['transition', 'system:approvals']],
    also: async ({ desk, subject }) => {
      const [inst] = await desk.approvals.status(subject.id);
      expect(inst).toMatchObject({ state: 'rejected' });
      expect(JSON.stringify(inst)).toContain('"lead"');
    },
  },

  get: { kind: 'reads', reason: 'returns a ticket' },
  list: { kind: 'reads', reason: 'returns a page of tickets' },
  similar: { kind: 'reads', reason: 'ranks resolved tickets' },
  evidence: { kind: 'reads', reason: 'reads evidence from the audit trail' },
  children: { kind: 'reads', reason: 'lists child tickets' },
  comments: { kind: 'reads', reason: 'lists comments' },
  history: { kind: 'reads', reason: 'lists audit entries' },
  can: { kind: 'reads', reason: 'pure policy query' },
  'links.of': { kind: 'reads', reason: 'the links of a ticket' },
  'links.find': { kind: 'reads', reason: 'tickets carrying an external link' },
  'windows.list': { kind: 'reads', reason: 'lists handling windows' },
  'approvals.status': { kind: 'reads', reason: 'lists approval instances' },
  'sla.view': { kind: 'reads', reason: 'pure view of a ticket the caller holds' },
  'sla.board': { kind: 'reads', reason: 'computes the countdown board' },
  'sla.scheduled': { kind: 'reads', reason: 'a count of scheduled timers' },
  'outbox.pending': { kind: 'reads', reason: 'a count of undelivered events' },
  'automation.handlers': { kind: 'reads', reason: 'names of registered handlers' },
  'outbox.relay': {
    kind: 'worker',
    reason: 'hands stored events to a handler; writes delivery state, never a ticket or audit',
  },
  'sla.idle': { kind: 'worker', reason: 'waits for automatic ticks (each audited as sla.tick)' },
  'sla.stop': { kind: 'worker', reason: 'clears this instance’s timer; no ticket data' },
  'automation.idle': { kind: 'worker', reason: 'waits for running handlers (audited, see below)' },
  'automation.register': { kind: 'config', reason: 'registers a handler; no ticket data' },
  on: { kind: 'config', reason: 'event subscription' },
  once: { kind: 'config', reason: 'event subscription' },
};

/** Desk members that are values, not commands. */
const DATA = new Set(['workflow', 'policy', 'clock', 'store']);

function deskMethods(desk: AnyDesk): string[] {
  const methods: string[] = [];
  for (const [k, v] of Object.entries(desk)) {
    if (typeof v === 'function') methods.push(k);
    else if (v && typeof v === 'object' && !DATA.has(k)) {
      for (const [m, f] of Object.entries(v))
        if (typeof f === 'function') methods.push(`${k}.${m}`);
    }
  }
  return methods;
}

const fmt = (e: AuditEntry) => `${e.action}@${e.actor.id}`;
const fmtAll = (es: readonly Entry[]) => es.map(([a, by]) => `${a}@${by}`);

/**
 * The store-wide invariant after any call: every ticket's trail has one entry per version,
 * seq 1..version with stable ids, and no trail exists without its ticket.
 */
function checkTrails(snap: MemoryStoreSnapshot): void {
  for (const [key, t] of snap.tickets) {
    const trail = snap.audit.get(key) ?? [];
    expect(
      trail.map((e) => e.seq),
      key,
    ).toEqual(Array.from({ length: t.version }, (_, i) => i + 1));
    for (const e of trail) {
      expect(e.ticketId).toBe(t.id);
      expect(e.tenantId).toBe(t.tenantId);
      expect(e.id).toBe(`${t.id}:${e.seq}`);
    }
  }
  for (const key of snap.audit.keys()) expect(snap.tickets.has(key), key).toBe(true);
}

/**
 * What changed between two snapshots: the new audit entries of each ticket. Fails when a ticket
 * or its comments changed without new entries, or when an old entry was rewritten or dropped.
 */
function newEntries(
  before: MemoryStoreSnapshot,
  after: MemoryStoreSnapshot,
): Map<string, AuditEntry[]> {
  const out = new Map<string, AuditEntry[]>();
  for (const key of before.tickets.keys()) expect(after.tickets.has(key), key).toBe(true);
  for (const [key, t] of after.tickets) {
    const old = before.tickets.get(key);
    const oldTrail = before.audit.get(key) ?? [];
    const trail = after.audit.get(key) ?? [];
    expect(trail.slice(0, oldTrail.length), `append-only ${key}`).toEqual(oldTrail);
    const added = trail.slice(oldTrail.length);
    expect(added.length, `entries of ${key}`).toBe(t.version - (old?.version ?? 0));
    if (added.length === 0) {
      expect(t, `${key} changed without an audit entry`).toEqual(old);
      expect(after.comments.get(key) ?? [], `comment on ${key} without audit`).toEqual(
        before.comments.get(key) ?? [],
      );
    } else {
      expect(added.at(-1)!.seq).toBe(t.version);
      out.set(key, added);
    }
  }
  return out;
}

describe('audit coverage (A4): every write path audits', () => {
  it('classifies every desk method, namespaces included (a new method must be classified)', () => {
    const methods = deskMethods(createTicketing());
    expect(methods).toContain('windows.book');
    expect(methods).toContain('approvals.decide');
    expect(methods.filter((m) => !(m in TABLE))).toEqual([]);
    // No stale rows either: every row names a method the desk has.
    expect(Object.keys(TABLE).filter((m) => !methods.includes(m))).toEqual([]);
  });

  const mutating = Object.entries(TABLE).filter(
    (e): e is [string, Driver] => e[1].kind === 'mutates',
  );

  it.each(mutating)('%s adds exactly its audit entries', async (_name, d) => {
    const clock = createManualClock(T0);
    const store = memoryStore();
    const desk = createTicketing((d.options ?? baseOptions)(clock, store)) as AnyDesk;
    const subject = (await desk.create(
      { title: 'subject', team: 'net' },
      { actor: admin },
    )) as Ticket;
    const prepared = (await d.prepare?.({ desk, store, clock, subject })) ?? {};
    const env: Env = { desk, store, clock, subject, prepared };
    const historyBefore = await desk.history(subject.id);
    const before = store.snapshot();

    const result = await d.run(env);

    const after = store.snapshot();
    checkTrails(after);
    const added = newEntries(before, after);
    const subjectKey = `${subject.tenantId}\u0000${subject.id}`;
    const onSubject = added.get(subjectKey) ?? [];
    expect(onSubject.map(fmt)).toEqual(fmtAll(d.subject));
    const onOthers = [...added].filter(([k]) => k !== subjectKey).flatMap(([, es]) => es);
    expect(onOthers.map(fmt).sort()).toEqual(fmtAll(d.others ?? []).sort());

    // desk.history shows the same entries, with versions equal to the ticket's.
    const now = (await desk.get(subject.id))!;
    const history = await desk.history(subject.id);
    expect(history.slice(0, historyBefore.length)).toEqual(historyBefore);
    expect(history.slice(historyBefore.length)).toEqual(onSubject);
    expect(history.at(-1)!.seq).toBe(now.version);
    expect(now.version).toBe(historyBefore.length + d.subject.length);
    for (const es of added.values()) {
      const t = (await desk.get(es[0]!.ticketId))!;
      expect(await desk.history(t.id)).toEqual(after.audit.get(`${t.tenantId}\u0000${t.id}`));
    }
    await d.also?.(env, result);
  });

  it('the outbox relay delivers events and writes no audit entry, nor any ticket', async () => {
    const clock = createManualClock(T0);
    const store = memoryStore();
    const desk = createTicketing({ ...baseOptions(clock, store), outbox: true });
    const t = await desk.create({ title: 'x' }, { actor: admin });
    await desk.assign(t.id, 'tech', { actor: admin });
    clock.advance(31 * 60_000);
    await desk.sla.tick();
    const before = store.snapshot();
    const seen: string[] = [];
    const r = await desk.outbox.relay((e) => {
      seen.push(e.type);
    });
    expect(r.delivered).toBeGreaterThan(0);
    expect(seen).toContain('ticket.assigned');
    const after = store.snapshot();
    expect(after.tickets).toEqual(before.tickets);
    expect(after.audit).toEqual(before.audit);
    expect(after.comments).toEqual(before.comments);
  });

  it('the SLA tick audits each firing as the system actor, once', async () => {
    const clock = createManualClock(T0);
    const store = memoryStore();
    const desk = createTicketing(baseOptions(clock, store));
    const a = await desk.create({ title: 'a' }, { actor: admin });
    const b = await desk.create({ title: 'b' }, { actor: admin });
    clock.advance(31 * 60_000);
    expect(await desk.sla.tick()).toBe(2);
    expect(await desk.sla.tick()).toBe(0); // nothing due: no write, no entry
    clock.advance(30 * 60_000);
    await desk.sla.tick();
    checkTrails(store.snapshot());
    for (const t of [a, b]) {
      const h = await desk.history(t.id);
      expect(h.map(fmt)).toEqual(['create@root', 'sla@system:sla', 'sla@system:sla']);
      expect(h.at(-1)!.seq).toBe((await desk.get(t.id))!.version);
    }
  });

  it('automation handlers write through the audited path, as their system actor', async () => {
    const clock = createManualClock(T0);
    const store = memoryStore();
    const desk = createTicketing({ clock, store });
    desk.automation.register({
      name: 'password-reset',
      match: (t) => t.title.includes('password'),
      handle: async () => ({ resolution: 'reset link sent' }),
    });
    const t = await desk.create({ title: 'password reset' }, { actor: admin });
    await desk.automation.idle();
    checkTrails(store.snapshot());
    const h = await desk.history(t.id);
    const now = (await desk.get(t.id))!;
    expect(now.version).toBeGreaterThan(1);
    expect(h.at(-1)!.seq).toBe(now.version);
    expect(h.slice(1).every((e) => e.actor.id.startsWith('system:'))).toBe(true);
  });

  it('property: after any sequence of commands, version = audit entries, seq gapless', async () => {
    type Cmd =
      | { op: 'create'; key?: string; parent?: number }
      | { op: 'update' | 'assign' | 'start' | 'resolve' | 'reopen' | 'comment'; i: number }
      | { op: 'attach' | 'checkIn' | 'link' | 'unlink' | 'book' | 'dispatch'; i: number }
      | { op: 'stale'; i: number }
      | { op: 'merge'; i: number; j: number }
      | { op: 'cancel' }
      | { op: 'tick'; minutes: number };
    const i = fc.nat(3);
    const cmd: fc.Arbitrary<Cmd> = fc.oneof(
      fc.record({
        op: fc.constant('create' as const),
        key: fc.option(fc.constantFrom('k1', 'k2'), { nil: undefined }),
        parent: fc.option(i, { nil: undefined }),
      }),
      fc.record({
        op: fc.constantFrom(
          'update' as const,
          'assign' as const,
          'start' as const,
          'resolve' as const,
          'reopen' as const,
          'comment' as const,
          'attach' as const,
          'checkIn' as const,
          'link' as const,
          'unlink' as const,
          'book' as const,
          'dispatch' as const,
          'stale' as const,
        ),
        i,
      }),
      fc.record({ op: fc.constant('merge' as const), i, j: i }),
      fc.record({ op: fc.constant('cancel' as const) }),
      fc.record({ op: fc.constant('tick' as const), minutes: fc.integer({ min: 1, max: 90 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 25 }), async (cmds) => {
        const clock = createManualClock(T0);
        const store = memoryStore();
        const desk = createTicketing(baseOptions(clock, store));
        const ids: string[] = [];
        const windows: string[] = [];
        const ctx = { actor: admin };
        const pick = (n: number) => ids[n % Math.max(ids.length, 1)];
        for (const c of cmds) {
          const id = 'i' in c ? pick(c.i) : undefined;
          if ('i' in c && !id) continue;
          const before = store.snapshot();
          try {
            switch (c.op) {
              case 'create': {
                // Children roll their parent up (`system:rollup`) when they all resolve.
                const parentId = c.parent === undefined ? undefined : pick(c.parent);
                const t = await desk.create(
                  { title: 'same printer down', ...(parentId ? { parentId } : {}) },
                  c.key ? { ...ctx, idempotencyKey: c.key } : ctx,
                );
                if (!ids.includes(t.id)) ids.push(t.id);
                break;
              }
              case 'update':
                await desk.update(id!, { title: `t${clock.now().getTime()}` }, ctx);
                break;
              case 'assign':
                await desk.assign(id!, 'tech', ctx);
                break;
              case 'start':
              case 'reopen':
                await desk.transition(id!, 'in_progress', ctx);
                break;
              case 'resolve':
                await desk.transition(id!, 'resolved', ctx);
                break;
              case 'comment':
                await desk.comment(id!, { body: 'note' }, ctx);
                break;
              case 'attach':
                await desk.attach(id!, attachment, ctx);
                break;
              case 'checkIn':
                await desk.checkIn(id!, { kind: 'note', at: T0, note: 'on site' }, ctx);
                break;
              case 'link':
                await desk.links.add(id!, crm, ctx);
                break;
              case 'unlink':
                await desk.links.remove(id!, crm, ctx);
                break;
              case 'book':
                windows.push((await desk.windows.book(id!, window, ctx)).window.id);
                break;
              case 'cancel':
                if (windows.length > 0) await desk.windows.cancel(windows.pop()!, ctx);
                break;
              case 'dispatch':
                await desk.dispatch(id!, { ...ctx, reassign: true });
                break;
              case 'stale':
                await desk.update(id!, { title: 'stale' }, { ...ctx, expectedVersion: 0 });
                break;
              case 'merge': {
                const dup = pick(c.j)!;
                if (dup !== id) await desk.merge(id!, [dup], ctx);
                break;
              }
              case 'tick':
                clock.advance(c.minutes * 60_000);
                await desk.sla.tick();
                break;
            }
          } catch (e) {
            // A refused command (bad move, conflict, merged ticket, ...) must write nothing.
            expect(store.snapshot().tickets, String(e)).toEqual(before.tickets);
            expect(store.snapshot().audit).toEqual(before.audit);
          }
          newEntries(before, store.snapshot());
        }
        checkTrails(store.snapshot());
      }),
      { numRuns: 200 },
    );
  });
});
