/**
 * Import validation for ticket spreadsheets (CSV in any common encoding, or XLSX): read,
 * normalise and check every row without storing anything, so a host can show a dry-run report
 * or feed validated batches to its store. See `docs/guides/import.md`.
 *
 * @module import
 */

import {
  type CsvColumn,
  type CsvWriteOptions,
  type ErrorReportOptions,
  errorReportCsvImpl,
  exportTemplateImpl,
  neutralizeCell,
  type TemplateOptions,
  toCsvImpl,
} from './_export';
import { ImportRun } from './_pipeline';
import type {
  ImportBatch,
  ImportedTicketRow,
  ImportInput,
  ImportIssue,
  ImportReport,
  ImportStreamOptions,
  ImportSummary,
  ValidateImportOptions,
} from './_types';

export { DEFAULT_PRIORITIES, DEFAULT_STATUSES, DEFAULT_TICKET_COLUMNS } from './_columns';
export type { CsvColumn, CsvWriteOptions, ErrorReportOptions, TemplateOptions } from './_export';
export type {
  ColumnSpec,
  DateOrder,
  EnumSpec,
  ImportBatch,
  ImportColumnMapping,
  ImportEncoding,
  ImportedTicketRow,
  ImportInput,
  ImportIssue,
  ImportIssueCode,
  ImportProgress,
  ImportReport,
  ImportStreamOptions,
  ImportSummary,
  LocalTimePolicy,
  ValidateImportOptions,
} from './_types';

/**
 * Validates a whole file and returns every valid row plus the problems found.
 *
 * Keeps all valid rows in memory; for large files use {@link iterateImport} or
 * {@link validateImportStream}. Malformed content never throws: it ends up in `errors`.
 * Throws `ValidationError` only for bad options and for undecodable bytes
 * (`code: 'encoding_error'`).
 *
 * When a date column turns out to mix day-first and month-first values, rows that used a
 * `DD/MM/YYYY`-style value in it are moved from `valid` to errors (`mixed_date_order`).
 *
 * @example
 * ```ts
 * const report = await validateImport(await readFile('tickets.csv'), { timeZone: 'Asia/Shanghai' });
 * if (!report.ok) console.log(errorReportCsv(report));
 * ```
 */
export async function validateImport(
  input: ImportInput,
  options: ValidateImportOptions,
): Promise<ImportReport> {
  const run = new ImportRun(input, { ...options, batchSize: 10_000 }, true);
  const valid: ImportedTicketRow[] = [];
  const gen = run.run();
  for (;;) {
    const r = await gen.next();
    if (r.done) break;
    for (const row of r.value.rows) valid.push(row);
  }
  const summary = run.summary;
  const mixed = run.engine.mixedColumns;
  if (mixed.size === 0) return { ...summary, valid };
  // A mixed column is only discovered after rows that trusted its first order were accepted.
  const rejected = new Map<ImportedTicketRow, ImportIssue[]>();
  for (const [key, header] of mixed) {
    for (const row of run.engine.dayMonthRows.get(key) ?? []) {
      const list = rejected.get(row) ?? [];
      list.push({
        code: 'mixed_date_order',
        severity: 'error',
        row: row.row,
        column: header,
        path: [key],
        value: null,
        message: `"${header}" mixes day-first and month-first dates, so this row's date cannot be trusted. Use YYYY-MM-DD, or fix the column and pass dateOrder.`,
      });
      rejected.set(row, list);
    }
  }
  const kept = valid.filter((r) => !rejected.has(r));
  const max = options.maxErrors ?? 1000;
  let errors = summary.errors;
  for (const list of rejected.values()) {
    summary.errorCount += list.length;
    errors = errors.concat(list);
  }
  errors.sort((a, b) => a.row - b.row);
  return {
    ...summary,
    errors: errors.slice(0, max),
    validCount: kept.length,
    invalidCount: summary.invalidCount + rejected.size,
    ok: false,
    valid: kept,
  };
}

