/**
 * One error family for everything ticketkit throws. Every error has a stable string
 * {@link TicketkitError.code}, a message that names the field and the fix, and a link to
 * the matching anchor in `docs/errors.md`.
 *
 * @module errors
 */

/** Every stable error code ticketkit can raise. Codes never change meaning once released. */
export type ErrorCode =
  | 'validation_failed'
  | 'invalid_transition'
  | 'permission_denied'
  | 'version_conflict'
  | 'not_found'
  | 'idempotency_conflict'
  | 'invalid_workflow'
  | 'invalid_policy'
  | 'invalid_calendar'
  | 'encoding_error'
  | 'store_failed';

const BRAND = Symbol.for('ticketkit.error');
const DOCS = 'docs/errors.md';

/** Options every ticketkit error accepts. */
export interface TicketkitErrorOptions {
  /** The underlying error, if this one wraps another. */
  cause?: unknown;
}

/**
 * Base class of every error ticketkit throws.
 *
 * Use {@link isTicketkitError} rather than `instanceof` when errors may cross bundles
 * (an ESM and a CJS copy of the package): it checks a `Symbol.for` brand.
 *
 * @example
 * ```ts
 * try { await desk.transition(id, 'resolved', { actor }); }
 * catch (e) { if (isTicketkitError(e) && e.code === 'invalid_transition') { ... } }
 * ```
 */
export class TicketkitError extends Error {
  /** Stable machine-readable code; see `docs/errors.md`. */
  readonly code: ErrorCode;
  /** Link to the documentation of this code. */
  readonly docs: string;

  constructor(code: ErrorCode, message: string, options: TicketkitErrorOptions = {}) {
    const docs = `${DOCS}#${code}`;
    super(`${message} See ${docs}`, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'TicketkitError';
    this.code = code;
    this.docs = docs;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True if `e` is any ticketkit error (works across duplicated bundles). */
export function isTicketkitError(e: unknown): e is TicketkitError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}

/** One problem found while validating input, shaped like a zod issue. */
export interface ValidationIssue {
  /** Short snake_case code, e.g. `required`, `invalid_enum`, `too_long`, `invalid_type`. */
  code: string;
  /** Path to the offending field, e.g. `['priority']` or `['weekly', 'mon', 0]`. */
  path: ReadonlyArray<string | number>;
  /** Human-readable message naming the field and the fix. */
  message: string;
  /** A likely intended value, when one can be guessed (e.g. `"high"` for `"Hign"`). */
  suggestion?: string;
}

function formatPath(path: ReadonlyArray<string | number>): string {
  if (path.length === 0) return '(root)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** Renders a list of issues as one readable message (also used by {@link ValidationError}). */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ');
}

/**
 * Input did not pass validation. {@link ValidationError.issues} lists every problem with
 * its field path, so a form can highlight them all at once.
 */
export class ValidationError extends TicketkitError {
  /** Every problem found, not just the first. */
  readonly issues: readonly ValidationIssue[];

  constructor(
    issues: readonly ValidationIssue[],
    options: TicketkitErrorOptions & { code?: ErrorCode; context?: string } = {},
  ) {
    const prefix = options.context ? `${options.context}: ` : 'Invalid input: ';
    super(options.code ?? 'validation_failed', `${prefix}${formatIssues(issues)}.`, options);
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

/** A workflow move that is not allowed from the ticket's current state. */
export class TransitionError extends TicketkitError {
  readonly ticketId: string | undefined;
  readonly from: string;
  readonly to: string;
  /** The states the ticket may move to from `from`. */
  readonly allowed: readonly string[];
  /** Set when the move exists but a guard refused it. */
  readonly guard: string | undefined;

  constructor(args: {
    ticketId?: string;
    from: string;
    to: string;
    allowed: readonly string[];
    guard?: string;
    reason?: string;
  }) {
    const who = args.ticketId ? `ticket ${args.ticketId}` : 'ticket';
    const allowed = args.allowed.length
      ? `Allowed next states: ${args.allowed.map((s) => `"${s}"`).join(', ')}.`
      : `"${args.from}" is terminal: no move leaves it.`;
    const msg = args.guard
      ? `Cannot move ${who} from "${args.from}" to "${args.to}": guard "${args.guard}" refused${args.reason ? ` (${args.reason})` : ''}.`
      : `Cannot move ${who} from "${args.from}" to "${args.to}". ${allowed}`;
    super('invalid_transition', msg);
    this.name = 'TransitionError';
    this.ticketId = args.ticketId;
    this.from = args.from;
    this.to = args.to;
    this.allowed = args.allowed;
    this.guard = args.guard;
  }
}

/** The actor may not perform the action; {@link PermissionError.rule} names the rule that denied. */
export class PermissionError extends TicketkitError {
  readonly actorId: string;
  readonly action: string;
  readonly rule: string;
  readonly reason: string;

  constructor(args: { actorId: string; action: string; rule: string; reason: string }) {
    super(
      'permission_denied',
      `Actor "${args.actorId}" may not "${args.action}": ${args.reason} (rule "${args.rule}").`,
    );
    this.name = 'PermissionError';
    this.actorId = args.actorId;
    this.action = args.action;
    this.rule = args.rule;
    this.reason = args.reason;
  }
}

/** Optimistic concurrency failed: the ticket changed since the caller read it. */
export class ConflictError extends TicketkitError {
  readonly ticketId: string;
  readonly expectedVersion: number;
  readonly actualVersion: number;

  constructor(args: { ticketId: string; expectedVersion: number; actualVersion: number }) {
    super(
      'version_conflict',
      `Ticket ${args.ticketId} is at version ${args.actualVersion}, not the expected ${args.expectedVersion}: someone changed it. Re-read it with desk.get() and retry with expectedVersion: ${args.actualVersion}.`,
    );
    this.name = 'ConflictError';
    this.ticketId = args.ticketId;
    this.expectedVersion = args.expectedVersion;
    this.actualVersion = args.actualVersion;
  }
}

/** The same idempotency key was reused with a different request body. */
export class IdempotencyConflictError extends TicketkitError {
  readonly idempotencyKey: string;
  constructor(args: { idempotencyKey: string }) {
    super(
      'idempotency_conflict',
      `Idempotency key "${args.idempotencyKey}" was already used with a different request. Use a new key for a new request.`,
    );
    this.name = 'IdempotencyConflictError';
    this.idempotencyKey = args.idempotencyKey;
  }
}

/** No such entity in the actor's tenant (also raised for other tenants' ids, so ids cannot be probed). */
export class NotFoundError extends TicketkitError {
  readonly entity: string;
  readonly id: string;
  constructor(args: { entity: string; id: string }) {
    super('not_found', `No ${args.entity} with id "${args.id}" in this tenant.`);
    this.name = 'NotFoundError';
    this.entity = args.entity;
    this.id = args.id;
  }
}

/** A storage adapter failed for a reason other than a version conflict. */
export class StoreError extends TicketkitError {
  readonly adapter: string;
  readonly operation: string;
  constructor(args: { adapter: string; operation: string; message?: string; cause?: unknown }) {
    const detail =
      args.message ??
      (args.cause instanceof Error ? args.cause.message : String(args.cause ?? 'unknown error'));
    super(
      'store_failed',
      `The ${args.adapter} store failed during ${args.operation}: ${detail}.`,
      args.cause === undefined ? {} : { cause: args.cause },
    );
    this.name = 'StoreError';
    this.adapter = args.adapter;
    this.operation = args.operation;
  }
}
