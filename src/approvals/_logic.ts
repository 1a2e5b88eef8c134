// Pure approval transitions: instance in, next instance + records to seal + events out.
// The engine (engine.ts) wraps them in compare-and-set and chain appends.
import { ApprovalError } from './errors';
import type {
  ApprovalActor,
  ApprovalDirectory,
  ApprovalEvent,
  ApprovalFlow,
  ApprovalInstance,
  ApprovalRecordType,
  ApproverSeat,
  DecideInput,
  GroupMode,
  Recipients,
} from './types';

/** A record before the engine seals it onto the chain. */
export interface PendingRecord {
  type: ApprovalRecordType;
  actor: string;
  data: Record<string, unknown>;
}

/** Output of a transition. */
export interface Step<X = object> {
  instance: ApprovalInstance;
  records: PendingRecord[];
  events: ApprovalEvent[];
  extra: X;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };
type Draft = Mutable<ApprovalInstance>;

/** Approvals needed to approve, rejections needed to reject, for `n` seats under `mode`. */
export function thresholds(mode: GroupMode, n: number): { approve: number; reject: number } {
  if (mode === 'any') return { approve: 1, reject: 1 };
  const k = mode === 'all' ? n : mode.quorum;
  return { approve: k, reject: n - k + 1 };
}

/** Outcome of a step from its tallies. */
export function stepOutcome(
  mode: GroupMode,
  n: number,
  approvals: number,
  rejections: number,
): 'approved' | 'rejected' | 'pending' {
  const t = thresholds(mode, n);
  if (approvals >= t.approve) return 'approved';
  if (rejections >= t.reject) return 'rejected';
  return 'pending';
}

const seatName = (s: ApproverSeat) => ('approver' in s ? s.approver : `role:${s.role}`);

export interface Ctx {
  now: string;
  directory: ApprovalDirectory | undefined;
}

function holdsRole(actor: ApprovalActor, role: string, tenantId: string, ctx: Ctx): boolean {
  if (actor.roles?.includes(role)) return true;
  return ctx.directory?.membersOf(role, tenantId).includes(actor.id) ?? false;
}

/** Who should act on the pending step: undecided seats, minus people who already decided. */
export function recipients(inst: ApprovalInstance, step: number, ctx: Ctx): Recipients {
  const def = inst.flow.steps[step]!;
  const status = inst.steps[step]!;
  const decided = inst.decisions.filter((d) => d.step === step);
  const voters = new Set(decided.map((d) => d.actorId));
  const users = new Set<string>();
  const roles = new Set<string>();
  def.seats.forEach((s, j) => {
    if (decided.some((d) => d.seat === j)) return;
    if ('approver' in s) users.add(s.approver);
    else {
      const members = ctx.directory?.membersOf(s.role, inst.tenantId) ?? [];
      if (members.length === 0) roles.add(s.role);
      for (const m of members) users.add(m);
    }
    const d = status.delegatedTo[j];
    if (d) users.add(d);
  });
  for (const v of voters) users.delete(v);
  return { users: [...users], roles: [...roles] };
}

function base(inst: ApprovalInstance, at: string) {
  return { tenantId: inst.tenantId, ticketId: inst.ticketId, instanceId: inst.id, at };
}

/** A new instance with its first step pending. */
export function startInstance(
  id: string,
  tenantId: string,
  ticketId: string,
  flow: ApprovalFlow,
  requester: string,
  ctx: Ctx,
): Step {
  const instance: ApprovalInstance = {
    id,
    tenantId,
    ticketId,
    flow,
    requester,
    state: 'pending',
    currentStep: 0,
    steps: flow.steps.map((s, i) => ({
      index: i,
      state: i === 0 ? 'pending' : 'waiting',
      ...(i === 0 ? { startedAt: ctx.now } : {}),
      delegatedTo: s.seats.map(() => null),
      nudges: 0,
    })),
    decisions: [],
    createdAt: ctx.now,
    updatedAt: ctx.now,
    version: 1,
  };
  return {
    instance,
    records: [{ type: 'start', actor: requester, data: { flowId: flow.id, flow, requester } }],
    events: [
      {
        type: 'approval.requested',
        ...base(instance, ctx.now),
        step: 0,
        notify: recipients(instance, 0, ctx),
      },
    ],
    extra: {},
  };
}

function assertOpen(inst: ApprovalInstance, actorId: string | undefined): number {
  if (inst.state !== 'pending' || inst.currentStep === null) {
    throw new ApprovalError({
      reason: 'finished',
      instanceId: inst.id,
      ...(actorId ? { actorId } : {}),
      message: `Approval ${inst.id} is already ${inst.state}; no further decisions or nudges are accepted. Start a new approval if needed.`,
    });
  }
  return inst.currentStep;
}

