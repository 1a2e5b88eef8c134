/**
 * Joint handling windows (`desk.windows`): book a time slot on a ticket with several
 * participants across teams; clashes with a participant's other windows and off-shift time on
 * their business calendar are reported as values.
 *
 * @module desk
 */
import { z } from 'zod';
import { randomId, toIso } from '../_internal/index';
import { NotFoundError, ValidationError, type ValidationIssue } from '../errors/index';
import type { Actor, PolicyContext } from '../permissions/index';
import type { BusinessCalendar } from '../sla/types';
import type { HandlingWindow, TicketStore, WindowFilter } from '../store/port';
import { issuesFromZod, TICKET_LIMITS, type Ticket } from '../ticket/index';

/** Limits of window input. */
export const WINDOW_LIMITS = {
  /** Max participants of one window. */
  participants: 50,
  /** Max length of one window, in ms (7 days). */
  maxDurationMs: 7 * 86_400_000,
  /** Max characters of a note. */
  note: 500,
} as const;

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const instant = z
  .string()
  .regex(ISO_WITH_ZONE, 'must be an ISO 8601 time with a zone, e.g. "2026-03-02T14:00:00+08:00"')
  .refine((s) => !ISO_WITH_ZONE.test(s) || !Number.isNaN(Date.parse(s)), 'is not a real time');

/** Input of `desk.windows.book`. */
export const WindowInputSchema = z
  .object({
    start: instant,
    end: instant,
    participants: z
      .array(
        z
          .string()
          .min(1, 'must be a non-empty actor id')
          .max(TICKET_LIMITS.shortText, `must be at most ${TICKET_LIMITS.shortText} characters`),
      )
      .min(1, 'name at least one participant')
      .max(WINDOW_LIMITS.participants, `at most ${WINDOW_LIMITS.participants} participants`),
    note: z
      .string()
      .max(WINDOW_LIMITS.note, `must be at most ${WINDOW_LIMITS.note} characters`)
      .optional(),
    /** Refuse the booking (a `ValidationError` with code `window_conflict`) if anything clashes. */
    refuseOnConflict: z.boolean().optional(),
  })
  .strict()
  .superRefine((w, ctx) => {
    const s = Date.parse(w.start);
    const e = Date.parse(w.end);
    if (Number.isNaN(s) || Number.isNaN(e)) return;
    if (e <= s) {
      ctx.addIssue({ code: 'custom', path: ['end'], message: 'must be after start' });
    } else if (e - s > WINDOW_LIMITS.maxDurationMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['end'],
        message: 'a window may last at most 7 days; book several',
      });
    }
  });
/** Input of `desk.windows.book`. */
export type WindowInput = z.input<typeof WindowInputSchema>;

/** Something that clashes with a booked window, for one participant. */
export type WindowConflict =
  | {
      readonly kind: 'window';
      readonly participant: string;
      /** The participant's other window that overlaps. */
      readonly window: HandlingWindow;
    }
  | {
      readonly kind: 'off_shift';
      readonly participant: string;
      /** Minutes of the window outside the participant's business hours. */
      readonly offShiftMinutes: number;
      /** The first instant of the window outside business hours (ISO). */
      readonly firstOffShiftAt: string;
    };

/** What `desk.windows.book` returns. */
export interface BookResult<S extends string = string> {
  /** The stored window. */
  readonly window: HandlingWindow;
  /** Clashes with other windows and off-shift time, by participant (empty when none). */
  readonly conflicts: readonly WindowConflict[];
  /** The ticket after the booking's audit entry (one version higher). */
  readonly ticket: Ticket<S>;
}

/** Filters of `desk.windows.list`. */
export type WindowQuery = WindowFilter;

/** Joint handling windows of a desk (`desk.windows`). */
export interface DeskWindows<S extends string = string> {
  /**
   * Books a window on a ticket (needs `update` permission on it): stored, audited on the
   * ticket (`window_book`), and returned with every conflict as a value. With
   * `refuseOnConflict: true` a conflict throws a `ValidationError` (`window_conflict`) and
   * nothing is stored.
   */
  book(ticketId: string, input: WindowInput, ctx: WindowCommandContext): Promise<BookResult<S>>;
  /** Windows matching the query on tickets the actor may read, by start then id. */
  list(query?: WindowQuery, ctx?: { actor?: Actor; tenantId?: string }): Promise<HandlingWindow[]>;
  /** Cancels a window (needs `update` on its ticket), audited as `window_cancel`. */
  cancel(windowId: string, ctx: WindowCommandContext): Promise<HandlingWindow>;
}

/** The command context of window commands. */
export interface WindowCommandContext {
  readonly actor: Actor;
  readonly tenantId?: string;
  readonly expectedVersion?: number;
  readonly idempotencyKey?: string;
  readonly request?: { readonly ip?: string; readonly userAgent?: string };
}

