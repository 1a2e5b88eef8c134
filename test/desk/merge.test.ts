import {
  ConflictError,
  createManualClock,
  createTicketing,
  defineWorkflow,
  memoryStore,
  NotFoundError,
  PermissionError,
  replayAudit,
  type Ticket,
  type TicketStore,
  ValidationError,
} from 'ticketkit';
import { describe, expect, it } from 'vitest';
import { mergeRaces } from './_merge-race';

const sup = { id: 'sup', roles: ['supervisor'] };
const agent = { id: 'ag', roles: ['agent'] };

const setup = () => {
  const clock = createManualClock('2026-03-02T01:00:00Z');
  const store = memoryStore();
  const desk = createTicketing({ clock, store });
  return { clock, store, desk };
};

/** Every ticket, comment and audit entry of a tenant, to prove a failed merge changed nothing. */
const dump = async (store: TicketStore, ids: string[], tenantId = 'default') =>
  Promise.all(
    ids.map(async (id) => [
      await store.getTicket(tenantId, id),
      await store.listComments(tenantId, id),
      await store.listAudit(tenantId, id),
    ]),
  );

const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e as Error & { code: string; issues?: { code: string; path: unknown[] }[] };
  }
  throw new Error('expected the call to fail');
};

describe('desk.merge', () => {
  it('archives the duplicates with a link, copies their comments, and audits every ticket', async () => {
    const { clock, store, desk } = setup();
    const keep = await desk.create({ title: 'VPN down', requester: 'r1' }, { actor: sup });
    const dup1 = await desk.create({ title: 'VPN not working', requester: 'r1' }, { actor: sup });
    const dup2 = await desk.create({ title: 'cannot connect', requester: 'r2' }, { actor: sup });
    await desk.transition(dup2.id, 'in_progress', { actor: sup });
    const c1 = await desk.comment(dup1.id, { body: 'since 9:00 @net' }, { actor: sup });
    const c2 = await desk.comment(dup2.id, { body: 'me too' }, { actor: sup });
    const c3 = await desk.comment(
      dup2.id,
      { body: 'checked the gateway', visibility: 'internal' },
      { actor: sup },
    );
    clock.advance(60_000);

    const r = await desk.merge(keep.id, [dup1.id, dup2.id], { actor: agent });

    expect(r.survivor.version).toBe(keep.version + 1);
    expect(r.merged.map((t) => [t.id, t.status, t.mergedInto])).toEqual([
      [dup1.id, 'archived', keep.id],
      [dup2.id, 'archived', keep.id],
    ]);
    for (const t of [r.survivor, ...r.merged])
      expect(await store.getTicket('default', t.id)).toEqual(t);
    // Copies keep author, body and mentions; the original time is in mergedFrom.
    const copied = await desk.comments(keep.id);
    expect(copied).toEqual(r.comments);
    expect(copied.map((c) => [c.body, c.author, c.visibility, c.mergedFrom?.commentId])).toEqual([
      ['since 9:00 @net', 'sup', 'public', c1.comment.id],
      // dup2 has another requester: its public thread is staff-only on the survivor.
      ['me too', 'sup', 'internal', c2.comment.id],
      ['checked the gateway', 'sup', 'internal', c3.comment.id],
    ]);
    expect(copied[0]!.mentions).toEqual(['net']);
    expect(copied[0]!.mergedFrom?.createdAt).toBe(c1.comment.createdAt);
    expect(copied[0]!.createdAt).toBe(r.survivor.updatedAt);
    // The originals stay on the duplicates.
    expect((await desk.comments(dup2.id)).map((c) => c.id)).toEqual([c2.comment.id, c3.comment.id]);
    // The survivor's requester sees only the public copy.
    const r1 = { id: 'r1', roles: ['requester'] };
    expect((await desk.comments(keep.id, { actor: r1 })).map((c) => c.body)).toEqual([
      'since 9:00 @net',
    ]);

    for (const t of [r.survivor, ...r.merged]) {
      const trail = await desk.history(t.id);
      const last = trail.at(-1)!;
      expect(last.action).toBe('merge');
      expect(last.actor.id).toBe('ag');
      expect(replayAudit(trail)).toEqual(t);
    }
    const [dupEntry] = (await desk.history(dup2.id)).slice(-1);
    expect(dupEntry!.changes).toEqual({
      status: { from: 'in_progress', to: 'archived' },
      mergedInto: { from: null, to: keep.id },
    });
    const keepEntry = (await desk.history(keep.id)).at(-1)!;
    expect(keepEntry.meta?.merged).toEqual([
      { id: dup1.id, title: 'VPN not working', requester: 'r1', status: 'pending' },
      { id: dup2.id, title: 'cannot connect', requester: 'r2', status: 'in_progress' },
    ]);
  });

  it('accepts one id, emits events after the commit, and replays an idempotency key', async () => {
    const { desk, store } = setup();
    const keep = await desk.create({ title: 'a' }, { actor: sup });
    const dup = await desk.create({ title: 'b' }, { actor: sup });
    const seen: string[] = [];
    desk.on('ticket.transitioned', (e) => seen.push(`${e.ticketId}:${e.to}`));
    desk.on('ticket.updated', (e) => seen.push(`${e.ticketId}:updated`));
    const ctx = { actor: sup, idempotencyKey: 'merge-1' };
    const first = await desk.merge(keep.id, dup.id, ctx);
    const again = await desk.merge(keep.id, dup.id, ctx);
    expect(again).toEqual(first);
    expect(seen).toEqual([`${dup.id}:archived`, `${keep.id}:updated`]);
    expect((await store.listAudit('default', keep.id)).length).toBe(2);
    const e = await errorOf(desk.merge(keep.id, [dup.id, 'other'], ctx));
    expect(e.code).toBe('idempotency_conflict');
  });

  it('refuses a merge into itself, into a closed ticket, a cycle and an already merged duplicate, naming the field', async () => {
    const { desk, store } = setup();
    const a = await desk.create({ title: 'a' }, { actor: sup });
    const b = await desk.create({ title: 'b' }, { actor: sup });
    const c = await desk.create({ title: 'c' }, { actor: sup });
    const before = await dump(store, [a.id, b.id, c.id]);

    const self = await errorOf(desk.merge(a.id, [b.id, a.id], { actor: sup }));
    expect(self).toBeInstanceOf(ValidationError);
    expect(self.issues).toEqual([
      expect.objectContaining({ code: 'merge_self', path: ['duplicateIds', 1] }),
    ]);
    expect(self.message).toContain('cannot be merged into itself');
    expect(await dump(store, [a.id, b.id, c.id])).toEqual(before);

    const twice = await errorOf(desk.merge(a.id, [b.id, b.id], { actor: sup }));
    expect(twice.issues?.[0]).toMatchObject({ code: 'duplicate', path: ['duplicateIds', 1] });
    const none = await errorOf(desk.merge(a.id, [], { actor: sup }));
    expect(none.issues?.[0]).toMatchObject({ code: 'required', path: ['duplicateIds'] });

    await desk.merge(a.id, [b.id], { actor: sup });
    // B is merged into A: merging A into B would be a cycle.
    const cycle = await errorOf(desk.merge(b.id, [a.id], { actor: sup }));
    expect(cycle.issues).toEqual([
      expect.objectContaining({ code: 'merge_cycle', path: ['survivorId'] }),
    ]);
    expect(cycle.message).toContain(`keep ${a.id} as the survivor`);
    // B again as a duplicate.
    const again = await errorOf(desk.merge(c.id, [b.id], { actor: sup }));
    expect(again.issues?.[0]).toMatchObject({ code: 'already_merged', path: ['duplicateIds', 0] });
    // Into an archived (closed) ticket.
    await desk.transition(c.id, 'in_progress', { actor: sup });
    await desk.transition(c.id, 'resolved', { actor: sup });
    await desk.transition(c.id, 'archived', { actor: sup });
    const closed = await errorOf(desk.merge(c.id, [a.id], { actor: sup }));
    expect(closed.issues).toEqual([
      expect.objectContaining({ code: 'ticket_closed', path: ['survivorId'] }),
    ]);
    const closedDup = await errorOf(desk.merge(a.id, [c.id], { actor: sup }));
    expect(closedDup.issues?.[0]).toMatchObject({
      code: 'ticket_closed',
      path: ['duplicateIds', 0],
    });
  });

  it('finds no ticket across tenants, and changes nothing', async () => {
    const { desk, store } = setup();
    const x = { id: 'x', roles: ['admin'], tenantId: 'A' };
    const y = { id: 'y', roles: ['admin'], tenantId: 'B' };
    const a = await desk.create({ title: 'a' }, { actor: x });
    const b = await desk.create({ title: 'b' }, { actor: y });
    const before = [await dump(store, [a.id], 'A'), await dump(store, [b.id], 'B')];
    const e1 = await errorOf(desk.merge(a.id, [b.id], { actor: x }));
    expect(e1).toBeInstanceOf(NotFoundError);
    expect(e1.message).toContain('duplicateIds[0]');
    const e2 = await errorOf(desk.merge(b.id, [a.id], { actor: x }));
    expect(e2.message).toContain('survivorId');
    expect([await dump(store, [a.id], 'A'), await dump(store, [b.id], 'B')]).toEqual(before);
  });

  it('needs merge and update permission on every ticket: a requester may not merge', async () => {
    const { desk } = setup();
    const req = { id: 'r1', roles: ['requester'] };
    const a = await desk.create({ title: 'a' }, { actor: req });
    const b = await desk.create({ title: 'b' }, { actor: req });
    const e = await errorOf(desk.merge(a.id, [b.id], { actor: req }));
    expect(e).toBeInstanceOf(PermissionError);
    expect(desk.can(agent, 'merge', a).allowed).toBe(true);
    expect(desk.can(req, 'merge', a).allowed).toBe(false);
  });

  it('checks every version: expectedVersions conflict, and a lost race is re-read', async () => {
    const { desk, store } = setup();
    const a = await desk.create({ title: 'a' }, { actor: sup });
    const b = await desk.create({ title: 'b' }, { actor: sup });
    await desk.update(b.id, { title: 'b2' }, { actor: sup });
    const before = await dump(store, [a.id, b.id]);
    const e = await errorOf(
      desk.merge(a.id, [b.id], { actor: sup, expectedVersions: { [a.id]: 1, [b.id]: 1 } }),
    );
    expect(e).toBeInstanceOf(ConflictError);
    expect(e).toMatchObject({ ticketId: b.id, expectedVersion: 1, actualVersion: 2 });
    expect(await dump(store, [a.id, b.id])).toEqual(before);

    // A store that lets a concurrent edit of the duplicate land just before the merge's batch.
    let interfere = true;
    let edits = 0;
    const racy: TicketStore = {
      ...store,
      getTicket: store.getTicket.bind(store),
      listComments: store.listComments.bind(store),
      async commitBatch(commits) {
        if (interfere) {
          interfere = false;
          await desk.update(b.id, { title: `edited ${++edits}` }, { actor: sup });
        }
        return store.commitBatch(commits);
      },
    };
    const desk2 = createTicketing({ store: racy });
    const stale = await errorOf(
      desk2.merge(a.id, [b.id], { actor: sup, expectedVersions: { [b.id]: 2 } }),
    );
    expect(stale).toBeInstanceOf(ConflictError);
    expect((await store.getTicket('default', a.id))?.version).toBe(1);
    interfere = true;
    const ok = await desk2.merge(a.id, [b.id], { actor: sup });
    expect(ok.merged[0]).toMatchObject({ title: 'edited 2', version: 5, mergedInto: a.id });
  });

  it('uses merge.state, or refuses when the workflow has no closed state', async () => {
    const wf = defineWorkflow({
      initial: 'open',
      states: {
        open: { to: ['done', 'duplicate'] },
        done: { terminal: true },
        duplicate: { terminal: true },
      },
    });
    const desk = createTicketing({ workflow: wf, merge: { state: 'duplicate' } });
    const a = await desk.create({ title: 'a' }, { actor: sup });
    const b = await desk.create({ title: 'b' }, { actor: sup });
    expect((await desk.merge(a.id, b.id, { actor: sup })).merged[0]!.status).toBe('duplicate');
    expect(() => createTicketing({ workflow: wf, merge: { state: 'nope' as never } })).toThrow(
      /merge\.state/,
    );

    const loop = defineWorkflow({
      initial: 'open',
      states: { open: { to: ['waiting'] }, waiting: { to: ['open'] } },
    });
    const d2 = createTicketing({ workflow: loop });
    const x = await d2.create({ title: 'x' }, { actor: sup });
    const y = await d2.create({ title: 'y' }, { actor: sup });
    const e = await errorOf(d2.merge(x.id, y.id, { actor: sup }));
    expect(e.issues?.[0]).toMatchObject({ code: 'not_configured', path: ['merge', 'state'] });
  });

  it('stops the duplicates from changing afterwards', async () => {
    const { desk } = setup();
    const a = await desk.create({ title: 'a' }, { actor: sup });
    const b = await desk.create({ title: 'b' }, { actor: sup });
    await desk.merge(a.id, b.id, { actor: sup });
    const e = await errorOf(desk.comment(b.id, { body: 'late' }, { actor: sup }));
    expect(e.issues?.[0]?.code).toBe('ticket_closed');
    const t = (await desk.get(b.id)) as Ticket;
    expect(t.mergedInto).toBe(a.id);
  });

  it('C3 on the memory store: 500 races of merge A→B ‖ merge B→A, never both, always a serial outcome', async () => {
    const f = await mergeRaces(memoryStore(), 500, 50);
    console.info('C3 memory', JSON.stringify(f));
    expect(f.bothSucceeded).toBe(0);
    expect(f.notSerial).toBe(0);
    expect(f.runs).toBe(500);
    // Every run: one merge wins, the other is refused as a cycle.
    expect(Object.values(f.winners).reduce((x, y) => x + y, 0)).toBe(500);
    expect(f.winners.neither).toBeUndefined();
    // The races were real: losers hit a version conflict, and each direction won some runs.
    expect(f.conflicts).toBeGreaterThan(0);
    expect(Object.keys(f.winners).sort()).toEqual(['A into B', 'B into A']);
  });
});
