import { ValidationError, type ValidationIssue } from '../errors/index';
import { PRIORITIES, type Priority, type Ticket } from '../ticket/index';
import { calendar24x7 } from './calendar';
import { parseBusinessDuration } from './duration';
import type { BusinessCalendar } from './types';

/**
 * What an SLA measures:
 * - `firstResponse`: from creation until the first public reply by staff (not the requester);
 * - `assignment`: from creation until the ticket has an assignee;
 * - `resolution`: from creation until the ticket reaches a resolved or closed state
 *   (a reopen resumes it);
 * - `update`: a periodic clock that runs while the ticket is in an update state
 *   (`in_progress` by default) and restarts on every staff update; it breaches when the
 *   ticket sits there without an update for too long.
 */
export type SlaMetric = 'firstResponse' | 'assignment' | 'resolution' | 'update';

/** Every metric, in display order. */
export const SLA_METRICS: readonly SlaMetric[] = [
  'firstResponse',
  'assignment',
  'resolution',
  'update',
];

/** A business duration: `'30m'`, `'4h'`, `'2d'` (8 business hours a day), `'1h30m'`, or minutes. */
export type BusinessDuration = string | number;

/** A target: one duration for every priority, or one per priority (missing = no target). */
export type SlaTarget = BusinessDuration | Partial<Record<Priority, BusinessDuration>>;

/** What an escalation does when it fires. */
export type EscalationAction =
  /** Tell a role (emitted as `sla.escalated` with `notify`; the notifier routes it). */
  | { readonly notify: string }
  /** Raise the priority one step (low → normal → high → urgent). */
  | { readonly raisePriority: true }
  /** Assign to this actor id, or ask the `reassign` hook (e.g. dispatch) with `'dispatch'`. */
  | { readonly reassign: string };

/** An escalation rule: at a share of a metric's target (1 = the breach), do these actions. */
export interface EscalationRule {
  /** Unique within the policy; shown in audit entries and events. */
  readonly name: string;
  readonly metric: SlaMetric;
  /** Share of the target at which it fires: 0.75 = 75 %; `'breach'` = 1. */
  readonly at: number | 'breach';
  /** Escalation level, for reports (1, 2, ...). */
  readonly level?: number;
  readonly actions: readonly EscalationAction[];
}

/** Which tickets a policy applies to. Every given criterion must match. */
export interface SlaMatch {
  readonly priority?: readonly Priority[];
  readonly category?: readonly string[];
  readonly channel?: readonly string[];
  readonly team?: readonly string[];
  /** Customer tiers, read from `ticket.custom.tier`. */
  readonly tier?: readonly string[];
  /** Any other condition. */
  readonly when?: (ticket: Ticket) => boolean;
}

/** An SLA policy definition, as passed to {@link defineSlaPolicy}. */
export interface SlaPolicySpec {
  /** Unique name, stored on each ticket's SLA state. */
  readonly id: string;
  /** Which tickets it applies to; omit to match every ticket. */
  readonly match?: SlaMatch;
  /** Targets per metric as business durations. */
  readonly targets: Partial<Record<SlaMetric, SlaTarget>>;
  /** The calendar, or a function choosing one per ticket (per team, per customer zone). Default: 24x7 UTC. */
  readonly calendar?: BusinessCalendar | ((ticket: Ticket) => BusinessCalendar);
  /** States that pause the clocks. Default: the workflow's `waiting` states (`awaiting_feedback`). */
  readonly pauseIn?: readonly string[];
  /** States in which the `update` clock runs. Default `['in_progress']`. */
  readonly updateIn?: readonly string[];
  /** Warning thresholds as shares of the target. Default `[0.5, 0.75, 0.9]`. */
  readonly warnAt?: readonly number[];
  /** Hours in a business day, for `'d'` durations. Default 8. */
  readonly hoursPerDay?: number;
  readonly escalations?: readonly EscalationRule[];
}

