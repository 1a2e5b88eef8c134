import {
  ConflictError,
  createManualClock,
  createTicketing,
  IdempotencyConflictError,
  isTicketkitError,
  memoryStore,
  NotFoundError,
  PermissionError,
  replayAudit,
  StoreError,
  TICKETKIT_EVENT_TYPES,
  type TicketkitEvent,
  TransitionError,
  ValidationError,
} from 'ticketkit';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

const agent = { id: 'agent-1', roles: ['agent'] };
const sup = { id: 'sup-1', roles: ['supervisor'] };
const alice = { id: 'alice', roles: ['requester'] };

function setup() {
  const clock = createManualClock('2026-01-05T01:00:00Z');
  const store = memoryStore();
  const desk = createTicketing({ clock, store });
  const events: TicketkitEvent[] = [];
  for (const type of TICKETKIT_EVENT_TYPES) desk.on(type, (e) => events.push(e));
  return { clock, store, desk, events };
}

async function expectError<E extends Error>(
  p: Promise<unknown>,
  cls: new (...a: never[]) => E,
): Promise<E> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(cls);
    return e as E;
  }
  return expect.fail(`expected ${cls.name}`);
}

describe('the public contract', () => {
  it('creates in pending at version 1 with a string id, transitions, gets and lists history', async () => {
    const { desk, events } = setup();
    const t = await desk.create({ title: 'Printer down', priority: 'urgent' }, { actor: agent });
    expect(t.status).toBe('pending');
    expect(t.version).toBe(1);
    expect(typeof t.id).toBe('string');
    expect(t.requester).toBe('agent-1');
    const t2 = await desk.transition(t.id, 'in_progress', { actor: agent, expectedVersion: 1 });
    expect(t2.status).toBe('in_progress');
    expect(t2.version).toBe(2);
    expect(await desk.get(t.id)).toEqual(t2);
    expect(await desk.get('tk_missing')).toBeNull();
    const h = await desk.history(t.id);
    expect(h.map((e) => [e.seq, e.action])).toEqual([
      [1, 'create'],
      [2, 'transition'],
    ]);
    expect(h[1]?.changes).toEqual({ status: { from: 'pending', to: 'in_progress' } });
    expect(events.map((e) => e.type)).toEqual(['ticket.created', 'ticket.transitioned']);
  });

  it('returns frozen tickets that callers cannot mutate', async () => {
    const { desk } = setup();
    const t = await desk.create({ title: 'x', tags: ['a'] }, { actor: agent });
    expect(Object.isFrozen(t)).toBe(true);
    expect(Object.isFrozen(t.tags)).toBe(true);
    expect(() => {
      (t as { title: string }).title = 'changed';
    }).toThrow();
  });

  it('walks the whole default workflow and counts a reopen', async () => {
    const { desk, clock } = setup();
    const t = await desk.create({ title: 'x' }, { actor: agent });
    for (const to of [
      'in_progress',
      'awaiting_feedback',
      'in_progress',
      'resolved',
      'in_progress',
      'resolved',
      'archived',
    ] as const) {
      clock.advance({ minutes: 1 });
      await desk.transition(t.id, to, { actor: agent });
    }
    const final = await desk.get(t.id);
    expect(final?.status).toBe('archived');
    expect(final?.reopenCount).toBe(1);
    expect(final?.version).toBe(8);
    expect(replayAudit(await desk.history(t.id))).toEqual(JSON.parse(JSON.stringify(final)));
  });
});

