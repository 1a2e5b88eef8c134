/**
 * Dispatch scorer: ranks agents for a job by skill, spare capacity and distance (plus custom
 * factors), after hard constraints exclude the ineligible; picks the best; assigns batches
 * greedily or optimally. Pure: no clock, no I/O, never mutates its inputs.
 *
 * @module dispatch
 */
import type { ValidationIssue } from '../errors/index';
import { greedy, optimal, validateJobs } from './_batch';
import { buildPool, cloneState, onLoadChange, type PoolCore, type PoolState } from './_pool';
import { candidates, jobContext, scanAll, searchIndexed, toCandidate } from './_search';
import { type Config, checkDate, checkJob, checkMaxKm, fail, resolveConfig } from './_validate';
import type {
  Agent,
  AgentPool,
  AssignmentPlan,
  BatchOptions,
  Dispatcher,
  DispatcherOptions,
  DispatchJob,
  PooledAgentState,
  RankedCandidate,
  RankOptions,
  RankResult,
} from './types';

export type {
  Agent,
  AgentCalendar,
  AgentPool,
  AssignmentPlan,
  BatchOptions,
  CustomFactor,
  Dispatcher,
  DispatcherOptions,
  DispatchJob,
  DispatchPriority,
  DispatchWeights,
  ExcludedAgent,
  ExclusionReason,
  GeoPoint,
  JobAssignment,
  PooledAgentState,
  RankedCandidate,
  RankOptions,
  RankResult,
  ScoreBreakdown,
} from './types';

class Pool implements AgentPool {
  constructor(
    readonly core: PoolCore,
    readonly state: PoolState,
  ) {}

  get size(): number {
    return this.core.n;
  }

  updateLoad(agentId: string, load: number, assignedToday?: number): void {
    const i = this.core.index.get(agentId);
    const issues: ValidationIssue[] = [];
    if (i === undefined) {
      issues.push({
        code: 'not_found',
        path: ['agentId'],
        message: `no agent "${agentId}" in this pool; prepare() a new pool to add agents`,
      });
    }
    if (typeof load !== 'number' || !Number.isFinite(load) || load < 0) {
      issues.push({
        code: 'invalid_number',
        path: ['load'],
        message: `load must be a finite number >= 0, got ${String(load)}`,
      });
    }
    if (assignedToday !== undefined && (!Number.isFinite(assignedToday) || assignedToday < 0)) {
      issues.push({
        code: 'invalid_number',
        path: ['assignedToday'],
        message: 'must be a finite number >= 0',
      });
    }
    if (issues.length || i === undefined) fail(issues, 'pool.updateLoad');
    const before = this.state.load[i]!;
    this.state.load[i] = load;
    if (assignedToday !== undefined) this.state.assignedToday[i] = assignedToday;
    onLoadChange(this.core, this.state, i, before);
  }

  get(agentId: string): PooledAgentState | undefined {
    const i = this.core.index.get(agentId);
    if (i === undefined) return undefined;
    return {
      load: this.state.load[i]!,
      capacity: this.core.capacity[i]!,
      assignedToday: this.state.assignedToday[i]!,
    };
  }
}

function callSettings(
  cfg: Config,
  core: PoolCore,
  options: { at?: Date; maxDistanceKm?: number; limit?: number },
  context: string,
): { at: Date | undefined; maxKm: number } {
  const issues: ValidationIssue[] = [];
  if (options.at !== undefined) checkDate(options.at, ['at'], issues);
  else if (core.hasCalendar) {
    issues.push({
      code: 'required',
      path: ['at'],
      message:
        'some agents have a calendar, so pass `at: Date` (the dispatch instant); ticketkit never reads the system clock',
    });
  }
  if (options.maxDistanceKm !== undefined)
    checkMaxKm(options.maxDistanceKm, ['maxDistanceKm'], issues);
  if (options.limit !== undefined) {
    const l = options.limit;
    if (
      typeof l !== 'number' ||
      !(l === Number.POSITIVE_INFINITY || (Number.isInteger(l) && l >= 1))
    ) {
      issues.push({
        code: 'too_small',
        path: ['limit'],
        message: `must be an integer >= 1 (or Infinity), got ${String(l)}`,
      });
    }
  }
  if (issues.length) fail(issues, context);
  return { at: options.at, maxKm: options.maxDistanceKm ?? cfg.maxDistanceKm };
}

