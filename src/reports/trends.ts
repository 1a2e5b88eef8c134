import type { Ticket } from '../ticket/index';

/** What to count tickets by: `region` reads `ticket.custom.region`. */
export type TrendKey = 'category' | 'region' | 'channel' | 'team' | 'priority';

/** Options of {@link detectTrends} and {@link createTrendMonitor}. */
export interface TrendOptions {
  /** @default 'category' */
  by?: TrendKey | ((ticket: Ticket) => string | null | undefined);
  /** Window length in minutes. @default 60 */
  windowMinutes?: number;
  /** Number of previous windows that form the baseline. @default 24 */
  baselineWindows?: number;
  /** Minimum z-score, (count − baseline) / √max(baseline, 1). @default 4 */
  z?: number;
  /** Minimum count in the window. @default 5 */
  minCount?: number;
  /** Minimum ratio count / baseline. @default 2 */
  minRatio?: number;
}

/** A window whose count is well above its recent baseline. */
export interface TrendAlert {
  readonly type: 'trend.spike';
  readonly by: string;
  readonly key: string;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly count: number;
  /** Mean count per window over the baseline windows. */
  readonly baseline: number;
  readonly z: number;
}

interface Resolved {
  key: (t: Ticket) => string | null | undefined;
  by: string;
  w: number;
  n: number;
  z: number;
  minCount: number;
  minRatio: number;
}

function resolve(o: TrendOptions): Resolved {
  const by = o.by ?? 'category';
  const key =
    typeof by === 'function'
      ? by
      : by === 'region'
        ? (t: Ticket) => t.custom.region as string | undefined
        : (t: Ticket) => t[by];
  const w = (o.windowMinutes ?? 60) * 60_000;
  const n = o.baselineWindows ?? 24;
  if (!(w > 0) || !(Number.isInteger(n) && n >= 1))
    throw new RangeError('trends: windowMinutes must be > 0 and baselineWindows an integer >= 1');
  return {
    key,
    by: typeof by === 'function' ? 'custom' : by,
    w,
    n,
    z: o.z ?? 4,
    minCount: o.minCount ?? 5,
    minRatio: o.minRatio ?? 2,
  };
}

function judge(
  r: Resolved,
  key: string,
  start: number,
  count: number,
  history: readonly number[],
): TrendAlert | null {
  const baseline = history.reduce((a, b) => a + b, 0) / r.n;
  const z = (count - baseline) / Math.sqrt(Math.max(baseline, 1));
  if (count < r.minCount || z < r.z || count < r.minRatio * baseline) return null;
  return {
    type: 'trend.spike',
    by: r.by,
    key,
    windowStart: new Date(start).toISOString(),
    windowEnd: new Date(start + r.w).toISOString(),
    count,
    baseline,
    z,
  };
}

/**
 * Scans tickets (by `createdAt`) in fixed windows from the earliest one and returns every
 * window in which a key's count is far above the mean of its previous `baselineWindows`
 * windows: a Poisson z-score with a floor, a minimum count and a minimum ratio, so baseline
 * noise stays quiet and a regional outage shows up within one window.
 */
export function detectTrends(tickets: Iterable<Ticket>, options: TrendOptions = {}): TrendAlert[] {
  const r = resolve(options);
  const counts = new Map<string, Map<number, number>>();
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  const all: { at: number; key: string }[] = [];
  for (const t of tickets) {
    const k = r.key(t);
    if (k === null || k === undefined) continue;
    const at = Date.parse(t.createdAt);
    all.push({ at, key: String(k) });
    if (at < first) first = at;
    if (at > last) last = at;
  }
  for (const { at, key } of all) {
    const b = Math.floor((at - first) / r.w);
    let m = counts.get(key);
    if (!m) {
      m = new Map();
      counts.set(key, m);
    }
    m.set(b, (m.get(b) ?? 0) + 1);
  }
  const alerts: TrendAlert[] = [];
  const nb = all.length ? Math.floor((last - first) / r.w) + 1 : 0;
  for (const key of [...counts.keys()].sort()) {
    const m = counts.get(key)!;
    const hist: number[] = [];
    for (let b = 0; b < nb; b++) {
      const c = m.get(b) ?? 0;
      if (hist.length === r.n) {
        const a = judge(r, key, first + b * r.w, c, hist);
        if (a) alerts.push(a);
        hist.shift();
      }
      hist.push(c);
    }
  }
  return alerts.sort((a, b) =>
    a.windowStart < b.windowStart ? -1 : a.windowStart > b.windowStart ? 1 : a.key < b.key ? -1 : 1,
  );
}

/** A live spike detector: feed it tickets as they are created. */
export interface TrendMonitor {
  /** Counts a ticket; returns an alert the first time its key's current window spikes. */
  observe(ticket: Ticket): TrendAlert | null;
  /**
   * Subscribes to a desk's `ticket.created` events; `onAlert` gets each alert.
   * Returns a function that unsubscribes.
   */
  attach(
    desk: { on(event: 'ticket.created', listener: (e: { ticket: Ticket }) => void): () => void },
    onAlert: (alert: TrendAlert) => void,
  ): () => void;
}

/**
 * Creates a live spike detector with windows aligned to `origin` (default: the first ticket).
 * A window alerts at most once per key, as soon as its count crosses the threshold.
 */
export function createTrendMonitor(options: TrendOptions & { origin?: Date } = {}): TrendMonitor {
  const r = resolve(options);
  let origin = options.origin?.getTime();
  const state = new Map<
    string,
    { window: number; count: number; hist: number[]; fired: boolean }
  >();
  const observe = (t: Ticket): TrendAlert | null => {
    const k = r.key(t);
    if (k === null || k === undefined) return null;
    const key = String(k);
    const at = Date.parse(t.createdAt);
    origin ??= at;
    const b = Math.floor((at - origin) / r.w);
    let s = state.get(key);
    if (!s) {
      s = { window: b, count: 0, hist: [], fired: false };
      state.set(key, s);
    }
    while (s.window < b) {
      s.hist.push(s.count);
      if (s.hist.length > r.n) s.hist.shift();
      s.window++;
      s.count = 0;
      s.fired = false;
      if (s.window < b - r.n) {
        // Long gap: the baseline is all zeros.
        s.hist = new Array(r.n).fill(0);
        s.window = b;
      }
    }
    s.count++;
    if (s.fired || s.hist.length < r.n) return null;
    const a = judge(r, key, origin + b * r.w, s.count, s.hist);
    if (a) s.fired = true;
    return a;
  };
  return {
    observe,
    attach(desk, onAlert) {
      return desk.on('ticket.created', (e) => {
        const a = observe(e.ticket);
        if (a) onAlert(a);
      });
    },
  };
}
