import type { ValidationIssue } from '../errors/index';
import { DEG, haversineKm } from './_geo';
import { type Config, capIssues, checkLocation, fail } from './_validate';
import type { Agent, AgentCalendar } from './types';

/** A skill bucket: agent indices sorted by level (desc, then index) with the levels alongside. */
export interface Bucket {
  idx: Int32Array;
  lvl: Float64Array;
  /**
   * Load factor (1 - load / capacity) of each entry when the bucket was built: within one
   * level, entries run in non-increasing order of it. It bounds the live load factor from
   * above for as long as no listed load went down (see {@link GroupLists.spareBound}).
   */
  spare: Float64Array;
  /** Index of the first entry of the next level down (idx.length for the last level). */
  next: Int32Array;
}

/**
 * A spatial cell (or the whole pool, or the agents without a location). The bounding circle
 * (center + radius over its actual members) gives a true lower bound on the distance to any
 * member by the triangle inequality; a lat/lng box would not, because great circles bend.
 */
export interface Group {
  members: Int32Array;
  team: string | undefined;
  hasLoc: boolean;
  lat: number;
  lng: number;
  cosLat: number;
  radiusKm: number;
  maxLevel: Map<string, number>;
}

/** The mutable part of a group: buckets without agents at capacity, compacted lazily. */
export interface GroupLists {
  all: Int32Array;
  bySkill: Map<string, Bucket>;
  /** Members still listed although at capacity; past half the list we rebuild. */
  dead: number;
  /** False once a listed member's load went down: the buckets' `spare` may then undershoot. */
  spareBound: boolean;
}

export interface PoolCore {
  owner: object;
  n: number;
  ids: string[];
  agents: readonly Agent[];
  index: Map<string, number>;
  skills: Map<string, number>[];
  /** Skill name to column of `levels`. */
  skillIds: Map<string, number>;
  skillCount: number;
  /** Dense n × skillCount levels (0 = lacks it): array reads instead of map lookups in the hot loop. */
  levels: Float64Array | undefined;
  lat: Float64Array;
  lng: Float64Array;
  cosLat: Float64Array;
  hasLoc: Uint8Array;
  capacity: Float64Array;
  available: Uint8Array;
  team: (string | undefined)[];
  calendar: (AgentCalendar | undefined)[];
  hasCalendar: boolean;
  indexed: boolean;
  /** Spatial cells, one set per team (and the agents without a location, per team). */
  cells: Group[];
  /** One group per team, for jobs without a location. */
  globals: Group[];
  /** 0..n-1, for walking every agent where an index list is expected. */
  order: Int32Array;
  /** Index into `cells` / `globals` of each available agent, -1 otherwise. */
  cellOf: Int32Array;
  globalOf: Int32Array;
}

export interface PoolState {
  load: Float64Array;
  assignedToday: Float64Array;
  cellLists: GroupLists[];
  globalLists: GroupLists[];
  inCell: Uint8Array;
  inGlobal: Uint8Array;
}

/** About 28 km of latitude: small enough to separate cities, large enough to stay few. */
const CELL_DEG = 0.25;

