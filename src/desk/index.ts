/**
 * The desk: `createTicketing()` wires a store, a workflow, a policy, a clock and typed events
 * into the commands an app calls.
 *
 * Every command follows one path: validate input → load the ticket in the actor's tenant →
 * check the expected version → check permission → compute the change with a pure function →
 * commit the ticket, its audit entry (and comments, idempotency record) atomically → emit the
 * event. A command that fails at any step changes nothing: no version bump, no audit entry,
 * no event.
 *
 * @module desk
 */
import EventEmitter from 'eventemitter3';
import type { z } from 'zod';
import { deepFreeze, fingerprint, randomId, sameValue, toIso } from '../_internal/index';
import type { ApprovalFlow, ApprovalInstance, Approvals, DecideInput } from '../approvals/index';
import type { AuditAction, AuditActor, AuditEntry } from '../audit/index';
import type { Classifier } from '../classify/index';
import { type Clock, systemClock, type TimerId } from '../clock/index';
import type {
  Agent,
  Dispatcher,
  DispatchJob,
  ExcludedAgent,
  RankedCandidate,
} from '../dispatch/index';
import {
  ConflictError,
  IdempotencyConflictError,
  isTicketkitError,
  NotFoundError,
  PermissionError,
  StoreError,
  TransitionError,
  ValidationError,
  type ValidationIssue,
} from '../errors/index';
import type { TicketkitEvent, TicketkitEvents } from '../events/index';
import type { ImportInput } from '../import/index';
import { normalizeIntake, normalizeMessageId, parseIntakeMessage } from '../intake/index';
import { deriveEventId } from '../notify/routing';
import {
  type Action,
  type Actor,
  type Decision,
  defaultPolicy,
  type Policy,
  type PolicyContext,
} from '../permissions/index';
import {
  deriveSla,
  dueFirings,
  freezeSlaState as freezeSla,
  nextDueAt,
  type SlaClockView,
  type SlaState,
  viewClock,
} from '../sla/clocks';
import type { EscalationRule, SlaMetric, SlaPolicy } from '../sla/policy';
import { memoryScheduler, type SlaScheduler } from '../sla/scheduler';
import {
  type DefaultStatus,
  defaultWorkflow,
  transition as pureTransition,
  type Workflow,
} from '../state-machine/index';
import { memoryStore } from '../store/memory';
import type {
  Comment,
  Commit,
  CommitOutcome,
  IdempotencyRecord,
  OutboxEvent,
  OutboxEventInput,
  SortField,
  StoreCursor,
  StoreFilter,
  TicketStore,
} from '../store/port';
import {
  type ExternalRefs,
  issuesFromZod,
  nextTicketVersion,
  PRIORITIES,
  type Priority,
  parseOrThrow,
  TICKET_LIMITS,
  type Ticket,
  type TicketDraft,
  TicketDraftSchema,
  type TicketPatch,
  TicketPatchSchema,
} from '../ticket/index';
import { createAutomation, type DeskAutomation } from './_auto';
import { type BulkItem, type BulkResult, bulkItems, runBulk } from './_bulk';
import {
  type Attachment,
  type CheckIn,
  type CheckInInput,
  type Evidence,
  type EvidenceResult,
  evidenceOf,
  parseAttachment,
  parseCheckIn,
} from './_evidence';
import { type DeskImportOptions, type DeskImportResult, runImport } from './_import';
import {
  applyLinkChange,
  createDeskLinks,
  type DeskLinks,
  keepLinks,
  type LinkChange,
} from './_links';
import { createMerge, defaultMergeState, type MergeContext, type MergeResult } from './_merge';
import {
  checkSimilarConfig,
  createDeskSimilar,
  type SimilarConfig,
  type SimilarQuery,
  type SimilarTickets,
} from './_similar';
import { createWindows, type DeskWindows, type WindowsOptions } from './_windows';

/** Facts about the request the host app is serving, recorded in the audit trail. */
export interface RequestInfo {
  /** Client IP address. */
  readonly ip?: string;
  /** Client user agent. */
  readonly userAgent?: string;
}

/** Context of a read: who reads, in which tenant. */
export interface ReadContext {
  /** Who reads. Omit for trusted system reads (no permission check, default tenant). */
  readonly actor?: Actor;
  /** The tenant; defaults to `actor.tenantId`, then the desk's `defaultTenantId`. */
  readonly tenantId?: string;
}

/** Context of a command: who acts, and how. */
export interface CommandContext {
  /** Who acts. Comes from the host app's session, never from request data. */
  readonly actor: Actor;
  /** The tenant; defaults to `actor.tenantId`, then the desk's `defaultTenantId`. */
  readonly tenantId?: string;
  /** Fail with a {@link ConflictError} unless the ticket is still at this version. */
  readonly expectedVersion?: number;
  /**
   * A retried command with the same key returns the first result instead of acting twice.
   * Keys are scoped per tenant and expire after `idempotencyTtlMs`.
   */
  readonly idempotencyKey?: string;
  /** Request facts for the audit trail. */
  readonly request?: RequestInfo;
}

/** Options of {@link createTicketing}. Every one is optional. */
export interface TicketingOptions<S extends string = DefaultStatus> {
  /** Where tickets live. @default memoryStore() */
  store?: TicketStore;
  /** The workflow tickets follow. @default defaultWorkflow */
  workflow?: Workflow<S>;
  /** Who may do what. @default defaultPolicy */
  policy?: Policy;
  /** The time source. @default systemClock */
  clock?: Clock;
  /** A zod schema for `ticket.custom`, checked on create and update. */
  customFields?: z.ZodType<Record<string, unknown>>;
  /** Tenant for contexts that name none. @default 'default' */
  defaultTenantId?: string;
  /** How long idempotency keys are remembered. @default 86_400_000 (24 h) */
  idempotencyTtlMs?: number;
  /** Id generator for tickets and comments (inject a seeded one for reproducible runs). */
  generateId?: (kind: 'ticket' | 'comment') => string;
  /**
   * Approval flows (see `createApprovals`): a flow with `gates: { to }` blocks that workflow
   * move until the ticket's latest instance of the flow is approved; a rejected flow with
   * `onReject: { moveTo }` moves the ticket there.
   */
  approvals?: { engine: Approvals; flows: readonly ApprovalFlow[] };
  /**
   * How `desk.similar` indexes resolved tickets: one BM25 index per tenant, built from the
   * store on the first query (the `maxTickets` most recently updated), kept current by this
   * desk's own changes, rebuilt after `refreshMs`. See docs/guides/classification.md.
   */
  similar?: SimilarConfig<S>;
  /** Automatic assignment with a dispatcher (see `createDispatcher`). */
  dispatch?: {
    dispatcher: Dispatcher;
    /**
     * The agents who may take tickets in a tenant (your user directory: skills, capacity,
     * location, team, shift calendar). Their `load` is replaced by the live count of open
     * tickets assigned to them in the store.
     */
    agents: (tenantId: string) => readonly Agent[] | Promise<readonly Agent[]>;
    /**
     * Turns a ticket into a dispatch job. Default: `requiredSkills` from
     * `ticket.custom.requiredSkills` (an array) or else the category; location, priority and
     * team from the ticket; `dueAt` from the earliest running SLA clock.
     */
    toJob?: (ticket: Ticket) => DispatchJob;
    /** Dispatch every new ticket right after it is created. @default false */
    autoDispatch?: boolean;
  };
  /** Joint handling windows (`desk.windows`): whose shift hours to check. */
  windows?: WindowsOptions;
  /** Merging duplicates (`desk.merge`). */
  merge?: {
    /**
     * The closed state merged duplicates move to. @default the workflow's first terminal
     * state of kind `closed` (`archived` in the default workflow)
     */
    state?: S;
  };
  /** Parent and child tickets. */
  children?: {
    /**
     * Refuse to move a parent to a resolved or closed state while a child is open (the move
     * would orphan it). @default true
     */
    blockParent?: boolean;
    /**
     * When the last open child resolves: `'resolve'` moves the parent to a resolved state,
     * `{ moveTo }` to a review state of your workflow (by the shortest path of allowed moves),
     * `'none'` leaves it. The children's results are rolled up into the audit entry.
     * @default 'none'
     */
    onAllResolved?: 'resolve' | 'none' | { moveTo: S };
    /** Max depth of a ticket tree (a top-level ticket is depth 1). @default 5 */
    maxDepth?: number;
  };
  /** SLA policies and how their timers run. Without policies, tickets carry no clocks. */
  sla?: {
    /** Checked in order; the first policy matching a ticket applies. */
    policies: readonly SlaPolicy[];
    /**
     * Keep due instants in this in-process scheduler instead of the store's durable timers
     * (`store.slaTimers`). Stores without durable timers use `memoryScheduler()` by default.
     */
    scheduler?: SlaScheduler;
    /**
     * With the store's durable timers: how long a claimed timer stays leased to this instance.
     * A claim not settled by then (the instance died) is taken over by another. @default 60_000
     */
    leaseMs?: number;
    /**
     * With a store shared by several processes (`capabilities.multiProcess`): how often to look
     * for timers due that other instances set, or that a crashed one left. @default 1000
     */
    pollIntervalMs?: number;
    /** This instance's name in timer leases. @default a random id */
    instanceId?: string;
    /**
     * Process due thresholds on the injected clock's timers. Turn off to drive processing
     * yourself with `desk.sla.tick()` (simulations, tests). @default true
     */
    autoTick?: boolean;
    /** Max tickets processed per tick, so a backlog never storms. @default 100 */
    batchSize?: number;
    /** Picks the new assignee for `{ reassign: 'dispatch' }` escalations. */
    reassign?: (ticket: Ticket, rule: EscalationRule) => string | null | Promise<string | null>;
  };
  /**
   * Write every change's events to the store's event outbox (`store.eventOutbox`) in the same
   * transaction as the change, for relays that must neither miss nor invent one: durable
   * notifications, a webhook to your CRM. Read them with `desk.outbox.relay(handler)`.
   * @default false
   */
  outbox?: boolean;
  /** Called when an event listener throws; the command itself has already succeeded. */
  onListenerError?: (error: unknown, event: TicketkitEvent<S>) => void;
}

/** Filters, sort and paging for {@link Desk.list}. */
export interface ListQuery<S extends string = string> {
  status?: S | readonly S[];
  priority?: Priority | readonly Priority[];
  /** An actor id, `null` for unassigned, or a list of either. */
  assignee?: string | null | readonly (string | null)[];
  team?: string | readonly string[];
  requester?: string | readonly string[];
  /** Children of this ticket; `null` for top-level tickets. */
  parentId?: string | null | readonly (string | null)[];
  /** @default 'createdAt' */
  sort?: SortField;
  /** @default 'asc' */
  direction?: 'asc' | 'desc';
  /** Page size, 1..1000. @default 50 */
  limit?: number;
  /** `nextCursor` from the previous page. */
  cursor?: string | null;
}

/** One page of a list. */
export interface Page<T> {
  readonly items: readonly T[];
  /** Pass as `cursor` to get the next page; `null` on the last page. */
  readonly nextCursor: string | null;
}

/** Input of {@link Desk.comment}. */
export interface CommentInput {
  /** The text, 1..20,000 characters. `@user-id` mentions are extracted. */
  body: string;
  /** @default 'public' */
  visibility?: 'public' | 'internal';
}

/** What {@link Desk.comment} returns. */
export interface CommentResult<S extends string = string> {
  readonly comment: Comment;
  /** The ticket after the comment (its version is one higher). */
  readonly ticket: Ticket<S>;
}

/** Extra facts for {@link Desk.can} about the action being considered. */
export interface CanOptions<S extends string = string> {
  /** For `transition`: the target state. */
  to?: S;
  /** For `update`: the patch. */
  patch?: Readonly<Record<string, unknown>>;
  /** For `assign`: the new assignee. */
  assignee?: string | null;
  /** For `comment`: its visibility. */
  visibility?: 'public' | 'internal';
  /** For `create`: the draft. */
  draft?: Readonly<Record<string, unknown>>;
}

export type {
  AutoHandleContext,
  AutoHandleResult,
  AutoHandler,
  DeskAutomation,
} from './_auto';
export type { BulkItem, BulkItemResult, BulkResult } from './_bulk';
export type {
  Attachment,
  CheckIn,
  CheckInInput,
  CheckInKind,
  Evidence,
  EvidenceResult,
  Position,
} from './_evidence';
export {
  AttachmentSchema,
  CHECK_IN_KINDS,
  CheckInSchema,
  EVIDENCE_LIMITS,
  PositionSchema,
} from './_evidence';
export type {
  DeskImportOptions,
  DeskImportProgress,
  DeskImportResult,
  ImportRecord,
} from './_import';
export type { DeskLinks, LinkCommandContext, LinkPage, LinkQuery, LinkReadContext } from './_links';
export type { MergeContext, MergeResult } from './_merge';
export type { SimilarConfig, SimilarQuery, SimilarTicket, SimilarTickets } from './_similar';
export type {
  BookResult,
  DeskWindows,
  WindowCommandContext,
  WindowConflict,
  WindowInput,
  WindowQuery,
  WindowsOptions,
} from './_windows';
export { offShift, WINDOW_LIMITS, WindowInputSchema } from './_windows';

/** Context of {@link Desk.intake}. */
export interface IntakeContext extends Omit<CommandContext, 'idempotencyKey' | 'expectedVersion'> {
  /** How ticket numbers appear in e-mail subjects (default: `[#TK-123]`, `工单号: TK-123`, ...). */
  readonly ticketNumberPattern?: RegExp;
  /** Fills category, priority and tags the message did not set (rules, a model, an LLM). */
  readonly classifier?: Classifier;
}

/** What {@link Desk.intake} returns. */
export type IntakeOutcome<S extends string = string> =
  | { readonly kind: 'created'; readonly ticket: Ticket<S>; readonly dedupKey: string }
  | {
      readonly kind: 'commented';
      readonly ticket: Ticket<S>;
      readonly comment: Comment;
      readonly dedupKey: string;
    };

/** Approval operations of a desk (`desk.approvals`). */
export interface DeskApprovals {
  /** Starts a configured flow on a ticket; the actor needs `update` permission on it. */
  request(ticketId: string, flowId: string, ctx: CommandContext): Promise<ApprovalInstance>;
  /**
   * Records an approver's decision (the engine checks who may decide). A rejection of a flow
   * with `onReject.moveTo` moves the ticket there, audited as `system:approvals`.
   */
  decide(
    instanceId: string,
    input: Omit<DecideInput, 'actor'>,
    ctx: CommandContext,
  ): Promise<ApprovalInstance>;
  /** Every approval instance of a ticket, oldest first. */
  status(ticketId: string, ctx?: ReadContext): Promise<ApprovalInstance[]>;
}

