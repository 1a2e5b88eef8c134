import { ValidationError, type ValidationIssue } from '../errors/index';
import { PRIORITIES, type Priority } from '../ticket/index';
import { checkRegexSafety } from './_regex-safety';
import { fold, isLatinWordChar, wordBoundaries } from './_text';
import type {
  ClassificationRule,
  ClassifierInput,
  FiredRule,
  RuleClassifier,
  RuleMatch,
  RuleResult,
  TermMatch,
} from './types';

const CONTEXT = 'defineRules';
const FIELDS = ['title', 'description', 'both'] as const;
const MATCHES = ['auto', 'substring', 'word'] as const;
const RULE_KEYS = new Set(['name', 'when', 'set', 'weight']);
const WHEN_KEYS = new Set(['any', 'all', 'none', 'regex', 'field', 'match']);
const SET_KEYS = new Set(['category', 'priority', 'tags']);
const MAX_ISSUES = 50;

interface Term {
  raw: string;
  folded: string;
  // Whether each edge is a Latin word character (needs a boundary in auto mode).
  latinStart: boolean;
  latinEnd: boolean;
}

interface CompiledRule {
  rule: ClassificationRule;
  order: number;
  weight: number;
  field: 'title' | 'description' | 'both';
  match: TermMatch;
  any: Term[];
  all: Term[];
  none: Term[];
  regex: RegExp | undefined;
}

type FieldName = RuleMatch['field'];

/** Folded text and lazily computed segment boundaries of one field of one input. */
class FieldText {
  readonly folded: string;
  #bounds: { starts: Set<number>; ends: Set<number> } | undefined;
  constructor(
    readonly name: FieldName,
    readonly original: string,
  ) {
    this.folded = fold(original);
  }
  get bounds(): { starts: Set<number>; ends: Set<number> } {
    this.#bounds ??= wordBoundaries(this.folded);
    return this.#bounds;
  }
}

function toTerm(raw: string): Term {
  const folded = fold(raw);
  return {
    raw,
    folded,
    latinStart: isLatinWordChar(folded.charCodeAt(0)),
    latinEnd: isLatinWordChar(folded.charCodeAt(folded.length - 1)),
  };
}

function findTerm(f: FieldText, t: Term, mode: TermMatch): number {
  const text = f.folded;
  let from = 0;
  for (;;) {
    const at = text.indexOf(t.folded, from);
    if (at < 0) return -1;
    const end = at + t.folded.length;
    let ok: boolean;
    if (mode === 'substring') ok = true;
    else if (mode === 'word') ok = f.bounds.starts.has(at) && f.bounds.ends.has(end);
    else
      ok =
        (!t.latinStart || at === 0 || !isLatinWordChar(text.charCodeAt(at - 1))) &&
        (!t.latinEnd || end === text.length || !isLatinWordChar(text.charCodeAt(end)));
    if (ok) return at;
    from = at + 1;
  }
}

function matchTerm(fields: FieldText[], t: Term, mode: TermMatch): RuleMatch | undefined {
  for (const f of fields) {
    const at = findTerm(f, t, mode);
    if (at >= 0)
      return {
        field: f.name,
        text: f.original.slice(at, at + t.folded.length),
        index: at,
        term: t.raw,
      };
  }
  return undefined;
}

function evaluateRule(r: CompiledRule, all: FieldText[]): RuleMatch[] | undefined {
  const fields =
    r.field === 'both' || all[0]!.name === 'text' ? all : all.filter((f) => f.name === r.field);
  for (const t of r.none) if (matchTerm(fields, t, r.match)) return undefined;
  const matched: RuleMatch[] = [];
  if (r.any.length > 0) {
    let hit = false;
    for (const t of r.any) {
      const m = matchTerm(fields, t, r.match);
      if (m) {
        matched.push(m);
        hit = true;
      }
    }
    if (!hit) return undefined;
  }
  for (const t of r.all) {
    const m = matchTerm(fields, t, r.match);
    if (!m) return undefined;
    matched.push(m);
  }
  if (r.regex) {
    let m: RegExpExecArray | null = null;
    let field: FieldText | undefined;
    for (const f of fields) {
      m = r.regex.exec(f.original);
      if (m) {
        field = f;
        break;
      }
    }
    if (!m || !field) return undefined;
    matched.push({ field: field.name, text: m[0], index: m.index, term: 'regex' });
  }
  return matched;
}

function describe(m: RuleMatch): string {
  return m.field === 'text' ? `"${m.text}"` : `"${m.text}" in ${m.field}`;
}

