import type { ValidationIssue } from '../errors/index';
import { onLoadChange, type PoolCore, type PoolState } from './_pool';
import {
  check,
  evaluate,
  type JobCtx,
  jobContext,
  probe,
  type Scored,
  searchIndexed,
  toCandidate,
  weigh,
} from './_search';
import { sparseAssignment } from './_sparse';
import { type Config, capIssues, checkJob, fail } from './_validate';
import type { AssignmentPlan, DispatchJob, JobAssignment } from './types';

const PRIORITY_RANK: Record<string, number> = { urgent: 0, high: 1, normal: 2, low: 3 };
/** More (job, slot) edges than this (about 300 MB of buffers) is a mistake, not a batch. */
const MAX_EDGES = 25_000_000;

export function validateJobs(jobs: readonly DispatchJob[]): void {
  if (!Array.isArray(jobs)) {
    fail(
      [{ code: 'invalid_type', path: ['jobs'], message: 'must be an array of jobs' }],
      'dispatcher.assignBatch',
    );
  }
  const issues: ValidationIssue[] = [];
  for (let j = 0; j < jobs.length; j++) checkJob(jobs[j]!, ['jobs', j], issues);
  if (issues.length) fail(capIssues(issues), 'dispatcher.assignBatch');
}

/** Urgent first, then the earliest dueAt (none last), then input order. */
export function batchOrder(jobs: readonly DispatchJob[]): Int32Array {
  const n = jobs.length;
  const pr = new Float64Array(n);
  const due = new Float64Array(n);
  const order: number[] = new Array(n);
  for (let j = 0; j < n; j++) {
    const job = jobs[j]!;
    pr[j] = PRIORITY_RANK[job.priority ?? 'normal']!;
    due[j] = job.dueAt ? job.dueAt.getTime() : Number.POSITIVE_INFINITY;
    order[j] = j;
  }
  order.sort((a, b) => pr[a]! - pr[b]! || (due[a] === due[b] ? a - b : due[a]! < due[b]! ? -1 : 1));
  return Int32Array.from(order);
}

function finish(
  mode: 'greedy' | 'optimal',
  core: PoolCore,
  assignments: JobAssignment[],
  finalLoad: Float64Array,
): AssignmentPlan {
  let total = 0;
  let assigned = 0;
  const loads = new Map<string, number>();
  for (const a of assignments) {
    if (a.status !== 'assigned') continue;
    total += a.score;
    assigned++;
    loads.set(a.agentId, finalLoad[core.index.get(a.agentId)!]!);
  }
  return {
    mode,
    assignments,
    totalScore: total,
    assigned,
    unassigned: assignments.length - assigned,
    loads,
  };
}

function assignedEntry(
  cfg: Config,
  jobs: readonly DispatchJob[],
  j: number,
  e: Scored,
): JobAssignment {
  const c = toCandidate(cfg, e);
  return {
    status: 'assigned',
    jobIndex: j,
    jobId: jobs[j]!.id,
    agentId: c.agentId,
    score: c.score,
    breakdown: c.breakdown,
  };
}

/** Offers jobs one by one in batch order; each takes the current best and consumes capacity. */
export function greedy(
  cfg: Config,
  core: PoolCore,
  state: PoolState,
  jobs: readonly DispatchJob[],
  maxKm: number,
  at: Date | undefined,
  search: (ctx: JobCtx) => Scored | undefined = (ctx) =>
    searchIndexed(cfg, core, state, ctx, 1).top[0],
): AssignmentPlan {
  const order = batchOrder(jobs);
  const shift = core.hasCalendar ? new Uint8Array(core.n) : undefined;
  const out: JobAssignment[] = new Array(jobs.length);
  // Loads only grow during a greedy batch, so a job profile that found nobody stays
  // hopeless; without a distance limit the profile is just team + required skills.
  const hopeless = new Set<string>();
  for (const j of order) {
    const ctx = jobContext(cfg, core, jobs[j]!, maxKm, at, shift);
    const profile =
      ctx.maxKm === Number.POSITIVE_INFINITY
        ? `${ctx.hasLoc && ctx.needLoc ? 1 : 0}|${ctx.team ?? ''}|${ctx.required.length === 1 ? ctx.required[0] : [...ctx.required].sort().join('\u0000')}`
        : undefined;
    const best = profile !== undefined && hopeless.has(profile) ? undefined : search(ctx);
    if (!best) {
      if (profile !== undefined) hopeless.add(profile);
      out[j] = {
        status: 'unassigned',
        jobIndex: j,
        jobId: jobs[j]!.id,
        reason: 'no_eligible_agent',
      };
      continue;
    }
    const i = best.idx;
    const before = state.load[i]!;
    state.load[i] = before + 1;
    state.assignedToday[i]! += 1;
    onLoadChange(core, state, i, before);
    out[j] = assignedEntry(cfg, jobs, j, best);
  }
  return finish('greedy', core, out, state.load);
}

