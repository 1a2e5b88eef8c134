/**
 * `ticketkit/adapters/memory`: the in-memory store (also the default of `createTicketing()`).
 * It lives in the core so the core never imports an adapter; this subpath re-exports it so
 * every store is imported the same way.
 *
 * @module adapters/memory
 */
export {
  type MemoryStore,
  type MemoryStoreOptions,
  type MemoryStoreSnapshot,
  memoryStore,
} from 'ticketkit';
