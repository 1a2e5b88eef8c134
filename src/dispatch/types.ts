/**
 * Public types of the dispatch scorer. Re-exported from `src/dispatch/index.ts`.
 *
 * @module dispatch
 */

/** A point on Earth in decimal degrees (WGS 84). */
export interface GeoPoint {
  /** Latitude, -90..90. */
  lat: number;
  /** Longitude, -180..180. */
  lng: number;
}

/**
 * Anything that can say whether an agent works at a given instant. The SLA business
 * calendar satisfies it; so does `{ isOpen: () => true }`.
 */
export interface AgentCalendar {
  /** True when the agent is on shift at `at`. */
  isOpen(at: Date): boolean;
}

/** Job priority; `urgent` is offered first by the greedy batch. */
export type DispatchPriority = 'urgent' | 'high' | 'normal' | 'low';

/**
 * A person (or crew) that can take jobs. The dispatcher never mutates it.
 *
 * @example
 * ```ts
 * const agent: Agent = {
 *   id: 'a1', skills: { network: 3, hardware: 5 }, load: 2, capacity: 6,
 *   location: { lat: 31.23, lng: 121.47 }, team: 'field',
 * };
 * ```
 */
export interface Agent {
  /** Unique, non-empty id. */
  id: string;
  /** Skill levels, 0..`maxSkillLevel` (default 5). Level 0 or absent means "does not have it". */
  skills: Readonly<Record<string, number>>;
  /** Jobs currently held; an agent with `load >= capacity` is excluded (`at_capacity`). */
  load: number;
  /** Most jobs the agent may hold at once (>= 0). */
  capacity: number;
  /** Where the agent is; needed for the distance factor. */
  location?: GeoPoint;
  /** `false` excludes the agent (`unavailable`). @default true */
  available?: boolean;
  /** Team name; a job that names a team only goes to agents of that team. */
  team?: string;
  /** Shift calendar; when any agent has one, `at` must be passed to every call. */
  calendar?: AgentCalendar;
  /** Jobs given today; the first tie-break (fewest wins). @default 0 */
  assignedToday?: number;
}

/**
 * A ticket or any plain object with these fields. Every field is optional; `null` counts as
 * absent, so a stored `Ticket` (whose `team` and `location` are nullable) can be passed as is.
 */
export interface DispatchJob {
  /** Echoed in batch results. */
  id?: string;
  /** Skills the agent must have (level > 0), else it is excluded (`missing_skill`). */
  requiredSkills?: readonly string[];
  /** Skills that raise the skill factor but never exclude. */
  preferredSkills?: readonly string[];
  /** Where the work is; without it the distance factor is 1 for every agent. */
  location?: GeoPoint | null;
  /** Greedy batches offer urgent jobs first. @default 'normal' */
  priority?: DispatchPriority;
  /** Only agents of this team are eligible (`wrong_team`). */
  team?: string | null;
  /** SLA due time; among equal priorities the greedy batch offers the earliest first. */
  dueAt?: Date | null;
}

/**
 * A user-defined scoring factor (customer affinity, seniority, cost ...). Its value shows
 * in {@link RankedCandidate.breakdown} under `name`.
 *
 * @example
 * ```ts
 * const affinity: CustomFactor = {
 *   name: 'affinity', weight: 0.1,
 *   score: (job, agent) => (agent.team === 'vip' ? 1 : 0),
 * };
 * ```
 */
export interface CustomFactor {
  /** Key in the breakdown; must not be `skill`, `load` or `distance`. */
  name: string;
  /** Relative weight, finite and >= 0 (normalised with the built-in weights). */
  weight: number;
  /** Returns a number in 0..1 (higher is better); anything else throws a `ValidationError`. */
  score(job: DispatchJob, agent: Agent): number;
}

/** Relative weights of the built-in factors. Omitted keys count as 0. */
export interface DispatchWeights {
  /** Weight of the skill factor. */
  skill?: number;
  /** Weight of the spare-capacity factor. */
  load?: number;
  /** Weight of the distance factor. */
  distance?: number;
}

/** Options of {@link createDispatcher}. */
export interface DispatcherOptions {
  /**
   * Relative weights; normalised to sum 1 together with the custom factor weights.
   * @default { skill: 0.5, load: 0.3, distance: 0.2 }
   */
  weights?: DispatchWeights;
  /** Extra named factors. */
  factors?: readonly CustomFactor[];
  /** The highest skill level; the skill factor divides by it. @default 5 */
  maxSkillLevel?: number;
  /** Agents farther than this from the job are excluded (`too_far`). Per-call options override it. */
  maxDistanceKm?: number;
  /** Distance at which the distance factor is 0.5: `f = s / (s + km)`. @default 25 */
  distanceScaleKm?: number;
  /**
   * When the job has a location, exclude agents without one (`no_location`) even when no
   * distance limit applies. With a limit they are always excluded. @default false
   */
  requireLocation?: boolean;
}

/** Options of `rank` and `pick`. */
export interface RankOptions {
  /** How many candidates to return. @default 10 */
  limit?: number;
  /** Also list every excluded agent with its reasons (scans every agent). @default false */
  explain?: boolean;
  /** The dispatch instant; required when any agent has a calendar. */
  at?: Date;
  /** Overrides the dispatcher's `maxDistanceKm` for this call. */
  maxDistanceKm?: number;
}

