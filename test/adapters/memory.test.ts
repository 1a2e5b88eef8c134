import { memoryStore } from 'ticketkit/adapters/memory';
import { runStoreConformance } from '../conformance/store';

runStoreConformance({
  name: 'memory',
  async create() {
    const store = memoryStore();
    const split = (k: string) => k.split('\u0000') as [string, string];
    return {
      store,
      inspect: {
        async ticket(tenantId, id) {
          return store.snapshot().tickets.get(`${tenantId}\u0000${id}`) ?? null;
        },
        async audit(tenantId, ticketId) {
          return [...(store.snapshot().audit.get(`${tenantId}\u0000${ticketId}`) ?? [])];
        },
        async comments(tenantId, ticketId) {
          return [...(store.snapshot().comments.get(`${tenantId}\u0000${ticketId}`) ?? [])];
        },
        async idempotencyKeys(tenantId) {
          return [...store.snapshot().idempotency.keys()]
            .map(split)
            .filter(([t]) => t === tenantId)
            .map(([, k]) => k);
        },
      },
    };
  },
});
