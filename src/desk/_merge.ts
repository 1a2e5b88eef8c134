/**
 * `desk.merge`: one ticket survives, the duplicates are closed with a link to it, and their
 * comments are copied onto it — every ticket's change in one atomic `store.commitBatch`, each
 * commit checking the version the merge read.
 *
 * Internal to the desk: `createTicketing` wires it with {@link MergeDeps}.
 *
 * @module desk
 */
import { deepFreeze, fingerprint, toIso } from '../_internal/index';
import type { AuditAction, AuditActor, AuditEntry } from '../audit/index';
import type { Clock } from '../clock/index';
import {
  ConflictError,
  IdempotencyConflictError,
  isTicketkitError,
  NotFoundError,
  StoreError,
  ValidationError,
  type ValidationIssue,
} from '../errors/index';
import type { Actor, PolicyContext } from '../permissions/index';
import type { Workflow } from '../state-machine/index';
import type {
  Comment,
  Commit,
  IdempotencyRecord,
  OutboxEventInput,
  TicketStore,
} from '../store/port';
import { TICKET_LIMITS, type Ticket } from '../ticket/index';

/** Max duplicates in one merge. */
export const MERGE_MAX_DUPLICATES = 50;

/** Context of `desk.merge`: a command context with one expected version per ticket. */
export interface MergeContext {
  /** Who merges. Comes from the host app's session, never from request data. */
  readonly actor: Actor;
  /** The tenant; defaults to `actor.tenantId`, then the desk's `defaultTenantId`. */
  readonly tenantId?: string;
  /**
   * Fail with a `ConflictError` unless each listed ticket (survivor or duplicate, by id) is
   * still at this version. Tickets not listed are still version-checked against what the
   * merge read, and a merge that loses such a race is re-read and re-checked.
   */
  readonly expectedVersions?: Readonly<Record<string, number>>;
  /** A retried merge with the same key returns the first result instead of acting twice. */
  readonly idempotencyKey?: string;
  /** Request facts for the audit trail. */
  readonly request?: { readonly ip?: string; readonly userAgent?: string };
}

/** What `desk.merge` returns. */
export interface MergeResult<S extends string = string> {
  /** The surviving ticket after the merge (one version higher). */
  readonly survivor: Ticket<S>;
  /** The duplicates after the merge: in the merge state, with `mergedInto` set. */
  readonly merged: readonly Ticket<S>[];
  /** The comments copied onto the survivor, in order (each with `mergedFrom`). */
  readonly comments: readonly Comment[];
}

type EventPayload = { type: string } & Record<string, unknown>;

/** What the desk lends the merge command. @internal */
export interface MergeDeps<S extends string> {
  readonly store: TicketStore;
  readonly workflow: Workflow<S>;
  readonly clock: Clock;
  /** The state duplicates move to (`createTicketing({ merge: { state } })`), or undefined. */
  readonly mergeState: S | undefined;
  readonly tenantOf: (ctx: { actor?: Actor; tenantId?: string }) => string;
  readonly checkContext: (ctx: MergeContext) => void;
  readonly authorize: (ctx: PolicyContext) => void;
  readonly makeAudit: (
    tenantId: string,
    ticket: Ticket<S>,
    actor: Actor,
    action: AuditAction,
    changes: Record<string, { from: unknown; to: unknown }>,
    request: MergeContext['request'],
    meta?: Record<string, unknown>,
  ) => AuditEntry;
  /** SLA: the next ticket's clocks (the same object when unchanged). */
  readonly withSla: (current: Ticket<S>, next: Ticket<S>, now: Date, actor: Actor) => Ticket<S>;
  /** SLA: the next due instant to store with a commit, when the store keeps durable timers. */
  readonly slaDueAt: (current: Ticket<S>, next: Ticket<S>) => string | null | undefined;
  /** SLA events a change causes (for the outbox), and the after-commit scheduling. */
  readonly slaEvents: (current: Ticket<S>, next: Ticket<S>, actor: AuditActor) => EventPayload[];
  readonly afterSla: (current: Ticket<S>, next: Ticket<S>, actor: AuditActor) => void;
  /** Outbox rows for events, or undefined when the desk writes no outbox. */
  readonly toOutbox: ((events: EventPayload[]) => OutboxEventInput[]) | undefined;
  readonly emit: (event: EventPayload) => void;
  readonly ttlMs: number;
}

const MAX_RETRIES = 16;

const issue = (code: string, path: (string | number)[], message: string): ValidationIssue => ({
  code,
  path,
  message,
});

