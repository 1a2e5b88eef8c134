import { ValidationError } from '../errors/index';
import type { Classifier, ClassifierInput, ClassifierResult } from './types';

export function combine(classifiers: readonly Classifier[]): Classifier {
  if (!Array.isArray(classifiers) || classifiers.length === 0)
    throw new ValidationError(
      [
        {
          code: 'too_small',
          path: [],
          message: 'needs at least one classifier, e.g. [rules, model]',
        },
      ],
      { context: 'combineClassifiers' },
    );
  const bad = classifiers.flatMap((c, i) =>
    typeof c?.classify === 'function'
      ? []
      : [
          {
            code: 'invalid_type',
            path: [i],
            message: 'must have a classify(input) method (see the Classifier port)',
          },
        ],
  );
  if (bad.length > 0) throw new ValidationError(bad, { context: 'combineClassifiers' });
  const list = [...classifiers];
  return {
    name: 'combined',
    async classify(input: ClassifierInput): Promise<ClassifierResult> {
      const out: ClassifierResult = { tags: [], reasons: [], source: {} };
      const tags = new Set<string>();
      let suggested:
        | { category: string; confidence: number | undefined; source: string }
        | undefined;
      for (let i = 0; i < list.length; i++) {
        // Later classifiers (a model, an LLM) are only consulted while something is still open.
        if (out.category !== undefined && out.priority !== undefined) break;
        const c = list[i]!;
        const name = c.name ?? `classifier#${i}`;
        const r = await c.classify(input);
        if (r.category !== undefined && out.category === undefined) {
          if (r.suggestion) {
            suggested ??= { category: r.category, confidence: r.confidence, source: name };
          } else {
            out.category = r.category;
            if (r.confidence !== undefined) out.confidence = r.confidence;
            out.source!.category = name;
          }
        }
        if (r.priority !== undefined && out.priority === undefined) {
          out.priority = r.priority;
          out.source!.priority = name;
        }
        for (const t of r.tags ?? []) tags.add(t);
        for (const reason of r.reasons ?? []) out.reasons!.push(`${name}: ${reason}`);
      }
      if (out.category === undefined && suggested) {
        out.category = suggested.category;
        out.suggestion = true;
        if (suggested.confidence !== undefined) out.confidence = suggested.confidence;
        out.source!.category = suggested.source;
      }
      out.tags = [...tags];
      return out;
    },
  };
}
