import fc from 'fast-check';
import { createSimilarityIndex, ValidationError } from 'ticketkit';
import { describe, expect, it } from 'vitest';
import { naiveDocs, naiveSimilar } from './_naive';
import { generateTickets } from './_tickets';

/** Textbook BM25 term weight, written out independently of the implementation. */
function bm25(tf: number, len: number, avgdl: number, df: number, n: number, k1 = 1.2, b = 0.75) {
  const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
  return (idf * (tf * (k1 + 1))) / (tf + k1 * (1 - b + (b * len) / avgdl));
}

describe('createSimilarityIndex (BM25)', () => {
  const index = createSimilarityIndex();
  index.add('d1', { title: 'printer jam', resolution: 'Worn pickup roller' });
  index.add('d2', {
    title: 'printer offline',
    description: 'printer',
    resolution: 'worn  pickup roller ',
  });
  index.add('d3', { title: 'network down', resolution: 'router firmware' });

  it('scores a small corpus as computed by hand', () => {
    // N = 3, avgdl = 7/3; "printer": df = 2 → idf = ln 1.6
    const r = index.similar('printer');
    expect(r.map((x) => x.id)).toEqual(['d2', 'd1']);
    expect(r[0]!.score).toBeCloseTo(0.5981864372218454, 12);
    expect(r[1]!.score).toBeCloseTo(0.4991762683023676, 12);
    expect(r[1]!.score).toBeCloseTo(bm25(1, 2, 7 / 3, 2, 3), 12);
    // "printer jam": d1 adds jam (df 1, idf ln 2.6667)
    const r2 = index.similar('Printer JAM!');
    expect(r2[0]).toEqual({
      id: 'd1',
      score: expect.closeTo(0.4991762683023676 + 1.041708310095213, 12),
    });
    expect(index.similar('打印机')).toEqual([]);
  });

  it('queries by id without returning the ticket itself, honours limit and minScore', () => {
    expect(index.similar({ id: 'd1' }).map((x) => x.id)).toEqual(['d2']);
    expect(index.similar({ id: 'nope' })).toEqual([]);
    expect(index.similar('printer', { limit: 1 }).map((x) => x.id)).toEqual(['d2']);
    expect(index.similar('printer', { minScore: 0.55 }).map((x) => x.id)).toEqual(['d2']);
    expect(index.similar({ title: 'network', description: 'down' })[0]!.id).toBe('d3');
    expect(() => index.similar('x', { limit: -1 })).toThrow(ValidationError);
  });

  it('suggests the most frequent root causes among the results', () => {
    const hits = index.similar('printer network');
    expect(index.suggestRootCause(hits)).toEqual([
      // grouped after trimming and folding case/spaces; the text is the first result's
      { cause: 'worn  pickup roller', count: 2, ids: ['d2', 'd1'] },
      { cause: 'router firmware', count: 1, ids: ['d3'] },
    ]);
    expect(index.suggestRootCause(hits, { limit: 1 })).toHaveLength(1);
  });

  it('replaces on re-add and forgets on remove (df and N follow)', () => {
    const ix = createSimilarityIndex();
    ix.add('a', { title: 'printer jam' });
    ix.add('b', { title: 'printer offline printer' });
    ix.add('c', { title: 'network down' });
    ix.add('c', { title: 'network down' });
    expect(ix.size).toBe(3);
    expect(ix.similar('printer')[1]!.score).toBeCloseTo(bm25(1, 2, 7 / 3, 2, 3), 12);
    expect(ix.remove('b')).toBe(true);
    expect(ix.remove('b')).toBe(false);
    expect(ix.has('b')).toBe(false);
    // N = 2, avgdl = 2, df(printer) = 1
    expect(ix.similar('printer')).toEqual([
      { id: 'a', score: expect.closeTo(bm25(1, 2, 2, 1, 2), 12) },
    ]);
    ix.add('d', { title: 'printer' }); // reuses the freed slot
    expect(ix.similar('printer').map((x) => x.id)).toEqual(['d', 'a']);
  });

  it('handles Chinese text through the same tokenizer', () => {
    const ix = createSimilarityIndex();
    ix.add('t1', { title: '三楼打印机卡纸', resolution: '搓纸轮老化' });
    ix.add('t2', { title: 'VPN连不上', resolution: '证书过期' });
    ix.add('t3', { title: '打印机卡纸了', description: '急', resolution: '搓纸轮老化' });
    const hits = ix.similar('打印机又卡纸');
    expect(hits.map((h) => h.id)).toEqual(['t1', 't3']);
    expect(ix.suggestRootCause(hits)[0]).toEqual({
      cause: '搓纸轮老化',
      count: 2,
      ids: ['t1', 't3'],
    });
  });

  it('the inverted index returns exactly what a naive full scan returns (property)', () => {
    const words = [
      'printer',
      'jam',
      'wifi',
      '网络',
      '打印机',
      '卡纸',
      'down',
      '密码',
      'vpn',
      '慢',
      'a',
      'the',
    ];
    const doc = fc.record({
      title: fc
        .array(fc.constantFrom(...words), { minLength: 0, maxLength: 6 })
        .map((w) => w.join(' ')),
      description: fc.array(fc.constantFrom(...words), { maxLength: 8 }).map((w) => w.join('')),
    });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), doc), { minLength: 1, maxLength: 60 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 10 }),
        fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 8 }),
        fc.boolean(),
        (entries, removals, queryWords, limit, bigrams) => {
          const ix = createSimilarityIndex({ bigrams });
          const live = new Map<string, { id: string; title: string; description: string }>();
          for (const [n, d] of entries) {
            const id = `t${n}`;
            ix.add(id, d);
            live.delete(id);
            live.set(id, { id, ...d });
          }
          for (const n of removals) {
            ix.remove(`t${n}`);
            live.delete(`t${n}`);
          }
          const q = queryWords.join(' ');
          expect(ix.similar(q, { limit })).toEqual(
            naiveSimilar(naiveDocs([...live.values()], bigrams), q, { limit, bigrams }),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('matches the full scan on generated tickets too', () => {
    const data = generateTickets({ seed: 11, perCategory: 100 });
    const ix = createSimilarityIndex();
    data.forEach((t, i) => {
      ix.add(`T${i}`, t);
    });
    const docs = naiveDocs(data.map((t, i) => ({ id: `T${i}`, ...t })));
    for (const q of generateTickets({ seed: 12, perCategory: 5 }))
      expect(ix.similar(q.text)).toEqual(naiveSimilar(docs, q.text));
  });

  it('validates options and documents', () => {
    expect(() => createSimilarityIndex({ b: 2 })).toThrow(ValidationError);
    expect(() => index.add('', { title: 'x' })).toThrow(/id/);
    expect(() => index.add('x', { title: 1 as never })).toThrow(/title/);
  });
});
