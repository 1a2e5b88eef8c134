/** @internal "Did you mean" for enum cells: Damerau-Levenshtein (OSA) plus two cheap heuristics. */

/** @internal Optimal-string-alignment distance, giving up (returning `limit + 1`) past `limit`. */
export function damerauLevenshtein(a: string, b: string, limit: number): number {
  const al = a.length;
  const bl = b.length;
  if (Math.abs(al - bl) > limit) return limit + 1;
  if (al === 0) return bl;
  if (bl === 0) return al;
  let prev2 = new Array<number>(bl + 1).fill(0);
  let prev = Array.from({ length: bl + 1 }, (_, j) => j);
  let cur = new Array<number>(bl + 1).fill(0);
  for (let i = 1; i <= al; i++) {
    cur[0] = i;
    let rowMin = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= bl; j++) {
      const cb = b.charCodeAt(j - 1);
      const cost = ca === cb ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb)
        v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > limit) return limit + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[bl]!;
}

/**
 * @internal Best canonical value for a normalised input among `[alias, canonical]` pairs, or
 * undefined. Short inputs get a tighter limit so that "差" is not "corrected" to "高".
 */
export function suggest(
  input: string,
  candidates: ReadonlyArray<readonly [alias: string, canonical: string]>,
): string | undefined {
  const n = input.length;
  if (n === 0) return undefined;
  const limit = n <= 1 ? 0 : n <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestD = limit + 1;
  for (const [alias, canonical] of candidates) {
    const d = damerauLevenshtein(input, alias, limit);
    if (d < bestD) {
      bestD = d;
      best = canonical;
    }
  }
  if (best !== undefined) return best;
  for (const [alias, canonical] of candidates) {
    // "urg" → urgent; "非常紧急" → 紧急 → urgent.
    if (n >= 3 && alias.startsWith(input)) return canonical;
    if (alias.length >= 2 && hasNonAscii(alias) && input.includes(alias)) return canonical;
  }
  return undefined;
}

/** @internal True if `s` has a character outside ASCII (a CJK alias, say). */
export function hasNonAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return true;
  return false;
}
