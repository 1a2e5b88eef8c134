import fc from 'fast-check';
import {
  createManualClock,
  createTicketing,
  defineWorkflow,
  TransitionError,
  ValidationError,
} from 'ticketkit';
import { describe, expect, it } from 'vitest';

const sup = { id: 'sup', roles: ['supervisor'] };

describe('parent and child tickets', () => {
  it('lists children, refuses to close a parent over open children, and allows it after', async () => {
    const clock = createManualClock('2026-03-02T00:00:00Z');
    const desk = createTicketing({ clock });
    const parent = await desk.create({ title: 'Hospital network outage' }, { actor: sup });
    const net = await desk.create(
      { title: 'Core switch', team: 'network', parentId: parent.id },
      { actor: sup },
    );
    clock.advance(1);
    const app = await desk.create(
      { title: 'EMR app', team: 'application', parentId: parent.id },
      { actor: sup },
    );
    expect((await desk.children(parent.id)).map((c) => c.id)).toEqual([net.id, app.id]);
    await desk.transition(parent.id, 'in_progress', { actor: sup });
    const e = await desk.transition(parent.id, 'resolved', { actor: sup }).catch((x) => x);
    expect(e).toBeInstanceOf(TransitionError);
    expect(e).toMatchObject({ guard: 'open-children' });
    expect(e.message).toContain(net.id);
    // v1 create, v2 and v3 one `child_added` per child (the parent's version guards it against a
    // concurrent close), v4 in_progress; the refused move wrote nothing.
    expect((await desk.get(parent.id))?.version).toBe(4);
    expect((await desk.history(parent.id)).map((e) => [e.action, e.meta?.childId])).toEqual([
      ['create', undefined],
      ['child_added', net.id],
      ['child_added', app.id],
      ['transition', undefined],
    ]);
    for (const c of [net, app]) {
      await desk.transition(c.id, 'in_progress', { actor: sup });
      await desk.transition(c.id, 'resolved', { actor: sup });
    }
    expect((await desk.transition(parent.id, 'resolved', { actor: sup })).status).toBe('resolved');
  });

  it('resolves the parent when the last child resolves, with the roll-up in the audit entry', async () => {
    const clock = createManualClock('2026-03-02T00:00:00Z');
    const desk = createTicketing({ clock, children: { onAllResolved: 'resolve' } });
    const parent = await desk.create({ title: 'Outage' }, { actor: sup });
    const kids = [];
    for (const team of ['network', 'server', 'application']) {
      clock.advance(1);
      kids.push(await desk.create({ title: team, team, parentId: parent.id }, { actor: sup }));
    }
    for (const [i, k] of kids.entries()) {
      await desk.transition(k.id, 'in_progress', { actor: sup });
      await desk.transition(k.id, 'resolved', { actor: sup });
      const p = (await desk.get(parent.id))!;
      expect(p.status).toBe(i < 2 ? 'pending' : 'resolved');
    }
    const h = await desk.history(parent.id);
    const last = h.at(-1)!;
    expect(last.actor.id).toBe('system:rollup');
    expect(last.meta?.rollup).toEqual(
      kids.map((k) => ({ id: k.id, title: k.title, status: 'resolved', team: k.team })),
    );
    // pending -> in_progress -> resolved: the shortest path of allowed moves.
    const moves = h.filter((e) => e.action !== 'child_added');
    expect(moves.slice(1).map((e) => e.changes.status?.to)).toEqual(['in_progress', 'resolved']);
    expect(h.filter((e) => e.action === 'child_added')).toHaveLength(3);
  });

  it('does not roll up past the policy: a high-risk parent waits for a supervisor', async () => {
    const desk = createTicketing({ children: { onAllResolved: 'resolve' } });
    const agent = { id: 'a', roles: ['agent'] };
    const p = await desk.create({ title: 'risky', risk: 'high' }, { actor: agent });
    const c = await desk.create({ title: 'child', parentId: p.id }, { actor: agent });
    await desk.transition(c.id, 'in_progress', { actor: agent });
    await desk.transition(c.id, 'resolved', { actor: agent });
    expect((await desk.get(p.id))?.status).toBe('pending');
    const c2 = await desk.create({ title: 'child 2', parentId: p.id }, { actor: agent });
    await desk.transition(c2.id, 'in_progress', { actor: sup });
    await desk.transition(c2.id, 'resolved', { actor: sup });
    expect((await desk.get(p.id))?.status).toBe('resolved');
  });

  it('refuses a child under a resolved parent or a parent the actor cannot read', async () => {
    const desk = createTicketing();
    const p = await desk.create({ title: 'p' }, { actor: sup });
    await desk.transition(p.id, 'in_progress', { actor: sup });
    await desk.transition(p.id, 'resolved', { actor: sup });
    const e = await desk.create({ title: 'c', parentId: p.id }, { actor: sup }).catch((x) => x);
    expect(e.issues[0]).toMatchObject({ code: 'parent_closed' });
    const other = await desk.create({ title: 'someone else' }, { actor: sup });
    const stranger = { id: 'r', roles: ['requester'] };
    await expect(
      desk.create({ title: 'c', parentId: other.id }, { actor: stranger }),
    ).rejects.toMatchObject({
      code: 'permission_denied',
    });
    expect(await desk.children(other.id)).toHaveLength(0);
  });

  it('can move the parent to a review state instead', async () => {
    const wf = defineWorkflow({
      initial: 'open',
      states: {
        open: { to: ['review', 'done'] },
        review: { to: ['done', 'open'] },
        done: { terminal: true, kind: 'closed' },
      },
    });
    const desk = createTicketing({
      workflow: wf,
      children: { onAllResolved: { moveTo: 'review' } },
    });
    const p = await desk.create({ title: 'p' }, { actor: sup });
    const c = await desk.create({ title: 'c', parentId: p.id }, { actor: sup });
    await desk.transition(c.id, 'done', { actor: sup });
    expect((await desk.get(p.id))?.status).toBe('review');
  });

  it('limits depth and refuses children under a closed parent', async () => {
    const desk = createTicketing({ children: { maxDepth: 3 } });
    const a = await desk.create({ title: 'a' }, { actor: sup });
    const b = await desk.create({ title: 'b', parentId: a.id }, { actor: sup });
    const c = await desk.create({ title: 'c', parentId: b.id }, { actor: sup });
    const e = await desk.create({ title: 'd', parentId: c.id }, { actor: sup }).catch((x) => x);
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.issues[0]).toMatchObject({ code: 'too_deep', path: ['parentId'] });
    const z = await desk.create({ title: 'z' }, { actor: sup });
    for (const to of ['in_progress', 'resolved', 'archived'] as const)
      await desk.transition(z.id, to, { actor: sup });
    const e2 = await desk.create({ title: 'late', parentId: z.id }, { actor: sup }).catch((x) => x);
    expect(e2.issues[0]).toMatchObject({ code: 'parent_closed' });
  });

  it('roll-up property: the parent resolves exactly when its last child does, whatever the order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.nat({ max: 4 }), { maxLength: 12 }),
        async (n, order) => {
          const desk = createTicketing({ children: { onAllResolved: 'resolve' } });
          const p = await desk.create({ title: 'p' }, { actor: sup });
          const kids = [];
          for (let i = 0; i < n; i++)
            kids.push(await desk.create({ title: `k${i}`, parentId: p.id }, { actor: sup }));
          const done = new Set<number>();
          const steps = [...order.map((i) => i % n), ...kids.map((_, i) => i)];
          for (const i of steps) {
            if (done.has(i)) continue;
            await desk.transition(kids[i]!.id, 'in_progress', { actor: sup });
            await desk.transition(kids[i]!.id, 'resolved', { actor: sup });
            done.add(i);
            const parent = (await desk.get(p.id))!;
            expect(parent.status === 'resolved').toBe(done.size === n);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('parent resolve vs child create (race)', () => {
  it('never leaves a resolved parent with an open child: 300 concurrent races', async () => {
    let bothWon = 0;
    let childWon = 0;
    let parentWon = 0;
    for (let run = 0; run < 300; run++) {
      const desk = createTicketing();
      const parent = await desk.create({ title: 'p' }, { actor: sup });
      await desk.transition(parent.id, 'in_progress', { actor: sup });
      const [child, resolved] = await Promise.allSettled([
        desk.create({ title: 'late child', parentId: parent.id }, { actor: sup }),
        desk.transition(parent.id, 'resolved', { actor: sup }),
      ]);
      const p = (await desk.get(parent.id))!;
      const open = (await desk.children(parent.id)).filter((c) => c.status !== 'resolved');
      if (child.status === 'fulfilled' && resolved.status === 'fulfilled') bothWon++;
      if (child.status === 'fulfilled') childWon++;
      if (resolved.status === 'fulfilled') parentWon++;
      // The invariant: a resolved parent has no open child.
      if (p.status === 'resolved') expect(open).toEqual([]);
    }
    expect(bothWon).toBe(0);
    expect(childWon + parentWon).toBe(300);
  });
});