/** Past this many cells (64 MB) the dense skill table falls back to per-agent maps. */
const DENSE_LIMIT = 8_000_000;

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function buildPool(
  agents: readonly Agent[],
  cfg: Config,
  owner: object,
  indexed: boolean,
): { core: PoolCore; state: PoolState } {
  const issues: ValidationIssue[] = [];
  if (!Array.isArray(agents)) {
    fail([
      {
        code: 'invalid_type',
        path: ['agents'],
        message: 'must be an array of agents or a pool from dispatcher.prepare()',
      },
    ]);
  }
  const n = agents.length;
  const ids: string[] = new Array(n);
  const index = new Map<string, number>();
  const skills: Map<string, number>[] = new Array(n);
  const lat = new Float64Array(n);
  const lng = new Float64Array(n);
  const cosLat = new Float64Array(n);
  const hasLoc = new Uint8Array(n);
  const capacity = new Float64Array(n);
  const load = new Float64Array(n);
  const assignedToday = new Float64Array(n);
  const available = new Uint8Array(n);
  const team: (string | undefined)[] = new Array(n);
  const calendar: (AgentCalendar | undefined)[] = new Array(n);
  let hasCalendar = false;
  for (let i = 0; i < n; i++) {
    const a = agents[i];
    const p = ['agents', i];
    if (typeof a !== 'object' || a === null) {
      issues.push({
        code: 'invalid_type',
        path: p,
        message: 'must be an agent object { id, skills, load, capacity }',
      });
      skills[i] = new Map();
      continue;
    }
    if (typeof a.id !== 'string' || a.id === '') {
      issues.push({
        code: 'required',
        path: [...p, 'id'],
        message: 'every agent needs a non-empty string id',
      });
    } else if (index.has(a.id)) {
      issues.push({
        code: 'duplicate',
        path: [...p, 'id'],
        message: `duplicate agent id "${a.id}" (also at agents[${index.get(a.id)}]); ids must be unique`,
      });
    } else {
      index.set(a.id, i);
    }
    ids[i] = String(a.id);
    const m = new Map<string, number>();
    if (typeof a.skills !== 'object' || a.skills === null) {
      issues.push({
        code: 'invalid_type',
        path: [...p, 'skills'],
        message: 'must be an object of skill levels, e.g. { network: 3 }',
      });
    } else {
      for (const [s, lv] of Object.entries(a.skills)) {
        if (!isNum(lv) || lv < 0 || lv > cfg.maxSkillLevel) {
          issues.push({
            code: 'out_of_range',
            path: [...p, 'skills', s],
            message: `skill level must be between 0 and maxSkillLevel (${cfg.maxSkillLevel}), got ${String(lv)}`,
          });
        } else if (lv > 0) {
          m.set(s, lv);
        }
      }
    }
    skills[i] = m;
    if (!isNum(a.load) || a.load < 0) {
      issues.push({
        code: 'invalid_number',
        path: [...p, 'load'],
        message: `load must be a finite number >= 0, got ${String(a.load)}`,
      });
    } else load[i] = a.load;
    if (!isNum(a.capacity) || a.capacity < 0) {
      issues.push({
        code: 'invalid_number',
        path: [...p, 'capacity'],
        message: `capacity must be a finite number >= 0, got ${String(a.capacity)}`,
      });
    } else capacity[i] = a.capacity;
    if (a.assignedToday !== undefined) {
      if (!isNum(a.assignedToday) || a.assignedToday < 0) {
        issues.push({
          code: 'invalid_number',
          path: [...p, 'assignedToday'],
          message: 'must be a finite number >= 0',
        });
      } else assignedToday[i] = a.assignedToday;
    }
    if (a.location !== undefined && checkLocation(a.location, [...p, 'location'], issues)) {
      hasLoc[i] = 1;
      lat[i] = a.location.lat;
      lng[i] = a.location.lng;
      cosLat[i] = Math.cos(a.location.lat * DEG);
    }
    if (a.available !== undefined && typeof a.available !== 'boolean') {
      issues.push({
        code: 'invalid_type',
        path: [...p, 'available'],
        message: 'must be true or false',
      });
    }
    available[i] = a.available === false ? 0 : 1;
    if (a.team !== undefined && typeof a.team !== 'string') {
      issues.push({ code: 'invalid_type', path: [...p, 'team'], message: 'must be a string' });
    }
    team[i] = a.team;
    if (a.calendar !== undefined) {
      if (typeof a.calendar?.isOpen !== 'function') {
        issues.push({
          code: 'invalid_type',
          path: [...p, 'calendar'],
          message: 'must have an isOpen(at: Date) => boolean method',
        });
      } else {
        calendar[i] = a.calendar;
        hasCalendar = true;
      }
    }
  }
  if (issues.length) fail(capIssues(issues));

  const skillIds = new Map<string, number>();
  for (const m of skills)
    for (const s of m.keys()) if (!skillIds.has(s)) skillIds.set(s, skillIds.size);
  const S = skillIds.size;
  let levels: Float64Array | undefined;
  if (S * n <= DENSE_LIMIT) {
    levels = new Float64Array(S * n);
    for (let i = 0; i < n; i++)
      for (const [s, lv] of skills[i]!) levels[i * S + skillIds.get(s)!] = lv;
  }
  const core: PoolCore = {
    owner,
    n,
    ids,
    agents,
    index,
    skills,
    skillIds,
    skillCount: S,
    levels,
    lat,
    lng,
    cosLat,
    hasLoc,
    capacity,
    available,
    team,
    calendar,
    hasCalendar,
    indexed,
    cells: [],
    globals: [],
    order: Int32Array.from({ length: n }, (_, i) => i),
    cellOf: new Int32Array(n).fill(-1),
    globalOf: new Int32Array(n).fill(-1),
  };
  const state: PoolState = {
    load,
    assignedToday,
    cellLists: [],
    globalLists: [],
    inCell: new Uint8Array(n),
    inGlobal: new Uint8Array(n),
  };
  if (!indexed) return { core, state };

  // Partitioned by team too: a job that names a team then never looks at other teams.
  const byCell = new Map<string, number[]>();
  const byTeam = new Map<string, number[]>();
  const push = (m: Map<string, number[]>, key: string, i: number) => {
    const list = m.get(key);
    if (list) list.push(i);
    else m.set(key, [i]);
  };
  for (let i = 0; i < n; i++) {
    if (!available[i]) continue;
    const t = team[i] === undefined ? '' : `=${team[i]}`;
    push(byTeam, t, i);
    push(
      byCell,
      hasLoc[i]
        ? `${t}|${Math.floor(lat[i]! / CELL_DEG)}:${Math.floor(lng[i]! / CELL_DEG)}`
        : `${t}|-`,
      i,
    );
  }
  for (const members of byCell.values()) {
    const g = makeGroup(core, Int32Array.from(members));
    for (const i of members) core.cellOf[i] = core.cells.length;
    core.cells.push(g);
    state.cellLists.push(buildLists(core, state, g, state.inCell));
  }
  for (const members of byTeam.values()) {
    const g = makeGroup(core, Int32Array.from(members));
    g.hasLoc = false;
    for (const i of members) core.globalOf[i] = core.globals.length;
    core.globals.push(g);
    state.globalLists.push(buildLists(core, state, g, state.inGlobal));
  }
  return { core, state };
}

