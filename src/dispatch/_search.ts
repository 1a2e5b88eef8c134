import { ValidationError } from '../errors/index';
import { DEG, haversineKm } from './_geo';
import type { Bucket, Group, GroupLists, PoolCore, PoolState } from './_pool';
import { type Entry, TopK } from './_topk';
import type { Config } from './_validate';
import type {
  DispatchJob,
  ExcludedAgent,
  ExclusionReason,
  RankedCandidate,
  ScoreBreakdown,
} from './types';

/** Float slack for bounds: a bound summed in another order may differ from a score by an ulp. */
const EPS = 1e-9;

export interface Scored extends Entry {
  skill: number;
  load: number;
  distance: number;
  km: number;
  custom: number[] | undefined;
}

/** Everything about one job that does not depend on the agent, computed once per call. */
export interface JobCtx {
  job: DispatchJob;
  required: string[];
  preferred: string[];
  /** Columns of core.levels, -1 for a skill no agent in the pool has. */
  requiredIds: Int32Array;
  preferredIds: Int32Array;
  /** 1 / (skill count * maxSkillLevel), or 0 when the job names no skill. */
  skillDiv: number;
  hasLoc: boolean;
  lat: number;
  lng: number;
  cosLat: number;
  maxKm: number;
  scale: number;
  needLoc: boolean;
  team: string | undefined;
  at: Date | undefined;
  /** Per-agent memo of calendar.isOpen(at) (0 unknown, 1 open, 2 closed), shared in a batch. */
  shift: Uint8Array | undefined;
}

/** Distinct names in first-seen order, minus `minus`; linear scans for the usual few. */
function unique(names: readonly string[], minus: readonly string[] | undefined): string[] {
  if (names.length + (minus?.length ?? 0) > 16) {
    const drop = new Set(minus);
    return [...new Set(names)].filter((s) => !drop.has(s));
  }
  const out: string[] = [];
  for (const s of names) if (!out.includes(s) && !minus?.includes(s)) out.push(s);
  return out;
}

export function jobContext(
  cfg: Config,
  core: PoolCore,
  job: DispatchJob,
  maxKm: number,
  at: Date | undefined,
  shift: Uint8Array | undefined,
): JobCtx {
  const required = unique(job.requiredSkills ?? [], undefined);
  const preferred = unique(job.preferredSkills ?? [], required);
  const m = required.length + preferred.length;
  const loc = job.location ?? undefined;
  const requiredIds = new Int32Array(required.length);
  for (let k = 0; k < required.length; k++) requiredIds[k] = core.skillIds.get(required[k]!) ?? -1;
  const preferredIds = new Int32Array(preferred.length);
  for (let k = 0; k < preferred.length; k++)
    preferredIds[k] = core.skillIds.get(preferred[k]!) ?? -1;
  return {
    job,
    required,
    preferred,
    requiredIds,
    preferredIds,
    skillDiv: m === 0 ? 0 : 1 / (m * cfg.maxSkillLevel),
    hasLoc: loc !== undefined,
    lat: loc?.lat ?? 0,
    lng: loc?.lng ?? 0,
    cosLat: loc ? Math.cos(loc.lat * DEG) : 1,
    maxKm,
    scale: cfg.distanceScaleKm,
    needLoc: loc !== undefined && (maxKm !== Number.POSITIVE_INFINITY || cfg.requireLocation),
    team: job.team ?? undefined,
    at,
    shift: shift ?? (core.hasCalendar ? new Uint8Array(core.n) : undefined),
  };
}

function skillSum(core: PoolCore, ctx: JobCtx, i: number): number {
  const levels = core.levels;
  if (levels !== undefined) {
    const base = i * core.skillCount;
    let sum = 0;
    const req = ctx.requiredIds;
    for (let k = 0; k < req.length; k++) {
      const r = req[k]!;
      const lv = r < 0 ? 0 : levels[base + r]!;
      if (lv === 0) return -1;
      sum += lv;
    }
    const pref = ctx.preferredIds;
    for (let k = 0; k < pref.length; k++) {
      const p = pref[k]!;
      if (p >= 0) sum += levels[base + p]!;
    }
    return sum;
  }
  const sk = core.skills[i]!;
  let sum = 0;
  for (const r of ctx.required) {
    const lv = sk.get(r);
    if (lv === undefined) return -1;
    sum += lv;
  }
  for (const p of ctx.preferred) sum += sk.get(p) ?? 0;
  return sum;
}

