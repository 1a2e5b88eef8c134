import { ValidationError, type ValidationIssue } from '../errors/index';
import { TICKETKIT_EVENT_TYPES, type TicketkitEvent } from '../events/index';
import type { Ticket } from '../ticket/index';
import { renderTemplate } from './template';
import type { MessageRecipient, NotificationMessage, Recipient } from './types';

/** An event type a routing rule can listen to. */
export type NotifyEventType = TicketkitEvent['type'];

/**
 * Who a rule notifies. Named targets are resolved by the app's {@link RecipientDirectory};
 * `'escalation'` expands to the roles listed in an `sla.escalated` event's `notify`.
 */
export type RecipientTarget =
  | 'assignee'
  | 'requester'
  | 'supervisors'
  | 'team'
  | 'watchers'
  | 'escalation'
  | { readonly role: string }
  | { readonly users: readonly string[] };

/** Subject and bodies of a message; `{{path}}` placeholders read the message's `data`. */
export interface NotificationTemplate {
  /** Plain text, rendered without escaping. */
  readonly subject: string;
  /** Plain text, rendered without escaping. */
  readonly text: string;
  /** HTML; every value is HTML-escaped. Omit to let the channel derive HTML from `text`. */
  readonly html?: string;
}

/** One routing rule: on these events, tell these recipients on these channels. */
export interface RoutingRule {
  /** Unique name, carried by every message the rule produces. */
  readonly name: string;
  /** Event type(s) the rule listens to. */
  readonly on: NotifyEventType | readonly NotifyEventType[];
  /** Recipient target(s). */
  readonly to: RecipientTarget | readonly RecipientTarget[];
  /** Channels (keys of the queue's `notifiers`), e.g. `['email', 'inbox']`. */
  readonly channels: readonly string[];
  /** Extra condition; the rule is skipped when it returns false. */
  readonly when?: (event: TicketkitEvent) => boolean;
  /** Urgent messages ignore quiet hours. @default false */
  readonly urgent?: boolean | ((event: TicketkitEvent) => boolean);
  /** Overrides the default template for the event type (per field). */
  readonly template?: Partial<NotificationTemplate>;
  /** Also notify the actor who caused the event. @default false */
  readonly includeActor?: boolean;
  /**
   * Extra fields merged into the message `data` (and so visible to templates and receivers).
   * The default `data` is a fixed projection of the event without custom fields; add only what
   * every recipient may see, never secrets.
   */
  readonly data?: (event: TicketkitEvent) => Readonly<Record<string, unknown>>;
}

/** Anything with business hours: a `BusinessCalendar` from `createCalendar` fits. */
export interface QuietHours {
  /** True while notifications may go out. */
  isOpen(at: Date): boolean;
  /** `at` itself if open, else the start of the next open range. Used when present. */
  nextOpen?(at: Date): Date;
}

/** The app's view of its users: who a target means, and who may read a ticket. */
export interface RecipientDirectory {
  /** The recipients a target means for this event (an empty list is fine). */
  resolve(
    to: RecipientTarget,
    event: TicketkitEvent,
  ): readonly Recipient[] | Promise<readonly Recipient[]>;
  /**
   * May this user read this ticket now? Asked when routing and again right before each delivery
   * (see {@link accessRecheck}); the event is passed when routing, for finer checks.
   */
  canRead(recipientId: string, ticket: Ticket, event?: TicketkitEvent): boolean | Promise<boolean>;
}

/** Options for one routing call. */
export interface RouteOptions {
  /** The event's stable id (the outbox row id when the desk routes). Derived from the event when omitted. */
  readonly eventId?: string;
  /** Per-ticket order; defaults to the ticket's version. */
  readonly sequence?: number;
  /** The instant quiet hours are judged at; defaults to the event's `at`. */
  readonly now?: Date;
}

/** Why a recipient got no message. */
export type RouteSkipReason = 'no_read_access' | 'is_actor' | 'internal_comment';