/** Options of `createTicketing({ windows })`. */
export interface WindowsOptions {
  /**
   * A participant's business calendar (shift hours), or undefined for none: then off-shift
   * time is not checked for them.
   */
  calendarOf?: (
    participantId: string,
    tenantId: string,
  ) => BusinessCalendar | undefined | Promise<BusinessCalendar | undefined>;
}

/** Off-shift part of `[start, end)` on a calendar, or null if the window is all in hours. */
export function offShift(
  cal: BusinessCalendar,
  start: Date,
  end: Date,
): { offShiftMinutes: number; firstOffShiftAt: string } | null {
  const deficit = (x: Date) =>
    (x.getTime() - start.getTime()) / 60_000 - cal.businessMinutesBetween(start, x);
  const off = deficit(end);
  if (off <= 1e-6) return null;
  // The deficit never decreases: search for the last instant it is still 0.
  let lo = start.getTime();
  let hi = end.getTime();
  if (!cal.isOpen(start)) hi = lo;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (deficit(new Date(mid)) > 1e-6) hi = mid;
    else lo = mid;
  }
  return {
    offShiftMinutes: Math.round(off * 1000) / 1000,
    firstOffShiftAt: new Date(hi === start.getTime() ? hi : lo).toISOString(),
  };
}

/** What the desk lends the windows commands. @internal */
export interface WindowsDeps<S extends string> {
  readonly store: TicketStore;
  readonly options: WindowsOptions | undefined;
  readonly now: () => Date;
  readonly tenantOf: (ctx: { actor?: Actor; tenantId?: string } | undefined) => string;
  readonly checkContext: (ctx: WindowCommandContext) => void;
  readonly checkActor: (actor: unknown) => void;
  readonly authorize: (ctx: PolicyContext) => void;
  readonly decide: (ctx: PolicyContext) => boolean;
  readonly load: (tenantId: string, id: string) => Promise<Ticket<S>>;
  /**
   * Records an audit entry on the ticket through the desk's command path (permission `update`,
   * closed tickets refused, version bump, retries); `before` runs after the plan and before
   * the commit, on every attempt.
   */
  readonly record: <R>(
    command: string,
    ticketId: string,
    ctx: WindowCommandContext,
    arg: unknown,
    build: (ticket: Ticket<S>, at: string) => { meta: Record<string, unknown>; result: R },
    before?: () => Promise<void>,
  ) => Promise<R>;
}

const unsupported = (name: string) =>
  new ValidationError(
    [
      {
        code: 'unsupported',
        path: ['store', 'windows'],
        message: `the ${name} store keeps no handling windows; use a store with \`windows\` (memory, or a SQL store with migration v4)`,
      },
    ],
    { context: 'desk.windows' },
  );

/**
 * Builds `desk.windows`.
 *
 * @internal
 */