function makeGroup(core: PoolCore, members: Int32Array): Group {
  const maxLevel = new Map<string, number>();
  let sLat = 0;
  let sLng = 0;
  let located = true;
  for (const i of members) {
    for (const [s, lv] of core.skills[i]!) {
      if ((maxLevel.get(s) ?? 0) < lv) maxLevel.set(s, lv);
    }
    if (!core.hasLoc[i]) located = false;
    sLat += core.lat[i]!;
    sLng += core.lng[i]!;
  }
  const g: Group = {
    members,
    team: core.team[members[0]!],
    hasLoc: located && members.length > 0,
    lat: 0,
    lng: 0,
    cosLat: 1,
    radiusKm: 0,
    maxLevel,
  };
  if (g.hasLoc) {
    g.lat = sLat / members.length;
    g.lng = sLng / members.length;
    g.cosLat = Math.cos(g.lat * DEG);
    let r = 0;
    for (const i of members) {
      const d = haversineKm(g.lat, g.lng, g.cosLat, core.lat[i]!, core.lng[i]!, core.cosLat[i]!);
      if (d > r) r = d;
    }
    // Slack for rounding in haversine so the triangle-inequality bound never overshoots.
    g.radiusKm = r * (1 + 1e-9) + 1e-6;
  }
  return g;
}

