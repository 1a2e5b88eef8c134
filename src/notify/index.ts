/**
 * Notifications: the {@link Notifier} port, routing rules that turn desk events into
 * messages, the outbox-backed delivery queue (retries, dead letter, per-ticket order, circuit
 * breaker), and the in-core channels (console, in-app inbox). Webhook and email channels are
 * adapters: `ticketkit/adapters/webhook`, `ticketkit/adapters/email`.
 *
 * @module notify
 */
export {
  type ApprovalMessagesOptions,
  approvalMessages,
  type NotifyingApprovalEvent,
} from './approvals';
export { consoleNotifier } from './console';
export { type InboxEntry, type InboxPort, inboxNotifier, memoryInbox } from './inbox';
export {
  type ClaimOptions,
  type MemoryOutbox,
  memoryOutbox,
  type OutboxEntry,
  type OutboxPort,
  type OutboxStatus,
} from './outbox';
export {
  accessRecheck,
  type BreakerOptions,
  type BreakerState,
  backoffDelay,
  createNotificationQueue,
  type NotificationQueue,
  type NotificationQueueOptions,
  type QueueEvent,
  type RetryOptions,
  type SendTimeCheck,
  seededRandom,
  type TickResult,
} from './queue';
export { type RouteToOutboxOptions, routeToOutbox } from './relay';
export {
  defineRouting,
  deriveEventId,
  eventData,
  type NotificationTemplate,
  type NotifyEventType,
  type QuietHours,
  type RecipientDirectory,
  type RecipientTarget,
  type RouteOptions,
  type RoutePlan,
  type RouteSkipReason,
  type Routing,
  type RoutingOptions,
  type RoutingRule,
} from './routing';
export { escapeHtml, renderTemplate, textToHtml } from './template';
export type {
  DeliveryResult,
  MessageRecipient,
  NotificationMessage,
  Notifier,
  Recipient,
  SendContext,
} from './types';