function draftOf(inst: ApprovalInstance, now: string): Draft {
  const d = structuredClone(inst) as Draft;
  d.version = inst.version + 1;
  d.updatedAt = now;
  return d;
}

/** Records a decision; advances or finishes the instance when the step is decided. */
export function decideInstance(inst: ApprovalInstance, input: DecideInput, ctx: Ctx): Step {
  const actor = input.actor;
  const step = assertOpen(inst, actor.id);
  const def = inst.flow.steps[step]!;
  const status = inst.steps[step]!;
  const inStep = inst.decisions.filter((d) => d.step === step);
  if (inStep.some((d) => d.actorId === actor.id)) {
    throw new ApprovalError({
      reason: 'double_vote',
      instanceId: inst.id,
      actorId: actor.id,
      message: `"${actor.id}" already decided step ${step} of approval ${inst.id}; each person decides a step once.`,
    });
  }
  let direct: number | undefined;
  let delegated: number | undefined;
  let capable = false;
  def.seats.forEach((s, j) => {
    const mine =
      'approver' in s ? s.approver === actor.id : holdsRole(actor, s.role, inst.tenantId, ctx);
    const asDelegate = status.delegatedTo[j] === actor.id;
    if (!mine && !asDelegate) return;
    capable = true;
    if (inStep.some((d) => d.seat === j)) return;
    if (mine && direct === undefined) direct = j;
    if (asDelegate && delegated === undefined) delegated = j;
  });
  const seat = direct ?? delegated;
  if (seat === undefined) {
    throw new ApprovalError(
      capable
        ? {
            reason: 'seat_taken',
            instanceId: inst.id,
            actorId: actor.id,
            message: `Every seat "${actor.id}" could fill in step ${step} of approval ${inst.id} was already decided by someone else.`,
          }
        : {
            reason: 'not_an_approver',
            instanceId: inst.id,
            actorId: actor.id,
            message: `"${actor.id}" is not an approver of step ${step} of approval ${inst.id} (approvers: ${def.seats.map(seatName).join(', ')}), nor an active delegate.`,
          },
    );
  }
  const seatDef = def.seats[seat]!;
  const onBehalfOf = direct === undefined ? seatName(seatDef) : undefined;
  const d = draftOf(inst, ctx.now);
  const decision = {
    step,
    seat,
    actorId: actor.id,
    ...(onBehalfOf ? { onBehalfOf } : {}),
    decision: input.decision,
    ...(input.comment !== undefined ? { comment: input.comment } : {}),
    ...(input.ip !== undefined ? { ip: input.ip } : {}),
    ...(input.userAgent !== undefined ? { userAgent: input.userAgent } : {}),
    at: ctx.now,
  };
  d.decisions.push(decision);
  const b = base(inst, ctx.now);
  const records: PendingRecord[] = [
    { type: 'decision', actor: actor.id, data: { ...decision, roles: [...(actor.roles ?? [])] } },
  ];
  const events: ApprovalEvent[] = [
    {
      type: 'approval.decided',
      ...b,
      step,
      actorId: actor.id,
      ...(onBehalfOf ? { onBehalfOf } : {}),
      decision: input.decision,
    },
  ];
  const tally = [...inStep, decision];
  const approvals = tally.filter((x) => x.decision === 'approve').length;
  const outcome = stepOutcome(def.mode, def.seats.length, approvals, tally.length - approvals);
  if (outcome === 'pending') return { instance: d, records, events, extra: {} };
  const ds = d.steps[step]!;
  ds.state = outcome;
  ds.decidedAt = ctx.now;
  if (outcome === 'approved' && step + 1 < d.steps.length) {
    const next = d.steps[step + 1]!;
    next.state = 'pending';
    next.startedAt = ctx.now;
    d.currentStep = step + 1;
    events.push({
      type: 'approval.requested',
      ...b,
      step: step + 1,
      notify: recipients(d, step + 1, ctx),
    });
    return { instance: d, records, events, extra: {} };
  }
  d.state = outcome;
  d.currentStep = null;
  d.completedAt = ctx.now;
  for (const s of d.steps) if (s.state === 'waiting') s.state = 'cancelled';
  const moveTo = outcome === 'rejected' ? inst.flow.onReject?.moveTo : undefined;
  const gates = inst.flow.gates;
  records.push({
    type: 'outcome',
    actor: actor.id,
    data: { outcome, step, ...(moveTo ? { moveTo } : {}), ...(gates ? { gates } : {}) },
  });
  events.push({
    type: 'approval.completed',
    ...b,
    outcome,
    ...(moveTo ? { moveTo } : {}),
    ...(gates ? { gates } : {}),
  });
  return { instance: d, records, events, extra: {} };
}