/** The first closed-kind state, terminal ones first: where duplicates go by default. */
export function defaultMergeState<S extends string>(workflow: Workflow<S>): S | undefined {
  const closed = workflow.states.filter((s) => workflow.kindOf(s) === 'closed');
  return closed.find((s) => workflow.isTerminal(s)) ?? closed[0];
}

/** Checks the shape of the merge's ids; returns the duplicate list. */
function checkIds(survivorId: unknown, duplicates: unknown): string[] {
  const issues: ValidationIssue[] = [];
  const okId = (v: unknown) =>
    typeof v === 'string' && v.length > 0 && v.length <= TICKET_LIMITS.shortText;
  if (!okId(survivorId)) {
    issues.push(issue('invalid_type', ['survivorId'], 'must be a non-empty ticket id'));
  }
  const list = typeof duplicates === 'string' ? [duplicates] : duplicates;
  if (!Array.isArray(list) || list.length === 0) {
    issues.push(
      issue('required', ['duplicateIds'], 'name at least one duplicate: an id or a list of ids'),
    );
    throw new ValidationError(issues, { context: 'Invalid merge' });
  }
  if (list.length > MERGE_MAX_DUPLICATES) {
    issues.push(
      issue(
        'too_big',
        ['duplicateIds'],
        `at most ${MERGE_MAX_DUPLICATES} duplicates per merge; split the list`,
      ),
    );
  }
  const seen = new Set<string>();
  list.forEach((id: unknown, i) => {
    if (!okId(id)) {
      issues.push(issue('invalid_type', ['duplicateIds', i], 'must be a non-empty ticket id'));
    } else if (id === survivorId) {
      issues.push(
        issue(
          'merge_self',
          ['duplicateIds', i],
          `ticket ${id} is the survivor; a ticket cannot be merged into itself`,
        ),
      );
    } else if (seen.has(id as string)) {
      issues.push(issue('duplicate', ['duplicateIds', i], `ticket ${id} is listed twice`));
    } else seen.add(id as string);
  });
  if (issues.length) throw new ValidationError(issues, { context: 'Invalid merge' });
  return list as string[];
}

function checkExpected(v: MergeContext['expectedVersions']): void {
  if (v === undefined) return;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new ValidationError(
      [
        issue(
          'invalid_context',
          ['expectedVersions'],
          'must be an object: { [ticketId]: version }',
        ),
      ],
      { context: 'Invalid command context' },
    );
  }
  for (const [id, n] of Object.entries(v)) {
    if (!(Number.isInteger(n) && n >= 1)) {
      throw new ValidationError(
        [
          issue(
            'invalid_context',
            ['expectedVersions', id],
            'must be a whole number >= 1 (the version you read)',
          ),
        ],
        { context: 'Invalid command context' },
      );
    }
  }
}

/** A stable id for the copy of a comment on a survivor (the same merge always derives it). */
const copyId = (survivorId: string, commentId: string) =>
  `cm_merge_${fingerprint([survivorId, commentId]).slice(0, 32)}`;

/**
 * Builds `desk.merge`.
 *
 * @internal
 */
