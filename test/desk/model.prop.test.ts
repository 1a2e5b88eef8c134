/**
 * P1 / A1: model-based tests. Random command sequences by random actors run against the desk
 * and against a small model written independently of the desk's code. After every command:
 * the outcome (success or the error code) equals the model's prediction; a rejected command
 * leaves the store byte-identical and emits nothing; an accepted one raises the version by
 * exactly one and appends exactly one audit entry. After every sequence: the store holds no
 * illegal state and every ticket's audit trail replays to the ticket.
 */
import fc from 'fast-check';
import {
  type Actor,
  createManualClock,
  createTicketing,
  type Desk,
  type MemoryStore,
  memoryStore,
  replayAudit,
  TICKETKIT_EVENT_TYPES,
} from 'ticketkit';
import { describe, expect, it } from 'vitest';

const RUNS = Number(
  process.env.P1_RUNS ?? (process.env.RELIABILITY_PROFILE === 'deep' ? 10_000 : 1_000),
);

const ACTORS: (Actor & { tenantId: string })[] = [
  { id: 'agent-a', roles: ['agent'], tenantId: 'A' },
  { id: 'sup-a', roles: ['supervisor'], tenantId: 'A' },
  { id: 'req-a', roles: ['requester'], tenantId: 'A' },
  { id: 'req-b', roles: ['requester'], tenantId: 'A' },
  { id: 'agent-b', roles: ['agent'], tenantId: 'B' },
  { id: 'admin-b', roles: ['admin'], tenantId: 'B' },
];
const STATES = ['pending', 'in_progress', 'awaiting_feedback', 'resolved', 'archived'] as const;
type State = (typeof STATES)[number];
/** The legal moves, copied from the issue text (not from the workflow code). */
const EDGES = new Set([
  'pending>in_progress',
  'in_progress>awaiting_feedback',
  'awaiting_feedback>in_progress',
  'in_progress>resolved',
  'awaiting_feedback>resolved',
  'resolved>archived',
  'resolved>in_progress',
]);

interface ModelTicket {
  id: string;
  tenantId: string;
  requester: string;
  status: State;
  version: number;
  risk: 'low' | 'high' | null;
  assignee: string | null;
  reopenCount: number;
  title: string;
}
interface Model {
  tickets: ModelTicket[];
}
interface Real {
  desk: Desk;
  store: MemoryStore;
  events: number;
}

type VersionMode = 'none' | 'fresh' | 'stale';
const isStaff = (a: Actor) =>
  a.roles.some((r) => r === 'agent' || r === 'supervisor' || r === 'admin');
const isBoss = (a: Actor) => a.roles.some((r) => r === 'supervisor' || r === 'admin');

function snapshot(store: MemoryStore): string {
  const s = store.snapshot();
  return JSON.stringify([[...s.tickets], [...s.audit], [...s.comments]]);
}

/** Predicts the outcome of a command on an existing ticket: 'ok', 'noop' or an error code. */
/**
 * The desk's order of errors: not found (other tenant), then permission, then a stale
 * version, then validity. `gate` covers the first; each command adds the rest in that order.
 */
function gate(actor: Actor & { tenantId: string }, t: ModelTicket): string | undefined {
  if (actor.tenantId !== t.tenantId) return 'not_found';
  return undefined;
}

async function attempt(
  fn: () => Promise<unknown>,
): Promise<{ ok: true; value: unknown } | { ok: false; code: string }> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    return { ok: false, code: (e as { code?: string }).code ?? String(e) };
  }
}

