import type { Clock } from '../clock/index';
import type { BusinessCalendar } from '../sla/index';

/** A value or a promise of it: store ports may be synchronous (memory) or not (SQL). */
export type Awaitable<T> = T | Promise<T>;

/** One named approver, optionally with a stand-in who takes over after `delegateAfter`. */
export interface ApproverSpec {
  /** User id of the approver. */
  readonly approver: string;
  /** User id who may decide instead once the step has waited `delegateAfter` business time. */
  readonly delegate?: string;
}

/** A role: anyone holding it (per `actor.roles` or the directory) may fill this seat. */
export interface RoleSpec {
  /** Role name, e.g. `finance`. */
  readonly role: string;
  /** User id who may decide instead once the step has waited `delegateAfter` business time. */
  readonly delegate?: string;
}

/** One seat of a step: a named approver or a role. */
export type ApproverSeat = ApproverSpec | RoleSpec;

/**
 * How a parallel group decides.
 * - `any`: the first decision (approve or reject) decides the step.
 * - `all`: every member must approve; any rejection rejects.
 * - `{ quorum: k }`: `k` approvals approve; the step rejects once `k` approvals became impossible.
 */
export type GroupMode = 'all' | 'any' | { readonly quorum: number };

/** A parallel group step: several seats deciding together under `mode`. */
export interface GroupSpec {
  /** The seats; no approver or role may appear twice. */
  readonly group: readonly ApproverSeat[];
  /** How the group decides. */
  readonly mode: GroupMode;
  /** Optional label for UIs and audit data. */
  readonly name?: string;
}

/** One step as written in {@link ApprovalFlowSpec.steps}. */
export type ApprovalStepSpec =
  | (ApproverSpec & { readonly name?: string })
  | (RoleSpec & { readonly name?: string })
  | GroupSpec;

/** Input of `defineApprovalFlow`. */
export interface ApprovalFlowSpec {
  /** Stable id of the flow, e.g. `change-request`. */
  readonly id: string;
  /** Steps, decided in series; at least one. */
  readonly steps: readonly ApprovalStepSpec[];
  /** Where a rejected ticket goes (the desk applies it). */
  readonly onReject?: { readonly moveTo?: string };
  /** The workflow move this flow gates: the desk refuses the move until the flow is approved. */
  readonly gates?: { readonly to: string };
}

/** A step after validation: every step is a list of seats with a mode. */
export interface ApprovalStep {
  /** Position in the flow, from 0. */
  readonly index: number;
  /** Label, if given. */
  readonly name?: string;
  /** What the step was written as. */
  readonly kind: 'approver' | 'role' | 'group';
  /** The seats; a single approver or role step has one seat. */
  readonly seats: readonly ApproverSeat[];
  /** How the seats decide (`all` for a one-seat step). */
  readonly mode: GroupMode;
}

/** A validated, frozen approval flow (plain data: it is stored inside each instance). */
export interface ApprovalFlow {
  /** Stable id of the flow. */
  readonly id: string;
  /** Validated steps, in order. */
  readonly steps: readonly ApprovalStep[];
  /** Where a rejected ticket goes (the desk applies it). */
  readonly onReject?: { readonly moveTo?: string };
  /** The workflow move this flow gates. */
  readonly gates?: { readonly to: string };
}

/** State of an approval instance. */
export type ApprovalState = 'pending' | 'approved' | 'rejected' | 'cancelled';

/** State of one step of an instance. */
export type StepState = 'waiting' | 'pending' | 'approved' | 'rejected' | 'cancelled';

/** A decision as recorded on the instance (and, hash-chained, in the audit records). */
export interface ApprovalDecision {
  /** Step index. */
  readonly step: number;
  /** Seat index inside the step. */
  readonly seat: number;
  /** Who decided. */
  readonly actorId: string;
  /** The approver the actor stood in for, when a delegate decided. */
  readonly onBehalfOf?: string;
  /** The decision. */
  readonly decision: 'approve' | 'reject';
  /** Free-text reason, when given. */
  readonly comment?: string;
  /** Client IP from the host's request context, when supplied. */
  readonly ip?: string;
  /** Client user agent from the host's request context, when supplied. */
  readonly userAgent?: string;
  /** ISO 8601 UTC, from the injected clock. */
  readonly at: string;
}

