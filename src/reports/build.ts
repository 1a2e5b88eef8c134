import { type AuditEntry, dwellTimes } from '../audit/index';
import type { SlaMetric, SlaPolicy, SlaState } from '../sla/index';
import type { Ticket } from '../ticket/index';
import { isoMs } from './_iso';

/** A dimension to group by. `region` reads `ticket.custom.region`; `agent` the assignee. */
export type GroupKey = 'team' | 'agent' | 'category' | 'priority' | 'channel' | 'region';

/** An agent, for utilisation and cross-team handoffs. */
export interface ReportAgent {
  readonly id: string;
  readonly team?: string;
  /** Tickets worked on at once. @default 1 */
  readonly capacity?: number;
  /** Shift calendar (anything with `businessMinutesBetween`); default: every minute of the period. */
  readonly calendar?: { businessMinutesBetween(from: Date, to: Date): number };
}

/** Where a report reads from: a desk, or tickets with their audit trails. */
export type ReportSource =
  | {
      readonly list: (...args: never[]) => unknown;
      readonly history: (id: string) => Promise<AuditEntry[]>;
      readonly workflow: { kindOf(s: never): string; readonly initial: string };
    }
  | {
      readonly tickets: Iterable<Ticket> | AsyncIterable<Ticket>;
      /** A ticket's audit trail, oldest first. */
      readonly history:
        | ReadonlyMap<string, readonly AuditEntry[]>
        | ((ticket: Ticket) => readonly AuditEntry[] | Promise<readonly AuditEntry[]>);
    };

/** Options of {@link buildReport}. */
export interface ReportOptions {
  /** Start of the period (inclusive). @default the earliest ticket */
  from?: Date | string;
  /** End of the period (exclusive); the instant backlog and clocks are judged at. @default now of the latest entry */
  to?: Date | string;
  /** One key or several (groups are their combinations). @default [] */
  groupBy?: GroupKey | readonly GroupKey[];
  /** Agents: teams for handoffs, capacity and calendars for utilisation. */
  agents?: readonly ReportAgent[];
  /** SLA policies, to report escalation levels. A desk source supplies its own. */
  policies?: readonly SlaPolicy[];
  /** The kind of each state. A desk source supplies its workflow's. @default the default workflow's kinds */
  kindOf?: (state: string) => string;
  /** State new tickets start in (not counted as work). @default 'pending' */
  initialState?: string;
  /** Oldest open tickets listed in the backlog. @default 10 */
  oldest?: number;
}

/** Count, mean, median and 90th percentile of durations, in minutes (null when no data). */
export interface DurationStats {
  readonly count: number;
  readonly meanMinutes: number | null;
  readonly medianMinutes: number | null;
  readonly p90Minutes: number | null;
}

/** Attainment of one SLA metric. */
export interface SlaAttainment {
  /** Clocks met without a breach. */
  readonly attained: number;
  /** Clocks breached (met late, or still open past the target). */
  readonly missed: number;
  /** Clocks still running within target, or paused. */
  readonly pending: number;
  /** attained / (attained + missed); null when nothing was decided. */
  readonly attainment: number | null;
}

/** Time spent in one state by the cohort's tickets. */
export interface DwellRow {
  readonly state: string;
  readonly tickets: number;
  readonly visits: number;
  readonly totalMinutes: number;
  /** Per ticket that visited the state. */
  readonly meanMinutes: number;
}

/** An open ticket in the backlog. */
export interface BacklogTicket {
  readonly id: string;
  readonly title: string;
  readonly status: string;
  readonly ageMinutes: number;
}

/** Every metric, for the whole period or one group. */
export interface ReportMetrics {
  /** Tickets created in the period (the cohort). */
  readonly tickets: number;
  readonly firstResponse: DurationStats & {
    /** Share of the cohort answered within 24 h, of those answered or older than 24 h at `to`. */
    readonly within24h: number | null;
    /** Attainment of the firstResponse SLA clock (null without such clocks). */
    readonly withinSla: number | null;
  };
  /** Creation to first resolution, for cohort tickets resolved before `to`. */
  readonly resolution: DurationStats;
  readonly sla: Partial<Record<SlaMetric, SlaAttainment>>;
  /** Tickets open at `to` (created before it, not resolved or closed), of any age. */
  readonly backlog: {
    readonly open: number;
    readonly meanAgeMinutes: number | null;
    readonly maxAgeMinutes: number | null;
    readonly byAge: {
      readonly under1d: number;
      readonly d1to3: number;
      readonly d3to7: number;
      readonly over7d: number;
    };
    readonly oldest: readonly BacklogTicket[];
  };
  /** Reopens in the period. */
  readonly reopens: { readonly tickets: number; readonly total: number };
  readonly dwell: readonly DwellRow[];
  /** Escalations fired in the period. */
  readonly escalations: {
    readonly total: number;
    readonly byRule: Readonly<Record<string, number>>;
    readonly byLevel: Readonly<Record<string, number>>;
  };
  /** Reassignments in the period; cross-team when the two agents' teams differ. */
  readonly handoffs: { readonly reassignments: number; readonly crossTeam: number };
}

