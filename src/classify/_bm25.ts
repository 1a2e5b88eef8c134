import { ValidationError, type ValidationIssue } from '../errors/index';
import { tokenizeText } from './_text';
import type {
  ClassifierInput,
  RootCauseSuggestion,
  SimilarDocument,
  SimilarityIndex,
  SimilarityIndexOptions,
  SimilarOptions,
  SimilarResult,
} from './types';

// One posting list per term: parallel typed arrays with doubling capacity, which keep the scoring
// loop on unboxed integers and cost a fraction of a Map per term. Removal swaps in the last entry,
// so order is meaningless.
interface Posting {
  docs: Int32Array;
  tfs: Int32Array;
  n: number;
}

function append(p: Posting, slot: number, tf: number): void {
  if (p.n === p.docs.length) {
    const docs = new Int32Array(p.n * 2);
    docs.set(p.docs);
    const tfs = new Int32Array(p.n * 2);
    tfs.set(p.tfs);
    p.docs = docs;
    p.tfs = tfs;
  }
  p.docs[p.n] = slot;
  p.tfs[p.n] = tf;
  p.n++;
}

interface Doc {
  id: string;
  length: number;
  // Distinct terms with their frequencies: needed to remove the doc and to query by id.
  terms: Map<string, number>;
  resolution: string | undefined;
}

function fail(context: string, issues: ValidationIssue[]): never {
  throw new ValidationError(issues, { context });
}

function textOf(doc: ClassifierInput): string {
  return `${doc.title ?? ''}\n${doc.description ?? ''}`;
}

function countTerms(tokens: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of tokens) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
}

/** Min-heap of (score, slot) keeping the best `limit` results; ties prefer the smaller id. */
class TopK {
  readonly scores: number[] = [];
  readonly slots: number[] = [];
  constructor(
    readonly limit: number,
    readonly ids: (slot: number) => string,
  ) {}
  // True if a is worse than b.
  worse(sa: number, ia: number, sb: number, ib: number): boolean {
    return sa < sb || (sa === sb && this.ids(ia) > this.ids(ib));
  }
  push(score: number, slot: number): void {
    const { scores, slots } = this;
    if (scores.length < this.limit) {
      scores.push(score);
      slots.push(slot);
      let i = scores.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!this.worse(scores[i]!, slots[i]!, scores[p]!, slots[p]!)) break;
        this.swap(i, p);
        i = p;
      }
      return;
    }
    if (!this.worse(scores[0]!, slots[0]!, score, slot)) return;
    scores[0] = score;
    slots[0] = slot;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < scores.length && this.worse(scores[l]!, slots[l]!, scores[m]!, slots[m]!)) m = l;
      if (r < scores.length && this.worse(scores[r]!, slots[r]!, scores[m]!, slots[m]!)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }
  swap(a: number, b: number): void {
    const { scores, slots } = this;
    [scores[a], scores[b]] = [scores[b]!, scores[a]!];
    [slots[a], slots[b]] = [slots[b]!, slots[a]!];
  }
}

function foldCause(s: string): string {
  return s.trim().toLowerCase().replace(/\s+/g, ' ');
}