/** Runs one command against the real desk and checks it against the model's prediction. */
async function check(
  real: Real,
  t: ModelTicket,
  predicted: string,
  run: () => Promise<unknown>,
  apply: () => void,
): Promise<void> {
  const before = snapshot(real.store);
  const eventsBefore = real.events;
  const auditBefore = (await real.desk.history(t.id, { tenantId: t.tenantId })).length;
  const r = await attempt(run);
  if (predicted === 'ok') {
    expect(r, `expected success, got ${JSON.stringify(r)}`).toMatchObject({ ok: true });
    apply();
    t.version += 1;
    const stored = await real.desk.get(t.id, { tenantId: t.tenantId });
    expect(stored?.version).toBe(t.version);
    expect(stored?.status).toBe(t.status);
    expect(stored?.assignee).toBe(t.assignee);
    expect(stored?.reopenCount).toBe(t.reopenCount);
    expect((await real.desk.history(t.id, { tenantId: t.tenantId })).length).toBe(auditBefore + 1);
    expect(real.events).toBe(eventsBefore + 1);
  } else if (predicted === 'noop') {
    expect(r).toMatchObject({ ok: true });
    expect(snapshot(real.store)).toBe(before);
    expect(real.events).toBe(eventsBefore);
  } else {
    expect(r).toEqual({ ok: false, code: predicted });
    expect(snapshot(real.store)).toBe(before);
    expect(real.events).toBe(eventsBefore);
  }
}

const versionFor = (t: ModelTicket, mode: VersionMode) =>
  mode === 'none' ? {} : { expectedVersion: mode === 'fresh' ? t.version : t.version + 1 };

class CreateCmd implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly actor: number,
    readonly risk: 'low' | 'high' | null,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, real: Real) {
    const actor = ACTORS[this.actor]!;
    const before = real.events;
    const t = await real.desk.create(
      { title: `t${m.tickets.length}`, ...(this.risk ? { risk: this.risk } : {}) },
      { actor },
    );
    expect(t.version).toBe(1);
    expect(t.status).toBe('pending');
    expect(real.events).toBe(before + 1);
    m.tickets.push({
      id: t.id,
      tenantId: actor.tenantId,
      requester: actor.id,
      status: 'pending',
      version: 1,
      risk: this.risk,
      assignee: null,
      reopenCount: 0,
      title: t.title,
    });
  }
  toString() {
    return `create(${ACTORS[this.actor]!.id}, risk=${this.risk})`;
  }
}

class TransitionCmd implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly actor: number,
    readonly ticket: number,
    readonly to: State,
    readonly mode: VersionMode,
  ) {}
  check(m: Readonly<Model>) {
    return m.tickets.length > 0;
  }
  async run(m: Model, real: Real) {
    const actor = ACTORS[this.actor]!;
    const t = m.tickets[this.ticket % m.tickets.length]!;
    const edge = `${t.status}>${this.to}`;
    const reopen = edge === 'resolved>in_progress';
    let predicted = gate(actor, t);
    if (!predicted) {
      const closing = this.to === 'resolved' || this.to === 'archived';
      const allowed = isBoss(actor)
        ? true
        : isStaff(actor)
          ? !(t.risk === 'high' && closing)
          : t.requester === actor.id && reopen && EDGES.has(edge);
      if (!allowed) predicted = 'permission_denied';
      else if (this.mode === 'stale') predicted = 'version_conflict';
      else if (!EDGES.has(edge)) predicted = 'invalid_transition';
      else predicted = 'ok';
    }
    await check(
      real,
      t,
      predicted,
      () => real.desk.transition(t.id, this.to, { actor, ...versionFor(t, this.mode) }),
      () => {
        t.status = this.to;
        if (reopen) t.reopenCount += 1;
      },
    );
  }
  toString() {
    return `transition(${ACTORS[this.actor]!.id}, #${this.ticket}, ${this.to}, ${this.mode})`;
  }
}

