import { ValidationError, type ValidationIssue } from '../errors/index';
import { tokenizeText } from './_text';
import type {
  ClassifierInput,
  ClassifierResult,
  Evaluation,
  LabeledExample,
  NaiveBayesJSON,
  NaiveBayesModel,
  Prediction,
  TrainOptions,
} from './types';

interface Counts {
  labels: string[];
  docCounts: number[];
  vocabulary: Map<string, number[]>;
  alpha: number;
  bigrams: boolean;
  threshold: number;
}

function fail(context: string, issues: ValidationIssue[]): never {
  throw new ValidationError(issues, { context });
}

function checkOptions(opts: TrainOptions, context: string): Required<TrainOptions> {
  const issues: ValidationIssue[] = [];
  const alpha = opts.alpha ?? 1;
  const threshold = opts.threshold ?? 0.6;
  const bigrams = opts.bigrams ?? false;
  if (typeof alpha !== 'number' || !(alpha > 0) || !Number.isFinite(alpha))
    issues.push({
      code: 'too_small',
      path: ['alpha'],
      message: 'must be a finite number > 0 (1 is Laplace smoothing)',
    });
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1))
    issues.push({
      code: 'invalid_type',
      path: ['threshold'],
      message: 'must be a number between 0 and 1',
    });
  if (typeof bigrams !== 'boolean')
    issues.push({ code: 'invalid_type', path: ['bigrams'], message: 'must be a boolean' });
  if (issues.length > 0) fail(context, issues);
  return { alpha, threshold, bigrams };
}

export function train(
  examples: readonly LabeledExample[],
  opts: TrainOptions = {},
): NaiveBayesModel {
  const context = 'trainClassifier';
  const { alpha, threshold, bigrams } = checkOptions(opts, context);
  if (!Array.isArray(examples) || examples.length === 0)
    fail(context, [
      { code: 'too_small', path: [], message: 'needs at least one labelled example' },
    ]);
  const issues: ValidationIssue[] = [];
  examples.forEach((e, i) => {
    if (issues.length >= 50) return;
    if (typeof e?.text !== 'string')
      issues.push({ code: 'invalid_type', path: [i, 'text'], message: 'must be a string' });
    if (typeof e?.label !== 'string' || e.label === '')
      issues.push({
        code: 'invalid_type',
        path: [i, 'label'],
        message: 'must be a non-empty string',
      });
  });
  if (issues.length > 0) fail(context, issues);
  const labelIndex = new Map<string, number>();
  const labels: string[] = [];
  const docCounts: number[] = [];
  const vocabulary = new Map<string, number[]>();
  for (const e of examples) {
    let c = labelIndex.get(e.label);
    if (c === undefined) {
      c = labels.length;
      labelIndex.set(e.label, c);
      labels.push(e.label);
      docCounts.push(0);
      for (const row of vocabulary.values()) row.push(0);
    }
    docCounts[c]!++;
    for (const t of tokenizeText(e.text, bigrams)) {
      let row = vocabulary.get(t);
      if (!row) {
        row = new Array<number>(labels.length).fill(0);
        vocabulary.set(t, row);
      }
      row[c]!++;
    }
  }
  return build({ labels, docCounts, vocabulary, alpha, bigrams, threshold });
}

export function load(json: unknown): NaiveBayesModel {
  const context = 'loadClassifier';
  let data = json;
  if (typeof json === 'string') {
    try {
      data = JSON.parse(json);
    } catch (e) {
      fail(context, [
        { code: 'invalid_json', path: [], message: `is not JSON: ${(e as Error).message}` },
      ]);
    }
  }
  const d = data as Partial<NaiveBayesJSON> | null;
  if (typeof d !== 'object' || d === null || d.format !== 'ticketkit.naive-bayes')
    fail(context, [
      {
        code: 'invalid_format',
        path: ['format'],
        message: 'expected "ticketkit.naive-bayes" (the output of model.toJSON())',
      },
    ]);
  const issues: ValidationIssue[] = [];
  if (d.version !== 1)
    issues.push({
      code: 'invalid_version',
      path: ['version'],
      message: `unsupported version ${String(d.version)}; this ticketkit reads version 1`,
    });
  const labels = d.labels;
  const okLabels =
    Array.isArray(labels) &&
    labels.length > 0 &&
    labels.every((l) => typeof l === 'string' && l !== '') &&
    new Set(labels).size === labels.length;
  if (!okLabels)
    issues.push({
      code: 'invalid_type',
      path: ['labels'],
      message: 'must be a non-empty array of distinct non-empty strings',
    });
  const n = okLabels ? labels.length : 0;
  const isCounts = (a: unknown): a is number[] =>
    Array.isArray(a) && a.length === n && a.every((x) => Number.isInteger(x) && x >= 0);
  if (!isCounts(d.docCounts))
    issues.push({
      code: 'invalid_type',
      path: ['docCounts'],
      message: `must be ${n} non-negative integers`,
    });
  const vocabulary = new Map<string, number[]>();
  if (!Array.isArray(d.vocabulary))
    issues.push({
      code: 'invalid_type',
      path: ['vocabulary'],
      message: 'must be an array of [token, counts] pairs',
    });
  else
    for (let i = 0; i < d.vocabulary.length && issues.length < 50; i++) {
      const entry = d.vocabulary[i] as unknown;
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !isCounts(entry[1]))
        issues.push({
          code: 'invalid_type',
          path: ['vocabulary', i],
          message: `must be [token, ${n} non-negative integer counts]`,
        });
      else vocabulary.set(entry[0], [...entry[1]]);
    }
  if (typeof d.bigrams !== 'boolean')
    issues.push({ code: 'invalid_type', path: ['bigrams'], message: 'must be a boolean' });
  if (issues.length > 0) fail(context, issues);
  const { alpha, threshold, bigrams } = checkOptions(
    { alpha: d.alpha as number, threshold: d.threshold as number, bigrams: d.bigrams as boolean },
    context,
  );
  return build({
    labels: [...(labels as string[])],
    docCounts: [...(d.docCounts as number[])],
    vocabulary,
    alpha,
    bigrams,
    threshold,
  });
}

