import {
  calendar24x7,
  createCalendar,
  createManualClock,
  createTicketing,
  defineSlaPolicy,
  type SlaPolicy,
  TICKETKIT_EVENT_TYPES,
  type TicketkitEvent,
  ValidationError,
} from 'ticketkit';
import { describe, expect, it } from 'vitest';

// Shanghai, Spring Festival 2026: holidays Feb 15-23, make-up workdays Sat Feb 14 and Sat Feb 28.
const shanghai = createCalendar({
  timeZone: 'Asia/Shanghai',
  weekly: Object.fromEntries(
    (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((d) => [d, ['09:00-12:00', '13:00-18:00']]),
  ),
  holidays: ['2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20', '2026-02-23'],
  overrides: {
    '2026-02-14': ['09:00-12:00', '13:00-18:00'],
    '2026-02-28': ['09:00-12:00', '13:00-18:00'],
  },
});

const standard = defineSlaPolicy({
  id: 'standard',
  calendar: shanghai,
  targets: {
    assignment: { urgent: '30m', high: '1h', normal: '4h', low: '1d' },
    firstResponse: { urgent: '1h', high: '2h', normal: '8h', low: '2d' },
    resolution: { urgent: '4h', high: '1d', normal: '3d', low: '5d' },
  },
  escalations: [
    { name: 'lead', metric: 'resolution', at: 0.75, level: 1, actions: [{ notify: 'supervisor' }] },
    {
      name: 'breach-up',
      metric: 'resolution',
      at: 'breach',
      level: 2,
      actions: [{ raisePriority: true }, { reassign: 'on-call' }],
    },
  ],
});

const agent = { id: 'agent-1', roles: ['agent'] };
const customer = { id: 'cust-1', roles: ['requester'] };

function setup(policies: SlaPolicy[] = [standard], start = '2026-02-13T17:30:00+08:00') {
  const clock = createManualClock(start);
  const desk = createTicketing({ clock, sla: { policies, autoTick: false } });
  const events: TicketkitEvent[] = [];
  for (const type of TICKETKIT_EVENT_TYPES) desk.on(type, (e) => events.push(e));
  return { clock, desk, events };
}

const due = (
  t: { sla: { clocks: readonly { metric: string; dueAt: string | null }[] } | null },
  metric: string,
) => t.sla?.clocks.find((c) => c.metric === metric)?.dueAt;

describe('due dates on a real calendar', () => {
  it('Friday 17:30 before the Spring Festival: urgent due at 18:00, normal on the make-up Saturday', async () => {
    const { desk } = setup();
    const urgent = await desk.create(
      { title: 'Line down', priority: 'urgent' },
      { actor: customer },
    );
    const normal = await desk.create(
      { title: 'Printer slow', priority: 'normal' },
      { actor: customer },
    );
    // 30 business minutes from Fri 17:30 end exactly at 18:00: due then, not next morning.
    expect(due(urgent, 'assignment')).toBe('2026-02-13T10:00:00.000Z');
    // 4h: 30m Friday, 3h Saturday morning (make-up day), 30m after lunch.
    expect(due(normal, 'assignment')).toBe('2026-02-14T05:30:00.000Z');
    // Resolution 3d = 24 business hours: 0.5h Fri + 8h Sat 14th (make-up) = 8.5h; holidays
    // 15th-23rd skipped; Tue 24th +8h = 16.5h; Wed 25th 09-12 and 13:00-17:30 = 7.5h -> 17:30.
    expect(due(normal, 'resolution')).toBe('2026-02-25T09:30:00.000Z');
  });

  it('rejects bad policies with every problem listed', () => {
    try {
      defineSlaPolicy({
        id: 'bad',
        targets: { resolution: { urgent: 'soon', critical: '1h' } as never, uptime: '1h' } as never,
        warnAt: [1.5],
        escalations: [{ name: 'x', metric: 'assignment', at: 'breach', actions: [] }],
      });
      expect.fail('expected an error');
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).issues.map((i) => i.path.join('.'))).toEqual([
        'targets.resolution.urgent',
        'targets.resolution.critical',
        'targets.uptime',
        'warnAt.0',
        'escalations.0.metric',
        'escalations.0.actions',
      ]);
    }
  });
});

