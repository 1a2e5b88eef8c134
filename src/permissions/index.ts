/**
 * Role-based permissions with conditions on the ticket and the actor, checked on every command
 * and explainable: {@link Policy.can} says which rule allowed or denied, and why.
 *
 * @module permissions
 */
import { ValidationError, type ValidationIssue } from '../errors/index';
import type { StateKind } from '../state-machine/index';
import type { ExternalLink, Ticket } from '../ticket/index';

/** Default roles. Apps may use any other role names in their own rules. */
export const ROLES = ['requester', 'agent', 'supervisor', 'admin'] as const;
/** A role: one of {@link ROLES} or your own. */
export type Role = (typeof ROLES)[number] | (string & {});

/** Who performs a command. It always comes from the host app's context, never from request data. */
export interface Actor {
  /** The user's id in the host app. */
  readonly id: string;
  /** The user's roles. */
  readonly roles: readonly Role[];
  /** The tenant the actor belongs to; commands run in it unless the context names one. */
  readonly tenantId?: string;
  /** Teams the actor belongs to (rules may use them). */
  readonly teams?: readonly string[];
}

/** Every action the desk checks. */
export const ACTIONS = [
  'create',
  'read',
  'read_internal',
  'update',
  'assign',
  'transition',
  'comment',
  'history',
  'link',
  'merge',
] as const;
/** An action a policy decides on. */
export type Action = (typeof ACTIONS)[number];

/** What a rule's `when` receives. */
export interface PolicyContext {
  readonly actor: Actor;
  readonly action: Action;
  /** The ticket acted on (absent for `create`, where `draft` is set instead). */
  readonly ticket?: Ticket;
  /** For `create`: the fields of the new ticket. */
  readonly draft?: Readonly<Record<string, unknown>>;
  /** For `transition`: the target state, its kind, and whether the move is a reopen. */
  readonly to?: string;
  readonly toKind?: StateKind;
  readonly reopen?: boolean;
  /** For `update`: the fields being changed, with their new values. */
  readonly patch?: Readonly<Record<string, unknown>>;
  /** For `assign`: the new assignee (null to unassign). */
  readonly assignee?: string | null;
  /** For `comment`: the comment's visibility. */
  readonly visibility?: 'public' | 'internal';
  /** For `link`: the external link being added or removed (`desk.links`). */
  readonly link?: ExternalLink;
  /** For `merge` of a duplicate: the ticket it is merged into (the survivor). */
  readonly survivor?: Ticket;
}

/** One rule of a policy. Deny rules are checked first; then allow rules; otherwise denied. */
export interface PolicyRule {
  /** A stable name, shown in decisions and errors (e.g. `"high-risk-close"`). */
  readonly name: string;
  /** `allow` grants, `deny` vetoes any allow. */
  readonly effect: 'allow' | 'deny';
  /** The actions this rule covers, or `'*'` for all. */
  readonly actions: readonly Action[] | '*';
  /** The rule applies only to actors with one of these roles (omit for everyone). */
  readonly roles?: readonly Role[];
  /** Deny rules only: actors with one of these roles are exempt. */
  readonly exceptRoles?: readonly Role[];
  /** Extra condition; the rule applies only when it returns true. */
  readonly when?: (ctx: PolicyContext) => boolean;
  /** Why the rule denies, in words a user can act on. */
  readonly reason?: string;
}

/** The outcome of a permission check. */
export type Decision =
  | { readonly allowed: true; readonly rule: string }
  | { readonly allowed: false; readonly rule: string; readonly reason: string };

/** A checked policy. */
export interface Policy {
  /** The rules, in order. */
  readonly rules: readonly PolicyRule[];
  /** Decides whether `ctx.actor` may perform `ctx.action`. */
  can(ctx: PolicyContext): Decision;
}

/**
 * Checks and freezes a policy: rule names unique, effects and actions known.
 *
 * @example
 * ```ts
 * const policy = definePolicy({
 *   rules: [
 *     ...defaultPolicy.rules,
 *     { name: 'night-shift-no-assign', effect: 'deny', actions: ['assign'], roles: ['agent'],
 *       when: (c) => c.ticket?.team === 'night', reason: 'night tickets are assigned by the lead' },
 *   ],
 * });
 * ```
 */
