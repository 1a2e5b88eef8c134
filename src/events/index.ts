/**
 * Typed events. The desk emits each event only after its change is stored.
 *
 * @module events
 */
import type { AuditActor } from '../audit/index';
import type { SlaClockView } from '../sla/clocks';
import type { EscalationAction, SlaMetric } from '../sla/policy';
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

/** An SLA clock reached a warning threshold (50 %, 75 %, 90 % of its target by default). */
export interface SlaWarningEvent<S extends string = string> extends BaseEvent<'sla.warning', S> {
  readonly metric: SlaMetric;
  /** Share of the target reached, e.g. 0.75. */
  readonly threshold: number;
  /** When the threshold was reached (may be slightly before `at`, the time it was processed). */
  readonly reachedAt: string;
  readonly clock: SlaClockView;
}
/** An SLA clock passed its target. */
export interface SlaBreachedEvent<S extends string = string> extends BaseEvent<'sla.breached', S> {
  readonly metric: SlaMetric;
  readonly breachedAt: string;
  readonly clock: SlaClockView;
}
/** An SLA clock's goal was reached (`late` if after its breach). */
export interface SlaMetEvent<S extends string = string> extends BaseEvent<'sla.met', S> {
  readonly metric: SlaMetric;
  readonly late: boolean;
  readonly clock: SlaClockView;
}
/** An escalation rule fired and its actions were applied. */
export interface SlaEscalatedEvent<S extends string = string>
  extends BaseEvent<'sla.escalated', S> {
  readonly metric: SlaMetric;
  readonly rule: string;
  readonly level: number;
  readonly actions: readonly EscalationAction[];
  /** Roles to notify (from `notify` actions). */
  readonly notify: readonly string[];
}

/** Every event name with its payload, for eventemitter3's typed emitter. */
export interface TicketkitEvents<S extends string = string> {
  'ticket.created': [TicketCreatedEvent<S>];
  'ticket.updated': [TicketUpdatedEvent<S>];
  'ticket.assigned': [TicketAssignedEvent<S>];
  'ticket.transitioned': [TicketTransitionedEvent<S>];
  'ticket.commented': [TicketCommentedEvent<S>];
  'sla.warning': [SlaWarningEvent<S>];
  'sla.breached': [SlaBreachedEvent<S>];
  'sla.met': [SlaMetEvent<S>];
  'sla.escalated': [SlaEscalatedEvent<S>];
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
  'sla.warning',
  'sla.breached',
  'sla.met',
  'sla.escalated',
] as const satisfies readonly (keyof TicketkitEvents)[];
