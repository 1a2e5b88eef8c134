import fc from 'fast-check';
import {
  type Actor,
  createManualClock,
  createTicketing,
  type ExternalLink,
  LINK_LIMITS,
  memoryStore,
  NotFoundError,
  PermissionError,
  replayAudit,
  type TicketStore,
  ValidationError,
} from 'ticketkit';
import { describe, expect, it } from 'vitest';

const agent: Actor = { id: 'agent-1', roles: ['agent'] };
const sup: Actor = { id: 'sup', roles: ['supervisor'] };
const crm: ExternalLink = { system: 'crm', kind: 'customer', externalId: 'C-1001' };
const serial: ExternalLink = { system: 'erp', kind: 'serial', externalId: 'SN-778' };

function setup(store: TicketStore = memoryStore()) {
  const clock = createManualClock('2026-03-02T01:00:00Z');
  const desk = createTicketing({ clock, store });
  return { desk, clock };
}

async function issuesOf(p: Promise<unknown>) {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ValidationError);
  return (e as ValidationError).issues.map((i) => ({ code: i.code, path: i.path.join('.') }));
}

describe('desk.links', () => {
  it('adds a link as an audited change of the ticket and finds it both ways', async () => {
    const { desk, clock } = setup();
    const t = await desk.create({ title: 'Printer down' }, { actor: agent });
    const events: unknown[] = [];
    desk.on('ticket.updated', (e) => events.push(e.changes));
    clock.advance(60_000);
    const linked = await desk.links.add(t.id, crm, { actor: agent, expectedVersion: 1 });
    expect(linked.version).toBe(2);
    expect(linked.updatedAt).toBe('2026-03-02T01:01:00.000Z');
    expect(linked.externalRefs.links).toEqual([crm]);
    expect(await desk.links.of(t.id, { actor: agent })).toEqual([crm]);
    const page = await desk.links.find(crm, { actor: agent });
    expect(page.items.map((x) => x.id)).toEqual([t.id]);
    expect(page.nextCursor).toBeNull();

    const entry = (await desk.history(t.id)).at(-1)!;
    expect(entry.action).toBe('link');
    expect(entry.actor.id).toBe('agent-1');
    expect(entry.meta).toEqual({ link: crm });
    expect(entry.changes.externalRefs).toEqual({ from: {}, to: { links: [crm] } });
    expect(events).toEqual([{ externalRefs: { from: {}, to: { links: [crm] } } }]);
    // The trail still rebuilds the ticket exactly.
    expect(replayAudit(await desk.history(t.id))).toEqual(await desk.get(t.id));
  });

  it('is idempotent: a link the ticket has, or one it lacks, changes nothing', async () => {
    const { desk } = setup();
    const t = await desk.create({ title: 'x' }, { actor: agent });
    await desk.links.add(t.id, crm, { actor: agent });
    const again = await desk.links.add(t.id, { ...crm }, { actor: agent });
    expect(again.version).toBe(2);
    const none = await desk.links.remove(t.id, serial, { actor: agent });
    expect(none.version).toBe(2);
    expect(await desk.history(t.id)).toHaveLength(2);
  });

  it('removes a link, audited as unlink, and the reverse lookup forgets it', async () => {
    const { desk } = setup();
    const t = await desk.create({ title: 'x' }, { actor: agent });
    await desk.links.add(t.id, crm, { actor: agent });
    await desk.links.add(t.id, serial, { actor: agent });
    const after = await desk.links.remove(t.id, crm, { actor: agent });
    expect(after.externalRefs.links).toEqual([serial]);
    expect((await desk.history(t.id)).at(-1)).toMatchObject({
      action: 'unlink',
      meta: { link: crm },
    });
    expect((await desk.links.find(crm, { actor: agent })).items).toEqual([]);
    expect((await desk.links.find(serial, { actor: agent })).items.map((x) => x.id)).toEqual([
      t.id,
    ]);
    await desk.links.remove(t.id, serial, { actor: agent });
    // The last link removed leaves no empty list behind.
    expect((await desk.get(t.id))!.externalRefs).toEqual({});
  });

  it('names the bad field in validation errors', async () => {
    const { desk } = setup();
    const t = await desk.create({ title: 'x' }, { actor: agent });
    const ctx = { actor: agent };
    expect(await issuesOf(desk.links.add(t.id, { ...crm, system: 'CRM' }, ctx))).toEqual([
      { code: 'invalid_format', path: 'link.system' },
    ]);
    expect(await issuesOf(desk.links.add(t.id, { ...crm, externalId: '' }, ctx))).toEqual([
      { code: 'required', path: 'link.externalId' },
    ]);
    expect(await issuesOf(desk.links.add(t.id, { ...crm, externalId: ' C-1' }, ctx))).toEqual([
      { code: 'custom', path: 'link.externalId' },
    ]);
    expect(
      await issuesOf(desk.links.add(t.id, { ...crm, note: 'x' } as unknown as ExternalLink, ctx)),
    ).toEqual([{ code: 'unknown_field', path: 'link.note' }]);
    expect(
      await issuesOf(desk.links.add(t.id, { system: 'crm' } as unknown as ExternalLink, ctx)),
    ).toEqual([
      { code: 'required', path: 'link.kind' },
      { code: 'required', path: 'link.externalId' },
    ]);
    expect(await issuesOf(desk.links.add(t.id, null as unknown as ExternalLink, ctx))).toEqual([
      { code: 'invalid_type', path: 'link' },
    ]);
    const e = await desk.links.add(t.id, { ...crm, system: 'CRM' }, ctx).catch((x) => x);
    expect(e.message).toContain('lowercase identifier');
    expect(
      await issuesOf(desk.links.find({ ...crm, kind: 'a b', limit: 0, page: 2 } as never, ctx)),
    ).toEqual([
      { code: 'unknown_field', path: 'page' },
      { code: 'too_big', path: 'limit' },
      { code: 'invalid_format', path: 'kind' },
    ]);
    expect(await issuesOf(desk.links.find({ ...crm, cursor: 'nope' }, ctx))).toEqual([
      { code: 'invalid_cursor', path: 'cursor' },
    ]);
    // Nothing was written by the refused calls.
    expect((await desk.get(t.id))!.version).toBe(1);
  });

  it('caps the links of one ticket', async () => {
    const { desk } = setup();
    const t = await desk.create({ title: 'x' }, { actor: agent });
    for (let i = 0; i < LINK_LIMITS.perTicket; i++) {
      await desk.links.add(t.id, { ...serial, externalId: `SN-${i}` }, { actor: agent });
    }
    expect(await issuesOf(desk.links.add(t.id, crm, { actor: agent }))).toEqual([
      { code: 'too_big', path: 'link' },
    ]);
  });

  it('checks the link permission, and filters find by read permission', async () => {
    const { desk } = setup();
    const ann: Actor = { id: 'ann', roles: ['requester'] };
    const mine = await desk.create({ title: 'mine' }, { actor: ann });
    const other = await desk.create({ title: 'other', requester: 'bob' }, { actor: agent });
    await expect(desk.links.add(mine.id, crm, { actor: ann })).rejects.toBeInstanceOf(
      PermissionError,
    );
    await desk.links.add(mine.id, crm, { actor: agent });
    await desk.links.add(other.id, crm, { actor: agent });
    // The requester sees her own ticket only; the other one is neither listed nor counted.
    const page = await desk.links.find({ ...crm, limit: 1 }, { actor: ann });
    expect(page.items.map((x) => x.id)).toEqual([mine.id]);
    expect(page.nextCursor).toBeNull();
    expect(await desk.links.of(mine.id, { actor: ann })).toEqual([crm]);
    await expect(desk.links.of(other.id, { actor: ann })).rejects.toBeInstanceOf(PermissionError);
    expect((await desk.links.find(crm, { actor: agent })).items).toHaveLength(2);
    // A policy rule can look at the link itself.
    expect(desk.can(agent, 'link', mine)).toMatchObject({ allowed: true });
    expect(desk.can(ann, 'link', mine)).toMatchObject({ allowed: false });
  });

  it('is tenant-scoped in both directions', async () => {
    const { desk } = setup();
    const a: Actor = { id: 'a', roles: ['admin'], tenantId: 'A' };
    const b: Actor = { id: 'b', roles: ['admin'], tenantId: 'B' };
    const ta = await desk.create({ title: 'A' }, { actor: a });
    await desk.links.add(ta.id, crm, { actor: a });
    expect((await desk.links.find(crm, { actor: b })).items).toEqual([]);
    await expect(desk.links.of(ta.id, { actor: b })).rejects.toBeInstanceOf(NotFoundError);
    await expect(desk.links.add(ta.id, serial, { actor: b })).rejects.toBeInstanceOf(NotFoundError);
    expect((await desk.links.find(crm, { actor: a })).items.map((x) => x.id)).toEqual([ta.id]);
  });

  it('pages through a customer history with cursors, no gaps or duplicates', async () => {
    const { desk } = setup();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const t = await desk.create({ title: `t${i}` }, { actor: agent });
      await desk.links.add(t.id, crm, { actor: agent });
      ids.push(t.id);
    }
    await desk.create({ title: 'unlinked' }, { actor: agent });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof desk.links.find>> = await desk.links.find(
        { ...crm, limit: 3, cursor },
        { actor: agent },
      );
      seen.push(...page.items.map((x) => x.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].sort());
  });

  it('keeps links through desk.update, which cannot change them', async () => {
    const { desk } = setup();
    const t = await desk.create(
      { title: 'x', externalRefs: { customerId: 'C-1', links: [crm] } },
      { actor: agent },
    );
    expect((await desk.links.find(crm, { actor: agent })).items.map((x) => x.id)).toEqual([t.id]);
    const u = await desk.update(t.id, { externalRefs: { orderNumber: 'SO-1' } }, { actor: agent });
    expect(u.externalRefs).toEqual({ orderNumber: 'SO-1', links: [crm] });
    const cleared = await desk.update(t.id, { externalRefs: null }, { actor: agent });
    expect(cleared.externalRefs).toEqual({ links: [crm] });
    expect(
      await issuesOf(
        desk.update(t.id, { externalRefs: { links: [serial] } } as never, { actor: agent }),
      ),
    ).toEqual([{ code: 'unknown_field', path: 'externalRefs.links' }]);
    expect(await desk.links.of(t.id)).toEqual([crm]);
  });

  it('validates links given at create', async () => {
    const { desk } = setup();
    expect(
      await issuesOf(
        desk.create({ title: 'x', externalRefs: { links: [crm, { ...crm }] } }, { actor: agent }),
      ),
    ).toEqual([{ code: 'custom', path: 'externalRefs.links.1' }]);
  });

  it('links closed tickets too (mapping archived history after a migration)', async () => {
    const { desk } = setup();
    const t = await desk.create({ title: 'old' }, { actor: sup });
    for (const s of ['in_progress', 'resolved', 'archived'] as const) {
      await desk.transition(t.id, s, { actor: sup });
    }
    const linked = await desk.links.add(t.id, crm, { actor: sup });
    expect(linked.status).toBe('archived');
    expect((await desk.links.find(crm)).items.map((x) => x.id)).toEqual([t.id]);
  });

  it('returns the first result to a retry with the same idempotency key', async () => {
    const { desk } = setup();
    const t = await desk.create({ title: 'x' }, { actor: agent });
    const ctx = { actor: agent, idempotencyKey: 'link-1' };
    const first = await desk.links.add(t.id, crm, ctx);
    await desk.links.remove(t.id, crm, { actor: agent });
    const replay = await desk.links.add(t.id, crm, ctx);
    expect(replay).toEqual(first);
    expect(await desk.links.of(t.id)).toEqual([]);
  });

  it('refuses find on a store without findByExternalRef, and never scans', async () => {
    const inner = memoryStore();
    const { findByExternalRef: _, ...rest } = inner;
    let listed = 0;
    const store: TicketStore = {
      ...rest,
      listTickets: (...a) => {
        listed++;
        return inner.listTickets(...a);
      },
    };
    const { desk } = setup(store);
    const t = await desk.create({ title: 'x' }, { actor: agent });
    await desk.links.add(t.id, crm, { actor: agent });
    expect(await issuesOf(desk.links.find(crm, { actor: agent }))).toEqual([
      { code: 'unsupported', path: 'store' },
    ]);
    expect(listed).toBe(0);
  });

  it('find agrees with a model after any sequence of adds, removes and updates (property)', async () => {
    const links = [crm, serial, { system: 'crm', kind: 'customer', externalId: 'C-2' }];
    const op = fc.record({
      ticket: fc.nat({ max: 3 }),
      link: fc.nat({ max: links.length - 1 }),
      kind: fc.constantFrom('add', 'remove', 'update'),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
        const { desk } = setup();
        const ids: string[] = [];
        for (let i = 0; i < 4; i++) {
          ids.push((await desk.create({ title: `t${i}` }, { actor: agent })).id);
        }
        const model = ids.map(() => new Set<number>());
        for (const o of ops) {
          const id = ids[o.ticket]!;
          if (o.kind === 'add') {
            await desk.links.add(id, links[o.link]!, { actor: agent });
            model[o.ticket]!.add(o.link);
          } else if (o.kind === 'remove') {
            await desk.links.remove(id, links[o.link]!, { actor: agent });
            model[o.ticket]!.delete(o.link);
          } else {
            await desk.update(
              id,
              { externalRefs: { orderNumber: `O-${o.link}` } },
              { actor: agent },
            );
          }
        }
        for (let l = 0; l < links.length; l++) {
          const want = ids.filter((_, i) => model[i]!.has(l)).sort();
          const got = (await desk.links.find({ ...links[l]!, limit: 2 }, { actor: agent })).items;
          expect(got.map((x) => x.id)).toEqual(want.slice(0, 2));
        }
      }),
      { numRuns: 60 },
    );
  });
});
