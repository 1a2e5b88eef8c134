/** M3 (malformed-CSV fuzz) and M6 (formula-injection safe export) properties. */
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { type ImportReport, neutralizeCsvCell, toCsv, validateImport } from 'ticketkit';
import { describe, expect, it } from 'vitest';

const TZ = { timeZone: 'Asia/Shanghai' } as const;
const CODES = new Set([
  'required',
  'invalid_enum',
  'invalid_date',
  'ambiguous_date',
  'mixed_date_order',
  'nonexistent_local_time',
  'ambiguous_local_time',
  'duplicate_id',
  'too_long',
  'invalid_value',
  'encoding_error',
  'malformed_csv',
  'duplicate_column',
  'unknown_column',
]);

function checkReport(r: ImportReport, rows: number): void {
  expect(r.validCount + r.invalidCount).toBe(r.total);
  expect(r.valid).toHaveLength(r.validCount);
  for (const i of [...r.errors, ...r.warnings]) {
    expect(CODES.has(i.code)).toBe(true);
    expect(Number.isInteger(i.row) && i.row >= 1 && i.row <= rows + 1).toBe(true);
    expect(typeof i.message).toBe('string');
  }
}

const cell = fc.oneof(
  fc.constantFrom('WO-1', '高', 'low', 'Hign', '2026-01-21', '03/04/2026', '', ' ', '标题'),
  fc.string({ maxLength: 12 }),
  fc.string({
    unit: fc.constantFrom('"', ',', ';', '\t', '\r', '\n', '\0', 'a', '中'),
    maxLength: 8,
  }),
);
const validCsv = fc
  .array(fc.array(cell, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 30 })
  .map((rows) => [['工单编号', '标题', '优先级', '创建时间'], ...rows]);

const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    s: fc.constantFrom('"', '\r', '\n', '\0', ';', '\t', '""', '\r\n', ',,,,,,,,,,,,,,,,,,,,,,'),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.nat(),
    n: fc.integer({ min: 1, max: 5 }),
  }),
  fc.record({ kind: fc.constant('dupHeader' as const) }),
);

function render(rows: string[][], eol: string): string {
  return rows
    .map((r) => r.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(','))
    .join(eol);
}

describe('M3: malformed CSV always ends in a report', () => {
  it('survives mutated CSV (unbalanced quotes, stray CR, NUL, mixed delimiters and line endings)', async () => {
    await fc.assert(
      fc.asyncProperty(
        validCsv,
        fc.array(mutation, { maxLength: 6 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.constantFrom(undefined, 5, 64),
        async (rows, muts, eol, maxRecordSize) => {
          let text = render(rows, eol);
          for (const m of muts) {
            if (m.kind === 'insert') {
              const at = m.at % (text.length + 1);
              text = text.slice(0, at) + m.s + text.slice(at);
            } else if (m.kind === 'delete') {
              const at = m.at % (text.length + 1);
              text = text.slice(0, at) + text.slice(at + m.n);
            } else text = `标题,${text}`;
          }
          const started = performance.now();
          const r = await validateImport(text, {
            ...TZ,
            ...(maxRecordSize ? { maxRecordSize } : {}),
          });
          expect(performance.now() - started).toBeLessThan(2000);
          const lines = text.split(/\r\n|\r|\n/).length;
          checkReport(r, lines);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('survives arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => {
        try {
          const r = await validateImport(bytes, TZ);
          checkReport(r, bytes.length + 1);
        } catch (e) {
          // The only allowed throw: bytes that are neither UTF-8 nor GB18030.
          expect(e).toMatchObject({ code: 'encoding_error' });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a 10 MB unterminated field via the record limit, quickly and in bounded memory', async () => {
    const text = `工单编号,标题,优先级\nA,"${'x'.repeat(10_000_000)}`;
    const before = process.memoryUsage().heapUsed;
    const started = performance.now();
    const r = await validateImport(text, TZ);
    const ms = performance.now() - started;
    expect(r.errors.map((e) => [e.row, e.code])).toEqual([[2, 'malformed_csv']]);
    expect(r.errors[0]!.message).toContain('maxRecordSize');
    expect(ms).toBeLessThan(5000);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('handles very wide rows', async () => {
    const wide = Array.from({ length: 20_000 }, (_, i) => `c${i}`);
    const r = await validateImport(`${wide.join(',')}\n${wide.join(',')}\n`, TZ);
    expect(r.warningCount).toBe(20_000);
    expect(r.warnings).toHaveLength(1000);
    expect(r.errors.map((e) => e.code)).toEqual(['required', 'required', 'required']);
  });
});

describe('M6: formula-injection safe export', () => {
  const TRIGGERS = ['=', '+', '-', '@', '\t', '\r', '\0', '＝', '＋', '－', '＠'];
  const risky = fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.constantFrom(...TRIGGERS), fc.string({ maxLength: 20 }))
        .map(([a, b]) => a + b),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
    {
      weight: 1,
      arbitrary: fc.string({
        unit: fc.constantFrom('"', ',', '\n', '\r', ' ', '=', 'a', '中'),
        maxLength: 10,
      }),
    },
  );
  const isTrigger = (s: string) => s.length > 0 && TRIGGERS.includes(s[0]!);

  it('neutralises every trigger cell and round-trips through csv-parse', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(risky, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 5 }),
        (cells) => {
          const rows = cells.map(([a, b, c]) => ({ a, b, c }));
          const csv = toCsv(rows, ['a', 'b', { key: 'c', header: '＝header' }]);
          const back = parse(csv, { relax_column_count: false }) as string[][];
          expect(back[0]).toEqual(['a', 'b', '＝header']);
          back.slice(1).forEach((r, i) => {
            const orig = [rows[i]!.a, rows[i]!.b, rows[i]!.c];
            r.forEach((got, j) => {
              expect(isTrigger(got)).toBe(false);
              const want = orig[j]!;
              expect(got).toBe(isTrigger(want) ? `'${want}` : want);
            });
          });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('neutralizeCsvCell leaves safe text alone', () => {
    expect(neutralizeCsvCell('=1+1')).toBe("'=1+1");
    expect(neutralizeCsvCell('＠SUM(A1)')).toBe("'＠SUM(A1)");
    expect(neutralizeCsvCell('工单 = 1')).toBe('工单 = 1');
    expect(neutralizeCsvCell('')).toBe('');
  });
});