export function definePolicy(spec: { rules: readonly PolicyRule[] }): Policy {
  const issues: ValidationIssue[] = [];
  const names = new Set<string>();
  const known = new Set<string>(ACTIONS);
  (spec?.rules ?? []).forEach((r, i) => {
    if (!r || typeof r.name !== 'string' || r.name.length === 0) {
      issues.push({
        code: 'required',
        path: ['rules', i, 'name'],
        message: 'every rule needs a name',
      });
    } else if (names.has(r.name)) {
      issues.push({
        code: 'duplicate',
        path: ['rules', i, 'name'],
        message: `rule name "${r.name}" is used twice; names must be unique`,
      });
    } else names.add(r.name);
    if (r?.effect !== 'allow' && r?.effect !== 'deny') {
      issues.push({
        code: 'invalid_enum',
        path: ['rules', i, 'effect'],
        message: `effect must be "allow" or "deny", got ${JSON.stringify(r?.effect)}`,
      });
    }
    if (r?.actions !== '*') {
      if (!Array.isArray(r?.actions) || r.actions.length === 0) {
        issues.push({
          code: 'required',
          path: ['rules', i, 'actions'],
          message: `list the actions (${ACTIONS.join(', ')}) or use '*'`,
        });
      } else {
        r.actions.forEach((a, j) => {
          if (!known.has(a)) {
            issues.push({
              code: 'invalid_enum',
              path: ['rules', i, 'actions', j],
              message: `unknown action "${a}"; known actions: ${ACTIONS.join(', ')}`,
            });
          }
        });
      }
    }
    if (r?.exceptRoles && r.effect !== 'deny') {
      issues.push({
        code: 'invalid_value',
        path: ['rules', i, 'exceptRoles'],
        message: 'exceptRoles only makes sense on deny rules',
      });
    }
  });
  if (issues.length) {
    throw new ValidationError(issues, { code: 'invalid_policy', context: 'definePolicy' });
  }
  const rules = Object.freeze([...spec.rules]);
  const denies = rules.filter((r) => r.effect === 'deny');
  const allows = rules.filter((r) => r.effect === 'allow');
  const applies = (r: PolicyRule, ctx: PolicyContext) =>
    (r.actions === '*' || r.actions.includes(ctx.action)) &&
    (!r.roles || r.roles.some((role) => ctx.actor.roles.includes(role))) &&
    (!r.when || r.when(ctx));

  return Object.freeze({
    rules,
    can(ctx: PolicyContext): Decision {
      for (const r of denies) {
        if (r.exceptRoles?.some((role) => ctx.actor.roles.includes(role))) continue;
        if (applies(r, ctx)) {
          return { allowed: false, rule: r.name, reason: r.reason ?? `rule "${r.name}" denies it` };
        }
      }
      for (const r of allows) {
        if (applies(r, ctx)) return { allowed: true, rule: r.name };
      }
      return {
        allowed: false,
        rule: 'default-deny',
        reason: `no rule allows "${ctx.action}" for roles [${ctx.actor.roles.join(', ')}]`,
      };
    },
  });
}

const isOwn = (c: PolicyContext) => c.ticket !== undefined && c.ticket.requester === c.actor.id;

/**
 * The default policy:
 * - `admin` and `supervisor` may do everything in their tenant;
 * - `agent` may create, read (internal comments too), update, assign, transition, comment, see
 *   history, link tickets to records in other systems (`desk.links`) and merge duplicates
 *   (`desk.merge` also checks `update` on every ticket involved);
 * - `requester` may create tickets, and read, comment publicly on, see the history of and
 *   reopen only their own tickets;
 * - only `supervisor` or `admin` may move a `risk: 'high'` ticket to a resolved or closed
 *   state (`high-risk-close`) or change the risk of a high-risk ticket (`high-risk-downgrade`).
 */
export const defaultPolicy: Policy = definePolicy({
  rules: [
    {
      name: 'high-risk-close',
      effect: 'deny',
      actions: ['transition'],
      exceptRoles: ['supervisor', 'admin'],
      when: (c) => c.ticket?.risk === 'high' && (c.toKind === 'resolved' || c.toKind === 'closed'),
      reason: 'only a supervisor or admin may resolve or archive a high-risk ticket',
    },
    {
      name: 'high-risk-downgrade',
      effect: 'deny',
      actions: ['update'],
      exceptRoles: ['supervisor', 'admin'],
      when: (c) => c.ticket?.risk === 'high' && c.patch !== undefined && 'risk' in c.patch,
      reason: 'only a supervisor or admin may change the risk of a high-risk ticket',
    },
    {
      name: 'requester-create-for-self',
      effect: 'deny',
      actions: ['create'],
      exceptRoles: ['agent', 'supervisor', 'admin'],
      when: (c) => c.draft?.requester !== undefined && c.draft.requester !== c.actor.id,
      reason: 'a requester may only open tickets for themselves; leave "requester" unset',
    },
    { name: 'admin-all', effect: 'allow', actions: '*', roles: ['admin'] },
    { name: 'supervisor-all', effect: 'allow', actions: '*', roles: ['supervisor'] },
    {
      name: 'agent-work',
      effect: 'allow',
      actions: [
        'create',
        'read',
        'read_internal',
        'update',
        'assign',
        'transition',
        'comment',
        'history',
        'link',
        'merge',
      ],
      roles: ['agent'],
    },
    { name: 'requester-create', effect: 'allow', actions: ['create'], roles: ['requester'] },
    {
      name: 'requester-own',
      effect: 'allow',
      actions: ['read', 'history', 'comment'],
      roles: ['requester'],
      when: (c) => isOwn(c) && (c.action !== 'comment' || c.visibility === 'public'),
    },
    {
      name: 'requester-reopen-own',
      effect: 'allow',
      actions: ['transition'],
      roles: ['requester'],
      when: (c) => isOwn(c) && c.reopen === true,
    },
  ],
});