/** Options of `assignBatch`. */
export interface BatchOptions {
  /** `greedy` (fast, priority order) or `optimal` (max total score, Kuhn–Munkres). @default 'greedy' */
  mode?: 'greedy' | 'optimal';
  /** The dispatch instant; required when any agent has a calendar. */
  at?: Date;
  /** Overrides the dispatcher's `maxDistanceKm` for this batch. */
  maxDistanceKm?: number;
}

/** Factor values (each 0..1) keyed by factor name: `skill`, `load`, `distance` and custom names. */
export type ScoreBreakdown = Readonly<Record<string, number>> & {
  readonly skill: number;
  readonly load: number;
  readonly distance: number;
};

/** One eligible agent with its score; `score === Σ dispatcher.weights[k] * breakdown[k]`. */
export interface RankedCandidate {
  /** The agent's id. */
  agentId: string;
  /** Weighted sum of the breakdown, 0..1 (weights are normalised). */
  score: number;
  /** The value of every factor. */
  breakdown: ScoreBreakdown;
  /** Straight-line (great-circle) distance in km, when both sides have a location. */
  distanceKm?: number;
}

/** Why an agent was excluded: a hard constraint, never a low score. */
export type ExclusionReason =
  | { code: 'unavailable' }
  | { code: 'off_shift'; at: Date }
  | { code: 'wrong_team'; team: string | undefined; required: string }
  | { code: 'missing_skill'; skill: string }
  | { code: 'at_capacity'; load: number; capacity: number }
  | { code: 'no_location' }
  | { code: 'too_far'; km: number; maxKm: number };

/** An agent that may not take the job, with every reason (in check order). */
export interface ExcludedAgent {
  /** The agent's id. */
  agentId: string;
  /** Every failed hard constraint; never empty. */
  reasons: readonly ExclusionReason[];
}

/** What `rank` returns. */
export interface RankResult {
  /** The top eligible candidates, best first (at most `limit`). */
  candidates: readonly RankedCandidate[];
  /** Every excluded agent, in pool order; present only with `explain: true`. */
  excluded?: readonly ExcludedAgent[];
  /** How many agents were fully scored; the index keeps this far below the pool size. */
  evaluated: number;
}

/** Per-job result of a batch, in input order. */
export type JobAssignment =
  | {
      status: 'assigned';
      /** Position of the job in the input array. */
      jobIndex: number;
      /** The job's `id`, if it has one. */
      jobId: string | undefined;
      /** The agent that takes the job. */
      agentId: string;
      /** The score at the moment of assignment (greedy) or of its capacity slot (optimal). */
      score: number;
      /** Factor values behind `score`. */
      breakdown: ScoreBreakdown;
    }
  | {
      status: 'unassigned';
      /** Position of the job in the input array. */
      jobIndex: number;
      /** The job's `id`, if it has one. */
      jobId: string | undefined;
      /**
       * `no_eligible_agent`: no agent passed every hard constraint (greedy: with the capacity
       * left at that point). `not_selected`: eligible agents existed but the optimal plan used
       * their capacity for other jobs.
       */
      reason: 'no_eligible_agent' | 'not_selected';
    };

/** The result of `assignBatch`. The caller's agents and pools are left untouched. */
export interface AssignmentPlan {
  /** The mode that produced the plan. */
  mode: 'greedy' | 'optimal';
  /** One entry per input job, in input order. */
  assignments: readonly JobAssignment[];
  /** Sum of the scores of the assigned jobs. */
  totalScore: number;
  /** Number of assigned jobs. */
  assigned: number;
  /** Number of unassigned jobs. */
  unassigned: number;
  /** Load of every agent that received work, after the plan. */
  loads: ReadonlyMap<string, number>;
}

/** Live view of one agent inside an {@link AgentPool}. */
export interface PooledAgentState {
  /** Current load (as last set by `prepare` or `updateLoad`). */
  load: number;
  /** Capacity, as given to `prepare`. */
  capacity: number;
  /** Jobs given today; the first tie-break. */
  assignedToday: number;
}

/**
 * Agents indexed once (skill buckets, spatial cells) for many calls. `rank`, `pick` and
 * `assignBatch` accept it wherever they accept an array.
 */
export interface AgentPool {
  /** Number of agents. */
  readonly size: number;
  /** Sets an agent's load (and optionally `assignedToday`) after an assignment elsewhere. */
  updateLoad(agentId: string, load: number, assignedToday?: number): void;
  /** The current load, capacity and `assignedToday` of an agent, or undefined. */
  get(agentId: string): PooledAgentState | undefined;
}

/** A configured scorer; see {@link createDispatcher}. */
export interface Dispatcher {
  /** Normalised weights (sum 1) of every factor, built-in and custom. */
  readonly weights: Readonly<Record<string, number>>;
  /** Validates and indexes agents once; pass the pool to later calls. */
  prepare(agents: readonly Agent[]): AgentPool;
  /** The top eligible candidates for a job, best first. */
  rank(job: DispatchJob, agents: readonly Agent[] | AgentPool, options?: RankOptions): RankResult;
  /** The best eligible candidate, or null when none is eligible. */
  pick(
    job: DispatchJob,
    agents: readonly Agent[] | AgentPool,
    options?: Omit<RankOptions, 'limit' | 'explain'>,
  ): RankedCandidate | null;
  /** Assigns many jobs at once, loads updated as it goes; never mutates its inputs. */
  assignBatch(
    jobs: readonly DispatchJob[],
    agents: readonly Agent[] | AgentPool,
    options?: BatchOptions,
  ): AssignmentPlan;
}
