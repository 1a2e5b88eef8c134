import {
  type Agent,
  createDispatcher,
  type DispatchJob,
  isTicketkitError,
  type Ticket,
  ValidationError,
} from 'ticketkit';
import { describe, expect, it } from 'vitest';

const SH = { lat: 31.23, lng: 121.47 };
const near = (dLat: number) => ({ lat: SH.lat + dLat, lng: SH.lng });

function agent(id: string, over: Partial<Agent> = {}): Agent {
  return { id, skills: { network: 3 }, load: 0, capacity: 5, location: SH, ...over };
}

function catchError(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('createDispatcher options', () => {
  it('normalises weights to sum 1 and exposes them', () => {
    const d = createDispatcher({ weights: { skill: 2, load: 1, distance: 1 } });
    expect(d.weights).toEqual({ skill: 0.5, load: 0.25, distance: 0.25 });
    expect(createDispatcher().weights).toEqual({ skill: 0.5, load: 0.3, distance: 0.2 });
  });

  it('rejects negative, NaN and all-zero weights with paths', () => {
    expect(
      catchError(() => createDispatcher({ weights: { skill: -1, load: 1 } })).issues[0]!.path,
    ).toEqual(['weights', 'skill']);
    expect(
      catchError(() => createDispatcher({ weights: { load: Number.NaN } })).issues[0]!.path,
    ).toEqual(['weights', 'load']);
    const zero = catchError(() =>
      createDispatcher({ weights: { skill: 0, load: 0, distance: 0 } }),
    );
    expect(zero.issues[0]!.message).toMatch(/all weights are zero/);
    expect(zero.message).toMatch(/^createDispatcher: /);
    expect(isTicketkitError(zero)).toBe(true);
    expect(zero.code).toBe('validation_failed');
  });

  it('rejects unknown weight keys and malformed custom factors', () => {
    const e = catchError(() =>
      createDispatcher({
        weights: { skil: 1 } as never,
        factors: [
          { name: 'skill', weight: 1, score: () => 1 },
          { name: 'vip', weight: -1, score: () => 1 },
          { name: 'vip', weight: 1, score: () => 1 },
        ],
      }),
    );
    const paths = e.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(['weights.skil', 'factors.0.name', 'factors.1.weight', 'factors.2.name']);
  });

  it('rejects bad maxSkillLevel, maxDistanceKm and distanceScaleKm', () => {
    const e = catchError(() =>
      createDispatcher({ maxSkillLevel: 0, maxDistanceKm: -5, distanceScaleKm: 0 }),
    );
    expect(e.issues.map((i) => i.path[0])).toEqual([
      'maxSkillLevel',
      'maxDistanceKm',
      'distanceScaleKm',
    ]);
  });
});

describe('agent validation', () => {
  const d = createDispatcher();
  it('requires ids, unique ids, valid coordinates, capacity and levels', () => {
    const e = catchError(() =>
      d.prepare([
        agent(''),
        agent('a'),
        agent('a'),
        agent('b', { location: { lat: 91, lng: 0 } }),
        agent('c', { capacity: -1 }),
        agent('d', { skills: { network: 7 } }),
        agent('e', { location: { lat: 0, lng: -181 } }),
      ]),
    );
    const paths = e.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual([
      'agents.0.id',
      'agents.2.id',
      'agents.3.location.lat',
      'agents.4.capacity',
      'agents.5.skills.network',
      'agents.6.location.lng',
    ]);
    expect(e.issues[1]!.message).toMatch(/duplicate agent id "a"/);
  });

  it('validates plain arrays passed to rank too', () => {
    expect(() => d.rank({}, [agent('x'), agent('x')])).toThrow(ValidationError);
  });

  it('validates jobs', () => {
    const e = catchError(() =>
      d.rank({ location: { lat: 100, lng: 0 }, priority: 'asap' as never, requiredSkills: [''] }, [
        agent('a'),
      ]),
    );
    expect(e.issues.map((i) => i.path.join('.'))).toEqual([
      'job.requiredSkills.0',
      'job.location.lat',
      'job.priority',
    ]);
    const b = catchError(() => d.assignBatch([{}, { dueAt: new Date(Number.NaN) }], [agent('a')]));
    expect(b.issues[0]!.path).toEqual(['jobs', 1, 'dueAt']);
  });

  it('validates per-call options', () => {
    expect(catchError(() => d.rank({}, [agent('a')], { limit: 0 })).issues[0]!.path).toEqual([
      'limit',
    ]);
    expect(
      catchError(() => d.rank({}, [agent('a')], { maxDistanceKm: 0 })).issues[0]!.path,
    ).toEqual(['maxDistanceKm']);
  });
});

describe('hard constraints', () => {
  const d = createDispatcher({ maxDistanceKm: 50 });
  const at = new Date('2026-01-05T09:00:00Z');
  const closed = { isOpen: () => false };
  const open = { isOpen: () => true };
  const agents: Agent[] = [
    agent('ok', { calendar: open }),
    agent('noskill', { skills: { hardware: 5 } }),
    agent('zero', { skills: { network: 0 } }),
    agent('full', { load: 5, capacity: 5 }),
    agent('away', { available: false }),
    agent('asleep', { calendar: closed }),
    agent('far', { location: near(1) }),
    agent('team', { team: 'other' }),
    agent('nowhere', { location: undefined }),
  ];
  const job: DispatchJob = { requiredSkills: ['network'], location: SH };

  it('excludes, with typed reasons, and never scores the excluded', () => {
    const r = d.rank(job, agents, { explain: true, at });
    expect(r.candidates.map((c) => c.agentId)).toEqual(['ok', 'team']);
    const reasons = Object.fromEntries(r.excluded!.map((x) => [x.agentId, x.reasons]));
    expect(reasons.noskill).toEqual([{ code: 'missing_skill', skill: 'network' }]);
    expect(reasons.zero).toEqual([{ code: 'missing_skill', skill: 'network' }]);
    expect(reasons.full).toEqual([{ code: 'at_capacity', load: 5, capacity: 5 }]);
    expect(reasons.away).toEqual([{ code: 'unavailable' }]);
    expect(reasons.asleep).toEqual([{ code: 'off_shift', at }]);
    expect(reasons.far![0]!.code).toBe('too_far');
    expect((reasons.far![0] as { km: number }).km).toBeCloseTo(111.2, 0);
    expect(reasons.nowhere).toEqual([{ code: 'no_location' }]);
    expect(r.excluded).toHaveLength(7);
  });

  it('excludes the wrong team when the job names one', () => {
    const r = d.rank({ ...job, team: 'other' }, agents, { explain: true, at });
    expect(r.candidates.map((c) => c.agentId)).toEqual(['team']);
    expect(r.excluded!.find((x) => x.agentId === 'ok')!.reasons).toEqual([
      { code: 'wrong_team', team: undefined, required: 'other' },
    ]);
  });

  it('gives the same candidates through a pool, with and without explain', () => {
    const pool = d.prepare(agents);
    const a = d.rank(job, pool, { at });
    const b = d.rank(job, pool, { at, explain: true });
    const c = d.rank(job, agents, { at });
    expect(a.candidates).toEqual(b.candidates);
    expect(a.candidates).toEqual(c.candidates);
    expect(a.excluded).toBeUndefined();
  });

  it('requires `at` when any agent has a calendar', () => {
    const e = catchError(() => d.rank(job, agents));
    expect(e.issues[0]!.path).toEqual(['at']);
    expect(e.issues[0]!.message).toMatch(/pass `at: Date`/);
    expect(() => d.pick(job, [agent('plain')])).not.toThrow();
  });

  it('lets a call override maxDistanceKm', () => {
    const r = d.rank(job, [agent('far', { location: near(1) })], { maxDistanceKm: 200 });
    expect(r.candidates.map((c) => c.agentId)).toEqual(['far']);
  });

  it('scores agents without a location 0 on distance when no limit applies, or excludes them on request', () => {
    const free = createDispatcher();
    const r = free.rank(job, [agent('nowhere', { location: undefined })]);
    expect(r.candidates[0]!.breakdown.distance).toBe(0);
    const strict = createDispatcher({ requireLocation: true });
    const s = strict.rank(job, [agent('nowhere', { location: undefined })], { explain: true });
    expect(s.candidates).toEqual([]);
    expect(s.excluded![0]!.reasons).toEqual([{ code: 'no_location' }]);
  });

  it('pick returns null when nobody is eligible', () => {
    expect(d.pick({ requiredSkills: ['plumbing'] }, [agent('a')])).toBeNull();
  });
});

describe('scoring', () => {
  it('computes each factor by the documented formula and score = Σ w·b', () => {
    const d = createDispatcher({
      weights: { skill: 0.5, load: 0.3, distance: 0.2 },
      distanceScaleKm: 10,
    });
    const a = agent('a', {
      skills: { network: 4, fiber: 2 },
      load: 1,
      capacity: 4,
      location: near(0.1),
    });
    const c = d.pick(
      { requiredSkills: ['network'], preferredSkills: ['fiber', 'radio'], location: SH },
      [a],
    )!;
    expect(c.breakdown.skill).toBeCloseTo((4 + 2 + 0) / (3 * 5), 12);
    expect(c.breakdown.load).toBe(0.75);
    expect(c.distanceKm).toBeCloseTo(11.12, 1);
    expect(c.breakdown.distance).toBeCloseTo(10 / (10 + c.distanceKm!), 12);
    expect(c.score).toBe(
      0.5 * c.breakdown.skill + 0.3 * c.breakdown.load + 0.2 * c.breakdown.distance,
    );
  });

  it('gives distance factor 1 to every agent when the job has no location', () => {
    const d = createDispatcher();
    const r = d.rank({}, [agent('a'), agent('b', { location: undefined })]);
    expect(r.candidates.map((c) => c.breakdown.distance)).toEqual([1, 1]);
    expect(r.candidates.every((c) => c.breakdown.skill === 1)).toBe(true);
  });

  it('with one non-zero weight the winner is the best on that factor', () => {
    const agents = [
      agent('skilled', { skills: { network: 5 }, load: 4, location: near(0.5) }),
      agent('idle', { skills: { network: 1 }, load: 0, location: near(0.4) }),
      agent('close', { skills: { network: 2 }, load: 3, location: SH }),
    ];
    const job = { requiredSkills: ['network'], location: SH };
    expect(createDispatcher({ weights: { skill: 1 } }).pick(job, agents)!.agentId).toBe('skilled');
    expect(createDispatcher({ weights: { load: 1 } }).pick(job, agents)!.agentId).toBe('idle');
    expect(createDispatcher({ weights: { distance: 1 } }).pick(job, agents)!.agentId).toBe('close');
  });

  it('breaks ties by fewest assignedToday, then id', () => {
    const d = createDispatcher();
    const agents = [
      agent('c', { assignedToday: 1 }),
      agent('b', { assignedToday: 2 }),
      agent('a', { assignedToday: 1 }),
    ];
    expect(d.rank({}, agents).candidates.map((c) => c.agentId)).toEqual(['a', 'c', 'b']);
    expect(d.rank({}, d.prepare([...agents].reverse())).candidates.map((c) => c.agentId)).toEqual([
      'a',
      'c',
      'b',
    ]);
  });

  it('respects limit', () => {
    const d = createDispatcher();
    const agents = Array.from({ length: 30 }, (_, i) =>
      agent(`a${String(i).padStart(2, '0')}`, { load: i % 5 }),
    );
    expect(d.rank({}, agents).candidates).toHaveLength(10);
    expect(d.rank({}, d.prepare(agents), { limit: 3 }).candidates.map((c) => c.agentId)).toEqual([
      'a00',
      'a05',
      'a10',
    ]);
  });
});

describe('custom factors', () => {
  it('adds the named value to the breakdown and the weighted sum', () => {
    const d = createDispatcher({
      weights: { skill: 1, load: 0, distance: 0 },
      factors: [{ name: 'senior', weight: 1, score: (_job, a) => (a.team === 'senior' ? 1 : 0) }],
    });
    expect(d.weights).toEqual({ skill: 0.5, load: 0, distance: 0, senior: 0.5 });
    const r = d.rank({ requiredSkills: ['network'] }, [
      agent('a', { skills: { network: 5 } }),
      agent('b', { team: 'senior' }),
    ]);
    expect(r.candidates.map((c) => [c.agentId, c.breakdown.senior])).toEqual([
      ['b', 1],
      ['a', 0],
    ]);
    const b = r.candidates[0]!;
    expect(b.score).toBe(
      0.5 * b.breakdown.skill + 0 * b.breakdown.load + 0 * b.breakdown.distance + 0.5 * 1,
    );
  });

  it('throws a ValidationError naming the factor on out-of-range values', () => {
    const d = createDispatcher({ factors: [{ name: 'cost', weight: 1, score: () => 1.5 }] });
    const e = catchError(() => d.rank({}, [agent('a')]));
    expect(e.issues[0]!.path).toEqual(['factors', 'cost']);
    expect(e.message).toMatch(/custom factor "cost" returned 1.5/);
    const nan = createDispatcher({
      factors: [{ name: 'nan', weight: 1, score: () => Number.NaN }],
    });
    expect(() => nan.pick({}, [agent('a')])).toThrow(/"nan"/);
  });
});

describe('pools', () => {
  it('updateLoad changes later ranks and the pool view; bad calls throw', () => {
    const d = createDispatcher({ weights: { load: 1 } });
    const pool = d.prepare([agent('a', { load: 1 }), agent('b', { load: 2 })]);
    expect(d.pick({}, pool)!.agentId).toBe('a');
    pool.updateLoad('a', 5, 3);
    expect(pool.get('a')).toEqual({ load: 5, capacity: 5, assignedToday: 3 });
    expect(d.pick({}, pool)!.agentId).toBe('b');
    pool.updateLoad('b', 5);
    expect(d.pick({}, pool)).toBeNull();
    pool.updateLoad('a', 0);
    expect(d.pick({}, pool)!.agentId).toBe('a');
    expect(pool.size).toBe(2);
    expect(pool.get('zzz')).toBeUndefined();
    expect(catchError(() => pool.updateLoad('zzz', 1)).issues[0]!.path).toEqual(['agentId']);
    expect(catchError(() => pool.updateLoad('a', -1)).issues[0]!.path).toEqual(['load']);
  });

  it('rejects a pool prepared by another dispatcher', () => {
    const pool = createDispatcher().prepare([agent('a')]);
    expect(() => createDispatcher().pick({}, pool)).toThrow(/another dispatcher/);
  });

  it('keeps the skill buckets right when many agents fill up and free again', () => {
    const d = createDispatcher({ weights: { load: 1 } });
    const agents = Array.from({ length: 40 }, (_, i) =>
      agent(`a${String(i).padStart(2, '0')}`, { capacity: 2 }),
    );
    const pool = d.prepare(agents);
    for (const a of agents.slice(0, 35)) pool.updateLoad(a.id, 2);
    expect(
      d.rank({ requiredSkills: ['network'] }, pool, { limit: 50 }).candidates.map((c) => c.agentId),
    ).toEqual(['a35', 'a36', 'a37', 'a38', 'a39']);
    pool.updateLoad('a03', 0);
    expect(d.pick({ requiredSkills: ['network'] }, pool)!.agentId).toBe('a03');
  });
});

describe('assignBatch', () => {
  const d = createDispatcher({ weights: { skill: 0.5, load: 0.3, distance: 0.2 } });

  it('greedy offers urgent first, then the earliest dueAt, then input order', () => {
    const agents = [agent('only', { capacity: 1 })];
    const jobs: DispatchJob[] = [
      { id: 'late', dueAt: new Date('2026-01-06T00:00:00Z') },
      { id: 'early', dueAt: new Date('2026-01-05T00:00:00Z') },
      { id: 'urgent', priority: 'urgent' },
    ];
    const plan = d.assignBatch(jobs, agents);
    expect(plan.assignments.map((a) => a.status)).toEqual(['unassigned', 'unassigned', 'assigned']);
    expect(d.assignBatch(jobs.slice(0, 2), agents).assignments[1]).toMatchObject({
      status: 'assigned',
      jobId: 'early',
    });
    expect(plan.assignments[0]).toMatchObject({
      jobIndex: 0,
      jobId: 'late',
      reason: 'no_eligible_agent',
    });
  });

  it('updates loads as it goes, reports totals and never mutates the caller', () => {
    const agents = [agent('a', { load: 0, capacity: 2 }), agent('b', { load: 1, capacity: 2 })];
    const snapshot = structuredClone(agents);
    const plan = d.assignBatch([{}, {}, {}, {}], agents);
    expect(
      plan.assignments
        .filter((a) => a.status === 'assigned')
        .map((a) => a.status === 'assigned' && a.agentId),
    ).toEqual(['a', 'b', 'a']); // after one job a and b tie on load; b has fewer assignedToday
    expect(plan.assigned).toBe(3);
    expect(plan.unassigned).toBe(1);
    expect(plan.loads).toEqual(
      new Map([
        ['a', 2],
        ['b', 2],
      ]),
    );
    const sum = plan.assignments.reduce((s, a) => s + (a.status === 'assigned' ? a.score : 0), 0);
    expect(plan.totalScore).toBe(sum);
    expect(agents).toEqual(snapshot);
  });

  it('leaves a pool untouched', () => {
    const pool = d.prepare([agent('a', { capacity: 1 })]);
    d.assignBatch([{}], pool);
    expect(pool.get('a')!.load).toBe(0);
    expect(d.pick({}, pool)!.agentId).toBe('a');
  });

  it('optimal beats greedy when the first choice blocks a better plan', () => {
    const dd = createDispatcher({ weights: { skill: 1 } });
    const agents = [
      agent('x', { skills: { a: 5, b: 4 }, capacity: 1 }),
      agent('y', { skills: { a: 4 }, capacity: 1 }),
    ];
    const jobs: DispatchJob[] = [
      { id: 'j1', requiredSkills: ['a'] },
      { id: 'j2', requiredSkills: ['b'] },
    ];
    const greedy = dd.assignBatch(jobs, agents, { mode: 'greedy' });
    const optimal = dd.assignBatch(jobs, agents, { mode: 'optimal' });
    expect(greedy.assigned).toBe(1);
    expect(greedy.assignments[1]).toMatchObject({
      status: 'unassigned',
      reason: 'no_eligible_agent',
    });
    expect(optimal.assigned).toBe(2);
    expect(optimal.assignments.map((a) => a.status === 'assigned' && a.agentId)).toEqual([
      'y',
      'x',
    ]);
    expect(optimal.totalScore).toBeCloseTo(0.8 + 0.8, 12);
    expect(optimal.totalScore).toBeGreaterThan(greedy.totalScore);
  });

  it('optimal reports not_selected and no_eligible_agent', () => {
    const agents = [agent('a', { capacity: 1 })];
    const plan = d.assignBatch(
      [{ id: 'p' }, { id: 'q' }, { id: 'r', requiredSkills: ['x'] }],
      agents,
      { mode: 'optimal' },
    );
    const outcome = plan.assignments.map((a) => (a.status === 'assigned' ? 'assigned' : a.reason));
    // p and q are identical, so either may take the one slot (equal totals; see the guide).
    expect(outcome.slice(0, 2).sort()).toEqual(['assigned', 'not_selected']);
    expect(outcome[2]).toBe('no_eligible_agent');
  });

  it('optimal uses later capacity slots with the load factor greedy would see', () => {
    const dd = createDispatcher({ weights: { load: 1 } });
    const plan = dd.assignBatch([{}, {}], [agent('a', { load: 0, capacity: 4 })], {
      mode: 'optimal',
    });
    expect(plan.assignments.map((a) => a.status === 'assigned' && a.score)).toEqual([1, 0.75]);
    expect(plan.loads.get('a')).toBe(2);
    expect(() => dd.assignBatch([{}], [agent('a')], { mode: 'best' as never })).toThrow(
      ValidationError,
    );
  });

  it('requires `at` for calendars in batches too and honours shifts', () => {
    const agents = [agent('a', { calendar: { isOpen: (t) => t.getUTCHours() < 12 } })];
    expect(() => d.assignBatch([{}], agents)).toThrow(/pass `at: Date`/);
    expect(d.assignBatch([{}], agents, { at: new Date('2026-01-05T15:00:00Z') }).assigned).toBe(0);
    expect(
      d.assignBatch([{}], agents, { at: new Date('2026-01-05T09:00:00Z'), mode: 'optimal' })
        .assigned,
    ).toBe(1);
  });
});

describe('tickets as jobs', () => {
  // Compiles only while a stored Ticket is assignable to DispatchJob (nullable team/location).
  const pickFor = (ticket: Ticket, agents: Agent[]) => createDispatcher().pick(ticket, agents);

  it('accepts a stored ticket, treating null team and location as absent', () => {
    const ticket = {
      id: 'tk_1',
      priority: 'high',
      team: null,
      location: null,
    } as unknown as Ticket;
    expect(pickFor(ticket, [agent('a')])).toMatchObject({
      agentId: 'a',
      breakdown: { distance: 1 },
    });
    const located = { ...ticket, team: 'field', location: SH } as unknown as Ticket;
    expect(pickFor(located, [agent('a'), agent('b', { team: 'field' })])!.agentId).toBe('b');
  });
});
