/**
 * The simulator: a discrete-event simulation on a manual clock that drives a real desk
 * (workflow, permissions, SLA engine, store) and a real dispatcher.
 */
import type { Clock } from '../clock/index';
import { createManualClock } from '../clock/index';
import { createTicketing, type Desk } from '../desk/index';
import { type Agent, createDispatcher, type GeoPoint } from '../dispatch/index';
import { buildReport, type Report, type ReportAgent } from '../reports/index';
import {
  type BusinessCalendar,
  type CalendarSpec,
  calendar24x7,
  createCalendar,
  defineSlaPolicy,
  type SlaPolicy,
} from '../sla/index';
import type { DefaultStatus } from '../state-machine/index';
import { memoryStore, type TicketStore } from '../store/index';
import type { Priority, Ticket } from '../ticket/index';
import { generateArrivals } from './_arrivals';
import { EventHeap } from './_heap';
import { unit } from './_random';
import {
  type DispatchPolicySpec,
  type Distribution,
  parseScenario,
  type Scenario,
  type ScenarioInput,
} from './scenario';

/** What a custom dispatch policy sees of an agent. */
export interface SimAgentView {
  readonly id: string;
  readonly team: string | undefined;
  readonly skills: Readonly<Record<string, number>>;
  readonly capacity: number;
  /** Tickets being worked on right now. */
  readonly load: number;
  readonly location: GeoPoint | undefined;
  /** Tickets this agent has started so far. */
  readonly started: number;
}

/** What a custom dispatch policy sees of a ticket. */
export interface SimJob {
  readonly ticketId: string;
  readonly category: string;
  readonly priority: Priority;
  readonly requiredSkills: readonly string[];
  readonly team: string | undefined;
  readonly location: GeoPoint | undefined;
}

/**
 * A dispatch policy: one of the built-in ones in JSON form, or a function that chooses among the
 * eligible agents (on shift, below capacity, with the skills and team) and returns an id, or
 * null to leave the ticket queued.
 */
export type DispatchPolicy =
  | DispatchPolicySpec
  | {
      type: 'custom';
      name?: string;
      choose: (job: SimJob, candidates: readonly SimAgentView[], now: Date) => string | null;
    };

/** Progress of a running simulation. */
export interface SimulationProgress {
  /** The simulated instant reached (ISO). */
  readonly simulatedAt: string;
  /** Share of the simulated period done, 0..1. */
  readonly share: number;
  readonly created: number;
  readonly resolved: number;
  /** Tickets waiting for an agent. */
  readonly queued: number;
  /** Wall-clock milliseconds since the start (not part of the result). */
  readonly elapsedMs: number;
}

/** Options of {@link simulate}. */
export interface SimulateOptions {
  /** Where the desk keeps tickets. @default memoryStore() */
  store?: TicketStore;
  /** Overrides `scenario.dispatch`. */
  dispatch?: DispatchPolicy;
  /** Overrides `scenario.seed`. */
  seed?: number;
  /** Called about every 1 % of simulated time. */
  onProgress?: (p: SimulationProgress) => void;
  /** Wall clock for `elapsedMs` in progress reports. @default performance.now */
  wallClock?: () => number;
  /** Groups of the report in the result. @default [] */
  groupBy?: import('../reports/index').GroupKey[];
}

/** Per-agent figures of a run. */
export interface SimAgentResult {
  readonly id: string;
  readonly team: string | null;
  /** Work sessions started (a follow-up after feedback or a reopen counts again). */
  readonly sessions: number;
  /** Slot-minutes of work (travel included) inside the period. */
  readonly busyMinutes: number;
  /**
   * Busy slot-minutes inside the agent's shift / (capacity × minutes on shift in the period):
   * at most 1. Work running past the end of a shift counts in `busyMinutes`, not here.
   */
  readonly utilisation: number;
}

