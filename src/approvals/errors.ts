import { type ErrorCode, TicketkitError } from '../errors/index';

/** Why the engine refused a call. */
export type ApprovalErrorReason =
  /** The actor is not an approver (nor an active delegate) of the current step. */
  | 'not_an_approver'
  /** The actor already decided this step. */
  | 'double_vote'
  /** Every seat the actor could fill was already decided by someone else. */
  | 'seat_taken'
  /** The instance is approved, rejected or cancelled. */
  | 'finished'
  /** Only the requester may nudge. */
  | 'not_requester'
  /** A nudge came sooner than `nudgeInterval` after the last one; see `retryAt`. */
  | 'nudge_rate_limited'
  /** Concurrent writers kept winning the compare-and-set; retry the call. */
  | 'concurrent_update';

const CODES: Record<ApprovalErrorReason, ErrorCode> = {
  not_an_approver: 'permission_denied',
  double_vote: 'permission_denied',
  seat_taken: 'permission_denied',
  not_requester: 'permission_denied',
  nudge_rate_limited: 'permission_denied',
  finished: 'invalid_transition',
  concurrent_update: 'version_conflict',
};

/**
 * The approval engine refused a call. {@link ApprovalError.reason} says why; `code` is the
 * matching stable {@link ErrorCode} (`permission_denied`, `invalid_transition` or
 * `version_conflict`).
 *
 * @example
 * ```ts
 * try { await approvals.nudge(id, { actor }); }
 * catch (e) { if (e instanceof ApprovalError && e.reason === 'nudge_rate_limited') show(e.retryAt); }
 * ```
 */
export class ApprovalError extends TicketkitError {
  /** Why the call was refused. */
  readonly reason: ApprovalErrorReason;
  /** The approval instance concerned. */
  readonly instanceId: string;
  /** The refused actor, when there is one. */
  readonly actorId: string | undefined;
  /** For `nudge_rate_limited`: when the next nudge is allowed (ISO 8601 UTC). */
  readonly retryAt: string | undefined;

  constructor(args: {
    reason: ApprovalErrorReason;
    instanceId: string;
    message: string;
    actorId?: string;
    retryAt?: string;
  }) {
    super(CODES[args.reason], args.message);
    this.name = 'ApprovalError';
    this.reason = args.reason;
    this.instanceId = args.instanceId;
    this.actorId = args.actorId;
    this.retryAt = args.retryAt;
  }
}