function classifyWith(rules: readonly CompiledRule[], input: string | ClassifierInput): RuleResult {
  const fields =
    typeof input === 'string'
      ? [new FieldText('text', input)]
      : [
          new FieldText('title', input.title ?? ''),
          new FieldText('description', input.description ?? ''),
        ];
  const result: RuleResult = { tags: [], fired: [], reasons: [] };
  const tags = new Set<string>();
  for (const r of rules) {
    const matched = evaluateRule(r, fields);
    if (!matched) continue;
    const applied: FiredRule['applied'] = [];
    const set = r.rule.set;
    const decided: string[] = [];
    if (set.category !== undefined && result.category === undefined) {
      result.category = set.category;
      applied.push('category');
      decided.push(`category=${set.category}`);
    }
    if (set.priority !== undefined && result.priority === undefined) {
      result.priority = set.priority;
      applied.push('priority');
      decided.push(`priority=${set.priority}`);
    }
    const fresh = (set.tags ?? []).filter((t) => !tags.has(t));
    if (fresh.length > 0) {
      for (const t of fresh) tags.add(t);
      applied.push('tags');
      decided.push(`tags+=${fresh.join(',')}`);
    }
    result.fired.push({ rule: r.rule.name, matched, applied });
    result.reasons.push(
      `rule "${r.rule.name}" matched ${matched.map(describe).join(', ')}${
        decided.length > 0 ? ` → ${decided.join(' ')}` : ' (overridden)'
      }`,
    );
  }
  result.tags = [...tags];
  return result;
}

function closest(value: string, options: readonly string[]): string | undefined {
  const v = value.toLowerCase();
  if (v === '') return undefined;
  return options.find((o) => o.startsWith(v.slice(0, 1)) || v.includes(o));
}

function checkTerms(
  value: unknown,
  path: (string | number)[],
  issues: ValidationIssue[],
): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    issues.push({ code: 'invalid_type', path, message: 'must be an array of strings' });
    return undefined;
  }
  const out: string[] = [];
  value.forEach((t, i) => {
    if (typeof t !== 'string' || t.trim() === '') {
      issues.push({
        code: 'invalid_term',
        path: [...path, i],
        message: 'must be a non-empty string (an empty term would match every ticket)',
      });
    } else out.push(t.trim());
  });
  return out;
}

function compileRegex(
  value: unknown,
  path: (string | number)[],
  issues: ValidationIssue[],
): RegExp | undefined {
  if (value === undefined) return undefined;
  let source: string;
  let flags: string;
  if (value instanceof RegExp) {
    source = value.source;
    flags = value.flags.replace(/[gy]/g, '');
  } else if (typeof value === 'string' && value !== '') {
    source = value;
    flags = 'iu';
  } else {
    issues.push({ code: 'invalid_type', path, message: 'must be a RegExp or a non-empty string' });
    return undefined;
  }
  let re: RegExp;
  try {
    re = new RegExp(source, flags);
  } catch (e) {
    issues.push({
      code: 'invalid_regex',
      path,
      message: `is not a valid regular expression: ${(e as Error).message}`,
    });
    return undefined;
  }
  const problems = checkRegexSafety(source);
  for (const p of problems) issues.push({ code: 'unsafe_regex', path, message: p.message });
  return problems.length === 0 ? re : undefined;
}

function unknownKeys(
  obj: object,
  allowed: Set<string>,
  path: (string | number)[],
  issues: ValidationIssue[],
): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.has(k))
      issues.push({
        code: 'unrecognized_keys',
        path: [...path, k],
        message: `unknown key "${k}"; expected one of ${[...allowed].join(', ')}`,
      });
  }
}

