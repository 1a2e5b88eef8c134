/**
 * Reference implementation for tests and the benchmark: the documented rules applied to
 * every agent with no index, written straight from docs/guides/dispatch.md.
 */
import type { Agent, CustomFactor, DispatchJob, RankedCandidate } from 'ticketkit';

export interface NaiveConfig {
  weights: Readonly<Record<string, number>>;
  factors?: readonly CustomFactor[];
  maxSkillLevel?: number;
  distanceScaleKm?: number;
  maxDistanceKm?: number;
  requireLocation?: boolean;
}

const R = 6371.0088;
const DEG = Math.PI / 180;

export function haversine(
  a: { lat: number; lng: number },
  b: { lat: number; lng: number },
): number {
  const sLat = Math.sin((b.lat - a.lat) * DEG * 0.5);
  const sLng = Math.sin((b.lng - a.lng) * DEG * 0.5);
  const h = sLat * sLat + Math.cos(a.lat * DEG) * Math.cos(b.lat * DEG) * sLng * sLng;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Per-job values computed once, so the naive scan spends its time on agents, not setup. */
export interface PreparedJob {
  job: DispatchJob;
  required: string[];
  preferred: string[];
  skillDiv: number;
  maxKm: number;
  scale: number;
  needLoc: boolean;
}

export function prepareJob(cfg: NaiveConfig, job: DispatchJob): PreparedJob {
  const required = [...new Set(job.requiredSkills ?? [])];
  const preferred = [...new Set(job.preferredSkills ?? [])].filter((s) => !required.includes(s));
  const m = required.length + preferred.length;
  const maxKm = cfg.maxDistanceKm ?? Number.POSITIVE_INFINITY;
  return {
    job,
    required,
    preferred,
    skillDiv: m === 0 ? 0 : 1 / (m * (cfg.maxSkillLevel ?? 5)),
    maxKm,
    scale: cfg.distanceScaleKm ?? 25,
    needLoc: maxKm !== Number.POSITIVE_INFINITY || cfg.requireLocation === true,
  };
}

/** Score of one agent, or null when a hard constraint excludes it. `load` overrides agent.load. */
export function naiveScore(
  cfg: NaiveConfig,
  pj: PreparedJob,
  agent: Agent,
  load: number = agent.load,
  at?: Date,
): RankedCandidate | null {
  const job = pj.job;
  if (agent.available === false) return null;
  if (load >= agent.capacity) return null;
  if (job.team != null && agent.team !== job.team) return null;
  let sum = 0;
  for (const r of pj.required) {
    const lv = agent.skills[r] ?? 0;
    if (!(lv > 0)) return null;
    sum += lv;
  }
  for (const p of pj.preferred) sum += agent.skills[p] ?? 0;
  if (agent.calendar && at && !agent.calendar.isOpen(at)) return null;
  const skill = pj.skillDiv === 0 ? 1 : sum * pj.skillDiv;
  const loadF = 1 - load / agent.capacity;
  let distance = 1;
  let km: number | undefined;
  if (job.location) {
    if (agent.location) {
      km = haversine(job.location, agent.location);
      if (km > pj.maxKm) return null;
      distance = pj.scale / (pj.scale + km);
    } else {
      if (pj.needLoc) return null;
      distance = 0;
    }
  }
  const w = cfg.weights;
  let score = (w.skill ?? 0) * skill + (w.load ?? 0) * loadF + (w.distance ?? 0) * distance;
  const breakdown: Record<string, number> = { skill, load: loadF, distance };
  for (const f of cfg.factors ?? []) {
    const v = f.score(job, agent);
    breakdown[f.name] = v;
    score += (w[f.name] ?? 0) * v;
  }
  const out: RankedCandidate = {
    agentId: agent.id,
    score,
    breakdown: breakdown as RankedCandidate['breakdown'],
  };
  if (km !== undefined) out.distanceKm = km;
  return out;
}

/** True when a ranks before b: score desc, assignedToday asc, id asc. */
export function before(a: RankedCandidate, ta: number, b: RankedCandidate, tb: number): boolean {
  if (a.score !== b.score) return a.score > b.score;
  if (ta !== tb) return ta < tb;
  return a.agentId < b.agentId;
}

/** Full scan with a small insertion-sorted top-k. */
export function naiveRank(
  cfg: NaiveConfig,
  job: DispatchJob,
  agents: readonly Agent[],
  limit = 10,
  loads?: Float64Array,
  today?: Float64Array,
  at?: Date,
): RankedCandidate[] {
  const pj = prepareJob(cfg, job);
  const top: RankedCandidate[] = [];
  const tops: number[] = [];
  for (let i = 0; i < agents.length; i++) {
    const a = agents[i]!;
    const c = naiveScore(cfg, pj, a, loads ? loads[i] : a.load, at);
    if (!c) continue;
    const t = today ? today[i]! : (a.assignedToday ?? 0);
    if (top.length === limit && !before(c, t, top[limit - 1]!, tops[limit - 1]!)) continue;
    let k = top.length;
    while (k > 0 && before(c, t, top[k - 1]!, tops[k - 1]!)) k--;
    top.splice(k, 0, c);
    tops.splice(k, 0, t);
    if (top.length > limit) {
      top.pop();
      tops.pop();
    }
  }
  return top;
}

const PR: Record<string, number> = { urgent: 0, high: 1, normal: 2, low: 3 };

/** Batch order: priority (urgent first), then dueAt (none last), then input order. */
export function naiveOrder(jobs: readonly DispatchJob[]): number[] {
  const due = (j: DispatchJob) => j.dueAt?.getTime() ?? Number.POSITIVE_INFINITY;
  return jobs
    .map((_, j) => j)
    .sort((a, b) => {
      const ja = jobs[a]!;
      const jb = jobs[b]!;
      const p = PR[ja.priority ?? 'normal']! - PR[jb.priority ?? 'normal']!;
      if (p) return p;
      if (due(ja) !== due(jb)) return due(ja) < due(jb) ? -1 : 1;
      return a - b;
    });
}

/** Greedy batch by full scans, in {@link naiveOrder}. */
export function naiveGreedy(
  cfg: NaiveConfig,
  jobs: readonly DispatchJob[],
  agents: readonly Agent[],
  at?: Date,
): { agentIds: (string | null)[]; scores: number[]; total: number } {
  const order = naiveOrder(jobs);
  const loads = Float64Array.from(agents, (a) => a.load);
  const today = Float64Array.from(agents, (a) => a.assignedToday ?? 0);
  const index = new Map(agents.map((a, i) => [a.id, i]));
  const agentIds: (string | null)[] = new Array(jobs.length).fill(null);
  const scores: number[] = new Array(jobs.length).fill(0);
  let total = 0;
  for (const j of order) {
    const best = naiveRank(cfg, jobs[j]!, agents, 1, loads, today, at)[0];
    if (!best) continue;
    const i = index.get(best.agentId)!;
    loads[i]! += 1;
    today[i]! += 1;
    agentIds[j] = best.agentId;
    scores[j] = best.score;
    total += best.score;
  }
  return { agentIds, scores, total };
}
