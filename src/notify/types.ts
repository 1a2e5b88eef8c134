/**
 * The notification port: what a channel implementation (webhook, email, inbox, ...) receives
 * and returns. A notifier sends one message once; retries, ordering, dead letters and circuit
 * breaking belong to the queue ({@link createNotificationQueue}), never to the notifier.
 *
 * @module notify
 */

/** A person or endpoint a notification goes to, as the app's directory resolves it. */
export interface Recipient {
  /** The user's id in the host app (the same id `canRead` is asked about). */
  readonly id: string;
  /** Default address (an email address for the email channel). */
  readonly address?: string;
  /** Per-channel addresses, e.g. `{ email: 'a@x.cn', wecom: 'zhangsan' }`; wins over `address`. */
  readonly addresses?: Readonly<Record<string, string>>;
  /** Display name, for templates (`{{recipient.name}}`). */
  readonly name?: string;
}

/** The recipient as carried by a message: one address, for the message's channel. */
export interface MessageRecipient {
  readonly id: string;
  readonly address?: string;
  readonly name?: string;
}

/**
 * One notification to one recipient on one channel. Plain JSON (no Dates, no functions) so a
 * SQL outbox can store it as a `jsonb` column and give it back unchanged.
 */
export interface NotificationMessage {
  /**
   * Stable idempotency id, `${eventId}:${recipientId}:${channel}`. The outbox ignores a second
   * enqueue of the same id; notifiers send it to the receiver (`webhook-id`, email
   * `Message-ID`) so the receiver can drop duplicates of an at-least-once delivery.
   */
  readonly id: string;
  /** The event this message was routed from. */
  readonly eventId: string;
  /** The event type, e.g. `ticket.assigned`. */
  readonly type: string;
  /** The routing rule that produced it. */
  readonly rule: string;
  /** The channel (a key of the queue's `notifiers`), e.g. `webhook`, `email`, `inbox`. */
  readonly channel: string;
  readonly recipient: MessageRecipient;
  /** Plain-text subject (templates rendered without escaping). */
  readonly subject: string;
  /** Plain-text body. */
  readonly text: string;
  /** HTML body, when the rule has an HTML template (values HTML-escaped). */
  readonly html?: string;
  /** A projection of the event payload: never secrets, never custom fields unless a rule adds them. */
  readonly data: Readonly<Record<string, unknown>>;
  readonly tenantId: string;
  readonly ticketId: string;
  /**
   * Per-ticket order, non-decreasing in event order (the ticket version by default). The queue
   * delivers one ticket's messages on one channel in this order.
   */
  readonly sequence: number;
  /** Urgent messages ignore quiet hours. */
  readonly urgent: boolean;
  /** ISO 8601: deliver no earlier than this (quiet hours). Absent: as soon as possible. */
  readonly notBefore?: string;
  /** ISO 8601: when the event happened. */
  readonly createdAt: string;
}

/** What a notifier reports for one attempt. */
export type DeliveryResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** `false` for failures another attempt cannot fix (HTTP 400/410, SMTP 5xx): straight to the dead letter. */
      readonly retryable: boolean;
      /** What went wrong, for logs and the dead letter. Never contains secrets. */
      readonly error: string;
      /** The receiver asked to wait this long (HTTP `Retry-After`); the queue waits at least this. */
      readonly retryAfterMs?: number;
    };

/** Per-attempt context the queue passes to {@link Notifier.send}. */
export interface SendContext {
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number;
  /** Aborted when the queue stops. */
  readonly signal?: AbortSignal;
}

/**
 * A channel implementation. `send` should not throw: it returns a {@link DeliveryResult}; a
 * thrown error is treated as a retryable failure.
 *
 * @example
 * ```ts
 * const sms: Notifier = {
 *   name: 'sms',
 *   async send(message) {
 *     const res = await mySmsApi(message.recipient.address, message.text);
 *     return res.ok ? { ok: true } : { ok: false, retryable: res.status >= 500, error: `HTTP ${res.status}` };
 *   },
 * };
 * ```
 */
export interface Notifier {
  /** A short name for logs and errors (`webhook`, `email`, `inbox`). */
  readonly name: string;
  send(message: NotificationMessage, ctx: SendContext): Promise<DeliveryResult>;
}