/**
 * Creates a dispatcher: a pure scorer that ranks agents for a job.
 *
 * The score is `Σ weights[k] · breakdown[k]` over `skill`, `load`, `distance` and custom
 * factors, each in 0..1, with weights normalised to sum 1 (see {@link Dispatcher.weights}).
 * Hard constraints (missing skill, capacity, availability, shift, team, distance) exclude an
 * agent; they never just lower its score. Ties go to fewer `assignedToday`, then the lower id.
 *
 * @throws ValidationError when weights are negative, NaN or all zero, or a factor is malformed.
 * @example
 * ```ts
 * import { createDispatcher } from 'ticketkit';
 * const dispatcher = createDispatcher({ weights: { skill: 0.5, load: 0.3, distance: 0.2 } });
 * const pool = dispatcher.prepare(agents);            // index once, reuse for many jobs
 * const { candidates } = dispatcher.rank(job, pool, { limit: 5 });
 * const best = dispatcher.pick(job, pool);            // RankedCandidate | null
 * const plan = dispatcher.assignBatch(jobs, pool, { mode: 'optimal' });
 * ```
 */
export function createDispatcher(options: DispatcherOptions = {}): Dispatcher {
  const cfg = resolveConfig(options);
  const owner = {};

  const resolve = (
    agents: readonly Agent[] | AgentPool,
    indexed: boolean,
  ): { core: PoolCore; state: PoolState; shared: boolean } => {
    if (agents instanceof Pool) {
      if (agents.core.owner !== owner) {
        fail(
          [
            {
              code: 'foreign_pool',
              path: ['agents'],
              message: 'this pool was prepared by another dispatcher; call prepare() on this one',
            },
          ],
          'dispatcher',
        );
      }
      return { core: agents.core, state: agents.state, shared: true };
    }
    return { ...buildPool(agents as readonly Agent[], cfg, owner, indexed), shared: false };
  };

  const rank = (
    job: DispatchJob,
    agents: readonly Agent[] | AgentPool,
    opts: RankOptions = {},
  ): RankResult => {
    const issues: ValidationIssue[] = [];
    checkJob(job, ['job'], issues);
    if (issues.length) fail(issues, 'dispatcher.rank');
    // A plain array is scanned once: building an index would cost more than it saves.
    const { core, state } = resolve(agents, false);
    const { at, maxKm } = callSettings(cfg, core, opts, 'dispatcher.rank');
    const limit = opts.limit ?? 10;
    const ctx = jobContext(cfg, core, job, maxKm, at, undefined);
    if (opts.explain === true || !core.indexed) {
      const r = scanAll(cfg, core, state, ctx, limit, opts.explain === true);
      const result: RankResult = {
        candidates: r.top.map((e) => toCandidate(cfg, e)),
        evaluated: r.evaluated,
      };
      if (r.excluded) result.excluded = r.excluded;
      return result;
    }
    const r = searchIndexed(cfg, core, state, ctx, limit);
    return { candidates: r.top.map((e) => toCandidate(cfg, e)), evaluated: r.evaluated };
  };

  return {
    weights: cfg.weights,
    prepare(agents: readonly Agent[]): AgentPool {
      const { core, state } = buildPool(agents, cfg, owner, true);
      return new Pool(core, state);
    },
    rank,
    pick(job, agents, opts = {}): RankedCandidate | null {
      return rank(job, agents, { ...opts, limit: 1, explain: false }).candidates[0] ?? null;
    },
    assignBatch(jobs, agents, opts: BatchOptions = {}): AssignmentPlan {
      validateJobs(jobs);
      const mode = opts.mode ?? 'greedy';
      if (mode !== 'greedy' && mode !== 'optimal') {
        fail(
          [
            {
              code: 'invalid_enum',
              path: ['mode'],
              message: `must be 'greedy' or 'optimal', got "${String(mode)}"`,
            },
          ],
          'dispatcher.assignBatch',
        );
      }
      const r = resolve(agents, true);
      const { at, maxKm } = callSettings(cfg, r.core, opts, 'dispatcher.assignBatch');
      // Work on a copy so the caller's pool (and agents) keep their loads.
      const state = r.shared ? cloneState(r.state) : r.state;
      if (mode === 'greedy') return greedy(cfg, r.core, state, jobs, maxKm, at);
      return optimal(cfg, r.core, state, jobs, maxKm, at, (ctx, out) =>
        candidates(r.core, state, ctx, out),
      );
    },
  };
}
