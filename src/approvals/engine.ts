import { randomId, toIso } from '../_internal/index';
import { NotFoundError, ValidationError } from '../errors/index';
import { calendar24x7, parseBusinessDuration } from '../sla/index';
import {
  type Ctx,
  cancelInstance,
  decideInstance,
  delegateDue,
  nudgeInstance,
  type PendingRecord,
  type Step,
  startInstance,
} from './_logic';
import { sealApprovalRecord, verifyApprovalChain } from './chain';
import { ApprovalError } from './errors';
import { memoryApprovalStore } from './store';
import type {
  ApprovalEvent,
  ApprovalInstance,
  Approvals,
  ApprovalsOptions,
  Delegation,
  NudgeResult,
} from './types';

const DEFAULT_NUDGE_MS = 4 * 3_600_000;
const MAX_ATTEMPTS = 32;
// Lock-free: every round some writer's append wins, so N racing writers finish within N rounds.
const MAX_APPEND_ATTEMPTS = 256;

/**
 * Creates the approval engine: runs flows defined with `defineApprovalFlow`, records every
 * start, decision, delegation, nudge and outcome on a per-ticket SHA-256 hash chain, and
 * returns the events of each call (also passed to `onEvent`). No timers: call `tick()` from
 * your scheduler to hand overdue steps to delegates.
 *
 * @throws {@link ValidationError} for a malformed `delegateAfter` or `nudgeInterval`.
 *
 * @example
 * ```ts
 * const approvals = createApprovals({ clock: createManualClock(), delegateAfter: '16h' });
 * const { instance } = await approvals.start('acme', 'tk_1', flow, { requester: 'alice' });
 * await approvals.decide(instance.id, { actor: { id: 'team-lead' }, decision: 'approve' });
 * ```
 */
export function createApprovals(options: ApprovalsOptions): Approvals {
  const { clock, directory, onEvent } = options;
  const store = options.store ?? memoryApprovalStore();
  const delegateMinutes = parseBusinessDuration(options.delegateAfter ?? '48h');
  const nudgeMs = options.nudgeInterval ?? DEFAULT_NUDGE_MS;
  if (typeof nudgeMs !== 'number' || !Number.isFinite(nudgeMs) || nudgeMs < 0) {
    throw new ValidationError(
      [
        {
          code: 'invalid_number',
          path: ['nudgeInterval'],
          message: `Expected milliseconds >= 0, got ${String(nudgeMs)}.`,
        },
      ],
      { context: 'createApprovals' },
    );
  }
  const generateId = options.generateId ?? (() => randomId('apv'));
  const utc = calendar24x7('UTC');
  const ctxAt = (now: Date): Ctx => ({ now: toIso(now), directory });

  async function appendAll(inst: ApprovalInstance, records: PendingRecord[], at: string) {
    for (const r of records) {
      for (let attempt = 0; ; attempt++) {
        const head = await store.head(inst.tenantId, inst.ticketId);
        const sealed = sealApprovalRecord(head, {
          tenantId: inst.tenantId,
          ticketId: inst.ticketId,
          instanceId: inst.id,
          type: r.type,
          at,
          actor: r.actor,
          data: r.data,
        });
        const res = await store.append(sealed);
        if (res.ok) break;
        if (attempt >= MAX_APPEND_ATTEMPTS) {
          throw new ApprovalError({
            reason: 'concurrent_update',
            instanceId: inst.id,
            message: `Could not append to the approval chain of ticket ${inst.ticketId} after ${MAX_APPEND_ATTEMPTS} attempts; retry.`,
          });
        }
      }
    }
  }

  function emit(events: readonly ApprovalEvent[]) {
    if (onEvent) for (const e of events) onEvent(e);
  }

  async function load(id: string): Promise<ApprovalInstance> {
    const inst = await store.getInstance(id);
    if (!inst) throw new NotFoundError({ entity: 'approval', id });
    return inst;
  }

  /** Read, transition, compare-and-set; on a lost race re-read and re-run the transition. */
  async function mutate<X>(
    id: string,
    fn: (inst: ApprovalInstance, now: Date) => Step<X> | undefined,
  ): Promise<Step<X> | undefined> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const cur = await load(id);
      const now = clock.now();
      const out = fn(cur, now);
      if (!out) return undefined;
      const put = await store.putInstance(out.instance, cur.version);
      if (!put.ok) continue;
      await appendAll(out.instance, out.records, out.instance.updatedAt);
      emit(out.events);
      return out;
    }
    throw new ApprovalError({
      reason: 'concurrent_update',
      instanceId: id,
      message: `Approval ${id} kept changing under ${MAX_ATTEMPTS} attempts; re-read it and retry.`,
    });
  }

  return {
    async start(tenantId, ticketId, flow, { requester }) {
      const now = clock.now();
      const out = startInstance(generateId(), tenantId, ticketId, flow, requester, ctxAt(now));
      const put = await store.putInstance(out.instance, 0);
      if (!put.ok) {
        throw new ApprovalError({
          reason: 'concurrent_update',
          instanceId: out.instance.id,
          message: `Approval id ${out.instance.id} already exists; generateId must return unique ids.`,
        });
      }
      await appendAll(out.instance, out.records, toIso(now));
      emit(out.events);
      return { instance: out.instance, events: out.events };
    },

    async decide(instanceId, input) {
      const out = await mutate(instanceId, (inst, now) => decideInstance(inst, input, ctxAt(now)));
      return { instance: out!.instance, events: out!.events };
    },

    async nudge(instanceId, { actor }): Promise<NudgeResult> {
      const out = await mutate(instanceId, (inst, now) =>
        nudgeInstance(inst, actor, now.getTime(), nudgeMs, ctxAt(now)),
      );
      return { instance: out!.instance, events: out!.events, ...out!.extra };
    },

    async cancel(instanceId, { actor, reason }) {
      const out = await mutate(instanceId, (inst, now) =>
        cancelInstance(inst, actor, reason, ctxAt(now)),
      );
      return { instance: out!.instance, events: out!.events };
    },

    async tick(at) {
      const delegated: Delegation[] = [];
      const events: ApprovalEvent[] = [];
      for (const pending of await store.listPending()) {
        const out = await mutate(pending.id, (inst, now) => {
          const when = at ?? now;
          return delegateDue(
            inst,
            when.getTime(),
            (seat, startedAt) => {
              const cal =
                ('approver' in seat ? directory?.calendarOf?.(seat.approver) : undefined) ?? utc;
              return cal.addBusinessMinutes(startedAt, delegateMinutes).getTime();
            },
            ctxAt(when),
          );
        });
        if (!out) continue;
        events.push(...out.events);
        for (const d of out.extra.delegated) {
          delegated.push({
            instanceId: out.instance.id,
            tenantId: out.instance.tenantId,
            ticketId: out.instance.ticketId,
            ...d,
          });
        }
      }
      return { delegated, events };
    },

    get: load,

    async verifyApprovals(tenantId, ticketId, opts = {}) {
      return verifyApprovalChain(await store.list(tenantId, ticketId), opts);
    },

    async exportHead(tenantId, ticketId) {
      return store.head(tenantId, ticketId);
    },

    async records(tenantId, ticketId) {
      return store.list(tenantId, ticketId);
    },
  };
}