/** A requester's reminder; refused when sooner than `intervalMs` after the last one. */
export function nudgeInstance(
  inst: ApprovalInstance,
  actor: ApprovalActor,
  nowMs: number,
  intervalMs: number,
  ctx: Ctx,
): Step<{ notify: Recipients; nudges: number; nextAllowedAt: string }> {
  const step = assertOpen(inst, actor.id);
  if (actor.id !== inst.requester) {
    throw new ApprovalError({
      reason: 'not_requester',
      instanceId: inst.id,
      actorId: actor.id,
      message: `Only the requester "${inst.requester}" may nudge approval ${inst.id}, not "${actor.id}".`,
    });
  }
  const status = inst.steps[step]!;
  if (status.lastNudgeAt !== undefined) {
    const next = Date.parse(status.lastNudgeAt) + intervalMs;
    if (nowMs < next) {
      const retryAt = new Date(next).toISOString();
      throw new ApprovalError({
        reason: 'nudge_rate_limited',
        instanceId: inst.id,
        actorId: actor.id,
        retryAt,
        message: `Step ${step} of approval ${inst.id} was nudged at ${status.lastNudgeAt}; the next nudge is allowed at ${retryAt}.`,
      });
    }
  }
  const d = draftOf(inst, ctx.now);
  const ds = d.steps[step]!;
  ds.nudges += 1;
  ds.lastNudgeAt = ctx.now;
  const notify = recipients(inst, step, ctx);
  const nextAllowedAt = new Date(nowMs + intervalMs).toISOString();
  return {
    instance: d,
    records: [
      { type: 'nudge', actor: actor.id, data: { step, nudges: ds.nudges, notify, nextAllowedAt } },
    ],
    events: [{ type: 'approval.nudged', ...base(inst, ctx.now), step, nudges: ds.nudges, notify }],
    extra: { notify, nudges: ds.nudges, nextAllowedAt },
  };
}

/** Withdraws a pending instance. */
export function cancelInstance(
  inst: ApprovalInstance,
  actor: ApprovalActor,
  reason: string | undefined,
  ctx: Ctx,
): Step {
  const step = assertOpen(inst, actor.id);
  const d = draftOf(inst, ctx.now);
  d.state = 'cancelled';
  d.currentStep = null;
  d.completedAt = ctx.now;
  for (const s of d.steps)
    if (s.state === 'waiting' || s.state === 'pending') s.state = 'cancelled';
  return {
    instance: d,
    records: [
      {
        type: 'outcome',
        actor: actor.id,
        data: { outcome: 'cancelled', step, ...(reason !== undefined ? { reason } : {}) },
      },
    ],
    events: [{ type: 'approval.completed', ...base(inst, ctx.now), outcome: 'cancelled' }],
    extra: {},
  };
}

/**
 * Hands every undecided seat of the current step whose deadline (`dueOf`) has passed to its
 * delegate, once per seat. Returns `undefined` when nothing is due.
 */
export function delegateDue(
  inst: ApprovalInstance,
  nowMs: number,
  dueOf: (seat: ApproverSeat, startedAt: Date) => number,
  ctx: Ctx,
): Step<{ delegated: { step: number; from: string; to: string }[] }> | undefined {
  if (inst.state !== 'pending' || inst.currentStep === null) return undefined;
  const step = inst.currentStep;
  const status = inst.steps[step]!;
  if (status.startedAt === undefined) return undefined;
  const started = new Date(status.startedAt);
  const def = inst.flow.steps[step]!;
  const decided = new Set(inst.decisions.filter((x) => x.step === step).map((x) => x.seat));
  const d = draftOf(inst, ctx.now);
  const records: PendingRecord[] = [];
  const events: ApprovalEvent[] = [];
  const delegated: { step: number; from: string; to: string }[] = [];
  def.seats.forEach((s, j) => {
    if (!s.delegate || status.delegatedTo[j] || decided.has(j)) return;
    const due = dueOf(s, started);
    if (nowMs < due) return;
    const from = seatName(s);
    d.steps[step]!.delegatedTo[j] = s.delegate;
    const dueAt = new Date(due).toISOString();
    records.push({
      type: 'delegation',
      actor: 'system',
      data: { step, seat: j, from, to: s.delegate, dueAt },
    });
    events.push({ type: 'approval.delegated', ...base(inst, ctx.now), step, from, to: s.delegate });
    delegated.push({ step, from, to: s.delegate });
  });
  if (delegated.length === 0) return undefined;
  return { instance: d, records, events, extra: { delegated } };
}
