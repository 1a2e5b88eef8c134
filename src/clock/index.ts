/**
 * The clock port. Core logic never calls `Date.now()` or `setTimeout`: it asks the injected
 * clock, so tests and the simulator can run a month in a second.
 *
 * @module clock
 */

/** Opaque handle returned by {@link Clock.setTimeout}. */
export type TimerId = number;

/** The time source and timer provider every ticketkit component uses. */
export interface Clock {
  /** The current instant. */
  now(): Date;
  /** Calls `fn` once, `ms` milliseconds from now (by this clock). */
  setTimeout(fn: () => void, ms: number): TimerId;
  /** Cancels a timer; unknown ids are ignored. */
  clearTimeout(id: TimerId): void;
}

/**
 * The wall clock: `Date.now()` and the global timers, wrapped in arrow functions so that a
 * test that patches globals later still sees its patch.
 */
export const systemClock: Clock = {
  now: () => new Date(Date.now()),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms) as unknown as TimerId,
  clearTimeout: (id) => globalThis.clearTimeout(id as unknown as ReturnType<typeof setTimeout>),
};

/** A duration for {@link ManualClock.advance}: milliseconds, or named parts that add up. */
export type DurationInput =
  | number
  | { days?: number; hours?: number; minutes?: number; seconds?: number; ms?: number };

/** A clock that only moves when told to; timers fire in due order as it passes them. */
export interface ManualClock extends Clock {
  /** Moves time forward, firing every timer that falls due, in order, at its own instant. */
  advance(by: DurationInput): void;
  /** Jumps to an instant (backwards too; timers due at or before it fire). */
  set(at: Date | string | number): void;
  /** Number of timers still waiting. */
  pending(): number;
}

function toMs(by: DurationInput): number {
  if (typeof by === 'number') return by;
  return (
    (by.days ?? 0) * 86_400_000 +
    (by.hours ?? 0) * 3_600_000 +
    (by.minutes ?? 0) * 60_000 +
    (by.seconds ?? 0) * 1000 +
    (by.ms ?? 0)
  );
}

function toInstant(at: Date | string | number, what: string): number {
  const ms = at instanceof Date ? at.getTime() : new Date(at).getTime();
  if (!Number.isFinite(ms)) {
    throw new TypeError(`${what}: "${String(at)}" is not a valid date; pass a Date or ISO string.`);
  }
  return ms;
}

/**
 * A manual clock for tests and simulations (like XState's `SimulatedClock`).
 *
 * @param start - The initial instant; defaults to 2026-01-05T01:00:00Z (a Monday, 09:00 in Shanghai).
 * @example
 * ```ts
 * const clock = createManualClock('2026-01-05T09:00:00+08:00');
 * const desk = createTicketing({ clock });
 * clock.advance({ hours: 5 });
 * ```
 */
export function createManualClock(
  start: Date | string | number = '2026-01-05T01:00:00Z',
): ManualClock {
  let now = toInstant(start, 'createManualClock');
  let seq = 0;
  const timers = new Map<number, { at: number; seq: number; fn: () => void }>();

  const fireDue = (until: number) => {
    for (;;) {
      let next: { id: number; at: number; seq: number } | undefined;
      for (const [id, t] of timers) {
        if (t.at <= until && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) {
          next = { id, at: t.at, seq: t.seq };
        }
      }
      if (!next) break;
      const timer = timers.get(next.id)!;
      timers.delete(next.id);
      if (next.at > now) now = next.at;
      timer.fn();
    }
    if (until > now) now = until;
  };

  return {
    now: () => new Date(now),
    setTimeout(fn, ms) {
      const id = ++seq;
      timers.set(id, { at: now + Math.max(0, ms), seq: id, fn });
      return id;
    },
    clearTimeout(id) {
      timers.delete(id);
    },
    advance(by) {
      const ms = toMs(by);
      if (!Number.isFinite(ms) || ms < 0) {
        throw new TypeError(`advance: duration must be a finite number >= 0, got ${String(ms)}.`);
      }
      fireDue(now + ms);
    },
    set(at) {
      const target = toInstant(at, 'set');
      if (target < now) {
        now = target;
        fireDue(target);
      } else fireDue(target);
    },
    pending: () => timers.size,
  };
}
