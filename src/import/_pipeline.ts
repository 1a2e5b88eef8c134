/**
 * @internal Bytes → text → records → validated rows → batches. One pass, bounded memory: only
 * the current chunk, one partial record, rows held for an unsettled date order and the id set
 * stay in memory.
 */
import { ValidationError, type ValidationIssue } from '../errors/index';
import { compileColumns } from './_columns';
import { type CsvEvent, CsvScanner } from './_csv';
import { isValidTimeZone, ZoneConverter } from './_dates';
import { StreamDecoder } from './_encoding';
import { ImportEngine, type Released } from './_engine';
import { byteChunks, looksLikeZip, readWorkbook } from './_source';
import type {
  ImportBatch,
  ImportInput,
  ImportIssue,
  ImportProgress,
  ImportStreamOptions,
  ImportSummary,
} from './_types';

function checkOptions(o: ImportStreamOptions): void {
  const issues: ValidationIssue[] = [];
  const bad = (path: string, message: string) =>
    issues.push({ code: 'invalid_option', path: [path], message });
  if (o === null || typeof o !== 'object' || typeof o.timeZone !== 'string')
    throw new ValidationError(
      [
        {
          code: 'required',
          path: ['timeZone'],
          message: 'pass the IANA zone local times are in, e.g. { timeZone: "Asia/Shanghai" }',
        },
      ],
      { context: 'Import options' },
    );
  if (!isValidTimeZone(o.timeZone))
    bad('timeZone', `"${o.timeZone}" is not an IANA time zone (e.g. "Asia/Shanghai")`);
  if (o.dateOrder !== undefined && !['DMY', 'MDY', 'YMD'].includes(o.dateOrder))
    bad('dateOrder', `must be 'DMY', 'MDY' or 'YMD'`);
  if (
    o.localTimePolicy !== undefined &&
    !['reject', 'earlier', 'later'].includes(o.localTimePolicy)
  )
    bad('localTimePolicy', `must be 'reject', 'earlier' or 'later'`);
  if (o.format !== undefined && o.format !== 'csv' && o.format !== 'xlsx')
    bad('format', `must be 'csv' or 'xlsx'`);
  if (o.delimiter !== undefined && (o.delimiter.length !== 1 || /["\r\n]/.test(o.delimiter)))
    bad('delimiter', 'must be one character other than a quote or a newline');
  for (const k of ['maxErrors', 'maxRecordSize', 'maxDeferredRows', 'batchSize'] as const) {
    const v = o[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= (k === 'maxErrors' ? 0 : 1)))
      bad(k, 'must be a positive integer');
  }
  if (issues.length) throw new ValidationError(issues, { context: 'Import options' });
}

/** @internal One import run; `summary` is complete once the generator has finished. */
export class ImportRun {
  readonly summary: ImportSummary = {
    format: 'csv',
    encoding: 'utf-8',
    delimiter: undefined,
    columns: [],
    total: 0,
    validCount: 0,
    invalidCount: 0,
    errors: [],
    errorCount: 0,
    warnings: [],
    warningCount: 0,
    ok: true,
  };
  readonly engine: ImportEngine;
  private readonly maxErrors: number;
  private readonly batchSize: number;
  private readonly resumeAfter: number;
  private readonly progress: ImportProgress = { rowsRead: 0, bytesRead: 0 };
  private batch: ImportBatch;
  private batchCount = 0;
  private headerDone = false;

  constructor(
    private readonly input: ImportInput,
    private readonly o: ImportStreamOptions,
    trackDayMonthRows: boolean,
  ) {
    checkOptions(o);
    this.maxErrors = o.maxErrors ?? 1000;
    this.batchSize = o.batchSize ?? 500;
    this.resumeAfter = o.resumeAfterRow ?? 0;
    this.engine = new ImportEngine(compileColumns(o.columns, o.statuses), {
      zone: new ZoneConverter(o.timeZone),
      dateOrder: o.dateOrder,
      policy: o.localTimePolicy ?? 'reject',
      maxDeferredRows: o.maxDeferredRows ?? 100_000,
      checkDuplicates: o.checkDuplicates ?? true,
      date1904: false,
      trackDayMonthRows,
    });
    this.batch = this.newBatch();
  }

  private newBatch(): ImportBatch {
    return { rows: [], issues: [], lastRow: 0, progress: this.progress };
  }

  private note(i: ImportIssue): void {
    const s = this.summary;
    if (i.severity === 'error') {
      s.errorCount++;
      if (s.errors.length < this.maxErrors) s.errors.push(i);
    } else {
      s.warningCount++;
      if (s.warnings.length < this.maxErrors) s.warnings.push(i);
    }
  }

  private emitHeader(): void {
    if (this.headerDone || !this.engine.headerRead) return;
    this.headerDone = true;
    this.summary.columns = this.engine.mapping;
    for (const i of this.engine.headerIssues) {
      this.note(i);
      if (this.resumeAfter < 1) this.batch.issues.push(i);
    }
  }

  /** Moves released rows into batches; returns the batches that filled up. */
  private collect(): ImportBatch[] {
    this.emitHeader();
    const full: ImportBatch[] = [];
    const ready = this.engine.ready;
    for (let k = 0; k < ready.length; k++) {
      const r: Released = ready[k]!;
      const s = this.summary;
      s.total++;
      if (r.value) s.validCount++;
      else s.invalidCount++;
      for (const i of r.issues) this.note(i);
      if (r.row <= this.resumeAfter) continue;
      const b = this.batch;
      if (r.value) b.rows.push(r.value);
      for (const i of r.issues) b.issues.push(i);
      b.lastRow = r.row;
      if (++this.batchCount >= this.batchSize) {
        full.push(this.cut());
      }
    }
    ready.length = 0;
    return full;
  }

  private cut(): ImportBatch {
    const b = this.batch;
    b.progress = { ...this.progress };
    this.batch = this.newBatch();
    this.batchCount = 0;
    return b;
  }

  private reportProgress(rowsRead: number, bytesRead: number): void {
    // Monotonic by construction, but guard anyway: a consumer may plot these.
    if (rowsRead < this.progress.rowsRead || bytesRead < this.progress.bytesRead) return;
    this.progress.rowsRead = rowsRead;
    this.progress.bytesRead = bytesRead;
    this.o.onProgress?.({ rowsRead, bytesRead });
  }

  async *run(): AsyncGenerator<ImportBatch, ImportSummary> {
    const chunks = byteChunks(this.input);
    let first: IteratorResult<Uint8Array> = await chunks.next();
    // Read enough to see the ZIP magic number even if the source trickles single bytes.
    let head = first.done ? new Uint8Array(0) : first.value;
    const held: Uint8Array[] = head.length ? [head] : [];
    while (!first.done && head.length < 4) {
      first = await chunks.next();
      if (!first.done) {
        held.push(first.value);
        head = concatAll(held);
      }
    }
    const xlsx = this.o.format === 'xlsx' || (this.o.format === undefined && looksLikeZip(head));
    async function* replay(): AsyncGenerator<Uint8Array> {
      yield* held;
      if (!first.done) yield* chunks;
    }
    if (xlsx) yield* this.runXlsx(replay());
    else yield* this.runCsv(replay());
    this.engine.finish();
    const tail = this.collect();
    for (const b of tail) yield b;
    for (const [key, header] of this.engine.mixedColumns) {
      const i: ImportIssue = {
        code: 'mixed_date_order',
        severity: 'error',
        row: 1,
        column: header,
        path: [key],
        value: null,
        message: `Column "${header}" mixes day-first and month-first dates, so its DD/MM vs MM/DD values are rejected. Use YYYY-MM-DD, or fix the column and pass dateOrder.`,
      };
      this.note(i);
      this.summary.errors.sort((a, b) => a.row - b.row);
      this.batch.issues.push(i);
    }
    if (this.batchCount > 0 || this.batch.issues.length > 0) yield this.cut();
    this.summary.ok = this.summary.errorCount === 0;
    return this.summary;
  }

  private async *runCsv(chunks: AsyncGenerator<Uint8Array>): AsyncGenerator<ImportBatch> {
    const decoder = new StreamDecoder(
      this.o.encoding,
      this.o.fallbackEncoding === undefined ? 'gb18030' : this.o.fallbackEncoding,
    );
    const scanner = new CsvScanner(this.o.delimiter, this.o.maxRecordSize ?? 1_048_576);
    const events: CsvEvent[] = [];
    let bytes = 0;
    for await (const chunk of chunks) {
      bytes += chunk.length;
      const text = decoder.decode(chunk);
      if (text) scanner.push(text, events);
      this.feed(events);
      this.summary.encoding = decoder.encoding ?? 'utf-8';
      for (const b of this.collect()) yield b;
      this.reportProgress(scanner.rowsRead, bytes);
    }
    const text = decoder.end();
    if (text) scanner.push(text, events);
    scanner.end(events);
    this.feed(events);
    this.summary.encoding = decoder.encoding ?? 'utf-8';
    this.summary.delimiter = scanner.delimiter;
    if (!this.engine.headerRead) this.emptyFile();
    for (const b of this.collect()) yield b;
    this.reportProgress(scanner.rowsRead, bytes);
  }

  private feed(events: CsvEvent[]): void {
    const engine = this.engine;
    for (let k = 0; k < events.length; k++) {
      const e = events[k]!;
      if (!engine.headerRead) {
        if (e.cells === null) {
          engine.header(e.row, []);
          engine.headerIssues.unshift(malformedHeader(e.row, e.error!));
          continue;
        }
        if (e.cells.every((c) => c.trim() === '')) continue;
        engine.header(e.row, e.cells);
        continue;
      }
      if (e.cells === null) engine.malformed(e.row, e.error!);
      else engine.record(e.row, e.cells);
    }
    events.length = 0;
  }

  private emptyFile(): void {
    this.engine.header(1, []);
    this.engine.headerIssues.unshift(
      malformedHeader(1, 'The file is empty: expected a header row.'),
    );
  }

  private async *runXlsx(chunks: AsyncGenerator<Uint8Array>): AsyncGenerator<ImportBatch> {
    const parts: Uint8Array[] = [];
    let bytes = 0;
    for await (const c of chunks) {
      parts.push(c);
      bytes += c.length;
    }
    const book = await readWorkbook(concatAll(parts), this.o.sheet);
    parts.length = 0;
    this.summary.format = 'xlsx';
    this.summary.encoding = 'xlsx';
    this.engine.setDate1904(book.date1904);
    const engine = this.engine;
    let lastRow = 0;
    for (let k = 0; k < book.rows.length; k++) {
      const r = book.rows[k]!;
      lastRow = r.row;
      if (!engine.headerRead) engine.header(r.row, r.cells);
      else engine.record(r.row, r.cells);
      if (engine.ready.length >= this.batchSize) {
        for (const b of this.collect()) yield b;
        this.reportProgress(r.row, Math.round((bytes * k) / book.rows.length));
      }
    }
    if (!engine.headerRead) this.emptyFile();
    for (const b of this.collect()) yield b;
    this.reportProgress(lastRow, bytes);
  }
}

function malformedHeader(row: number, message: string): ImportIssue {
  return {
    code: 'malformed_csv',
    severity: 'error',
    row,
    column: null,
    path: [],
    value: null,
    message,
  };
}

function concatAll(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