/** A checked SLA policy. */
export interface SlaPolicy {
  readonly id: string;
  readonly spec: SlaPolicySpec;
  /** True if the policy applies to the ticket. */
  matches(ticket: Ticket): boolean;
  /** The target in business minutes for a metric at a priority, or undefined. */
  target(metric: SlaMetric, priority: Priority): number | undefined;
  /** The calendar for a ticket. */
  calendarFor(ticket: Ticket): BusinessCalendar;
  readonly warnAt: readonly number[];
  readonly updateIn: readonly string[];
  readonly pauseIn: readonly string[] | undefined;
  readonly escalations: readonly EscalationRule[];
}

const UTC = calendar24x7('UTC');

function toMinutes(
  d: BusinessDuration,
  hoursPerDay: number,
  path: (string | number)[],
  issues: ValidationIssue[],
): number | undefined {
  if (typeof d === 'number') {
    if (Number.isFinite(d) && d > 0) return d;
    issues.push({
      code: 'invalid_value',
      path,
      message: `must be a positive number of minutes, got ${d}`,
    });
    return undefined;
  }
  try {
    const m = parseBusinessDuration(d, { hoursPerDay });
    if (m > 0) return m;
    issues.push({ code: 'invalid_value', path, message: 'must be longer than zero' });
  } catch (e) {
    const first = (e as ValidationError).issues?.[0];
    issues.push({
      code: 'invalid_duration',
      path,
      message: first?.message ?? `"${String(d)}" is not a duration like "30m", "4h" or "2d"`,
    });
  }
  return undefined;
}

/**
 * Checks and freezes an SLA policy. Durations are parsed once; every problem is reported at
 * once as a {@link ValidationError} with paths like `['targets', 'resolution', 'urgent']`.
 *
 * @example
 * ```ts
 * const standard = defineSlaPolicy({
 *   id: 'standard',
 *   calendar: shanghai,
 *   targets: {
 *     assignment: { urgent: '30m', high: '1h', normal: '4h', low: '1d' },
 *     resolution: { urgent: '4h', high: '1d', normal: '3d', low: '5d' },
 *   },
 *   escalations: [
 *     { name: 'lead-75', metric: 'resolution', at: 0.75, level: 1, actions: [{ notify: 'supervisor' }] },
 *     { name: 'breach', metric: 'resolution', at: 'breach', level: 2, actions: [{ raisePriority: true }] },
 *   ],
 * });
 * ```
 */
