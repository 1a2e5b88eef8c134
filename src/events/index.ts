/**
 * Typed events. The desk emits each event only after its change is stored.
 *
 * @module events
 */
import type { AuditActor } from '../audit/index';
import type { Comment } from '../store/port';
import type { Ticket } from '../ticket/index';

/** Fields every event carries, so a consumer that forwards all events can `switch (e.type)`. */
export interface BaseEvent<T extends string, S extends string = string> {
  readonly type: T;
  readonly tenantId: string;
  readonly ticketId: string;
  readonly actor: AuditActor;
  /** ISO 8601 time of the change (from the injected clock). */
  readonly at: string;
  /** The ticket after the change. */
  readonly ticket: Ticket<S>;
}

/** A ticket was created. */
export type TicketCreatedEvent<S extends string = string> = BaseEvent<'ticket.created', S>;
/** Fields of a ticket were changed by `desk.update`. */
export interface TicketUpdatedEvent<S extends string = string>
  extends BaseEvent<'ticket.updated', S> {
  readonly changes: Readonly<Record<string, { from: unknown; to: unknown }>>;
}
/** A ticket's assignee changed. */
export interface TicketAssignedEvent<S extends string = string>
  extends BaseEvent<'ticket.assigned', S> {
  readonly from: string | null;
  readonly to: string | null;
  /** Why this assignee, when a dispatcher chose it. */
  readonly meta?: Readonly<Record<string, unknown>>;
}
/** A ticket moved between workflow states. */
export interface TicketTransitionedEvent<S extends string = string>
  extends BaseEvent<'ticket.transitioned', S> {
  readonly from: S;
  readonly to: S;
  readonly reopen: boolean;
}
/** A comment was added to a ticket. */
export interface TicketCommentedEvent<S extends string = string>
  extends BaseEvent<'ticket.commented', S> {
  readonly comment: Comment;
}

/** Every event name with its payload, for eventemitter3's typed emitter. */
export interface TicketkitEvents<S extends string = string> {
  'ticket.created': [TicketCreatedEvent<S>];
  'ticket.updated': [TicketUpdatedEvent<S>];
  'ticket.assigned': [TicketAssignedEvent<S>];
  'ticket.transitioned': [TicketTransitionedEvent<S>];
  'ticket.commented': [TicketCommentedEvent<S>];
}

/** Any ticketkit event. */
export type TicketkitEvent<S extends string = string> =
  TicketkitEvents<S>[keyof TicketkitEvents<S>][0];

/** Every event name, for consumers that subscribe to all of them (eventemitter3 has no wildcard). */
export const TICKETKIT_EVENT_TYPES = [
  'ticket.created',
  'ticket.updated',
  'ticket.assigned',
  'ticket.transitioned',
  'ticket.commented',
] as const satisfies readonly (keyof TicketkitEvents)[];