class UpdateCmd implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly actor: number,
    readonly ticket: number,
    readonly patch: { title?: string; risk?: 'low' | 'high' },
    readonly mode: VersionMode,
  ) {}
  check(m: Readonly<Model>) {
    return m.tickets.length > 0;
  }
  async run(m: Model, real: Real) {
    const actor = ACTORS[this.actor]!;
    const t = m.tickets[this.ticket % m.tickets.length]!;
    const titleChanges = this.patch.title !== undefined && this.patch.title !== t.title;
    const riskChanges = this.patch.risk !== undefined && this.patch.risk !== t.risk;
    let predicted = gate(actor, t);
    if (!predicted) {
      if (!isStaff(actor)) predicted = 'permission_denied';
      else if (!isBoss(actor) && t.risk === 'high' && riskChanges) predicted = 'permission_denied';
      else if (this.mode === 'stale') predicted = 'version_conflict';
      else if (t.status === 'archived') predicted = 'validation_failed';
      else predicted = titleChanges || riskChanges ? 'ok' : 'noop';
    }
    await check(
      real,
      t,
      predicted,
      () => real.desk.update(t.id, this.patch, { actor, ...versionFor(t, this.mode) }),
      () => {
        if (this.patch.title !== undefined) t.title = this.patch.title;
        if (this.patch.risk !== undefined) t.risk = this.patch.risk;
      },
    );
  }
  toString() {
    return `update(${ACTORS[this.actor]!.id}, #${this.ticket}, ${JSON.stringify(this.patch)}, ${this.mode})`;
  }
}

class AssignCmd implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly actor: number,
    readonly ticket: number,
    readonly assignee: string | null,
    readonly mode: VersionMode,
  ) {}
  check(m: Readonly<Model>) {
    return m.tickets.length > 0;
  }
  async run(m: Model, real: Real) {
    const actor = ACTORS[this.actor]!;
    const t = m.tickets[this.ticket % m.tickets.length]!;
    let predicted = gate(actor, t);
    if (!predicted) {
      if (!isStaff(actor)) predicted = 'permission_denied';
      else if (this.mode === 'stale') predicted = 'version_conflict';
      else if (t.status === 'archived') predicted = 'validation_failed';
      else predicted = t.assignee === this.assignee ? 'noop' : 'ok';
    }
    await check(
      real,
      t,
      predicted,
      () => real.desk.assign(t.id, this.assignee, { actor, ...versionFor(t, this.mode) }),
      () => {
        t.assignee = this.assignee;
      },
    );
  }
  toString() {
    return `assign(${ACTORS[this.actor]!.id}, #${this.ticket}, ${this.assignee}, ${this.mode})`;
  }
}

class CommentCmd implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly actor: number,
    readonly ticket: number,
    readonly visibility: 'public' | 'internal',
    readonly mode: VersionMode,
  ) {}
  check(m: Readonly<Model>) {
    return m.tickets.length > 0;
  }
  async run(m: Model, real: Real) {
    const actor = ACTORS[this.actor]!;
    const t = m.tickets[this.ticket % m.tickets.length]!;
    let predicted = gate(actor, t);
    if (!predicted) {
      const allowed = isStaff(actor) || (t.requester === actor.id && this.visibility === 'public');
      if (!allowed) predicted = 'permission_denied';
      else if (this.mode === 'stale') predicted = 'version_conflict';
      else if (t.status === 'archived') predicted = 'validation_failed';
      else predicted = 'ok';
    }
    await check(
      real,
      t,
      predicted,
      () =>
        real.desk.comment(
          t.id,
          { body: 'note', visibility: this.visibility },
          { actor, ...versionFor(t, this.mode) },
        ),
      () => {},
    );
  }
  toString() {
    return `comment(${ACTORS[this.actor]!.id}, #${this.ticket}, ${this.visibility}, ${this.mode})`;
  }
}