export function createIndex(options: SimilarityIndexOptions = {}): SimilarityIndex {
  const k1 = options.k1 ?? 1.2;
  const b = options.b ?? 0.75;
  const bigrams = options.bigrams ?? false;
  const issues: ValidationIssue[] = [];
  if (typeof k1 !== 'number' || !(k1 >= 0) || !Number.isFinite(k1))
    issues.push({
      code: 'invalid_type',
      path: ['k1'],
      message: 'must be a finite number >= 0 (1.2 is usual)',
    });
  if (typeof b !== 'number' || !(b >= 0 && b <= 1))
    issues.push({
      code: 'invalid_type',
      path: ['b'],
      message: 'must be a number between 0 and 1 (0.75 is usual)',
    });
  if (typeof bigrams !== 'boolean')
    issues.push({ code: 'invalid_type', path: ['bigrams'], message: 'must be a boolean' });
  if (issues.length > 0) fail('createSimilarityIndex', issues);

  const postings = new Map<string, Posting>();
  const slotOf = new Map<string, number>();
  const docs: (Doc | undefined)[] = [];
  const free: number[] = [];
  let totalLength = 0;
  // Reused accumulator, one float per slot, reset through `seen` after each query. Both are typed
  // arrays: a growing JS array of touched slots cost ten times the scoring itself.
  let acc = new Float64Array(0);
  let seen = new Int32Array(0);
  let lengths = new Float64Array(1024);

  const remove = (id: string): boolean => {
    const slot = slotOf.get(id);
    if (slot === undefined) return false;
    const doc = docs[slot]!;
    for (const term of doc.terms.keys()) {
      const p = postings.get(term)!;
      const at = p.docs.subarray(0, p.n).lastIndexOf(slot);
      p.n--;
      p.docs[at] = p.docs[p.n]!;
      p.tfs[at] = p.tfs[p.n]!;
      if (p.n === 0) postings.delete(term);
    }
    totalLength -= doc.length;
    docs[slot] = undefined;
    slotOf.delete(id);
    free.push(slot);
    return true;
  };

  const add = (id: string, doc: SimilarDocument): void => {
    const problems: ValidationIssue[] = [];
    if (typeof id !== 'string' || id === '')
      problems.push({ code: 'invalid_type', path: ['id'], message: 'must be a non-empty string' });
    if (typeof doc?.title !== 'string')
      problems.push({ code: 'invalid_type', path: ['title'], message: 'must be a string' });
    if (doc?.description !== undefined && typeof doc.description !== 'string')
      problems.push({ code: 'invalid_type', path: ['description'], message: 'must be a string' });
    if (doc?.resolution !== undefined && typeof doc.resolution !== 'string')
      problems.push({ code: 'invalid_type', path: ['resolution'], message: 'must be a string' });
    if (problems.length > 0) fail('SimilarityIndex.add', problems);
    remove(id);
    const tokens = tokenizeText(textOf(doc), bigrams);
    const terms = countTerms(tokens);
    const slot = free.pop() ?? docs.length;
    docs[slot] = {
      id,
      length: tokens.length,
      terms,
      resolution: doc.resolution?.trim() ? doc.resolution : undefined,
    };
    slotOf.set(id, slot);
    if (slot >= lengths.length) {
      const grown = new Float64Array(lengths.length * 2);
      grown.set(lengths);
      lengths = grown;
    }
    lengths[slot] = tokens.length;
    totalLength += tokens.length;
    for (const [term, tf] of terms) {
      let p = postings.get(term);
      if (!p) {
        p = { docs: new Int32Array(2), tfs: new Int32Array(2), n: 0 };
        postings.set(term, p);
      }
      append(p, slot, tf);
    }
  };

  const similar = (
    query: string | { id: string } | ClassifierInput,
    opts: SimilarOptions = {},
  ): SimilarResult[] => {
    const limit = opts.limit ?? 5;
    const minScore = opts.minScore ?? 0;
    if (!Number.isInteger(limit) || limit < 0)
      fail('SimilarityIndex.similar', [
        { code: 'invalid_type', path: ['limit'], message: 'must be an integer >= 0' },
      ]);
    if (typeof minScore !== 'number' || Number.isNaN(minScore))
      fail('SimilarityIndex.similar', [
        { code: 'invalid_type', path: ['minScore'], message: 'must be a number' },
      ]);
    let terms: Iterable<string>;
    let exclude = -1;
    if (typeof query === 'string') terms = new Set(tokenizeText(query, bigrams));
    else if ('id' in query && typeof query.id === 'string') {
      const slot = slotOf.get(query.id);
      if (slot === undefined) return [];
      exclude = slot;
      terms = docs[slot]!.terms.keys();
    } else terms = new Set(tokenizeText(textOf(query as ClassifierInput), bigrams));
    const n = slotOf.size;
    if (n === 0 || limit === 0) return [];
    if (acc.length < docs.length) {
      acc = new Float64Array(Math.max(docs.length, acc.length * 2));
      seen = new Int32Array(acc.length);
    }
    let touched = 0;
    const avgdl = totalLength / n || 1;
    // norm(len) = k1·(1 − b + b·len/avgdl) = base + perToken·len
    const base = k1 * (1 - b);
    const perToken = (k1 * b) / avgdl;
    for (const term of terms) {
      const p = postings.get(term);
      if (!p) continue;
      const df = p.n;
      const w = Math.log(1 + (n - df + 0.5) / (df + 0.5)) * (k1 + 1);
      const { docs: ds, tfs } = p;
      for (let i = 0; i < df; i++) {
        const slot = ds[i]!;
        const tf = tfs[i]!;
        const prev = acc[slot]!;
        if (prev === 0) seen[touched++] = slot;
        acc[slot] = prev + (w * tf) / (tf + base + perToken * lengths[slot]!);
      }
    }
    const top = new TopK(limit, (s) => docs[s]!.id);
    // Once the heap is full, anything below its minimum is rejected without a call.
    let floor = minScore;
    for (let i = 0; i < touched; i++) {
      const slot = seen[i]!;
      const score = acc[slot]!;
      acc[slot] = 0;
      if (score < floor || slot === exclude) continue;
      top.push(score, slot);
      if (top.scores.length === limit) floor = Math.max(minScore, top.scores[0]!);
    }
    const out = top.slots.map((slot, i) => ({ id: docs[slot]!.id, score: top.scores[i]! }));
    return out.sort((x, y) => y.score - x.score || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  };

  const suggestRootCause = (
    results: readonly SimilarResult[],
    opts: { limit?: number } = {},
  ): RootCauseSuggestion[] => {
    const groups = new Map<string, RootCauseSuggestion & { total: number; first: number }>();
    results.forEach((r, i) => {
      const slot = slotOf.get(r.id);
      const cause = slot === undefined ? undefined : docs[slot]!.resolution;
      if (cause === undefined) return;
      const key = foldCause(cause);
      const g = groups.get(key);
      if (g) {
        g.count++;
        g.ids.push(r.id);
        g.total += r.score;
      } else
        groups.set(key, { cause: cause.trim(), count: 1, ids: [r.id], total: r.score, first: i });
    });
    return [...groups.values()]
      .sort((x, y) => y.count - x.count || y.total - x.total || x.first - y.first)
      .slice(0, opts.limit ?? 3)
      .map(({ cause, count, ids }) => ({ cause, count, ids }));
  };

  return {
    get size() {
      return slotOf.size;
    },
    add,
    remove,
    has: (id) => slotOf.has(id),
    similar,
    suggestRootCause,
  };
}