function onShift(core: PoolCore, ctx: JobCtx, i: number): boolean {
  const cal = core.calendar[i];
  if (cal === undefined) return true;
  const memo = ctx.shift!;
  if (memo[i] === 0) memo[i] = cal.isOpen(ctx.at!) ? 1 : 2;
  return memo[i] === 1;
}

function customValues(cfg: Config, core: PoolCore, ctx: JobCtx, i: number): number[] | undefined {
  if (cfg.factors.length === 0) return undefined;
  const out: number[] = [];
  for (const f of cfg.factors) {
    const v = f.score(ctx.job, core.agents[i]!);
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
      throw new ValidationError(
        [
          {
            code: 'out_of_range',
            path: ['factors', f.name],
            message: `custom factor "${f.name}" returned ${String(v)} for agent "${core.ids[i]}"; score() must return a number in 0..1`,
          },
        ],
        { context: 'dispatcher.rank' },
      );
    }
    out.push(v);
  }
  return out;
}

/** The documented score: Σ w·b in the order skill, load, distance, custom factors. */
export function weigh(
  cfg: Config,
  skill: number,
  load: number,
  dist: number,
  custom: number[] | undefined,
): number {
  let score = cfg.wSkill * skill + cfg.wLoad * load + cfg.wDistance * dist;
  if (custom) for (let c = 0; c < custom.length; c++) score += cfg.factors[c]!.weight * custom[c]!;
  return score;
}

/** The factors of the last agent that passed {@link check}; reused to spare allocations. */
export const probe = {
  skill: 0,
  load: 0,
  distance: 0,
  km: Number.NaN,
  custom: undefined as number[] | undefined,
};

/**
 * True if agent i passes every hard constraint, with its factors left in {@link probe}.
 * With a finite `bar` it may also return false as soon as the agent provably scores below
 * it (`distUB`, `skillUB` bound those factors), before paying for skill lookups, haversine,
 * the calendar and custom factors. `exactSkill` says skillUB is the agent's exact skill
 * factor (a bucket walk for a job with one skill and no preferred ones knows the level).
 */
export function check(
  cfg: Config,
  core: PoolCore,
  state: PoolState,
  ctx: JobCtx,
  i: number,
  bar: number,
  distUB: number,
  skillUB: number,
  exactSkill = false,
): boolean {
  if (!core.available[i]) return false;
  const cap = core.capacity[i]!;
  const ld = state.load[i]!;
  if (ld >= cap) return false;
  const load = 1 - ld / cap;
  // The load factor is one array read; checking it first spares the skill lookups.
  const rest = cfg.wLoad * load + cfg.wDistance * distUB + cfg.wCustom + EPS;
  if (cfg.wSkill * skillUB + rest < bar) return false;
  if (ctx.team !== undefined && core.team[i] !== ctx.team) return false;
  let skill = skillUB;
  if (!exactSkill) {
    const sum = skillSum(core, ctx, i);
    if (sum < 0) return false;
    skill = ctx.skillDiv === 0 ? 1 : sum * ctx.skillDiv;
    if (cfg.wSkill * skill + rest < bar) return false;
  }
  let distance = 1;
  let km = Number.NaN;
  if (ctx.hasLoc) {
    if (core.hasLoc[i]) {
      km = haversineKm(ctx.lat, ctx.lng, ctx.cosLat, core.lat[i]!, core.lng[i]!, core.cosLat[i]!);
      if (km > ctx.maxKm) return false;
      distance = cfg.distanceScaleKm / (cfg.distanceScaleKm + km);
    } else {
      if (ctx.needLoc) return false;
      distance = 0;
    }
  }
  if (ctx.at !== undefined && !onShift(core, ctx, i)) return false;
  probe.skill = skill;
  probe.load = load;
  probe.distance = distance;
  probe.km = km;
  probe.custom = customValues(cfg, core, ctx, i);
  return true;
}

