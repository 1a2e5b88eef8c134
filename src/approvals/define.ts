import { deepFreeze } from '../_internal/index';
import { ValidationError, type ValidationIssue } from '../errors/index';
import type {
  ApprovalFlow,
  ApprovalFlowSpec,
  ApprovalStep,
  ApproverSeat,
  GroupMode,
} from './types';

type Path = (string | number)[];

const isStr = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

function seat(raw: unknown, path: Path, issues: ValidationIssue[]): ApproverSeat | undefined {
  if (raw === null || typeof raw !== 'object') {
    issues.push({
      code: 'invalid_type',
      path,
      message: 'Expected { approver: "user-id" } or { role: "role-name" }.',
    });
    return undefined;
  }
  const r = raw as Record<string, unknown>;
  const hasA = 'approver' in r;
  const hasR = 'role' in r;
  if (hasA === hasR) {
    issues.push({
      code: 'invalid_step',
      path,
      message: hasA
        ? 'A seat names either an approver or a role, not both.'
        : 'Expected { approver: "user-id" } or { role: "role-name" }.',
    });
    return undefined;
  }
  const field = hasA ? 'approver' : 'role';
  const who = r[field];
  let ok = true;
  if (!isStr(who)) {
    issues.push({
      code: 'invalid_type',
      path: [...path, field],
      message: `Expected a non-empty ${field === 'approver' ? 'user id' : 'role name'}.`,
    });
    ok = false;
  }
  if (r.delegate !== undefined) {
    if (!isStr(r.delegate)) {
      issues.push({
        code: 'invalid_type',
        path: [...path, 'delegate'],
        message: 'Expected the delegate as a non-empty user id.',
      });
      ok = false;
    } else if (hasA && r.delegate === who) {
      issues.push({
        code: 'invalid_delegate',
        path: [...path, 'delegate'],
        message: `"${who}" cannot be their own delegate; name someone else or drop delegate.`,
      });
      ok = false;
    }
  }
  if (!ok) return undefined;
  const out: Record<string, string> = { [field]: who as string };
  if (r.delegate !== undefined) out.delegate = r.delegate as string;
  return out as unknown as ApproverSeat;
}

function mode(
  raw: unknown,
  n: number,
  path: Path,
  issues: ValidationIssue[],
): GroupMode | undefined {
  if (raw === 'all' || raw === 'any') return raw;
  if (raw !== null && typeof raw === 'object' && 'quorum' in raw) {
    const k = (raw as { quorum: unknown }).quorum;
    if (typeof k !== 'number' || !Number.isInteger(k)) {
      issues.push({
        code: 'invalid_type',
        path: [...path, 'quorum'],
        message: `Quorum must be an integer, got ${JSON.stringify(k)}.`,
      });
      return undefined;
    }
    if (k < 1) {
      issues.push({
        code: 'too_small',
        path: [...path, 'quorum'],
        message: `Quorum ${k} is below 1; use 1 to n (here n = ${n}).`,
      });
      return undefined;
    }
    if (k > n) {
      issues.push({
        code: 'too_big',
        path: [...path, 'quorum'],
        message: `Quorum ${k} exceeds the group's ${n} member(s); it could never be reached.`,
      });
      return undefined;
    }
    return { quorum: k };
  }
  issues.push({
    code: 'invalid_enum',
    path,
    message: `Unknown mode ${JSON.stringify(raw)}; use "all", "any" or { quorum: k }.`,
  });
  return undefined;
}

function seatKey(s: ApproverSeat): string {
  return 'approver' in s ? `approver:${s.approver}` : `role:${s.role}`;
}

/**
 * Validates and freezes an approval flow. Steps run in series; each is one approver, a role
 * (anyone holding it decides) or a parallel group with mode `all`, `any` or `{ quorum: k }`.
 *
 * @throws {@link ValidationError} listing every problem: missing id, empty steps, a step that
 * is none or several of approver/role/group, empty or duplicate group members, unknown mode,
 * quorum below 1 or above the group size, a self-delegate, an empty `onReject.moveTo` or `gates.to`.
 *
 * @example
 * ```ts
 * const flow = defineApprovalFlow({
 *   id: 'change-request',
 *   steps: [
 *     { approver: 'team-lead', delegate: 'deputy-lead' },
 *     { group: [{ role: 'cab' }, { approver: 'cto' }], mode: { quorum: 2 } },
 *   ],
 *   gates: { to: 'in_progress' },
 *   onReject: { moveTo: 'needs_info' },
 * });
 * ```
 */
