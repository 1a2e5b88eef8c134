/**
 * Classification benchmark: `npx tsx test/bench/classify.bench.ts` (also run by `npm run bench`).
 *
 * On the seeded, template-generated tickets of test/classify/_tickets.ts: naive Bayes predictions
 * and rule classifications per second, training time for 10,000 examples, and BM25 `similar`
 * queries per second on 100,000 indexed tickets against a naive full-scan scorer in the same run
 * (every query's top 5 must be identical).
 */
import {
  createSimilarityIndex,
  defineRules,
  splitDataset,
  tokenize,
  trainClassifier,
} from 'ticketkit';
import { Bench } from 'tinybench';
import { naiveDocs, naiveScanner } from '../classify/_naive';
import { generateTickets, KEYWORD_RULES } from '../classify/_tickets';

const gc = (globalThis as { gc?: () => void }).gc;
const SEED = Number(process.env.BENCH_SEED ?? 20260105);
const DOCS = Number(process.env.BENCH_DOCS ?? 100_000);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 0)} ms`;

async function main() {
  // --- classification throughput ---
  const data = generateTickets({ seed: SEED, perCategory: 500 });
  const { train, test } = splitDataset(data, { testShare: 0.2, seed: 1 });
  const model = trainClassifier(train);
  const rules = defineRules(KEYWORD_RULES);
  const BATCH = 1000;
  const texts = data.slice(0, BATCH);
  const bench = new Bench({ time: 1500, warmup: true, warmupTime: 300 });
  let sink = 0;
  bench
    .add(`nb.predict x${BATCH}`, () => {
      for (const t of texts) sink += model.predict(t.text).confidence;
    })
    .add(`rules.classify x${BATCH}`, () => {
      for (const t of texts) sink += rules.classify(t).fired.length;
    })
    .add(`tokenize x${BATCH}`, () => {
      for (const t of texts) sink += tokenize(t.text).length;
    });
  await bench.run();
  const rate = (name: string) => {
    const task = bench.tasks.find((t) => t.name.startsWith(name))!;
    const r = task.result as unknown as { throughput?: { mean: number }; hz?: number };
    return (r.throughput?.mean ?? r.hz ?? 0) * BATCH;
  };

  // --- training time ---
  const tenK = generateTickets({ seed: SEED + 1, perCategory: 1667 }).slice(0, 10_000);
  gc?.();
  let t0 = performance.now();
  const big = trainClassifier(tenK);
  const trainMs = performance.now() - t0;
  const acc = big.evaluate(test).accuracy;
  const ruleAcc = test.filter((t) => rules.classify(t).category === t.label).length / test.length;

  // --- similar tickets: inverted index vs full scan ---
  const corpus = generateTickets({ seed: SEED + 2, perCategory: Math.ceil(DOCS / 6) }).slice(
    0,
    DOCS,
  );
  gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  t0 = performance.now();
  const index = createSimilarityIndex();
  corpus.forEach((t, i) => {
    index.add(`T${i}`, t);
  });
  const indexMs = performance.now() - t0;
  gc?.();
  const indexMb = (process.memoryUsage().heapUsed - heap0) / 1e6;
  const scan = naiveScanner(naiveDocs(corpus.map((t, i) => ({ id: `T${i}`, ...t }))));
  const queries = generateTickets({ seed: SEED + 3, perCategory: 50 }).map((q) => q.text);

  for (const q of queries.slice(0, 30)) index.similar(q); // warm-up
  t0 = performance.now();
  const fast = queries.map((q) => index.similar(q, { limit: 5 }));
  const fastMs = (performance.now() - t0) / queries.length;
  const NAIVE_Q = 40;
  t0 = performance.now();
  const slow = queries.slice(0, NAIVE_Q).map((q) => scan(q, 5));
  const slowMs = (performance.now() - t0) / NAIVE_Q;
  const mismatches = slow.filter((r, i) => JSON.stringify(r) !== JSON.stringify(fast[i])).length;
  const causes = index.suggestRootCause(fast[0]!);

  console.table([
    {
      case: `naive Bayes predict (${model.vocabularySize} features)`,
      result: `${fmt(rate('nb.predict'))} /s`,
    },
    {
      case: `keyword rules classify (${KEYWORD_RULES.length} rules)`,
      result: `${fmt(rate('rules.classify'))} /s`,
    },
    { case: 'tokenize (mixed zh/en ticket)', result: `${fmt(rate('tokenize'))} /s` },
    { case: 'train naive Bayes, 10,000 examples', result: ms(trainMs) },
    {
      case: `accuracy on ${test.length} held-out: NB (10k) / rules`,
      result: `${acc.toFixed(3)} / ${ruleAcc.toFixed(3)}`,
    },
    {
      case: `build BM25 index, ${fmt(DOCS)} tickets`,
      result: `${ms(indexMs)} (${indexMb.toFixed(0)} MB heap)`,
    },
    {
      case: 'similar() top-5, inverted index',
      result: `${fmt(1000 / fastMs)} q/s (${ms(fastMs)} each)`,
    },
    {
      case: 'similar() top-5, naive full scan',
      result: `${fmt(1000 / slowMs)} q/s (${ms(slowMs)} each)`,
    },
  ]);
  console.log(
    `inverted index / full scan: ${(slowMs / fastMs).toFixed(1)}x faster; top-5 identical on ${NAIVE_Q - mismatches}/${NAIVE_Q} queries`,
  );
  console.log(`root-cause suggestion for query 0: ${JSON.stringify(causes)} (sink ${sink > 0})`);
  if (mismatches > 0) {
    console.error('FAIL: inverted index and full scan disagree');
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