describe('clocks follow the ticket', () => {
  it('pauses while awaiting feedback and resumes where it stopped', async () => {
    const { desk, clock } = setup([standard], '2026-03-02T09:00:00+08:00'); // Monday
    let t = await desk.create({ title: 'x', priority: 'urgent' }, { actor: customer });
    expect(due(t, 'resolution')).toBe('2026-03-02T06:00:00.000Z'); // 4h incl. lunch -> 14:00
    t = await desk.transition(t.id, 'in_progress', { actor: agent });
    clock.advance({ hours: 1 });
    t = await desk.transition(t.id, 'awaiting_feedback', { actor: agent });
    const res = t.sla!.clocks.find((c) => c.metric === 'resolution')!;
    expect(res).toMatchObject({ status: 'paused', elapsedMinutes: 60, dueAt: null });
    clock.advance({ hours: 2 }); // 12:00 -> lunch, waiting time is not counted
    t = await desk.transition(t.id, 'in_progress', { actor: agent });
    // 3h left from 12:00: lunch 12-13, then 13:00-16:00.
    expect(due(t, 'resolution')).toBe('2026-03-02T08:00:00.000Z');
    const history = await desk.history(t.id);
    expect(history.filter((e) => 'sla' in e.changes).length).toBeGreaterThanOrEqual(3);
  });

  it('applies a new priority’s target from creation, both ways', async () => {
    const { desk, clock } = setup([standard], '2026-03-02T09:00:00+08:00');
    let t = await desk.create({ title: 'x', priority: 'normal' }, { actor: customer });
    expect(due(t, 'assignment')).toBe('2026-03-02T06:00:00.000Z'); // 4h with lunch -> 14:00
    clock.advance({ minutes: 10 });
    t = await desk.update(t.id, { priority: 'urgent' }, { actor: agent });
    expect(due(t, 'assignment')).toBe('2026-03-02T01:30:00.000Z'); // 30m from creation -> 09:30
    t = await desk.update(t.id, { priority: 'low' }, { actor: agent });
    // 1d = 8 business hours, ending exactly at 18:00 Monday: due then, not Tuesday morning.
    expect(due(t, 'assignment')).toBe('2026-03-02T10:00:00.000Z');
  });

  it('meets first response only with a public staff reply, not customer activity (S5)', async () => {
    const { desk, events } = setup([standard], '2026-03-02T09:00:00+08:00');
    const t = await desk.create({ title: 'x' }, { actor: customer });
    await desk.comment(t.id, { body: 'any news?' }, { actor: customer });
    await desk.comment(t.id, { body: 'internal note', visibility: 'internal' }, { actor: agent });
    let cur = (await desk.get(t.id))!;
    expect(cur.sla!.clocks.find((c) => c.metric === 'firstResponse')!.status).toBe('running');
    await desk.comment(t.id, { body: 'Looking into it' }, { actor: agent });
    cur = (await desk.get(t.id))!;
    expect(cur.sla!.clocks.find((c) => c.metric === 'firstResponse')).toMatchObject({
      status: 'met',
    });
    expect(
      events.filter((e) => e.type === 'sla.met').map((e) => (e as { metric: string }).metric),
    ).toEqual(['firstResponse']);
  });

  it('removes clocks when no policy matches any more', async () => {
    const vip = defineSlaPolicy({
      id: 'vip',
      match: { tier: ['gold'] },
      targets: { resolution: '1h' },
    });
    const { desk } = setup([vip], '2026-03-02T09:00:00+08:00');
    let t = await desk.create({ title: 'x', custom: { tier: 'gold' } }, { actor: customer });
    expect(t.sla?.policyId).toBe('vip');
    expect(await desk.sla.scheduled()).toBe(1);
    t = await desk.update(t.id, { custom: { tier: 'silver' } }, { actor: agent });
    expect(t.sla).toBeNull();
    expect(await desk.sla.tick(new Date('2026-03-09T00:00:00Z'))).toBe(0);
  });
});