/** One group of a grouped report. */
export interface ReportGroup {
  /** `category=network|priority=high`. */
  readonly key: string;
  readonly values: Readonly<Partial<Record<GroupKey, string>>>;
  readonly metrics: ReportMetrics;
}

/** Utilisation of one agent in the period. */
export interface AgentUtilisation {
  readonly id: string;
  readonly team: string | null;
  /** Minutes tickets held by the agent spent in a work state (open, not the initial state). */
  readonly workMinutes: number;
  /** Capacity × minutes on shift in the period. */
  readonly availableMinutes: number;
  readonly utilisation: number | null;
}

/** A point of the time series (one bucket). */
export interface SeriesPoint {
  /** Bucket start (ISO). */
  readonly at: string;
  readonly created: number;
  readonly resolved: number;
  /** Open at the bucket end. */
  readonly backlog: number;
}

/** A report: plain data, ready for {@link reportToCsv} or {@link renderHtmlReport}. */
export interface Report {
  readonly from: string;
  readonly to: string;
  readonly groupBy: readonly GroupKey[];
  readonly overall: ReportMetrics;
  readonly groups: readonly ReportGroup[];
  readonly agents: readonly AgentUtilisation[];
  readonly series: { readonly bucketMinutes: number; readonly points: readonly SeriesPoint[] };
}

const DEFAULT_KINDS: Record<string, string> = {
  awaiting_feedback: 'waiting',
  resolved: 'resolved',
  archived: 'closed',
  closed: 'closed',
};
const DAY = 1440;

interface Facts {
  ticket: Ticket;
  inCohort: boolean;
  fr: number | null;
  frKnown: boolean;
  within24: boolean;
  resolution: number | null;
  sla: SlaState | null;
  open: boolean;
  age: number;
  reopens: number;
  dwell: { state: string; ms: number; visits: number }[];
  escal: { rule: string; level: string }[];
  reassign: number;
  cross: number;
}

function stats(values: number[]): DurationStats {
  if (values.length === 0)
    return { count: 0, meanMinutes: null, medianMinutes: null, p90Minutes: null };
  const v = Float64Array.from(values).sort();
  const rank = (p: number) => v[Math.max(0, Math.ceil(p * v.length) - 1)]!;
  let sum = 0;
  for (const x of v) sum += x;
  return {
    count: v.length,
    meanMinutes: sum / v.length,
    medianMinutes: rank(0.5),
    p90Minutes: rank(0.9),
  };
}

class Block {
  tickets = 0;
  fr: number[] = [];
  frKnown = 0;
  within24 = 0;
  res: number[] = [];
  sla = new Map<SlaMetric, { attained: number; missed: number; pending: number }>();
  open = 0;
  ages: number[] = [];
  byAge = { under1d: 0, d1to3: 0, d3to7: 0, over7d: 0 };
  oldest: BacklogTicket[] = [];
  reopenTickets = 0;
  reopens = 0;
  dwell = new Map<string, { tickets: number; visits: number; ms: number }>();
  escal = 0;
  byRule: Record<string, number> = {};
  byLevel: Record<string, number> = {};
  reassign = 0;
  cross = 0;

  constructor(
    private readonly to: number,
    private readonly keepOldest: number,
  ) {}

