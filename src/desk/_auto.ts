// desk.automation: handlers the app registers for standard requests (a password reset, say).
// A new ticket that a handler matches is handled after desk.create returns, as a follow-up: on
// success a system actor comments the resolution and resolves the ticket; on failure the ticket
// stays open for a person, with an internal comment saying why (and is dispatched when the
// desk auto-dispatches). Time comes only from the injected clock (the handler's timeout).
import type { Clock, TimerId } from '../clock/index';
import { ValidationError, type ValidationIssue } from '../errors/index';
import type { Actor } from '../permissions/index';
import type { Ticket } from '../ticket/index';

/** What a handler's `handle` receives besides the ticket. */
export interface AutoHandleContext {
  /** The ticket's tenant. */
  readonly tenantId: string;
  /** The handler's system actor (`system:auto:<name>`), as recorded in the audit trail. */
  readonly actor: Actor;
  /** The desk's clock time when handling started. */
  readonly now: Date;
  /** Aborted when the handler runs past `timeoutMs`: stop the work, the result is ignored. */
  readonly signal: AbortSignal;
}

/** What a successful handler returns. */
export interface AutoHandleResult {
  /** What was done, for the requester (a public comment) and the audit trail. 1..20,000 chars. */
  readonly resolution: string;
}

/**
 * A handler for one kind of standard request. Register it with `desk.automation.register`.
 *
 * @example
 * ```ts
 * desk.automation.register({
 *   name: 'password-reset',
 *   match: (t) => t.category === 'account' && /reset|重置/.test(t.title),
 *   handle: async (t, { signal }) => {
 *     await directory.sendResetLink(t.requester, { signal });
 *     return { resolution: 'A password reset link was sent to your e-mail address.' };
 *   },
 * });
 * ```
 */
export interface AutoHandler<T = Ticket> {
  /** A lowercase identifier, unique per desk; it names the system actor `system:auto:<name>`. */
  readonly name: string;
  /** Whether this handler takes a new ticket. Synchronous and quick; a throw counts as false. */
  match(ticket: T): boolean;
  /** Does the work. Throw (or reject) to hand the ticket to a person. */
  handle(ticket: T, ctx: AutoHandleContext): Promise<AutoHandleResult> | AutoHandleResult;
  /** Give up after this many ms of the desk's clock and hand over to a person. @default 30_000 */
  readonly timeoutMs?: number;
}

/** Automatic handling of standard requests; see {@link AutoHandler}. */
export interface DeskAutomation<T = Ticket> {
  /**
   * Registers a handler for tickets created from now on (not imports). Handlers are tried in
   * registration order; the first whose `match` returns true takes the ticket.
   * @returns a function that unregisters the handler.
   * @throws {ValidationError} naming the bad field (`handler.name`, ...), or a duplicate name.
   */
  register(handler: AutoHandler<T>): () => void;
  /** The names of the registered handlers, in order. */
  handlers(): string[];
  /** Resolves once every handling started so far has finished (for tests and shutdown). */
  idle(): Promise<void>;
}

/** What automation needs from the desk. @internal */
export interface AutoDeps<T extends Ticket> {
  readonly clock: Clock;
  addSystemActor(actor: Actor): void;
  getTicket(tenantId: string, id: string): Promise<T | null>;
  /** Kind of a state: only `open`/`waiting` tickets are handled or resolved. */
  isDone(status: string): boolean;
  /** The moves from a state to the nearest resolved state, or null. */
  pathToResolved(status: string): string[] | null;
  transition(id: string, to: string, tenantId: string, actor: Actor, meta: object): Promise<T>;
  comment(
    id: string,
    input: { body: string; visibility: 'public' | 'internal' },
    tenantId: string,
    actor: Actor,
    meta: object,
  ): Promise<unknown>;
  /** Dispatches a ticket a handler gave up on (present when the desk auto-dispatches). */
  dispatch?: (id: string, tenantId: string) => Promise<unknown>;
  report(error: unknown): void;
}

const NAME = /^[a-z][a-z0-9_.-]{0,63}$/;
const RESOLUTION_MAX = 20_000;
const ERROR_MAX = 1_000;

interface Entry<T> {
  readonly handler: AutoHandler<T>;
  readonly actor: Actor;
  readonly timeoutMs: number;
}

function checkHandler(h: unknown, taken: ReadonlySet<string>): void {
  const issues: ValidationIssue[] = [];
  const x = h as Partial<AutoHandler<unknown>> | null;
  if (!x || typeof x !== 'object') {
    throw new ValidationError(
      [{ code: 'invalid_type', path: ['handler'], message: 'pass { name, match, handle }' }],
      { context: 'desk.automation.register' },
    );
  }
  if (typeof x.name !== 'string' || !NAME.test(x.name)) {
    issues.push({
      code: 'invalid_format',
      path: ['handler', 'name'],
      message: 'must be a lowercase identifier such as "password-reset" (max 64 characters)',
    });
  } else if (taken.has(x.name)) {
    issues.push({
      code: 'duplicate',
      path: ['handler', 'name'],
      message: `a handler named "${x.name}" is registered already; unregister it first or pick another name`,
    });
  }
  for (const k of ['match', 'handle'] as const) {
    if (typeof x[k] !== 'function') {
      issues.push({ code: 'required', path: ['handler', k], message: `${k} must be a function` });
    }
  }
  const t = x.timeoutMs;
  if (t !== undefined && !(typeof t === 'number' && t > 0 && Number.isFinite(t))) {
    issues.push({
      code: 'too_small',
      path: ['handler', 'timeoutMs'],
      message: 'must be a number of ms > 0',
    });
  }
  for (const k of Object.keys(x)) {
    if (!['name', 'match', 'handle', 'timeoutMs'].includes(k)) {
      issues.push({
        code: 'unknown_field',
        path: ['handler', k],
        message: `"${k}" is not a handler field; use name, match, handle, timeoutMs`,
      });
    }
  }
  if (issues.length) throw new ValidationError(issues, { context: 'desk.automation.register' });
}