const actorArb = fc.integer({ min: 0, max: ACTORS.length - 1 });
const ticketArb = fc.nat({ max: 20 });
const modeArb = fc.constantFrom<VersionMode>('none', 'fresh', 'fresh', 'stale');
const commands = [
  fc
    .tuple(actorArb, fc.constantFrom<'low' | 'high' | null>(null, 'low', 'high'))
    .map(([a, r]) => new CreateCmd(a, r)),
  fc
    .tuple(actorArb, ticketArb, fc.constantFrom(...STATES), modeArb)
    .map(([a, t, to, m]) => new TransitionCmd(a, t, to, m)),
  fc
    .tuple(actorArb, ticketArb, fc.constantFrom(...STATES), modeArb)
    .map(([a, t, to, m]) => new TransitionCmd(a, t, to, m)),
  fc
    .tuple(
      actorArb,
      ticketArb,
      fc.record(
        { title: fc.constantFrom('x', 'y'), risk: fc.constantFrom<'low' | 'high'>('low', 'high') },
        { requiredKeys: [] },
      ),
      modeArb,
    )
    .map(([a, t, p, m]) => new UpdateCmd(a, t, p, m)),
  fc
    .tuple(actorArb, ticketArb, fc.constantFrom('tech-1', 'tech-2', null), modeArb)
    .map(([a, t, as, m]) => new AssignCmd(a, t, as, m)),
  fc
    .tuple(
      actorArb,
      ticketArb,
      fc.constantFrom<'public' | 'internal'>('public', 'internal'),
      modeArb,
    )
    .map(([a, t, v, m]) => new CommentCmd(a, t, v, m)),
];

async function finalInvariants(real: Real, m: Model) {
  for (const t of m.tickets) {
    const stored = await real.desk.get(t.id, { tenantId: t.tenantId });
    expect(stored).not.toBeNull();
    const trail = await real.desk.history(t.id, { tenantId: t.tenantId });
    // Versions rise by exactly one per change: the trail is gapless 1..version.
    expect(trail.map((e) => e.seq)).toEqual(
      Array.from({ length: stored!.version }, (_, i) => i + 1),
    );
    // The trail replays to the stored ticket.
    expect(replayAudit(trail)).toEqual(JSON.parse(JSON.stringify(stored)));
    // No illegal state: every recorded status change is a legal edge.
    for (const e of trail) {
      const s = e.changes.status;
      if (s && e.action !== 'create') expect(EDGES.has(`${s.from}>${s.to}`)).toBe(true);
      expect(e.actor.id).toBeTruthy();
      expect(e.tenantId).toBe(t.tenantId);
    }
  }
}

describe('model-based command sequences (P1, A1)', () => {
  it(`agree with the model over ${RUNS} random sequences`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 50, size: 'max' }), async (cmds) => {
        const store = memoryStore();
        const desk = createTicketing({ store, clock: createManualClock('2026-02-02T01:00:00Z') });
        const real: Real = { desk, store, events: 0 };
        for (const type of TICKETKIT_EVENT_TYPES) desk.on(type, () => void real.events++);
        const model: Model = { tickets: [] };
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        await finalInvariants(real, model);
      }),
      { numRuns: RUNS, verbose: 1 },
    );
  });
});

describe('concurrent actors under random interleavings (P2)', () => {
  const runs = process.env.RELIABILITY_PROFILE === 'deep' ? 20_000 : 2_000;
  it(`keeps every invariant over ${runs} scheduled interleavings of 3 actors`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(
          fc.array(
            fc.tuple(
              fc.constantFrom<State>(...STATES),
              fc.boolean(),
              fc.constantFrom('a', 'b', 'c'),
            ),
            { minLength: 1, maxLength: 4 },
          ),
          { minLength: 3, maxLength: 3 },
        ),
        async (s, scripts) => {
          const inner = memoryStore();
          // Every store call yields to the scheduler, so fast-check picks the interleaving.
          const store: MemoryStore = {
            ...inner,
            getTicket: (...a) =>
              s.schedule(Promise.resolve(), 'getTicket').then(() => inner.getTicket(...a)),
            commit: (...a) =>
              s.schedule(Promise.resolve(), 'commit').then(() => inner.commit(...a)),
          };
          const desk = createTicketing({ store });
          const boss = { id: 'boss', roles: ['supervisor'] };
          const t = await s.waitFor(desk.create({ title: 'shared' }, { actor: boss }));
          const successes: string[] = [];
          const actorsDone = scripts.map(async (script, i) => {
            const actor = { id: `actor-${i}`, roles: ['supervisor'] };
            for (const [k, [to, useVersion, title]] of script.entries()) {
              const cur = await desk.get(t.id);
              const ctx = { actor, ...(useVersion ? { expectedVersion: cur!.version } : {}) };
              try {
                const r =
                  i === 2
                    ? await desk.update(t.id, { title: `${title}-${i}-${k}` }, ctx)
                    : await desk.transition(t.id, to, ctx);
                successes.push(`${r.version}`);
              } catch (e) {
                const code = (e as { code?: string }).code;
                if (code === 'version_conflict') expect(useVersion).toBe(true);
                else expect(['invalid_transition', 'validation_failed']).toContain(code);
              }
            }
          });
          await s.waitFor(Promise.all(actorsDone));
          const final = await inner.getTicket('default', t.id);
          const trail = await inner.listAudit('default', t.id);
          expect(trail.map((e) => e.seq)).toEqual(
            Array.from({ length: final!.version }, (_, i) => i + 1),
          );
          expect(replayAudit(trail)).toEqual(JSON.parse(JSON.stringify(final)));
          // Every success corresponds to exactly one audit entry (versions are unique).
          expect(new Set(successes).size).toBe(successes.length);
          expect(successes.length).toBe(final!.version - 1);
          for (const e of trail.slice(1)) {
            const st = e.changes.status;
            if (st) expect(EDGES.has(`${st.from}>${st.to}`)).toBe(true);
          }
        },
      ),
      { numRuns: runs },
    );
  });
});

