import { loadClassifier, splitDataset, trainClassifier, ValidationError } from 'ticketkit';
import { describe, expect, it } from 'vitest';
import { generateTickets } from './_tickets';

// Hand-computable corpus: |V| = 5 (apple banana cherry car engine), α = 1.
// fruit: 2 docs, tokens apple×3 banana cherry (5); auto: 1 doc, car engine (2).
const TINY = [
  { text: 'apple banana', label: 'fruit' },
  { text: 'apple apple cherry', label: 'fruit' },
  { text: 'car engine', label: 'auto' },
];

describe('trainClassifier (multinomial naive Bayes)', () => {
  it('gives the exact posteriors of a hand-computed example', () => {
    const m = trainClassifier(TINY);
    expect(m.labels).toEqual(['fruit', 'auto']);
    expect(m.vocabularySize).toBe(5);
    // fruit: 2/3 · (3+1)/(5+5) · (0+1)/(5+5) = 2/75;  auto: 1/3 · (0+1)/(2+5) · (1+1)/(2+5) = 2/147
    // P(fruit | "apple car") = (2/75) / (2/75 + 2/147) = 147/222
    const p = m.predict('Apple CAR');
    expect(p.label).toBe('fruit');
    expect(p.confidence).toBeCloseTo(147 / 222, 14);
    expect(p.scores.map((s) => s.label)).toEqual(['fruit', 'auto']);
    expect(p.scores[1]!.p).toBeCloseTo(75 / 222, 14);
    expect(p.suggestion).toBe(false); // 0.662 ≥ 0.6
    // unseen tokens are ignored
    expect(m.predict('apple car zebra').confidence).toBeCloseTo(147 / 222, 14);
    // no known token: the prior
    expect(m.predict('').confidence).toBeCloseTo(2 / 3, 14);
    // engine: fruit 2/3·1/10 = 1/15, auto 1/3·2/7 = 2/21 → auto = (2/21)/(1/15+2/21) = 10/17
    expect(m.predict('engine').label).toBe('auto');
    expect(m.predict('engine').confidence).toBeCloseTo(10 / 17, 14);
  });

  it('marks predictions below the threshold as suggestions', () => {
    const m = trainClassifier(TINY);
    expect(m.predict('engine').suggestion).toBe(true); // 10/17 ≈ 0.588 < 0.6
    expect(trainClassifier(TINY, { threshold: 0.5 }).predict('engine').suggestion).toBe(false);
    expect(m.classify({ title: 'engine' })).toMatchObject({
      category: 'auto',
      suggestion: true,
      tags: [],
    });
  });

  it('honours alpha and stays finite on very long texts (log space)', () => {
    const m = trainClassifier(TINY, { alpha: 0.5 });
    // fruit: 2/3 · 3.5/7.5 · 0.5/7.5 ; auto: 1/3 · 0.5/4.5 · 1.5/4.5
    const f = (2 / 3) * (3.5 / 7.5) * (0.5 / 7.5);
    const a = (1 / 3) * (0.5 / 4.5) * (1.5 / 4.5);
    expect(m.predict('apple car').confidence).toBeCloseTo(f / (f + a), 14);
    const p = m.predict('apple '.repeat(20000));
    expect(p.label).toBe('fruit');
    expect(Number.isFinite(p.confidence)).toBe(true);
    expect(p.confidence).toBe(1);
  });

  it('round-trips through JSON with identical predictions', () => {
    const data = generateTickets({ seed: 3, perCategory: 40 });
    const m = trainClassifier(data, { bigrams: true, threshold: 0.7 });
    const json = JSON.stringify(m);
    const back = loadClassifier(json);
    expect(back.labels).toEqual(m.labels);
    expect(back.threshold).toBe(0.7);
    expect(back.toJSON()).toEqual(m.toJSON());
    for (const t of data.slice(0, 50)) expect(back.predict(t.text)).toEqual(m.predict(t.text));
    expect(loadClassifier(m.toJSON()).predict('打印机卡纸')).toEqual(m.predict('打印机卡纸'));
  });

  it('keeps odd tokens such as __proto__ as data', () => {
    const m = trainClassifier([
      { text: '__proto__ constructor', label: 'a' },
      { text: 'hello', label: 'b' },
    ]);
    const back = loadClassifier(JSON.parse(JSON.stringify(m)));
    expect(back.predict('__proto__').label).toBe('a');
  });

  it('rejects bad input and bad JSON with ValidationError issues', () => {
    expect(() => trainClassifier([])).toThrow(ValidationError);
    expect(() => trainClassifier([{ text: 'x', label: '' }])).toThrow(/\[0\]\.label/);
    expect(() => trainClassifier(TINY, { alpha: 0 })).toThrow(/alpha/);
    expect(() => loadClassifier('{')).toThrow(ValidationError);
    expect(() => loadClassifier({ format: 'other' } as never)).toThrow(/format/);
    const bad = { ...trainClassifier(TINY).toJSON(), version: 2, docCounts: [1] };
    try {
      loadClassifier(bad as never);
      expect.unreachable();
    } catch (e) {
      expect((e as ValidationError).issues.map((i) => i.path[0])).toEqual(['version', 'docCounts']);
    }
  });
});

describe('evaluate', () => {
  it('computes accuracy, per-class precision/recall/support and the confusion matrix', () => {
    const m = trainClassifier(TINY);
    const ev = m.evaluate([
      { text: 'apple', label: 'fruit' }, // → fruit ✓
      { text: 'banana car', label: 'fruit' }, // fruit 2/3·2/10·1/10=1/75 vs auto 1/3·1/7·2/7=2/147 → auto ✗
      { text: 'engine car', label: 'auto' }, // → auto ✓
      { text: 'cherry', label: 'auto' }, // → fruit ✗
    ]);
    expect(ev.accuracy).toBe(0.5);
    expect(ev.confusion).toEqual({ fruit: { fruit: 1, auto: 1 }, auto: { auto: 1, fruit: 1 } });
    expect(ev.perClass).toEqual({
      fruit: { precision: 0.5, recall: 0.5, support: 2 },
      auto: { precision: 0.5, recall: 0.5, support: 2 },
    });
    expect(ev.coverage).toBeGreaterThan(0);
    expect(trainClassifier(TINY).evaluate([]).accuracy).toBe(0);
  });
});

describe('splitDataset', () => {
  const data = generateTickets({ seed: 5, perCategory: 50 });

  it('is deterministic for a seed, stratified, order-preserving and a partition', () => {
    const a = splitDataset(data, { testShare: 0.2, seed: 42 });
    const b = splitDataset(data, { testShare: 0.2, seed: 42 });
    expect(a).toEqual(b);
    expect(a.test.length).toBe(60);
    expect(a.train.length + a.test.length).toBe(data.length);
    const counts = new Map<string, number>();
    for (const t of a.test) counts.set(t.label, (counts.get(t.label) ?? 0) + 1);
    const perLabel = new Map<string, number>();
    for (const t of data) perLabel.set(t.label, (perLabel.get(t.label) ?? 0) + 1);
    for (const [label, n] of perLabel) expect(counts.get(label)).toBe(Math.round(n * 0.2));
    const pos = new Map(data.map((t, i) => [t, i]));
    const idx = a.train.map((t) => pos.get(t)!);
    expect(idx).toEqual([...idx].sort((x, y) => x - y));
    expect(new Set([...a.train, ...a.test]).size).toBe(data.length);
    expect(splitDataset(data, { seed: 43 }).test).not.toEqual(a.test);
  });

  it('validates testShare', () => {
    expect(() => splitDataset(data, { testShare: 1 })).toThrow(ValidationError);
  });
});