/** Progress of one step of an instance. */
export interface StepStatus {
  /** Step index. */
  readonly index: number;
  /** `waiting` until its turn, then `pending`, then decided (or `cancelled`). */
  readonly state: StepState;
  /** When the step became pending (ISO), if it has. */
  readonly startedAt?: string;
  /** When the step was approved or rejected (ISO). */
  readonly decidedAt?: string;
  /** Per seat: the delegate who took over, once `tick` handed the seat over. */
  readonly delegatedTo: readonly (string | null)[];
  /** Nudges sent while this step was pending. */
  readonly nudges: number;
  /** The last nudge (ISO). */
  readonly lastNudgeAt?: string;
}

/** One run of a flow for one ticket. */
export interface ApprovalInstance {
  /** Instance id (`apv_<uuid>` by default). */
  readonly id: string;
  /** Tenant of the ticket. */
  readonly tenantId: string;
  /** The ticket this approval is for. */
  readonly ticketId: string;
  /** The flow, as defined when the instance started. */
  readonly flow: ApprovalFlow;
  /** User id of whoever started it; the only one who may nudge. */
  readonly requester: string;
  /** `pending` until approved, rejected or cancelled. */
  readonly state: ApprovalState;
  /** Index of the pending step; `null` once finished. */
  readonly currentStep: number | null;
  /** Progress of every step, in flow order. */
  readonly steps: readonly StepStatus[];
  /** Every accepted decision, oldest first. */
  readonly decisions: readonly ApprovalDecision[];
  /** ISO 8601 UTC. */
  readonly createdAt: string;
  /** ISO 8601 UTC of the last change. */
  readonly updatedAt: string;
  /** ISO 8601 UTC of approval, rejection or cancellation. */
  readonly completedAt?: string;
  /** Optimistic-concurrency version: 1 on start, +1 per change. */
  readonly version: number;
}

/** Kinds of hash-chained approval record. */
export type ApprovalRecordType = 'start' | 'decision' | 'delegation' | 'nudge' | 'outcome';

/** The fields of a record that are hashed (everything but `hash`). */
export interface UnsealedApprovalRecord {
  /** 1, 2, 3 … per (tenant, ticket), gapless. */
  readonly seq: number;
  /** Tenant of the ticket. */
  readonly tenantId: string;
  /** The ticket whose chain this record belongs to. */
  readonly ticketId: string;
  /** The approval instance the record is about. */
  readonly instanceId: string;
  /** What happened. */
  readonly type: ApprovalRecordType;
  /** ISO 8601 UTC, from the injected clock. */
  readonly at: string;
  /** User id, or `system` for `tick`. */
  readonly actor: string;
  /** Type-specific facts (decision, comment, ip, userAgent, roles, delegate, outcome, ...). */
  readonly data: Readonly<Record<string, unknown>>;
  /** Hash of the previous record of this ticket; 64 zeros for seq 1. */
  readonly prevHash: string;
}

/** One hash-chained approval audit record: `hash = SHA-256(prevHash ‖ canonicalJSON(rest))`. */
export interface ApprovalRecord extends UnsealedApprovalRecord {
  /** Lower-case hex SHA-256. */
  readonly hash: string;
}

/** The last record of a ticket's chain: an anchor an app can sign or store elsewhere. */
export interface ChainHead {
  /** 0 for an empty chain. */
  readonly seq: number;
  /** Hash of the last record (64 zeros for an empty chain). */
  readonly hash: string;
}

/** Result of chain verification; `firstBadSeq` is the first sequence number affected. */
export type ChainVerification =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly firstBadSeq: number;
      readonly reason:
        | 'hash_mismatch'
        | 'seq_mismatch'
        | 'prev_hash_mismatch'
        | 'fork'
        | 'rewritten'
        | 'truncated'
        | 'head_mismatch';
    };

