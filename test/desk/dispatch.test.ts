import {
  type Agent,
  createDispatcher,
  createManualClock,
  createTicketing,
  defineSlaPolicy,
  PermissionError,
  ValidationError,
} from 'ticketkit';
import { describe, expect, it } from 'vitest';

const sup = { id: 'sup', roles: ['supervisor'] };
const shanghai = { lat: 31.23, lng: 121.47 };
const agents: Agent[] = [
  { id: 'wang', skills: { network: 5, hardware: 2 }, load: 0, capacity: 4, location: shanghai },
  { id: 'li', skills: { network: 4 }, load: 0, capacity: 4, location: { lat: 31.3, lng: 121.5 } },
  {
    id: 'zhao',
    skills: { hardware: 5 },
    load: 0,
    capacity: 4,
    location: { lat: 39.9, lng: 116.4 },
  },
];

function setup(extra: Partial<Parameters<typeof createTicketing>[0]> = {}) {
  const clock = createManualClock('2026-03-02T01:00:00Z');
  const dispatcher = createDispatcher({ weights: { skill: 0.5, load: 0.3, distance: 0.2 } });
  const desk = createTicketing({ clock, dispatch: { dispatcher, agents: () => agents }, ...extra });
  return { desk, clock };
}

describe('desk.dispatch', () => {
  it('assigns the best agent with live load from the store and records why', async () => {
    const { desk } = setup();
    const assigned: unknown[] = [];
    desk.on('ticket.assigned', (e) => assigned.push(e.meta));
    // wang is the best network engineer, but already has 3 open tickets in the store.
    for (let i = 0; i < 3; i++) {
      const t = await desk.create({ title: `busy ${i}` }, { actor: sup });
      await desk.assign(t.id, 'wang', { actor: sup });
    }
    const t = await desk.create(
      { title: 'VPN down', category: 'network', location: shanghai },
      { actor: sup },
    );
    const r = await desk.dispatch(t.id, { actor: sup });
    expect(r.assigned?.agentId).toBe('li');
    expect(r.ticket.assignee).toBe('li');
    const entry = (await desk.history(t.id)).at(-1)!;
    expect(entry.action).toBe('assign');
    const d = entry.meta?.dispatch as {
      score: number;
      breakdown: Record<string, number>;
      runnersUp: { agentId: string }[];
    };
    expect(d.score).toBeCloseTo(
      0.5 * d.breakdown.skill! + 0.3 * d.breakdown.load! + 0.2 * d.breakdown.distance!,
      9,
    );
    expect(d.runnersUp.map((x) => x.agentId)).toContain('wang');
    expect(assigned.at(-1)).toEqual(entry.meta);
  });

  it('returns the exclusion reasons when nobody is eligible, and changes nothing', async () => {
    const { desk } = setup();
    const t = await desk.create(
      { title: 'PLC fault', custom: { requiredSkills: ['plc'] } },
      { actor: sup },
    );
    const r = await desk.dispatch(t.id, { actor: sup });
    expect(r.assigned).toBeNull();
    expect(r.excluded.map((e) => e.agentId).sort()).toEqual(['li', 'wang', 'zhao']);
    expect(r.excluded[0]?.reasons[0]).toMatchObject({ code: 'missing_skill' });
    expect((await desk.get(t.id))?.version).toBe(1);
  });

  it('auto-dispatches on create', async () => {
    const dispatcher = createDispatcher({ weights: { skill: 1 } });
    const desk = createTicketing({
      dispatch: { dispatcher, agents: () => agents, autoDispatch: true },
    });
    const t = await desk.create(
      { title: 'Printer', category: 'hardware' },
      { actor: { id: 'c', roles: ['requester'] } },
    );
    expect(t.version).toBe(1); // create returns the ticket as created
    expect((await desk.get(t.id))?.assignee).toBe('zhao');
    expect((await desk.history(t.id)).map((e) => [e.action, e.actor.id])).toEqual([
      ['create', 'c'],
      ['assign', 'system:dispatch'],
    ]);
  });

  it('re-dispatches on an SLA escalation, away from the current assignee', async () => {
    const policy = defineSlaPolicy({
      id: 'p',
      targets: { resolution: '1h' },
      warnAt: [],
      escalations: [
        { name: 'swap', metric: 'resolution', at: 'breach', actions: [{ reassign: 'dispatch' }] },
      ],
    });
    const clock = createManualClock('2026-03-02T01:00:00Z');
    const dispatcher = createDispatcher({ weights: { skill: 1 } });
    const desk = createTicketing({
      clock,
      dispatch: { dispatcher, agents: () => agents },
      sla: { policies: [policy], autoTick: false },
    });
    const t = await desk.create({ title: 'Switch', category: 'network' }, { actor: sup });
    await desk.dispatch(t.id, { actor: sup });
    expect((await desk.get(t.id))?.assignee).toBe('wang');
    clock.advance({ minutes: 61 });
    await desk.sla.tick();
    expect((await desk.get(t.id))?.assignee).toBe('li');
  });

  it('checks permission, and a look-alike system actor gets no bypass', async () => {
    const { desk } = setup();
    const t = await desk.create({ title: 'x', category: 'network' }, { actor: sup });
    await expect(
      desk.dispatch(t.id, { actor: { id: 'c', roles: ['requester'] } }),
    ).rejects.toBeInstanceOf(PermissionError);
    await expect(
      desk.dispatch(t.id, { actor: { id: 'system:dispatch', roles: ['system'] } }),
    ).rejects.toBeInstanceOf(PermissionError);
  });

  it('leaves an assigned ticket alone unless asked to reassign', async () => {
    const { desk } = setup();
    const t = await desk.create({ title: 'VPN', category: 'network' }, { actor: sup });
    await desk.assign(t.id, 'zhao', { actor: sup });
    const r = await desk.dispatch(t.id, { actor: sup });
    expect(r).toMatchObject({ assigned: null, skipped: 'already_assigned' });
    expect(r.ticket.assignee).toBe('zhao');
    const again = await desk.dispatch(t.id, { actor: sup, reassign: true });
    expect(again.assigned?.agentId).toBe('wang');
  });

  it('assigns each ticket once when many dispatchers race on it', async () => {
    const { desk } = setup();
    const tickets = [];
    for (let i = 0; i < 20; i++)
      tickets.push(await desk.create({ title: `t${i}`, category: 'network' }, { actor: sup }));
    await Promise.all(
      tickets.flatMap((t) => Array.from({ length: 5 }, () => desk.dispatch(t.id, { actor: sup }))),
    );
    for (const t of tickets) {
      const assigns = (await desk.history(t.id)).filter((e) => e.action === 'assign');
      expect(assigns).toHaveLength(1);
    }
  });

  it('explains a missing configuration', async () => {
    const desk = createTicketing();
    const t = await desk.create({ title: 'x' }, { actor: sup });
    const e = await desk.dispatch(t.id, { actor: sup }).catch((x) => x);
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.message).toContain('dispatch: { dispatcher, agents }');
  });
});

describe('desk.dispatch and idempotency keys', () => {
  it('refuses a key with a message saying why none is needed', async () => {
    const { createDispatcher: cd, createTicketing: ct } = await import('ticketkit');
    const desk = ct({ dispatch: { dispatcher: cd({ weights: { load: 1 } }), agents: () => [] } });
    const t = await desk.create({ title: 'x' }, { actor: sup });
    await expect(desk.dispatch(t.id, { actor: sup, idempotencyKey: 'k' })).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining('idempotent by itself'),
    });
  });
});