export function defineSlaPolicy(spec: SlaPolicySpec): SlaPolicy {
  const issues: ValidationIssue[] = [];
  if (typeof spec?.id !== 'string' || spec.id.length === 0) {
    issues.push({ code: 'required', path: ['id'], message: 'give the policy a unique id' });
  }
  const hoursPerDay = spec?.hoursPerDay ?? 8;
  const targets = new Map<SlaMetric, Map<Priority, number>>();
  const known = new Set<string>(SLA_METRICS);
  for (const [metric, t] of Object.entries(spec?.targets ?? {})) {
    if (!known.has(metric)) {
      issues.push({
        code: 'invalid_enum',
        path: ['targets', metric],
        message: `unknown metric "${metric}"; use ${SLA_METRICS.join(', ')}`,
      });
      continue;
    }
    const per = new Map<Priority, number>();
    if (typeof t === 'string' || typeof t === 'number') {
      const m = toMinutes(t, hoursPerDay, ['targets', metric], issues);
      if (m !== undefined) for (const p of PRIORITIES) per.set(p, m);
    } else if (t && typeof t === 'object') {
      for (const [p, d] of Object.entries(t)) {
        if (!(PRIORITIES as readonly string[]).includes(p)) {
          issues.push({
            code: 'invalid_enum',
            path: ['targets', metric, p],
            message: `unknown priority "${p}"; use ${PRIORITIES.join(', ')}`,
          });
          continue;
        }
        const m = toMinutes(d as BusinessDuration, hoursPerDay, ['targets', metric, p], issues);
        if (m !== undefined) per.set(p as Priority, m);
      }
    }
    targets.set(metric as SlaMetric, per);
  }
  if (targets.size === 0 && issues.length === 0) {
    issues.push({
      code: 'required',
      path: ['targets'],
      message: 'set at least one target, e.g. { resolution: "1d" }',
    });
  }
  const warnAt = [...(spec?.warnAt ?? [0.5, 0.75, 0.9])].sort((a, b) => a - b);
  warnAt.forEach((w, i) => {
    if (!(Number.isFinite(w) && w > 0 && w < 1)) {
      issues.push({
        code: 'invalid_value',
        path: ['warnAt', i],
        message: 'warning thresholds are shares between 0 and 1, e.g. 0.75',
      });
    }
  });
  const names = new Set<string>();
  (spec?.escalations ?? []).forEach((r, i) => {
    if (!r?.name || names.has(r.name)) {
      issues.push({
        code: 'duplicate',
        path: ['escalations', i, 'name'],
        message: 'every escalation needs a unique name',
      });
    }
    names.add(r?.name);
    if (!known.has(r?.metric)) {
      issues.push({
        code: 'invalid_enum',
        path: ['escalations', i, 'metric'],
        message: `use one of ${SLA_METRICS.join(', ')}`,
      });
    } else if (!targets.has(r.metric)) {
      issues.push({
        code: 'invalid_value',
        path: ['escalations', i, 'metric'],
        message: `the policy has no "${r.metric}" target to escalate on; add one to targets`,
      });
    }
    if (r?.at !== 'breach' && !(typeof r?.at === 'number' && r.at > 0 && r.at <= 10)) {
      issues.push({
        code: 'invalid_value',
        path: ['escalations', i, 'at'],
        message: "use a share of the target (e.g. 0.75) or 'breach'",
      });
    }
    if (!Array.isArray(r?.actions) || r.actions.length === 0) {
      issues.push({
        code: 'required',
        path: ['escalations', i, 'actions'],
        message: 'list at least one action',
      });
    }
  });
  if (spec?.calendar !== undefined && typeof spec.calendar !== 'function') {
    const c = spec.calendar as Partial<BusinessCalendar>;
    if (
      typeof c.addBusinessMinutes !== 'function' ||
      typeof c.businessMinutesBetween !== 'function'
    ) {
      issues.push({
        code: 'invalid_type',
        path: ['calendar'],
        message: 'pass a calendar from createCalendar() or a function returning one',
      });
    }
  }
  if (issues.length)
    throw new ValidationError(issues, { context: `defineSlaPolicy("${spec?.id ?? ''}")` });

  const m = spec.match;
  const cal = spec.calendar;
  return Object.freeze({
    id: spec.id,
    spec,
    warnAt: Object.freeze(warnAt),
    updateIn: Object.freeze([...(spec.updateIn ?? ['in_progress'])]),
    pauseIn: spec.pauseIn ? Object.freeze([...spec.pauseIn]) : undefined,
    escalations: Object.freeze([...(spec.escalations ?? [])]),
    matches(t: Ticket) {
      if (!m) return true;
      if (m.priority && !m.priority.includes(t.priority)) return false;
      if (m.category && !(t.category !== null && m.category.includes(t.category))) return false;
      if (m.channel && !(t.channel !== null && m.channel.includes(t.channel))) return false;
      if (m.team && !(t.team !== null && m.team.includes(t.team))) return false;
      if (m.tier && !m.tier.includes(String(t.custom.tier ?? ''))) return false;
      return !m.when || m.when(t);
    },
    target: (metric: SlaMetric, priority: Priority) => targets.get(metric)?.get(priority),
    calendarFor: (t: Ticket) => (typeof cal === 'function' ? cal(t) : (cal ?? UTC)),
  });
}
