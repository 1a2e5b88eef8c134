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
import type { AuditAction, AuditActor, AuditEntry } from '../audit/index';
import { type Clock, systemClock } from '../clock/index';
import {
  ConflictError,
  IdempotencyConflictError,
  isTicketkitError,
  NotFoundError,
  PermissionError,
  StoreError,
  ValidationError,
  type ValidationIssue,
} from '../errors/index';
import type { TicketkitEvent, TicketkitEvents } from '../events/index';
import {
  type Action,
  type Actor,
  type Decision,
  defaultPolicy,
  type Policy,
  type PolicyContext,
} from '../permissions/index';
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
  SortField,
  StoreCursor,
  StoreFilter,
  TicketStore,
} from '../store/port';
import {
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

/** The ticket desk: every command an app needs. Create one with {@link createTicketing}. */
export interface Desk<S extends string = DefaultStatus> {
  readonly workflow: Workflow<S>;
  readonly policy: Policy;
  readonly clock: Clock;
  readonly store: TicketStore;
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
  /** Moves the ticket to another workflow state. */
  transition(id: string, to: S, ctx: CommandContext): Promise<Ticket<S>>;
  /** Adds a comment (public or internal). */
  comment(id: string, input: CommentInput, ctx: CommandContext): Promise<CommentResult<S>>;
  /** Comments of a ticket, oldest first; internal ones only for actors allowed `read_internal`. */
  comments(id: string, ctx?: ReadContext): Promise<Comment[]>;
  /** Audit entries of a ticket, oldest first. */
  history(id: string, ctx?: ReadContext): Promise<AuditEntry[]>;
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
  'sort',
  'direction',
  'limit',
  'cursor',
]);

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

  const decide = (ctx: PolicyContext): Decision => policy.can(ctx);
  const authorize = (ctx: PolicyContext) => {
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
      fp = fingerprint([command, id, arg]);
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
      if (ctx.expectedVersion !== undefined && current.version !== ctx.expectedVersion) {
        throw new ConflictError({
          ticketId: id,
          expectedVersion: ctx.expectedVersion,
          actualVersion: current.version,
        });
      }
      const now = clock.now();
      const planned = plan(current, now, ctx.actor, arg);
      if ('noop' in planned) return planned.noop;
      const next = planned.ticket;
      const audit = makeAudit(
        tenantId,
        next,
        ctx.actor,
        planned.action,
        planned.changes,
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
        return result;
      }
      switch (outcome.reason) {
        case 'version_conflict':
          if (ctx.expectedVersion !== undefined) {
            throw new ConflictError({
              ticketId: id,
              expectedVersion: ctx.expectedVersion,
              actualVersion: outcome.actualVersion,
            });
          }
          continue; // no version was asked for: re-read and re-apply
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
    assertChangeable(current, 'be updated');
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
      } else if (field === 'externalRefs' && raw === null) value = {};
      if (!sameValue(current[field as keyof Ticket], value)) {
        changes[field] = { from: current[field as keyof Ticket], to: value };
        next[field] = value;
      }
    }
    const changedPatch = Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, v.to]));
    authorize({ actor, action: 'update', ticket: current, patch: changedPatch });
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
    assertChangeable(current, 'be assigned');
    authorize({ actor, action: 'assign', ticket: current, assignee });
    if (current.assignee === assignee) return { noop: current };
    const from = current.assignee;
    return {
      ticket: nextTicketVersion(current, toIso(now), current.status, assignee, current.reopenCount),
      action: 'assign',
      changes: { assignee: { from, to: assignee } },
      event: { ...draftEvent('ticket.assigned'), from, to: assignee },
    };
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
    assertChangeable(current, 'receive comments');
    authorize({ actor, action: 'comment', ticket: current, visibility });
    const at = toIso(now);
    const mentions = [...new Set([...(body as string).matchAll(MENTION)].map((m) => m[1]!))];
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
      event: { ...draftEvent('ticket.commented'), comment },
    };
  };

  const parseCustom = (value: Record<string, unknown>, path: string[]) => {
    if (!customFields) return value;
    const r = customFields.safeParse(value, { reportInput: true });
    if (r.success) return r.data;
    throw new ValidationError(issuesFromZod(r.error, path), { context: 'Invalid custom fields' });
  };

  // ---- commands ------------------------------------------------------------------------

  const desk: Desk<S> = {
    workflow,
    policy,
    clock,
    store,

    async create(draft, rawCtx) {
      const ctx = checkCommandContext(rawCtx);
      const tenantId = tenantOf(ctx);
      const input = parseOrThrow(TicketDraftSchema, draft, 'Invalid ticket');
      const custom = parseCustom(input.custom ?? {}, ['custom']);
      authorize({ actor: ctx.actor, action: 'create', draft: input });
      const fp = ctx.idempotencyKey === undefined ? '' : fingerprint(['create', input]);
      const replay = await idempotent<Ticket<S>>(tenantId, ctx, fp);
      if (replay.hit) return replay.value;
      if (input.parentId !== undefined) {
        const parent = await wrap('getTicket', () => store.getTicket(tenantId, input.parentId!));
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
      }
      const now = clock.now();
      const at = toIso(now);
      const ticket = deepFreeze({
        id: generateId('ticket'),
        tenantId,
        title: input.title,
        description: input.description ?? null,
        priority: input.priority,
        risk: input.risk ?? null,
        category: input.category ?? null,
        tags: input.tags ?? [],
        channel: input.channel ?? null,
        requester: input.requester ?? ctx.actor.id,
        assignee: null,
        team: input.team ?? null,
        status: workflow.initial,
        parentId: input.parentId ?? null,
        externalRefs: input.externalRefs ?? {},
        location: input.location ?? null,
        custom,
        createdAt: at,
        updatedAt: at,
        version: 1,
        reopenCount: 0,
      }) as Ticket<S>;
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      for (const [k, v] of Object.entries(ticket)) {
        if (
          k === 'id' ||
          k === 'tenantId' ||
          k === 'version' ||
          k === 'updatedAt' ||
          k === 'createdAt'
        )
          continue;
        changes[k] = { from: null, to: v };
      }
      const audit = makeAudit(tenantId, ticket, ctx.actor, 'create', changes, ctx.request);
      const idem =
        ctx.idempotencyKey === undefined
          ? undefined
          : idemRecord(tenantId, ctx.idempotencyKey, fp, ticket, now);
      const outcome = await wrap('commit', () =>
        store.commit({
          tenantId,
          ticket,
          expectedVersion: null,
          audit: [audit],
          ...(idem ? { idempotency: idem } : {}),
          now: at,
        }),
      );
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
      if (issues.length) throw new ValidationError(issues, { context: 'desk.list' });

      const filter: StoreFilter = {
        ...(status ? { status } : {}),
        ...(priority ? { priority } : {}),
        ...(query.assignee !== undefined ? { assignee: asList(query.assignee)! } : {}),
        ...(query.team !== undefined ? { team: asList(query.team)! } : {}),
        ...(query.requester !== undefined ? { requester: asList(query.requester)! } : {}),
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

    transition(id, to, ctx) {
      return change('transition', id, ctx, to, planTransition);
    },

    comment(id, input, ctx) {
      return change('comment', id, ctx, input, planComment);
    },

    async comments(id, ctx) {
      const tenantId = tenantOf(ctx);
      if (ctx?.actor) checkActor(ctx.actor);
      const t = await loadOrThrow(tenantId, id);
      const all = await wrap('listComments', () => store.listComments(tenantId, id));
      if (!ctx?.actor) return all;
      authorize({ actor: ctx.actor, action: 'read', ticket: t });
      const internal = decide({ actor: ctx.actor, action: 'read_internal', ticket: t }).allowed;
      return internal ? all : all.filter((c) => c.visibility === 'public');
    },

    async history(id, ctx) {
      const tenantId = tenantOf(ctx);
      if (ctx?.actor) checkActor(ctx.actor);
      const t = await loadOrThrow(tenantId, id);
      if (ctx?.actor) authorize({ actor: ctx.actor, action: 'history', ticket: t });
      return wrap('listAudit', () => store.listAudit(tenantId, id));
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