const messageOf = (e: unknown): string => {
  const m = e instanceof Error ? e.message || e.name : String(e);
  return m.length > ERROR_MAX ? `${m.slice(0, ERROR_MAX)}…` : m;
};

/** Builds `desk.automation` and the create hook. @internal */
export function createAutomation<T extends Ticket>(deps: AutoDeps<T>) {
  const entries: Entry<T>[] = [];
  const running = new Set<Promise<void>>();

  /** Runs the handler with its timeout on the injected clock. */
  const run = (e: Entry<T>, ticket: T): Promise<AutoHandleResult> => {
    const controller = new AbortController();
    let timer: TimerId | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = deps.clock.setTimeout(() => {
        controller.abort();
        reject(new Error(`timed out after ${e.timeoutMs} ms`));
      }, e.timeoutMs);
    });
    const work = (async () =>
      e.handler.handle(ticket, {
        tenantId: ticket.tenantId,
        actor: e.actor,
        now: deps.clock.now(),
        signal: controller.signal,
      }))();
    work.catch(() => {}); // a late rejection after the timeout is not unhandled
    return Promise.race([work, timeout]).finally(() => {
      if (timer !== undefined) deps.clock.clearTimeout(timer);
    });
  };

  const handOver = async (e: Entry<T>, ticket: T, error: unknown) => {
    const meta = { autoHandler: e.handler.name, outcome: 'failed' };
    const current = await deps.getTicket(ticket.tenantId, ticket.id);
    if (!current || deps.isDone(current.status)) return;
    await deps.comment(
      ticket.id,
      {
        body: `Automatic handling by "${e.handler.name}" failed: ${messageOf(error)}. This ticket needs a person.`,
        visibility: 'internal',
      },
      ticket.tenantId,
      e.actor,
      meta,
    );
    if (deps.dispatch) await deps.dispatch(ticket.id, ticket.tenantId);
  };

  const resolve = async (e: Entry<T>, ticket: T, result: AutoHandleResult) => {
    const meta = { autoHandler: e.handler.name, outcome: 'resolved' };
    const current = await deps.getTicket(ticket.tenantId, ticket.id);
    // Someone finished it while the handler worked: nothing left to do.
    if (!current || deps.isDone(current.status)) return;
    const path = deps.pathToResolved(current.status);
    if (!path) {
      throw new Error(`the workflow has no path from "${current.status}" to a resolved state`);
    }
    await deps.comment(
      ticket.id,
      { body: result.resolution, visibility: 'public' },
      ticket.tenantId,
      e.actor,
      meta,
    );
    for (const st of path) await deps.transition(ticket.id, st, ticket.tenantId, e.actor, meta);
  };

  const handle = async (e: Entry<T>, ticket: T) => {
    await undefined; // start after desk.create has returned its value
    try {
      const result = await run(e, ticket);
      const r = (result as Partial<AutoHandleResult> | null)?.resolution;
      if (typeof r !== 'string' || r.trim().length === 0 || r.length > RESOLUTION_MAX) {
        throw new Error(
          `the handler must return { resolution: string } (1..${RESOLUTION_MAX} characters)`,
        );
      }
      await resolve(e, ticket, { resolution: r });
    } catch (error) {
      await handOver(e, ticket, error);
    }
  };

  const api: DeskAutomation<T> = Object.freeze({
    register(handler: AutoHandler<T>) {
      checkHandler(handler, new Set(entries.map((x) => x.handler.name)));
      const actor: Actor = Object.freeze({
        id: `system:auto:${handler.name}`,
        roles: Object.freeze(['system']),
      });
      deps.addSystemActor(actor);
      const entry: Entry<T> = { handler, actor, timeoutMs: handler.timeoutMs ?? 30_000 };
      entries.push(entry);
      return () => {
        const i = entries.indexOf(entry);
        if (i >= 0) entries.splice(i, 1);
      };
    },
    handlers: () => entries.map((x) => x.handler.name),
    async idle() {
      while (running.size) await Promise.allSettled([...running]);
    },
  });

  /**
   * Called by desk.create after the ticket is stored: starts handling when a handler matches
   * and returns true (the caller then skips auto-dispatch), without waiting for it.
   */
  const start = (ticket: T): boolean => {
    let entry: Entry<T> | undefined;
    for (const e of entries) {
      let hit = false;
      try {
        hit = e.handler.match(ticket) === true;
      } catch (error) {
        deps.report(error);
      }
      if (hit) {
        entry = e;
        break;
      }
    }
    if (!entry) return false;
    const p = handle(entry, ticket)
      .catch(deps.report)
      .finally(() => running.delete(p));
    running.add(p);
    return true;
  };

  return { api, start };
}