describe('warnings, breaches and escalations fire exactly once', () => {
  it('fires 50/75/90 %, the breach and the escalations once each, audited, then stops', async () => {
    const { desk, clock, events } = setup([standard], '2026-03-02T09:00:00+08:00');
    const t = await desk.create(
      { title: 'Core switch down', priority: 'urgent' },
      { actor: customer },
    );
    await desk.assign(t.id, 'agent-1', { actor: agent });
    await desk.comment(t.id, { body: 'on it' }, { actor: agent });
    await desk.transition(t.id, 'in_progress', { actor: agent });
    // Resolution 4h from 09:00: 50% at 11:00, 75% at 13:00 (11:00+1h work, lunch), 90% at 14:24, breach 14:00+...
    for (let i = 0; i < 12 * 6; i++) {
      clock.advance({ minutes: 10 });
      await desk.sla.tick();
      await desk.sla.tick(); // a second tick in the same instant must not fire again
    }
    const types = events.filter((e) => e.type.startsWith('sla.') && e.type !== 'sla.met');
    expect(
      types.map(
        (e) =>
          `${e.type}:${(e as { threshold?: number; rule?: string }).threshold ?? (e as { rule?: string }).rule ?? ''}`,
      ),
    ).toEqual([
      'sla.warning:0.5',
      'sla.warning:0.75',
      'sla.escalated:lead',
      'sla.warning:0.9',
      'sla.breached:',
      'sla.escalated:breach-up',
    ]);
    const breach = events.find((e) => e.type === 'sla.breached') as { breachedAt: string };
    expect(breach.breachedAt).toBe('2026-03-02T06:00:00.000Z'); // 09:00 + 4 business hours = 14:00 local
    const final = (await desk.get(t.id))!;
    expect(final.priority).toBe('urgent'); // already the highest
    expect(final.assignee).toBe('on-call');
    const escalated = events.find((e) => e.type === 'sla.escalated') as {
      notify: readonly string[];
    };
    expect(escalated.notify).toEqual(['supervisor']);
    const slaEntries = (await desk.history(t.id)).filter((e) => e.action === 'sla');
    expect(slaEntries.flatMap((e) => (e.meta?.firings as unknown[]) ?? [])).toHaveLength(6);
    expect(slaEntries.every((e) => e.actor.id === 'system:sla')).toBe(true);
  });

  it('raises the priority at breach and re-targets from creation', async () => {
    const p = defineSlaPolicy({
      id: 'p',
      targets: { resolution: { low: '2h', normal: '1h', high: '30m', urgent: '15m' } },
      warnAt: [],
      escalations: [
        { name: 'up', metric: 'resolution', at: 'breach', actions: [{ raisePriority: true }] },
      ],
    });
    const { desk, clock } = setup([p], '2026-03-02T00:00:00Z');
    const t = await desk.create({ title: 'x', priority: 'low' }, { actor: customer });
    clock.advance({ hours: 2 });
    await desk.sla.tick();
    const after = (await desk.get(t.id))!;
    expect(after.priority).toBe('normal');
    expect(after.sla!.clocks[0]).toMatchObject({ status: 'breached', targetMinutes: 60 });
    const h = await desk.history(t.id);
    expect(h.at(-1)?.changes.priority).toEqual({ from: 'low', to: 'normal' });
  });

  it('never double-fires after the clock jumps back, and never storms past the batch size (S4)', async () => {
    const p = defineSlaPolicy({ id: 'p', targets: { resolution: '1h' }, warnAt: [0.5] });
    const clock = createManualClock('2026-03-02T00:00:00Z');
    const desk = createTicketing({ clock, sla: { policies: [p], autoTick: false, batchSize: 10 } });
    let breached = 0;
    desk.on('sla.breached', () => void breached++);
    for (let i = 0; i < 35; i++) await desk.create({ title: `t${i}` }, { actor: customer });
    clock.advance({ hours: 6 });
    const perTick: number[] = [];
    for (let i = 0; i < 10; i++) perTick.push(await desk.sla.tick());
    expect(Math.max(...perTick)).toBeLessThanOrEqual(10);
    expect(breached).toBe(35);
    clock.set('2026-03-02T05:00:00Z'); // one hour back
    for (let i = 0; i < 5; i++) await desk.sla.tick();
    clock.advance({ hours: 7 });
    for (let i = 0; i < 5; i++) await desk.sla.tick();
    expect(breached).toBe(35);
  });

  it('fires on its own with autoTick on the injected clock', async () => {
    const p = defineSlaPolicy({ id: 'p', targets: { assignment: '30m' }, warnAt: [] });
    const clock = createManualClock('2026-03-02T00:00:00Z');
    const desk = createTicketing({ clock, sla: { policies: [p] } });
    const seen: string[] = [];
    desk.on('sla.breached', (e) => seen.push(e.breachedAt));
    await desk.create({ title: 'x' }, { actor: customer });
    clock.advance({ minutes: 29 });
    await desk.sla.idle();
    expect(seen).toEqual([]);
    clock.advance({ minutes: 2 });
    await desk.sla.idle();
    expect(seen).toEqual(['2026-03-02T00:30:00.000Z']);
  });

  it('a stale timer never fires: a met clock has nothing due', async () => {
    const p = defineSlaPolicy({ id: 'p', targets: { assignment: '30m' } });
    const { desk, clock, events } = setup([p], '2026-03-02T00:00:00Z');
    const t = await desk.create({ title: 'x' }, { actor: customer });
    clock.advance({ minutes: 10 });
    await desk.assign(t.id, 'agent-1', { actor: agent });
    clock.advance({ hours: 5 });
    await desk.sla.tick();
    expect(events.filter((e) => e.type === 'sla.warning' || e.type === 'sla.breached')).toEqual([]);
  });
});