/** An {@link iterateImport} run: iterate it for batches, then read its summary. */
export interface ImportIteration extends AsyncIterable<ImportBatch> {
  /** The final summary (totals, capped errors, warnings), once iteration has finished. */
  readonly summary: ImportSummary | undefined;
}

/**
 * Validates a file as a stream of batches, in bounded memory. Each batch covers a contiguous
 * range of rows (`lastRow` is a safe checkpoint) and carries that range's valid rows and
 * issues; nothing is kept after it is yielded. This is what `desk.import` builds on.
 *
 * Rows whose `DD/MM/YYYY` date waits for the column's order to be settled are held back (at
 * most `maxDeferredRows`), so batches stay in file order.
 *
 * @example
 * ```ts
 * const it = iterateImport(createReadStream('big.csv'), { timeZone: 'Asia/Shanghai', batchSize: 500 });
 * for await (const batch of it) await store.insertMany(batch.rows);
 * console.log(it.summary?.errorCount);
 * ```
 */
export function iterateImport(input: ImportInput, options: ImportStreamOptions): ImportIteration {
  let summary: ImportSummary | undefined;
  return {
    get summary() {
      return summary;
    },
    async *[Symbol.asyncIterator]() {
      const gen = new ImportRun(input, options, false).run();
      for (;;) {
        const r = await gen.next();
        if (r.done) {
          summary = r.value;
          return;
        }
        yield r.value;
      }
    },
  };
}

/** Options of {@link validateImportStream}. */
export interface ValidateImportStreamOptions extends ImportStreamOptions {
  /** Called for each batch, awaited before reading on (back-pressure). */
  onBatch?: (batch: ImportBatch) => void | Promise<void>;
}

/**
 * Validates a file in bounded memory without keeping valid rows: the callback form of
 * {@link iterateImport}. Resolves to the summary.
 *
 * @example
 * ```ts
 * const summary = await validateImportStream(stream, { timeZone: 'Asia/Shanghai', onBatch: (b) => save(b.rows) });
 * ```
 */
export async function validateImportStream(
  input: ImportInput,
  options: ValidateImportStreamOptions,
): Promise<ImportSummary> {
  const it = iterateImport(input, options);
  for await (const batch of it) await options.onBatch?.(batch);
  return it.summary!;
}

/**
 * Writes rows as CSV: RFC 4180 quoting, CRLF, and formula-injection neutralisation (a cell
 * starting with `= + - @`, tab, CR, NUL or `＝＋－＠` gets a leading `'`). Dates are written as
 * ISO 8601, objects as JSON.
 *
 * @example
 * ```ts
 * toCsv(report.valid, ['externalId', { key: 'title', header: '标题' }], { bom: true });
 * ```
 */
export function toCsv(
  rows: Iterable<Readonly<Record<string, unknown>>>,
  columns: readonly CsvColumn[],
  options?: CsvWriteOptions,
): string {
  return toCsvImpl(rows, columns, options);
}

/**
 * Writes a report's errors (and warnings) as CSV for the person who made the file:
 * row, column, severity, code, value, message, suggestion. Values are neutralised like
 * {@link toCsv}'s.
 */
export function errorReportCsv(report: ImportSummary, options?: ErrorReportOptions): string {
  return errorReportCsvImpl(report, options);
}

/**
 * A CSV template: the header (Chinese by default, or English) and one sample row that
 * {@link validateImport} accepts.
 *
 * @example
 * ```ts
 * await writeFile('template.csv', exportTemplate({ language: 'zh', bom: true }));
 * ```
 */
export function exportTemplate(options?: TemplateOptions): string {
  return exportTemplateImpl(options);
}

/**
 * Prefixes `'` to a cell that a spreadsheet would run as a formula (ASVS 1.2.10); other text is
 * returned unchanged. {@link toCsv} applies it to every cell.
 */
export function neutralizeCsvCell(value: string): string {
  return neutralizeCell(value);
}
