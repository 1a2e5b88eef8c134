// Helpers shared inside src/; never exported from the package.
import { createHash, randomUUID } from 'node:crypto';
import { isoOfMs } from './iso';

export { isoMs, isoOfMs } from './iso';

/** Freezes an object and every nested object/array, returning it typed as readonly. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    // Index and for-in loops, not Object.values: no array per object (this runs per command).
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) deepFreeze(value[i]);
    } else {
      const obj = value as Record<string, unknown>;
      for (const k in obj) if (Object.hasOwn(obj, k)) deepFreeze(obj[k]);
    }
  }
  return value;
}

/** RFC 8785-style canonical JSON (sorted keys, no whitespace) for hashing and fingerprints. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return value === undefined ? 'null' : JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** SHA-256 hex of the canonical JSON of a value. */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** Default id generator: a random UUID with a short prefix naming the entity. */
export function randomId(prefix: string): string {
  return `${prefix}_${randomUUID()}`;
}

/** Exhaustiveness check for switch statements over unions. */
export function assertNever(x: never, what: string): never {
  throw new Error(`Unexpected ${what}: ${String(x)}`);
}

/** Value equality for ticket field values (primitives, arrays, plain objects). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return canonicalJson(a) === canonicalJson(b);
}

/** Optimal-string-alignment edit distance (Damerau-Levenshtein without repeated transpositions). */
export function editDistance(a: string, b: string): number {
  const n = a.length;
  const m = b.length;
  if (n === 0) return m;
  if (m === 0) return n;
  let prev2 = new Array<number>(m + 1).fill(0);
  let prev = Array.from({ length: m + 1 }, (_, j) => j);
  let cur = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    for (let j = 1; j <= m; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, prev2[j - 2]! + 1);
      }
      cur[j] = v;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[m]!;
}

/** The closest allowed value within edit distance 2 (case-insensitive), if any. */
export function closest(input: string, allowed: readonly string[]): string | undefined {
  const x = input.trim().toLowerCase();
  let best: string | undefined;
  let bestD = 3;
  for (const option of allowed) {
    const d = editDistance(x, option.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = option;
    }
  }
  return best;
}

let lastMs = Number.NaN;
let lastIso = '';
/** `date.toISOString()`, memoised for the last instant seen (many commands share a millisecond). */
export function toIso(date: Date): string {
  const ms = date.getTime();
  if (ms !== lastMs) {
    lastIso = isoOfMs(ms);
    lastMs = ms;
  }
  return lastIso;
}