describe('review fixes', () => {
  it('records a breach that happened before any tick when the clock is met or paused', async () => {
    const p = defineSlaPolicy({
      id: 'p',
      targets: { resolution: '1h', firstResponse: '1h' },
      warnAt: [],
    });
    const { desk, clock, events } = setup([p], '2026-03-02T00:00:00Z');
    const t = await desk.create({ title: 'x' }, { actor: customer });
    await desk.transition(t.id, 'in_progress', { actor: agent });
    clock.advance({ hours: 2 });
    await desk.transition(t.id, 'awaiting_feedback', { actor: agent }); // pauses both clocks at 2h
    clock.advance({ hours: 3 });
    await desk.transition(t.id, 'in_progress', { actor: agent });
    await desk.transition(t.id, 'resolved', { actor: agent });
    const stored = (await desk.get(t.id))!;
    const res = stored.sla!.clocks.find((c) => c.metric === 'resolution')!;
    expect(res).toMatchObject({ status: 'met', breachedAt: '2026-03-02T01:00:00.000Z' });
    const breaches = events.filter((e) => e.type === 'sla.breached');
    expect(breaches).toHaveLength(2); // resolution and first response, each once
    expect(
      events.filter((e) => e.type === 'sla.met').every((e) => (e as { late: boolean }).late),
    ).toBe(true);
    clock.advance({ hours: 5 });
    await desk.sla.tick();
    expect(events.filter((e) => e.type === 'sla.breached')).toHaveLength(2);
  });

  it('moves the due date when a team change brings another calendar', async () => {
    const office = createCalendar({
      timeZone: 'UTC',
      weekly: Object.fromEntries(
        (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((d) => [d, ['09:00-17:00']]),
      ),
    });
    const p = defineSlaPolicy({
      id: 'p',
      targets: { resolution: '2h' },
      warnAt: [],
      calendar: (t) => (t.team === 'noc' ? calendar24x7('UTC') : office),
    });
    const { desk, clock, events } = setup([p], '2026-03-02T16:00:00Z'); // Monday 16:00
    const t = await desk.create({ title: 'x', team: 'office' }, { actor: customer });
    expect(due(t, 'resolution')).toBe('2026-03-03T10:00:00.000Z'); // 1h today, 1h Tuesday
    clock.advance({ minutes: 30 });
    const moved = await desk.update(t.id, { team: 'noc' }, { actor: agent });
    expect(due(moved, 'resolution')).toBe('2026-03-02T18:00:00.000Z'); // 30m counted, 90m left 24x7
    clock.advance({ hours: 2 });
    await desk.sla.tick();
    expect(events.filter((e) => e.type === 'sla.breached')).toHaveLength(1);
  });

  it('keeps a ticket scheduled when processing it fails, and fires on a later tick', async () => {
    let failures = 1;
    const p = defineSlaPolicy({
      id: 'p',
      targets: { resolution: '1h' },
      warnAt: [],
      escalations: [
        { name: 'swap', metric: 'resolution', at: 'breach', actions: [{ reassign: 'dispatch' }] },
      ],
    });
    const clock = createManualClock('2026-03-02T00:00:00Z');
    const desk = createTicketing({
      clock,
      sla: {
        policies: [p],
        autoTick: false,
        reassign: () => {
          if (failures-- > 0) throw new Error('directory down');
          return 'on-call';
        },
      },
    });
    const seen: string[] = [];
    desk.on('sla.breached', (e) => seen.push(e.ticketId));
    const a = await desk.create({ title: 'a' }, { actor: customer });
    const b = await desk.create({ title: 'b' }, { actor: customer });
    clock.advance({ hours: 2 });
    await expect(desk.sla.tick()).rejects.toThrow('directory down');
    // The failed ticket stays scheduled; the other one was processed in the same tick.
    expect(await desk.sla.scheduled()).toBe(1);
    expect(seen).toEqual([b.id]);
    clock.advance({ minutes: 2 });
    await desk.sla.tick();
    expect(seen.sort()).toEqual([a.id, b.id].sort());
    expect((await desk.get(a.id))?.assignee).toBe('on-call');
  });
});

describe('the periodic update clock', () => {
  it('breaches when in_progress sits without a staff update, and restarts on each update', async () => {
    const p = defineSlaPolicy({ id: 'p', targets: { update: '2h' }, warnAt: [] });
    const { desk, clock, events } = setup([p], '2026-03-02T00:00:00Z');
    const t = await desk.create({ title: 'x' }, { actor: customer });
    expect(t.sla!.clocks[0]!.status).toBe('paused'); // pending is not an update state
    await desk.transition(t.id, 'in_progress', { actor: agent });
    clock.advance({ minutes: 90 });
    await desk.comment(t.id, { body: 'still working' }, { actor: agent });
    clock.advance({ minutes: 90 });
    await desk.comment(t.id, { body: 'hello?' }, { actor: customer }); // customer activity: no restart
    await desk.sla.tick();
    expect(events.filter((e) => e.type === 'sla.breached')).toHaveLength(0);
    clock.advance({ minutes: 31 });
    await desk.sla.tick();
    expect(events.filter((e) => e.type === 'sla.breached')).toHaveLength(1);
  });
});

describe('the SLA board', () => {
  it('orders open tickets by what breaches first, with at-risk and breached counts', async () => {
    const p = defineSlaPolicy({
      id: 'p',
      targets: { resolution: { urgent: '1h', high: '4h', normal: '8h', low: '1d' } },
    });
    const { desk, clock } = setup([p], '2026-03-02T00:00:00Z');
    const low = await desk.create({ title: 'low', priority: 'low' }, { actor: customer });
    const urgent = await desk.create({ title: 'urgent', priority: 'urgent' }, { actor: customer });
    const high = await desk.create({ title: 'high', priority: 'high' }, { actor: customer });
    const waiting = await desk.create(
      { title: 'waiting', priority: 'normal' },
      { actor: customer },
    );
    await desk.transition(waiting.id, 'in_progress', { actor: agent });
    await desk.transition(waiting.id, 'awaiting_feedback', { actor: agent });
    const done = await desk.create({ title: 'done', priority: 'urgent' }, { actor: customer });
    await desk.transition(done.id, 'in_progress', { actor: agent });
    await desk.transition(done.id, 'resolved', { actor: agent });
    clock.advance({ hours: 3, minutes: 10 });
    const board = await desk.sla.board();
    expect(board.rows.map((r) => r.ticket.title)).toEqual(['urgent', 'high', 'low', 'waiting']);
    expect(board.rows.map((r) => r.state)).toEqual(['breached', 'at_risk', 'ok', 'paused']);
    expect(board.counts).toEqual({ open: 4, breached: 1, atRisk: 1, paused: 1 });
    expect(board.rows[1]!.clocks[0]!.remainingMinutes).toBeCloseTo(50, 6);
    expect(board.rows[0]!.ticket.id).toBe(urgent.id);
    expect(
      board.rows.some((r) => r.ticket.id === low.id && r.nextDueAt === '2026-03-02T08:00:00.000Z'),
    ).toBe(true);
    expect((await desk.sla.board({ priority: 'high' })).rows.map((r) => r.ticket.id)).toEqual([
      high.id,
    ]);
  });
});