function build(counts: Counts): NaiveBayesModel {
  const { labels, docCounts, vocabulary, alpha, bigrams, threshold } = counts;
  const n = labels.length;
  const v = vocabulary.size;
  const totalDocs = docCounts.reduce((a, b) => a + b, 0);
  const tokenTotals = new Array<number>(n).fill(0);
  for (const row of vocabulary.values()) for (let c = 0; c < n; c++) tokenTotals[c]! += row[c]!;
  const logPrior = docCounts.map((d) => Math.log(d / totalDocs));
  const logDenominator = tokenTotals.map((t) => Math.log(t + alpha * v));
  // Log-likelihoods are precomputed per token so a prediction is a sum of small arrays.
  const logLikelihood = new Map<string, Float64Array>();
  for (const [token, row] of vocabulary) {
    const ll = new Float64Array(n);
    for (let c = 0; c < n; c++) ll[c] = Math.log(row[c]! + alpha) - logDenominator[c]!;
    logLikelihood.set(token, ll);
  }

  const predict = (text: string): Prediction => {
    const score = Float64Array.from(logPrior);
    // Tokens never seen in training are skipped: the vocabulary is fixed at training time.
    for (const t of tokenizeText(String(text ?? ''), bigrams)) {
      const ll = logLikelihood.get(t);
      if (ll) for (let c = 0; c < n; c++) score[c]! += ll[c]!;
    }
    let best = 0;
    for (let c = 1; c < n; c++) if (score[c]! > score[best]!) best = c;
    // Softmax shifted by the maximum so exp() cannot underflow to 0/0 on long texts.
    let sum = 0;
    const p = new Float64Array(n);
    for (let c = 0; c < n; c++) {
      p[c] = Math.exp(score[c]! - score[best]!);
      sum += p[c]!;
    }
    const scores = labels.map((label, c) => ({ label, p: p[c]! / sum, c }));
    scores.sort((a, b) => b.p - a.p || a.c - b.c);
    const confidence = p[best]! / sum;
    return {
      label: labels[best]!,
      confidence,
      suggestion: confidence < threshold,
      scores: scores.map(({ label, p }) => ({ label, p })),
    };
  };

  const evaluate = (examples: readonly LabeledExample[]): Evaluation => {
    const confusion: Record<string, Record<string, number>> = Object.create(null);
    const predicted = new Map<string, number>();
    const actual = new Map<string, number>();
    const hits = new Map<string, number>();
    let correct = 0;
    let decided = 0;
    let decidedCorrect = 0;
    for (const e of examples) {
      const pr = predict(e.text);
      const ok = pr.label === e.label;
      let row = confusion[e.label];
      if (!row) {
        row = Object.create(null) as Record<string, number>;
        confusion[e.label] = row;
      }
      row[pr.label] = (row[pr.label] ?? 0) + 1;
      actual.set(e.label, (actual.get(e.label) ?? 0) + 1);
      predicted.set(pr.label, (predicted.get(pr.label) ?? 0) + 1);
      if (ok) {
        correct++;
        hits.set(e.label, (hits.get(e.label) ?? 0) + 1);
      }
      if (!pr.suggestion) {
        decided++;
        if (ok) decidedCorrect++;
      }
    }
    const perClass: Evaluation['perClass'] = Object.create(null);
    for (const label of new Set([...actual.keys(), ...predicted.keys()])) {
      const h = hits.get(label) ?? 0;
      const p = predicted.get(label) ?? 0;
      const s = actual.get(label) ?? 0;
      perClass[label] = { precision: p === 0 ? 0 : h / p, recall: s === 0 ? 0 : h / s, support: s };
    }
    const total = examples.length;
    return {
      accuracy: total === 0 ? 0 : correct / total,
      perClass,
      confusion,
      coverage: total === 0 ? 0 : decided / total,
      decidedAccuracy: decided === 0 ? 0 : decidedCorrect / decided,
    };
  };

  const classify = (input: ClassifierInput): ClassifierResult => {
    const pr = predict(`${input.title ?? ''}\n${input.description ?? ''}`);
    return {
      category: pr.label,
      tags: [],
      confidence: pr.confidence,
      suggestion: pr.suggestion,
      reasons: [
        `naive Bayes: ${pr.label} (p=${pr.confidence.toFixed(2)}${pr.suggestion ? `, below threshold ${threshold}: suggestion` : ''})`,
      ],
    };
  };

  const toJSON = (): NaiveBayesJSON => ({
    format: 'ticketkit.naive-bayes',
    version: 1,
    labels: [...labels],
    docCounts: [...docCounts],
    vocabulary: [...vocabulary].map(([t, row]) => [t, [...row]]),
    alpha,
    bigrams,
    threshold,
  });

  return Object.freeze({
    name: 'naive-bayes' as const,
    labels: Object.freeze([...labels]),
    vocabularySize: v,
    threshold,
    predict,
    evaluate,
    classify,
    toJSON,
  });
}
