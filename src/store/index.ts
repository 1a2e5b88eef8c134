/**
 * Storage: the {@link TicketStore} port and the in-memory default store.
 *
 * @module store
 */

export { type MemoryAuditChain, memoryAuditChain } from './chain';
export { type MemoryEventOutbox, memoryEventOutbox } from './events';
export {
  type MemoryStore,
  type MemoryStoreOptions,
  type MemoryStoreSnapshot,
  memoryStore,
} from './memory';
export {
  type AuditChain,
  type BatchOutcome,
  type ClaimedTimer,
  type Comment,
  type Commit,
  type CommitOutcome,
  type EventOutbox,
  type HandlingWindow,
  type IdempotencyRecord,
  type OutboxEvent,
  type OutboxEventInput,
  PRIORITY_RANK,
  type SlaTimers,
  type SortField,
  type StoreCapabilities,
  type StoreCursor,
  type StoreFilter,
  type StoreListQuery,
  type StorePage,
  type TicketStore,
  type TimerLease,
  type WindowFilter,
  type WindowStore,
} from './port';
export { type MemorySlaTimers, memorySlaTimers } from './timers';
export { memoryWindows, windowsClash } from './windows';