/** What {@link Desk.dispatch} returns. */
export interface DispatchOutcome<S extends string = string> {
  /** The ticket after the assignment (unchanged when nobody was eligible). */
  readonly ticket: Ticket<S>;
  /** The chosen agent with its score breakdown, or null. */
  readonly assigned: RankedCandidate | null;
  /** Why agents were excluded (only when nobody was eligible). */
  readonly excluded: readonly ExcludedAgent[];
  /** Set when nothing was done because the ticket already has an assignee (see `reassign`). */
  readonly skipped?: 'already_assigned';
}

/** Context of {@link Desk.dispatch}. */
export interface DispatchContext extends CommandContext {
  /** Agents not to consider (e.g. the one who just gave the ticket back). */
  readonly exclude?: readonly string[];
  /**
   * Dispatch even if the ticket already has an assignee. Without it, an assigned ticket is
   * left alone (`skipped: 'already_assigned'`), so concurrent dispatchers assign each ticket once.
   */
  readonly reassign?: boolean;
}

/** A row of the SLA board: an open ticket and its clocks at the board's instant. */
export interface SlaBoardRow<S extends string = string> {
  readonly ticket: Ticket<S>;
  /** `breached` (a clock passed its target), `at_risk` (past `atRiskAt`), `paused`, or `ok`. */
  readonly state: 'ok' | 'at_risk' | 'breached' | 'paused';
  /** When the first counting clock breaches (or breached); null if none is counting. */
  readonly nextDueAt: string | null;
  readonly clocks: readonly SlaClockView[];
}

/** The SLA countdown board: open tickets ordered by what breaches first. */
export interface SlaBoard<S extends string = string> {
  /** The instant the board was computed for (ISO). */
  readonly at: string;
  readonly counts: {
    readonly open: number;
    readonly atRisk: number;
    readonly breached: number;
    readonly paused: number;
  };
  readonly rows: readonly SlaBoardRow<S>[];
}

/** Options of {@link DeskSla.board}. */
export interface SlaBoardOptions {
  /** Compute the board at this instant. @default clock.now() */
  now?: Date;
  /** Only tickets this actor may read (and in the actor's tenant). */
  actor?: Actor;
  tenantId?: string;
  team?: string;
  priority?: Priority;
  /** Max rows. */
  limit?: number;
  /** Share of a target from which a running clock counts as at risk. @default 0.75 */
  atRiskAt?: number;
}

/** SLA operations of a desk (`desk.sla`). */
export interface DeskSla<S extends string = string> {
  /** The policies in force. */
  readonly policies: readonly SlaPolicy[];
  /**
   * Fires every threshold due at `now` (default: the clock's now): warnings, breaches and
   * escalations, each exactly once. Returns the number of tickets processed (at most
   * `batchSize`). With `autoTick` (the default) the desk calls this on the clock's timers.
   */
  tick(now?: Date): Promise<number>;
  /** Resolves when the automatic ticks started so far have finished. */
  idle(): Promise<void>;
  /** A ticket's clocks as seen at `now`. */
  view(ticket: Ticket<S>, now?: Date): SlaClockView[];
  /** Number of tickets with a scheduled threshold (in the store's timers when it keeps them). */
  scheduled(): Promise<number>;
  /**
   * Stops automatic ticks (clears the armed timer) and waits for a running tick to finish.
   * Call it before shutting down an app instance; the store's timers stay for the others.
   */
  stop(): Promise<void>;
  /** Open tickets with each clock's remaining time, ordered by what breaches first. */
  board(options?: SlaBoardOptions): Promise<SlaBoard<S>>;
}

/** Options of {@link DeskOutbox.relay}. */
export interface RelayOptions {
  /** The relay's instant (claims, leases, retries). @default clock.now() */
  now?: Date;
  /** Max events handled in this pass. @default 100 */
  limit?: number;
  /**
   * How long claimed events stay leased to this relay. A relay that dies mid-pass leaves its
   * claims to another once the lease expires. @default 30_000
   */
  leaseMs?: number;
  /** This relay's name in leases. @default the desk's SLA instance id */
  owner?: string;
  /**
   * Delay before an event whose handler threw is tried again, by failed attempt (1, 2, ...).
   * @default 1 s doubling up to 1 h
   */
  retryDelay?: (attempt: number) => number;
}

/** What the relay passes to a handler beside the event. */
export interface RelayMeta {
  /** The event's stable id: use it to drop duplicates of an at-least-once delivery. */
  readonly id: string;
  /** Failed attempts before this one. */
  readonly attempts: number;
  /** The relay's instant. */
  readonly now: Date;
}

/** The result of one relay pass. */
export interface RelayResult {
  /** Events handled and marked delivered. */
  readonly delivered: number;
  /** Events whose handler threw (retried later; the ticket's later events wait for them). */
  readonly failed: number;
}

/**
 * The desk's transactional event outbox (`createTicketing({ outbox: true })`). Every change's
 * events are stored in the same transaction as the change; a relay hands them to a handler at
 * least once, one ticket's events in commit order, across app instances and crashes.
 */
export interface DeskOutbox<S extends string = string> {
  /**
   * One relay pass: claims due events, calls `handler` for each (one ticket's events in
   * order), marks the handled ones delivered, and schedules a retry for those whose handler
   * threw. Call it on an interval, or from a worker.
   *
   * @example
   * ```ts
   * const handler = routeToOutbox({ routing, directory, outbox: store.outbox });
   * await desk.outbox.relay(handler); // events -> notification messages, exactly once each
   * ```
   */
  relay(
    handler: (event: TicketkitEvent<S>, meta: RelayMeta) => unknown,
    options?: RelayOptions,
  ): Promise<RelayResult>;
  /** Number of events not delivered yet. */
  pending(): Promise<number>;
}

/** The ticket desk: every command an app needs. Create one with {@link createTicketing}. */
export interface Desk<S extends string = DefaultStatus> {
  readonly workflow: Workflow<S>;
  readonly policy: Policy;
  readonly clock: Clock;
  readonly store: TicketStore;
  /** SLA clocks, timers and the countdown board. */
  readonly sla: DeskSla<S>;
  /** The transactional event outbox (with `outbox: true`): relay events at least once. */
  readonly outbox: DeskOutbox<S>;
  /** Approval flows on tickets (needs `createTicketing({ approvals })`). */
  readonly approvals: DeskApprovals;
  /** Links between tickets and records in other systems (CRM customer, serial, order). */
  readonly links: DeskLinks<Ticket<S>>;
  /**
   * Automatic handling of standard requests: register a handler for a kind of ticket; a
   * matching new ticket is handled and resolved by a system actor after `create` returns, or
   * handed to a person (internal comment, auto-dispatch) when the handler fails.
   */
  readonly automation: DeskAutomation<Ticket<S>>;
  /**
   * Resolved tickets most like this one (BM25 over title and description), that the actor may
   * read, with the most frequent resolutions among them as the suggested root cause. Needs
   * `read` on the ticket. Configure the index with `createTicketing({ similar })`.
   *
   * @example
   * ```ts
   * const { items, rootCauses } = await desk.similar(ticket.id, { limit: 5 }, { actor });
   * rootCauses[0]; // { cause: '搓纸轮老化', count: 3, ids: [...] }
   * ```
   */
  similar(
    ticketId: string,
    query?: SimilarQuery,
    ctx?: ReadContext,
  ): Promise<SimilarTickets<Ticket<S>>>;
  /** Joint handling windows with several participants (needs a store with `windows`). */
  readonly windows: DeskWindows<S>;
  /** Creates a ticket in the workflow's initial state, version 1. */
  create(draft: TicketDraft, ctx: CommandContext): Promise<Ticket<S>>;
  /** The ticket, or null if there is none with this id in the tenant. */
  get(id: string, ctx?: ReadContext): Promise<Ticket<S> | null>;
  /** Tickets matching the query that the actor may read, one page at a time. */
  list(query?: ListQuery<S>, ctx?: ReadContext): Promise<Page<Ticket<S>>>;
  /** Changes fields (not status or assignee: they have their own commands). */
  update(id: string, patch: TicketPatch, ctx: CommandContext): Promise<Ticket<S>>;
  /** Sets the assignee (`null` unassigns). */
  assign(id: string, assignee: string | null, ctx: CommandContext): Promise<Ticket<S>>;
  /**
   * Picks the best agent with the configured dispatcher and assigns the ticket, storing the
   * score breakdown in the audit entry. Returns the ticket and the winner, or `assigned: null`
   * with the reasons every agent was excluded.
   */
  dispatch(id: string, ctx: DispatchContext): Promise<DispatchOutcome<S>>;
  /** Moves the ticket to another workflow state. */
  transition(id: string, to: S, ctx: CommandContext): Promise<Ticket<S>>;
  /**
   * Moves up to 1,000 tickets to one state, each as its own `transition` (own permission check,
   * version check, audit entry and event). Nothing is retried behind the caller's back: give
   * `expectedVersion` per ticket and a ticket changed meanwhile is reported as a
   * `version_conflict`. Every failure is listed in `results`, in input order.
   *
   * @example
   * ```ts
   * const r = await desk.bulkTransition(page.items.map((t) => ({ id: t.id, expectedVersion: t.version })), 'archived', { actor });
   * r.conflicts; // tickets someone else changed since the page was read
   * ```
   */
  bulkTransition(
    items: readonly (string | BulkItem)[],
    to: S,
    ctx: Omit<CommandContext, 'expectedVersion' | 'idempotencyKey'>,
  ): Promise<BulkResult<Ticket<S>>>;
  /** Adds a comment (public or internal). */
  comment(id: string, input: CommentInput, ctx: CommandContext): Promise<CommentResult<S>>;
  /**
   * Merges duplicate tickets into a survivor, atomically: each duplicate moves to the merge
   * state (see `merge.state`) with `mergedInto` set, its comments are copied onto the survivor
   * (with `mergedFrom`; public ones stay public only when both tickets have the same
   * requester), and every ticket changed gets a `merge` audit entry. Every ticket is
   * version-checked; all commits are stored, or none. Needs `merge` and `update` permission on
   * every ticket involved.
   */
  merge(
    survivorId: string,
    duplicateIds: string | readonly string[],
    ctx: MergeContext,
  ): Promise<MergeResult<S>>;
  /**
   * Records an attachment's metadata (name, MIME type, size, SHA-256, URL in your file store)
   * as evidence on the ticket: an `attach` audit entry, one version up. Needs `comment`
   * permission (public), so a requester may attach to their own ticket.
   */
  attach(id: string, attachment: Attachment, ctx: CommandContext): Promise<EvidenceResult<S>>;
  /**
   * Records a field check-in from a mobile device (photo, voice note, video, GPS position,
   * note, arrival, departure) with its device time, optional position and attachment: a
   * `check_in` audit entry, one version up. Needs `update` permission (staff).
   */
  checkIn(id: string, checkIn: CheckInInput, ctx: CommandContext): Promise<EvidenceResult<S>>;
  /**
   * Evidence of a ticket, oldest first: attachments for readers of the ticket, check-ins (with
   * positions) only for actors allowed `read_internal`.
   */
  evidence(id: string, ctx?: ReadContext): Promise<Evidence[]>;
  /** The child tickets of a ticket (those created with `parentId: id`), oldest first (ties by id). */
  children(id: string, ctx?: ReadContext): Promise<Ticket<S>[]>;
  /** Comments of a ticket, oldest first; internal ones only for actors allowed `read_internal`. */
  comments(id: string, ctx?: ReadContext): Promise<Comment[]>;
  /** Audit entries of a ticket, oldest first. */
  history(id: string, ctx?: ReadContext): Promise<AuditEntry[]>;
  /**
   * Imports tickets from a CSV/XLSX file: validates every row (see `validateImport`), stores the
   * valid ones in atomic batches, and reports the rest with row and column. The external id is
   * the idempotency key: re-running the same (or a fixed) file never creates duplicates.
   * Pass a function returning a fresh stream (or bytes/a string) so a real run can validate the
   * whole file before storing anything.
   */
  import(
    input: ImportInput | (() => ImportInput),
    options: DeskImportOptions,
  ): Promise<DeskImportResult>;
  /**
   * One entry for every channel (email, phone, WeChat, WeCom, DingTalk, web form, API): the
   * message is validated and normalised, then either creates a ticket or, for a reply to a
   * known ticket, adds a public comment (and moves a ticket waiting on the customer back to
   * work). The message's channel id is the idempotency key: the same message delivered again
   * gives the same result and writes nothing.
   */
  intake(message: unknown, ctx: IntakeContext): Promise<IntakeOutcome<S>>;
  /** Whether `actor` may perform `action` on `ticket`, and which rule decided. */
  can(actor: Actor, action: Action, ticket?: Ticket<S>, options?: CanOptions<S>): Decision;
  /** Subscribes to an event; returns a function that unsubscribes. */
  on<E extends keyof TicketkitEvents<S>>(
    event: E,
    listener: (...args: TicketkitEvents<S>[E]) => void,
  ): () => void;
  /** Subscribes to the next occurrence of an event only. */
  once<E extends keyof TicketkitEvents<S>>(
    event: E,
    listener: (...args: TicketkitEvents<S>[E]) => void,
  ): () => void;
}

const MAX_RETRIES = 16;
/** A ticket whose SLA processing failed is tried again this much later (ms of the clock). */
const SLA_RETRY_MS = 60_000;
const COMMENT_MAX = 20_000;
const MENTION = /@([A-Za-z0-9_.-]{1,64})/g;

function badContext(path: (string | number)[], message: string): ValidationError {
  return new ValidationError([{ code: 'invalid_context', path, message }], {
    context: 'Invalid command context',
  });
}

function checkActor(actor: unknown, path: string[] = ['actor']): asserts actor is Actor {
  const a = actor as Actor | undefined;
  if (!a || typeof a !== 'object') {
    throw badContext(path, 'pass the acting user as { actor: { id, roles } }');
  }
  if (typeof a.id !== 'string' || a.id.length === 0 || a.id.length > TICKET_LIMITS.shortText) {
    throw badContext([...path, 'id'], 'actor.id must be a non-empty string (max 128 characters)');
  }
  if (!Array.isArray(a.roles) || a.roles.some((r) => typeof r !== 'string')) {
    throw badContext([...path, 'roles'], 'actor.roles must be an array of role names');
  }
}

const asList = <T>(v: T | readonly T[] | undefined): readonly T[] | undefined =>
  v === undefined ? undefined : Array.isArray(v) ? (v as readonly T[]) : [v as T];

function encodeCursor(field: SortField, dir: string, c: StoreCursor): string {
  return Buffer.from(JSON.stringify([field, dir, c.value, c.id])).toString('base64url');
}

function decodeCursor(cursor: string, field: SortField, dir: string): StoreCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 4 ||
    (typeof parsed[2] !== 'string' && typeof parsed[2] !== 'number') ||
    typeof parsed[3] !== 'string'
  ) {
    throw new ValidationError(
      [
        {
          code: 'invalid_cursor',
          path: ['cursor'],
          message: 'is not a cursor this desk issued; pass nextCursor from the previous page',
        },
      ],
      { context: 'desk.list' },
    );
  }
  if (parsed[0] !== field || parsed[1] !== dir) {
    throw new ValidationError(
      [
        {
          code: 'invalid_cursor',
          path: ['cursor'],
          message: `was issued for sort ${parsed[0]} ${parsed[1]}, not ${field} ${dir}; keep the same sort while paging`,
        },
      ],
      { context: 'desk.list' },
    );
  }
  return { value: parsed[2], id: parsed[3] };
}