export function createWindows<S extends string>(deps: WindowsDeps<S>): DeskWindows<S> {
  const { store } = deps;
  const windowsOf = () => {
    if (!store.windows) throw unsupported(store.name);
    return store.windows;
  };

  return {
    async book(ticketId, input, ctx) {
      deps.checkContext(ctx);
      const tenantId = deps.tenantOf(ctx);
      const ws = windowsOf();
      const r = WindowInputSchema.safeParse(input, { reportInput: true });
      if (!r.success) {
        throw new ValidationError(issuesFromZod(r.error), { context: 'Invalid window' });
      }
      const start = new Date(Date.parse(r.data.start));
      const end = new Date(Date.parse(r.data.end));
      const participants = [...new Set(r.data.participants)].sort();
      const exclusive = r.data.refuseOnConflict === true;
      const offShiftConflicts: WindowConflict[] = [];
      for (const p of participants) {
        const cal = await deps.options?.calendarOf?.(p, tenantId);
        const o = cal ? offShift(cal, start, end) : null;
        if (o) offShiftConflicts.push({ kind: 'off_shift', participant: p, ...o });
      }
      const arg = {
        start: toIso(start),
        end: toIso(end),
        participants,
        note: r.data.note ?? null,
        exclusive,
      };
      const id = randomId('win');
      const conflicts: WindowConflict[] = [];
      let booked = false;
      let window: HandlingWindow | undefined;
      const refuse = (list: readonly WindowConflict[]) => {
        const issues: ValidationIssue[] = list.map((c) => ({
          code: 'window_conflict',
          path: ['participants', participants.indexOf(c.participant)],
          message:
            c.kind === 'window'
              ? `${c.participant} is in window ${c.window.id} (ticket ${c.window.ticketId}, ${c.window.start} to ${c.window.end})`
              : `${c.participant} is off shift for ${c.offShiftMinutes} minutes from ${c.firstOffShiftAt}`,
        }));
        return new ValidationError(issues, { context: 'Window not booked' });
      };
      if (exclusive && offShiftConflicts.length) throw refuse(offShiftConflicts);
      try {
        return await deps.record<BookResult<S>>(
          'window_book',
          ticketId,
          ctx,
          arg,
          (ticket, at) => {
            window = Object.freeze({
              id,
              tenantId,
              ticketId: ticket.id,
              start: arg.start,
              end: arg.end,
              participants: Object.freeze([...participants]),
              note: arg.note,
              createdBy: ctx.actor.id,
              createdAt: at,
              cancelledAt: null,
              cancelledBy: null,
            });
            // Filled in by `before` (the store's atomic check-and-insert) ahead of the commit.
            return {
              meta: { window, conflicts },
              result: { window, conflicts, ticket },
            };
          },
          async () => {
            const out = await ws.book(window!, exclusive);
            booked = booked || out.booked;
            const clashes: WindowConflict[] = [];
            for (const w of out.clashes) {
              for (const p of w.participants) {
                if (participants.includes(p))
                  clashes.push({ kind: 'window', participant: p, window: w });
              }
            }
            if (!out.booked) throw refuse(clashes);
            conflicts.length = 0;
            conflicts.push(...clashes, ...offShiftConflicts);
          },
        );
      } catch (e) {
        // The audit commit failed after the window was stored: take the window back.
        if (booked)
          await ws.cancel(tenantId, id, toIso(deps.now()), 'system:rollback').catch(() => {});
        throw e;
      }
    },

    async list(query = {}, ctx) {
      const tenantId = deps.tenantOf(ctx);
      if (ctx?.actor) deps.checkActor(ctx.actor);
      const keys = new Set(['ticketId', 'participant', 'from', 'to', 'includeCancelled']);
      const issues: ValidationIssue[] = [];
      for (const [k, v] of Object.entries(query)) {
        if (!keys.has(k)) {
          issues.push({
            code: 'unknown_field',
            path: [k],
            message: `"${k}" is not a window filter; use ${[...keys].join(', ')}`,
          });
        } else if (k === 'includeCancelled' ? typeof v !== 'boolean' : typeof v !== 'string') {
          issues.push({
            code: 'invalid_type',
            path: [k],
            message: `must be a ${k === 'includeCancelled' ? 'boolean' : 'string'}`,
          });
        } else if ((k === 'from' || k === 'to') && Number.isNaN(Date.parse(v as string))) {
          issues.push({ code: 'invalid_value', path: [k], message: 'must be an ISO 8601 time' });
        }
      }
      if (issues.length) throw new ValidationError(issues, { context: 'desk.windows.list' });
      const filter: WindowFilter = {
        ...query,
        ...(query.from ? { from: new Date(Date.parse(query.from)).toISOString() } : {}),
        ...(query.to ? { to: new Date(Date.parse(query.to)).toISOString() } : {}),
      };
      if (query.ticketId !== undefined && ctx?.actor) {
        const t = await deps.load(tenantId, query.ticketId);
        deps.authorize({ actor: ctx.actor, action: 'read', ticket: t });
      }
      const all = await windowsOf().list(tenantId, filter);
      if (!ctx?.actor) return all;
      // Only windows on tickets the actor may read.
      const readable = new Map<string, boolean>();
      const out: HandlingWindow[] = [];
      for (const w of all) {
        let ok = readable.get(w.ticketId);
        if (ok === undefined) {
          const t = await store.getTicket(tenantId, w.ticketId);
          ok = t !== null && deps.decide({ actor: ctx.actor, action: 'read', ticket: t as Ticket });
          readable.set(w.ticketId, ok);
        }
        if (ok) out.push(w);
      }
      return out;
    },

    async cancel(windowId, ctx) {
      deps.checkContext(ctx);
      const tenantId = deps.tenantOf(ctx);
      const ws = windowsOf();
      if (typeof windowId !== 'string' || windowId.length === 0) {
        throw new ValidationError([
          { code: 'invalid_type', path: ['windowId'], message: 'must be a non-empty window id' },
        ]);
      }
      const w = await ws.get(tenantId, windowId);
      if (!w) throw new NotFoundError({ entity: 'window', id: windowId });
      let cancelled: HandlingWindow | null = null;
      let planAt = '';
      const already = () =>
        new ValidationError(
          [
            {
              code: 'window_cancelled',
              path: ['windowId'],
              message: `window ${windowId} was already cancelled`,
            },
          ],
          { context: 'Cannot cancel' },
        );
      return deps.record<HandlingWindow>(
        'window_cancel',
        w.ticketId,
        ctx,
        windowId,
        (_ticket, at) => {
          if (w.cancelledAt !== null) throw already();
          planAt = at;
          const result = Object.freeze({ ...w, cancelledAt: at, cancelledBy: ctx.actor.id });
          return { meta: { windowId }, result };
        },
        async () => {
          if (cancelled) return; // a retry of the audit commit: cancelled already by this call
          cancelled = await ws.cancel(tenantId, windowId, planAt, ctx.actor.id);
          if (!cancelled) throw already();
        },
      );
    },
  };
}
