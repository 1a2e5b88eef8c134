import type { ApprovalEvent } from '../approvals/index';
import type { NotificationTemplate } from './routing';
import { renderTemplate } from './template';
import type { MessageRecipient, NotificationMessage, Recipient } from './types';

/** The approval events that notify someone. */
export type NotifyingApprovalEvent = Extract<
  ApprovalEvent,
  { type: 'approval.requested' | 'approval.nudged' | 'approval.delegated' }
>;

/** Options of {@link approvalMessages}. */
export interface ApprovalMessagesOptions {
  /** Channels to send on (keys of the queue's `notifiers`), e.g. `['inbox', 'email']`. */
  readonly channels: readonly string[];
  /** A user's addresses and name; `undefined` sends with the id only. */
  readonly user?: (id: string, tenantId: string) => Recipient | undefined;
  /** Members of a role the approvals directory did not resolve; none by default. */
  readonly role?: (role: string, tenantId: string) => readonly Recipient[];
  /** Overrides of the default subject/text per event type. */
  readonly templates?: Partial<Record<NotifyingApprovalEvent['type'], NotificationTemplate>>;
}

const TEMPLATES: Record<NotifyingApprovalEvent['type'], NotificationTemplate> = {
  'approval.requested': {
    subject: '[{{ticketId}}] Approval requested (step {{step}})',
    text: 'Ticket {{ticketId}} waits for your approval (step {{step}} of {{instanceId}}).',
  },
  'approval.nudged': {
    subject: '[{{ticketId}}] Reminder: approval pending (step {{step}})',
    text: 'The requester of {{ticketId}} reminds you of the pending approval (reminder {{nudges}}).',
  },
  'approval.delegated': {
    subject: '[{{ticketId}}] Approval handed from {{from}} to {{to}}',
    text: 'Step {{step}} of {{ticketId}} was undecided for too long and is now with {{to}} (was {{from}}).',
  },
};

/**
 * The notification messages an approval event causes: `approval.requested` and
 * `approval.nudged` (催办) go to the step's approvers (`event.notify`: users, plus members of
 * unresolved roles through `role`), `approval.delegated` to both the approver it left and the
 * delegate. Message ids derive from the event, so enqueueing the same event twice adds
 * nothing. Wire the engine's `onEvent` to it and enqueue in the notification outbox:
 *
 * @example
 * ```ts
 * const engine = createApprovals({ clock, onEvent: async (e) => {
 *   await outbox.enqueue(approvalMessages(e, { channels: ['inbox'] }), clock.now());
 * } });
 * ```
 */
export function approvalMessages(
  event: ApprovalEvent,
  options: ApprovalMessagesOptions,
): NotificationMessage[] {
  if (
    event.type !== 'approval.requested' &&
    event.type !== 'approval.nudged' &&
    event.type !== 'approval.delegated'
  ) {
    return [];
  }
  const ids =
    event.type === 'approval.delegated'
      ? [event.from, event.to]
      : [
          ...event.notify.users,
          ...event.notify.roles.flatMap((r) =>
            (options.role?.(r, event.tenantId) ?? []).map((x) => x.id),
          ),
        ];
  const recipients = [...new Set(ids)];
  const template = { ...TEMPLATES[event.type], ...(options.templates?.[event.type] ?? {}) };
  const data: Record<string, unknown> = { ...event };
  const eventId = [
    event.tenantId,
    event.ticketId,
    event.type,
    event.instanceId,
    `s${event.step}`,
    event.type === 'approval.nudged' ? `n${event.nudges}` : '',
    event.type === 'approval.delegated' ? `to-${event.to}` : '',
  ]
    .filter(Boolean)
    .join('/');
  const out: NotificationMessage[] = [];
  for (const id of recipients) {
    const known = options.user?.(id, event.tenantId);
    for (const channel of options.channels) {
      const address = known?.addresses?.[channel] ?? known?.address;
      const recipient: MessageRecipient = {
        id,
        ...(address !== undefined ? { address } : {}),
        ...(known?.name !== undefined ? { name: known.name } : {}),
      };
      out.push({
        id: `${eventId}:${id}:${channel}`,
        eventId,
        type: event.type,
        rule: 'approvals',
        channel,
        recipient,
        subject: renderTemplate(template.subject, data),
        text: renderTemplate(template.text, data),
        ...(template.html ? { html: renderTemplate(template.html, data, { escape: 'html' }) } : {}),
        data,
        tenantId: event.tenantId,
        ticketId: event.ticketId,
        // After the ticket's own messages of the same moment: approval events have no version.
        sequence: Date.parse(event.at),
        urgent: false,
        createdAt: event.at,
      });
    }
  }
  return out;
}