/** {@link check}, returning the scored entry or null. */
export function evaluate(
  cfg: Config,
  core: PoolCore,
  state: PoolState,
  ctx: JobCtx,
  i: number,
  bar: number,
  distUB: number,
  skillUB = 1,
  exactSkill = false,
): Scored | null {
  if (!check(cfg, core, state, ctx, i, bar, distUB, skillUB, exactSkill)) return null;
  const { skill, load, distance, km, custom } = probe;
  return {
    idx: i,
    score: weigh(cfg, skill, load, distance, custom),
    tieA: state.assignedToday[i]!,
    id: core.ids[i]!,
    skill,
    load,
    distance,
    km,
    custom,
  };
}

/** Every failed hard constraint of agent i, in check order (empty when eligible). */
export function reasonsFor(
  core: PoolCore,
  state: PoolState,
  ctx: JobCtx,
  i: number,
): ExclusionReason[] {
  const out: ExclusionReason[] = [];
  if (!core.available[i]) out.push({ code: 'unavailable' });
  if (ctx.at !== undefined && !onShift(core, ctx, i)) out.push({ code: 'off_shift', at: ctx.at });
  if (ctx.team !== undefined && core.team[i] !== ctx.team) {
    out.push({ code: 'wrong_team', team: core.team[i], required: ctx.team });
  }
  const sk = core.skills[i]!;
  for (const r of ctx.required) if (!sk.has(r)) out.push({ code: 'missing_skill', skill: r });
  if (state.load[i]! >= core.capacity[i]!) {
    out.push({ code: 'at_capacity', load: state.load[i]!, capacity: core.capacity[i]! });
  }
  if (ctx.hasLoc) {
    if (!core.hasLoc[i]) {
      if (ctx.needLoc) out.push({ code: 'no_location' });
    } else {
      const km = haversineKm(
        ctx.lat,
        ctx.lng,
        ctx.cosLat,
        core.lat[i]!,
        core.lng[i]!,
        core.cosLat[i]!,
      );
      if (km > ctx.maxKm) out.push({ code: 'too_far', km, maxKm: ctx.maxKm });
    }
  }
  return out;
}

export function toCandidate(cfg: Config, e: Scored): RankedCandidate {
  const breakdown: Record<string, number> = { skill: e.skill, load: e.load, distance: e.distance };
  if (e.custom)
    for (let c = 0; c < e.custom.length; c++) breakdown[cfg.factors[c]!.name] = e.custom[c]!;
  const out: RankedCandidate = {
    agentId: e.id,
    score: e.score,
    breakdown: breakdown as ScoreBreakdown,
  };
  if (!Number.isNaN(e.km)) out.distanceKm = e.km;
  return out;
}

/** Scores every agent: the reference path, and the one that can explain exclusions. */
export function scanAll(
  cfg: Config,
  core: PoolCore,
  state: PoolState,
  ctx: JobCtx,
  limit: number,
  explain: boolean,
): { top: Scored[]; excluded: ExcludedAgent[] | undefined; evaluated: number } {
  const top = new TopK(limit);
  const excluded: ExcludedAgent[] | undefined = explain ? [] : undefined;
  let evaluated = 0;
  for (let i = 0; i < core.n; i++) {
    const e = evaluate(cfg, core, state, ctx, i, Number.NEGATIVE_INFINITY, 1);
    if (e) {
      evaluated++;
      top.push(e);
    } else if (excluded) {
      excluded.push({ agentId: core.ids[i]!, reasons: reasonsFor(core, state, ctx, i) });
    }
  }
  return { top: top.sorted() as Scored[], excluded, evaluated };
}

/**
 * Scratch space of {@link searchIndexed}, grown on demand and reused by every call (calls
 * never nest, and nothing in it outlives a call): per viable group its score upper bound,
 * distance-factor bound, the bucket to walk and the other skills' best levels.
 */
const EMPTY_LISTS: GroupLists = {
  all: new Int32Array(0),
  bySkill: new Map(),
  dead: 0,
  spareBound: true,
};

const scratch = {
  ub: new Float64Array(64),
  distUB: new Float64Array(64),
  other: new Float64Array(64),
  heap: new Int32Array(64),
  lists: [] as GroupLists[],
  bucket: [] as (Bucket | undefined)[],
};

function growScratch(n: number): void {
  if (n <= scratch.ub.length) return;
  const size = Math.max(n, scratch.ub.length * 2);
  scratch.ub = new Float64Array(size);
  scratch.distUB = new Float64Array(size);
  scratch.other = new Float64Array(size);
  scratch.heap = new Int32Array(size);
}