const LIST_KEYS = new Set([
  'status',
  'priority',
  'assignee',
  'team',
  'requester',
  'parentId',
  'sort',
  'direction',
  'limit',
  'cursor',
]);

/** Shared frozen defaults of a new ticket (no per-ticket empty array or object to keep). */
const EMPTY_TAGS: readonly string[] = Object.freeze([]);
const EMPTY_RECORD: Readonly<Record<string, never>> = Object.freeze({});

/**
 * Creates a ticket desk. Every option is optional: with none you get the default workflow and
 * policy, an in-memory store and the system clock.
 *
 * @example
 * ```ts
 * const desk = createTicketing();
 * const actor = { id: 'u1', roles: ['agent'] };
 * const t = await desk.create({ title: 'Printer down', priority: 'urgent' }, { actor });
 * await desk.transition(t.id, 'in_progress', { actor, expectedVersion: 1 });
 * ```
 */
export function createTicketing(): Desk<DefaultStatus>;
export function createTicketing<S extends string = DefaultStatus>(
  options: TicketingOptions<S>,
): Desk<S>;
export function createTicketing<S extends string = DefaultStatus>(
  options: TicketingOptions<S> = {},
): Desk<S> {
  const workflow = (options.workflow ?? defaultWorkflow) as Workflow<S>;
  const policy = options.policy ?? defaultPolicy;
  const clock = options.clock ?? systemClock;
  const store = options.store ?? memoryStore();
  const defaultTenant = options.defaultTenantId ?? 'default';
  const ttl = options.idempotencyTtlMs ?? 86_400_000;
  const generateId =
    options.generateId ??
    ((kind: 'ticket' | 'comment') => randomId(kind === 'ticket' ? 'tk' : 'cm'));
  const customFields = options.customFields;
  const emitter = new EventEmitter<TicketkitEvents<S>>();
  const onListenerError =
    options.onListenerError ??
    ((error: unknown, event: TicketkitEvent<S>) => {
      console.error(
        `ticketkit: a listener of "${event.type}" threw; the change was stored.`,
        error,
      );
    });

  // ---- helpers -------------------------------------------------------------------------

  const tenantOf = (ctx: { actor?: Actor; tenantId?: string } | undefined): string => {
    const fromActor = ctx?.actor?.tenantId;
    const fromCtx = ctx?.tenantId;
    if (fromActor !== undefined && fromCtx !== undefined && fromActor !== fromCtx) {
      throw badContext(
        ['tenantId'],
        `context tenant "${fromCtx}" differs from actor.tenantId "${fromActor}"; pass one, or make them agree`,
      );
    }
    const t = fromCtx ?? fromActor ?? defaultTenant;
    if (typeof t !== 'string' || t.length === 0 || t.length > TICKET_LIMITS.shortText) {
      throw badContext(['tenantId'], 'must be a non-empty string (max 128 characters)');
    }
    return t;
  };

  const checkCommandContext = (ctx: CommandContext | undefined): CommandContext => {
    if (!ctx || typeof ctx !== 'object') {
      throw badContext([], 'pass a context: { actor: { id, roles } }');
    }
    checkActor(ctx.actor);
    const v = ctx.expectedVersion;
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) {
      throw badContext(['expectedVersion'], 'must be a whole number >= 1 (the version you read)');
    }
    const k = ctx.idempotencyKey;
    if (k !== undefined && (typeof k !== 'string' || k.length === 0 || k.length > 255)) {
      throw badContext(['idempotencyKey'], 'must be a non-empty string of at most 255 characters');
    }
    return ctx;
  };

  const wrap = async <T>(operation: string, p: () => Promise<T>): Promise<T> => {
    try {
      return await p();
    } catch (e) {
      if (isTicketkitError(e)) throw e;
      throw new StoreError({ adapter: store.name, operation, cause: e });
    }
  };

  /** The desk's own actor for automatic changes (SLA firings, roll-ups); never checked by the policy. */
  const SYSTEM_ACTOR: Actor = Object.freeze({ id: 'system:sla', roles: Object.freeze(['system']) });
  const ROLLUP_ACTOR: Actor = Object.freeze({
    id: 'system:rollup',
    roles: Object.freeze(['system']),
  });
  // Every system actor of this desk, by identity: a caller's own { roles: ['system'] } is not one.
  const systemActors = new Set<Actor>([SYSTEM_ACTOR, ROLLUP_ACTOR]);
  const decide = (ctx: PolicyContext): Decision => policy.can(ctx);
  const authorize = (ctx: PolicyContext) => {
    if (systemActors.has(ctx.actor)) return;
    const d = decide(ctx);
    if (!d.allowed) {
      throw new PermissionError({
        actorId: ctx.actor.id,
        action: ctx.action,
        rule: d.rule,
        reason: d.reason,
      });
    }
  };

  /**
   * The ticket with a new SLA state, frozen. One literal in the field order of
   * `nextTicketVersion`, so every stored ticket keeps one hidden class (an object spread here
   * cost a full copy plus a map transition per command). The state is frozen shallowly: clocks
   * carried over from the previous state are frozen already.
   */
  const withSlaState = (t: Ticket<S>, sla: SlaState | null): Ticket<S> => {
    const next = {
      id: t.id,
      tenantId: t.tenantId,
      title: t.title,
      description: t.description,
      priority: t.priority,
      risk: t.risk,
      category: t.category,
      tags: t.tags,
      channel: t.channel,
      requester: t.requester,
      assignee: t.assignee,
      team: t.team,
      status: t.status,
      parentId: t.parentId,
      externalRefs: t.externalRefs,
      location: t.location,
      custom: t.custom,
      createdAt: t.createdAt,
      updatedAt: t.updatedAt,
      version: t.version,
      reopenCount: t.reopenCount,
      sla: sla === null ? null : freezeSla(sla),
    } as { -readonly [K in keyof Ticket<S>]: Ticket<S>[K] };
    if (t.mergedInto !== undefined) next.mergedInto = t.mergedInto;
    return Object.freeze(next);
  };

  /**
   * The `{ from: null, to }` of a field in a create's audit entry. Entries of common values
   * (statuses, priorities, categories, null, the shared empties) are one frozen object per
   * desk: a store keeps every entry, and these were a sixth of the simulator's heap. Bounded;
   * -0 is never shared (a Map would take it for 0).
   */
  const createChanges = new Map<unknown, { from: unknown; to: unknown }>();
  const createChange = (to: unknown): { from: unknown; to: unknown } => {
    const shareable =
      to === null ||
      typeof to === 'string' ||
      typeof to === 'boolean' ||
      (typeof to === 'number' && !Object.is(to, -0)) ||
      to === EMPTY_TAGS ||
      to === EMPTY_RECORD;
    if (!shareable) return { from: null, to };
    let hit = createChanges.get(to);
    if (!hit) {
      hit = Object.freeze({ from: null, to });
      if (createChanges.size < 4096) createChanges.set(to, hit);
    }
    return hit;
  };

  // Actors are usually long-lived objects: reuse their frozen audit copy while id and roles match.
  const actorCache = new WeakMap<Actor, AuditActor>();
  const auditActor = (a: Actor): AuditActor => {
    const hit = actorCache.get(a);
    if (hit && hit.id === a.id && hit.roles.length === a.roles.length) {
      let same = true;
      for (let i = 0; i < a.roles.length; i++) if (hit.roles[i] !== a.roles[i]) same = false;
      if (same) return hit;
    }
    const fresh = Object.freeze({ id: a.id, roles: Object.freeze([...a.roles]) });
    actorCache.set(a, fresh);
    return fresh;
  };

  const makeAudit = (
    tenantId: string,
    ticket: Ticket<S>,
    actor: Actor,
    action: AuditAction,
    changes: Record<string, { from: unknown; to: unknown }>,
    request: RequestInfo | undefined,
    meta?: Record<string, unknown>,
  ): AuditEntry => {
    const e: {
      -readonly [K in keyof AuditEntry]: AuditEntry[K];
    } = {
      id: `${ticket.id}:${ticket.version}`,
      tenantId,
      ticketId: ticket.id,
      seq: ticket.version,
      at: ticket.updatedAt,
      actor: auditActor(actor),
      action,
      changes: Object.freeze(changes),
    };
    if (request?.ip !== undefined) e.ip = String(request.ip).slice(0, 255);
    if (request?.userAgent !== undefined) e.userAgent = String(request.userAgent).slice(0, 1024);
    if (meta) e.meta = deepFreeze(meta);
    return Object.freeze(e);
  };

  const emitEvent = (payload: { type: keyof TicketkitEvents<S> } & Record<string, unknown>) => {
    (emitter.emit as (t: string, p: unknown) => boolean)(payload.type, payload);
  };

  const safeListener =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A) => {
      try {
        fn(...args);
      } catch (e) {
        onListenerError(e, args[0] as TicketkitEvent<S>);
      }
    };

  const idempotent = async <R>(
    tenantId: string,
    ctx: CommandContext,
    fp: string,
  ): Promise<{ hit: true; value: R } | { hit: false }> => {
    if (ctx.idempotencyKey === undefined) return { hit: false };
    const now = clock.now().toISOString();
    const rec = await wrap('getIdempotency', () =>
      store.getIdempotency(tenantId, ctx.idempotencyKey!, now),
    );
    if (!rec) return { hit: false };
    if (rec.fingerprint !== fp)
      throw new IdempotencyConflictError({ idempotencyKey: ctx.idempotencyKey });
    return { hit: true, value: rec.response as R };
  };

  const idemRecord = (
    tenantId: string,
    key: string,
    fp: string,
    response: unknown,
    now: Date,
  ): IdempotencyRecord =>
    deepFreeze({
      tenantId,
      key,
      fingerprint: fp,
      response,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + ttl).toISOString(),
    });

  const loadOrThrow = async (tenantId: string, id: string): Promise<Ticket<S>> => {
    if (typeof id !== 'string' || id.length === 0) {
      throw new ValidationError([
        { code: 'invalid_type', path: ['id'], message: 'ticket id must be a non-empty string' },
      ]);
    }
    const t = await wrap('getTicket', () => store.getTicket(tenantId, id));
    if (!t) throw new NotFoundError({ entity: 'ticket', id });
    return t as Ticket<S>;
  };

  const assertChangeable = (t: Ticket<S>, what: string) => {
    if (workflow.kindOf(t.status) === 'closed') {
      throw new ValidationError(
        [
          {
            code: 'ticket_closed',
            path: ['status'],
            message: `ticket ${t.id} is "${t.status}", a closed state: it can no longer ${what}`,
          },
        ],
        { context: `Cannot ${what}` },
      );
    }
  };

  /** What a command plans to do; `change` commits it and emits the event. */
  interface Planned<R> {
    ticket: Ticket<S>;
    action: AuditAction;
    changes: Record<string, { from: unknown; to: unknown }>;
    meta?: Record<string, unknown>;
    comments?: Comment[];
    /** What the command returns (the ticket when omitted). */
    result?: R;
    /**
     * The event to emit after the commit, built by the plan with every field: the base fields
     * (tenantId, ticketId, actor, at, ticket) are filled in by `change` once the commit is
     * stored. One object shape per event type keeps this fast.
     */
    event: EventDraft;
  }
  type EventDraft = {
    type: keyof TicketkitEvents<S>;
    tenantId: string;
    ticketId: string;
    actor: AuditActor | null;
    at: string;
    ticket: Ticket<S> | null;
  } & Record<string, unknown>;
  const draftEvent = (type: keyof TicketkitEvents<S>) => ({
    type,
    tenantId: '',
    ticketId: '',
    actor: null,
    at: '',
    ticket: null,
  });
  type Plan<A, R> = (
    current: Ticket<S>,
    now: Date,
    actor: Actor,
    arg: A,
  ) => Planned<R> | { noop: R };

  const storeFailure = (operation: string, e: unknown) =>
    isTicketkitError(e) ? e : new StoreError({ adapter: store.name, operation, cause: e });

  /**
   * The shared path of every command on an existing ticket. Plans are functions defined once
   * (not closures per call) and store calls are inlined: this is the hot path.
   */
  const change = async <A, R>(
    command: string,
    id: string,
    rawCtx: CommandContext,
    arg: A,
    plan: Plan<A, R>,
    afterPlan?: (current: Ticket<S>, next: Ticket<S>) => Promise<void>,
  ): Promise<R> => {
    const ctx = checkCommandContext(rawCtx);
    const tenantId = tenantOf(ctx);
    if (typeof id !== 'string' || id.length === 0) {
      throw new ValidationError([
        { code: 'invalid_type', path: ['id'], message: 'ticket id must be a non-empty string' },
      ]);
    }
    let fp = '';
    if (ctx.idempotencyKey !== undefined) {
      // The actor is part of the request: another user reusing a key gets a conflict, never
      // the first user's result.
      fp = fingerprint([command, id, arg, ctx.actor.id]);
      const replay = await idempotent<R>(tenantId, ctx, fp);
      if (replay.hit) return replay.value;
    }
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      let current: Ticket<S> | null;
      try {
        current = (await store.getTicket(tenantId, id)) as Ticket<S> | null;
      } catch (e) {
        throw storeFailure('getTicket', e);
      }
      if (!current) throw new NotFoundError({ entity: 'ticket', id });
      // Order of errors: not found, then permission, then a stale version, then validity, so
      // that a caller without permission learns neither the ticket's state nor its version.
      // Plans authorize before looking at the ticket's state.
      const stale = ctx.expectedVersion !== undefined && current.version !== ctx.expectedVersion;
      const conflict = () =>
        new ConflictError({
          ticketId: id,
          expectedVersion: ctx.expectedVersion!,
          actualVersion: current!.version,
        });
      const now = clock.now();
      let planned: Planned<R> | { noop: R };
      try {
        planned = plan(current, now, ctx.actor, arg);
      } catch (e) {
        if (stale && !(e instanceof PermissionError)) throw conflict();
        throw e;
      }
      if (stale) throw conflict();
      if ('noop' in planned) return planned.noop;
      if (afterPlan) await afterPlan(current, planned.ticket);
      let next = planned.ticket;
      let changes = planned.changes;
      if (slaOn) {
        const state = deriveSla(slaPolicies, slaFacts, current, next, now, {
          action: planned.action,
          staff: isStaff(ctx.actor, current),
          ...(planned.meta?.visibility ? { visibility: planned.meta.visibility as 'public' } : {}),
        });
        if (state !== current.sla) {
          next = withSlaState(next, state);
          // A copy by assignment, not a spread: a spread here gave every audit entry's
          // changes its own hidden class (see the simulator's profile in docs/benchmarks.md).
          const withSla: Record<string, { from: unknown; to: unknown }> = {};
          for (const k in changes) withSla[k] = changes[k]!;
          withSla.sla = { from: current.sla, to: state };
          changes = withSla;
          if (planned.result !== undefined && 'ticket' in (planned.result as object)) {
            planned.result = { ...(planned.result as object), ticket: next } as R;
          }
        }
      }
      const audit = makeAudit(
        tenantId,
        next,
        ctx.actor,
        planned.action,
        changes,
        ctx.request,
        planned.meta,
      );
      const result = (planned.result === undefined ? next : planned.result) as R;
      const commit: Commit = {
        tenantId,
        ticket: next,
        expectedVersion: current.version,
        audit: [audit],
        now: next.updatedAt,
      };
      if (planned.comments) (commit as { comments?: Comment[] }).comments = planned.comments;
      let stored: { dueAt?: string | null; events?: SlaEvent[] } | undefined;
      if (durable && next.sla !== current.sla) {
        stored = { dueAt: dueIso(next) };
        (commit as { slaDueAt?: string | null }).slaDueAt = stored.dueAt;
      }
      if (outboxOn) {
        const event = planned.event;
        event.tenantId = tenantId;
        event.ticketId = next.id;
        event.actor = audit.actor;
        event.at = next.updatedAt;
        event.ticket = next;
        const slaEvents = slaOn ? slaCommandEvents(current, next, audit.actor, true) : [];
        stored = { ...stored, events: slaEvents };
        (commit as { events?: OutboxEventInput[] }).events = [event as SlaEvent, ...slaEvents].map(
          toOutbox,
        );
      }
      if (fp) {
        (commit as { idempotency?: IdempotencyRecord }).idempotency = idemRecord(
          tenantId,
          ctx.idempotencyKey!,
          fp,
          result,
          now,
        );
      }
      let outcome: CommitOutcome;
      try {
        outcome = await store.commit(commit);
      } catch (e) {
        throw storeFailure('commit', e);
      }
      if (outcome.ok) {
        const event = planned.event;
        if (emitter.listenerCount(event.type) > 0) {
          event.tenantId = tenantId;
          event.ticketId = next.id;
          event.actor = audit.actor;
          event.at = next.updatedAt;
          event.ticket = next;
          emitEvent(event);
        }
        if (slaOn) afterSlaCommit(current, next, audit.actor, stored);
        return result;
      }
      switch (outcome.reason) {
        case 'version_conflict': {
          // A concurrent retry of the same request may have won: return its result.
          if (fp) {
            const again = await idempotent<R>(tenantId, ctx, fp);
            if (again.hit) return again.value;
          }
          if (ctx.expectedVersion !== undefined) {
            throw new ConflictError({
              ticketId: id,
              expectedVersion: ctx.expectedVersion,
              actualVersion: outcome.actualVersion,
            });
          }
          continue; // no version was asked for: re-read and re-apply
        }
        case 'idempotency_exists':
          if (outcome.record.fingerprint !== fp) {
            throw new IdempotencyConflictError({ idempotencyKey: ctx.idempotencyKey! });
          }
          return outcome.record.response as R;
        case 'not_found':
          throw new NotFoundError({ entity: 'ticket', id });
        default:
          throw new StoreError({
            adapter: store.name,
            operation: 'commit',
            message: `unexpected outcome ${outcome.reason}`,
          });
      }
    }
    const latest = await loadOrThrow(tenantId, id);
    throw new ConflictError({
      ticketId: id,
      expectedVersion: latest.version - 1,
      actualVersion: latest.version,
    });
  };

  // ---- plans: pure functions from (ticket, now, actor, input) to the change --------------

  const planUpdate: Plan<TicketPatch, Ticket<S>> = (current, now, actor, patch) => {
    const input = parseOrThrow(TicketPatchSchema, patch, 'Invalid ticket update');
    const next: Record<string, unknown> = { ...current };
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const [field, raw] of Object.entries(input)) {
      if (raw === undefined) continue;
      let value: unknown = raw;
      if (field === 'custom') {
        const merged: Record<string, unknown> = { ...current.custom };
        for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
          if (v === null) delete merged[k];
          else merged[k] = v;
        }
        value = parseCustom(merged, ['custom']);
      } else if (field === 'externalRefs') {
        // Links change only through desk.links: a patch replaces the plain refs, links stay.
        value = keepLinks(raw as ExternalRefs | null, current.externalRefs);
      }
      if (!sameValue(current[field as keyof Ticket], value)) {
        changes[field] = { from: current[field as keyof Ticket], to: value };
        next[field] = value;
      }
    }
    const changedPatch = Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, v.to]));
    authorize({ actor, action: 'update', ticket: current, patch: changedPatch });
    assertChangeable(current, 'be updated');
    if (Object.keys(changes).length === 0) return { noop: current };
    next.updatedAt = toIso(now);
    next.version = current.version + 1;
    return {
      ticket: deepFreeze(next) as Ticket<S>,
      action: 'update',
      changes,
      event: { ...draftEvent('ticket.updated'), changes },
    };
  };

  /** The assignment itself, shared by assign and dispatch (which adds why, as `meta`). */
  const assignTo = (
    current: Ticket<S>,
    now: Date,
    actor: Actor,
    assignee: string | null,
    meta?: Record<string, unknown>,
  ): Planned<Ticket<S>> | { noop: Ticket<S> } => {
    authorize({ actor, action: 'assign', ticket: current, assignee });
    assertChangeable(current, 'be assigned');
    if (current.assignee === assignee) return { noop: current };
    const from = current.assignee;
    // Literals, not spreads of draftEvent (as planTransition): this runs for every assignment.
    const event: EventDraft = {
      type: 'ticket.assigned',
      tenantId: '',
      ticketId: '',
      actor: null,
      at: '',
      ticket: null,
      from,
      to: assignee,
    };
    const planned: Planned<Ticket<S>> = {
      ticket: nextTicketVersion(current, toIso(now), current.status, assignee, current.reopenCount),
      action: 'assign',
      changes: { assignee: { from, to: assignee } },
      event,
    };
    if (meta) {
      planned.meta = meta;
      event.meta = meta;
    }
    return planned;
  };

  const planAssign: Plan<string | null, Ticket<S>> = (current, now, actor, assignee) => {
    if (
      assignee !== null &&
      (typeof assignee !== 'string' ||
        assignee.length === 0 ||
        assignee.length > TICKET_LIMITS.shortText)
    ) {
      throw new ValidationError(
        [
          {
            code: 'invalid_type',
            path: ['assignee'],
            message: 'must be a non-empty actor id (max 128 characters) or null to unassign',
          },
        ],
        { context: 'Invalid assignment' },
      );
    }
    return assignTo(current, now, actor, assignee);
  };

  const planTransition: Plan<S, Ticket<S>> = (current, now, actor, to) => {
    const known = workflow.hasState(to);
    const move = known ? workflow.move(current.status, to) : undefined;
    authorize({
      actor,
      action: 'transition',
      ticket: current,
      to,
      ...(known ? { toKind: workflow.kindOf(to) } : {}),
      reopen: move?.reopen === true,
    });
    const r = pureTransition(workflow, current, to, { actor, now });
    if (!r.ok) throw r.error;
    const planned: Planned<Ticket<S>> = {
      ticket: r.ticket,
      action: 'transition',
      changes: r.changes as Record<string, { from: unknown; to: unknown }>,
      event: {
        type: 'ticket.transitioned',
        tenantId: '',
        ticketId: '',
        actor: null,
        at: '',
        ticket: null,
        from: current.status,
        to,
        reopen: r.move.reopen,
      },
    };
    if (r.move.guard) planned.meta = { guard: r.move.guard.name };
    return planned;
  };

  const planComment: Plan<CommentInput, CommentResult<S>> = (current, now, actor, input) => {
    const issues: ValidationIssue[] = [];
    const body = input?.body;
    if (typeof body !== 'string' || body.trim().length === 0) {
      issues.push({
        code: 'required',
        path: ['body'],
        message: 'body is required; write the comment text',
      });
    } else if (body.length > COMMENT_MAX) {
      issues.push({
        code: 'too_long',
        path: ['body'],
        message: `body must be at most ${COMMENT_MAX} characters`,
      });
    } else if (body.includes('\u0000')) {
      issues.push({
        code: 'invalid_value',
        path: ['body'],
        message: 'body must not contain the NUL character (U+0000)',
      });
    }
    const visibility = input?.visibility ?? 'public';
    if (visibility !== 'public' && visibility !== 'internal') {
      issues.push({
        code: 'invalid_enum',
        path: ['visibility'],
        message: 'must be "public" or "internal"',
      });
    }
    for (const k of Object.keys(input ?? {})) {
      if (k !== 'body' && k !== 'visibility') {
        issues.push({
          code: 'unknown_field',
          path: [k],
          message: `"${k}" is not a comment field; remove it`,
        });
      }
    }
    if (issues.length) throw new ValidationError(issues, { context: 'Invalid comment' });
    authorize({ actor, action: 'comment', ticket: current, visibility });
    assertChangeable(current, 'receive comments');
    const at = toIso(now);
    // Most comments mention nobody: skip the regex's iterator and share the empty list.
    const mentions: readonly string[] = (body as string).includes('@')
      ? [...new Set([...(body as string).matchAll(MENTION)].map((m) => m[1]!))]
      : EMPTY_TAGS;
    const comment: Comment = deepFreeze({
      id: generateId('comment'),
      tenantId: current.tenantId,
      ticketId: current.id,
      author: actor.id,
      body: body as string,
      visibility,
      mentions,
      createdAt: at,
    });
    const ticket = nextTicketVersion(
      current,
      at,
      current.status,
      current.assignee,
      current.reopenCount,
    );
    return {
      ticket,
      action: 'comment',
      changes: {},
      meta: { commentId: comment.id, visibility },
      comments: [comment],
      result: { comment, ticket },
      event: {
        type: 'ticket.commented',
        tenantId: '',
        ticketId: '',
        actor: null,
        at: '',
        ticket: null,
        comment,
      },
    };
  };

  const planLink: Plan<LinkChange, Ticket<S>> = (current, now, actor, arg) => {
    authorize({ actor, action: 'link', ticket: current, link: arg.link });
    const r = applyLinkChange(current, arg, toIso(now));
    if (!r) return { noop: current };
    return {
      ticket: r.ticket,
      action: arg.op,
      changes: r.changes,
      meta: { link: arg.link },
      event: { ...draftEvent('ticket.updated'), changes: r.changes },
    };
  };
  /** Evidence is an audit entry with the record in `meta`, one version up (see `_evidence.ts`). */
  const evidencePlan =
    (kind: 'attachment' | 'check_in'): Plan<unknown, EvidenceResult<S>> =>
    (current, now, actor, input) => {
      const record = kind === 'attachment' ? parseAttachment(input) : parseCheckIn(input, now);
      if (kind === 'attachment') {
        authorize({ actor, action: 'comment', ticket: current, visibility: 'public' });
      } else authorize({ actor, action: 'update', ticket: current, patch: {} });
      assertChangeable(current, 'receive evidence');
      const at = toIso(now);
      const ticket = nextTicketVersion(
        current,
        at,
        current.status,
        current.assignee,
        current.reopenCount,
      );
      const base = { id: `${ticket.id}:${ticket.version}`, ticketId: ticket.id, by: actor.id };
      const evidence: Evidence = deepFreeze(
        kind === 'attachment'
          ? { kind, ...base, recordedAt: at, attachment: record as Attachment }
          : { kind, ...base, recordedAt: at, checkIn: record as CheckIn },
      );
      return {
        ticket,
        action: kind === 'attachment' ? 'attach' : 'check_in',
        changes: {},
        meta: kind === 'attachment' ? { attachment: record } : { checkIn: record },
        result: { evidence, ticket },
        event: { ...draftEvent('ticket.updated'), changes: {} },
      };
    };
  const planAttach = evidencePlan('attachment');
  const planCheckIn = evidencePlan('check_in');

  const parseCustom = (value: Record<string, unknown>, path: string[]) => {
    if (!customFields) return value;
    const r = customFields.safeParse(value, { reportInput: true });
    if (r.success) return r.data;
    throw new ValidationError(issuesFromZod(r.error, path), { context: 'Invalid custom fields' });
  };

  // ---- SLA -----------------------------------------------------------------------------

  const outboxOn = options.outbox === true;
  if (outboxOn && !store.eventOutbox) {
    throw new ValidationError(
      [
        {
          code: 'unsupported',
          path: ['outbox'],
          message: `the ${store.name} store has no event outbox; use a store with one (memory, pglite, postgres) or leave outbox off`,
        },
      ],
      { context: 'Invalid desk options' },
    );
  }
  const slaPolicies = options.sla?.policies ?? [];
  const slaOn = slaPolicies.length > 0;
  const scheduler = options.sla?.scheduler ?? memoryScheduler();
  // Durable timers: due instants written by the store inside each commit, claimed with a lease.
  const timerStore = options.sla?.scheduler ? undefined : store.slaTimers;
  const durable = slaOn && timerStore !== undefined;
  const leaseMs = options.sla?.leaseMs ?? 60_000;
  const pollMs = store.capabilities.multiProcess ? (options.sla?.pollIntervalMs ?? 1000) : null;
  const instanceId = options.sla?.instanceId ?? randomId('desk');
  const tickLanes = store.capabilities.multiProcess ? 4 : 1;
  const autoTick = options.sla?.autoTick ?? true;
  const slaBatch = options.sla?.batchSize ?? 100;
  let stopped = false;
  const slaFacts = {
    kindOf: (st: string) => (workflow.hasState(st) ? workflow.kindOf(st) : 'open'),
  };
  const isStaff = (actor: Actor, t: Ticket<S>) =>
    actor.id !== t.requester && actor.roles.some((r) => r !== 'requester' && r !== 'system');
  const policyOf = (t: Ticket<S>) =>
    t.sla ? slaPolicies.find((p) => p.id === t.sla!.policyId) : undefined;
  let armed: { id: TimerId; at: number } | null = null;
  let inflight: Promise<unknown> = Promise.resolve();

  const reportSlaError = (e: unknown) => {
    console.error('ticketkit: SLA processing failed for a ticket; it is retried in a minute.', e);
  };

  /** Arms the clock timer for an automatic tick at `at` (ms), unless one is armed earlier. */
  const armAt = (at: number) => {
    if (!autoTick || stopped) return;
    if (armed && armed.at <= at) return;
    if (armed) clock.clearTimeout(armed.id);
    const delay = Math.max(0, at - clock.now().getTime());
    armed = {
      at,
      id: clock.setTimeout(() => {
        armed = null;
        inflight = inflight
          .then(() => slaApi.tick())
          .catch(reportSlaError)
          .then(rearm);
      }, delay),
    };
  };
  const arm = () => {
    const n = scheduler.next();
    if (n) armAt(n.getTime());
  };
  /** After a tick: arm for the next due timer (and, with a shared store, the next poll). */
  const rearm = async () => {
    if (!durable) return arm();
    if (!autoTick || stopped) return;
    let at = Number.POSITIVE_INFINITY;
    try {
      const n = await timerStore.nextDueAt();
      if (n) at = n.getTime();
    } catch (e) {
      reportSlaError(e);
      at = clock.now().getTime() + SLA_RETRY_MS;
    }
    if (pollMs !== null) at = Math.min(at, clock.now().getTime() + pollMs);
    if (at !== Number.POSITIVE_INFINITY) armAt(at);
  };
  if (durable && autoTick) inflight = inflight.then(rearm);

  /** A desk event as an event-outbox row (the event itself is the JSON payload). */
  const toOutbox = (e: { type: keyof TicketkitEvents<S> } & Record<string, unknown>) => ({
    id: deriveEventId(e as unknown as TicketkitEvent),
    type: e.type as string,
    at: e.at as string,
    payload: e,
  });
  /** The events of a new ticket: created, and any SLA event its clocks start with. */
  const createdEvents = (t: Ticket<S>, actor: AuditActor) => [
    {
      type: 'ticket.created' as keyof TicketkitEvents<S>,
      tenantId: t.tenantId,
      ticketId: t.id,
      actor,
      at: t.updatedAt,
      ticket: t,
    } as { type: keyof TicketkitEvents<S> } & Record<string, unknown>,
    ...(slaOn ? slaCommandEvents(null, t, actor, true) : []),
  ];

  /** The ticket's next due instant, as stored with its commit. */
  const dueIso = (t: Ticket<S>): string | null => {
    const d = nextDueAt(t.sla, policyOf(t), t);
    return d ? toIso(d) : null;
  };
  /** `dueAt`: the instant the commit already stored (ISO or null), to avoid computing it again. */
  const schedule = (t: Ticket<S>, dueAt?: string | null) => {
    const due =
      dueAt === undefined
        ? nextDueAt(t.sla, policyOf(t), t)
        : dueAt === null
          ? null
          : new Date(dueAt);
    if (durable) {
      // The commit wrote it to the store's timers; only arm this instance's clock.
      if (due) armAt(due.getTime());
      return;
    }
    scheduler.set(t.tenantId, t.id, due);
    arm();
  };

  const slaView = (t: Ticket<S>, now: Date): SlaClockView[] => {
    const policy = policyOf(t);
    if (!t.sla || !policy) return [];
    const cal = policy.calendarFor(t);
    return t.sla.clocks.map((c) => viewClock(c, cal, now));
  };

  /** After a command's commit: schedule the ticket's next threshold and report met clocks. */
  const afterSlaCommit = (
    prev: Ticket<S> | null,
    next: Ticket<S>,
    actor: AuditActor,
    stored?: { readonly dueAt?: string | null; readonly events?: readonly SlaEvent[] },
  ) => {
    // Unchanged clocks keep their identity (deriveSla) and so their scheduled instant.
    if (prev && prev.sla === next.sla) return;
    schedule(next, stored?.dueAt);
    // Events already built for the outbox are the same objects listeners get.
    const events = stored?.events ?? slaCommandEvents(prev, next, actor, false);
    for (const e of events) if (emitter.listenerCount(e.type) > 0) emitEvent(e);
  };
  type SlaEvent = { type: keyof TicketkitEvents<S> } & Record<string, unknown>;

  /** The SLA events a command's change causes (breaches found late, clocks met). */
  const slaCommandEvents = (
    prev: Ticket<S> | null,
    next: Ticket<S>,
    actor: AuditActor,
    all: boolean,
  ): ({ type: keyof TicketkitEvents<S> } & Record<string, unknown>)[] => {
    const out: ({ type: keyof TicketkitEvents<S> } & Record<string, unknown>)[] = [];
    const emitEvent = (e: { type: keyof TicketkitEvents<S> } & Record<string, unknown>) => {
      out.push(e);
    };
    if (!next.sla || (prev && prev.sla === next.sla)) return out;
    // Hot path (every command that moves a clock): no maps, and views only for an event.
    const prevClocks = prev?.sla?.clocks ?? [];
    const prevOf = (metric: SlaMetric) => prevClocks.findLast((c) => c.metric === metric);
    let views: SlaClockView[] | undefined;
    // A breach found by a command (the clock stopped after its target, before a tick).
    for (const c of next.sla.clocks) {
      if (c.breachedAt === null) continue;
      if (prevClocks.some((p) => p.metric === c.metric && p.breachedAt !== null)) continue;
      if (!all && emitter.listenerCount('sla.breached') === 0) continue;
      views ??= slaView(next, new Date(next.updatedAt));
      emitEvent({
        type: 'sla.breached',
        tenantId: next.tenantId,
        ticketId: next.id,
        actor,
        at: next.updatedAt,
        ticket: next,
        metric: c.metric,
        breachedAt: c.breachedAt,
        clock: views.find((v) => v.metric === c.metric)!,
      });
    }
    for (const c of next.sla.clocks) {
      if (c.status !== 'met' || prevOf(c.metric)?.status === 'met') continue;
      if (!all && emitter.listenerCount('sla.met') === 0) continue;
      views ??= slaView(next, new Date(next.updatedAt));
      emitEvent({
        type: 'sla.met',
        tenantId: next.tenantId,
        ticketId: next.id,
        actor,
        at: next.updatedAt,
        ticket: next,
        metric: c.metric,
        late: c.breachedAt !== null,
        clock: views.find((v) => v.metric === c.metric)!,
      });
    }
    return out;
  };

  const raise = (p: Priority): Priority => PRIORITIES[Math.max(0, PRIORITIES.indexOf(p) - 1)]!;

  /** Fires the due thresholds of one ticket: one commit, one audit entry, then the events. */
  /** Re-schedules a ticket outside a commit (nothing fired, or nothing left to fire). */
  const settle = async (
    tenantId: string,
    id: string,
    t: Ticket<S> | null,
    claimedVersion: number,
  ): Promise<void> => {
    if (!durable) {
      if (t) schedule(t);
      else scheduler.set(tenantId, id, null);
      return;
    }
    const due = t?.sla ? nextDueAt(t.sla, policyOf(t), t) : null;
    try {
      await timerStore.reschedule(tenantId, id, due, t?.version ?? claimedVersion);
    } catch (e) {
      throw storeFailure('slaTimers.reschedule', e);
    }
    if (due) armAt(due.getTime());
  };

  const processSla = async (
    tenantId: string,
    id: string,
    now: Date,
    claimedVersion = 0,
  ): Promise<void> => {
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      let current: Ticket<S> | null;
      try {
        current = (await store.getTicket(tenantId, id)) as Ticket<S> | null;
      } catch (e) {
        throw storeFailure('getTicket', e);
      }
      // No clocks, or the policy was removed: its timers and escalations go with it.
      const policy = current?.sla ? policyOf(current) : undefined;
      if (!current?.sla || !policy) return settle(tenantId, id, current, claimedVersion);
      const { state, firings } = dueFirings(current.sla, policy, current, now);
      if (firings.length === 0) return settle(tenantId, id, current, claimedVersion);
      let priority = current.priority;
      let assignee = current.assignee;
      const notify: string[] = [];
      const escalations: { rule: EscalationRule; metric: SlaMetric }[] = [];
      for (const f of firings) {
        if (f.kind !== 'escalation') continue;
        const rule = policy.escalations.find((r) => r.name === f.rule);
        if (!rule) continue;
        escalations.push({ rule, metric: f.metric });
        for (const a of rule.actions) {
          if ('notify' in a) notify.push(a.notify);
          else if ('raisePriority' in a) priority = raise(priority);
          else if ('reassign' in a) {
            let to: string | null | undefined = a.reassign;
            if (a.reassign === 'dispatch') {
              to = options.sla?.reassign
                ? await options.sla.reassign(current as Ticket, rule)
                : dispatchCfg
                  ? ((await rankFor(current, current.assignee ? [current.assignee] : [], false))
                      .candidates[0]?.agentId ?? null)
                  : null;
            }
            if (to) assignee = to;
          }
        }
      }
      const at = toIso(now);
      let next: Ticket<S> = Object.freeze({
        ...current,
        priority,
        assignee,
        sla: state,
        updatedAt: at,
        version: current.version + 1,
      });
      if (priority !== current.priority || assignee !== current.assignee) {
        // A new priority applies its targets from creation; fired thresholds stay fired.
        const rederived = deriveSla(slaPolicies, slaFacts, { ...current, sla: state }, next, now, {
          action: 'sla',
          staff: false,
        });
        next = Object.freeze({ ...next, sla: rederived });
      }
      next = deepFreeze(next);
      const changes: Record<string, { from: unknown; to: unknown }> = {
        sla: { from: current.sla, to: next.sla },
      };
      if (priority !== current.priority)
        changes.priority = { from: current.priority, to: priority };
      if (assignee !== current.assignee)
        changes.assignee = { from: current.assignee, to: assignee };
      const audit = makeAudit(tenantId, next, SYSTEM_ACTOR, 'sla', changes, undefined, {
        firings: firings.map((f) => ({ ...f })),
      });
      const views = slaView(next, now);
      const base = { tenantId, ticketId: id, actor: audit.actor, at, ticket: next };
      const tickEvents: ({ type: keyof TicketkitEvents<S> } & Record<string, unknown>)[] = [];
      for (const f of firings) {
        const clock = views.find((v) => v.metric === f.metric)!;
        if (f.kind === 'warning') {
          tickEvents.push({
            type: 'sla.warning',
            ...base,
            metric: f.metric,
            threshold: f.threshold,
            reachedAt: f.at,
            clock,
          });
        } else if (f.kind === 'breach') {
          tickEvents.push({
            type: 'sla.breached',
            ...base,
            metric: f.metric,
            breachedAt: f.at,
            clock,
          });
        }
      }
      for (const { rule, metric } of escalations) {
        tickEvents.push({
          type: 'sla.escalated',
          ...base,
          metric,
          rule: rule.name,
          level: rule.level ?? 1,
          actions: rule.actions,
          notify: rule.actions.flatMap((a) => ('notify' in a ? [a.notify] : [])),
        });
      }
      if (assignee !== current.assignee) {
        tickEvents.push({
          type: 'ticket.assigned',
          ...base,
          from: current.assignee,
          to: assignee,
          meta: { reason: 'sla-escalation' },
        });
      }
      let outcome: CommitOutcome;
      try {
        outcome = await store.commit({
          tenantId,
          ticket: next,
          expectedVersion: current.version,
          audit: [audit],
          now: at,
          ...(durable ? { slaDueAt: dueIso(next) } : {}),
          ...(outboxOn ? { events: tickEvents.map(toOutbox) } : {}),
        });
      } catch (e) {
        throw storeFailure('commit', e);
      }
      if (!outcome.ok) {
        if (outcome.reason === 'version_conflict') continue; // re-read; fired marks prevent doubles
        return;
      }
      for (const e of tickEvents) emitEvent(e);
      void notify;
      schedule(next);
      return;
    }
  };

  const slaApi: DeskSla<S> = {
    policies: slaPolicies,
    async tick(now = clock.now()) {
      let processed = 0;
      if (durable) {
        let claimed: Awaited<ReturnType<typeof timerStore.claimDue>>;
        try {
          claimed = await timerStore.claimDue(now, slaBatch, { owner: instanceId, ms: leaseMs });
        } catch (e) {
          throw storeFailure('slaTimers.claimDue', e);
        }
        let failure: unknown;
        // Claimed timers are distinct tickets: a shared database works several at once (its
        // round trips overlap); in-process stores go one by one, keeping event order fixed.
        let next = 0;
        const lane = async () => {
          while (next < claimed.length) {
            const d = claimed[next++]!;
            try {
              await processSla(d.tenantId, d.ticketId, now, d.version);
              processed++;
            } catch (e) {
              // Retried a minute later (or by another instance once the lease expires).
              const retry = new Date(now.getTime() + SLA_RETRY_MS);
              await timerStore.reschedule(d.tenantId, d.ticketId, retry, d.version).catch(() => {});
              failure ??= e;
            }
          }
        };
        await Promise.all(Array.from({ length: tickLanes }, lane));
        if (failure !== undefined) throw failure;
        if (claimed.length >= slaBatch) armAt(now.getTime()); // more are due: keep going
        return processed;
      }
      const due = scheduler.takeDue(now, slaBatch);
      let firstError: unknown;
      for (const d of due) {
        try {
          await processSla(d.tenantId, d.ticketId, now);
          processed++;
        } catch (e) {
          // Keep the ticket scheduled (retried a minute later) and go on with the others.
          scheduler.set(d.tenantId, d.ticketId, new Date(now.getTime() + SLA_RETRY_MS));
          firstError ??= e;
        }
      }
      if (firstError !== undefined) {
        arm();
        throw firstError;
      }
      const n = scheduler.next();
      if (n && n <= now) arm();
      return processed;
    },
    idle: () => inflight.then(() => undefined),
    view: (t, now = clock.now()) => slaView(t, now),
    scheduled: async () => (durable ? timerStore.count() : scheduler.size()),
    async stop() {
      stopped = true;
      if (armed) clock.clearTimeout(armed.id);
      armed = null;
      await inflight.catch(() => {});
    },
    async board(opts = {}) {
      const now = opts.now ?? clock.now();
      const atRiskAt = opts.atRiskAt ?? 0.75;
      const open = workflow.states.filter((st) => {
        const k = workflow.kindOf(st);
        return k === 'open' || k === 'waiting';
      });
      const rows: SlaBoardRow<S>[] = [];
      let cursor: string | null = null;
      const ctx: ReadContext = {
        ...(opts.actor ? { actor: opts.actor } : {}),
        ...(opts.tenantId ? { tenantId: opts.tenantId } : {}),
      };
      do {
        const page: Page<Ticket<S>> = await desk.list(
          {
            status: open,
            limit: 1000,
            cursor,
            ...(opts.team ? { team: opts.team } : {}),
            ...(opts.priority ? { priority: opts.priority } : {}),
          },
          ctx,
        );
        for (const t of page.items) {
          const clocks = slaView(t, now);
          let nextDue: string | null = null;
          let state: SlaBoardRow<S>['state'] = 'ok';
          let counting = false;
          for (const v of clocks) {
            if (v.status === 'met') continue;
            if (v.status === 'breached') state = 'breached';
            else if (v.status === 'running') {
              counting = true;
              if (state !== 'breached' && v.percent >= atRiskAt) state = 'at_risk';
            }
            const due =
              v.status === 'breached' ? v.breachedAt : v.status === 'running' ? v.dueAt : null;
            if (due && (!nextDue || due < nextDue)) nextDue = due;
            if (v.status === 'breached') counting = true;
          }
          if (!counting && state === 'ok' && clocks.some((v) => v.status === 'paused'))
            state = 'paused';
          rows.push({ ticket: t, state, nextDueAt: nextDue, clocks });
        }
        cursor = page.nextCursor;
      } while (cursor);
      const rank = { breached: 0, at_risk: 1, ok: 2, paused: 3 } as const;
      rows.sort(
        (a, b) =>
          (a.nextDueAt === null ? 1 : 0) - (b.nextDueAt === null ? 1 : 0) ||
          (a.nextDueAt ?? '').localeCompare(b.nextDueAt ?? '') ||
          rank[a.state] - rank[b.state] ||
          a.ticket.id.localeCompare(b.ticket.id),
      );
      return {
        at: toIso(now),
        counts: {
          open: rows.length,
          breached: rows.filter((r) => r.state === 'breached').length,
          atRisk: rows.filter((r) => r.state === 'at_risk').length,
          paused: rows.filter((r) => r.state === 'paused').length,
        },
        rows: opts.limit ? rows.slice(0, opts.limit) : rows,
      };
    },
  };

  // ---- dispatch --------------------------------------------------------------------------

  const dispatchCfg = options.dispatch;
  const DISPATCH_ACTOR: Actor = Object.freeze({
    id: 'system:dispatch',
    roles: Object.freeze(['system']),
  });
  systemActors.add(DISPATCH_ACTOR);
  const loadStates = workflow.states.filter((st) => {
    const k = workflow.kindOf(st);
    return k === 'open' || k === 'waiting';
  });
  const defaultJob = (t: Ticket): DispatchJob => {
    const req = t.custom.requiredSkills;
    const requiredSkills = Array.isArray(req)
      ? req.filter((x): x is string => typeof x === 'string')
      : t.category
        ? [t.category]
        : [];
    let dueAt: Date | undefined;
    for (const c of t.sla?.clocks ?? []) {
      if ((c.status === 'running' || c.status === 'breached') && c.dueAt) {
        const d = new Date(c.dueAt);
        if (!dueAt || d < dueAt) dueAt = d;
      }
    }
    return {
      id: t.id,
      requiredSkills,
      priority: t.priority,
      ...(t.location ? { location: t.location } : {}),
      ...(t.team ? { team: t.team } : {}),
      ...(dueAt ? { dueAt } : {}),
    };
  };

  /** Ranks the agents for a ticket with their live load from the store. */
  const rankFor = async (t: Ticket<S>, exclude: readonly string[], explain: boolean) => {
    if (!dispatchCfg) {
      throw new ValidationError(
        [
          {
            code: 'not_configured',
            path: ['dispatch'],
            message:
              'pass createTicketing({ dispatch: { dispatcher, agents } }) to dispatch tickets',
          },
        ],
        { context: 'desk.dispatch' },
      );
    }
    const [agents, loads] = await Promise.all([
      dispatchCfg.agents(t.tenantId),
      wrap('countByAssignee', () => store.countByAssignee(t.tenantId, loadStates)),
    ]);
    const live = agents
      .filter((a) => !exclude.includes(a.id))
      .map((a) => ({ ...a, load: loads.get(a.id) ?? 0 }));
    const job = (dispatchCfg.toJob ?? defaultJob)(t as Ticket);
    return dispatchCfg.dispatcher.rank(job, live, { limit: 3, explain, at: clock.now() });
  };

  const planDispatch: Plan<{ assignee: string; meta: Record<string, unknown> }, Ticket<S>> = (
    current,
    now,
    actor,
    { assignee, meta },
  ) => assignTo(current, now, actor, assignee, meta);

  const dispatchTicket = async (id: string, ctx: DispatchContext): Promise<DispatchOutcome<S>> => {
    const c = checkCommandContext(ctx);
    const tenantId = tenantOf(c);
    if (ctx.idempotencyKey !== undefined) {
      throw badContext(
        ['idempotencyKey'],
        'dispatch is idempotent by itself (an assigned ticket is left alone unless reassign: true); leave idempotencyKey out',
      );
    }
    const { exclude = [], reassign = false, ...commandCtx } = ctx;
    // Compare-and-set on the version read here: two dispatchers (or two app instances) racing
    // on one ticket cannot both assign it; the loser re-reads and sees it taken.
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const current = await loadOrThrow(tenantId, id);
      authorize({ actor: c.actor, action: 'assign', ticket: current, assignee: null });
      if (current.assignee !== null && !reassign) {
        return { ticket: current, assigned: null, excluded: [], skipped: 'already_assigned' };
      }
      if (ctx.expectedVersion !== undefined && ctx.expectedVersion !== current.version) {
        throw new ConflictError({
          ticketId: id,
          expectedVersion: ctx.expectedVersion,
          actualVersion: current.version,
        });
      }
      const ranked = await rankFor(current, exclude, false);
      const best = ranked.candidates[0];
      if (!best) {
        const explained = await rankFor(current, exclude, true);
        return { ticket: current, assigned: null, excluded: explained.excluded ?? [] };
      }
      const meta = {
        dispatch: {
          score: best.score,
          breakdown: { ...best.breakdown },
          ...(best.distanceKm !== undefined ? { distanceKm: best.distanceKm } : {}),
          runnersUp: ranked.candidates
            .slice(1)
            .map((r) => ({ agentId: r.agentId, score: r.score })),
        },
      };
      try {
        const ticket = await change(
          'assign',
          id,
          { ...commandCtx, expectedVersion: current.version },
          { assignee: best.agentId, meta },
          planDispatch,
        );
        return { ticket, assigned: best, excluded: [] };
      } catch (e) {
        // Someone changed the ticket between our read and our write: look again, unless the
        // caller pinned a version (then the conflict is theirs to handle).
        if (!(e instanceof ConflictError) || ctx.expectedVersion !== undefined) throw e;
      }
    }
    const latest = await loadOrThrow(tenantId, id);
    throw new ConflictError({
      ticketId: id,
      expectedVersion: latest.version - 1,
      actualVersion: latest.version,
    });
  };

  // ---- approvals -------------------------------------------------------------------------

  const approvalsCfg = options.approvals;
  const APPROVALS_ACTOR: Actor = Object.freeze({
    id: 'system:approvals',
    roles: Object.freeze(['system']),
  });
  systemActors.add(APPROVALS_ACTOR);
  const gatedStates = new Set<string>(
    (approvalsCfg?.flows ?? []).flatMap((f) => (f.gates ? [f.gates.to] : [])),
  );
  const notConfigured = () =>
    new ValidationError(
      [
        {
          code: 'not_configured',
          path: ['approvals'],
          message: 'pass createTicketing({ approvals: { engine, flows } }) to use approvals',
        },
      ],
      { context: 'desk.approvals' },
    );
  const instancesOf = async (tenantId: string, ticketId: string): Promise<ApprovalInstance[]> => {
    if (!approvalsCfg) return [];
    const records = await approvalsCfg.engine.records(tenantId, ticketId);
    const ids = [...new Set(records.filter((r) => r.type === 'start').map((r) => r.instanceId))];
    const all = await Promise.all(ids.map((i) => approvalsCfg.engine.get(i)));
    return all.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  };
  /** Refuses a gated move unless the latest instance of each gating flow is approved. */
  const refuseUnapproved = async (current: Ticket<S>, next: Ticket<S>) => {
    const gating = (approvalsCfg?.flows ?? []).filter((f) => f.gates?.to === next.status);
    if (gating.length === 0) return;
    const instances = await instancesOf(current.tenantId, current.id);
    for (const f of gating) {
      const latest = instances.filter((i) => i.flow.id === f.id).at(-1);
      if (latest?.state === 'approved') continue;
      throw new TransitionError({
        ticketId: current.id,
        from: current.status,
        to: next.status,
        allowed: workflow.movesFrom(current.status).map((m) => m.to),
        guard: `approval:${f.id}`,
        reason: latest
          ? `approval "${f.id}" is ${latest.state}`
          : `request approval "${f.id}" first (desk.approvals.request)`,
      });
    }
  };

  const approvalsApi: DeskApprovals = {
    async request(ticketId, flowId, ctx) {
      if (!approvalsCfg) throw notConfigured();
      const c = checkCommandContext(ctx);
      const tenantId = tenantOf(c);
      const ticket = await loadOrThrow(tenantId, ticketId);
      authorize({ actor: c.actor, action: 'update', ticket, patch: {} });
      const flow = approvalsCfg.flows.find((f) => f.id === flowId);
      if (!flow) {
        throw new ValidationError(
          [
            {
              code: 'invalid_enum',
              path: ['flowId'],
              message: `no flow "${flowId}"; configured: ${approvalsCfg.flows.map((f) => f.id).join(', ')}`,
            },
          ],
          { context: 'desk.approvals.request' },
        );
      }
      return (await approvalsCfg.engine.start(tenantId, ticketId, flow, { requester: c.actor.id }))
        .instance;
    },
    async decide(instanceId, input, ctx) {
      if (!approvalsCfg) throw notConfigured();
      const c = checkCommandContext(ctx);
      const tenantId = tenantOf(c);
      const before = await approvalsCfg.engine.get(instanceId);
      // Instances of other tenants do not exist for this caller.
      if (before.tenantId !== tenantId)
        throw new NotFoundError({ entity: 'approval', id: instanceId });
      const { instance } = await approvalsCfg.engine.decide(instanceId, {
        ...input,
        actor: { id: c.actor.id, roles: c.actor.roles },
        ...(c.request?.ip ? { ip: c.request.ip } : {}),
        ...(c.request?.userAgent ? { userAgent: c.request.userAgent } : {}),
      });
      const moveTo = instance.flow.onReject?.moveTo;
      if (
        instance.state === 'rejected' &&
        before.state !== 'rejected' &&
        moveTo &&
        workflow.hasState(moveTo)
      ) {
        const t = await loadOrThrow(tenantId, instance.ticketId);
        if (workflow.move(t.status, moveTo as S)) {
          await change(
            'transition',
            t.id,
            { actor: APPROVALS_ACTOR, tenantId },
            moveTo as S,
            (cur, now, actor, to) => {
              const planned = planTransition(cur, now, actor, to);
              if ('noop' in planned) return planned;
              return {
                ...planned,
                meta: {
                  ...(planned.meta ?? {}),
                  approval: { instanceId, flowId: instance.flow.id, state: 'rejected' },
                },
              };
            },
          );
        }
      }
      return instance;
    },
    async status(ticketId, ctx) {
      if (!approvalsCfg) throw notConfigured();
      const tenantId = tenantOf(ctx);
      if (ctx?.actor) checkActor(ctx.actor);
      const t = await loadOrThrow(tenantId, ticketId);
      if (ctx?.actor) authorize({ actor: ctx.actor, action: 'read', ticket: t });
      return instancesOf(tenantId, ticketId);
    },
  };

  // ---- parent and child tickets ----------------------------------------------------------

  const blockParent = options.children?.blockParent ?? true;
  const onAllResolved = options.children?.onAllResolved ?? 'none';
  const maxDepth = options.children?.maxDepth ?? 5;
  const isDone = (st: S) => {
    const k = workflow.kindOf(st);
    return k === 'resolved' || k === 'closed';
  };
  const unfinished = () => workflow.states.filter((st) => !isDone(st));
  const reportBackgroundError = (e: unknown) => {
    console.error(
      'ticketkit: an automatic follow-up (roll-up or auto-dispatch) failed; the command succeeded.',
      e,
    );
  };

  const openChildrenOf = async (tenantId: string, id: string, limit: number) =>
    (await wrap('listTickets', () =>
      store.listTickets(tenantId, {
        filter: { parentId: [id], status: unfinished() },
        sort: { field: 'createdAt', direction: 'asc' },
        limit,
      }),
    )) as Ticket<S>[];

  const refuseOpenChildren = async (current: Ticket<S>, next: Ticket<S>) => {
    const open = await openChildrenOf(current.tenantId, current.id, 6);
    if (open.length === 0) return;
    const list = open
      .slice(0, 5)
      .map((c) => `${c.id} ("${c.status}")`)
      .join(', ');
    throw new TransitionError({
      ticketId: current.id,
      from: current.status,
      to: next.status,
      allowed: workflow.movesFrom(current.status).map((m) => m.to),
      guard: 'open-children',
      reason: `${open.length > 5 ? 'more than 5' : open.length} child ticket(s) still open: ${list}; resolve them first or set children.blockParent: false`,
    });
  };

  /** Shortest path of allowed moves from a state to a target (or to any resolved state). */
  const pathTo = (from: S, target: (st: S) => boolean): S[] | null => {
    const prev = new Map<S, S | null>([[from, null]]);
    const queue: S[] = [from];
    while (queue.length) {
      const st = queue.shift()!;
      if (st !== from && target(st)) {
        const path: S[] = [];
        for (let x: S | null = st; x !== null && x !== from; x = prev.get(x) ?? null)
          path.unshift(x);
        return path;
      }
      for (const m of workflow.movesFrom(st)) {
        if (!prev.has(m.to)) {
          prev.set(m.to, st);
          queue.push(m.to);
        }
      }
    }
    return null;
  };

  /** When a child finishes and no sibling is open, moves the parent on, with the roll-up. */
  const rollUp = async (child: Ticket<S>, by: Actor): Promise<void> => {
    const tenantId = child.tenantId;
    const parentId = child.parentId!;
    if ((await openChildrenOf(tenantId, parentId, 1)).length > 0) return;
    const parent = (await wrap('getTicket', () =>
      store.getTicket(tenantId, parentId),
    )) as Ticket<S> | null;
    if (!parent || isDone(parent.status)) return;
    const target =
      onAllResolved === 'resolve'
        ? (st: S) => workflow.kindOf(st) === 'resolved'
        : (st: S) => st === (onAllResolved as { moveTo: S }).moveTo;
    const path = pathTo(parent.status, target);
    if (!path) return;
    const kids = (await wrap('listTickets', () =>
      store.listTickets(tenantId, {
        filter: { parentId: [parentId] },
        sort: { field: 'createdAt', direction: 'asc' },
        limit: 1000,
      }),
    )) as Ticket<S>[];
    const rollup = kids.map((k) => ({ id: k.id, title: k.title, status: k.status, team: k.team }));
    // The roll-up acts for whoever finished the last child: if they could not make a move
    // themselves (a high-risk parent, say), the parent is left for someone who can.
    for (const st of path) {
      const d = decide({
        actor: by,
        action: 'transition',
        ticket: parent,
        to: st,
        toKind: workflow.kindOf(st),
        reopen: false,
      });
      if (!d.allowed) return;
    }
    for (const st of path) {
      const cur = (await wrap('getTicket', () =>
        store.getTicket(tenantId, parentId),
      )) as Ticket<S> | null;
      // A concurrent roll-up (two last children finishing at once) may have moved it already.
      if (!cur || !workflow.move(cur.status, st)) return;
      await change(
        'transition',
        parentId,
        { actor: ROLLUP_ACTOR, tenantId },
        st,
        (cur, now, actor, to) => {
          const planned = planTransition(cur, now, actor, to);
          if ('noop' in planned) return planned;
          return { ...planned, meta: { ...(planned.meta ?? {}), rollup } };
        },
      );
    }
  };

  const guardedTransition = async (
    id: string,
    to: S,
    ctx: CommandContext,
    closing: boolean,
    meta?: Record<string, unknown>,
  ) => {
    const gated = gatedStates.has(to);
    const plan: Plan<S, Ticket<S>> = meta
      ? (cur, now, actor, st) => {
          const planned = planTransition(cur, now, actor, st);
          if ('noop' in planned) return planned;
          return { ...planned, meta: { ...(planned.meta ?? {}), ...meta } };
        }
      : planTransition;
    const t = await change('transition', id, ctx, to, plan, async (cur, next) => {
      if (gated) await refuseUnapproved(cur, next);
      if (closing && blockParent) await refuseOpenChildren(cur, next);
    });
    if (!closing) return t;
    if (t.parentId !== null && onAllResolved !== 'none') {
      await rollUp(t, ctx.actor).catch(reportBackgroundError);
    }
    return t;
  };

  // ---- commands ------------------------------------------------------------------------

  /**
   * A ticket's records (comments, evidence): `read` on the ticket, and the internal ones only
   * for an actor with `read_internal`. Without an actor (trusted code), all of them.
   */
  const readRecords = async <T>(
    id: string,
    ctx: ReadContext | undefined,
    load: (tenantId: string) => Promise<T[]>,
    isPublic: (record: T) => boolean,
  ): Promise<T[]> => {
    const tenantId = tenantOf(ctx);
    if (ctx?.actor) checkActor(ctx.actor);
    const t = await loadOrThrow(tenantId, id);
    const all = await load(tenantId);
    if (!ctx?.actor) return all;
    authorize({ actor: ctx.actor, action: 'read', ticket: t });
    const internal = decide({ actor: ctx.actor, action: 'read_internal', ticket: t }).allowed;
    return internal ? all : all.filter(isPublic);
  };

  const noOutbox = () =>
    new ValidationError(
      [
        {
          code: 'unsupported',
          path: ['outbox'],
          message: 'this desk does not write an event outbox; create it with { outbox: true }',
        },
      ],
      { context: 'Event outbox is off' },
    );
  const outboxApi: DeskOutbox<S> = {
    async relay(handler, opts = {}) {
      if (!outboxOn || !store.eventOutbox) throw noOutbox();
      const box = store.eventOutbox;
      const now = opts.now ?? clock.now();
      const limit = opts.limit ?? 100;
      const lease = { owner: opts.owner ?? instanceId, ms: opts.leaseMs ?? 30_000 };
      const delay = opts.retryDelay ?? ((n: number) => Math.min(3_600_000, 1000 * 2 ** (n - 1)));
      let delivered = 0;
      let failed = 0;
      while (delivered + failed < limit) {
        let batch: OutboxEvent[];
        try {
          batch = await box.claim(now, limit - delivered - failed, lease);
        } catch (e) {
          throw storeFailure('eventOutbox.claim', e);
        }
        if (batch.length === 0) break;
        const done: string[] = [];
        for (const ev of batch) {
          try {
            await handler(ev.payload as TicketkitEvent<S>, {
              id: ev.id,
              attempts: ev.attempts,
              now,
            });
            done.push(ev.id);
          } catch (e) {
            failed++;
            const at = new Date(now.getTime() + Math.max(0, delay(ev.attempts + 1)));
            const msg = e instanceof Error ? e.message : String(e);
            await box.retry(ev.id, at, msg).catch(() => {});
          }
        }
        try {
          await box.complete(done, now);
        } catch (e) {
          throw storeFailure('eventOutbox.complete', e);
        }
        delivered += done.length;
      }
      return { delivered, failed };
    },
    async pending() {
      if (!store.eventOutbox) return 0;
      return store.eventOutbox.pending();
    },
  };

  const linksApi = createDeskLinks<Ticket<S>>({
    store,
    tenantOf,
    checkActor,
    decide,
    authorize,
    loadOrThrow,
    wrap,
    change: (id, ctx, arg) => change(arg.op, id, ctx as CommandContext, arg, planLink),
  });

  const automation = createAutomation<Ticket<S>>({
    clock,
    addSystemActor: (a) => systemActors.add(a),
    getTicket: (tenantId, id) =>
      wrap('getTicket', () => store.getTicket(tenantId, id)) as Promise<Ticket<S> | null>,
    isDone: (st) => !workflow.hasState(st as S) || isDone(st as S),
    pathToResolved: (st) =>
      workflow.hasState(st as S) ? pathTo(st as S, (x) => workflow.kindOf(x) === 'resolved') : null,
    transition: (id, to, tenantId, actor, meta) =>
      guardedTransition(id, to as S, { actor, tenantId }, isDone(to as S), { ...meta }),
    comment: (id, input, tenantId, actor, meta) =>
      change('comment', id, { actor, tenantId }, input, (cur, now, a, arg) => {
        const planned = planComment(cur, now, a, arg);
        if ('noop' in planned) return planned;
        return { ...planned, meta: { ...(planned.meta ?? {}), ...meta } };
      }),
    ...(dispatchCfg?.autoDispatch
      ? {
          dispatch: (id: string, tenantId: string) =>
            dispatchTicket(id, { actor: DISPATCH_ACTOR, tenantId }),
        }
      : {}),
    report: (e) =>
      console.error(
        'ticketkit: automatic handling of a ticket failed; the ticket is left open for a person.',
        e,
      ),
  });

  checkSimilarConfig(options.similar as SimilarConfig<string> | undefined, (st) =>
    workflow.hasState(st as S),
  );
  const similarApi = createDeskSimilar<S, Ticket<S>>(
    {
      store,
      clock,
      states:
        options.similar?.states ??
        workflow.states.filter((st) => ['resolved', 'closed'].includes(workflow.kindOf(st))),
      tenantOf,
      checkActor,
      decide,
      authorize,
      loadOrThrow,
      wrap,
      on: (event, listener) => desk.on(event, listener),
    },
    options.similar,
  );

  // ---- merge ---------------------------------------------------------------------------

  const mergeState = options.merge?.state ?? defaultMergeState(workflow);
  if (mergeState !== undefined && !workflow.hasState(mergeState)) {
    throw new ValidationError(
      [
        {
          code: 'invalid_enum',
          path: ['merge', 'state'],
          message: `unknown state "${mergeState}"; states: ${workflow.states.join(', ')}`,
        },
      ],
      { context: 'Invalid desk options' },
    );
  }
  const merge = createMerge<S>({
    store,
    workflow,
    clock,
    mergeState,
    tenantOf,
    checkContext: (c) => checkCommandContext(c as CommandContext),
    authorize,
    makeAudit,
    withSla: (current, next, now, actor) => {
      if (!slaOn) return next;
      const state = deriveSla(slaPolicies, slaFacts, current, next, now, {
        action: 'merge',
        staff: isStaff(actor, current),
      });
      return state === current.sla ? next : withSlaState(next, state);
    },
    slaDueAt: (current, next) => (durable && next.sla !== current.sla ? dueIso(next) : undefined),
    slaEvents: (current, next, actor) =>
      slaOn ? slaCommandEvents(current, next, actor, true) : [],
    afterSla: (current, next, actor) => {
      if (slaOn) afterSlaCommit(current, next, actor);
    },
    toOutbox: outboxOn ? (events) => events.map((e) => toOutbox(e as never)) : undefined,
    emit: (e) => {
      if (emitter.listenerCount(e.type as keyof TicketkitEvents<S>) > 0) emitEvent(e as never);
    },
    ttlMs: ttl,
  });

  // ---- joint handling windows ---------------------------------------------------------

  const windowsApi = createWindows<S>({
    store,
    options: options.windows,
    now: () => clock.now(),
    tenantOf,
    checkContext: (c) => checkCommandContext(c as CommandContext),
    checkActor,
    authorize,
    decide: (c) => decide(c).allowed,
    load: loadOrThrow,
    record: (command, ticketId, ctx, arg, build, before) =>
      change(
        command,
        ticketId,
        ctx as CommandContext,
        arg,
        (current, now, actor) => {
          authorize({ actor, action: 'update', ticket: current, patch: {} });
          assertChangeable(current, 'take handling windows');
          const at = toIso(now);
          const ticket = nextTicketVersion(
            current,
            at,
            current.status,
            current.assignee,
            current.reopenCount,
          );
          const { meta, result } = build(ticket, at);
          return {
            ticket,
            action: command,
            changes: {},
            meta,
            result,
            event: { ...draftEvent('ticket.updated'), changes: {} },
          };
        },
        before ? async () => before() : undefined,
      ),
  });

  const desk: Desk<S> = {
    workflow,
    policy,
    clock,
    store,
    sla: slaApi,
    outbox: outboxApi,
    approvals: approvalsApi,
    links: linksApi,
    similar: similarApi,
    automation: automation.api,
    windows: windowsApi,

    async create(draft, rawCtx, attempt = 0) {
      const ctx = checkCommandContext(rawCtx);
      const tenantId = tenantOf(ctx);
      const input = parseOrThrow(TicketDraftSchema, draft, 'Invalid ticket');
      const custom = parseCustom(input.custom ?? EMPTY_RECORD, ['custom']);
      authorize({ actor: ctx.actor, action: 'create', draft: input });
      const fp =
        ctx.idempotencyKey === undefined ? '' : fingerprint(['create', input, ctx.actor.id]);
      const replay = await idempotent<Ticket<S>>(tenantId, ctx, fp);
      if (replay.hit) return replay.value;
      let parent: Ticket<S> | null = null;
      if (input.parentId !== undefined) {
        parent = (await wrap('getTicket', () =>
          store.getTicket(tenantId, input.parentId!),
        )) as Ticket<S> | null;
        if (!parent) {
          throw new ValidationError(
            [
              {
                code: 'not_found',
                path: ['parentId'],
                message: `no ticket "${input.parentId}" in this tenant; create the parent first`,
              },
            ],
            { context: 'Invalid ticket' },
          );
        }
        // Attaching a child constrains the parent: the actor must be able to read it.
        authorize({ actor: ctx.actor, action: 'read', ticket: parent });
        const parentKind = workflow.kindOf(parent.status as S);
        if (parentKind === 'closed' || parentKind === 'resolved') {
          throw new ValidationError(
            [
              {
                code: 'parent_closed',
                path: ['parentId'],
                message: `parent ${parent.id} is "${parent.status}" (${parentKind}); reopen it before adding children`,
              },
            ],
            { context: 'Invalid ticket' },
          );
        }
        // Depth of the new child: its parent's depth + 1 (a top-level ticket is depth 1).
        let depth = 2;
        for (let up = parent.parentId; up !== null && depth <= maxDepth; depth++) {
          up = (await wrap('getTicket', () => store.getTicket(tenantId, up!)))?.parentId ?? null;
        }
        if (depth > maxDepth) {
          throw new ValidationError(
            [
              {
                code: 'too_deep',
                path: ['parentId'],
                message: `a ticket tree may be at most ${maxDepth} levels deep; attach the child higher up`,
              },
            ],
            { context: 'Invalid ticket' },
          );
        }
      }
      const now = clock.now();
      const at = toIso(now);
      let ticket = deepFreeze({
        id: generateId('ticket'),
        tenantId,
        title: input.title,
        description: input.description ?? null,
        priority: input.priority,
        risk: input.risk ?? null,
        category: input.category ?? null,
        tags: input.tags ?? EMPTY_TAGS,
        channel: input.channel ?? null,
        requester: input.requester ?? ctx.actor.id,
        assignee: null,
        team: input.team ?? null,
        status: workflow.initial,
        parentId: input.parentId ?? null,
        externalRefs: input.externalRefs ?? EMPTY_RECORD,
        location: input.location ?? null,
        custom,
        createdAt: at,
        updatedAt: at,
        version: 1,
        reopenCount: 0,
        sla: null,
      }) as Ticket<S>;
      if (slaOn) {
        const state = deriveSla(slaPolicies, slaFacts, null, ticket, now, {
          action: 'create',
          staff: false,
        });
        if (state) ticket = withSlaState(ticket, state);
      }
      // Every field but the identity and timestamps, in the ticket's field order, as one
      // literal: one hidden class with in-object fields (built key by key, each entry's changes
      // needed a property array), and no [key, value] array per field.
      const changes: Record<string, { from: unknown; to: unknown }> = {
        title: createChange(ticket.title),
        description: createChange(ticket.description),
        priority: createChange(ticket.priority),
        risk: createChange(ticket.risk),
        category: createChange(ticket.category),
        tags: createChange(ticket.tags),
        channel: createChange(ticket.channel),
        requester: createChange(ticket.requester),
        assignee: createChange(ticket.assignee),
        team: createChange(ticket.team),
        status: createChange(ticket.status),
        parentId: createChange(ticket.parentId),
        externalRefs: createChange(ticket.externalRefs),
        location: createChange(ticket.location),
        custom: createChange(ticket.custom),
        reopenCount: createChange(ticket.reopenCount),
        sla: createChange(ticket.sla),
      };
      const audit = makeAudit(tenantId, ticket, ctx.actor, 'create', changes, ctx.request);
      const idem =
        ctx.idempotencyKey === undefined
          ? undefined
          : idemRecord(tenantId, ctx.idempotencyKey, fp, ticket, now);
      const childCommit: Commit = {
        tenantId,
        ticket,
        expectedVersion: null,
        audit: [audit],
        ...(idem ? { idempotency: idem } : {}),
        ...(durable && ticket.sla ? { slaDueAt: dueIso(ticket) } : {}),
        ...(outboxOn ? { events: createdEvents(ticket, audit.actor).map(toOutbox) } : {}),
        now: at,
      };
      // A child bumps its parent's version in the same atomic batch: a parent resolved (or
      // closed) concurrently, after it checked for open children, then conflicts with this
      // create, and one of the two is retried and sees the other.
      let parentNext: Ticket<S> | null = null;
      let parentEvent: ({ type: keyof TicketkitEvents<S> } & Record<string, unknown>) | null = null;
      let outcome: CommitOutcome;
      if (parent) {
        parentNext = nextTicketVersion(
          parent,
          at,
          parent.status as S,
          parent.assignee,
          parent.reopenCount,
        );
        const parentAudit = makeAudit(
          tenantId,
          parentNext,
          ctx.actor,
          'child_added',
          {},
          ctx.request,
          {
            childId: ticket.id,
          },
        );
        parentEvent = {
          type: 'ticket.updated',
          tenantId,
          ticketId: parentNext.id,
          actor: parentAudit.actor,
          at,
          ticket: parentNext,
          changes: {},
        };
        const batch = await wrap('commitBatch', () =>
          store.commitBatch([
            childCommit,
            {
              tenantId,
              ticket: parentNext!,
              expectedVersion: parent!.version,
              audit: [parentAudit],
              ...(outboxOn ? { events: [toOutbox(parentEvent!)] } : {}),
              now: at,
            },
          ]),
        );
        if (!batch.ok && batch.index === 1) {
          // The parent changed since it was read: read it again (it may be closed by now).
          if (attempt < MAX_RETRIES) {
            return (
              desk.create as (d: TicketDraft, c: CommandContext, a: number) => Promise<Ticket<S>>
            )(draft, rawCtx, attempt + 1);
          }
          throw new ConflictError({
            ticketId: parent.id,
            expectedVersion: parent.version,
            actualVersion:
              batch.outcome.reason === 'version_conflict'
                ? batch.outcome.actualVersion
                : parent.version,
          });
        }
        outcome = batch.ok ? { ok: true } : batch.outcome;
      } else {
        outcome = await wrap('commit', () => store.commit(childCommit));
      }
      if (!outcome.ok) {
        if (outcome.reason === 'idempotency_exists') {
          if (outcome.record.fingerprint !== fp) {
            throw new IdempotencyConflictError({ idempotencyKey: ctx.idempotencyKey! });
          }
          return outcome.record.response as Ticket<S>;
        }
        throw new StoreError({
          adapter: store.name,
          operation: 'commit',
          message: `could not insert ticket ${ticket.id} (${outcome.reason}); is generateId returning duplicates?`,
        });
      }
      emitEvent({
        type: 'ticket.created',
        tenantId,
        ticketId: ticket.id,
        actor: audit.actor,
        at,
        ticket,
      });
      if (parentEvent && emitter.listenerCount('ticket.updated') > 0) emitEvent(parentEvent);
      if (slaOn) afterSlaCommit(null, ticket, audit.actor);
      // A ticket an automatic handler takes is dispatched only if the handler gives up.
      const handled = automation.start(ticket);
      if (dispatchCfg?.autoDispatch && !handled) {
        // A follow-up, not part of the create: the ticket is stored whatever happens here, and
        // create returns it as stored (version 1), the same as an idempotent replay would.
        await dispatchTicket(ticket.id, { actor: DISPATCH_ACTOR, tenantId }).catch(
          reportBackgroundError,
        );
      }
      return ticket;
    },

    async get(id, ctx) {
      const tenantId = tenantOf(ctx);
      if (ctx?.actor) checkActor(ctx.actor);
      const t = (await wrap('getTicket', () => store.getTicket(tenantId, id))) as Ticket<S> | null;
      if (t && ctx?.actor) authorize({ actor: ctx.actor, action: 'read', ticket: t });
      return t;
    },

    async list(query = {}, ctx) {
      const tenantId = tenantOf(ctx);
      if (ctx?.actor) checkActor(ctx.actor);
      const issues: ValidationIssue[] = [];
      for (const k of Object.keys(query)) {
        if (!LIST_KEYS.has(k)) {
          issues.push({
            code: 'unknown_field',
            path: [k],
            message: `"${k}" is not a list option; use ${[...LIST_KEYS].join(', ')}`,
          });
        }
      }
      const sort = query.sort ?? 'createdAt';
      if (!['createdAt', 'updatedAt', 'priority'].includes(sort)) {
        issues.push({
          code: 'invalid_enum',
          path: ['sort'],
          message: 'must be "createdAt", "updatedAt" or "priority"',
        });
      }
      const direction = query.direction ?? 'asc';
      if (direction !== 'asc' && direction !== 'desc') {
        issues.push({
          code: 'invalid_enum',
          path: ['direction'],
          message: 'must be "asc" or "desc"',
        });
      }
      const limit = query.limit ?? 50;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        issues.push({
          code: 'too_big',
          path: ['limit'],
          message: 'must be a whole number from 1 to 1000',
        });
      }
      const status = asList(query.status);
      status?.forEach((s, i) => {
        if (!workflow.hasState(s)) {
          issues.push({
            code: 'invalid_enum',
            path: ['status', i],
            message: `unknown state "${s}"; states: ${workflow.states.join(', ')}`,
          });
        }
      });
      const priority = asList(query.priority);
      priority?.forEach((p, i) => {
        if (!PRIORITIES.includes(p)) {
          issues.push({
            code: 'invalid_enum',
            path: ['priority', i],
            message: `unknown priority "${p}"; use ${PRIORITIES.join(', ')}`,
          });
        }
      });
      const strings = (v: unknown, name: string, allowNull: boolean) =>
        asList(v as string | readonly string[] | undefined)?.forEach((x, i) => {
          if (!(typeof x === 'string' || (allowNull && x === null))) {
            issues.push({
              code: 'invalid_type',
              path: [name, i],
              message: `must be a string${allowNull ? ' or null' : ''}`,
            });
          }
        });
      strings(query.assignee, 'assignee', true);
      strings(query.team, 'team', false);
      strings(query.requester, 'requester', false);
      strings(query.parentId, 'parentId', true);
      if (issues.length) throw new ValidationError(issues, { context: 'desk.list' });

      const filter: StoreFilter = {
        ...(status ? { status } : {}),
        ...(priority ? { priority } : {}),
        ...(query.assignee !== undefined ? { assignee: asList(query.assignee)! } : {}),
        ...(query.team !== undefined ? { team: asList(query.team)! } : {}),
        ...(query.requester !== undefined ? { requester: asList(query.requester)! } : {}),
        ...(query.parentId !== undefined ? { parentId: asList(query.parentId)! } : {}),
      };
      let after = query.cursor ? decodeCursor(query.cursor, sort, direction) : undefined;
      const actor = ctx?.actor;
      const items: Ticket<S>[] = [];
      const keyOf = (t: Ticket<S>): StoreCursor => ({
        value: sort === 'priority' ? PRIORITIES.indexOf(t.priority) : t[sort],
        id: t.id,
      });
      const fetch = limit + 1;
      let more = false;
      for (;;) {
        const batch = (await wrap('listTickets', () =>
          store.listTickets(tenantId, {
            filter,
            sort: { field: sort, direction },
            limit: fetch,
            ...(after ? { after } : {}),
          }),
        )) as Ticket<S>[];
        for (const t of batch) {
          after = keyOf(t);
          if (actor && !decide({ actor, action: 'read', ticket: t }).allowed) continue;
          if (items.length === limit) {
            more = true;
            break;
          }
          items.push(t);
        }
        if (more || batch.length < fetch) break;
      }
      const last = items[items.length - 1];
      return {
        items,
        nextCursor: more && last ? encodeCursor(sort, direction, keyOf(last)) : null,
      };
    },

    update(id, patch, ctx) {
      return change('update', id, ctx, patch, planUpdate);
    },

    assign(id, assignee, ctx) {
      return change('assign', id, ctx, assignee, planAssign);
    },

    dispatch: dispatchTicket,

    transition(id, to, ctx) {
      // Only closing moves (children) and gated moves (approvals) need checks against other
      // records; keep the common path lean.
      const closing = workflow.hasState(to) && isDone(to);
      if (!closing && !gatedStates.has(to)) {
        return change('transition', id, ctx, to, planTransition);
      }
      return guardedTransition(id, to, ctx, closing);
    },

    async bulkTransition(items, to, ctx) {
      const list = bulkItems(items);
      if (!ctx || typeof ctx !== 'object') throw badContext([], 'pass a context: { actor }');
      checkActor(ctx.actor);
      // One key or version for many tickets would be wrong: each item carries its own version.
      const { idempotencyKey: _key, expectedVersion: _version, ...c } = ctx as CommandContext;
      return runBulk(list, store.capabilities.multiProcess ? 4 : 1, (item) =>
        desk.transition(
          item.id,
          to,
          item.expectedVersion === undefined ? c : { ...c, expectedVersion: item.expectedVersion },
        ),
      );
    },

    merge,

    attach(id, attachment, ctx) {
      return change('attach', id, ctx, attachment as unknown, planAttach);
    },

    checkIn(id, checkIn, ctx) {
      return change('check_in', id, ctx, checkIn as unknown, planCheckIn);
    },

    evidence(id, ctx) {
      return readRecords(
        id,
        ctx,
        async (tenantId) =>
          evidenceOf(await wrap('listAudit', () => store.listAudit(tenantId, id))),
        (e) => e.kind === 'attachment',
      );
    },

    async children(id, ctx) {
      const tenantId = tenantOf(ctx);
      if (ctx?.actor) checkActor(ctx.actor);
      const parent = await loadOrThrow(tenantId, id);
      if (ctx?.actor) authorize({ actor: ctx.actor, action: 'read', ticket: parent });
      const out: Ticket<S>[] = [];
      let cursor: string | null = null;
      do {
        const page: Page<Ticket<S>> = await desk.list({ parentId: id, limit: 1000, cursor }, ctx);
        out.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return out;
    },

    comment(id, input, ctx) {
      return change('comment', id, ctx, input, planComment);
    },

    comments(id, ctx) {
      return readRecords(
        id,
        ctx,
        (tenantId) => wrap('listComments', () => store.listComments(tenantId, id)),
        (c) => c.visibility === 'public',
      );
    },

    async history(id, ctx) {
      const tenantId = tenantOf(ctx);
      if (ctx?.actor) checkActor(ctx.actor);
      const t = await loadOrThrow(tenantId, id);
      if (ctx?.actor) authorize({ actor: ctx.actor, action: 'history', ticket: t });
      return wrap('listAudit', () => store.listAudit(tenantId, id));
    },

    async intake(message, ctx) {
      const c = checkCommandContext({ ...ctx, actor: ctx?.actor } as CommandContext);
      const tenantId = tenantOf(c);
      // Threading by Message-ID: a message the desk took in earlier is remembered by its
      // idempotency record (for idempotencyTtlMs); subject ticket numbers always work.
      const parsed = parseIntakeMessage(message);
      const known = new Map<string, string>();
      if (parsed.channel === 'email') {
        const now = toIso(clock.now());
        for (const id of [parsed.inReplyTo, ...(parsed.references ?? [])]) {
          if (!id) continue;
          const key = `email:${normalizeMessageId(id)}`;
          const rec = await wrap('getIdempotency', () => store.getIdempotency(tenantId, key, now));
          const r = rec?.response as { id?: string; ticket?: { id?: string } } | undefined;
          const ticketId = r?.ticket?.id ?? r?.id;
          if (ticketId) known.set(normalizeMessageId(id), ticketId);
        }
      }
      const result = normalizeIntake(parsed, {
        ...(ctx.ticketNumberPattern ? { ticketNumberPattern: ctx.ticketNumberPattern } : {}),
        lookupMessageId: (id) => known.get(normalizeMessageId(id)),
      });
      const base: CommandContext = {
        actor: c.actor,
        ...(ctx.tenantId !== undefined ? { tenantId: ctx.tenantId } : {}),
        ...(ctx.request ? { request: ctx.request } : {}),
        idempotencyKey: result.dedupKey,
      };
      if (result.kind === 'reply') {
        const target = (await wrap('getTicket', () =>
          store.getTicket(tenantId, result.ticketRef),
        )) as Ticket<S> | null;
        if (target && workflow.kindOf(target.status) !== 'closed') {
          const r = await desk.comment(target.id, result.comment, base);
          // Re-read: a replayed comment returns the ticket as it was the first time.
          let ticket = ((await wrap('getTicket', () => store.getTicket(tenantId, target.id))) ??
            r.ticket) as Ticket<S>;
          // The customer answered: a ticket waiting on them goes back to work.
          if (workflow.kindOf(ticket.status) === 'waiting') {
            const back = workflow
              .movesFrom(ticket.status)
              .find((m) => workflow.kindOf(m.to) === 'open');
            if (back) {
              ticket = await change(
                'transition',
                ticket.id,
                { actor: ROLLUP_ACTOR, tenantId },
                back.to,
                planTransition,
              );
            }
          }
          return { kind: 'commented', ticket, comment: r.comment, dedupKey: result.dedupKey };
        }
      }
      let draft = result.draft as TicketDraft;
      if (ctx.classifier) {
        const guess = await ctx.classifier.classify({
          title: draft.title,
          ...(draft.description ? { description: draft.description } : {}),
        });
        draft = {
          ...draft,
          ...(draft.category === undefined && guess.category && !guess.suggestion
            ? { category: guess.category }
            : {}),
          ...(draft.priority === undefined && guess.priority && !guess.suggestion
            ? { priority: guess.priority as Priority }
            : {}),
          ...(guess.tags?.length
            ? { tags: [...new Set([...(draft.tags ?? []), ...guess.tags])] }
            : {}),
        };
      }
      const ticket = await desk.create(draft, base);
      return { kind: 'created', ticket, dedupKey: result.dedupKey };
    },

    import(input, opts) {
      if (!opts || typeof opts !== 'object')
        throw badContext([], 'pass options: { actor, timeZone }');
      checkActor(opts.actor);
      return runImport(
        {
          store,
          workflow,
          policy,
          clock,
          tenantOf,
          auditActor,
          withSla: (t, now) => {
            if (!slaOn) return t;
            const state = deriveSla(slaPolicies, slaFacts, null, t, now, {
              action: 'import',
              staff: false,
            });
            return state ? withSlaState(t, state) : t;
          },
          ...(durable ? { slaDueAt: (t: Ticket<S>) => (t.sla ? dueIso(t) : undefined) } : {}),
          ...(outboxOn
            ? { events: (t: Ticket<S>, a: AuditActor) => createdEvents(t, a).map(toOutbox) }
            : {}),
          afterCreate: (t, actor) => {
            if (emitter.listenerCount('ticket.created') > 0) {
              emitEvent({
                type: 'ticket.created',
                tenantId: t.tenantId,
                ticketId: t.id,
                actor,
                at: t.updatedAt,
                ticket: t,
              });
            }
            if (slaOn) schedule(t);
          },
        },
        input,
        opts,
      );
    },

    can(actor, action, ticket, opts = {}) {
      checkActor(actor);
      const to = opts.to;
      const known = to !== undefined && workflow.hasState(to);
      return decide({
        actor,
        action,
        ...(ticket ? { ticket } : {}),
        ...(opts.draft ? { draft: opts.draft } : {}),
        ...(opts.patch ? { patch: opts.patch } : {}),
        ...(opts.assignee !== undefined ? { assignee: opts.assignee } : {}),
        ...(opts.visibility ? { visibility: opts.visibility } : {}),
        ...(to !== undefined ? { to } : {}),
        ...(known ? { toKind: workflow.kindOf(to) } : {}),
        ...(known && ticket ? { reopen: workflow.move(ticket.status, to)?.reopen === true } : {}),
      });
    },

    on(event, listener) {
      const wrapped = safeListener(listener);
      // biome-ignore lint/suspicious/noExplicitAny: eventemitter3's listener type is a conditional type
      emitter.on(event, wrapped as any);
      // biome-ignore lint/suspicious/noExplicitAny: see above
      return () => void emitter.off(event, wrapped as any);
    },

    once(event, listener) {
      const wrapped = safeListener(listener);
      // biome-ignore lint/suspicious/noExplicitAny: eventemitter3's listener type is a conditional type
      emitter.once(event, wrapped as any);
      // biome-ignore lint/suspicious/noExplicitAny: see above
      return () => void emitter.off(event, wrapped as any);
    },
  };
  return desk;
}