describe('a failed command changes nothing', () => {
  it('illegal move: TransitionError with the allowed moves, no version bump, no audit, no event', async () => {
    const { desk, events } = setup();
    const t = await desk.create({ title: 'x' }, { actor: agent });
    events.length = 0;
    const e = await expectError(
      desk.transition(t.id, 'resolved', { actor: agent }),
      TransitionError,
    );
    expect(e.code).toBe('invalid_transition');
    expect(e.from).toBe('pending');
    expect(e.allowed).toEqual(['in_progress']);
    expect(e.message).toContain('Allowed next states: "in_progress"');
    expect((await desk.get(t.id))?.version).toBe(1);
    expect(await desk.history(t.id)).toHaveLength(1);
    expect(events).toHaveLength(0);
  });

  it('archived is terminal', async () => {
    const { desk } = setup();
    const t = await desk.create({ title: 'x' }, { actor: sup });
    for (const to of ['in_progress', 'resolved', 'archived'] as const)
      await desk.transition(t.id, to, { actor: sup });
    const e = await expectError(
      desk.transition(t.id, 'in_progress', { actor: sup }),
      TransitionError,
    );
    expect(e.allowed).toEqual([]);
    expect(e.message).toContain('terminal');
    await expectError(desk.update(t.id, { title: 'late' }, { actor: sup }), ValidationError);
    await expectError(desk.comment(t.id, { body: 'late' }, { actor: sup }), ValidationError);
  });

  it('stale expectedVersion: ConflictError with expected and actual', async () => {
    const { desk } = setup();
    const t = await desk.create({ title: 'x' }, { actor: agent });
    await desk.update(t.id, { title: 'y' }, { actor: agent });
    const e = await expectError(
      desk.transition(t.id, 'in_progress', { actor: agent, expectedVersion: 1 }),
      ConflictError,
    );
    expect(e).toMatchObject({ code: 'version_conflict', expectedVersion: 1, actualVersion: 2 });
    expect(e.message).toContain('expectedVersion: 2');
    expect(await desk.history(t.id)).toHaveLength(2);
  });

  it('unknown id: NotFoundError', async () => {
    const { desk } = setup();
    const e = await expectError(
      desk.transition('tk_x', 'in_progress', { actor: agent }),
      NotFoundError,
    );
    expect(e.code).toBe('not_found');
  });

  it('bad input: ValidationError listing every issue with paths and a suggestion', async () => {
    const { desk } = setup();
    const e = await expectError(
      desk.create({ title: '', priority: 'Hign', colour: 'red' } as never, { actor: agent }),
      ValidationError,
    );
    expect(e.code).toBe('validation_failed');
    expect(e.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'required', path: ['title'] }),
        expect.objectContaining({ code: 'invalid_enum', path: ['priority'], suggestion: 'high' }),
        expect.objectContaining({ code: 'unknown_field', path: ['colour'] }),
      ]),
    );
    expect(e.message).toContain('Did you mean "high"?');
    expect((await desk.list()).items).toHaveLength(0);
  });

  it('bad context: names the field', async () => {
    const { desk } = setup();
    const t = await desk.create({ title: 'x' }, { actor: agent });
    for (const [ctx, path] of [
      [{}, 'actor'],
      [{ actor: { roles: [] } }, 'actor.id'],
      [{ actor: { id: 'a', roles: 'agent' } }, 'actor.roles'],
      [{ actor: agent, expectedVersion: 0 }, 'expectedVersion'],
      [{ actor: agent, idempotencyKey: '' }, 'idempotencyKey'],
      [{ actor: { ...agent, tenantId: 'a' }, tenantId: 'b' }, 'tenantId'],
    ] as const) {
      const e = await expectError(
        desk.transition(t.id, 'in_progress', ctx as never),
        ValidationError,
      );
      expect(e.message).toContain(path);
    }
    expect((await desk.get(t.id))?.version).toBe(1);
  });
});

