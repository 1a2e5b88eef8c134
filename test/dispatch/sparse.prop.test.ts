import fc from 'fast-check';
import munkres from 'munkres';
import { describe, expect, it } from 'vitest';
import { sparseAssignment } from '../../src/dispatch/_sparse';

const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`sparseAssignment properties: fast-check seed ${seed} (replay with FC_SEED=${seed})`);

/** Best total over every partial matching of rows to their edges (a row may stay out: 0). */
function bruteForce(edges: Map<number, number>[], nCols: number): number {
  const used = new Uint8Array(nCols);
  const go = (y: number): number => {
    if (y === edges.length) return 0;
    let best = go(y + 1);
    for (const [x, c] of edges[y]!) {
      if (used[x]) continue;
      used[x] = 1;
      best = Math.min(best, c + go(y + 1));
      used[x] = 0;
    }
    return best;
  };
  return go(0);
}

const instance = fc
  .record({
    nRows: fc.integer({ min: 0, max: 6 }),
    nCols: fc.integer({ min: 1, max: 6 }),
    // Integer costs make ties (and zero-cost edges) common, the hard case for tie handling.
    ties: fc.boolean(),
  })
  .chain(({ nRows, nCols, ties }) =>
    fc
      .array(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: nCols - 1 }),
            ties ? fc.integer({ min: -3, max: 1 }) : fc.double({ min: -1, max: 0.2, noNaN: true }),
          ),
          { maxLength: nCols },
        ),
        { minLength: nRows, maxLength: nRows },
      )
      .map((rows) => ({ nCols, rows: rows.map((r) => new Map(r)) })),
  );

describe('sparseAssignment', () => {
  it('matches each row to one of its own columns, never a column twice, at the brute-force optimum', () => {
    fc.assert(
      fc.property(instance, ({ nCols, rows }) => {
        const rowStart = new Int32Array(rows.length + 1);
        const col: number[] = [];
        const cost: number[] = [];
        rows.forEach((m, y) => {
          for (const [x, c] of m) {
            col.push(x);
            cost.push(c);
          }
          rowStart[y + 1] = col.length;
        });
        const match = sparseAssignment(
          rowStart,
          Int32Array.from(col),
          Float64Array.from(cost),
          rows.length,
          nCols,
        );
        const taken = new Set<number>();
        let total = 0;
        match.forEach((x, y) => {
          if (x < 0) return;
          expect(rows[y]!.has(x)).toBe(true);
          expect(taken.has(x)).toBe(false);
          taken.add(x);
          total += rows[y]!.get(x)!;
        });
        expect(total).toBeCloseTo(bruteForce(rows, nCols), 9);
      }),
      { numRuns: 500, seed },
    );
  });

  it('equals munkres on the dense matrix (0 = infeasible) for larger instances', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (nRows, nCols, density, s) => {
          let a = s >>> 0;
          const rnd = () => {
            a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
            return a / 2 ** 32;
          };
          const n = Math.max(nRows, nCols);
          const dense = Array.from({ length: n }, () => new Array<number>(n).fill(0));
          const rowStart = new Int32Array(nRows + 1);
          const col: number[] = [];
          const cost: number[] = [];
          for (let y = 0; y < nRows; y++) {
            for (let x = 0; x < nCols; x++) {
              if (rnd() >= density) continue;
              // A few distinct values, so ties between columns are common.
              const c = -Math.ceil(rnd() * 8) / 8;
              dense[y]![x] = c;
              col.push(x);
              cost.push(c);
            }
            rowStart[y + 1] = col.length;
          }
          const match = sparseAssignment(
            rowStart,
            Int32Array.from(col),
            Float64Array.from(cost),
            nRows,
            nCols,
          );
          let total = 0;
          match.forEach((x, y) => {
            if (x >= 0) total += dense[y]![x]!;
          });
          let best = 0;
          for (const [y, x] of munkres(dense)) best += dense[y]![x]!;
          expect(total).toBeCloseTo(best, 9);
        },
      ),
      { numRuns: 200, seed },
    );
  });
});
