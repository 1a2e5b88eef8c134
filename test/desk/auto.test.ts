import {
  type Actor,
  type AutoHandler,
  createDispatcher,
  createManualClock,
  createTicketing,
  type Ticket,
  ValidationError,
} from 'ticketkit';
import { afterEach, describe, expect, it, vi } from 'vitest';

const agent: Actor = { id: 'agent-1', roles: ['agent'] };
const ann: Actor = { id: 'ann', roles: ['requester'] };

function setup(extra: Parameters<typeof createTicketing>[0] = {}) {
  const clock = createManualClock('2026-03-02T01:00:00Z');
  const desk = createTicketing({ clock, ...extra });
  return { desk, clock };
}

const isReset = (t: Ticket) => /password|密码/i.test(t.title);

/** A promise to release by hand, to hold a handler mid-work. */
function gate<T>() {
  let release!: (v: T) => void;
  let fail!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    release = res;
    fail = rej;
  });
  return { promise, release, fail };
}

afterEach(() => vi.restoreAllMocks());

describe('desk.automation', () => {
  it('resolves a matching ticket as a system actor, audited with the handler name', async () => {
    const { desk } = setup();
    const seen: string[] = [];
    desk.automation.register({
      name: 'password-reset',
      match: isReset,
      handle: async (t, ctx) => {
        seen.push(`${t.id}@v${t.version} by ${ctx.actor.id} in ${ctx.tenantId}`);
        return { resolution: 'A reset link was sent to your e-mail address.' };
      },
    });
    const t = await desk.create({ title: 'Forgot my password' }, { actor: ann });
    expect(t.status).toBe('pending');
    expect(t.version).toBe(1);
    await desk.automation.idle();
    expect(seen).toEqual([`${t.id}@v1 by system:auto:password-reset in default`]);
    const after = (await desk.get(t.id))!;
    expect(after.status).toBe('resolved');
    const history = await desk.history(t.id);
    expect(history.map((e) => [e.action, e.actor.id, e.meta?.autoHandler])).toEqual([
      ['create', 'ann', undefined],
      ['comment', 'system:auto:password-reset', 'password-reset'],
      ['transition', 'system:auto:password-reset', 'password-reset'],
      ['transition', 'system:auto:password-reset', 'password-reset'],
    ]);
    expect(history.at(-1)!.meta).toMatchObject({ outcome: 'resolved' });
    // The requester sees the resolution.
    const comments = await desk.comments(t.id, { actor: ann });
    expect(comments.map((c) => [c.visibility, c.body])).toEqual([
      ['public', 'A reset link was sent to your e-mail address.'],
    ]);
  });

  it('does not hold up desk.create: the handler runs after it returns', async () => {
    const { desk } = setup();
    const g = gate<{ resolution: string }>();
    let started = 0;
    desk.automation.register({
      name: 'slow',
      match: () => true,
      handle: () => {
        started++;
        return g.promise;
      },
    });
    const t = await desk.create({ title: 'anything' }, { actor: agent });
    expect((await desk.get(t.id))!.version).toBe(1);
    expect(started).toBe(1); // started, still waiting on the gate
    g.release({ resolution: 'done' });
    await desk.automation.idle();
    expect((await desk.get(t.id))!.status).toBe('resolved');
  });

  it('leaves other tickets alone, and a match that throws counts as no match', async () => {
    const { desk } = setup();
    const report = vi.spyOn(console, 'error').mockImplementation(() => {});
    const handle = vi.fn(async () => ({ resolution: 'x' }));
    desk.automation.register({
      name: 'fragile',
      match: (t) => {
        if (t.title === 'boom') throw new Error('match failed');
        return false;
      },
      handle,
    });
    desk.automation.register({ name: 'reset', match: isReset, handle });
    const a = await desk.create({ title: 'Printer down' }, { actor: agent });
    const b = await desk.create({ title: 'boom' }, { actor: agent });
    await desk.automation.idle();
    expect(handle).not.toHaveBeenCalled();
    expect((await desk.get(a.id))!.version).toBe(1);
    expect((await desk.get(b.id))!.version).toBe(1);
    expect(report).toHaveBeenCalledTimes(1);
    expect(desk.automation.handlers()).toEqual(['fragile', 'reset']);
  });

  it('hands the ticket to a person when the handler throws: open, internal comment, dispatched', async () => {
    const dispatcher = createDispatcher({ weights: { load: 1 } });
    const { desk } = setup({
      dispatch: {
        dispatcher,
        agents: () => [{ id: 'tech-1', skills: {}, load: 0, capacity: 5 }],
        autoDispatch: true,
      },
    });
    desk.automation.register({
      name: 'password-reset',
      match: isReset,
      handle: async () => {
        throw new Error('directory unreachable');
      },
    });
    const ok = await desk.create({ title: 'Printer down' }, { actor: agent });
    expect(ok.assignee).toBeNull(); // create returns the stored version 1 ...
    expect((await desk.get(ok.id))!.assignee).toBe('tech-1'); // ... and auto-dispatch ran

    const t = await desk.create({ title: '重置密码' }, { actor: ann });
    await desk.automation.idle();
    const after = (await desk.get(t.id))!;
    expect(after.status).toBe('pending');
    expect(after.assignee).toBe('tech-1'); // dispatched only after the handler gave up
    const history = await desk.history(t.id);
    expect(history.map((e) => [e.action, e.actor.id])).toEqual([
      ['create', 'ann'],
      ['comment', 'system:auto:password-reset'],
      ['assign', 'system:dispatch'],
    ]);
    expect(history[1]!.meta).toMatchObject({ autoHandler: 'password-reset', outcome: 'failed' });
    const staff = await desk.comments(t.id, { actor: agent });
    expect(staff.map((c) => [c.visibility, c.body])).toEqual([
      [
        'internal',
        'Automatic handling by "password-reset" failed: directory unreachable. This ticket needs a person.',
      ],
    ]);
    // The requester does not see the internal note.
    expect(await desk.comments(t.id, { actor: ann })).toEqual([]);
  });

  it('a successful handler means no dispatch', async () => {
    const { desk } = setup({
      dispatch: {
        dispatcher: createDispatcher({ weights: { load: 1 } }),
        agents: () => [{ id: 'tech-1', skills: {}, load: 0, capacity: 5 }],
        autoDispatch: true,
      },
    });
    desk.automation.register({
      name: 'reset',
      match: isReset,
      handle: async () => ({ resolution: 'sent' }),
    });
    const t = await desk.create({ title: 'password' }, { actor: ann });
    await desk.automation.idle();
    expect(await desk.get(t.id)).toMatchObject({ status: 'resolved', assignee: null });
  });

  it('gives up after timeoutMs on the injected clock, aborting the handler', async () => {
    const { desk, clock } = setup();
    let signal: AbortSignal | undefined;
    desk.automation.register({
      name: 'hangs',
      match: () => true,
      timeoutMs: 5_000,
      handle: (_t, ctx) => {
        signal = ctx.signal;
        return new Promise(() => {}); // never settles
      },
    });
    const t = await desk.create({ title: 'x' }, { actor: agent });
    await Promise.resolve();
    await Promise.resolve();
    expect(signal?.aborted).toBe(false);
    clock.advance(4_999);
    expect(signal?.aborted).toBe(false);
    clock.advance(1);
    await desk.automation.idle();
    expect(signal?.aborted).toBe(true);
    const note = (await desk.comments(t.id)).at(-1)!;
    expect(note.body).toContain('timed out after 5000 ms');
    expect((await desk.get(t.id))!.status).toBe('pending');
  });

  it('treats a result without a resolution as a failure', async () => {
    const { desk } = setup();
    desk.automation.register({
      name: 'sloppy',
      match: () => true,
      handle: async () => ({}) as { resolution: string },
    });
    const t = await desk.create({ title: 'x' }, { actor: agent });
    await desk.automation.idle();
    expect((await desk.get(t.id))!.status).toBe('pending');
    expect((await desk.comments(t.id)).at(-1)!.body).toContain('must return { resolution');
  });

  it('does nothing when a person resolved the ticket while the handler worked', async () => {
    const { desk } = setup();
    const g = gate<{ resolution: string }>();
    desk.automation.register({ name: 'slow', match: () => true, handle: () => g.promise });
    const t = await desk.create({ title: 'x' }, { actor: agent });
    await desk.transition(t.id, 'in_progress', { actor: agent });
    await desk.transition(t.id, 'resolved', { actor: agent });
    g.release({ resolution: 'late' });
    await desk.automation.idle();
    expect((await desk.history(t.id)).map((e) => e.actor.id)).toEqual([
      'agent-1',
      'agent-1',
      'agent-1',
    ]);
  });

  it('handles a ticket once: an idempotent replay of create does not run the handler again', async () => {
    const { desk } = setup();
    const handle = vi.fn(async () => ({ resolution: 'ok' }));
    desk.automation.register({ name: 'once', match: () => true, handle });
    const ctx = { actor: agent, idempotencyKey: 'form-42' };
    const a = await desk.create({ title: 'x' }, ctx);
    const b = await desk.create({ title: 'x' }, ctx);
    await desk.automation.idle();
    expect(b.id).toBe(a.id);
    expect(handle).toHaveBeenCalledTimes(1);
  });

  it('handles tickets that come in through intake', async () => {
    const { desk } = setup();
    desk.automation.register({
      name: 'password-reset',
      match: isReset,
      handle: async () => ({ resolution: '已发送重置链接' }),
    });
    const r = await desk.intake(
      { channel: 'web', submissionId: 's-1', title: '忘记密码', description: '请重置' },
      { actor: agent },
    );
    await desk.automation.idle();
    expect((await desk.get(r.ticket.id))!.status).toBe('resolved');
  });

  it('validates handlers, naming the field; unregister stops matching', async () => {
    const { desk } = setup();
    const bad = (h: unknown) => {
      try {
        desk.automation.register(h as AutoHandler);
      } catch (e) {
        expect(e).toBeInstanceOf(ValidationError);
        return (e as ValidationError).issues.map((i) => `${i.code}:${i.path.join('.')}`);
      }
      throw new Error('accepted');
    };
    expect(bad({ name: 'Password Reset', match: () => true })).toEqual([
      'invalid_format:handler.name',
      'required:handler.handle',
    ]);
    expect(
      bad({ name: 'x', match: () => true, handle: () => ({}), timeoutMs: 0, when: 1 }),
    ).toEqual(['too_small:handler.timeoutMs', 'unknown_field:handler.when']);
    expect(bad(null)).toEqual(['invalid_type:handler']);
    const off = desk.automation.register({
      name: 'x',
      match: () => true,
      handle: async () => ({ resolution: 'ok' }),
    });
    expect(bad({ name: 'x', match: () => true, handle: () => ({}) })).toEqual([
      'duplicate:handler.name',
    ]);
    off();
    expect(desk.automation.handlers()).toEqual([]);
    const t = await desk.create({ title: 'x' }, { actor: agent });
    await desk.automation.idle();
    expect((await desk.get(t.id))!.version).toBe(1);
  });

  it("a caller's own system role is not the handler's actor", async () => {
    const { desk } = setup();
    desk.automation.register({
      name: 'reset',
      match: isReset,
      handle: async () => ({ resolution: 'ok' }),
    });
    const fake: Actor = { id: 'system:auto:reset', roles: ['system'] };
    const t = await desk.create({ title: 'printer' }, { actor: agent });
    await expect(desk.transition(t.id, 'in_progress', { actor: fake })).rejects.toThrow(
      /permission|denied/i,
    );
  });
});