/** Lists every member that still has capacity; `flags` records who is listed. */
export function buildLists(
  core: PoolCore,
  state: PoolState,
  g: Group,
  flags: Uint8Array,
): GroupLists {
  const all: number[] = [];
  const tmp = new Map<string, number[]>();
  for (const i of g.members) {
    if (state.load[i]! >= core.capacity[i]!) {
      flags[i] = 0;
      continue;
    }
    flags[i] = 1;
    all.push(i);
    for (const s of core.skills[i]!.keys()) {
      const b = tmp.get(s);
      if (b) b.push(i);
      else tmp.set(s, [i]);
    }
  }
  const bySkill = new Map<string, Bucket>();
  for (const [s, list] of tmp) {
    const levels = list.map((i) => core.skills[i]!.get(s)!);
    const order = list.map((_, k) => k);
    // Level order is what the search's early stop relies on; within a level, agents with
    // more spare capacity first raise the bar sooner (a heuristic: loads move later).
    const spare = list.map((i) => 1 - state.load[i]! / core.capacity[i]!);
    order.sort((a, b) => levels[b]! - levels[a]! || spare[b]! - spare[a]! || list[a]! - list[b]!);
    const m = order.length;
    const idx = new Int32Array(m);
    const lvl = new Float64Array(m);
    const sp = new Float64Array(m);
    const next = new Int32Array(m);
    for (let k = 0; k < m; k++) {
      idx[k] = list[order[k]!]!;
      lvl[k] = levels[order[k]!]!;
      sp[k] = spare[order[k]!]!;
    }
    for (let k = m - 1; k >= 0; k--)
      next[k] = k + 1 < m && lvl[k + 1] === lvl[k] ? next[k + 1]! : k + 1;
    bySkill.set(s, { idx, lvl, spare: sp, next });
  }
  return { all: Int32Array.from(all), bySkill, dead: 0, spareBound: true };
}

/** Copy-on-write: lists are replaced, never edited in place, so sharing them is safe. */
export function cloneState(s: PoolState): PoolState {
  const copy = (l: GroupLists): GroupLists => ({
    all: l.all,
    bySkill: l.bySkill,
    dead: l.dead,
    spareBound: l.spareBound,
  });
  return {
    load: s.load.slice(),
    assignedToday: s.assignedToday.slice(),
    cellLists: s.cellLists.map(copy),
    globalLists: s.globalLists.map(copy),
    inCell: s.inCell.slice(),
    inGlobal: s.inGlobal.slice(),
  };
}

/** Keeps the buckets in step after agent i's load changed from `before`. */
export function onLoadChange(core: PoolCore, state: PoolState, i: number, before: number): void {
  if (!core.indexed || !core.available[i]) return;
  if (state.load[i]! < before) {
    // The buckets' spare figures no longer bound this member; cheaper to stop trusting
    // them in its two groups than to rebuild on every release.
    state.cellLists[core.cellOf[i]!]!.spareBound = false;
    state.globalLists[core.globalOf[i]!]!.spareBound = false;
  }
  const cap = core.capacity[i]!;
  const wasFull = before >= cap;
  const isFull = state.load[i]! >= cap;
  if (wasFull === isFull) return;
  const ci = core.cellOf[i]!;
  const gi = core.globalOf[i]!;
  const touch = (g: Group, lists: GroupLists, flags: Uint8Array): GroupLists => {
    if (!isFull) return flags[i] ? lists : buildLists(core, state, g, flags);
    if (!flags[i]) return lists;
    lists.dead++;
    return lists.dead >= 8 && lists.dead * 2 > lists.all.length
      ? buildLists(core, state, g, flags)
      : lists;
  };
  state.cellLists[ci] = touch(core.cells[ci]!, state.cellLists[ci]!, state.inCell);
  state.globalLists[gi] = touch(core.globals[gi]!, state.globalLists[gi]!, state.inGlobal);
}
