/**
 * Public types of the import validator. Re-exported from `src/import/index.ts`, which is the
 * folder's only public door.
 *
 * @module import
 */
import type { ZodType } from 'zod';

/**
 * What {@link validateImport} accepts: raw bytes, a string (already text; encoded back to UTF-8
 * internally so one code path handles everything), a WHATWG `ReadableStream`, or any async
 * iterable of byte chunks such as a Node `Readable` (`fs.createReadStream(path)`).
 */
export type ImportInput =
  | Uint8Array
  | ArrayBuffer
  | string
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array | string>;

/**
 * The text encoding the bytes were read with. Detected unless forced with
 * {@link ValidateImportOptions.encoding}. `gb18030` is a superset of GBK and GB2312, so GBK
 * files report `gb18030`. `xlsx` means the input was a workbook (no text decoding).
 */
export type ImportEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'gb18030' | 'xlsx' | (string & {});

/** How to read `03/04/2026`-style dates. `YMD` accepts only year-first dates. */
export type DateOrder = 'DMY' | 'MDY' | 'YMD';

/**
 * What to do with a local time that does not exist (spring-forward gap) or happens twice
 * (fall-back overlap) in the import's time zone. `reject` (the default) reports
 * `nonexistent_local_time` / `ambiguous_local_time`; `earlier` / `later` pick the earlier or
 * later instant (for a gap: the wall time shifted back / forward by the gap, like Temporal).
 */
export type LocalTimePolicy = 'reject' | 'earlier' | 'later';

/** Error and warning codes the import validator produces. */
export type ImportIssueCode =
  | 'required'
  | 'invalid_enum'
  | 'invalid_date'
  | 'ambiguous_date'
  | 'mixed_date_order'
  | 'nonexistent_local_time'
  | 'ambiguous_local_time'
  | 'duplicate_id'
  | 'too_long'
  | 'invalid_value'
  | 'encoding_error'
  | 'malformed_csv'
  | 'duplicate_column'
  | 'unknown_column'
  /** Only from `desk.import`: the policy refused to create this row's ticket. */
  | 'permission_denied';

/**
 * One problem in the file, shaped like {@link ValidationIssue} (`code`, `path`, `message`,
 * `suggestion`) plus where it is.
 */
export interface ImportIssue {
  /** Stable snake_case code; see the table in `docs/guides/import.md`. */
  code: ImportIssueCode;
  /** `error` makes the row (or, at row 1, the file) invalid; `warning` does not. */
  severity: 'error' | 'warning';
  /** Spreadsheet row number: the header is row 1, the first data row is row 2. */
  row: number;
  /**
   * The column as the file names it (its header text), or the column key when the column is
   * missing from the file; `null` for problems with a whole record (e.g. `malformed_csv`).
   */
  column: string | null;
  /** `[key]` of the canonical column (e.g. `['priority']`), `[]` when there is none. */
  path: ReadonlyArray<string | number>;
  /** The offending cell as read, trimmed and cut to 200 characters; `null` when there is none. */
  value: string | null;
  /** Human-readable message naming the column and the fix. */
  message: string;
  /** A likely intended value (e.g. `"high"` for `"Hign"`), when one can be guessed. */
  suggestion?: string;
}

/** Allowed values of an enum column: canonical values plus aliases that map onto them. */
export interface EnumSpec {
  /** Canonical values, as stored (e.g. `['urgent', 'high', 'normal', 'low']`). */
  values: readonly string[];
  /**
   * Extra spellings per canonical value, e.g. `{ high: ['高', 'p1'] }`. Matching trims and
   * ignores case; a canonical value always matches itself.
   */
  aliases?: Readonly<Record<string, readonly string[]>>;
}

/**
 * Describes one column: a built-in one to override (`title`, `priority`, …) or a custom field
 * (stored under `row.custom[key]`).
 */
export interface ColumnSpec {
  /** Header names accepted for this column besides its key (case, spaces, `_` and `-` ignored). */
  aliases?: readonly string[];
  /** An empty cell (or a missing column) is an error. */
  required?: boolean;
  /** `date` parses dates (see the guide); otherwise the cell is a string. @default 'string' */
  type?: 'string' | 'date';
  /** Longest accepted value in characters (code points). */
  maxLength?: number;
  /** Restricts the value to an enum; the stored value is the canonical one. */
  enum?: EnumSpec;
  /**
   * A zod schema run on the normalised value (the trimmed string, the canonical enum value or
   * the `Date`); its output is stored. A failure is an `invalid_value` issue.
   */
  schema?: ZodType;
  /** Header used by {@link exportTemplate}: English and Chinese. */
  label?: { en?: string; zh?: string };
  /** Sample value written by {@link exportTemplate}. */
  sample?: { en?: string; zh?: string };
}

/** Progress report, emitted after each input chunk and once at the end; both counts only grow. */
export interface ImportProgress {
  /** Records read so far, header included. */
  rowsRead: number;
  /** Input bytes consumed so far. */
  bytesRead: number;
}