/**
 * Fills the scratch arrays with every group that may hold an eligible agent (as
 * {@link forEachGroup} would visit them, in the same order) and its score upper bound;
 * returns how many. Bounds come from the live buckets (their first level is the highest
 * still listed), so groups whose agents with a skill are all at capacity drop out.
 */
function collectGroups(cfg: Config, core: PoolCore, state: PoolState, ctx: JobCtx): number {
  const located = ctx.hasLoc;
  const groups = located ? core.cells : core.globals;
  const all = located ? state.cellLists : state.globalLists;
  growScratch(groups.length);
  const { ub, distUB, other, lists: gl, bucket: gb } = scratch;
  const required = ctx.required;
  const preferred = ctx.preferred;
  const scale = ctx.scale;
  let n = 0;
  outer: for (let k = 0; k < groups.length; k++) {
    const g = groups[k]!;
    if (ctx.team !== undefined && g.team !== ctx.team) continue;
    const lists = all[k]!;
    if (lists.all.length === 0) continue;
    let sum = 0;
    let bucket: Bucket | undefined;
    let leadLvl = 0;
    for (let r = 0; r < required.length; r++) {
      const b = lists.bySkill.get(required[r]!);
      if (b === undefined) continue outer;
      sum += b.lvl[0]!;
      if (bucket === undefined || b.idx.length < bucket.idx.length) {
        bucket = b;
        leadLvl = b.lvl[0]!;
      }
    }
    let dUB = 1;
    if (located) {
      if (!g.hasLoc) {
        if (ctx.needLoc) continue;
        dUB = 0;
      } else {
        const d = haversineKm(ctx.lat, ctx.lng, ctx.cosLat, g.lat, g.lng, g.cosLat);
        const lb = d > g.radiusKm ? d - g.radiusKm : 0;
        if (lb > ctx.maxKm) continue;
        dUB = scale / (scale + lb);
      }
    }
    for (let p = 0; p < preferred.length; p++) {
      sum += lists.bySkill.get(preferred[p]!)?.lvl[0] ?? 0;
    }
    const skillUB = ctx.skillDiv === 0 ? 1 : sum * ctx.skillDiv;
    ub[n] = cfg.wSkill * skillUB + cfg.wLoad + cfg.wDistance * dUB + cfg.wCustom;
    distUB[n] = dUB;
    other[n] = sum - leadLvl;
    gl[n] = lists;
    gb[n] = bucket;
    n++;
  }
  return n;
}

/** Heap order of groups: higher bound first, then build order (what a stable sort gives). */
function before(ub: Float64Array, a: number, b: number): boolean {
  return ub[a]! > ub[b]! || (ub[a] === ub[b] && a < b);
}

function siftDown(heap: Int32Array, ub: Float64Array, i: number, size: number): void {
  const x = heap[i]!;
  for (;;) {
    let c = 2 * i + 1;
    if (c >= size) break;
    if (c + 1 < size && before(ub, heap[c + 1]!, heap[c]!)) c++;
    if (!before(ub, heap[c]!, x)) break;
    heap[i] = heap[c]!;
    i = c;
  }
  heap[i] = x;
}

/**
 * Best-first search over the index: groups (spatial cells) in order of their score upper
 * bound, and inside a group the smallest bucket of a required skill, sorted by that skill's
 * level so the per-agent bound only falls and the loop can stop early. Groups come off a
 * heap (built in linear time) rather than a full sort: most searches stop after a few.
 */