/** The outcome of a run: plain data, identical (deep and as JSON) for the same scenario and seed. */
export interface SimulationResult {
  readonly scenario: string;
  readonly policy: string;
  readonly seed: number;
  readonly from: string;
  readonly to: string;
  readonly tickets: {
    readonly created: number;
    readonly resolved: number;
    readonly open: number;
    readonly reopened: number;
    readonly askedForFeedback: number;
  };
  /** Waiting for the first agent (creation to first start of work = first response). */
  readonly queue: {
    /** Tickets that started by the end. */
    readonly started: number;
    readonly meanWaitMinutes: number;
    readonly p90WaitMinutes: number;
    /** Share of started tickets that waited at all. */
    readonly waitedShare: number;
    readonly maxQueue: number;
  };
  readonly sla: {
    readonly warnings: number;
    readonly breaches: number;
    readonly escalations: number;
  };
  readonly agents: readonly SimAgentResult[];
  /** The report over the period, from the desk's audit trail and SLA clocks. */
  readonly report: Report;
}

/** A finished run with the desk it drove (to build more reports or inspect tickets). */
export interface SimulationRun {
  readonly result: SimulationResult;
  readonly desk: Desk<DefaultStatus>;
  /** Ids of the tickets created, in creation order. */
  readonly ticketIds: readonly string[];
}

const PRI: readonly Priority[] = ['urgent', 'high', 'normal', 'low'];
const LEVEL: Record<Priority, number> = { urgent: 0, high: 1, normal: 2, low: 3 };

// Event kinds.
const ARRIVE = 0;
const DONE = 1;
const REPLY = 2;
const REOPEN = 3;
const WAKE = 4;
const TICK = 5;

// Ticket phases.
const QUEUED = 0;
const WORKING = 1;
const WAITING = 2;
const FOLLOWUP = 3;
const FINISHED = 4;

interface SimTicket {
  readonly idx: number;
  readonly id: string;
  readonly category: string;
  level: number;
  readonly skills: readonly string[];
  readonly team: string | undefined;
  readonly location: GeoPoint | undefined;
  readonly createdAt: number;
  agent: number;
  phase: number;
  /** 0 first session, 1 after feedback, 2 after reopen. */
  stage: number;
  readonly feedback: boolean;
  readonly reopen: boolean;
  responded: boolean;
  baseService: number;
}

interface SimAgent {
  readonly i: number;
  readonly id: string;
  readonly team: string | undefined;
  readonly skills: Readonly<Record<string, number>>;
  readonly capacity: number;
  readonly location: GeoPoint | undefined;
  readonly cal: number;
  readonly actor: { id: string; roles: string[] };
  load: number;
  started: number;
  busy: number;
  /** Busy minutes that fell inside the agent's shift (the utilisation numerator). */
  busyInShift: number;
  wakePending: boolean;
  readonly followups: SimTicket[];
  view: SimAgentView;
}

/** Draws minutes from a distribution with per-ticket uniforms (k, k+1). */
function draw(d: Distribution, seed: number, i: number, k: number): number {
  const u = unit(seed, i, k);
  switch (d.type) {
    case 'fixed':
      return d.value;
    case 'exponential':
      return -d.mean * Math.log(u);
    case 'uniform':
      return d.min + (d.max - d.min) * u;
    case 'lognormal': {
      const s2 = Math.log(1 + (d.sd * d.sd) / (d.mean * d.mean));
      const mu = Math.log(d.mean) - s2 / 2;
      const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * unit(seed, i, k + 1));
      return Math.exp(mu + Math.sqrt(s2) * z);
    }
    case 'empirical': {
      const w = d.weights;
      if (!w || w.length !== d.values.length) return d.values[Math.floor(u * d.values.length)]!;
      const total = w.reduce((a, b) => a + b, 0);
      let x = u * total;
      for (let j = 0; j < w.length; j++) {
        x -= w[j]!;
        if (x < 0) return d.values[j]!;
      }
      return d.values[d.values.length - 1]!;
    }
  }
}

