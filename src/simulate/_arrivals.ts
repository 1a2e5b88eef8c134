/** Arrival generation: piecewise-constant hourly Poisson streams plus replayed tickets. @internal */
import { createStream } from './_random';
import type { Scenario } from './scenario';

const HOUR = 3_600_000;
const DOW: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

/** Arrivals in time order: instant (ms) and source index (stream i, or streams.length + replay j). */
export interface Arrivals {
  readonly at: Float64Array;
  readonly source: Uint32Array;
}

function normalise(p: readonly number[] | undefined, n: number): number[] {
  if (!p) return new Array(n).fill(1);
  const mean = p.reduce((a, b) => a + b, 0) / n;
  return mean > 0 ? p.map((x) => x / mean) : new Array(n).fill(0);
}

export function generateArrivals(s: Scenario, seed: number): Arrivals {
  const start = Date.parse(s.start);
  const end = start + s.durationDays * 86_400_000;
  const buckets = Math.ceil((end - start) / HOUR);
  // Local hour and weekday of every hour bucket, computed once per bucket (not per arrival).
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: s.timeZone,
    hour: 'numeric',
    hourCycle: 'h23',
    weekday: 'short',
  });
  const localHour = new Uint8Array(buckets);
  const localDow = new Uint8Array(buckets);
  for (let b = 0; b < buckets; b++) {
    let h = 0;
    let d = 0;
    for (const p of fmt.formatToParts(new Date(start + b * HOUR))) {
      if (p.type === 'hour') h = Number(p.value) % 24;
      else if (p.type === 'weekday') d = DOW[p.value] ?? 0;
    }
    localHour[b] = h;
    localDow[b] = d;
  }
  const rand = createStream(seed ^ 0x5eed);
  const times: number[] = [];
  const sources: number[] = [];
  s.arrivals.streams.forEach((st, si) => {
    const hp = normalise(st.hourProfile, 24);
    const wp = normalise(st.weekdayProfile, 7);
    const perHour = st.ratePerDay / 24;
    if (perHour <= 0) return;
    let b = 0;
    let t = start;
    let e = -Math.log(1 - rand());
    while (b < buckets) {
      const bucketEnd = Math.min(end, start + (b + 1) * HOUR);
      const rate = perHour * hp[localHour[b]!]! * wp[localDow[b]!]!; // per hour
      const room = ((bucketEnd - t) / HOUR) * rate;
      if (rate > 0 && e <= room) {
        t += (e / rate) * HOUR;
        times.push(Math.round(t));
        sources.push(si);
        e = -Math.log(1 - rand());
      } else {
        e -= room;
        b++;
        t = bucketEnd;
      }
    }
  });
  s.arrivals.replay.forEach((r, j) => {
    const at = Date.parse(r.at);
    if (at >= start && at < end) {
      times.push(at);
      sources.push(s.arrivals.streams.length + j);
    }
  });
  const order = new Uint32Array(times.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => times[a]! - times[b]! || sources[a]! - sources[b]! || a - b);
  const at = new Float64Array(order.length);
  const source = new Uint32Array(order.length);
  for (let i = 0; i < order.length; i++) {
    at[i] = times[order[i]!]!;
    source[i] = sources[order[i]!]!;
  }
  return { at, source };
}
