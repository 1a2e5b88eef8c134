/**
 * Workflows: the states a ticket may be in and the moves between them.
 *
 * A workflow is defined once with {@link defineWorkflow}, which checks the definition itself
 * (unknown or unreachable states, dead ends) and fails with every problem at once. Moving a
 * ticket is the pure function {@link transition}: it returns the next ticket or an error and
 * writes nothing, so the desk can store the result atomically.
 *
 * @module state-machine
 */
import { toIso } from '../_internal/index';
import { TransitionError, ValidationError, type ValidationIssue } from '../errors/index';
import { nextTicketVersion, type Ticket } from '../ticket/index';

/**
 * What a state means to the rest of the system: `open` (work to do; counts towards an agent's
 * load), `waiting` (waiting on the customer; pauses SLA clocks by default), `resolved` (done,
 * may reopen) and `closed` (final).
 */
export type StateKind = 'open' | 'waiting' | 'resolved' | 'closed';

/** Who is asking for a move, as guards see it. */
export interface GuardActor {
  readonly id: string;
  readonly roles: readonly string[];
}

/** What a guard's `when` predicate receives. */
export interface GuardContext<S extends string = string> {
  readonly ticket: Ticket<S>;
  readonly from: S;
  readonly to: S;
  readonly actor: GuardActor;
  readonly now: Date;
}

/**
 * A condition on a move. The move is allowed only if the actor has one of `roles` (when given)
 * and `when` returns `true` (returning `false` or a string refuses; the string is the reason).
 */
export interface Guard<S extends string = string> {
  /** Shown in errors and audit entries, e.g. `"approved"`. */
  readonly name: string;
  /** The actor needs at least one of these roles. */
  readonly roles?: readonly string[];
  /** Predicate on the ticket and actor; return `true` to allow, `false` or a reason to refuse. */
  readonly when?: (ctx: GuardContext<S>) => boolean | string;
}

/** A move from a state: just the target, or the target with options. */
export type MoveSpec<S extends string> =
  | S
  | {
      /** Target state. */
      readonly to: S;
      /** Conditions the move must pass. */
      readonly guard?: Guard<S>;
      /** Counts as a reopen: increments `ticket.reopenCount`. */
      readonly reopen?: boolean;
      /** Label shown in diagrams. */
      readonly label?: string;
    };

/** One state of a workflow definition. */
export interface StateSpec<S extends string> {
  /** The states this one may move to. Omit (or leave empty) only for terminal states. */
  readonly to?: readonly MoveSpec<S>[];
  /** A final state: no move leaves it. */
  readonly terminal?: boolean;
  /** What the state means; defaults to `closed` for terminal states and `open` otherwise. */
  readonly kind?: StateKind;
  /** Human-readable name (e.g. in another language), used by diagrams and imports. */
  readonly label?: string;
}

/** A workflow definition, as passed to {@link defineWorkflow}. */
export interface WorkflowSpec<S extends string> {
  /** A name for diagrams and error messages. */
  readonly id?: string;
  /** The state new tickets start in. */
  readonly initial: NoInfer<S>;
  /** Every state, keyed by name. */
  readonly states: { readonly [K in S]: StateSpec<NoInfer<S>> };
}

/** A resolved move, as the workflow stores it. */
export interface Move<S extends string = string> {
  readonly from: S;
  readonly to: S;
  readonly guard: Guard<S> | undefined;
  readonly reopen: boolean;
  readonly label: string | undefined;
}

/** A checked, frozen workflow. Create one with {@link defineWorkflow}. */
export interface Workflow<S extends string = string> {
  readonly id: string;
  readonly initial: S;
  /** Every state name, in definition order. */
  readonly states: readonly S[];
  /** True if `state` belongs to this workflow. */
  hasState(state: string): state is S;
  /** The meaning of a state. */
  kindOf(state: S): StateKind;
  /** The label of a state (its name when none was given). */
  labelOf(state: S): string;
  /** True if no move leaves `state`. */
  isTerminal(state: S): boolean;
  /** The moves leaving `from`, in definition order. */
  movesFrom(from: S): readonly Move<S>[];
  /** The move `from → to`, or undefined if there is none. */
  move(from: S, to: S): Move<S> | undefined;
  /** The definition this workflow was built from. */
  readonly spec: WorkflowSpec<S>;
}

/** State names of a workflow: `StatusOf<typeof wf>`. */
export type StatusOf<W> = W extends Workflow<infer S> ? S : never;

const STATE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/**
 * Checks and freezes a workflow definition. Every problem is reported at once as a
 * {@link ValidationError} with code `invalid_workflow`: an unknown state in a move, an unknown
 * initial state, an unreachable state, a non-terminal state with no way out, a terminal state
 * with moves, a duplicate move.
 *
 * @example
 * ```ts
 * const wf = defineWorkflow({
 *   id: 'change-request',
 *   initial: 'draft',
 *   states: {
 *     draft: { to: ['review'] },
 *     review: { to: [{ to: 'approved', guard: { name: 'supervisor', roles: ['supervisor'] } }, 'draft'] },
 *     approved: { terminal: true },
 *   },
 * });
 * ```
 */
