/**
 * Joint handling windows in process memory: the {@link WindowStore} of the memory store.
 *
 * @module store
 */
import type { HandlingWindow, WindowFilter, WindowStore } from './port';

const byStart = (a: HandlingWindow, b: HandlingWindow) =>
  a.start < b.start ? -1 : a.start > b.start ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** True if two live windows share a participant and overlap in `[start, end)`. */
export function windowsClash(a: HandlingWindow, b: HandlingWindow): boolean {
  if (a.id === b.id || a.tenantId !== b.tenantId) return false;
  if (a.cancelledAt !== null || b.cancelledAt !== null) return false;
  if (!(a.start < b.end && b.start < a.end)) return false;
  return a.participants.some((p) => b.participants.includes(p));
}

/** Creates an in-memory window store (used by `memoryStore()`). */
export function memoryWindows(): WindowStore {
  // tenant -> id -> window
  const tenants = new Map<string, Map<string, HandlingWindow>>();
  const of = (tenantId: string) => {
    let m = tenants.get(tenantId);
    if (!m) {
      m = new Map();
      tenants.set(tenantId, m);
    }
    return m;
  };
  return {
    async book(w, exclusive) {
      const m = of(w.tenantId);
      const stored = m.get(w.id);
      const subject = stored ?? w;
      const clashes = [...m.values()].filter((x) => windowsClash(subject, x)).sort(byStart);
      if (stored) return { booked: true, clashes }; // the same booking again: already in
      if (exclusive && clashes.length > 0) return { booked: false, clashes };
      m.set(w.id, w);
      return { booked: true, clashes };
    },
    async get(tenantId, id) {
      return tenants.get(tenantId)?.get(id) ?? null;
    },
    async list(tenantId, f: WindowFilter) {
      const out: HandlingWindow[] = [];
      for (const w of tenants.get(tenantId)?.values() ?? []) {
        if (f.ticketId !== undefined && w.ticketId !== f.ticketId) continue;
        if (f.participant !== undefined && !w.participants.includes(f.participant)) continue;
        if (f.from !== undefined && !(w.end > f.from)) continue;
        if (f.to !== undefined && !(w.start < f.to)) continue;
        if (!f.includeCancelled && w.cancelledAt !== null) continue;
        out.push(w);
      }
      return out.sort(byStart);
    },
    async cancel(tenantId, id, at, by) {
      const m = tenants.get(tenantId);
      const w = m?.get(id);
      if (!m || !w || w.cancelledAt !== null) return null;
      const next = Object.freeze({ ...w, cancelledAt: at, cancelledBy: by });
      m.set(id, next);
      return next;
    },
  };
}