/** Result of {@link ApprovalStore.putInstance}. */
export type PutInstanceResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly conflict: true; readonly actualVersion: number };

/** Result of {@link ApprovalStore.append}. */
export type AppendResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly conflict: true; readonly head: ChainHead };

/**
 * Where approvals live. Records are append-only; instances use compare-and-set on `version`
 * so two concurrent decisions cannot both win.
 */
export interface ApprovalStore {
  /**
   * Appends a sealed record. Must refuse (`conflict`) unless `record.seq` is the ticket's head
   * seq + 1 and `record.prevHash` its head hash, so concurrent writers never fork the chain.
   */
  append(record: ApprovalRecord): Awaitable<AppendResult>;
  /** Every record of a ticket, oldest first. */
  list(tenantId: string, ticketId: string): Awaitable<readonly ApprovalRecord[]>;
  /** The ticket's chain head (`{ seq: 0, hash: 64 zeros }` when empty). */
  head(tenantId: string, ticketId: string): Awaitable<ChainHead>;
  /** An instance by id. */
  getInstance(id: string): Awaitable<ApprovalInstance | undefined>;
  /**
   * Stores `instance` if the stored version equals `expectedVersion` (`0` = must not exist yet).
   * `instance.version` is the new version.
   */
  putInstance(instance: ApprovalInstance, expectedVersion: number): Awaitable<PutInstanceResult>;
  /** Instances still `pending` (for `tick`). */
  listPending(): Awaitable<readonly ApprovalInstance[]>;
}

/** Who a step should be sent to. */
export interface Recipients {
  /** User ids (approvers, active delegates, and role members the directory resolved). */
  readonly users: readonly string[];
  /** Roles the directory did not resolve (no directory, or an empty role). */
  readonly roles: readonly string[];
}

/** App-provided lookups. */
export interface ApprovalDirectory {
  /** Members of a role in a tenant; they may decide for a role seat and are notified. */
  membersOf(role: string, tenantId: string): readonly string[];
  /** The approver's business calendar for `delegateAfter` (default: 24x7 UTC). */
  calendarOf?(userId: string): BusinessCalendar | undefined;
}

/** Options of `createApprovals`. */
export interface ApprovalsOptions {
  /** Time source. */
  clock: Clock;
  /** @default memoryApprovalStore() */
  store?: ApprovalStore;
  /** Resolves roles and calendars. */
  directory?: ApprovalDirectory;
  /**
   * Business time a seat may stay undecided before `tick` hands it to its delegate, on the
   * approver's calendar (`directory.calendarOf`) or 24x7 UTC.
   * @default '48h'
   */
  delegateAfter?: string;
  /** Minimum milliseconds between two nudges of the same step. @default 14_400_000 (4 h) */
  nudgeInterval?: number;
  /** Called with every event after it is stored. Errors thrown here propagate. */
  onEvent?: (event: ApprovalEvent) => void;
  /** Instance id generator. @default `apv_<uuid>` */
  generateId?: () => string;
}

/** The actor of a call. */
export interface ApprovalActor {
  /** User id. */
  readonly id: string;
  /** Roles the host authenticated for this actor (used for role seats). */
  readonly roles?: readonly string[];
}

/** Input of `decide`. */
export interface DecideInput {
  /** Who decides. */
  readonly actor: ApprovalActor;
  /** The decision. */
  readonly decision: 'approve' | 'reject';
  /** Free-text reason, recorded on the chain. */
  readonly comment?: string;
  /** Client IP, recorded on the chain. */
  readonly ip?: string;
  /** Client user agent, recorded on the chain. */
  readonly userAgent?: string;
}

/** Fields every approval event carries. */
interface EventBase {
  readonly tenantId: string;
  readonly ticketId: string;
  readonly instanceId: string;
  /** ISO 8601 UTC. */
  readonly at: string;
}

