/**
 * Public types of the classification capability. Re-exported from `src/classify/index.ts`.
 *
 * @module classify
 */
import type { Priority } from '../ticket/index';

/** The text a classifier looks at: a ticket's title and optional description. */
export interface ClassifierInput {
  /** The ticket's title (subject line). */
  title: string;
  /** The ticket's free-text description, if any. */
  description?: string;
}

/** Which part of a ticket a rule looks at. A plain-string input counts as every field. */
export type RuleField = 'title' | 'description' | 'both';

/**
 * How a rule's `any` / `all` / `none` terms match text. Matching is case-insensitive and folds
 * full-width ASCII (`ＷｉＦｉ` matches `wifi`) in every mode.
 *
 * - `auto` (default): plain substring, except that a term edge that is a Latin letter or digit
 *   must sit at a word boundary, so `ip` matches `IP 冲突` and `打印机IP` but not `ship`.
 *   Chinese has no spaces, so CJK edges never need a boundary: `网络` matches `网络打印机`.
 * - `substring`: plain substring everywhere (`print` matches `printer`).
 * - `word`: the match must start and end on a word boundary found by `Intl.Segmenter`
 *   (`'zh'`, word granularity). Stricter for Chinese, but segmentation of short or misspelt
 *   text is noisy, so prefer `auto` unless a short term causes false hits.
 */
export type TermMatch = 'auto' | 'substring' | 'word';

/** When a rule fires. Every condition present must hold; at least one of any/all/regex is required. */
export interface RuleCondition {
  /** Fires if at least one of these terms occurs. */
  any?: readonly string[];
  /** Fires only if every one of these terms occurs (each may be in a different field). */
  all?: readonly string[];
  /** Does not fire if any of these terms occurs (exclusions, e.g. `网络打印机` for a network rule). */
  none?: readonly string[];
  /**
   * A regular expression tested against the original text. A string is compiled with flags `iu`;
   * a `RegExp` keeps its flags except `g`/`y`. Rejected at define time if it has a backreference
   * or a nested quantifier (ReDoS risk); see `docs/guides/classification.md`.
   */
  regex?: RegExp | string;
  /** Which field the terms and the regex look at. @default 'both' */
  field?: RuleField;
  /** How terms match. @default 'auto' */
  match?: TermMatch;
}

/** What a rule sets when it fires. At least one field is required. */
export interface RuleAction {
  /** The category to assign (app-defined, e.g. `network`). */
  category?: string;
  /** The priority to assign. */
  priority?: Priority;
  /** Tags to add; tags of every fired rule are merged. */
  tags?: readonly string[];
}

/**
 * One keyword or regex rule.
 *
 * @example
 * ```ts
 * const rule: ClassificationRule = {
 *   name: 'printer',
 *   when: { any: ['打印机', 'printer', '卡纸'], none: ['驱动'] },
 *   set: { category: 'hardware', tags: ['printer'] },
 *   weight: 2,
 * };
 * ```
 */
export interface ClassificationRule {
  /** Unique, non-empty name; reported in {@link RuleResult.fired}. */
  name: string;
  /** When the rule fires. */
  when: RuleCondition;
  /** What it sets. */
  set: RuleAction;
  /**
   * Precedence for category and priority: among fired rules the highest weight wins, and equal
   * weights go to the rule defined first. Must be a finite number. @default 0
   */
  weight?: number;
}

/** One piece of text that made a rule fire. */
export interface RuleMatch {
  /** The field it was found in; `text` when the input was a plain string. */
  field: 'title' | 'description' | 'text';
  /** The matched text exactly as it appears in the input. */
  text: string;
  /** UTF-16 offset of the match in that field. */
  index: number;
  /** The rule term that matched, or `regex`. */
  term: string;
}

/** A rule that fired, with the evidence and what it decided. */
export interface FiredRule {
  /** The rule's name. */
  rule: string;
  /** The text that satisfied its `any` / `all` / `regex` conditions. */
  matched: RuleMatch[];
  /** The fields this rule decided; empty when higher-precedence rules had already set them. */
  applied: ('category' | 'priority' | 'tags')[];
}

/** What a {@link RuleClassifier} concluded about one ticket. */
export interface RuleResult {
  /** Category of the winning rule, if any rule sets one. */
  category?: string;
  /** Priority of the winning rule, if any rule sets one. */
  priority?: Priority;
  /** Union of the tags of every fired rule, in precedence order, without duplicates. */
  tags: string[];
  /** Every rule that fired, highest precedence first. */
  fired: FiredRule[];
  /** One line per fired rule, e.g. `rule "printer" matched "打印机" in title → category=hardware`. */
  reasons: string[];
}