/** The full result of routing one event. */
export interface RoutePlan {
  readonly messages: NotificationMessage[];
  readonly skipped: ReadonlyArray<{
    readonly rule: string;
    readonly recipientId: string;
    readonly reason: RouteSkipReason;
  }>;
}

/** Options of {@link defineRouting}. */
export interface RoutingOptions {
  /** Non-urgent messages outside open hours wait for the next open instant. */
  readonly quietHours?: QuietHours | ((recipient: Recipient) => QuietHours | undefined);
  /** Default templates per event type, merged over the built-in ones. */
  readonly templates?: Partial<Record<NotifyEventType, NotificationTemplate>>;
}

/** A validated set of routing rules. */
export interface Routing {
  readonly rules: readonly RoutingRule[];
  /** The messages an event produces, after the routing-time read check. */
  route(
    event: TicketkitEvent,
    directory: RecipientDirectory,
    options?: RouteOptions,
  ): Promise<NotificationMessage[]>;
  /** Like {@link Routing.route}, and also who was skipped and why. */
  plan(
    event: TicketkitEvent,
    directory: RecipientDirectory,
    options?: RouteOptions,
  ): Promise<RoutePlan>;
}

const DEFAULT_TEMPLATES: Record<NotifyEventType, NotificationTemplate> = {
  'ticket.created': {
    subject: '[{{ticket.id}}] New ticket: {{ticket.title}}',
    text: '{{actor.id}} created {{ticket.id}} "{{ticket.title}}" (priority {{ticket.priority}}).',
  },
  'ticket.updated': {
    subject: '[{{ticket.id}}] Updated: {{ticket.title}}',
    text: '{{actor.id}} updated {{ticket.id}} "{{ticket.title}}": {{changedFields}}.',
  },
  'ticket.assigned': {
    subject: '[{{ticket.id}}] Assigned to {{to}}: {{ticket.title}}',
    text: '{{actor.id}} assigned {{ticket.id}} "{{ticket.title}}" to {{to}}.',
  },
  'ticket.transitioned': {
    subject: '[{{ticket.id}}] {{from}} → {{to}}: {{ticket.title}}',
    text: '{{actor.id}} moved {{ticket.id}} "{{ticket.title}}" from {{from}} to {{to}}.',
  },
  'ticket.commented': {
    subject: '[{{ticket.id}}] New comment: {{ticket.title}}',
    text: '{{comment.author}} wrote on {{ticket.id}}:\n\n{{comment.body}}',
  },
  'sla.warning': {
    subject: '[{{ticket.id}}] SLA warning ({{metric}} at {{thresholdPercent}}%): {{ticket.title}}',
    text: '{{ticket.id}} "{{ticket.title}}" has used {{thresholdPercent}}% of its {{metric}} target (due {{clock.dueAt}}).',
  },
  'sla.breached': {
    subject: '[{{ticket.id}}] SLA breached ({{metric}}): {{ticket.title}}',
    text: '{{ticket.id}} "{{ticket.title}}" breached its {{metric}} target at {{breachedAt}}.',
  },
  'sla.met': {
    subject: '[{{ticket.id}}] SLA met ({{metric}}): {{ticket.title}}',
    text: '{{ticket.id}} "{{ticket.title}}" met its {{metric}} target.',
  },
  'sla.escalated': {
    subject: '[{{ticket.id}}] Escalated (level {{level}}): {{ticket.title}}',
    text: '{{ticket.id}} "{{ticket.title}}" was escalated by rule {{rule}} (level {{level}}, {{metric}}).',
  },
};

const NAMED_TARGETS = new Set(['assignee', 'requester', 'supervisors', 'team', 'watchers']);
const SECRET_KEY = /secret|token|password|passwd|api[-_]?key|authorization|cookie|credential/i;

/** Drops keys that look like secrets, at any depth. */
function scrub(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (SECRET_KEY.test(k) || v === undefined) continue;
    out[k] = scrub(v, depth + 1);
  }
  return out;
}

