/**
 * memoryOutbox against the outbox conformance suite (the same cases the SQL outbox runs in
 * test/adapters/*-outbox.test.ts). memoryOutbox is also the model of the model-based case, so
 * here that case checks it against itself and the contract oracle is not applied.
 */
import { memoryOutbox } from 'ticketkit';
import { runOutboxConformance } from '../conformance/outbox';

runOutboxConformance('memory', async () => memoryOutbox(), { modelRuns: 200 });