function km(a: GeoPoint, b: GeoPoint): number {
  const r = Math.PI / 180;
  const dLat = (b.lat - a.lat) * r;
  const dLng = (b.lng - a.lng) * r;
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * r) * Math.cos(b.lat * r) * Math.sin(dLng / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Name of a dispatch policy, for tables. */
export function policyName(p: DispatchPolicy): string {
  return p.type === 'custom' ? (p.name ?? 'custom') : p.type;
}

/**
 * Runs a scenario and returns the result together with the desk it drove.
 *
 * The model: tickets arrive (Poisson streams or replay) and wait in one queue ordered by
 * priority, then arrival. An agent works on at most `capacity` tickets at once and starts work
 * only while on shift (work in hand continues past the shift end). Starting work assigns the
 * ticket, moves it to `in_progress` and posts the first public reply: the wait in the queue is
 * the first-response time. See docs/guides/simulation.md.
 */
export async function runSimulation(
  scenario: ScenarioInput | Scenario,
  options: SimulateOptions = {},
): Promise<SimulationRun> {
  const s = parseScenario(scenario);
  const seed = (options.seed ?? s.seed) >>> 0;
  const policy: DispatchPolicy = options.dispatch ?? s.dispatch;
  const start = Date.parse(s.start);
  const end = start + s.durationDays * 86_400_000;
  const wall = options.wallClock ?? (() => performance.now());
  const wall0 = wall();

  // Calendars: one object per distinct spec, shared by agents and policies.
  const calendars: BusinessCalendar[] = [];
  const always: boolean[] = [];
  const calIndex = new Map<string, number>();
  const calOf = (ref: string | CalendarSpec): number => {
    const key = typeof ref === 'string' ? ref : JSON.stringify(ref);
    let i = calIndex.get(key);
    if (i === undefined) {
      i = calendars.length;
      const spec = typeof ref === 'string' ? (ref === '24x7' ? null : s.calendars[ref]!) : ref;
      calendars.push(spec ? createCalendar(spec as CalendarSpec) : calendar24x7(s.timeZone));
      always.push(spec === null);
      calIndex.set(key, i);
    }
    return i;
  };
  // isOpen is asked for many agents at the same instant: cache one answer per calendar and instant.
  const openAt: number[] = [];
  const openVal: boolean[] = [];
  const isOpen = (c: number, t: number): boolean => {
    if (always[c]) return true;
    if (openAt[c] === t) return openVal[c]!;
    const v = calendars[c]!.isOpen(new Date(t));
    openAt[c] = t;
    openVal[c] = v;
    return v;
  };

  const regionPoint = (name: string | undefined): GeoPoint | undefined =>
    name === undefined ? undefined : s.regions[name]?.center;

  // Agents.
  const agents: SimAgent[] = [];
  for (const a of s.agents) {
    const n = a.count ?? 1;
    for (let k = 1; k <= n; k++) {
      const id = a.count ? `${a.id}-${k}` : a.id;
      const location = typeof a.location === 'string' ? regionPoint(a.location) : a.location;
      const ag: SimAgent = {
        i: agents.length,
        id,
        team: a.team,
        skills: a.skills,
        capacity: a.capacity,
        location,
        cal: calOf(a.calendar),
        actor: { id, roles: ['agent'] },
        load: 0,
        started: 0,
        busy: 0,
        busyInShift: 0,
        wakePending: false,
        followups: [],
        view: undefined as unknown as SimAgentView,
      };
      agents.push(ag);
    }
  }
  const byId = new Map(agents.map((a) => [a.id, a]));
  if (byId.size !== agents.length) {
    const { ValidationError } = await import('../errors/index');
    throw new ValidationError(
      [{ code: 'duplicate', path: ['agents'], message: 'agent ids must be unique' }],
      { context: 'Invalid scenario' },
    );
  }

  // SLA policies.
  const slaPolicies: SlaPolicy[] = s.sla.map((p) =>
    defineSlaPolicy({
      id: p.id,
      ...(p.match ? { match: p.match } : {}),
      calendar: calendars[calOf(p.calendar)]!,
      targets: p.targets,
      ...(p.warnAt ? { warnAt: p.warnAt } : {}),
      ...(p.hoursPerDay ? { hoursPerDay: p.hoursPerDay } : {}),
      ...(p.escalations ? { escalations: p.escalations } : {}),
    }),
  );

  // The desk: manual clock, seeded ids, SLA ticks driven by the simulation.
  const clock = createManualClock(start);
  let ticketSeq = 0;
  let commentSeq = 0;
  const desk = createTicketing({
    clock: clock as Clock,
    store: options.store ?? memoryStore(),
    generateId: (kind) => (kind === 'ticket' ? `T${++ticketSeq}` : `C${++commentSeq}`),
    children: { blockParent: false },
    ...(slaPolicies.length
      ? { sla: { policies: slaPolicies, autoTick: false, batchSize: 1000, reassign: () => null } }
      : {}),
  });

  // The weighted policy uses the real dispatcher over an indexed pool with live loads.
  let dispatcher: ReturnType<typeof createDispatcher> | undefined;
  let pool: ReturnType<ReturnType<typeof createDispatcher>['prepare']> | undefined;
  if (policy.type === 'weighted') {
    dispatcher = createDispatcher({
      weights: policy.weights,
      ...(policy.maxDistanceKm ? { maxDistanceKm: policy.maxDistanceKm } : {}),
    });
    const list: Agent[] = agents.map((a) => ({
      id: a.id,
      skills: a.skills,
      load: 0,
      capacity: a.capacity,
      ...(a.location ? { location: a.location } : {}),
      ...(a.team ? { team: a.team } : {}),
      ...(always[a.cal] ? {} : { calendar: { isOpen: (at: Date) => isOpen(a.cal, at.getTime()) } }),
    }));
    pool = dispatcher.prepare(list);
  }

  // Arrivals, drawn before anything runs: every policy sees the same ones.
  const arrivals = generateArrivals(s, seed);
  const nStreams = s.arrivals.streams.length;
  const heap = new EventHeap<number>();
  // Event payload: kind in the low 3 bits, index above.
  const ev = (kind: number, index: number) => index * 8 + kind;
  for (let i = 0; i < arrivals.at.length; i++) heap.push(arrivals.at[i]!, ev(ARRIVE, i));
  for (let t = start; t <= end; t += s.tickMinutes * 60_000) heap.push(t, ev(TICK, 0));

  const tickets: SimTicket[] = [];
  const ids: string[] = [];
  const queues: SimTicket[][] = [[], [], [], []];
  const heads = [0, 0, 0, 0];
  let queued = 0;
  let maxQueue = 0;
  let resolved = 0;
  let reopened = 0;
  let asked = 0;
  const waits: number[] = [];
  const sla = { warnings: 0, breaches: 0, escalations: 0 };
  const customer = { id: 'sim:customer', roles: ['requester'] };
  const dispatchActor = { id: 'sim:dispatch', roles: ['supervisor'] };

  desk.on('sla.warning', () => void sla.warnings++);
  desk.on('sla.breached', () => void sla.breaches++);
  desk.on('sla.escalated', (e) => {
    sla.escalations++;
    const t = bySimId.get(e.ticketId);
    if (t && t.phase === QUEUED) {
      const lv = LEVEL[e.ticket.priority];
      if (lv !== t.level) {
        t.level = lv;
        queues[lv]!.push(t);
      }
    }
  });
  const bySimId = new Map<string, SimTicket>();

  const canServe = (a: SimAgent, t: SimTicket) => {
    if (t.team !== undefined && a.team !== t.team) return false;
    for (const k of t.skills) if (!(a.skills[k]! > 0)) return false;
    return true;
  };

  const setLoad = (a: SimAgent, load: number) => {
    a.load = load;
    if (pool) pool.updateLoad(a.id, load, a.started);
  };

  const isFieldWork = (t: SimTicket) =>
    s.travel !== undefined && (!s.travel.categories || s.travel.categories.includes(t.category));

  const skillFactor = (a: SimAgent, t: SimTicket) => {
    if (s.skillFactor === 0 || t.skills.length === 0) return 1;
    let lowest = 5;
    for (const k of t.skills) lowest = Math.min(lowest, a.skills[k] ?? 0);
    return 1 + (s.skillFactor * Math.max(0, 5 - lowest)) / 5;
  };

  const addBusy = (a: SimAgent, from: number, minutes: number) => {
    const to = Math.min(end, from + minutes * 60_000);
    if (to <= from) return;
    a.busy += (to - from) / 60_000;
    // Work that runs past the end of a shift is overtime: it is not shift utilisation.
    a.busyInShift += always[a.cal]
      ? (to - from) / 60_000
      : calendars[a.cal]!.businessMinutesBetween(new Date(from), new Date(to));
  };

  /** Agent a starts (or resumes) work on t at `now`. */
  const startWork = async (a: SimAgent, t: SimTicket, now: number) => {
    t.phase = WORKING;
    a.started++;
    setLoad(a, a.load + 1);
    let minutes: number;
    if (t.stage === 0) {
      t.agent = a.i;
      await desk.assign(t.id, a.id, { actor: dispatchActor });
      await desk.transition(t.id, 'in_progress', { actor: a.actor });
      if (!t.responded) {
        t.responded = true;
        waits.push((now - t.createdAt) / 60_000);
        await desk.comment(t.id, { body: 'Received, working on it.' }, { actor: a.actor });
      }
      let travel = 0;
      if (isFieldWork(t)) {
        const tr = s.travel!;
        travel =
          t.location && a.location
            ? tr.overheadMinutes + (km(t.location, a.location) / tr.speedKmh) * 60
            : tr.fallback
              ? draw(tr.fallback, seed, t.idx, 8)
              : tr.overheadMinutes;
      }
      const work = t.baseService * skillFactor(a, t);
      minutes = travel + (t.feedback ? work * (s.feedback?.splitAt ?? 0.5) : work);
    } else if (t.stage === 1) {
      minutes = t.baseService * skillFactor(a, t) * (1 - (s.feedback?.splitAt ?? 0.5));
    } else {
      minutes = draw(s.reopen!.service, seed, t.idx, 7) * skillFactor(a, t);
    }
    addBusy(a, now, minutes);
    heap.push(now + Math.max(0, minutes) * 60_000, ev(DONE, t.idx));
  };

  /** A free agent on shift takes follow-ups first, then the queue (priority, then arrival). */
  const pull = async (a: SimAgent, now: number) => {
    while (a.load < a.capacity && isOpen(a.cal, now)) {
      const f = a.followups.shift();
      if (f) {
        await startWork(a, f, now);
        continue;
      }
      if (queued === 0) return;
      let found: SimTicket | undefined;
      for (let lv = 0; lv < 4 && !found; lv++) {
        const q = queues[lv]!;
        // Drop stale entries at the head (started, or moved to a higher level).
        while (heads[lv]! < q.length) {
          const h = q[heads[lv]!]!;
          if (h.phase === QUEUED && h.level === lv) break;
          heads[lv]!++;
        }
        const limit = Math.min(q.length, heads[lv]! + 512);
        for (let j = heads[lv]!; j < limit; j++) {
          const t = q[j]!;
          if (t.phase === QUEUED && t.level === lv && canServe(a, t)) {
            found = t;
            break;
          }
        }
        if (heads[lv]! > 4096 && heads[lv]! * 2 > q.length) {
          q.splice(0, heads[lv]!);
          heads[lv] = 0;
        }
      }
      if (!found) return;
      queued--;
      await startWork(a, found, now);
    }
  };

  let rr = 0;
  const choose = (t: SimTicket, now: number): SimAgent | undefined => {
    switch (policy.type) {
      case 'round-robin': {
        for (let k = 0; k < agents.length; k++) {
          const a = agents[(rr + k) % agents.length]!;
          if (a.load < a.capacity && canServe(a, t) && isOpen(a.cal, now)) {
            rr = (a.i + 1) % agents.length;
            return a;
          }
        }
        return undefined;
      }
      case 'least-loaded': {
        let best: SimAgent | undefined;
        let bestShare = 2;
        for (const a of agents) {
          if (a.load >= a.capacity) continue;
          const share = a.load / a.capacity;
          if (share >= bestShare && !(share === bestShare && a.started < best!.started)) continue;
          if (!canServe(a, t) || !isOpen(a.cal, now)) continue;
          best = a;
          bestShare = share;
        }
        return best;
      }
      case 'weighted': {
        const pick = dispatcher!.pick(
          {
            id: t.id,
            requiredSkills: t.skills,
            priority: PRI[t.level]!,
            ...(t.location ? { location: t.location } : {}),
            ...(t.team ? { team: t.team } : {}),
          },
          pool!,
          { at: new Date(now) },
        );
        return pick ? byId.get(pick.agentId) : undefined;
      }
      case 'custom': {
        const cands: SimAgentView[] = [];
        for (const a of agents) {
          if (a.load < a.capacity && canServe(a, t) && isOpen(a.cal, now)) {
            cands.push({
              id: a.id,
              team: a.team,
              skills: a.skills,
              capacity: a.capacity,
              load: a.load,
              location: a.location,
              started: a.started,
            });
          }
        }
        if (cands.length === 0) return undefined;
        const id = policy.choose(
          {
            ticketId: t.id,
            category: t.category,
            priority: PRI[t.level]!,
            requiredSkills: t.skills,
            team: t.team,
            location: t.location,
          },
          cands,
          new Date(now),
        );
        const a = id === null ? undefined : byId.get(id);
        return a && cands.some((c) => c.id === a.id) ? a : undefined;
      }
    }
  };

  const arrive = async (i: number, now: number) => {
    const src = arrivals.source[i]!;
    const st = src < nStreams ? s.arrivals.streams[src]! : undefined;
    const rp = src >= nStreams ? s.arrivals.replay[src - nStreams]! : undefined;
    const def = (st ?? rp)!;
    const region = def.region;
    let location: GeoPoint | undefined = rp?.location;
    if (!location && region !== undefined) {
      const r = s.regions[region]!;
      // Uniform in a disc of radiusKm around the centre.
      const dist = r.radiusKm * Math.sqrt(unit(seed, i, 9));
      const ang = 2 * Math.PI * unit(seed, i, 10);
      const dLat = (dist * Math.cos(ang)) / 111.32;
      const dLng = (dist * Math.sin(ang)) / (111.32 * Math.cos((r.center.lat * Math.PI) / 180));
      location = {
        lat: Math.round((r.center.lat + dLat) * 1e6) / 1e6,
        lng: Math.round((r.center.lng + dLng) * 1e6) / 1e6,
      };
    }
    const service = s.service[def.category] ?? s.service.default;
    const t0 = await desk.create(
      {
        title: rp?.title ?? `${def.category} request`,
        priority: def.priority,
        category: def.category,
        ...(def.channel ? { channel: def.channel } : {}),
        ...(def.team ? { team: def.team } : {}),
        ...(location ? { location } : {}),
        ...(region !== undefined ? { custom: { region } } : {}),
      },
      { actor: customer },
    );
    const feedback = s.feedback !== undefined && unit(seed, i, 3) < s.feedback.probability;
    const t: SimTicket = {
      idx: i,
      id: t0.id,
      category: def.category,
      level: LEVEL[t0.priority],
      skills: def.requiredSkills ?? [def.category],
      team: def.team,
      location,
      createdAt: now,
      agent: -1,
      phase: QUEUED,
      stage: 0,
      feedback,
      reopen: s.reopen !== undefined && unit(seed, i, 5) < s.reopen.probability,
      responded: false,
      baseService: draw(service, seed, i, 0),
    };
    if (feedback) asked++;
    tickets.push(t);
    ids.push(t.id);
    bySimId.set(t.id, t);
    const a = choose(t, now);
    if (a) await startWork(a, t, now);
    else {
      queues[t.level]!.push(t);
      queued++;
      if (queued > maxQueue) maxQueue = queued;
    }
  };

  const done = async (t: SimTicket, now: number) => {
    const a = agents[t.agent]!;
    setLoad(a, a.load - 1);
    if (t.stage === 0 && t.feedback) {
      t.phase = WAITING;
      t.stage = 1;
      await desk.transition(t.id, 'awaiting_feedback', { actor: a.actor });
      heap.push(now + draw(s.feedback!.delay, seed, t.idx, 4) * 60_000, ev(REPLY, t.idx));
    } else {
      t.phase = FINISHED;
      resolved++;
      await desk.transition(t.id, 'resolved', { actor: a.actor });
      if (t.reopen && t.stage !== 2) {
        heap.push(now + draw(s.reopen!.delay, seed, t.idx, 6) * 60_000, ev(REOPEN, t.idx));
      }
    }
    await pull(a, now);
  };

  const resume = async (t: SimTicket, now: number, reopen: boolean) => {
    const a = agents[t.agent]!;
    if (reopen) {
      t.stage = 2;
      reopened++;
      resolved--;
      await desk.transition(t.id, 'in_progress', { actor: customer });
    } else {
      await desk.comment(t.id, { body: 'Here is the information.' }, { actor: customer });
      await desk.transition(t.id, 'in_progress', { actor: a.actor });
    }
    t.phase = FOLLOWUP;
    a.followups.push(t);
    await pull(a, now);
  };

  const tick = async (now: number) => {
    if (slaPolicies.length) {
      const d = new Date(now);
      while ((await desk.sla.tick(d)) === 1000) {}
    }
    let pending = queued > 0;
    if (!pending) for (const a of agents) if (a.followups.length) pending = true;
    if (!pending) return;
    for (const a of agents) {
      if (a.load >= a.capacity) continue;
      if (isOpen(a.cal, now)) await pull(a, now);
      else if (!a.wakePending) {
        a.wakePending = true;
        const at = calendars[a.cal]!.nextOpen(new Date(now)).getTime();
        if (at < end) heap.push(at, ev(WAKE, a.i));
      }
    }
  };

  const step = Math.max(1, (end - start) / 100);
  let nextReport = start + step;
  while (heap.size > 0 && heap.peekTime() < end) {
    const now = heap.peekTime();
    const e = heap.pop()!;
    if (now > clock.now().getTime()) clock.set(now);
    const kind = e & 7;
    const index = (e - kind) / 8;
    switch (kind) {
      case ARRIVE:
        await arrive(index, now);
        break;
      case DONE:
        await done(tickets[index]!, now);
        break;
      case REPLY:
        await resume(tickets[index]!, now, false);
        break;
      case REOPEN:
        await resume(tickets[index]!, now, true);
        break;
      case WAKE: {
        const a = agents[index]!;
        a.wakePending = false;
        await pull(a, now);
        break;
      }
      case TICK:
        await tick(now);
        break;
    }
    if (options.onProgress && now >= nextReport) {
      nextReport = now + step;
      options.onProgress({
        simulatedAt: new Date(now).toISOString(),
        share: (now - start) / (end - start),
        created: tickets.length,
        resolved,
        queued,
        elapsedMs: wall() - wall0,
      });
    }
  }
  clock.set(end);
  if (slaPolicies.length) while ((await desk.sla.tick(new Date(end))) === 1000) {}

  const reportAgents: ReportAgent[] = agents.map((a) => ({
    id: a.id,
    ...(a.team ? { team: a.team } : {}),
    capacity: a.capacity,
    ...(always[a.cal] ? {} : { calendar: calendars[a.cal]! }),
  }));
  const store = desk.store;
  const report = await buildReport(
    {
      tickets: (async function* () {
        for (const id of ids) yield (await store.getTicket('default', id)) as Ticket;
      })(),
      history: (t: Ticket) => store.listAudit('default', t.id),
    },
    {
      from: new Date(start),
      to: new Date(end),
      groupBy: options.groupBy ?? [],
      agents: reportAgents,
      policies: slaPolicies,
    },
  );

  const sorted = Float64Array.from(waits).sort();
  const mean = waits.length ? waits.reduce((x, y) => x + y, 0) / waits.length : 0;
  const result: SimulationResult = {
    scenario: s.name,
    policy: policyName(policy),
    seed,
    from: new Date(start).toISOString(),
    to: new Date(end).toISOString(),
    tickets: {
      created: tickets.length,
      resolved,
      open: tickets.length - resolved,
      reopened,
      askedForFeedback: asked,
    },
    queue: {
      started: waits.length,
      meanWaitMinutes: mean,
      p90WaitMinutes: sorted.length ? sorted[Math.ceil(0.9 * sorted.length) - 1]! : 0,
      waitedShare: waits.length ? waits.filter((w) => w > 0).length / waits.length : 0,
      maxQueue,
    },
    sla,
    agents: agents.map((a) => {
      const shift = always[a.cal]
        ? (end - start) / 60_000
        : calendars[a.cal]!.businessMinutesBetween(new Date(start), new Date(end));
      return {
        id: a.id,
        team: a.team ?? null,
        sessions: a.started,
        busyMinutes: a.busy,
        utilisation: shift > 0 ? a.busyInShift / (a.capacity * shift) : 0,
      };
    }),
    report,
  };
  return { result, desk, ticketIds: ids };
}

/**
 * Runs a scenario and returns its result. Same scenario and seed, same result, bit for bit.
 *
 * @example
 * ```ts
 * const r = await simulate(scenario, { onProgress: (p) => console.log(p.share) });
 * console.log(r.report.overall.firstResponse.within24h);
 * ```
 */
export async function simulate(
  scenario: ScenarioInput | Scenario,
  options: SimulateOptions = {},
): Promise<SimulationResult> {
  return (await runSimulation(scenario, options)).result;
}