function projectTicket(t: Ticket): Record<string, unknown> {
  return {
    id: t.id,
    tenantId: t.tenantId,
    title: t.title,
    description: t.description,
    status: t.status,
    priority: t.priority,
    risk: t.risk,
    category: t.category,
    tags: [...t.tags],
    channel: t.channel,
    requester: t.requester,
    assignee: t.assignee,
    team: t.team,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    version: t.version,
    reopenCount: t.reopenCount,
  };
}

const HIDDEN_CHANGE_FIELDS = new Set(['custom', 'externalRefs', 'sla']);

/**
 * The default message `data` for an event: ticket fields, the actor's id and the event's own
 * fields. Custom fields, external references and SLA internals are left out.
 */
export function eventData(event: TicketkitEvent): Record<string, unknown> {
  const base: Record<string, unknown> = {
    type: event.type,
    at: event.at,
    actor: { id: event.actor.id },
    ticket: projectTicket(event.ticket),
  };
  switch (event.type) {
    case 'ticket.created':
      break;
    case 'ticket.updated': {
      const changes: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(event.changes)) {
        if (!HIDDEN_CHANGE_FIELDS.has(k)) changes[k] = v;
      }
      base.changes = changes;
      base.changedFields = Object.keys(changes);
      break;
    }
    case 'ticket.assigned':
      base.from = event.from;
      base.to = event.to;
      break;
    case 'ticket.transitioned':
      base.from = event.from;
      base.to = event.to;
      base.reopen = event.reopen;
      break;
    case 'ticket.commented':
      base.comment = {
        id: event.comment.id,
        author: event.comment.author,
        body: event.comment.body,
        visibility: event.comment.visibility,
        createdAt: event.comment.createdAt,
      };
      break;
    case 'sla.warning':
      base.metric = event.metric;
      base.threshold = event.threshold;
      base.thresholdPercent = Math.round(event.threshold * 100);
      base.reachedAt = event.reachedAt;
      base.clock = { ...event.clock };
      break;
    case 'sla.breached':
      base.metric = event.metric;
      base.breachedAt = event.breachedAt;
      base.clock = { ...event.clock };
      break;
    case 'sla.met':
      base.metric = event.metric;
      base.late = event.late;
      base.clock = { ...event.clock };
      break;
    case 'sla.escalated':
      base.metric = event.metric;
      base.rule = event.rule;
      base.level = event.level;
      base.notify = [...event.notify];
      break;
  }
  return scrub(base) as Record<string, unknown>;
}

/**
 * A stable id for an event when the caller has none: the same event always gives the same id,
 * so routing it twice enqueues nothing new.
 */
export function deriveEventId(event: TicketkitEvent): string {
  const head = `${event.tenantId}/${event.ticketId}/${event.type}/v${event.ticket.version}`;
  switch (event.type) {
    case 'ticket.commented':
      return `${head}/${event.comment.id}`;
    case 'sla.warning':
      return `${head}/${event.metric}/${event.threshold}`;
    case 'sla.breached':
    case 'sla.met':
      return `${head}/${event.metric}`;
    case 'sla.escalated':
      return `${head}/${event.metric}/${event.rule}/${event.level}`;
    default:
      return head;
  }
}

function list<T>(v: T | readonly T[]): readonly T[] {
  return Array.isArray(v) ? (v as readonly T[]) : [v as T];
}

function validateTarget(t: unknown, path: (string | number)[], issues: ValidationIssue[]) {
  if (typeof t === 'string') {
    if (!NAMED_TARGETS.has(t) && t !== 'escalation') {
      issues.push({
        code: 'invalid_enum',
        path,
        message: `unknown target "${t}"; use one of ${[...NAMED_TARGETS, 'escalation'].map((x) => `"${x}"`).join(', ')}, { role } or { users }`,
      });
    }
    return;
  }
  if (t && typeof t === 'object') {
    const o = t as Record<string, unknown>;
    if (typeof o.role === 'string' && o.role.length > 0) return;
    if (Array.isArray(o.users) && o.users.every((u) => typeof u === 'string')) return;
  }
  issues.push({
    code: 'invalid_type',
    path,
    message: 'must be a named target, { role: string } or { users: string[] }',
  });
}