/**
 * Max total score by a sparse Hungarian solver over capacity slots: agent a contributes one
 * column per job it can still take, slot t scored with load factor 1 - (load + t) / capacity,
 * i.e. what greedy would see after t earlier jobs. So greedy's plan is one feasible slot
 * assignment, and the optimum can never total less than it. Only feasible (job, slot) pairs
 * are edges; no jobs × slots matrix is built.
 */
export function optimal(
  cfg: Config,
  core: PoolCore,
  state: PoolState,
  jobs: readonly DispatchJob[],
  maxKm: number,
  at: Date | undefined,
  enumerate: (ctx: JobCtx, out: ArrayLike<number>[]) => void,
): AssignmentPlan {
  const n = jobs.length;
  const shift = core.hasCalendar ? new Uint8Array(core.n) : undefined;
  // Kept in separate functions: each loop then gets its own optimized code and type
  // feedback (one long function was compiled on stack replacement and kept deoptimizing).
  const { pairAgent, pairBase, jobStart, feasible, np } = collectPairs(
    cfg,
    core,
    state,
    jobs,
    maxKm,
    at,
    shift,
    enumerate,
  );
  const { rowStart, col, cost, slotAgent, S, nnz } = buildEdges(
    cfg,
    core,
    state,
    n,
    pairAgent,
    pairBase,
    jobStart,
    feasible,
    np,
  );
  const out: JobAssignment[] = new Array(n);
  for (let j = 0; j < n; j++) {
    if (jobStart[j + 1] === jobStart[j]) {
      out[j] = {
        status: 'unassigned',
        jobIndex: j,
        jobId: jobs[j]!.id,
        reason: 'no_eligible_agent',
      };
    }
  }
  const finalLoad = state.load.slice();
  if (nnz > 0) {
    const jobSlot = solve(rowStart, col, cost, n, S);
    // Slots of one agent are interchangeable for the total; give them out in batch order
    // so per-job scores are deterministic and mirror what greedy would report.
    const byAgent = new Map<number, number[]>();
    for (let j = 0; j < n; j++) {
      const slot = jobSlot[j]!;
      if (slot < 0) continue;
      const a = slotAgent[slot]!;
      const list = byAgent.get(a);
      if (list) list.push(j);
      else byAgent.set(a, [j]);
    }
    const rank = new Int32Array(n);
    batchOrder(jobs).forEach((j, pos) => {
      rank[j] = pos;
    });
    for (const [a, js] of byAgent) {
      js.sort((x, y) => rank[x]! - rank[y]!);
      js.forEach((j, t) => {
        const ctx = jobContext(cfg, core, jobs[j]!, maxKm, at, shift);
        const e = evaluate(cfg, core, state, ctx, a, Number.NEGATIVE_INFINITY, 1)!;
        const load = 1 - (state.load[a]! + t) / core.capacity[a]!;
        const score = weigh(cfg, e.skill, load, e.distance, e.custom);
        out[j] = assignedEntry(cfg, jobs, j, { ...e, load, score });
      });
      finalLoad[a] = state.load[a]! + js.length;
    }
  }
  for (let j = 0; j < n; j++) {
    out[j] ??= { status: 'unassigned', jobIndex: j, jobId: jobs[j]!.id, reason: 'not_selected' };
  }
  return finish('optimal', core, out, finalLoad);
}

/**
 * Runs the sparse solver with whichever side is smaller as rows (searches then run over
 * fewer rows; slot rows also measured ~10% faster at 1,000 × 1,000); returns the slot of
 * each job, -1 for none.
 */
function solve(
  rowStart: Int32Array,
  col: Int32Array,
  cost: Float64Array,
  n: number,
  S: number,
): Int32Array {
  if (S > n) return sparseAssignment(rowStart, col, cost, n, S);
  const nnz = rowStart[n]!;
  const slotStart = new Int32Array(S + 1);
  for (let e = 0; e < nnz; e++) slotStart[col[e]! + 1]!++;
  for (let x = 0; x < S; x++) slotStart[x + 1]! += slotStart[x]!;
  const fill = slotStart.slice(0, S);
  const jobOf = new Int32Array(nnz);
  const costT = new Float64Array(nnz);
  for (let j = 0; j < n; j++) {
    for (let e = rowStart[j]!; e < rowStart[j + 1]!; e++) {
      const at = fill[col[e]!]!++;
      jobOf[at] = j;
      costT[at] = cost[e]!;
    }
  }
  const slotJob = sparseAssignment(slotStart, jobOf, costT, S, n);
  const jobSlot = new Int32Array(n).fill(-1);
  for (let x = 0; x < S; x++) if (slotJob[x]! >= 0) jobSlot[slotJob[x]!] = x;
  return jobSlot;
}