describe('update, assign, comment', () => {
  it('records before/after of only the changed fields; a no-op changes nothing', async () => {
    const { desk, events } = setup();
    const t = await desk.create(
      { title: 'x', tags: ['a'], custom: { floor: 3 } },
      { actor: agent },
    );
    const t2 = await desk.update(
      t.id,
      { title: 'x', priority: 'high', tags: ['a', 'b'], custom: { floor: null, room: '301' } },
      { actor: agent },
    );
    expect(t2.version).toBe(2);
    expect(t2.custom).toEqual({ room: '301' });
    const last = (await desk.history(t.id)).at(-1)!;
    expect(last.changes).toEqual({
      priority: { from: 'normal', to: 'high' },
      tags: { from: ['a'], to: ['a', 'b'] },
      custom: { from: { floor: 3 }, to: { room: '301' } },
    });
    events.length = 0;
    const same = await desk.update(t.id, { title: 'x' }, { actor: agent });
    expect(same.version).toBe(2);
    expect(events).toHaveLength(0);
  });

  it('refuses privileged fields in an update (no mass assignment)', async () => {
    const { desk } = setup();
    const t = await desk.create({ title: 'x' }, { actor: agent });
    for (const field of [
      'status',
      'version',
      'tenantId',
      'assignee',
      'requester',
      'id',
      'reopenCount',
      'createdAt',
    ]) {
      const e = await expectError(
        desk.update(t.id, { [field]: 'x' } as never, { actor: sup }),
        ValidationError,
      );
      expect(e.issues[0]).toMatchObject({ code: 'unknown_field', path: [field] });
    }
    expect((await desk.get(t.id))?.version).toBe(1);
  });

  it('assigns and unassigns, emitting ticket.assigned', async () => {
    const { desk, events } = setup();
    const t = await desk.create({ title: 'x' }, { actor: agent });
    const a = await desk.assign(t.id, 'tech-7', { actor: agent });
    expect(a.assignee).toBe('tech-7');
    const u = await desk.assign(t.id, null, { actor: agent });
    expect(u.assignee).toBeNull();
    const assigned = events.filter((e) => e.type === 'ticket.assigned');
    expect(assigned.map((e) => (e.type === 'ticket.assigned' ? [e.from, e.to] : []))).toEqual([
      [null, 'tech-7'],
      ['tech-7', null],
    ]);
    await expectError(desk.assign(t.id, '' as never, { actor: agent }), ValidationError);
  });

  it('comments: public and internal, mentions, version bump, internal hidden from the requester', async () => {
    const { desk } = setup();
    const t = await desk.create({ title: 'x' }, { actor: alice });
    const { comment, ticket } = await desk.comment(
      t.id,
      { body: 'Checked cable, ask @sup-1 and @net.ops' },
      { actor: agent },
    );
    expect(comment.mentions).toEqual(['sup-1', 'net.ops']);
    expect(ticket.version).toBe(2);
    await desk.comment(t.id, { body: 'internal note', visibility: 'internal' }, { actor: agent });
    expect((await desk.comments(t.id, { actor: agent })).map((c) => c.visibility)).toEqual([
      'public',
      'internal',
    ]);
    expect((await desk.comments(t.id, { actor: alice })).map((c) => c.visibility)).toEqual([
      'public',
    ]);
    await expectError(
      desk.comment(t.id, { body: 'secret', visibility: 'internal' }, { actor: alice }),
      PermissionError,
    );
    await expectError(desk.comment(t.id, { body: '  ' }, { actor: agent }), ValidationError);
  });

  it('validates custom fields with the app’s zod schema', async () => {
    const desk = createTicketing({
      customFields: z.object({ floor: z.number().int().optional() }).strict(),
    });
    await expect(
      desk.create({ title: 'x', custom: { floor: 'three' } }, { actor: agent }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      issues: [expect.objectContaining({ path: ['custom', 'floor'] })],
    });
    const t = await desk.create({ title: 'x', custom: { floor: 3 } }, { actor: agent });
    await expect(
      desk.update(t.id, { custom: { room: 1 } }, { actor: agent }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('rejects a parentId that does not exist and accepts one that does', async () => {
    const { desk } = setup();
    await expectError(
      desk.create({ title: 'child', parentId: 'tk_none' }, { actor: agent }),
      ValidationError,
    );
    const p = await desk.create({ title: 'parent' }, { actor: agent });
    const c = await desk.create({ title: 'child', parentId: p.id }, { actor: agent });
    expect(c.parentId).toBe(p.id);
  });
});

describe('size limits (M7)', () => {
  it('rejects oversized and NUL-containing input with a validation error', async () => {
    const { desk } = setup();
    const deep: Record<string, unknown> = {};
    let cur = deep;
    for (let i = 0; i < 1000; i++) {
      const next = {};
      cur.x = next;
      cur = next;
    }
    const cases: [string, object][] = [
      ['title', { title: 'x'.repeat(1_048_577) }],
      ['tags', { title: 'x', tags: Array.from({ length: 10_000 }, (_, i) => `t${i}`) }],
      ['custom', { title: 'x', custom: deep }],
      ['title', { title: 'a\u0000b' }],
      ['description', { title: 'ok', description: 'nul\u0000' }],
      ['custom', { title: 'ok', custom: { k: 'nul\u0000' } }],
    ];
    for (const [field, draft] of cases) {
      const e = await expectError(desk.create(draft as never, { actor: agent }), ValidationError);
      expect(e.issues.some((i) => i.path[0] === field)).toBe(true);
    }
    expect((await desk.list()).items).toHaveLength(0);
  });
});

describe('idempotency keys', () => {
  it('returns the first ticket for a retried create (I1), byte-identical', async () => {
    const { desk } = setup();
    const a = await desk.create({ title: 'x' }, { actor: agent, idempotencyKey: 'k1' });
    const b = await desk.create({ title: 'x' }, { actor: agent, idempotencyKey: 'k1' });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect((await desk.list()).items).toHaveLength(1);
  });

  it('rejects the same key with a different payload (I2)', async () => {
    const { desk } = setup();
    await desk.create({ title: 'x' }, { actor: agent, idempotencyKey: 'k1' });
    const e = await expectError(
      desk.create({ title: 'y' }, { actor: agent, idempotencyKey: 'k1' }),
      IdempotencyConflictError,
    );
    expect(e.code).toBe('idempotency_conflict');
    expect((await desk.list()).items).toHaveLength(1);
  });

  it('scopes keys per tenant and expires them after the TTL (I3)', async () => {
    const clock = createManualClock('2026-01-05T01:00:00Z');
    const store = memoryStore({ sweepIntervalMs: 1000 });
    const desk = createTicketing({ clock, store, idempotencyTtlMs: 60_000 });
    const a = await desk.create(
      { title: 'x' },
      { actor: agent, tenantId: 'A', idempotencyKey: 'k' },
    );
    const b = await desk.create(
      { title: 'x' },
      { actor: agent, tenantId: 'B', idempotencyKey: 'k' },
    );
    expect(a.id).not.toBe(b.id);
    clock.advance(61_000);
    const c = await desk.create(
      { title: 'x' },
      { actor: agent, tenantId: 'A', idempotencyKey: 'k' },
    );
    expect(c.id).not.toBe(a.id);
    expect((await desk.list({}, { tenantId: 'A' })).items).toHaveLength(2);
    // The key table never grows past the live keys plus one sweep interval.
    for (let i = 0; i < 50; i++) {
      clock.advance(61_000);
      await desk.create(
        { title: `n${i}` },
        { actor: agent, tenantId: 'A', idempotencyKey: `k${i}` },
      );
    }
    const keysA = [...store.snapshot().idempotency.keys()].filter((k) => k.startsWith('A\u0000'));
    expect(keysA.length).toBeLessThanOrEqual(2);
  });

  it('makes other commands idempotent too', async () => {
    const { desk } = setup();
    const t = await desk.create({ title: 'x' }, { actor: agent });
    const r1 = await desk.comment(t.id, { body: 'hello' }, { actor: agent, idempotencyKey: 'c1' });
    const r2 = await desk.comment(t.id, { body: 'hello' }, { actor: agent, idempotencyKey: 'c1' });
    expect(r2).toEqual(r1);
    expect(await desk.comments(t.id)).toHaveLength(1);
  });
});

describe('tenancy', () => {
  it('a command in tenant A cannot read or touch tenant B’s tickets: NotFoundError, not PermissionError', async () => {
    const { desk } = setup();
    const b = await desk.create({ title: 'B secret' }, { actor: { ...sup, tenantId: 'B' } });
    const inA = { id: 'sup-a', roles: ['supervisor'], tenantId: 'A' };
    expect(await desk.get(b.id, { actor: inA })).toBeNull();
    await expectError(desk.transition(b.id, 'in_progress', { actor: inA }), NotFoundError);
    await expectError(desk.update(b.id, { title: 'pwned' }, { actor: inA }), NotFoundError);
    await expectError(desk.history(b.id, { actor: inA }), NotFoundError);
    await expectError(desk.comments(b.id, { actor: inA }), NotFoundError);
    expect((await desk.list({}, { actor: inA })).items).toHaveLength(0);
    expect((await desk.get(b.id, { tenantId: 'B' }))?.version).toBe(1);
  });
});

describe('list', () => {
  it('filters, sorts and pages with a cursor; requesters see only their own tickets', async () => {
    const { desk, clock } = setup();
    for (let i = 0; i < 25; i++) {
      clock.advance(1000);
      const actor = i % 5 === 0 ? alice : { id: `r${i}`, roles: ['requester'] };
      await desk.create({ title: `t${i}`, priority: i % 2 ? 'high' : 'low' }, { actor });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await desk.list({ priority: 'high', limit: 4, cursor }, { actor: agent });
      seen.push(...page.items.map((t) => t.title));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 12 }, (_, k) => `t${2 * k + 1}`));
    const mine = await desk.list({ limit: 2 }, { actor: alice });
    expect(mine.items.map((t) => t.title)).toEqual(['t0', 't5']);
    const next = await desk.list({ limit: 2, cursor: mine.nextCursor }, { actor: alice });
    expect(next.items.map((t) => t.title)).toEqual(['t10', 't15']);
    const last = await desk.list({ limit: 2, cursor: next.nextCursor }, { actor: alice });
    expect(last.items.map((t) => t.title)).toEqual(['t20']);
    expect(last.nextCursor).toBeNull();
  });

  it('rejects unknown filter keys, bad values and a cursor from another sort', async () => {
    const { desk } = setup();
    await desk.create({ title: 'x' }, { actor: agent });
    await expect(desk.list({ 'status; DROP TABLE': 1 } as never)).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await expect(desk.list({ status: 'nope' as never })).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await expect(desk.list({ limit: 0 })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(desk.list({ cursor: 'garbage' })).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await desk.create({ title: 'y' }, { actor: agent });
    const p = await desk.list({ limit: 1 });
    await expect(
      desk.list({ limit: 1, sort: 'priority', cursor: p.nextCursor }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });
});

describe('audit context and events', () => {
  it('records ip and user agent from the request context', async () => {
    const { desk } = setup();
    const t = await desk.create(
      { title: 'x' },
      { actor: agent, request: { ip: '203.0.113.9', userAgent: 'curl/8' } },
    );
    const [e] = await desk.history(t.id);
    expect(e).toMatchObject({
      ip: '203.0.113.9',
      userAgent: 'curl/8',
      actor: { id: 'agent-1', roles: ['agent'] },
    });
    expect(e?.at).toBe('2026-01-05T01:00:00.000Z');
  });

  it('keeps the change when a listener throws, and reports it', async () => {
    const onListenerError = vi.fn();
    const desk = createTicketing({ onListenerError });
    desk.on('ticket.created', () => {
      throw new Error('listener bug');
    });
    const t = await desk.create({ title: 'x' }, { actor: agent });
    expect(await desk.get(t.id)).not.toBeNull();
    expect(onListenerError).toHaveBeenCalledOnce();
  });

  it('unsubscribes', async () => {
    const { desk } = setup();
    const fn = vi.fn();
    const off = desk.on('ticket.created', fn);
    await desk.create({ title: 'x' }, { actor: agent });
    off();
    await desk.create({ title: 'y' }, { actor: agent });
    expect(fn).toHaveBeenCalledOnce();
  });

  it('emits only after the change is stored', async () => {
    const { desk } = setup();
    const seen: (number | undefined)[] = [];
    desk.on('ticket.transitioned', (e) => {
      void desk.get(e.ticketId).then((t) => seen.push(t?.version));
    });
    const t = await desk.create({ title: 'x' }, { actor: agent });
    await desk.transition(t.id, 'in_progress', { actor: agent });
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([2]);
  });
});

describe('store failures', () => {
  it('wraps a driver error in StoreError naming the adapter and operation', async () => {
    const store = memoryStore();
    const broken = {
      ...store,
      name: 'flaky',
      commit: async () => Promise.reject(new Error('connection reset')),
    };
    const desk = createTicketing({ store: broken });
    const e = await expectError(desk.create({ title: 'x' }, { actor: agent }), StoreError);
    expect(e).toMatchObject({ code: 'store_failed', adapter: 'flaky', operation: 'commit' });
    expect(e.message).toContain('connection reset');
    expect(isTicketkitError(e)).toBe(true);
  });
});

describe('identity comes only from the host context (Z6)', () => {
  it('ignores identity-like fields in input', async () => {
    const { desk } = setup();
    await expect(
      desk.create({ title: 'x', actor: { id: 'root', roles: ['admin'] } } as never, {
        actor: alice,
      }),
    ).rejects.toBeInstanceOf(ValidationError);
    const t = await desk.create(
      { title: 'x' },
      { actor: alice, request: { userAgent: 'X-User: admin' } },
    );
    expect((await desk.history(t.id))[0]?.actor).toEqual({ id: 'alice', roles: ['requester'] });
    await expect(
      desk.create({ title: 'x', requester: 'bob' }, { actor: alice }),
    ).rejects.toBeInstanceOf(PermissionError);
  });
});

describe('idempotency, review fixes', () => {
  it('returns the first result to concurrent retries of one transition', async () => {
    const { desk } = setup();
    const t = await desk.create({ title: 'x' }, { actor: agent });
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () =>
        desk.transition(t.id, 'in_progress', { actor: agent, idempotencyKey: 'k1' }),
      ),
    );
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(new Set(results.map((r) => (r.status === 'fulfilled' ? r.value.version : 0)))).toEqual(
      new Set([2]),
    );
    expect(await desk.history(t.id)).toHaveLength(2);
  });

  it('does not hand one user’s result to another user reusing the key', async () => {
    const { desk } = setup();
    await desk.create({ title: 'secret' }, { actor: agent, idempotencyKey: 'shared' });
    await expect(
      desk.create({ title: 'secret' }, { actor: alice, idempotencyKey: 'shared' }),
    ).rejects.toBeInstanceOf(IdempotencyConflictError);
  });
});

describe('error order (review fix)', () => {
  it('tells a caller without permission neither the state nor the version of a ticket', async () => {
    const { desk } = setup();
    const t = await desk.create({ title: 'x' }, { actor: sup });
    for (const to of ['in_progress', 'resolved', 'archived'] as const)
      await desk.transition(t.id, to, { actor: sup });
    const stranger = { id: 'r', roles: ['requester'] };
    for (const attempt of [
      () => desk.comment(t.id, { body: 'hi' }, { actor: stranger }),
      () => desk.update(t.id, { title: 'y' }, { actor: stranger, expectedVersion: 1 }),
      () => desk.assign(t.id, 'me', { actor: stranger, expectedVersion: 2 }),
    ]) {
      const e = await attempt().catch((x) => x);
      expect(e).toBeInstanceOf(PermissionError);
      expect(e.message).not.toMatch(/archived|version/);
    }
    // An allowed caller with a stale version hears about the version before the closed state.
    await expect(
      desk.update(t.id, { title: 'y' }, { actor: sup, expectedVersion: 1 }),
    ).rejects.toBeInstanceOf(ConflictError);
  });
});
