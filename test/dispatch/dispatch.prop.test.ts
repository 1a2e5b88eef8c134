/**
 * Property tests: the indexed dispatcher against the naive reference (test/dispatch/naive.ts).
 * Every run logs its seed; replay with FC_SEED=<seed> npx vitest run test/dispatch.
 */
import fc from 'fast-check';
import munkres from 'munkres';
import {
  type Agent,
  type CustomFactor,
  createDispatcher,
  type DispatcherOptions,
  type DispatchJob,
} from 'ticketkit';
import { describe, expect, it } from 'vitest';
import { type NaiveConfig, naiveGreedy, naiveRank, naiveScore, prepareJob } from './naive';

const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`dispatch properties: fast-check seed ${seed} (replay with FC_SEED=${seed})`);
// FC_RUNS_SCALE=40 for a deeper local run (default 4 keeps the file near 5 s).
const scale = Number(process.env.FC_RUNS_SCALE ?? 4);
const params = (numRuns: number) => ({ seed, numRuns: numRuns * scale });

const SKILLS = ['network', 'hardware', 'fiber', 'radio'];
// Few discrete spots so equal distances (and so score ties) actually happen; two cities
// about 1,000 km apart exercise the spatial cells and their bounds.
const SPOTS = [
  { lat: 31.23, lng: 121.47 },
  { lat: 31.3, lng: 121.5 },
  { lat: 31.0, lng: 121.2 },
  { lat: 39.9, lng: 116.4 },
  { lat: 39.95, lng: 116.3 },
];
const AT = new Date('2026-01-05T09:00:00Z');

// Weighted towards eligible agents so most runs rank, pick and assign several of them.
const agentArb = fc.record(
  {
    skills: fc.dictionary(fc.constantFrom(...SKILLS), fc.integer({ min: 0, max: 5 }), {
      minKeys: 1,
      maxKeys: 4,
    }),
    load: fc.integer({ min: 0, max: 5 }),
    capacity: fc.integer({ min: 0, max: 6 }),
    location: fc.option(fc.constantFrom(...SPOTS), { freq: 8 }),
    available: fc.constantFrom(undefined, true, true, false),
    team: fc.constantFrom(undefined, undefined, 'red', 'blue'),
    assignedToday: fc.integer({ min: 0, max: 2 }),
    onShift: fc.constantFrom(undefined, undefined, true, false),
  },
  { requiredKeys: ['skills', 'load', 'capacity', 'assignedToday'] },
);

const agentsArb = fc
  .array(agentArb, { minLength: 1, maxLength: 40 })
  .chain((raw) =>
    fc.tuple(
      fc.constant(raw),
      fc.shuffledSubarray(
        raw.map((_, i) => i),
        { minLength: raw.length },
      ),
    ),
  )
  .map(([raw, perm]) =>
    raw.map(({ onShift, location, available, team, ...a }, i): Agent => {
      const agent: Agent = { ...a, id: `agent-${perm[i]}` };
      if (location) agent.location = location;
      if (available !== undefined) agent.available = available;
      if (team !== undefined) agent.team = team;
      if (onShift !== undefined) agent.calendar = { isOpen: () => onShift };
      return agent;
    }),
  );

const jobArb = fc
  .record({
    requiredSkills: fc.subarray(SKILLS, { maxLength: 2 }),
    preferredSkills: fc.subarray(SKILLS, { maxLength: 2 }),
    location: fc.option(fc.constantFrom(...SPOTS), { freq: 5 }),
    team: fc.constantFrom(undefined, undefined, undefined, 'red'),
    priority: fc.constantFrom(undefined, 'urgent', 'high', 'normal', 'low'),
    dueAt: fc.option(
      fc.integer({ min: 0, max: 3 }).map((h) => new Date(AT.getTime() + h * 3_600_000)),
    ),
  })
  .map((r) => {
    const job: DispatchJob = {
      requiredSkills: r.requiredSkills,
      preferredSkills: r.preferredSkills,
    };
    if (r.location) job.location = r.location;
    if (r.team) job.team = r.team;
    if (r.priority) job.priority = r.priority as DispatchJob['priority'];
    if (r.dueAt) job.dueAt = r.dueAt;
    return job;
  });

const seniority: CustomFactor = {
  name: 'seniority',
  weight: 0.2,
  score: (_job, a) => (Number(a.id.slice(6)) % 4) / 3,
};

const optionsArb: fc.Arbitrary<DispatcherOptions> = fc
  .record(
    {
      weights: fc.record({
        skill: fc.constantFrom(0, 0.5, 1),
        load: fc.constantFrom(0, 0.3, 1),
        distance: fc.constantFrom(0, 0.2, 1),
      }),
      maxDistanceKm: fc.constantFrom(20, 50, 2_000),
      distanceScaleKm: fc.constantFrom(5, 25),
      requireLocation: fc.boolean(),
      factors: fc.constant([seniority]),
    },
    { requiredKeys: ['weights'] },
  )
  .filter(
    (o) =>
      (o.weights?.skill ?? 0) + (o.weights?.load ?? 0) + (o.weights?.distance ?? 0) > 0 ||
      o.factors !== undefined,
  );