function nextOpenInstant(q: QuietHours, at: Date): Date {
  if (q.nextOpen) return q.nextOpen(at);
  // Without nextOpen: step forward a minute at a time, for at most 8 days.
  const start = Math.ceil(at.getTime() / 60_000) * 60_000;
  for (let i = 0; i <= 8 * 1440; i++) {
    const t = new Date(start + i * 60_000);
    if (q.isOpen(t)) return t;
  }
  return at;
}

/**
 * Validates routing rules and returns a router. Throws a `ValidationError` listing every
 * problem (unknown event type, empty channels, duplicate names, ...).
 *
 * @example
 * ```ts
 * const routing = defineRouting(
 *   [
 *     { name: 'assigned', on: 'ticket.assigned', to: 'assignee', channels: ['email', 'inbox'] },
 *     { name: 'breach', on: 'sla.breached', to: 'supervisors', channels: ['webhook'], urgent: true },
 *   ],
 *   { quietHours: createCalendar({ timeZone: 'Asia/Shanghai', weekly: { mon: ['09:00-18:00'] } }) },
 * );
 * const messages = await routing.route(event, directory);
 * await queue.enqueue(messages);
 * ```
 */
export function defineRouting(
  rules: readonly RoutingRule[],
  options: RoutingOptions = {},
): Routing {
  const issues: ValidationIssue[] = [];
  const names = new Set<string>();
  const eventTypes = new Set<string>(TICKETKIT_EVENT_TYPES);
  if (!Array.isArray(rules)) {
    throw new ValidationError(
      [{ code: 'invalid_type', path: [], message: 'rules must be an array' }],
      { context: 'defineRouting' },
    );
  }
  rules.forEach((rule, i) => {
    if (typeof rule?.name !== 'string' || rule.name.length === 0) {
      issues.push({ code: 'required', path: [i, 'name'], message: 'name is required' });
    } else if (names.has(rule.name)) {
      issues.push({
        code: 'duplicate',
        path: [i, 'name'],
        message: `duplicate rule name "${rule.name}"; names must be unique`,
      });
    } else names.add(rule.name);
    const on = rule?.on === undefined ? [] : list(rule.on);
    if (on.length === 0) {
      issues.push({
        code: 'required',
        path: [i, 'on'],
        message: 'on needs at least one event type',
      });
    }
    on.forEach((t, j) => {
      if (!eventTypes.has(t)) {
        issues.push({
          code: 'invalid_enum',
          path: [i, 'on', j],
          message: `unknown event type "${String(t)}"; use one of ${TICKETKIT_EVENT_TYPES.join(', ')}`,
        });
      }
    });
    const to = rule?.to === undefined ? [] : list(rule.to);
    if (to.length === 0) {
      issues.push({ code: 'required', path: [i, 'to'], message: 'to needs at least one target' });
    }
    to.forEach((t, j) => {
      validateTarget(t, [i, 'to', j], issues);
    });
    if (!Array.isArray(rule?.channels) || rule.channels.length === 0) {
      issues.push({
        code: 'required',
        path: [i, 'channels'],
        message: 'channels needs at least one channel name, e.g. ["email"]',
      });
    } else {
      rule.channels.forEach((c: unknown, j: number) => {
        if (typeof c !== 'string' || c.length === 0) {
          issues.push({
            code: 'invalid_type',
            path: [i, 'channels', j],
            message: 'must be a non-empty string',
          });
        }
      });
    }
  });
  if (issues.length) throw new ValidationError(issues, { context: 'defineRouting' });

  const frozen = Object.freeze(rules.map((r) => Object.freeze({ ...r })));
  const templates = { ...DEFAULT_TEMPLATES, ...(options.templates ?? {}) };

  async function recipientsFor(
    target: RecipientTarget,
    event: TicketkitEvent,
    directory: RecipientDirectory,
  ): Promise<readonly Recipient[]> {
    if (target === 'escalation') {
      if (event.type !== 'sla.escalated') return [];
      const out: Recipient[] = [];
      for (const role of event.notify) out.push(...(await directory.resolve({ role }, event)));
      return out;
    }
    return directory.resolve(target, event);
  }

  async function plan(
    event: TicketkitEvent,
    directory: RecipientDirectory,
    opts: RouteOptions = {},
  ): Promise<RoutePlan> {
    const eventId = opts.eventId ?? deriveEventId(event);
    const sequence = opts.sequence ?? event.ticket.version;
    const at = opts.now ?? new Date(event.at);
    const baseData = eventData(event);
    const messages = new Map<string, NotificationMessage>();
    const skipped: { rule: string; recipientId: string; reason: RouteSkipReason }[] = [];
    const readCache = new Map<string, boolean>();

    for (const rule of frozen) {
      if (!list(rule.on).includes(event.type)) continue;
      if (rule.when && !rule.when(event)) continue;
      const urgent = typeof rule.urgent === 'function' ? rule.urgent(event) : !!rule.urgent;
      const data = rule.data ? (scrub({ ...baseData, ...rule.data(event) }) as object) : baseData;
      const tpl = { ...templates[event.type], ...(rule.template ?? {}) };

      const seen = new Set<string>();
      for (const target of list(rule.to)) {
        for (const r of await recipientsFor(target, event, directory)) {
          if (seen.has(r.id)) continue;
          seen.add(r.id);
          if (!rule.includeActor && r.id === event.actor.id) {
            skipped.push({ rule: rule.name, recipientId: r.id, reason: 'is_actor' });
            continue;
          }
          if (
            event.type === 'ticket.commented' &&
            event.comment.visibility === 'internal' &&
            r.id === event.ticket.requester
          ) {
            skipped.push({ rule: rule.name, recipientId: r.id, reason: 'internal_comment' });
            continue;
          }
          let readable = readCache.get(r.id);
          if (readable === undefined) {
            readable = await directory.canRead(r.id, event.ticket, event);
            readCache.set(r.id, readable);
          }
          if (!readable) {
            skipped.push({ rule: rule.name, recipientId: r.id, reason: 'no_read_access' });
            continue;
          }
          const quiet =
            typeof options.quietHours === 'function' ? options.quietHours(r) : options.quietHours;
          let notBefore: string | undefined;
          if (!urgent && quiet && !quiet.isOpen(at)) {
            notBefore = nextOpenInstant(quiet, at).toISOString();
          }
          const context = {
            ...data,
            recipient: { id: r.id, name: r.name ?? r.id },
            ruleName: rule.name,
          };
          for (const channel of rule.channels) {
            const id = `${eventId}:${r.id}:${channel}`;
            const existing = messages.get(id);
            if (existing) {
              // Two rules hit the same recipient and channel: one message, urgent if either is.
              if (urgent && !existing.urgent) {
                const { notBefore: _drop, ...rest } = existing;
                messages.set(id, { ...rest, urgent: true });
              }
              continue;
            }
            const address = r.addresses?.[channel] ?? r.address;
            const recipient: MessageRecipient = {
              id: r.id,
              ...(address === undefined ? {} : { address }),
              ...(r.name === undefined ? {} : { name: r.name }),
            };
            const message: NotificationMessage = {
              id,
              eventId,
              type: event.type,
              rule: rule.name,
              channel,
              recipient,
              subject: renderTemplate(tpl.subject, context).replace(/[\r\n]+/g, ' '),
              text: renderTemplate(tpl.text, context),
              ...(tpl.html === undefined
                ? {}
                : { html: renderTemplate(tpl.html, context, { escape: 'html' }) }),
              data: data as Record<string, unknown>,
              tenantId: event.tenantId,
              ticketId: event.ticketId,
              sequence,
              urgent,
              ...(notBefore === undefined ? {} : { notBefore }),
              createdAt: event.at,
            };
            messages.set(id, message);
          }
        }
      }
    }
    return { messages: [...messages.values()], skipped };
  }

  return {
    rules: frozen,
    plan,
    async route(event, directory, opts) {
      return (await plan(event, directory, opts)).messages;
    },
  };
}