/**
 * The result shape every {@link Classifier} returns. Only `tags` is required, so a classifier that
 * knows nothing returns `{ tags: [] }`.
 */
export interface ClassifierResult {
  /** The category, if decided or suggested. */
  category?: string;
  /** The priority, if decided. */
  priority?: Priority;
  /** Tags to add. */
  tags: string[];
  /** Confidence in `category`, 0..1, when the classifier has one (rules have none: they decide). */
  confidence?: number;
  /** True when `category` is only a suggestion for a human to confirm, not a decision. */
  suggestion?: boolean;
  /** Human-readable reasons, for an audit trail or a tooltip. */
  reasons?: string[];
  /** Which classifier supplied each field (set by {@link combineClassifiers}). */
  source?: { category?: string; priority?: string };
}

/**
 * The classifier port: anything that turns a ticket's text into a {@link ClassifierResult}.
 * {@link RuleClassifier} and {@link NaiveBayesModel} implement it; a team can plug in its own
 * model or an LLM service.
 *
 * @example
 * ```ts
 * const llm: Classifier = {
 *   name: 'llm',
 *   async classify({ title, description }) {
 *     const r = await callMyModel(`${title}\n${description ?? ''}`);
 *     return { category: r.category, tags: [], confidence: r.score, suggestion: r.score < 0.8 };
 *   },
 * };
 * ```
 */
export interface Classifier {
  /** Shown in {@link ClassifierResult.source} and reasons. */
  readonly name?: string;
  /** Classifies one ticket. May be synchronous or asynchronous. */
  classify(input: ClassifierInput): Promise<ClassifierResult> | ClassifierResult;
}

/** A rule set checked by {@link defineRules}; also a {@link Classifier}. */
export interface RuleClassifier extends Classifier {
  /** Always `rules`. */
  readonly name: 'rules';
  /** The validated rules, frozen, in definition order. */
  readonly rules: readonly ClassificationRule[];
  /** Classifies a plain string (matched by every rule regardless of `field`) or a ticket. */
  classify(input: string | ClassifierInput): RuleResult;
}

/** One labelled example for training or evaluation. */
export interface LabeledExample {
  /** The ticket text (title and description joined, or either). */
  text: string;
  /** Its correct label (e.g. the category a human resolved it with). */
  label: string;
}

/** Options of {@link trainClassifier}. */
export interface TrainOptions {
  /**
   * Add CJK character bigrams to the features (see {@link TokenizeOptions.bigrams}). Off by default:
   * on the generated benchmark set they did not help (see `docs/guides/classification.md`).
   * @default false
   */
  bigrams?: boolean;
  /** Laplace (additive) smoothing constant, > 0. @default 1 */
  alpha?: number;
  /** Predictions with a posterior below this are suggestions, not decisions. 0..1. @default 0.6 */
  threshold?: number;
}

/** One label's posterior probability. */
export interface LabelScore {
  /** The label. */
  label: string;
  /** Its posterior probability, 0..1; all `p` of a prediction sum to 1. */
  p: number;
}

/** What a {@link NaiveBayesModel} predicts for one text. */
export interface Prediction {
  /** The most probable label (ties go to the label seen first in training). */
  label: string;
  /** The posterior probability of `label`, 0..1. */
  confidence: number;
  /** True when `confidence` is below the model's threshold: show it, do not apply it. */
  suggestion: boolean;
  /** Every label's posterior, most probable first. */
  scores: LabelScore[];
}

/** Precision, recall and support of one label. */
export interface ClassMetrics {
  /** Of the examples predicted as this label, the share that had it (0 if none were predicted). */
  precision: number;
  /** Of the examples that had this label, the share predicted as it (0 if none had it). */
  recall: number;
  /** How many examples had this label. */
  support: number;
}

/** The result of {@link NaiveBayesModel.evaluate}. */
export interface Evaluation {
  /** Share of examples whose top label was correct, 0..1 (suggestions included). */
  accuracy: number;
  /** Metrics per label, for every label seen in the examples or the predictions. */
  perClass: Record<string, ClassMetrics>;
  /** `confusion[actual][predicted]` = count; only non-zero cells are present. */
  confusion: Record<string, Record<string, number>>;
  /** Share of examples predicted with confidence at or above the threshold (decisions). */
  coverage: number;
  /** Accuracy over those decisions only (0 when there are none). */
  decidedAccuracy: number;
}