describe('cross-tenant isolation (Z2)', () => {
  it('never leaks a ticket, count or comment across tenants over 10,000 random pairs', async () => {
    const desk = createTicketing();
    const tenants = ['A', 'B', 'C'];
    const ids: Record<string, string[]> = {};
    for (const tenantId of tenants) {
      ids[tenantId] = [];
      for (let i = 0; i < 5; i++) {
        const boss = { id: `boss-${tenantId}`, roles: ['admin'], tenantId };
        const t = await desk.create(
          { title: `${tenantId} secret ${i}`, requester: `req-${tenantId}` },
          { actor: boss },
        );
        await desk.comment(t.id, { body: `${tenantId} comment` }, { actor: boss });
        ids[tenantId]!.push(t.id);
      }
    }
    const ops = [
      'get',
      'list',
      'history',
      'comments',
      'update',
      'transition',
      'assign',
      'comment',
    ] as const;
    let leaks = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...tenants),
        fc.constantFrom(...tenants),
        fc.nat({ max: 4 }),
        fc.constantFrom('admin', 'supervisor', 'agent', 'requester'),
        fc.constantFrom(...ops),
        async (from, to, idx, role, op) => {
          fc.pre(from !== to);
          const actor = {
            id: role === 'requester' ? `req-${to}` : `x-${from}`,
            roles: [role],
            tenantId: from,
          };
          const id = ids[to]![idx]!;
          const ctx = { actor };
          try {
            switch (op) {
              case 'get':
                if ((await desk.get(id, ctx)) !== null) leaks++;
                break;
              case 'list': {
                const page = await desk.list({ limit: 1000 }, ctx);
                if (page.items.some((t) => t.tenantId !== from)) leaks++;
                break;
              }
              case 'history':
                await desk.history(id, ctx);
                leaks++;
                break;
              case 'comments':
                await desk.comments(id, ctx);
                leaks++;
                break;
              case 'update':
                await desk.update(id, { title: 'pwned' }, ctx);
                leaks++;
                break;
              case 'transition':
                await desk.transition(id, 'in_progress', ctx);
                leaks++;
                break;
              case 'assign':
                await desk.assign(id, 'me', ctx);
                leaks++;
                break;
              case 'comment':
                await desk.comment(id, { body: 'x' }, ctx);
                leaks++;
                break;
            }
          } catch (e) {
            expect((e as { code?: string }).code).toBe('not_found');
          }
        },
      ),
      { numRuns: 10_000 },
    );
    expect(leaks).toBe(0);
    for (const tenantId of tenants) {
      for (const id of ids[tenantId]!) {
        const t = await desk.get(id, { tenantId });
        expect(t?.version).toBe(2);
        expect(t?.title).toContain(tenantId);
      }
    }
  });
});
