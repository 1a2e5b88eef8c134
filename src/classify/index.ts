/**
 * Ticket classification: keyword and regex rules, a naive Bayes model trained on resolved
 * tickets, a {@link Classifier} port to plug in any other model, and BM25 similar-ticket search
 * with root-cause suggestions. Pure: no clock, no I/O, no randomness (the dataset split is seeded).
 * Chinese is handled without word boundaries: rules match substrings, and the model and the index
 * segment words with `Intl.Segmenter` plus optional CJK character bigrams.
 *
 * @module classify
 */
import { load, train as trainModel } from './_bayes';
import { createIndex } from './_bm25';
import { combine } from './_combine';
import { buildRuleClassifier } from './_rules';
import { split } from './_split';
import { tokenizeText } from './_text';
import type {
  ClassificationRule,
  Classifier,
  LabeledExample,
  NaiveBayesJSON,
  NaiveBayesModel,
  RuleClassifier,
  SimilarityIndex,
  SimilarityIndexOptions,
  SplitOptions,
  TokenizeOptions,
  TrainOptions,
} from './types';

export type {
  ClassificationRule,
  Classifier,
  ClassifierInput,
  ClassifierResult,
  ClassMetrics,
  Evaluation,
  FiredRule,
  LabeledExample,
  LabelScore,
  NaiveBayesJSON,
  NaiveBayesModel,
  Prediction,
  RootCauseSuggestion,
  RuleAction,
  RuleClassifier,
  RuleCondition,
  RuleField,
  RuleMatch,
  RuleResult,
  SimilarDocument,
  SimilarityIndex,
  SimilarityIndexOptions,
  SimilarOptions,
  SimilarResult,
  SplitOptions,
  TermMatch,
  TokenizeOptions,
  TrainOptions,
} from './types';

/**
 * Splits text into lowercase word tokens the way the model and the similarity index see it:
 * NFKC-normalised (full-width letters and digits become ASCII), segmented with `Intl.Segmenter`
 * (`'zh'`, word granularity, which also splits Latin words), punctuation, spaces and emoji dropped.
 *
 * @example
 * ```ts
 * tokenize('打印机卡纸了，Printer JAM！');        // ['打印', '机', '卡', '纸', '了', 'printer', 'jam']
 * tokenize('打印机卡纸', { bigrams: true });     // [...words, '印机', '机卡', '卡纸']
 * ```
 */
export function tokenize(text: string, options: TokenizeOptions = {}): string[] {
  return tokenizeText(String(text ?? ''), options.bigrams ?? false);
}

/**
 * Checks keyword and regex rules and returns a classifier that applies them.
 *
 * Precedence: rules are tried highest `weight` first (default 0), equal weights in definition
 * order; the first fired rule that sets `category` decides it, likewise `priority`; `tags` of all
 * fired rules are merged. Every fired rule is reported with the text it matched.
 *
 * @throws {ValidationError} listing every problem: missing names or conditions, duplicate names,
 * unknown keys, unknown priorities, invalid regexes, and regexes with a nested quantifier or a
 * backreference (code `unsafe_regex`, a ReDoS risk).
 *
 * @example
 * ```ts
 * const rules = defineRules([
 *   { name: 'printer', when: { any: ['打印机', 'printer', '卡纸'] }, set: { category: 'hardware' } },
 *   { name: 'outage', when: { any: ['全部', 'all users'], regex: '宕机|down' }, set: { priority: 'urgent' }, weight: 5 },
 * ]);
 * rules.classify('三楼打印机卡纸了').category; // 'hardware'
 * ```
 */
export function defineRules(rules: readonly ClassificationRule[]): RuleClassifier {
  return buildRuleClassifier(rules);
}

/**
 * Trains a multinomial naive Bayes classifier: Laplace-smoothed word likelihoods, computed in log
 * space, over {@link tokenize} tokens (CJK bigrams optional). Tokens unseen in training are
 * ignored at prediction time.
 *
 * @throws {ValidationError} if there are no examples, an example lacks text or label, or an option
 * is out of range.
 *
 * @example
 * ```ts
 * const { train, test } = splitDataset(resolvedTickets, { testShare: 0.2, seed: 42 });
 * const model = trainClassifier(train);
 * model.evaluate(test).accuracy;        // e.g. 0.93
 * model.predict('VPN 连不上');          // { label: 'network', confidence: 0.97, suggestion: false, scores }
 * ```
 */
export function trainClassifier(
  examples: readonly LabeledExample[],
  options: TrainOptions = {},
): NaiveBayesModel {
  return trainModel(examples, options);
}

/**
 * Restores a model saved with `model.toJSON()` (or `JSON.stringify(model)`), so an app can train
 * offline and ship the JSON.
 *
 * @throws {ValidationError} if the JSON is not a ticketkit naive Bayes model of a known version.
 *
 * @example
 * ```ts
 * const model = loadClassifier(await readFile('model.json', 'utf8'));
 * ```
 */
export function loadClassifier(json: string | NaiveBayesJSON): NaiveBayesModel {
  return load(json);
}

/**
 * Splits labelled examples into train and held-out test sets, reproducibly for a given seed.
 * Stratified by label by default; both halves keep the input order.
 *
 * @throws {ValidationError} if `testShare` is not strictly between 0 and 1.
 *
 * @example
 * ```ts
 * const { train, test } = splitDataset(examples, { testShare: 0.2, seed: 7 });
 * ```
 */
export function splitDataset<T extends LabeledExample>(
  examples: readonly T[],
  options: SplitOptions = {},
): { train: T[]; test: T[] } {
  return split(examples, options);
}

/**
 * Chains classifiers into one: for `category` and `priority`, the first classifier (in order) that
 * decides a field wins, so `[rules, model]` means "rules first, the model for what they left
 * unset". A category marked `suggestion` is kept only if no later classifier decides one. Tags are
 * merged. Classifiers after the point where both category and priority are decided are not
 * called (so a costly LLM runs only when needed), and their tags are therefore not collected.
 * The combined `classify` always returns a promise.
 *
 * @throws {ValidationError} if the list is empty or an entry has no `classify` method.
 *
 * @example
 * ```ts
 * const classifier = combineClassifiers([rules, model]);
 * const r = await classifier.classify({ title: 'VPN 连不上', description: '出差中' });
 * r.source; // { category: 'naive-bayes' } when no rule set a category
 * ```
 */
export function combineClassifiers(classifiers: readonly Classifier[]): Classifier {
  return combine(classifiers);
}

/**
 * Creates an empty BM25 index for finding similar tickets. Scoring:
 * `Σ idf(t)·tf·(k1+1) / (tf + k1·(1 − b + b·len/avglen))` over the distinct query terms, with
 * `idf(t) = ln(1 + (N − df + 0.5)/(df + 0.5))`. An inverted index means a query touches only the
 * tickets sharing a term with it.
 *
 * @throws {ValidationError} if `k1` or `b` is out of range.
 *
 * @example
 * ```ts
 * const index = createSimilarityIndex();
 * index.add('T-1', { title: '打印机卡纸', resolution: '搓纸轮老化' });
 * const hits = index.similar('三楼打印机又卡纸了');   // [{ id: 'T-1', score: 3.1 }]
 * index.suggestRootCause(hits);                         // [{ cause: '搓纸轮老化', count: 1, ids: ['T-1'] }]
 * ```
 */
export function createSimilarityIndex(options: SimilarityIndexOptions = {}): SimilarityIndex {
  return createIndex(options);
}