/** Serialised form of a {@link NaiveBayesModel}; plain JSON. */
export interface NaiveBayesJSON {
  /** Format tag, always `ticketkit.naive-bayes`. */
  format: 'ticketkit.naive-bayes';
  /** Format version, currently 1. */
  version: 1;
  /** Labels in training order. */
  labels: string[];
  /** Training documents per label, aligned with `labels`. */
  docCounts: number[];
  /** `[token, countsPerLabel]` pairs (an array, so tokens like `__proto__` stay data). */
  vocabulary: [string, number[]][];
  /** Smoothing constant. */
  alpha: number;
  /** Whether CJK bigrams were used. */
  bigrams: boolean;
  /** Suggestion threshold. */
  threshold: number;
}

/**
 * A trained multinomial naive Bayes text classifier. Immutable; also a {@link Classifier} whose
 * label becomes the `category`.
 */
export interface NaiveBayesModel extends Classifier {
  /** Always `naive-bayes`. */
  readonly name: 'naive-bayes';
  /** Labels in training order. */
  readonly labels: readonly string[];
  /** Number of distinct features (tokens) seen in training. */
  readonly vocabularySize: number;
  /** Suggestion threshold. */
  readonly threshold: number;
  /** Predicts the label of one text. */
  predict(text: string): Prediction;
  /** Scores the model on labelled examples (typically a held-out set from {@link splitDataset}). */
  evaluate(examples: readonly LabeledExample[]): Evaluation;
  /** The category is the predicted label; below the threshold it is marked as a suggestion. */
  classify(input: ClassifierInput): ClassifierResult;
  /** A plain-JSON snapshot for {@link loadClassifier}; `JSON.stringify(model)` uses it. */
  toJSON(): NaiveBayesJSON;
}

/** Options of {@link splitDataset}. */
export interface SplitOptions {
  /** Share of examples held out for testing, 0 < testShare < 1. @default 0.2 */
  testShare?: number;
  /** Seed of the shuffle: the same seed and input always give the same split. @default 0 */
  seed?: number;
  /** Hold out the same share of every label, so rare labels appear in both sets. @default true */
  stratify?: boolean;
}

/** Options of {@link tokenize}. */
export interface TokenizeOptions {
  /**
   * Also emit overlapping character bigrams for each run of CJK characters (skipping a bigram
   * that is already a word), which makes matching robust to segmentation noise and typos.
   * @default false
   */
  bigrams?: boolean;
}

/** A ticket as stored in a {@link SimilarityIndex}. */
export interface SimilarDocument {
  /** Title; indexed. */
  title: string;
  /** Description; indexed. */
  description?: string;
  /** Root cause or resolution note; not indexed, reported by `suggestRootCause`. */
  resolution?: string;
}

/** One similar ticket. */
export interface SimilarResult {
  /** The ticket's id. */
  id: string;
  /** Its BM25 score (> 0; higher is more similar; not comparable across queries). */
  score: number;
}

/** Options of {@link SimilarityIndex.similar}. */
export interface SimilarOptions {
  /** Maximum number of results. @default 5 */
  limit?: number;
  /** Drop results scoring below this. @default 0 (any shared term) */
  minScore?: number;
}

/** One suggested root cause. */
export interface RootCauseSuggestion {
  /** The resolution text (as first seen among the results). */
  cause: string;
  /** How many of the results share it (compared after trimming and folding case and spaces). */
  count: number;
  /** Those results' ids, in result order. */
  ids: string[];
}

/** Options of {@link createSimilarityIndex}. */
export interface SimilarityIndexOptions {
  /** BM25 term-frequency saturation. @default 1.2 */
  k1?: number;
  /** BM25 length normalisation, 0..1. @default 0.75 */
  b?: number;
  /** Index CJK character bigrams as well as words (better recall, twice the index). @default false */
  bigrams?: boolean;
}

/**
 * An in-memory BM25 index over ticket titles and descriptions, with an inverted index so a query
 * only touches the tickets that share a term with it.
 */
export interface SimilarityIndex {
  /** Number of indexed tickets. */
  readonly size: number;
  /** Adds a ticket, replacing any ticket with the same id. */
  add(id: string, doc: SimilarDocument): void;
  /** Removes a ticket; returns false if it was not indexed. */
  remove(id: string): boolean;
  /** True if the id is indexed. */
  has(id: string): boolean;
  /**
   * The most similar tickets, best first (ties by id). A string is query text; `{ id }` uses an
   * indexed ticket as the query and leaves it out of the results.
   */
  similar(
    query: string | { id: string } | ClassifierInput,
    options?: SimilarOptions,
  ): SimilarResult[];
  /** The most frequent resolutions among `results`, most frequent first (ties: higher total score). */
  suggestRootCause(
    results: readonly SimilarResult[],
    options?: {
      /** Maximum number of causes. @default 3 */
      limit?: number;
    },
  ): RootCauseSuggestion[];
}