/**
 * Feasible (job, agent) pairs in flat buffers, job by job (`jobStart`), with the score minus
 * its load term (slots of one agent differ only in the load factor); `feasible` counts the
 * jobs each agent can take.
 */
function collectPairs(
  cfg: Config,
  core: PoolCore,
  state: PoolState,
  jobs: readonly DispatchJob[],
  maxKm: number,
  at: Date | undefined,
  shift: Uint8Array | undefined,
  enumerate: (ctx: JobCtx, out: ArrayLike<number>[]) => void,
): {
  pairAgent: Int32Array;
  pairBase: Float64Array;
  jobStart: Int32Array;
  feasible: Int32Array;
  np: number;
} {
  const n = jobs.length;
  // Feasible (job, agent) pairs in flat buffers, with the score minus its load term: slots
  // of one agent differ only in the load factor. Exact scores are recomputed for the winners.
  // Sized for a typical batch up front: regrowing copies megabytes.
  const guess = Math.min(Math.max(1024, n * 256), n * core.n + 1);
  let pairAgent = new Int32Array(guess);
  let pairBase = new Float64Array(guess);
  const lists: ArrayLike<number>[] = [];
  let np = 0;
  const jobStart = new Int32Array(n + 1);
  const feasible = new Int32Array(core.n);
  for (let j = 0; j < n; j++) {
    jobStart[j] = np;
    const ctx = jobContext(cfg, core, jobs[j]!, maxKm, at, shift);
    enumerate(ctx, lists);
    for (let l = 0; l < lists.length; l++) {
      const list = lists[l]!;
      for (let k = 0; k < list.length; k++) {
        const i = list[k]!;
        if (!check(cfg, core, state, ctx, i, Number.NEGATIVE_INFINITY, 1, 1)) continue;
        if (np === pairAgent.length) {
          const grownA = new Int32Array(np * 2);
          grownA.set(pairAgent);
          pairAgent = grownA;
          const grownB = new Float64Array(np * 2);
          grownB.set(pairBase);
          pairBase = grownB;
        }
        let base = cfg.wSkill * probe.skill + cfg.wDistance * probe.distance;
        const custom = probe.custom;
        if (custom)
          for (let c = 0; c < custom.length; c++) base += cfg.factors[c]!.weight * custom[c]!;
        pairAgent[np] = i;
        pairBase[np++] = base;
        feasible[i]!++;
      }
    }
  }
  jobStart[n] = np;
  return { pairAgent, pairBase, jobStart, feasible, np };
}

/**
 * Capacity slots (slot t of agent a for t < min(spare capacity, jobs it can do)) and the
 * edges from each job to every slot of each agent it can take, cost = -(score at that slot),
 * in CSR form by job.
 */
function buildEdges(
  cfg: Config,
  core: PoolCore,
  state: PoolState,
  n: number,
  pairAgent: Int32Array,
  pairBase: Float64Array,
  jobStart: Int32Array,
  feasible: Int32Array,
  np: number,
): {
  rowStart: Int32Array;
  col: Int32Array;
  cost: Float64Array;
  slotAgent: number[];
  S: number;
  nnz: number;
} {
  const slotStart = new Int32Array(core.n);
  const slotCount = new Int32Array(core.n);
  const slotAgent: number[] = [];
  for (let a = 0; a < core.n; a++) {
    if (feasible[a] === 0) continue;
    const k = Math.min(Math.ceil(core.capacity[a]! - state.load[a]!), feasible[a]!);
    slotStart[a] = slotAgent.length;
    slotCount[a] = k;
    for (let t = 0; t < k; t++) slotAgent.push(a);
  }
  // Edges: job j to every slot of each agent it can take, cost = -(score at that slot).
  let nnz = 0;
  for (let q = 0; q < np; q++) nnz += slotCount[pairAgent[q]!]!;
  if (nnz > MAX_EDGES) {
    fail(
      [
        {
          code: 'too_big',
          path: ['jobs'],
          message: `optimal mode would weigh ${nnz} (job, capacity slot) pairs; split the batch or use mode: 'greedy'`,
        },
      ],
      'dispatcher.assignBatch',
    );
  }
  const S = slotAgent.length;
  const rowStart = new Int32Array(n + 1);
  const col = new Int32Array(nnz);
  const cost = new Float64Array(nnz);
  let e = 0;
  for (let j = 0; j < n; j++) {
    rowStart[j] = e;
    for (let q = jobStart[j]!; q < jobStart[j + 1]!; q++) {
      const a = pairAgent[q]!;
      const cap = core.capacity[a]!;
      const ld = state.load[a]!;
      const s0 = slotStart[a]!;
      const base = pairBase[q]!;
      for (let t = 0; t < slotCount[a]!; t++) {
        col[e] = s0 + t;
        cost[e++] = -(base + cfg.wLoad * (1 - (ld + t) / cap));
      }
    }
  }
  rowStart[n] = e;
  return { rowStart, col, cost, slotAgent, S, nnz };
}