  add(f: Facts): void {
    if (f.inCohort) {
      this.tickets++;
      if (f.fr !== null) this.fr.push(f.fr);
      if (f.frKnown) {
        this.frKnown++;
        if (f.within24) this.within24++;
      }
      if (f.resolution !== null) this.res.push(f.resolution);
      for (const c of f.sla?.clocks ?? []) {
        let a = this.sla.get(c.metric);
        if (!a) {
          a = { attained: 0, missed: 0, pending: 0 };
          this.sla.set(c.metric, a);
        }
        if (c.breachedAt !== null && isoMs(c.breachedAt) < this.to) a.missed++;
        else if (c.status === 'met') a.attained++;
        else if (
          (c.status === 'running' || c.status === 'breached') &&
          c.dueAt !== null &&
          isoMs(c.dueAt) <= this.to
        )
          a.missed++;
        else a.pending++;
      }
      if (f.reopens > 0) {
        this.reopenTickets++;
        this.reopens += f.reopens;
      }
      for (const d of f.dwell) {
        let x = this.dwell.get(d.state);
        if (!x) {
          x = { tickets: 0, visits: 0, ms: 0 };
          this.dwell.set(d.state, x);
        }
        x.tickets++;
        x.visits += d.visits;
        x.ms += d.ms;
      }
    }
    if (f.open) {
      this.open++;
      this.ages.push(f.age);
      if (f.age < DAY) this.byAge.under1d++;
      else if (f.age < 3 * DAY) this.byAge.d1to3++;
      else if (f.age < 7 * DAY) this.byAge.d3to7++;
      else this.byAge.over7d++;
      if (this.keepOldest > 0) {
        const row = {
          id: f.ticket.id,
          title: f.ticket.title,
          status: f.ticket.status,
          ageMinutes: f.age,
        };
        this.oldest.push(row);
        if (this.oldest.length > this.keepOldest * 4) this.trim();
      }
    }
    for (const e of f.escal) {
      this.escal++;
      this.byRule[e.rule] = (this.byRule[e.rule] ?? 0) + 1;
      this.byLevel[e.level] = (this.byLevel[e.level] ?? 0) + 1;
    }
    this.reassign += f.reassign;
    this.cross += f.cross;
  }

  private trim() {
    this.oldest.sort((a, b) => b.ageMinutes - a.ageMinutes || (a.id < b.id ? -1 : 1));
    this.oldest.length = Math.min(this.oldest.length, this.keepOldest);
  }

  done(): ReportMetrics {
    this.trim();
    const frSla = this.sla.get('firstResponse');
    const sla: Partial<Record<SlaMetric, SlaAttainment>> = {};
    for (const m of ['firstResponse', 'assignment', 'resolution', 'update'] as const) {
      const a = this.sla.get(m);
      if (a) {
        const d = a.attained + a.missed;
        sla[m] = { ...a, attainment: d ? a.attained / d : null };
      }
    }
    const ageStats = stats(this.ages);
    return {
      tickets: this.tickets,
      firstResponse: {
        ...stats(this.fr),
        within24h: this.frKnown ? this.within24 / this.frKnown : null,
        withinSla:
          frSla && frSla.attained + frSla.missed > 0
            ? frSla.attained / (frSla.attained + frSla.missed)
            : null,
      },
      resolution: stats(this.res),
      sla,
      backlog: {
        open: this.open,
        meanAgeMinutes: ageStats.meanMinutes,
        maxAgeMinutes: this.ages.length ? this.ages.reduce((a, b) => Math.max(a, b), 0) : null,
        byAge: this.byAge,
        oldest: this.oldest,
      },
      reopens: { tickets: this.reopenTickets, total: this.reopens },
      dwell: [...this.dwell].map(([state, x]) => ({
        state,
        tickets: x.tickets,
        visits: x.visits,
        totalMinutes: x.ms / 60_000,
        meanMinutes: x.ms / 60_000 / x.tickets,
      })),
      escalations: { total: this.escal, byRule: this.byRule, byLevel: this.byLevel },
      handoffs: { reassignments: this.reassign, crossTeam: this.cross },
    };
  }
}

function toMs(d: Date | string | undefined, what: string): number | undefined {
  if (d === undefined) return undefined;
  const ms = d instanceof Date ? d.getTime() : Date.parse(d);
  if (!Number.isFinite(ms))
    throw new TypeError(`buildReport: ${what} "${String(d)}" is not a valid date`);
  return ms;
}

function isStaff(actor: { id: string; roles: readonly string[] }, requester: string): boolean {
  return actor.id !== requester && actor.roles.some((r) => r !== 'requester' && r !== 'system');
}

/**
 * Builds a report from a desk (or tickets with their audit trails) for a period, grouped as
 * asked. Every figure comes from the audit trail and the SLA clocks; definitions are in
 * docs/guides/reports.md.
 *
 * @example
 * ```ts
 * const report = await buildReport(desk, { from: '2026-03-01T00:00:00+08:00', to: '2026-04-01T00:00:00+08:00', groupBy: 'team' });
 * console.log(report.overall.firstResponse.medianMinutes);
 * await writeFile('report.html', renderHtmlReport(report));
 * ```
 */