/** Everything the engine reports; `type`-keyed so a consumer can `switch (e.type)`. */
export type ApprovalEvent =
  | (EventBase & {
      readonly type: 'approval.requested';
      readonly step: number;
      readonly notify: Recipients;
    })
  | (EventBase & {
      readonly type: 'approval.decided';
      readonly step: number;
      readonly actorId: string;
      readonly onBehalfOf?: string;
      readonly decision: 'approve' | 'reject';
    })
  | (EventBase & {
      readonly type: 'approval.completed';
      readonly outcome: 'approved' | 'rejected' | 'cancelled';
      /** For a rejection: where `onReject` sends the ticket. */
      readonly moveTo?: string;
      /** The gated move, now allowed (approved) or still refused. */
      readonly gates?: { readonly to: string };
    })
  | (EventBase & {
      readonly type: 'approval.delegated';
      readonly step: number;
      readonly from: string;
      readonly to: string;
    })
  | (EventBase & {
      readonly type: 'approval.nudged';
      readonly step: number;
      readonly nudges: number;
      readonly notify: Recipients;
    });

/** Every approval event type, for consumers that forward all of them. */
export const APPROVAL_EVENT_TYPES = [
  'approval.requested',
  'approval.decided',
  'approval.completed',
  'approval.delegated',
  'approval.nudged',
] as const satisfies readonly ApprovalEvent['type'][];

/** What a mutating call did. */
export interface ApprovalResult {
  /** The instance after the call. */
  readonly instance: ApprovalInstance;
  /** Events, in order (also passed to `onEvent`). */
  readonly events: readonly ApprovalEvent[];
}

/** What `nudge` did. */
export interface NudgeResult extends ApprovalResult {
  /** Who to remind: the undecided seats of the current step. */
  readonly notify: Recipients;
  /** Nudges of this step so far, this one included. */
  readonly nudges: number;
  /** When the next nudge is allowed (ISO). */
  readonly nextAllowedAt: string;
}

/** One hand-over done by `tick`. */
export interface Delegation {
  /** The approval instance. */
  readonly instanceId: string;
  /** Tenant of the ticket. */
  readonly tenantId: string;
  /** The ticket. */
  readonly ticketId: string;
  /** Step index. */
  readonly step: number;
  /** The approver (or `role:<name>`) who did not decide in time. */
  readonly from: string;
  /** The delegate who may now decide. */
  readonly to: string;
}

/** What `tick` did. */
export interface TickResult {
  /** Every hand-over done, with approver and delegate named so both can be notified. */
  readonly delegated: readonly Delegation[];
  /** The matching `approval.delegated` events. */
  readonly events: readonly ApprovalEvent[];
}

/** The approval engine returned by `createApprovals`. */
export interface Approvals {
  /** Starts `flow` for a ticket; its first step becomes pending. */
  start(
    tenantId: string,
    ticketId: string,
    flow: ApprovalFlow,
    options: { requester: string },
  ): Promise<ApprovalResult>;
  /** Records a decision by an approver (or active delegate) of the current step. */
  decide(instanceId: string, input: DecideInput): Promise<ApprovalResult>;
  /** 催办: the requester reminds the current step's approvers (rate-limited). */
  nudge(instanceId: string, input: { actor: ApprovalActor }): Promise<NudgeResult>;
  /** Withdraws a pending instance (the desk decides who may). */
  cancel(
    instanceId: string,
    input: { actor: ApprovalActor; reason?: string },
  ): Promise<ApprovalResult>;
  /** Hands seats left undecided for `delegateAfter` to their delegates (once per seat). */
  tick(now?: Date): Promise<TickResult>;
  /** An instance by id. */
  get(instanceId: string): Promise<ApprovalInstance>;
  /** Recomputes a ticket's chain; with `head`, also detects truncation of the tail. */
  verifyApprovals(
    tenantId: string,
    ticketId: string,
    options?: { head?: ChainHead },
  ): Promise<ChainVerification>;
  /** The ticket's chain head, to sign or store elsewhere as an anchor. */
  exportHead(tenantId: string, ticketId: string): Promise<ChainHead>;
  /** The ticket's records, oldest first. */
  records(tenantId: string, ticketId: string): Promise<readonly ApprovalRecord[]>;
}