/** Options of {@link validateImport}, {@link validateImportStream} and {@link iterateImport}. */
export interface ValidateImportOptions {
  /** IANA zone in which local (offset-less) times are read, e.g. `Asia/Shanghai`. Required. */
  timeZone: string;
  /** Order of day and month in `03/04/2026`. Without it, the column's own values must settle it. */
  dateOrder?: DateOrder;
  /** Handling of nonexistent / repeated local times. @default 'reject' */
  localTimePolicy?: LocalTimePolicy;
  /** Forces a text encoding (any WHATWG label, e.g. `'shift_jis'`), skipping detection. */
  encoding?: string;
  /**
   * Encoding tried when the bytes have no BOM and are not valid UTF-8; `null` disables the
   * fallback, so such input throws a `ValidationError` with code `encoding_error`.
   * @default 'gb18030'
   */
  fallbackEncoding?: string | null;
  /** Input format. @default detected: ZIP magic bytes mean `xlsx`, anything else `csv` */
  format?: 'csv' | 'xlsx';
  /** CSV field delimiter. @default detected from the header line among `,` `;` `\t` (ties: `,`) */
  delimiter?: string;
  /** XLSX worksheet: name or 1-based position. @default the first worksheet */
  sheet?: string | number;
  /** Extra columns, or overrides of built-in ones (keyed by column key). */
  columns?: Readonly<Record<string, ColumnSpec>>;
  /** The workflow's states and aliases, replacing the default status values. */
  statuses?: EnumSpec;
  /** Errors (and, separately, warnings) kept in the report; counts stay exact. @default 1000 */
  maxErrors?: number;
  /** Longest CSV record in characters; longer ones are `malformed_csv`. @default 1_048_576 */
  maxRecordSize?: number;
  /**
   * Rows held back while a date column's day/month order is still unsettled. Beyond this,
   * the oldest such rows are reported as `ambiguous_date`. @default 100_000
   */
  maxDeferredRows?: number;
  /** Report `duplicate_id` for an external id seen earlier in the file. @default true */
  checkDuplicates?: boolean;
  /** Called with monotonic progress counts. */
  onProgress?: (progress: ImportProgress) => void;
}

/** Options of {@link iterateImport} and {@link validateImportStream}. */
export interface ImportStreamOptions extends ValidateImportOptions {
  /** Rows (valid or not) per batch. @default 500 */
  batchSize?: number;
  /**
   * Rows up to and including this spreadsheet row are still read and checked (so duplicate
   * ids and date orders stay exact) but not yielded: resume after a checkpointed batch.
   */
  resumeAfterRow?: number;
}

/** A normalised, valid ticket row. */
export interface ImportedTicketRow {
  /** Spreadsheet row number (header is row 1). */
  row: number;
  externalId: string;
  title: string;
  description?: string;
  /** Canonical priority: `urgent`, `high`, `normal` or `low` (or the override's values). */
  priority: string;
  category?: string;
  /** Canonical status of the configured workflow. */
  status?: string;
  customerId?: string;
  assignee?: string;
  /** The instant, local times read in `timeZone`. */
  createdAt?: Date;
  /** Values of custom columns, by key (after their zod schema, when one is given). */
  custom: Record<string, unknown>;
}

/** How a header cell was understood. */
export interface ImportColumnMapping {
  /** Header text as written. */
  header: string;
  /** Column key it maps to, or `null` for an ignored (unknown or duplicate) column. */
  key: string | null;
}

/** Everything about an import except the valid rows themselves. */
export interface ImportSummary {
  /** Input format. */
  format: 'csv' | 'xlsx';
  /** Encoding the bytes were decoded with (BOM honoured). */
  encoding: ImportEncoding;
  /** CSV delimiter used (`undefined` for XLSX). */
  delimiter: string | undefined;
  /** The header and what each cell mapped to. */
  columns: ImportColumnMapping[];
  /** Data rows read (blank rows are skipped and not counted, but keep their row numbers). */
  total: number;
  /** Rows with no error. */
  validCount: number;
  /** Rows with at least one error. */
  invalidCount: number;
  /** The first {@link ValidateImportOptions.maxErrors} errors, in row order. */
  errors: ImportIssue[];
  /** True number of errors (may exceed `errors.length`). */
  errorCount: number;
  /** The first `maxErrors` warnings (`unknown_column`). */
  warnings: ImportIssue[];
  /** True number of warnings. */
  warningCount: number;
  /** `errorCount === 0`. */
  ok: boolean;
}

/** Result of {@link validateImport}: the summary plus every valid row. */
export interface ImportReport extends ImportSummary {
  /** Valid rows in file order. Kept in memory: use {@link iterateImport} for large files. */
  valid: ImportedTicketRow[];
}

/** One batch from {@link iterateImport}: a contiguous range of rows, valid ones normalised. */
export interface ImportBatch {
  /** Valid rows of the range, in file order. */
  rows: ImportedTicketRow[];
  /** Every issue (uncapped) of the rows in the range, plus header issues in the first batch. */
  issues: ImportIssue[];
  /** Last spreadsheet row covered: everything up to it has been yielded (a safe checkpoint). */
  lastRow: number;
  /** Progress at the time of the batch. */
  progress: ImportProgress;
}