export async function buildReport(
  source: ReportSource,
  options: ReportOptions = {},
): Promise<Report> {
  const groupBy: GroupKey[] =
    options.groupBy === undefined
      ? []
      : typeof options.groupBy === 'string'
        ? [options.groupBy]
        : [...options.groupBy];
  let kindOf = options.kindOf ?? ((s: string) => DEFAULT_KINDS[s] ?? 'open');
  let initial = options.initialState ?? 'pending';
  let policies = options.policies ?? [];
  let tickets: Iterable<Ticket> | AsyncIterable<Ticket>;
  let historyOf: (t: Ticket) => readonly AuditEntry[] | Promise<readonly AuditEntry[]>;
  if ('list' in source) {
    const desk = source as unknown as {
      list(q: object): Promise<{ items: Ticket[]; nextCursor: string | null }>;
      history(id: string): Promise<AuditEntry[]>;
      workflow: { kindOf(s: string): string; initial: string; hasState(s: string): boolean };
      sla?: { policies: readonly SlaPolicy[] };
    };
    const wf = desk.workflow;
    if (!options.kindOf) kindOf = (s) => (wf.hasState(s) ? wf.kindOf(s) : 'open');
    if (!options.initialState) initial = wf.initial;
    if (!options.policies && desk.sla) policies = desk.sla.policies;
    tickets = (async function* () {
      let cursor: string | null = null;
      do {
        const page: { items: Ticket[]; nextCursor: string | null } = await desk.list({
          limit: 1000,
          cursor,
        });
        yield* page.items;
        cursor = page.nextCursor;
      } while (cursor);
    })();
    historyOf = (t) => desk.history(t.id);
  } else {
    tickets = source.tickets;
    const h = source.history;
    historyOf = typeof h === 'function' ? h : (t) => h.get(t.id) ?? [];
  }
  const levelOf = new Map<string, string>();
  for (const p of policies)
    for (const r of p.escalations) levelOf.set(r.name, String(r.level ?? 1));
  const teamOf = new Map((options.agents ?? []).map((a) => [a.id, a.team]));
  const isDone = (s: string) => {
    const k = kindOf(s);
    return k === 'resolved' || k === 'closed';
  };

  // Read everything once; `to` defaults to the latest entry.
  const from0 = toMs(options.from, 'from');
  const to0 = toMs(options.to, 'to');
  const rows: { t: Ticket; h: readonly AuditEntry[] }[] = [];
  let latest = Number.NEGATIVE_INFINITY;
  let earliest = Number.POSITIVE_INFINITY;
  for await (const t of tickets as AsyncIterable<Ticket>) {
    const h = await historyOf(t);
    rows.push({ t, h });
    const c = isoMs(t.createdAt);
    if (c < earliest) earliest = c;
    const u = isoMs(h.length ? h[h.length - 1]!.at : t.updatedAt);
    if (u > latest) latest = u;
  }
  const from = from0 ?? (Number.isFinite(earliest) ? earliest : 0);
  const to = to0 ?? (Number.isFinite(latest) ? latest + 1 : from);
  const keep = options.oldest ?? 10;
  const overall = new Block(to, keep);
  const groups = new Map<string, { values: Partial<Record<GroupKey, string>>; block: Block }>();
  const work = new Map<string, number>();
  const periodMin = Math.max(0, (to - from) / 60_000);
  const bucketMinutes = periodMin <= 400 * DAY ? DAY : Math.ceil(periodMin / 400 / DAY) * DAY;
  const nBuckets = Math.max(1, Math.ceil(periodMin / bucketMinutes));
  const created = new Float64Array(nBuckets);
  const resolvedS = new Float64Array(nBuckets);
  const backlogDelta = new Float64Array(nBuckets + 1);
  let backlogBefore = 0;
  const bucket = (ms: number) => Math.floor((ms - from) / 60_000 / bucketMinutes);

  for (const { t, h } of rows) {
    const createdAt = isoMs(t.createdAt);
    if (createdAt >= to) continue;
    const inCohort = createdAt >= from;
    let frAt: number | null = null;
    let firstResolved: number | null = null;
    let status = '';
    let assignee: string | null = null;
    let workSince: number | null = null;
    let sla: SlaState | null = null;
    let reopens = 0;
    let reassign = 0;
    let cross = 0;
    const escal: Facts['escal'] = [];
    const upto: AuditEntry[] = [];
    const flushWork = (at: number) => {
      if (workSince !== null && assignee !== null) {
        const a = Math.max(workSince, from);
        const b = Math.min(at, to);
        if (b > a) work.set(assignee, (work.get(assignee) ?? 0) + (b - a) / 60_000);
      }
      workSince = null;
    };
    for (const e of h) {
      const at = isoMs(e.at);
      if (at >= to) break;
      upto.push(e);
      const ch = e.changes;
      if (ch.sla) sla = ch.sla.to as SlaState | null;
      if (
        frAt === null &&
        e.action === 'comment' &&
        e.meta?.visibility === 'public' &&
        isStaff(e.actor, t.requester)
      )
        frAt = at;
      const inPeriod = at >= from;
      if (ch.reopenCount && inPeriod && Number(ch.reopenCount.to) > Number(ch.reopenCount.from))
        reopens++;
      if (ch.assignee) {
        const a = ch.assignee.from as string | null;
        const b = ch.assignee.to as string | null;
        if (a !== null && b !== null && a !== b && inPeriod) {
          reassign++;
          const ta = teamOf.get(a);
          const tb = teamOf.get(b);
          if (ta !== undefined && tb !== undefined && ta !== tb) cross++;
        }
      }
      if (e.action === 'sla' && inPeriod) {
        const firings = (e.meta?.firings ?? []) as { kind: string; rule?: string }[];
        for (const f of firings) {
          if (f.kind === 'escalation' && f.rule)
            escal.push({ rule: f.rule, level: levelOf.get(f.rule) ?? '1' });
        }
      }
      if (ch.status || ch.assignee) {
        flushWork(at);
        if (ch.status) status = String(ch.status.to);
        if (ch.assignee) assignee = ch.assignee.to as string | null;
        if (status !== initial && kindOf(status) === 'open') workSince = at;
        if (ch.status && firstResolved === null && isDone(status)) firstResolved = at;
      }
    }
    flushWork(to);
    const open = !isDone(status || t.status);
    const age = (to - createdAt) / 60_000;
    const fr = frAt === null ? null : (frAt - createdAt) / 60_000;
    const facts: Facts = {
      ticket: t,
      inCohort,
      fr: inCohort ? fr : null,
      frKnown: fr !== null || age >= DAY,
      within24: fr !== null && fr <= DAY,
      resolution: firstResolved === null ? null : (firstResolved - createdAt) / 60_000,
      sla,
      open,
      age,
      reopens,
      dwell: inCohort ? dwellTimes(upto, new Date(to)) : [],
      escal,
      reassign,
      cross,
    };
    overall.add(facts);
    if (groupBy.length) {
      const values: Partial<Record<GroupKey, string>> = {};
      for (const g of groupBy) {
        const v =
          g === 'agent'
            ? (assignee ?? t.assignee)
            : g === 'region'
              ? (t.custom.region as string | undefined)
              : t[g];
        values[g] = v === null || v === undefined ? '(none)' : String(v);
      }
      const key = groupBy.map((g) => `${g}=${values[g]}`).join('|');
      let grp = groups.get(key);
      if (!grp) {
        grp = { values, block: new Block(to, keep) };
        groups.set(key, grp);
      }
      grp.block.add(facts);
    }
    // Series: created and first-resolved per bucket, backlog from the open interval.
    if (inCohort) created[bucket(createdAt)]!++;
    if (firstResolved !== null && firstResolved >= from) resolvedS[bucket(firstResolved)]!++;
    const openFrom = createdAt < from ? -1 : bucket(createdAt);
    const closeAt = firstResolved !== null && !open ? bucket(firstResolved) : nBuckets;
    if (openFrom < 0) {
      if (!(firstResolved !== null && firstResolved < from && !open)) {
        backlogBefore++;
        if (closeAt < nBuckets) backlogDelta[Math.max(0, closeAt)]!--;
      }
    } else {
      backlogDelta[openFrom]!++;
      if (closeAt < nBuckets) backlogDelta[closeAt]!--;
    }
  }

  const points: SeriesPoint[] = [];
  let backlog = backlogBefore;
  for (let b = 0; b < nBuckets; b++) {
    backlog += backlogDelta[b]!;
    points.push({
      at: new Date(from + b * bucketMinutes * 60_000).toISOString(),
      created: created[b]!,
      resolved: resolvedS[b]!,
      backlog,
    });
  }
  const agentList = options.agents ?? [...work.keys()].sort().map((id) => ({ id }) as ReportAgent);
  const agents: AgentUtilisation[] = agentList.map((a) => {
    const shift = a.calendar
      ? a.calendar.businessMinutesBetween(new Date(from), new Date(to))
      : periodMin;
    const available = (a.capacity ?? 1) * shift;
    const w = work.get(a.id) ?? 0;
    return {
      id: a.id,
      team: a.team ?? null,
      workMinutes: w,
      availableMinutes: available,
      utilisation: available > 0 ? w / available : null,
    };
  });
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    groupBy,
    overall: overall.done(),
    groups: [...groups]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, g]) => ({ key, values: g.values, metrics: g.block.done() })),
    agents,
    series: { bucketMinutes, points },
  };
}
