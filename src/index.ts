/**
 * ticketkit: an embeddable SDK for tickets and work orders.
 *
 * This file is the package's only public door: every export is named explicitly.
 *
 * @packageDocumentation
 */

// --- clock ---
export {
  type Clock,
  createManualClock,
  type DurationInput,
  type ManualClock,
  systemClock,
  type TimerId,
} from './clock/index';
// --- errors ---
export {
  ConflictError,
  type ErrorCode,
  formatIssues,
  IdempotencyConflictError,
  isTicketkitError,
  NotFoundError,
  PermissionError,
  StoreError,
  TicketkitError,
  type TicketkitErrorOptions,
  TransitionError,
  ValidationError,
  type ValidationIssue,
} from './errors/index';

// --- sla (owned by the SLA work; edit only this section) ---

// --- dispatch (owned by the dispatch work; edit only this section) ---

// --- import (owned by the import work; edit only this section) ---