export function searchIndexed(
  cfg: Config,
  core: PoolCore,
  state: PoolState,
  ctx: JobCtx,
  limit: number,
): { top: Scored[]; evaluated: number } {
  const top = new TopK(limit);
  const n = collectGroups(cfg, core, state, ctx);
  let size = n;
  const { ub, distUB, other, heap, lists: gl, bucket: gb } = scratch;
  for (let k = 0; k < size; k++) heap[k] = k;
  for (let k = (size >> 1) - 1; k >= 0; k--) siftDown(heap, ub, k, size);
  let evaluated = 0;
  while (size > 0) {
    const o = heap[0]!;
    heap[0] = heap[--size]!;
    siftDown(heap, ub, 0, size);
    const bar = top.full ? top.worst!.score : Number.NEGATIVE_INFINITY;
    if (ub[o]! + EPS < bar) break;
    const dUB = distUB[o]!;
    const bucket = gb[o];
    if (bucket !== undefined) {
      const rest = cfg.wDistance * dUB + cfg.wCustom + EPS;
      const { idx, lvl, spare, next } = bucket;
      const oth = other[o]!;
      const spareBound = gl[o]!.spareBound;
      // One required skill, nothing preferred: the bucket's level is the whole skill sum.
      const single = ctx.required.length === 1 && ctx.preferred.length === 0;
      for (let k = 0; k < idx.length; ) {
        const w = top.full ? top.worst!.score : Number.NEGATIVE_INFINITY;
        const skillUB = (lvl[k]! + oth) * ctx.skillDiv;
        const bound = cfg.wSkill * skillUB + rest;
        if (bound + cfg.wLoad < w) break;
        // Within a level the build-time load factors only fall (and loads only rose since,
        // unless spareBound says otherwise): the rest of this level cannot reach w either.
        if (spareBound && bound + cfg.wLoad * spare[k]! < w) {
          k = next[k]!;
          continue;
        }
        const e = evaluate(cfg, core, state, ctx, idx[k]!, w, dUB, skillUB, single);
        if (e) {
          evaluated++;
          top.push(e);
        }
        k++;
      }
    } else {
      const all = gl[o]!.all;
      for (let k = 0; k < all.length; k++) {
        const w = top.full ? top.worst!.score : Number.NEGATIVE_INFINITY;
        const e = evaluate(cfg, core, state, ctx, all[k]!, w, dUB);
        if (e) {
          evaluated++;
          top.push(e);
        }
      }
    }
  }
  // Drop the group references so a released pool is not kept alive by the scratch space.
  for (let k = 0; k < n; k++) {
    gl[k] = EMPTY_LISTS;
    gb[k] = undefined;
  }
  return { top: top.sorted() as Scored[], evaluated };
}

/**
 * Every agent that could be eligible for the job, as index lists to walk (the index's
 * buckets, shared and never copied; without bounds) written into `out`, which is cleared.
 */
export function candidates(
  core: PoolCore,
  state: PoolState,
  ctx: JobCtx,
  out: ArrayLike<number>[],
): void {
  out.length = 0;
  if (!core.indexed) {
    out.push(core.order);
    return;
  }
  // Without a distance limit the cells prune nothing: the team groups are fewer.
  const ignoreLoc = ctx.maxKm === Number.POSITIVE_INFINITY;
  forEachGroup(
    core,
    state,
    ctx,
    (lists) => {
      let best: ArrayLike<number> = lists.all;
      for (const r of ctx.required) {
        const b = lists.bySkill.get(r)!;
        if (b.idx.length < best.length) best = b.idx;
      }
      out.push(best);
    },
    ignoreLoc,
  );
}

/**
 * Calls `visit` for every group that may hold an eligible agent, with an upper bound of the
 * distance factor of its members: only the job's team, only groups that still list an agent
 * with each required skill, only cells whose bounding circle comes within maxDistanceKm;
 * the whole team when the job has no location.
 */
function forEachGroup(
  core: PoolCore,
  state: PoolState,
  ctx: JobCtx,
  visit: (lists: GroupLists, distUB: number) => void,
  ignoreLoc = false,
): void {
  const ok = (g: Group, lists: GroupLists): boolean => {
    if (ctx.team !== undefined && g.team !== ctx.team) return false;
    for (const r of ctx.required) if (!lists.bySkill.has(r)) return false;
    return lists.all.length > 0;
  };
  if (!ctx.hasLoc || ignoreLoc) {
    core.globals.forEach((g, k) => {
      const lists = state.globalLists[k]!;
      if (ok(g, lists)) visit(lists, 1);
    });
    return;
  }
  const scale = ctx.scale;
  core.cells.forEach((c, k) => {
    const lists = state.cellLists[k]!;
    if (!ok(c, lists)) return;
    if (!c.hasLoc) {
      if (!ctx.needLoc) visit(lists, 0);
      return;
    }
    const d = haversineKm(ctx.lat, ctx.lng, ctx.cosLat, c.lat, c.lng, c.cosLat);
    const lb = d > c.radiusKm ? d - c.radiusKm : 0;
    if (lb > ctx.maxKm) return;
    visit(lists, scale / (scale + lb));
  });
}
