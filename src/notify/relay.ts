import type { TicketkitEvent } from '../events/index';
import type { OutboxPort } from './outbox';
import type { RecipientDirectory, Routing } from './routing';

/** Options of {@link routeToOutbox}. */
export interface RouteToOutboxOptions {
  readonly routing: Routing;
  readonly directory: RecipientDirectory;
  /** Where the routed messages go (a SQL store's `outbox`, or `memoryOutbox()`). */
  readonly outbox: OutboxPort;
}

/**
 * A handler for `desk.outbox.relay` that routes each event to notification messages and
 * enqueues them in a notification outbox, for `createNotificationQueue` to deliver. Message
 * ids derive from the event id, and the outbox ignores an id it already holds, so an event
 * relayed twice (a relay crashed after enqueueing, before marking it delivered) enqueues
 * nothing new: the whole path is exactly-once up to the notifier, at-least-once to the receiver.
 *
 * @example
 * ```ts
 * const desk = createTicketing({ store, outbox: true });
 * const handler = routeToOutbox({ routing, directory, outbox: store.outbox });
 * await desk.outbox.relay(handler);           // events -> messages
 * await queue.tick();                         // messages -> webhook, email, inbox ...
 * ```
 */
export function routeToOutbox(
  options: RouteToOutboxOptions,
): (event: TicketkitEvent, meta: { readonly id: string; readonly now: Date }) => Promise<void> {
  const { routing, directory, outbox } = options;
  return async (event, meta) => {
    const messages = await routing.route(event, directory, { eventId: meta.id });
    if (messages.length > 0) await outbox.enqueue(messages, meta.now);
  };
}