export function defineWorkflow<const S extends string>(spec: WorkflowSpec<S>): Workflow<S> {
  const issues: ValidationIssue[] = [];
  const specStates = (spec?.states ?? {}) as Record<string, StateSpec<S> | undefined>;
  const names = Object.keys(specStates) as S[];
  const known = new Set<string>(names);
  if (names.length === 0) {
    issues.push({ code: 'required', path: ['states'], message: 'define at least one state' });
  }
  for (const name of names) {
    if (!STATE_NAME.test(name)) {
      issues.push({
        code: 'invalid_value',
        path: ['states', name],
        message: `state name "${name}" must start with a letter and use only letters, digits, _ or - (max 64)`,
      });
    }
  }
  if (!known.has(spec?.initial)) {
    issues.push({
      code: 'unknown_state',
      path: ['initial'],
      message: `initial state "${String(spec?.initial)}" is not one of the states (${names.join(', ')})`,
    });
  }

  const table = new Map<S, Map<S, Move<S>>>();
  for (const from of names) {
    const st = specStates[from] ?? {};
    const moves = new Map<S, Move<S>>();
    table.set(from, moves);
    const list = st.to ?? [];
    if (st.terminal && list.length > 0) {
      issues.push({
        code: 'terminal_with_moves',
        path: ['states', from, 'to'],
        message: `"${from}" is terminal but has moves; remove "terminal: true" or its moves`,
      });
    }
    if (!st.terminal && list.length === 0) {
      issues.push({
        code: 'dead_end',
        path: ['states', from],
        message: `"${from}" has no moves and is not terminal; add moves or mark it "terminal: true"`,
      });
    }
    list.forEach((m, i) => {
      const to = (typeof m === 'string' ? m : m?.to) as S;
      const path = ['states', from, 'to', i];
      if (!known.has(to)) {
        issues.push({
          code: 'unknown_state',
          path,
          message: `move from "${from}" targets unknown state "${String(to)}"`,
        });
        return;
      }
      if (to === from) {
        issues.push({
          code: 'self_move',
          path,
          message: `"${from}" moves to itself; remove that move`,
        });
        return;
      }
      if (moves.has(to)) {
        issues.push({
          code: 'duplicate_move',
          path,
          message: `"${from}" → "${to}" is defined twice`,
        });
        return;
      }
      const opts = typeof m === 'string' ? undefined : m;
      if (opts?.guard && (typeof opts.guard.name !== 'string' || opts.guard.name.length === 0)) {
        issues.push({
          code: 'required',
          path: [...path, 'guard', 'name'],
          message: 'every guard needs a name (it is shown in errors and audit entries)',
        });
      }
      moves.set(
        to,
        Object.freeze({
          from,
          to,
          guard: opts?.guard,
          reopen: opts?.reopen === true,
          label: opts?.label,
        }),
      );
    });
  }

  if (known.has(spec?.initial)) {
    const seen = new Set<S>([spec.initial]);
    const queue: S[] = [spec.initial];
    while (queue.length) {
      const s = queue.shift()!;
      for (const to of table.get(s)?.keys() ?? []) {
        if (!seen.has(to)) {
          seen.add(to);
          queue.push(to);
        }
      }
    }
    for (const name of names) {
      if (!seen.has(name)) {
        issues.push({
          code: 'unreachable_state',
          path: ['states', name],
          message: `"${name}" cannot be reached from the initial state "${spec.initial}"; add a move to it or remove it`,
        });
      }
    }
  }

  if (issues.length) {
    throw new ValidationError(issues, {
      code: 'invalid_workflow',
      context: `defineWorkflow(${spec?.id ? `"${spec.id}"` : ''})`,
    });
  }

  const kinds = new Map<S, StateKind>();
  const lists = new Map<S, readonly Move<S>[]>();
  for (const name of names) {
    const st = specStates[name] ?? {};
    kinds.set(name, st.kind ?? (st.terminal ? 'closed' : 'open'));
    lists.set(name, Object.freeze([...(table.get(name)?.values() ?? [])]));
  }

  return Object.freeze({
    id: spec.id ?? 'workflow',
    initial: spec.initial,
    states: Object.freeze(names),
    spec,
    hasState: (state: string): state is S => known.has(state),
    kindOf: (state: S) => kinds.get(state) ?? 'open',
    labelOf: (state: S) => specStates[state]?.label ?? state,
    isTerminal: (state: S) => (lists.get(state)?.length ?? 0) === 0,
    movesFrom: (from: S) => lists.get(from) ?? [],
    move: (from: S, to: S) => table.get(from)?.get(to),
  });
}

