/**
 * ticketkit: an embeddable SDK for tickets and work orders.
 *
 * This file is the package's only public door: every export is named explicitly.
 *
 * @packageDocumentation
 */

// --- audit ---
export {
  type AuditAction,
  type AuditActor,
  type AuditEntry,
  replayAudit,
} from './audit/index';
// --- clock ---
export {
  type Clock,
  createManualClock,
  type DurationInput,
  type ManualClock,
  systemClock,
  type TimerId,
} from './clock/index';
// --- desk ---
export {
  type CanOptions,
  type CommandContext,
  type CommentInput,
  type CommentResult,
  createTicketing,
  type Desk,
  type ListQuery,
  type Page,
  type ReadContext,
  type RequestInfo,
  type TicketingOptions,
} from './desk/index';
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
// --- events ---
export {
  type BaseEvent,
  TICKETKIT_EVENT_TYPES,
  type TicketAssignedEvent,
  type TicketCommentedEvent,
  type TicketCreatedEvent,
  type TicketkitEvent,
  type TicketkitEvents,
  type TicketTransitionedEvent,
  type TicketUpdatedEvent,
} from './events/index';
// --- permissions ---
export {
  ACTIONS,
  type Action,
  type Actor,
  type Decision,
  defaultPolicy,
  definePolicy,
  type Policy,
  type PolicyContext,
  type PolicyRule,
  ROLES,
  type Role,
} from './permissions/index';
// --- state machine ---
export {
  type DefaultStatus,
  defaultWorkflow,
  defineWorkflow,
  type Guard,
  type GuardActor,
  type GuardContext,
  type Move,
  type MoveSpec,
  type StateKind,
  type StateSpec,
  type StatusOf,
  type TransitionResult,
  transition,
  type Workflow,
  type WorkflowSpec,
  workflowToMermaid,
} from './state-machine/index';

// --- store ---
export {
  type Comment,
  type Commit,
  type CommitOutcome,
  type IdempotencyRecord,
  type MemoryStore,
  type MemoryStoreOptions,
  type MemoryStoreSnapshot,
  memoryStore,
  PRIORITY_RANK,
  type SortField,
  type StoreCapabilities,
  type StoreCursor,
  type StoreFilter,
  type StoreListQuery,
  type TicketStore,
} from './store/index';
// --- ticket ---
export {
  CHANNELS,
  type Channel,
  CustomFieldsSchema,
  type ExternalRefs,
  ExternalRefsSchema,
  type Location,
  LocationSchema,
  PATCHABLE_FIELDS,
  PRIORITIES,
  type Priority,
  RISKS,
  type Risk,
  TICKET_LIMITS,
  type Ticket,
  type TicketDraft,
  TicketDraftSchema,
  type TicketField,
  type TicketPatch,
  TicketPatchSchema,
  TicketSchema,
} from './ticket/index';

// --- sla (owned by the SLA work; edit only this section) ---
export {
  type BusinessCalendar,
  type BusinessDurationOptions,
  type CalendarSpec,
  calendar24x7,
  createCalendar,
  parseBusinessDuration,
  type WeekdayKey,
} from './sla/index';

// --- dispatch (owned by the dispatch work; edit only this section) ---
export {
  type Agent,
  type AgentCalendar,
  type AgentPool,
  type AssignmentPlan,
  type BatchOptions,
  type CustomFactor,
  createDispatcher,
  type Dispatcher,
  type DispatcherOptions,
  type DispatchJob,
  type DispatchPriority,
  type DispatchWeights,
  type ExcludedAgent,
  type ExclusionReason,
  type GeoPoint,
  type JobAssignment,
  type PooledAgentState,
  type RankedCandidate,
  type RankOptions,
  type RankResult,
  type ScoreBreakdown,
} from './dispatch/index';

// --- import (owned by the import work; edit only this section) ---
export {
  type ColumnSpec,
  type CsvColumn,
  type CsvWriteOptions,
  DEFAULT_PRIORITIES,
  DEFAULT_STATUSES,
  DEFAULT_TICKET_COLUMNS,
  type DateOrder,
  type EnumSpec,
  type ErrorReportOptions,
  errorReportCsv,
  exportTemplate,
  type ImportBatch,
  type ImportColumnMapping,
  type ImportedTicketRow,
  type ImportEncoding,
  type ImportInput,
  type ImportIssue,
  type ImportIssueCode,
  type ImportIteration,
  type ImportProgress,
  type ImportReport,
  type ImportStreamOptions,
  type ImportSummary,
  iterateImport,
  type LocalTimePolicy,
  neutralizeCsvCell,
  type TemplateOptions,
  toCsv,
  type ValidateImportOptions,
  type ValidateImportStreamOptions,
  validateImport,
  validateImportStream,
} from './import/index';