function compileRule(
  raw: unknown,
  i: number,
  names: Set<string>,
  issues: ValidationIssue[],
): CompiledRule | undefined {
  const at = (...p: (string | number)[]) => [i, ...p];
  if (typeof raw !== 'object' || raw === null) {
    issues.push({ code: 'invalid_type', path: at(), message: 'must be a rule object' });
    return undefined;
  }
  const rule = raw as Partial<ClassificationRule>;
  const before = issues.length;
  unknownKeys(rule, RULE_KEYS, at(), issues);
  if (typeof rule.name !== 'string' || rule.name.trim() === '') {
    issues.push({ code: 'required', path: at('name'), message: 'must be a non-empty string' });
  } else if (names.has(rule.name)) {
    issues.push({
      code: 'duplicate',
      path: at('name'),
      message: `duplicate rule name "${rule.name}"; names identify rules in explanations`,
    });
  } else names.add(rule.name);
  const weight = rule.weight ?? 0;
  if (typeof weight !== 'number' || !Number.isFinite(weight)) {
    issues.push({ code: 'invalid_type', path: at('weight'), message: 'must be a finite number' });
  }
  const when = rule.when;
  let any: string[] | undefined;
  let all: string[] | undefined;
  let none: string[] | undefined;
  let regex: RegExp | undefined;
  if (typeof when !== 'object' || when === null) {
    issues.push({
      code: 'required',
      path: at('when'),
      message: 'must be an object such as { any: ["打印机", "printer"] }',
    });
  } else {
    unknownKeys(when, WHEN_KEYS, at('when'), issues);
    any = checkTerms(when.any, at('when', 'any'), issues);
    all = checkTerms(when.all, at('when', 'all'), issues);
    none = checkTerms(when.none, at('when', 'none'), issues);
    regex = compileRegex(when.regex, at('when', 'regex'), issues);
    if (!any?.length && !all?.length && when.regex === undefined) {
      issues.push({
        code: 'empty_condition',
        path: at('when'),
        message:
          'needs at least one of any, all (non-empty) or regex; none alone would match almost everything',
      });
    }
    if (when.field !== undefined && !FIELDS.includes(when.field)) {
      issues.push({
        code: 'invalid_enum',
        path: at('when', 'field'),
        message: `unknown field "${String(when.field)}"; use ${FIELDS.join(', ')}`,
      });
    }
    if (when.match !== undefined && !MATCHES.includes(when.match)) {
      issues.push({
        code: 'invalid_enum',
        path: at('when', 'match'),
        message: `unknown match mode "${String(when.match)}"; use ${MATCHES.join(', ')}`,
      });
    }
  }
  const set = rule.set;
  if (typeof set !== 'object' || set === null) {
    issues.push({
      code: 'required',
      path: at('set'),
      message: 'must be an object such as { category: "network" }',
    });
  } else {
    unknownKeys(set, SET_KEYS, at('set'), issues);
    if (set.category === undefined && set.priority === undefined && set.tags === undefined) {
      issues.push({
        code: 'empty_action',
        path: at('set'),
        message: 'sets nothing; give a category, a priority or tags',
      });
    }
    if (set.category !== undefined && (typeof set.category !== 'string' || set.category === '')) {
      issues.push({
        code: 'invalid_type',
        path: at('set', 'category'),
        message: 'must be a non-empty string',
      });
    }
    if (set.priority !== undefined && !PRIORITIES.includes(set.priority as Priority)) {
      const suggestion = closest(String(set.priority), PRIORITIES);
      issues.push({
        code: 'invalid_enum',
        path: at('set', 'priority'),
        message: `unknown priority "${String(set.priority)}"; use ${PRIORITIES.join(', ')}${
          suggestion ? `. Did you mean "${suggestion}"?` : ''
        }`,
        ...(suggestion ? { suggestion } : {}),
      });
    }
    if (set.tags !== undefined) checkTerms(set.tags, at('set', 'tags'), issues);
  }
  if (issues.length > before || !when) return undefined;
  return {
    rule: freezeRule(rule as ClassificationRule),
    order: i,
    weight,
    field: when.field ?? 'both',
    match: when.match ?? 'auto',
    any: (any ?? []).map(toTerm),
    all: (all ?? []).map(toTerm),
    none: (none ?? []).map(toTerm),
    regex,
  };
}

function freezeRule(r: ClassificationRule): ClassificationRule {
  const when = { ...r.when };
  for (const k of ['any', 'all', 'none'] as const) {
    const v = when[k];
    if (v) when[k] = Object.freeze([...v]);
  }
  const set = { ...r.set, ...(r.set.tags ? { tags: Object.freeze([...r.set.tags]) } : {}) };
  return Object.freeze({
    name: r.name,
    when: Object.freeze(when),
    set: Object.freeze(set),
    ...(r.weight === undefined ? {} : { weight: r.weight }),
  });
}

export function buildRuleClassifier(rules: readonly ClassificationRule[]): RuleClassifier {
  if (!Array.isArray(rules)) {
    throw new ValidationError(
      [{ code: 'invalid_type', path: [], message: 'rules must be an array of rule objects' }],
      { context: CONTEXT },
    );
  }
  const issues: ValidationIssue[] = [];
  const names = new Set<string>();
  const compiled: CompiledRule[] = [];
  rules.forEach((r, i) => {
    const c = compileRule(r, i, names, issues);
    if (c) compiled.push(c);
  });
  if (issues.length > 0) {
    const shown = issues.slice(0, MAX_ISSUES);
    if (issues.length > MAX_ISSUES)
      shown.push({
        code: 'too_many_issues',
        path: [],
        message: `and ${issues.length - MAX_ISSUES} more`,
      });
    throw new ValidationError(shown, { context: CONTEXT });
  }
  // Precedence is fixed here, once: highest weight first, then definition order.
  const ordered = [...compiled].sort((a, b) => b.weight - a.weight || a.order - b.order);
  return Object.freeze({
    name: 'rules' as const,
    rules: Object.freeze(compiled.map((c) => c.rule)),
    classify: (input: string | ClassifierInput) => classifyWith(ordered, input),
  });
}
