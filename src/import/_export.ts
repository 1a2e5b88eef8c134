/** @internal CSV writing: RFC 4180 quoting and formula-injection neutralisation (M6). */
import { compileColumns } from './_columns';
import { hasNonAscii } from './_suggest';
import type { ColumnSpec, EnumSpec, ImportSummary } from './_types';

// ASVS 1.2.10 / OWASP CSV injection: a spreadsheet treats a cell starting with one of these as
// a formula (full-width forms included, since Excel folds them in East Asian locales).
const TRIGGER = /^[=+\-@\t\r\0＝＋－＠]/;

/** @internal */
export function neutralizeCell(s: string): string {
  return TRIGGER.test(s) ? `'${s}` : s;
}

/** @internal */
export function quoteCell(s: string, delimiter: string): string {
  if (s.includes('"')) return `"${s.replace(/"/g, '""')}"`;
  if (s.includes(delimiter) || s.includes('\n') || s.includes('\r')) return `"${s}"`;
  return s;
}

/** @internal */
export function cellString(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A column of {@link toCsv}: a key, or a key with its own header text. */
export type CsvColumn = string | { key: string; header: string };

/** Options of {@link toCsv}, {@link errorReportCsv} and {@link exportTemplate}. */
export interface CsvWriteOptions {
  /** Start with a UTF-8 byte-order mark (U+FEFF) so Excel opens the file as UTF-8. @default false */
  bom?: boolean;
  /** Field delimiter. @default ',' */
  delimiter?: string;
  /** Line ending (RFC 4180 says CRLF). @default '\r\n' */
  eol?: '\r\n' | '\n';
  /**
   * Prefix `'` to cells starting with `= + - @`, tab, CR, NUL or `＝＋－＠`, so spreadsheets do
   * not run them as formulas. Headers are written as given. @default true
   */
  neutralizeFormulas?: boolean;
}

/** @internal */
export function writeCsv(
  header: readonly string[],
  rows: Iterable<readonly unknown[]>,
  o: CsvWriteOptions = {},
): string {
  const d = o.delimiter ?? ',';
  const eol = o.eol ?? '\r\n';
  const safe = o.neutralizeFormulas ?? true;
  const lines: string[] = [header.map((h) => quoteCell(h, d)).join(d)];
  for (const r of rows) {
    lines.push(
      r
        .map((v) => {
          const s = cellString(v);
          return quoteCell(safe ? neutralizeCell(s) : s, d);
        })
        .join(d),
    );
  }
  return `${o.bom ? '\uFEFF' : ''}${lines.join(eol)}${eol}`;
}

/** @internal */
export function toCsvImpl(
  rows: Iterable<Readonly<Record<string, unknown>>>,
  columns: readonly CsvColumn[],
  o?: CsvWriteOptions,
): string {
  const cols = columns.map((c) => (typeof c === 'string' ? { key: c, header: c } : c));
  function* cells() {
    for (const r of rows) yield cols.map((c) => r[c.key]);
  }
  return writeCsv(
    cols.map((c) => c.header),
    cells(),
    o,
  );
}

/** Options of {@link errorReportCsv}. */
export interface ErrorReportOptions extends CsvWriteOptions {
  /** Header language. @default 'en' */
  language?: 'en' | 'zh';
  /** Also list warnings (with a `severity` column telling them apart). @default true */
  includeWarnings?: boolean;
}

const REPORT_HEADERS = {
  en: ['row', 'column', 'severity', 'code', 'value', 'message', 'suggestion'],
  zh: ['行号', '列', '级别', '错误代码', '原值', '说明', '建议值'],
} as const;

/** @internal */
export function errorReportCsvImpl(report: ImportSummary, o: ErrorReportOptions = {}): string {
  const issues = [...report.errors, ...((o.includeWarnings ?? true) ? report.warnings : [])].sort(
    (a, b) => a.row - b.row,
  );
  return writeCsv(
    REPORT_HEADERS[o.language ?? 'en'],
    issues.map((i) => [i.row, i.column, i.severity, i.code, i.value, i.message, i.suggestion]),
    o,
  );
}

/** Options of {@link exportTemplate}. */
export interface TemplateOptions extends CsvWriteOptions {
  /** Header and sample language. @default 'zh' */
  language?: 'en' | 'zh';
  /** Custom columns / overrides, as passed to {@link validateImport}. */
  columns?: Readonly<Record<string, ColumnSpec>>;
  /** The workflow's states, as passed to {@link validateImport}. */
  statuses?: EnumSpec;
  /** Only the required columns. @default false */
  requiredOnly?: boolean;
}

/** @internal */
export function exportTemplateImpl(o: TemplateOptions = {}): string {
  const lang = o.language ?? 'zh';
  const { columns } = compileColumns(o.columns, o.statuses);
  const header: string[] = [];
  const sample: string[] = [];
  for (const c of columns) {
    if (o.requiredOnly && !c.required) continue;
    const spec = c.spec;
    header.push(
      spec.label?.[lang] ??
        (lang === 'zh' ? spec.aliases?.find((a) => hasNonAscii(a)) : undefined) ??
        c.key,
    );
    let s = spec.sample?.[lang] ?? spec.sample?.en ?? '';
    if (c.key === 'status' && o.statuses) {
      // A custom workflow: the default sample may not be one of its states.
      const first = o.statuses.values[0] ?? '';
      const zh = o.statuses.aliases?.[first]?.find((a) => hasNonAscii(a));
      s = lang === 'zh' && zh ? zh : first;
    }
    sample.push(s);
  }
  return writeCsv(header, [sample], o);
}