export function defineApprovalFlow(spec: ApprovalFlowSpec): ApprovalFlow {
  const issues: ValidationIssue[] = [];
  const s = (spec ?? {}) as unknown as Record<string, unknown>;
  if (!isStr(s.id)) {
    issues.push({ code: 'invalid_type', path: ['id'], message: 'Expected a non-empty flow id.' });
  }
  const steps: ApprovalStep[] = [];
  if (!Array.isArray(s.steps) || s.steps.length === 0) {
    issues.push({
      code: 'too_small',
      path: ['steps'],
      message: 'A flow needs at least one step, e.g. [{ approver: "user-id" }].',
    });
  } else {
    s.steps.forEach((raw: unknown, index: number) => {
      const path: Path = ['steps', index];
      const r = (raw ?? {}) as Record<string, unknown>;
      const name = isStr(r.name) ? r.name : undefined;
      const kinds = ['approver', 'role', 'group'].filter((k) => k in r);
      if (typeof raw !== 'object' || raw === null || kinds.length !== 1) {
        issues.push({
          code: 'invalid_step',
          path,
          message:
            kinds.length > 1
              ? `A step is exactly one of approver, role or group; this one has ${kinds.join(' and ')}.`
              : 'Expected { approver }, { role } or { group, mode }.',
        });
        return;
      }
      if (kinds[0] === 'group') {
        const members = r.group;
        if (!Array.isArray(members) || members.length === 0) {
          issues.push({
            code: 'too_small',
            path: [...path, 'group'],
            message: 'A group needs at least one member.',
          });
          mode(r.mode, 1, [...path, 'mode'], issues);
          return;
        }
        const seats: ApproverSeat[] = [];
        const seen = new Map<string, number>();
        members.forEach((m: unknown, j: number) => {
          const mp: Path = [...path, 'group', j];
          if (m !== null && typeof m === 'object' && 'group' in m) {
            issues.push({ code: 'invalid_step', path: mp, message: 'Groups cannot be nested.' });
            return;
          }
          const st = seat(m, mp, issues);
          if (!st) return;
          const k = seatKey(st);
          const first = seen.get(k);
          if (first !== undefined) {
            issues.push({
              code: 'duplicate_approver',
              path: mp,
              message: `${k.replace(':', ' "')}" appears twice in this group (also at index ${first}); list each member once.`,
            });
            return;
          }
          seen.set(k, j);
          seats.push(st);
        });
        const md = mode(r.mode, members.length, [...path, 'mode'], issues);
        if (md && seats.length === members.length) {
          steps.push({ index, ...(name ? { name } : {}), kind: 'group', seats, mode: md });
        }
        return;
      }
      const st = seat(raw, path, issues);
      if (st) {
        steps.push({
          index,
          ...(name ? { name } : {}),
          kind: kinds[0] as 'approver' | 'role',
          seats: [st],
          mode: 'all',
        });
      }
    });
  }
  const onReject = s.onReject as { moveTo?: unknown } | undefined;
  if (onReject !== undefined && onReject.moveTo !== undefined && !isStr(onReject.moveTo)) {
    issues.push({
      code: 'invalid_type',
      path: ['onReject', 'moveTo'],
      message: 'Expected the state to move a rejected ticket to, e.g. "needs_info".',
    });
  }
  const gates = s.gates as { to?: unknown } | undefined;
  if (gates !== undefined && !isStr(gates?.to)) {
    issues.push({
      code: 'invalid_type',
      path: ['gates', 'to'],
      message: 'Expected the gated target state, e.g. { to: "in_progress" }.',
    });
  }
  if (issues.length > 0) {
    throw new ValidationError(issues, {
      context: `defineApprovalFlow(${isStr(s.id) ? JSON.stringify(s.id) : '?'})`,
    });
  }
  return deepFreeze({
    id: s.id as string,
    steps,
    ...(onReject?.moveTo !== undefined ? { onReject: { moveTo: onReject.moveTo as string } } : {}),
    ...(gates ? { gates: { to: gates.to as string } } : {}),
  });
}
