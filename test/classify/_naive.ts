/**
 * Reference BM25 by full scan, written independently of the inverted index but with the same
 * arithmetic in the same order, so results must be bit-identical.
 */
import { tokenize } from 'ticketkit';

export interface NaiveDoc {
  id: string;
  terms: Map<string, number>;
  length: number;
}

export function naiveDocs(
  docs: readonly { id: string; title: string; description?: string }[],
  bigrams = false,
): NaiveDoc[] {
  const byId = new Map<string, NaiveDoc>();
  for (const d of docs) {
    const tokens = tokenize(`${d.title}\n${d.description ?? ''}`, { bigrams });
    const terms = new Map<string, number>();
    for (const t of tokens) terms.set(t, (terms.get(t) ?? 0) + 1);
    byId.set(d.id, { id: d.id, terms, length: tokens.length });
  }
  return [...byId.values()];
}

export function naiveSimilar(
  docs: readonly NaiveDoc[],
  query: string,
  { limit = 5, k1 = 1.2, b = 0.75, bigrams = false } = {},
): { id: string; score: number }[] {
  const n = docs.length;
  if (n === 0) return [];
  const avgdl = docs.reduce((s, d) => s + d.length, 0) / n || 1;
  const terms = [...new Set(tokenize(query, { bigrams }))];
  const df = new Map<string, number>();
  for (const t of terms) df.set(t, docs.filter((d) => d.terms.has(t)).length);
  const base = k1 * (1 - b);
  const perToken = (k1 * b) / avgdl;
  const scored: { id: string; score: number }[] = [];
  for (const d of docs) {
    let score = 0;
    for (const t of terms) {
      const tf = d.terms.get(t);
      if (!tf) continue;
      const f = df.get(t)!;
      const w = Math.log(1 + (n - f + 0.5) / (f + 0.5)) * (k1 + 1);
      score = score + (w * tf) / (tf + base + perToken * d.length);
    }
    if (score > 0) scored.push({ id: d.id, score });
  }
  scored.sort((x, y) => y.score - x.score || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  return scored.slice(0, limit);
}

/**
 * A full-scan scorer with document frequencies precomputed once, as a fair baseline for the
 * benchmark: it still scores every document for every query.
 */
export function naiveScanner(
  docs: readonly NaiveDoc[],
  { k1 = 1.2, b = 0.75, bigrams = false } = {},
): (query: string, limit?: number) => { id: string; score: number }[] {
  const n = docs.length;
  const avgdl = docs.reduce((s, d) => s + d.length, 0) / n || 1;
  const df = new Map<string, number>();
  for (const d of docs) for (const t of d.terms.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const base = k1 * (1 - b);
  const perToken = (k1 * b) / avgdl;
  return (query, limit = 5) => {
    const terms = [...new Set(tokenize(query, { bigrams }))];
    const w = terms.map((t) => {
      const f = df.get(t) ?? 0;
      return Math.log(1 + (n - f + 0.5) / (f + 0.5)) * (k1 + 1);
    });
    const scored: { id: string; score: number }[] = [];
    for (const d of docs) {
      let score = 0;
      for (let i = 0; i < terms.length; i++) {
        const tf = d.terms.get(terms[i]!);
        if (!tf) continue;
        score = score + (w[i]! * tf) / (tf + base + perToken * d.length);
      }
      if (score > 0) scored.push({ id: d.id, score });
    }
    scored.sort((x, y) => y.score - x.score || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    return scored.slice(0, limit);
  };
}
