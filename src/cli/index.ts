/**
 * The `ticketkit` command line.
 *
 *   npx ticketkit import tickets.csv --dry-run --time-zone Asia/Shanghai
 *   npx ticketkit template --lang zh > template.csv
 *
 * Argument parsing uses Node's own `util.parseArgs` (no dependency needed for a few flags).
 *
 * @module cli
 */
import { createReadStream, statSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { isTicketkitError } from '../errors/index';
import {
  type DateOrder,
  errorReportCsv,
  exportTemplate,
  type ImportInput,
  type ImportSummary,
  validateImportStream,
} from '../import/index';
import { simulateCommand } from './simulate';

/** Where the CLI writes; injectable so tests can capture it. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** True when `err` is a terminal (a progress bar is drawn only then). */
  isTty: boolean;
}

const USAGE = `Usage:
  ticketkit import <file.csv|file.xlsx> --dry-run [options]
  ticketkit template [--lang en|zh] [--bom]
  ticketkit simulate <scenario.json> [--html out.html] [--csv out.csv] [--seed n]

import options:
  --dry-run              validate only, store nothing (required until a store is configured)
  --time-zone <zone>     IANA zone for local dates in the file (default: UTC)
  --date-order <order>   DMY, MDY or YMD for dates like 03/04/2026
  --encoding <name>      force an encoding (utf-8, gbk, gb18030, utf-16le, ...)
  --errors <file>        where to write the error report CSV (default: <file>.errors.csv)
  --max-errors <n>       errors kept in the report (default: 1000)
`;

function bar(done: number, total: number, width = 30): string {
  const share = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%`;
}

function table(rows: [string, string | number][]): string {
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n');
}

async function importCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'dry-run': { type: 'boolean' },
      'time-zone': { type: 'string' },
      'date-order': { type: 'string' },
      encoding: { type: 'string' },
      errors: { type: 'string' },
      'max-errors': { type: 'string' },
    },
  });
  const file = positionals[0];
  if (!file) {
    io.err(`ticketkit import: name the file to import.\n\n${USAGE}`);
    return 2;
  }
  if (!values['dry-run']) {
    io.err(
      'ticketkit import: only --dry-run is available from the command line for now; a real import needs a persistent store. Use desk.import() in your app, or run with --dry-run.\n',
    );
    return 2;
  }
  const order = values['date-order']?.toUpperCase();
  if (order !== undefined && !['DMY', 'MDY', 'YMD'].includes(order)) {
    io.err(
      `ticketkit import: --date-order must be DMY, MDY or YMD, got "${values['date-order']}".\n`,
    );
    return 2;
  }
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) {
      io.err(`ticketkit import: "${file}" is not a file; name a .csv or .xlsx file.\n`);
      return 2;
    }
    size = st.size;
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : String(code ?? e);
    io.err(`ticketkit import: cannot read "${file}": ${why}.\n`);
    return 2;
  }
  const input = Readable.toWeb(createReadStream(file)) as unknown as ImportInput;
  const maxErrors = values['max-errors'] ? Number(values['max-errors']) : undefined;
  if (maxErrors !== undefined && !(Number.isInteger(maxErrors) && maxErrors > 0)) {
    io.err(
      `ticketkit import: --max-errors must be a whole number above 0, got "${values['max-errors']}".\n`,
    );
    return 2;
  }
  let lastDraw = 0;
  let summary: ImportSummary;
  try {
    summary = await validateImportStream(input, {
      timeZone: values['time-zone'] ?? 'UTC',
      ...(order ? { dateOrder: order as DateOrder } : {}),
      ...(values.encoding ? { encoding: values.encoding as 'utf-8' } : {}),
      ...(maxErrors !== undefined && Number.isFinite(maxErrors) ? { maxErrors } : {}),
      onProgress: (p) => {
        if (!io.isTty || p.bytesRead - lastDraw < 256 * 1024) return;
        lastDraw = p.bytesRead;
        io.err(`\r${bar(p.bytesRead, size)} ${p.rowsRead.toLocaleString('en-US')} rows`);
      },
    });
  } catch (e) {
    if (io.isTty) io.err('\n');
    if (isTicketkitError(e)) {
      io.err(`ticketkit import: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  if (io.isTty) io.err(`\r${bar(1, 1)} ${summary.total.toLocaleString('en-US')} rows\n`);
  io.out(
    `${table([
      ['file', file],
      ['format', summary.format],
      ['encoding', summary.encoding],
      ['rows', summary.total],
      ['valid', summary.validCount],
      ['invalid', summary.invalidCount],
      ['errors', summary.errorCount],
      ['warnings', summary.warningCount],
    ])}\n`,
  );
  const issues = [...summary.errors, ...summary.warnings].sort((a, b) => a.row - b.row);
  for (const i of issues.slice(0, 20)) {
    const hint = i.suggestion ? ` (did you mean "${i.suggestion}"?)` : '';
    io.out(`  row ${i.row}, ${i.column || '-'}: ${i.code}: ${i.message}${hint}\n`);
  }
  if (issues.length > 20) io.out(`  ... and ${issues.length - 20} more\n`);
  if (issues.length > 0) {
    const target = values.errors ?? `${file}.errors.csv`;
    writeFileSync(target, errorReportCsv(summary, { bom: true, includeWarnings: true }));
    io.out(`Error report: ${target}\n`);
  }
  io.out(
    summary.ok
      ? 'Dry run passed: nothing was stored.\n'
      : 'Dry run found errors: nothing was stored.\n',
  );
  return summary.ok ? 0 : 1;
}

/** Runs the CLI with the given arguments; returns the exit code. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'import':
        return await importCommand(rest, io);
      case 'simulate':
        return await simulateCommand(rest, io);
      case 'template': {
        const { values } = parseArgs({
          args: rest,
          options: { lang: { type: 'string' }, bom: { type: 'boolean' } },
        });
        if (values.lang !== undefined && values.lang !== 'en' && values.lang !== 'zh') {
          io.err(`ticketkit template: --lang must be en or zh, got "${values.lang}".\n`);
          return 2;
        }
        io.out(
          exportTemplate({
            language: values.lang === 'zh' ? 'zh' : 'en',
            bom: values.bom === true,
          }),
        );
        return 0;
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        io.err(`ticketkit: unknown command "${command}".\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`ticketkit: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}
