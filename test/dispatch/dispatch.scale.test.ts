/**
 * Seeded, mid-sized scenarios: enough agents and jobs to fill cells, compact buckets and
 * exhaust capacity, checked decision by decision against the naive reference.
 */
import { type Agent, createDispatcher, type DispatcherOptions, type DispatchJob } from 'ticketkit';
import { describe, expect, it } from 'vitest';
import { naiveGreedy, naiveRank } from './naive';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CITIES = [
  { lat: 31.23, lng: 121.47 },
  { lat: 39.9, lng: 116.4 },
  { lat: 22.54, lng: 114.06 },
];
const SKILLS = ['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7'];

function world(seed: number, nAgents: number, nJobs: number) {
  const rnd = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const near = () => {
    const c = CITIES[int(0, CITIES.length - 1)]!;
    return { lat: c.lat + (rnd() - 0.5) * 0.8, lng: c.lng + (rnd() - 0.5) * 0.8 };
  };
  const agents: Agent[] = Array.from({ length: nAgents }, (_, i) => {
    const skills: Record<string, number> = {};
    for (let k = int(1, 4); k > 0; k--)
      skills[SKILLS[Math.floor(rnd() ** 1.5 * SKILLS.length)]!] = int(1, 5);
    const capacity = int(1, 4);
    const a: Agent = {
      id: `a${i}`,
      skills,
      capacity,
      load: int(0, capacity),
      assignedToday: int(0, 2),
    };
    if (rnd() < 0.95) a.location = near();
    if (rnd() < 0.05) a.available = false;
    if (rnd() < 0.2) a.team = 'vip';
    return a;
  });
  const jobs: DispatchJob[] = Array.from({ length: nJobs }, (_, j) => {
    const job: DispatchJob = {
      id: `j${j}`,
      requiredSkills: [SKILLS[Math.floor(rnd() ** 1.5 * SKILLS.length)]!],
    };
    if (rnd() < 0.3)
      job.requiredSkills = [...job.requiredSkills!, SKILLS[int(0, SKILLS.length - 1)]!];
    if (rnd() < 0.3) job.preferredSkills = [SKILLS[int(0, SKILLS.length - 1)]!];
    if (rnd() < 0.9) job.location = near();
    if (rnd() < 0.1) job.team = 'vip';
    job.priority = (['urgent', 'high', 'normal', 'low'] as const)[int(0, 3)];
    return job;
  });
  return { agents, jobs };
}

describe.each<[string, DispatcherOptions]>([
  ['no distance limit', { weights: { skill: 0.5, load: 0.3, distance: 0.2 } }],
  [
    '80 km limit',
    { weights: { skill: 0.4, load: 0.4, distance: 0.2 }, maxDistanceKm: 80, distanceScaleKm: 10 },
  ],
])('at scale, %s', (_name, options) => {
  const d = createDispatcher(options);
  const cfg = { ...options, weights: d.weights };
  const { agents, jobs } = world(options.maxDistanceKm ? 7 : 11, 2_000, 2_500);

  it('rank through the index equals the naive scan for 200 jobs', () => {
    const pool = d.prepare(agents);
    for (const job of jobs.slice(0, 200)) {
      const got = d.rank(job, pool, { limit: 5 }).candidates.map((c) => `${c.agentId}:${c.score}`);
      const want = naiveRank(cfg, job, agents, 5).map((c) => `${c.agentId}:${c.score}`);
      expect(got).toEqual(want);
    }
  });

  it('greedy over 2,500 jobs equals the naive greedy, decision by decision, and runs out of capacity', () => {
    const plan = d.assignBatch(jobs, d.prepare(agents));
    const ref = naiveGreedy(cfg, jobs, agents);
    expect(plan.assignments.map((a) => (a.status === 'assigned' ? a.agentId : null))).toEqual(
      ref.agentIds,
    );
    expect(plan.totalScore).toBeCloseTo(ref.total, 6);
    expect(plan.unassigned).toBeGreaterThan(100);
    expect(plan.assigned).toBeGreaterThan(1_000);
  });
});
