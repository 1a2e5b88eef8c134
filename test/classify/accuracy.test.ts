/**
 * The headline test: on a seeded, template-generated set of Chinese and English tickets, the
 * learned classifier (trained on 80%) beats a sensible keyword rule set on the held-out 20%.
 */
import { defineRules, splitDataset, trainClassifier } from 'ticketkit';
import { describe, expect, it } from 'vitest';
import { CATEGORIES, generateTickets, KEYWORD_RULES } from './_tickets';

describe('classifier accuracy on generated tickets', () => {
  const data = generateTickets({ seed: 20260105, perCategory: 400 });
  const { train, test } = splitDataset(data, { testShare: 0.2, seed: 7 });
  const rules = defineRules(KEYWORD_RULES);

  it('naive Bayes beats the keyword rules and reaches at least 0.85', () => {
    const ruleHits = test.filter(
      (t) => rules.classify({ title: t.title, description: t.description }).category === t.label,
    ).length;
    const ruleAccuracy = ruleHits / test.length;
    const ruleUnset = test.filter(
      (t) => rules.classify({ title: t.title, description: t.description }).category === undefined,
    ).length;
    const model = trainClassifier(train);
    const ev = model.evaluate(test);
    const withBigrams = trainClassifier(train, { bigrams: true }).evaluate(test);
    const rows = CATEGORIES.map((c) => {
      const m = ev.perClass[c]!;
      return `  ${c.padEnd(9)} precision ${m.precision.toFixed(3)}  recall ${m.recall.toFixed(3)}  support ${m.support}`;
    });
    console.log(
      [
        `classification accuracy on ${test.length} held-out tickets (trained on ${train.length}):`,
        `  keyword rules      ${ruleAccuracy.toFixed(3)} (no category for ${ruleUnset})`,
        `  naive Bayes        ${ev.accuracy.toFixed(3)} (coverage at p≥0.6: ${ev.coverage.toFixed(3)}, accuracy there ${ev.decidedAccuracy.toFixed(3)})`,
        `  NB + CJK bigrams   ${withBigrams.accuracy.toFixed(3)}`,
        ...rows,
      ].join('\n'),
    );
    expect(ev.accuracy).toBeGreaterThanOrEqual(0.85);
    expect(ev.accuracy).toBeGreaterThan(ruleAccuracy);
    // the rules are not a strawman: they get most tickets right
    expect(ruleAccuracy).toBeGreaterThan(0.6);
  });

  it('reports rules first with the model as fallback (what combineClassifiers does)', () => {
    const model = trainClassifier(train);
    let combinedHits = 0;
    for (const t of test) {
      const r = rules.classify({ title: t.title, description: t.description });
      const category = r.category ?? model.predict(t.text).label;
      if (category === t.label) combinedHits++;
    }
    console.log(`  rules → NB fallback ${(combinedHits / test.length).toFixed(3)}`);
    expect(combinedHits / test.length).toBeGreaterThan(0.6);
  });
});