function setup(options: DispatcherOptions) {
  const d = createDispatcher(options);
  const cfg: NaiveConfig = { ...options, weights: d.weights };
  return { d, cfg };
}

const view = (cs: readonly { agentId: string; score: number }[]) =>
  cs.map((c) => `${c.agentId}=${c.score}`);

describe('dispatch properties', () => {
  it('indexed rank equals the naive full scan (ids, order, scores), for pools, arrays and explain', () => {
    fc.assert(
      fc.property(
        optionsArb,
        agentsArb,
        jobArb,
        fc.integer({ min: 1, max: 12 }),
        (options, agents, job, limit) => {
          const { d, cfg } = setup(options);
          const expected = view(naiveRank(cfg, job, agents, limit, undefined, undefined, AT));
          const pool = d.prepare(agents);
          expect(view(d.rank(job, pool, { limit, at: AT }).candidates)).toEqual(expected);
          expect(view(d.rank(job, agents, { limit, at: AT }).candidates)).toEqual(expected);
          const explained = d.rank(job, pool, { limit, at: AT, explain: true });
          expect(view(explained.candidates)).toEqual(expected);
          const eligible = agents.filter(
            (a) => naiveScore(cfg, prepareJob(cfg, job), a, a.load, AT) !== null,
          );
          expect(explained.excluded!.length).toBe(agents.length - eligible.length);
        },
      ),
      params(300),
    );
  });

  it('never picks an excluded agent, and the pick has the highest score among the eligible', () => {
    fc.assert(
      fc.property(optionsArb, agentsArb, jobArb, (options, agents, job) => {
        const { d, cfg } = setup(options);
        const pool = d.prepare(agents);
        const pick = d.pick(job, pool, { at: AT });
        const pj = prepareJob(cfg, job);
        const scores = agents.map((a) => naiveScore(cfg, pj, a, a.load, AT)?.score);
        const eligible = scores.filter((s): s is number => s !== undefined);
        if (eligible.length === 0) {
          expect(pick).toBeNull();
          return;
        }
        expect(pick).not.toBeNull();
        const excluded = d.rank(job, pool, { at: AT, explain: true }).excluded!;
        expect(excluded.map((x) => x.agentId)).not.toContain(pick!.agentId);
        expect(excluded.every((x) => x.reasons.length > 0)).toBe(true);
        expect(pick!.score).toBe(Math.max(...eligible));
      }),
      params(300),
    );
  });

  it('every score is exactly the weighted sum of its breakdown, each factor in 0..1', () => {
    fc.assert(
      fc.property(optionsArb, agentsArb, jobArb, (options, agents, job) => {
        const { d } = setup(options);
        for (const c of d.rank(job, agents, { at: AT, limit: 50 }).candidates) {
          let sum = 0;
          for (const [k, w] of Object.entries(d.weights)) {
            const b = c.breakdown[k]!;
            expect(b).toBeGreaterThanOrEqual(0);
            expect(b).toBeLessThanOrEqual(1);
            sum += w * b;
          }
          expect(c.score).toBe(sum);
        }
      }),
      params(200),
    );
  });

  it('adding load to an agent never raises its load factor', () => {
    fc.assert(
      fc.property(
        optionsArb,
        agentsArb,
        jobArb,
        fc.integer({ min: 1, max: 3 }),
        (options, agents, job, extra) => {
          const { d } = setup(options);
          const pool = d.prepare(agents);
          const before = d.rank(job, pool, { at: AT, limit: 50 }).candidates;
          for (const c of before) pool.updateLoad(c.agentId, pool.get(c.agentId)!.load + extra);
          const after = new Map(
            d.rank(job, pool, { at: AT, limit: 50 }).candidates.map((c) => [c.agentId, c]),
          );
          for (const c of before) {
            const now = after.get(c.agentId);
            if (now) expect(now.breakdown.load).toBeLessThan(c.breakdown.load);
          }
        },
      ),
      params(200),
    );
  });

  it('results do not depend on the order of the agents array', () => {
    fc.assert(
      fc.property(
        optionsArb,
        agentsArb.chain((a) =>
          fc.tuple(fc.constant(a), fc.shuffledSubarray(a, { minLength: a.length })),
        ),
        jobArb,
        (options, [agents, shuffled], job) => {
          const { d } = setup(options);
          expect(view(d.rank(job, d.prepare(shuffled), { at: AT }).candidates)).toEqual(
            view(d.rank(job, d.prepare(agents), { at: AT }).candidates),
          );
          const a = d.assignBatch([job, job, job], agents, { at: AT });
          const b = d.assignBatch([job, job, job], shuffled, { at: AT });
          expect(b.assignments).toEqual(a.assignments);
        },
      ),
      params(200),
    );
  });

  it('greedy matches the naive greedy and never exceeds capacity', () => {
    fc.assert(
      fc.property(
        optionsArb,
        agentsArb,
        fc.array(jobArb, { minLength: 1, maxLength: 25 }),
        (options, agents, jobs) => {
          const { d, cfg } = setup(options);
          const plan = d.assignBatch(jobs, d.prepare(agents), { at: AT });
          const ref = naiveGreedy(cfg, jobs, agents, AT);
          expect(plan.assignments.map((a) => (a.status === 'assigned' ? a.agentId : null))).toEqual(
            ref.agentIds,
          );
          expect(plan.assignments.map((a) => (a.status === 'assigned' ? a.score : 0))).toEqual(
            ref.scores,
          );
          const given = new Map<string, number>();
          for (const a of plan.assignments)
            if (a.status === 'assigned') given.set(a.agentId, (given.get(a.agentId) ?? 0) + 1);
          for (const a of agents) {
            const n = given.get(a.id) ?? 0;
            expect(n).toBeLessThanOrEqual(Math.max(0, Math.ceil(a.capacity - a.load)));
            if (n > 0) expect(plan.loads.get(a.id)).toBe(a.load + n);
          }
        },
      ),
      params(200),
    );
  });

  it('a pool whose loads moved up and down (updateLoad) still ranks and assigns like the naive scan', () => {
    fc.assert(
      fc.property(
        optionsArb,
        agentsArb,
        fc.array(jobArb, { minLength: 1, maxLength: 12 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 6 })), { maxLength: 30 }),
        (options, agents, jobs, moves) => {
          const { d, cfg } = setup(options);
          const pool = d.prepare(agents);
          // Interleave rank calls with load changes so buckets are built, emptied and reused.
          const now = agents.map((a) => ({ ...a }));
          for (const [k, load] of moves) {
            const a = now[k % now.length]!;
            a.load = load;
            pool.updateLoad(a.id, load);
            d.rank(jobs[k % jobs.length]!, pool, { at: AT, limit: 3 });
          }
          for (const job of jobs) {
            expect(view(d.rank(job, pool, { at: AT, limit: 5 }).candidates)).toEqual(
              view(naiveRank(cfg, job, now, 5, undefined, undefined, AT)),
            );
          }
          const plan = d.assignBatch(jobs, pool, { at: AT });
          const ref = naiveGreedy(cfg, jobs, now, AT);
          expect(plan.assignments.map((a) => (a.status === 'assigned' ? a.agentId : null))).toEqual(
            ref.agentIds,
          );
          expect(plan.assignments.map((a) => (a.status === 'assigned' ? a.score : 0))).toEqual(
            ref.scores,
          );
        },
      ),
      params(200),
    );
  });

  it('optimal totals at least the greedy total and equals munkres on the same slot matrix', () => {
    fc.assert(
      fc.property(
        optionsArb,
        agentsArb,
        fc.array(jobArb, { minLength: 1, maxLength: 20 }),
        (options, agents, jobs) => {
          const { d, cfg } = setup(options);
          const greedy = d.assignBatch(jobs, agents, { at: AT });
          const optimal = d.assignBatch(jobs, agents, { at: AT, mode: 'optimal' });
          expect(optimal.totalScore).toBeGreaterThanOrEqual(greedy.totalScore - 1e-9);
          const given = new Map<string, number>();
          for (const a of optimal.assignments) {
            if (a.status !== 'assigned') continue;
            given.set(a.agentId, (given.get(a.agentId) ?? 0) + 1);
            const job = jobs[a.jobIndex]!;
            const agent = agents.find((x) => x.id === a.agentId)!;
            expect(naiveScore(cfg, prepareJob(cfg, job), agent, agent.load, AT)).not.toBeNull();
          }
          for (const a of agents)
            expect(given.get(a.id) ?? 0).toBeLessThanOrEqual(
              Math.max(0, Math.ceil(a.capacity - a.load)),
            );
          const slots: { a: Agent; t: number }[] = [];
          for (const a of agents)
            for (let t = 0; t < Math.ceil(a.capacity - a.load); t++) slots.push({ a, t });
          if (jobs.length === 0 || slots.length === 0) {
            expect(optimal.totalScore).toBe(0);
            return;
          }
          const cost = jobs.map((job) => {
            const pj = prepareJob(cfg, job);
            return slots.map(({ a, t }) => -(naiveScore(cfg, pj, a, a.load + t, AT)?.score ?? 0));
          });
          let best = 0;
          for (const [y, x] of munkres(cost)) best -= cost[y]![x]!;
          expect(optimal.totalScore).toBeCloseTo(best, 9);
        },
      ),
      params(200),
    );
  });
});
