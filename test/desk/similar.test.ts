import fc from 'fast-check';
import {
  type Actor,
  createManualClock,
  createSimilarityIndex,
  createTicketing,
  memoryStore,
  NotFoundError,
  PermissionError,
  type TicketStore,
  ValidationError,
} from 'ticketkit';
import { describe, expect, it } from 'vitest';

const sup: Actor = { id: 'sup', roles: ['supervisor'] };
const agent: Actor = { id: 'agent-1', roles: ['agent'] };

function setup(opts: { store?: TicketStore; similar?: Record<string, unknown> } = {}) {
  const clock = createManualClock('2026-03-02T01:00:00Z');
  const desk = createTicketing({
    clock,
    store: opts.store ?? memoryStore(),
    ...(opts.similar ? { similar: opts.similar } : {}),
  });
  return { desk, clock };
}

type Desk = ReturnType<typeof setup>['desk'];

/** Creates a ticket and resolves it with a root cause (custom.rootCause). */
async function resolved(
  desk: Desk,
  title: string,
  rootCause: string | undefined,
  actor: Actor = sup,
  extra: Record<string, unknown> = {},
) {
  const t = await desk.create(
    { title, ...(rootCause ? { custom: { rootCause } } : {}), ...extra },
    { actor },
  );
  await desk.transition(t.id, 'in_progress', { actor: sup });
  return desk.transition(t.id, 'resolved', { actor: sup });
}

