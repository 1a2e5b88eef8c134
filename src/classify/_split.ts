import { ValidationError } from '../errors/index';
import type { LabeledExample, SplitOptions } from './types';

// mulberry32: tiny, seedable and good enough to shuffle a dataset reproducibly.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function split<T extends LabeledExample>(
  examples: readonly T[],
  opts: SplitOptions = {},
): { train: T[]; test: T[] } {
  const testShare = opts.testShare ?? 0.2;
  const seed = opts.seed ?? 0;
  const stratify = opts.stratify ?? true;
  const issues = [];
  if (!Array.isArray(examples))
    issues.push({ code: 'invalid_type', path: ['examples'], message: 'must be an array' });
  if (typeof testShare !== 'number' || !(testShare > 0 && testShare < 1))
    issues.push({
      code: 'invalid_type',
      path: ['testShare'],
      message: 'must be a number strictly between 0 and 1',
    });
  if (typeof seed !== 'number' || !Number.isFinite(seed))
    issues.push({ code: 'invalid_type', path: ['seed'], message: 'must be a finite number' });
  if (issues.length > 0) throw new ValidationError(issues, { context: 'splitDataset' });
  const rnd = prng(seed);
  const groups = new Map<string, number[]>();
  examples.forEach((e, i) => {
    const key = stratify ? e.label : '';
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  const inTest = new Uint8Array(examples.length);
  for (const idx of groups.values()) {
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    const k = Math.round(idx.length * testShare);
    for (let i = 0; i < k; i++) inTest[idx[i]!] = 1;
  }
  // Both halves keep the input order, so a split reads like the source data.
  const train: T[] = [];
  const test: T[] = [];
  examples.forEach((e, i) => {
    (inTest[i] ? test : train).push(e);
  });
  return { train, test };
}