/**
 * The default workflow: `pending → in_progress → awaiting_feedback → resolved → archived`,
 * plus `awaiting_feedback → in_progress` (the customer answered), `in_progress → resolved`,
 * `awaiting_feedback → resolved` and `resolved → in_progress` (a reopen, counted on the ticket).
 * `archived` is terminal.
 */
export const defaultWorkflow = defineWorkflow({
  id: 'default',
  initial: 'pending',
  states: {
    pending: { to: ['in_progress'], label: '待受理' },
    in_progress: { to: ['awaiting_feedback', 'resolved'], label: '处理中' },
    awaiting_feedback: { to: ['in_progress', 'resolved'], kind: 'waiting', label: '等待反馈' },
    resolved: {
      to: ['archived', { to: 'in_progress', reopen: true, label: 'reopen' }],
      kind: 'resolved',
      label: '已解决',
    },
    archived: { terminal: true, label: '已归档' },
  },
});

/** The default workflow's states. */
export type DefaultStatus = StatusOf<typeof defaultWorkflow>;

/** The result of {@link transition}: the next ticket, or why the move is refused. */
export type TransitionResult<S extends string> =
  | {
      readonly ok: true;
      readonly ticket: Ticket<S>;
      readonly move: Move<S>;
      /** Changed fields, before and after. */
      readonly changes: Readonly<Record<string, { from: unknown; to: unknown }>>;
    }
  | { readonly ok: false; readonly error: TransitionError };

/**
 * Computes a move without performing it: the pure core of `desk.transition`.
 * Checks that the move exists and that its guard passes; permissions are checked separately.
 *
 * @returns `{ ok: true, ticket, move, changes }` with the ticket one version later, or
 *   `{ ok: false, error }` with a {@link TransitionError} naming the allowed moves.
 */
export function transition<S extends string>(
  workflow: Workflow<S>,
  ticket: Ticket<S>,
  to: S,
  ctx: { actor: GuardActor; now: Date },
): TransitionResult<S> {
  const from = ticket.status;
  const move = workflow.hasState(to) ? workflow.move(from, to) : undefined;
  if (!move) {
    return {
      ok: false,
      error: new TransitionError({
        ticketId: ticket.id,
        from,
        to,
        allowed: workflow.movesFrom(from).map((m) => m.to),
      }),
    };
  }
  const guard = move.guard;
  if (guard) {
    let refusal: string | undefined;
    if (guard.roles && !guard.roles.some((r) => ctx.actor.roles.includes(r))) {
      refusal = `needs one of the roles ${guard.roles.map((r) => `"${r}"`).join(', ')}`;
    } else if (guard.when) {
      const r = guard.when({ ticket, from, to, actor: ctx.actor, now: ctx.now });
      if (r !== true) refusal = typeof r === 'string' ? r : 'condition not met';
    }
    if (refusal !== undefined) {
      return {
        ok: false,
        error: new TransitionError({
          ticketId: ticket.id,
          from,
          to,
          allowed: workflow.movesFrom(from).map((m) => m.to),
          guard: guard.name,
          reason: refusal,
        }),
      };
    }
  }
  const at = toIso(ctx.now);
  const changes: Record<string, { from: unknown; to: unknown }> = { status: { from, to } };
  let reopenCount = ticket.reopenCount;
  if (move.reopen) {
    reopenCount += 1;
    changes.reopenCount = { from: ticket.reopenCount, to: reopenCount };
  }
  const next = nextTicketVersion(ticket, at, to, ticket.assignee, reopenCount);
  return { ok: true, ticket: next, move, changes };
}

function mermaidId(s: string): string {
  return s.replace(/-/g, '_');
}

/**
 * Renders a workflow as a Mermaid state diagram (`stateDiagram-v2`), with labels and guards.
 *
 * @example
 * ```ts
 * console.log(workflowToMermaid(defaultWorkflow));
 * // stateDiagram-v2
 * //   [*] --> pending
 * //   pending --> in_progress
 * //   ...
 * ```
 */
export function workflowToMermaid<S extends string>(workflow: Workflow<S>): string {
  const lines = ['stateDiagram-v2'];
  for (const s of workflow.states) {
    const label = workflow.labelOf(s);
    if (label !== s) lines.push(`  ${mermaidId(s)} : ${s} (${label.replace(/[:\n]/g, ' ')})`);
  }
  lines.push(`  [*] --> ${mermaidId(workflow.initial)}`);
  for (const s of workflow.states) {
    for (const m of workflow.movesFrom(s)) {
      const parts = [m.label, m.guard ? `[${m.guard.name}]` : undefined].filter(Boolean);
      const text = parts.length ? ` : ${parts.join(' ').replace(/[:\n]/g, ' ')}` : '';
      lines.push(`  ${mermaidId(m.from)} --> ${mermaidId(m.to)}${text}`);
    }
  }
  for (const s of workflow.states) {
    if (workflow.isTerminal(s)) lines.push(`  ${mermaidId(s)} --> [*]`);
  }
  return `${lines.join('\n')}\n`;
}