export function createMerge<S extends string>(deps: MergeDeps<S>) {
  const { store, workflow, clock } = deps;
  const failure = (operation: string, e: unknown) =>
    isTicketkitError(e) ? e : new StoreError({ adapter: store.name, operation, cause: e });

  return async function merge(
    survivorId: string,
    duplicateIds: string | readonly string[],
    ctx: MergeContext,
  ): Promise<MergeResult<S>> {
    deps.checkContext(ctx);
    checkExpected(ctx.expectedVersions);
    const tenantId = deps.tenantOf(ctx);
    const dupIds = checkIds(survivorId, duplicateIds);
    const mergeState = deps.mergeState;
    if (mergeState === undefined) {
      throw new ValidationError(
        [
          issue(
            'not_configured',
            ['merge', 'state'],
            `workflow "${workflow.id}" has no closed state for merged duplicates; add one or pass createTicketing({ merge: { state } })`,
          ),
        ],
        { context: 'Cannot merge' },
      );
    }
    const fp =
      ctx.idempotencyKey === undefined
        ? ''
        : fingerprint(['merge', survivorId, dupIds, ctx.actor.id]);
    const replay = async (): Promise<MergeResult<S> | undefined> => {
      if (!fp) return undefined;
      let rec: IdempotencyRecord | null;
      try {
        rec = await store.getIdempotency(tenantId, ctx.idempotencyKey!, toIso(clock.now()));
      } catch (e) {
        throw failure('getIdempotency', e);
      }
      if (!rec) return undefined;
      if (rec.fingerprint !== fp) {
        throw new IdempotencyConflictError({ idempotencyKey: ctx.idempotencyKey! });
      }
      return rec.response as MergeResult<S>;
    };
    const first = await replay();
    if (first) return first;

    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const ids = [survivorId, ...dupIds];
      let loaded: (Ticket<S> | null)[];
      try {
        loaded = (await Promise.all(
          ids.map((id) => store.getTicket(tenantId, id)),
        )) as (Ticket<S> | null)[];
      } catch (e) {
        throw failure('getTicket', e);
      }
      // Not found (another tenant's ids included: they do not exist here), named by role.
      loaded.forEach((t, i) => {
        if (!t) {
          throw new NotFoundError({
            entity:
              i === 0
                ? 'survivor ticket (survivorId)'
                : `duplicate ticket (duplicateIds[${i - 1}])`,
            id: ids[i]!,
          });
        }
      });
      const survivor = loaded[0]!;
      const dups = loaded.slice(1) as Ticket<S>[];
      // Permission before anything about the tickets' state or versions is revealed.
      for (const t of loaded as Ticket<S>[]) {
        const isDup = t !== survivor;
        deps.authorize({
          actor: ctx.actor,
          action: 'merge',
          ticket: t,
          ...(isDup ? { survivor } : {}),
        });
        deps.authorize({ actor: ctx.actor, action: 'update', ticket: t, patch: {} });
      }
      for (const t of loaded as Ticket<S>[]) {
        const want = ctx.expectedVersions?.[t.id];
        if (want !== undefined && want !== t.version) {
          throw new ConflictError({
            ticketId: t.id,
            expectedVersion: want,
            actualVersion: t.version,
          });
        }
      }
      const issues: ValidationIssue[] = [];
      const dupSet = new Set(dupIds);
      if (survivor.mergedInto !== undefined) {
        issues.push(
          dupSet.has(survivor.mergedInto)
            ? issue(
                'merge_cycle',
                ['survivorId'],
                `ticket ${survivor.id} was already merged into ${survivor.mergedInto}, which you list as a duplicate: merging back would make a cycle; keep ${survivor.mergedInto} as the survivor`,
              )
            : issue(
                'already_merged',
                ['survivorId'],
                `ticket ${survivor.id} was already merged into ${survivor.mergedInto}; merge into ${survivor.mergedInto} instead`,
              ),
        );
      } else if (workflow.kindOf(survivor.status) === 'closed') {
        issues.push(
          issue(
            'ticket_closed',
            ['survivorId'],
            `ticket ${survivor.id} is "${survivor.status}", a closed state; pick an open ticket as the survivor`,
          ),
        );
      }
      dups.forEach((d, i) => {
        if (d.mergedInto !== undefined) {
          issues.push(
            issue(
              'already_merged',
              ['duplicateIds', i],
              `ticket ${d.id} was already merged into ${d.mergedInto}; leave it out`,
            ),
          );
        } else if (workflow.kindOf(d.status) === 'closed') {
          issues.push(
            issue(
              'ticket_closed',
              ['duplicateIds', i],
              `ticket ${d.id} is "${d.status}", a closed state; it needs no merge`,
            ),
          );
        }
      });
      if (issues.length) throw new ValidationError(issues, { context: 'Cannot merge' });

      let comments: Comment[][];
      try {
        comments = await Promise.all(dups.map((d) => store.listComments(tenantId, d.id)));
      } catch (e) {
        throw failure('listComments', e);
      }
      const now = clock.now();
      const at = toIso(now);
      const copies: Comment[] = [];
      dups.forEach((d, i) => {
        // A public comment written to another requester stays staff-only on the survivor, so a
        // merge never shows one customer another customer's thread.
        const sameRequester = d.requester === survivor.requester;
        for (const c of comments[i]!) {
          copies.push(
            deepFreeze({
              id: copyId(survivor.id, c.id),
              tenantId,
              ticketId: survivor.id,
              author: c.author,
              body: c.body,
              visibility: sameRequester ? c.visibility : 'internal',
              mentions: c.mentions,
              createdAt: at,
              mergedFrom: { ticketId: d.id, commentId: c.id, createdAt: c.createdAt },
            }),
          );
        }
      });

      type Change = {
        current: Ticket<S>;
        next: Ticket<S>;
        audit: AuditEntry;
        event: EventPayload;
        commit: Commit;
      };
      const changes: Change[] = [];
      const build = (
        current: Ticket<S>,
        draft: Ticket<S>,
        fields: Record<string, { from: unknown; to: unknown }>,
        meta: Record<string, unknown>,
        event: Record<string, unknown> & { type: string },
        extra: Partial<Commit>,
      ) => {
        const next = deps.withSla(current, draft, now, ctx.actor);
        const all =
          next.sla !== current.sla
            ? { ...fields, sla: { from: current.sla, to: next.sla } }
            : fields;
        const audit = deps.makeAudit(tenantId, next, ctx.actor, 'merge', all, ctx.request, meta);
        const ev: EventPayload = {
          ...event,
          tenantId,
          ticketId: next.id,
          actor: audit.actor,
          at,
          ticket: next,
        };
        const commit: Commit = {
          tenantId,
          ticket: next,
          expectedVersion: current.version,
          audit: [audit],
          now: at,
          ...extra,
        };
        const due = deps.slaDueAt(current, next);
        if (due !== undefined) (commit as { slaDueAt?: string | null }).slaDueAt = due;
        if (deps.toOutbox) {
          (commit as { events?: OutboxEventInput[] }).events = deps.toOutbox([
            ev,
            ...deps.slaEvents(current, next, audit.actor),
          ]);
        }
        changes.push({ current, next, audit, event: ev, commit });
      };

      dups.forEach((d, i) => {
        const draft = Object.freeze({
          ...d,
          status: mergeState,
          mergedInto: survivor.id,
          updatedAt: at,
          version: d.version + 1,
        }) as Ticket<S>;
        build(
          d,
          draft,
          {
            status: { from: d.status, to: mergeState },
            mergedInto: { from: null, to: survivor.id },
          },
          { mergedInto: survivor.id, comments: comments[i]!.length },
          { type: 'ticket.transitioned', from: d.status, to: mergeState, reopen: false },
          {},
        );
      });
      const survivorNext = Object.freeze({
        ...survivor,
        updatedAt: at,
        version: survivor.version + 1,
      }) as Ticket<S>;
      build(
        survivor,
        survivorNext,
        {},
        {
          merged: dups.map((d) => ({
            id: d.id,
            title: d.title,
            requester: d.requester,
            status: d.status,
          })),
          comments: copies.map((c) => ({ id: c.id, from: c.mergedFrom!.ticketId })),
        },
        { type: 'ticket.updated', changes: {} },
        copies.length ? { comments: copies } : {},
      );
      const survivorChange = changes[changes.length - 1]!;
      const result: MergeResult<S> = deepFreeze({
        survivor: survivorChange.next,
        merged: changes.slice(0, -1).map((c) => c.next),
        comments: copies,
      });
      if (fp) {
        (survivorChange.commit as { idempotency?: IdempotencyRecord }).idempotency = deepFreeze({
          tenantId,
          key: ctx.idempotencyKey!,
          fingerprint: fp,
          response: result,
          createdAt: now.toISOString(),
          expiresAt: new Date(now.getTime() + deps.ttlMs).toISOString(),
        });
      }
      // One lock order for every merge (by ticket id), so two merges of the same tickets in
      // opposite directions wait for each other instead of deadlocking in SQL stores.
      const ordered = [...changes].sort((a, b) => (a.next.id < b.next.id ? -1 : 1));
      let outcome: Awaited<ReturnType<TicketStore['commitBatch']>>;
      try {
        outcome = await store.commitBatch(ordered.map((c) => c.commit));
      } catch (e) {
        throw failure('commitBatch', e);
      }
      if (outcome.ok) {
        for (const c of changes) {
          deps.emit(c.event);
          deps.afterSla(c.current, c.next, c.audit.actor);
        }
        return result;
      }
      const failed = ordered[outcome.index]!;
      const o = outcome.outcome;
      if (o.reason === 'idempotency_exists') {
        if (o.record.fingerprint !== fp) {
          throw new IdempotencyConflictError({ idempotencyKey: ctx.idempotencyKey! });
        }
        return o.record.response as MergeResult<S>;
      }
      if (o.reason === 'version_conflict') {
        const again = await replay();
        if (again) return again;
        const want = ctx.expectedVersions?.[failed.current.id];
        if (want !== undefined) {
          throw new ConflictError({
            ticketId: failed.current.id,
            expectedVersion: want,
            actualVersion: o.actualVersion,
          });
        }
        continue; // re-read every ticket and check the merge again
      }
      if (o.reason === 'not_found')
        throw new NotFoundError({ entity: 'ticket', id: failed.current.id });
      throw new StoreError({
        adapter: store.name,
        operation: 'commitBatch',
        message: `unexpected outcome ${o.reason}`,
      });
    }
    // Every attempt lost a race: report the survivor's version as it is now.
    const latest = await store.getTicket(tenantId, survivorId).catch((e) => {
      throw failure('getTicket', e);
    });
    const v = latest?.version ?? 1;
    throw new ConflictError({ ticketId: survivorId, expectedVersion: v - 1, actualVersion: v });
  };
}