describe('desk.similar', () => {
  it('returns resolved tickets most like this one, with the most frequent root cause', async () => {
    const { desk } = setup();
    const p1 = await resolved(desk, '三楼打印机卡纸', '搓纸轮老化');
    const p2 = await resolved(desk, '打印机又卡纸了', '搓纸轮老化');
    const p3 = await resolved(desk, 'Printer jam 打印机卡纸 on floor 2', '搓纸轮老化');
    const p4 = await resolved(desk, '打印机卡纸，纸张潮湿', '纸张受潮');
    await resolved(desk, 'VPN 连不上', '证书过期');
    await desk.create({ title: '打印机卡纸 still open' }, { actor: sup }); // not resolved
    const q = await desk.create({ title: '二楼打印机卡纸' }, { actor: agent });

    const r = await desk.similar(q.id, { limit: 4 }, { actor: agent });
    expect(r.items.map((i) => i.ticket.id).sort()).toEqual([p1.id, p2.id, p3.id, p4.id].sort());
    const scores = r.items.map((i) => i.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(r.items.every((i) => i.ticket.status === 'resolved')).toBe(true);
    expect(r.rootCauses[0]).toMatchObject({ cause: '搓纸轮老化', count: 3 });
    expect(r.rootCauses[1]).toMatchObject({ cause: '纸张受潮', count: 1 });
    expect(r.items.find((i) => i.ticket.id === p4.id)?.resolution).toBe('纸张受潮');
    expect(r.indexed).toBe(5);
  });

  it('never returns the ticket itself, even when it is resolved', async () => {
    const { desk } = setup();
    const a = await resolved(desk, '打印机卡纸', 'x');
    const b = await resolved(desk, '打印机卡纸 again', 'y');
    const r = await desk.similar(a.id);
    expect(r.items.map((i) => i.ticket.id)).toEqual([b.id]);
  });

  it("follows the desk's own changes: resolves, reopens and edited causes", async () => {
    const { desk } = setup();
    const q = await desk.create({ title: '打印机卡纸' }, { actor: sup });
    const a = await resolved(desk, '打印机卡纸', 'old cause');
    expect((await desk.similar(q.id)).items.map((i) => i.ticket.id)).toEqual([a.id]);
    // Resolved after the index was built: seen at once.
    const b = await resolved(desk, '打印机卡纸 二楼', 'new cause');
    expect((await desk.similar(q.id)).items.map((i) => i.ticket.id).sort()).toEqual(
      [a.id, b.id].sort(),
    );
    // Reopened: no longer a resolved ticket.
    await desk.transition(a.id, 'in_progress', { actor: sup });
    expect((await desk.similar(q.id)).items.map((i) => i.ticket.id)).toEqual([b.id]);
    // An edited root cause is what the suggestion reports.
    await desk.update(b.id, { custom: { rootCause: 'edited cause' } }, { actor: sup });
    expect((await desk.similar(q.id)).rootCauses).toEqual([
      { cause: 'edited cause', count: 1, ids: [b.id] },
    ]);
  });

  it('filters by read permission, root causes included (no leak through the suggestion)', async () => {
    const { desk } = setup();
    const ann: Actor = { id: 'ann', roles: ['requester'] };
    const hidden = [];
    for (let i = 0; i < 6; i++)
      hidden.push(await resolved(desk, `打印机卡纸 ${i}`, 'secret cause'));
    const own = await resolved(desk, '我的打印机卡纸', 'visible cause', ann);
    const q = await desk.create({ title: '打印机卡纸' }, { actor: ann });
    const r = await desk.similar(q.id, { limit: 3 }, { actor: ann });
    expect(r.items.map((i) => i.ticket.id)).toEqual([own.id]);
    expect(r.rootCauses.map((c) => c.cause)).toEqual(['visible cause']);
    // Staff see them all.
    expect((await desk.similar(q.id, { limit: 10 }, { actor: agent })).items).toHaveLength(7);
    // The ticket asked about needs read permission itself.
    await expect(desk.similar(hidden[0]!.id, {}, { actor: ann })).rejects.toBeInstanceOf(
      PermissionError,
    );
  });

  it('is tenant-scoped', async () => {
    const { desk } = setup();
    const a: Actor = { id: 'a', roles: ['admin'], tenantId: 'A' };
    const b: Actor = { id: 'b', roles: ['admin'], tenantId: 'B' };
    const inB = await desk.create({ title: '打印机卡纸' }, { actor: b });
    await desk.transition(inB.id, 'in_progress', { actor: b });
    await desk.transition(inB.id, 'resolved', { actor: b });
    const q = await desk.create({ title: '打印机卡纸' }, { actor: a });
    expect((await desk.similar(q.id, {}, { actor: a })).items).toEqual([]);
    await expect(desk.similar(q.id, {}, { actor: b })).rejects.toBeInstanceOf(NotFoundError);
    expect((await desk.similar(inB.id, {}, { actor: b })).indexed).toBe(1);
  });

  it("rebuilds after refreshMs to see another process's changes, and checks the store at query time", async () => {
    const store = memoryStore();
    const one = setup({ store, similar: { refreshMs: 60_000 } });
    const two = createTicketing({ store, clock: one.clock }); // "another process"
    const q = await one.desk.create({ title: '打印机卡纸' }, { actor: sup });
    const a = await resolved(one.desk, '打印机卡纸', 'cause a');
    expect((await one.desk.similar(q.id)).items).toHaveLength(1);
    const b = await resolved(two as Desk, '打印机卡纸 二楼', 'cause b');
    // Not seen yet: the other desk's change did not reach this index.
    expect((await one.desk.similar(q.id)).items.map((i) => i.ticket.id)).toEqual([a.id]);
    // A ticket reopened elsewhere is dropped at once: every hit is re-read from the store.
    await two.transition(a.id, 'in_progress', { actor: sup });
    expect((await one.desk.similar(q.id)).items).toEqual([]);
    one.clock.advance(60_000);
    expect((await one.desk.similar(q.id)).items.map((i) => i.ticket.id)).toEqual([b.id]);
  });

  it('indexes at most maxTickets per tenant, the most recently updated', async () => {
    const { desk, clock } = setup({ similar: { maxTickets: 3 } });
    const made = [];
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      made.push(await resolved(desk, `打印机卡纸 ${i}`, `c${i}`));
    }
    const q = await desk.create({ title: '打印机卡纸' }, { actor: sup });
    const r = await desk.similar(q.id, { limit: 10 });
    expect(r.indexed).toBe(3);
    expect(r.items.map((i) => i.ticket.id).sort()).toEqual(
      made
        .slice(2)
        .map((t) => t.id)
        .sort(),
    );
    // One more resolved ticket evicts the oldest.
    clock.advance(1000);
    const last = await resolved(desk, '打印机卡纸 5', 'c5');
    const r2 = await desk.similar(q.id, { limit: 10 });
    expect(r2.indexed).toBe(3);
    expect(r2.items.map((i) => i.ticket.id)).toContain(last.id);
    expect(r2.items.map((i) => i.ticket.id)).not.toContain(made[2]!.id);
  });

  it('validates its options and the desk configuration, naming the field', async () => {
    const { desk } = setup();
    const q = await desk.create({ title: 'x' }, { actor: sup });
    const e = await desk
      .similar(q.id, { limit: 0, rootCauses: 11, minScore: -1, top: 1 } as never)
      .catch((x) => x);
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).issues.map((i) => i.path.join('.'))).toEqual([
      'top',
      'limit',
      'rootCauses',
      'minScore',
    ]);
    expect(() =>
      createTicketing({ similar: { maxTickets: 0, states: ['done' as 'resolved'] } }),
    ).toThrow(ValidationError);
    try {
      createTicketing({ similar: { maxTickets: 0, states: ['done' as 'resolved'] } });
    } catch (x) {
      expect((x as ValidationError).issues.map((i) => i.path.join('.'))).toEqual([
        'similar.maxTickets',
        'similar.states.0',
      ]);
    }
  });

  it('equals a full BM25 ranking filtered by read permission (property)', async () => {
    const words = ['打印机', '卡纸', '网络', 'VPN', '密码', '显示器', '蓝屏', 'wifi'];
    const ticketArb = fc.record({
      words: fc.uniqueArray(fc.constantFrom(...words), { minLength: 1, maxLength: 3 }),
      mine: fc.boolean(),
      done: fc.boolean(),
      cause: fc.constantFrom('a', 'b', 'c'),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(ticketArb, { minLength: 1, maxLength: 14 }),
        fc.uniqueArray(fc.constantFrom(...words), { minLength: 1, maxLength: 2 }),
        fc.integer({ min: 1, max: 4 }),
        async (specs, queryWords, limit) => {
          const { desk } = setup();
          const ann: Actor = { id: 'ann', roles: ['requester'] };
          const oracle = createSimilarityIndex();
          const readable = new Set<string>();
          for (const s of specs) {
            const title = s.words.join(' ');
            const owner = s.mine ? ann : sup;
            const t = s.done
              ? await resolved(desk, title, s.cause, owner)
              : await desk.create({ title }, { actor: owner });
            if (s.done) oracle.add(t.id, { title, resolution: s.cause });
            if (s.mine) readable.add(t.id);
          }
          const q = await desk.create({ title: queryWords.join(' ') }, { actor: ann });
          const want = oracle
            .similar({ title: q.title }, { limit: specs.length })
            .filter((h) => readable.has(h.id))
            .slice(0, limit);
          const got = await desk.similar(q.id, { limit }, { actor: ann });
          expect(got.items.map((i) => [i.ticket.id, i.score])).toEqual(
            want.map((h) => [h.id, h.score]),
          );
          expect(got.rootCauses).toEqual(oracle.suggestRootCause(want));
        },
      ),
      { numRuns: 80 },
    );
  });
});
