import { ValidationError, type ValidationIssue } from '../errors/index';
import type { CustomFactor, DispatcherOptions, DispatchJob, GeoPoint } from './types';

/** Resolved dispatcher configuration; weights already normalised to sum 1. */
export interface Config {
  wSkill: number;
  wLoad: number;
  wDistance: number;
  factors: readonly { name: string; weight: number; score: CustomFactor['score'] }[];
  /** Sum of custom weights: their upper bound contribution, since each value is <= 1. */
  wCustom: number;
  weights: Readonly<Record<string, number>>;
  maxSkillLevel: number;
  maxDistanceKm: number;
  distanceScaleKm: number;
  requireLocation: boolean;
}

const CONTEXT = 'createDispatcher';
const BUILTIN = new Set(['skill', 'load', 'distance']);
const PRIORITIES = new Set(['urgent', 'high', 'normal', 'low']);
/** A ValidationError message lists every issue; past this many it would drown the reader. */
const MAX_ISSUES = 50;

export function fail(issues: ValidationIssue[], context = CONTEXT): never {
  throw new ValidationError(issues, { context });
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function resolveConfig(options: DispatcherOptions = {}): Config {
  const issues: ValidationIssue[] = [];
  const raw = options.weights ?? { skill: 0.5, load: 0.3, distance: 0.2 };
  if (typeof raw !== 'object' || raw === null) {
    fail([
      {
        code: 'invalid_type',
        path: ['weights'],
        message: 'must be an object like { skill: 0.5, load: 0.3, distance: 0.2 }',
      },
    ]);
  }
  for (const key of Object.keys(raw)) {
    if (!BUILTIN.has(key)) {
      issues.push({
        code: 'unrecognized_keys',
        path: ['weights', key],
        message: `unknown weight "${key}"; use skill, load or distance, or add a custom factor`,
      });
    }
  }
  const w = (key: 'skill' | 'load' | 'distance'): number => {
    const v = (raw as Record<string, unknown>)[key];
    if (v === undefined) return 0;
    if (!isNum(v) || v < 0) {
      issues.push({
        code: 'invalid_weight',
        path: ['weights', key],
        message: `must be a finite number >= 0, got ${String(v)}`,
      });
      return 0;
    }
    return v;
  };
  const ws = w('skill');
  const wl = w('load');
  const wd = w('distance');
  const factors: { name: string; weight: number; score: CustomFactor['score'] }[] = [];
  const seen = new Set<string>();
  (options.factors ?? []).forEach((f, i) => {
    if (typeof f?.name !== 'string' || f.name === '') {
      issues.push({
        code: 'invalid_type',
        path: ['factors', i, 'name'],
        message: 'must be a non-empty string',
      });
      return;
    }
    if (BUILTIN.has(f.name)) {
      issues.push({
        code: 'invalid_factor',
        path: ['factors', i, 'name'],
        message: `"${f.name}" is a built-in factor; set weights.${f.name} instead or rename the custom factor`,
      });
    } else if (seen.has(f.name)) {
      issues.push({
        code: 'duplicate',
        path: ['factors', i, 'name'],
        message: `factor "${f.name}" is defined twice; names must be unique`,
      });
    }
    seen.add(f.name);
    if (!isNum(f.weight) || f.weight < 0) {
      issues.push({
        code: 'invalid_weight',
        path: ['factors', i, 'weight'],
        message: `factor "${f.name}": weight must be a finite number >= 0, got ${String(f.weight)}`,
      });
    }
    if (typeof f.score !== 'function') {
      issues.push({
        code: 'invalid_type',
        path: ['factors', i, 'score'],
        message: `factor "${f.name}": score must be a function (job, agent) => number in 0..1`,
      });
    }
    factors.push({ name: f.name, weight: isNum(f.weight) ? f.weight : 0, score: f.score });
  });
  const maxSkillLevel = options.maxSkillLevel ?? 5;
  if (!isNum(maxSkillLevel) || maxSkillLevel <= 0) {
    issues.push({
      code: 'too_small',
      path: ['maxSkillLevel'],
      message: 'must be a finite number > 0',
    });
  }
  const maxDistanceKm = options.maxDistanceKm ?? Number.POSITIVE_INFINITY;
  checkMaxKm(maxDistanceKm, ['maxDistanceKm'], issues);
  const distanceScaleKm = options.distanceScaleKm ?? 25;
  if (!isNum(distanceScaleKm) || distanceScaleKm <= 0) {
    issues.push({
      code: 'too_small',
      path: ['distanceScaleKm'],
      message: 'must be a finite number > 0 (km at which the distance factor is 0.5)',
    });
  }
  if (issues.length) fail(issues);
  const total = ws + wl + wd + factors.reduce((s, f) => s + f.weight, 0);
  if (total === 0) {
    fail([
      {
        code: 'invalid_weight',
        path: ['weights'],
        message: 'all weights are zero; give at least one factor a weight > 0',
      },
    ]);
  }
  const norm = factors.map((f) => ({ ...f, weight: f.weight / total }));
  const weights: Record<string, number> = {
    skill: ws / total,
    load: wl / total,
    distance: wd / total,
  };
  for (const f of norm) weights[f.name] = f.weight;
  return {
    wSkill: ws / total,
    wLoad: wl / total,
    wDistance: wd / total,
    factors: norm,
    wCustom: norm.reduce((s, f) => s + f.weight, 0),
    weights: Object.freeze(weights),
    maxSkillLevel,
    maxDistanceKm,
    distanceScaleKm,
    requireLocation: options.requireLocation === true,
  };
}

export function checkMaxKm(v: unknown, path: (string | number)[], issues: ValidationIssue[]): void {
  if (typeof v !== 'number' || Number.isNaN(v) || v <= 0) {
    issues.push({
      code: 'too_small',
      path,
      message: `must be a number of km > 0 (or Infinity for no limit), got ${String(v)}`,
    });
  }
}

export function checkLocation(
  loc: unknown,
  path: (string | number)[],
  issues: ValidationIssue[],
): loc is GeoPoint {
  if (typeof loc !== 'object' || loc === null) {
    issues.push({ code: 'invalid_type', path, message: 'must be { lat, lng } in decimal degrees' });
    return false;
  }
  const { lat, lng } = loc as GeoPoint;
  let ok = true;
  if (!isNum(lat) || lat < -90 || lat > 90) {
    issues.push({
      code: 'out_of_range',
      path: [...path, 'lat'],
      message: `latitude must be between -90 and 90, got ${String(lat)}`,
    });
    ok = false;
  }
  if (!isNum(lng) || lng < -180 || lng > 180) {
    issues.push({
      code: 'out_of_range',
      path: [...path, 'lng'],
      message: `longitude must be between -180 and 180, got ${String(lng)}`,
    });
    ok = false;
  }
  return ok;
}

export function checkDate(v: unknown, path: (string | number)[], issues: ValidationIssue[]): void {
  if (!(v instanceof Date) || Number.isNaN(v.getTime())) {
    issues.push({ code: 'invalid_date', path, message: 'must be a valid Date' });
  }
}

/** Validates one job; `path` is ['job'] for rank/pick and ['jobs', i] in batches. */
export function checkJob(
  job: DispatchJob,
  path: (string | number)[],
  issues: ValidationIssue[],
): void {
  if (typeof job !== 'object' || job === null) {
    issues.push({
      code: 'invalid_type',
      path,
      message: 'must be a job object (a ticket or { requiredSkills, location, ... })',
    });
    return;
  }
  for (const key of ['requiredSkills', 'preferredSkills'] as const) {
    const list = job[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      issues.push({
        code: 'invalid_type',
        path: [...path, key],
        message: 'must be an array of skill names',
      });
      continue;
    }
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      if (typeof s !== 'string' || s === '') {
        issues.push({
          code: 'invalid_type',
          path: [...path, key, i],
          message: 'must be a non-empty skill name',
        });
      }
    }
  }
  // Paths are built only for a failing field: batches validate every job.
  const loc = job.location;
  if (loc != null && !validLocation(loc)) checkLocation(loc, [...path, 'location'], issues);
  if (job.priority !== undefined && !PRIORITIES.has(job.priority)) {
    issues.push({
      code: 'invalid_enum',
      path: [...path, 'priority'],
      message: `must be urgent, high, normal or low, got "${String(job.priority)}"`,
    });
  }
  if (job.team != null && typeof job.team !== 'string') {
    issues.push({ code: 'invalid_type', path: [...path, 'team'], message: 'must be a string' });
  }
  const due = job.dueAt;
  if (due != null && !(due instanceof Date && !Number.isNaN(due.getTime()))) {
    checkDate(due, [...path, 'dueAt'], issues);
  }
}

function validLocation(loc: unknown): boolean {
  if (typeof loc !== 'object' || loc === null) return false;
  const { lat, lng } = loc as GeoPoint;
  return isNum(lat) && lat >= -90 && lat <= 90 && isNum(lng) && lng >= -180 && lng <= 180;
}

export function capIssues(issues: ValidationIssue[]): ValidationIssue[] {
  if (issues.length <= MAX_ISSUES) return issues;
  const rest = issues.length - MAX_ISSUES;
  return [
    ...issues.slice(0, MAX_ISSUES),
    { code: 'too_many_issues', path: [], message: `and ${rest} more issues of the same kinds` },
  ];
}
