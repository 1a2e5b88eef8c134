/**
 * The `ticketkit` command line.
 *
 *   npx ticketkit import tickets.csv --dry-run --time-zone Asia/Shanghai
 *   npx ticketkit import tickets.csv --store postgres://localhost/helpdesk --time-zone Asia/Shanghai
 *   npx ticketkit import tickets.csv --store ./data/tickets          (a PGlite data directory)
 *   npx ticketkit template --lang zh > template.csv
 *
 * Argument parsing uses Node's own `util.parseArgs` (no dependency needed for a few flags).
 *
 * @module cli
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { DeskImportProgress } from '../desk/index';
import { createTicketing } from '../desk/index';
import { isTicketkitError } from '../errors/index';
import {
  type DateOrder,
  errorReportCsv,
  exportTemplate,
  type ImportInput,
  type ImportSummary,
  validateImportStream,
} from '../import/index';
import type { TicketStore } from '../store/index';
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
  ticketkit import <file.csv|file.xlsx> --store <postgres-url|pglite-dir> [options]
  ticketkit template [--lang en|zh] [--bom]
  ticketkit simulate <scenario.json> [--html out.html] [--csv out.csv] [--seed n]

import options:
  --dry-run              validate only, store nothing
  --store <where>        store the valid rows: a postgres:// URL, or a PGlite data directory
                         (with --dry-run: also report which rows are stored already)
  --schema <name>        database schema of the tables (default: public)
  --tenant <id>          tenant to import into (default: the desk's default tenant)
  --actor <id>           who imports, recorded in the audit trail (default: cli); acts as admin
  --import-id <id>       the import's id (default: from the file's SHA-256, so a re-run of the
                         same file updates one import record)
  --batch-size <n>       rows per atomic batch (default: 500)
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
      store: { type: 'string' },
      tenant: { type: 'string' },
      schema: { type: 'string' },
      actor: { type: 'string' },
      'import-id': { type: 'string' },
      'batch-size': { type: 'string' },
    },
  });
  const file = positionals[0];
  if (!file) {
    io.err(`ticketkit import: name the file to import.\n\n${USAGE}`);
    return 2;
  }
  if (!values['dry-run'] && !values.store) {
    io.err(
      `ticketkit import: say where to store the tickets with --store <postgres-url|pglite-dir>, or validate only with --dry-run.\n\n${USAGE}`,
    );
    return 2;
  }
  const batchSize = values['batch-size'] ? Number(values['batch-size']) : 500;
  if (!(Number.isInteger(batchSize) && batchSize > 0 && batchSize <= 10_000)) {
    io.err(
      `ticketkit import: --batch-size must be a whole number from 1 to 10000, got "${values['batch-size']}".\n`,
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
  const maxErrors = values['max-errors'] ? Number(values['max-errors']) : undefined;
  if (maxErrors !== undefined && !(Number.isInteger(maxErrors) && maxErrors > 0)) {
    io.err(
      `ticketkit import: --max-errors must be a whole number above 0, got "${values['max-errors']}".\n`,
    );
    return 2;
  }
  const validation = {
    timeZone: values['time-zone'] ?? 'UTC',
    ...(order ? { dateOrder: order as DateOrder } : {}),
    ...(values.encoding ? { encoding: values.encoding as 'utf-8' } : {}),
    ...(maxErrors !== undefined && Number.isFinite(maxErrors) ? { maxErrors } : {}),
  };
  let lastDraw = 0;
  const draw = (bytesRead: number, rowsRead: number, extra = '') => {
    if (!io.isTty || bytesRead - lastDraw < 256 * 1024) return;
    lastDraw = bytesRead;
    io.err(`\r${bar(bytesRead, size)} ${rowsRead.toLocaleString('en-US')} rows${extra}`);
  };
  let summary: ImportSummary;
  let stored: StoredOutcome | undefined;
  try {
    if (values.store) {
      const outcome = await storeImport(file, values.store, io, {
        ...validation,
        dryRun: values['dry-run'] === true,
        batchSize,
        tenant: values.tenant,
        schema: values.schema,
        actor: values.actor ?? 'cli',
        importId: values['import-id'],
        onProgress: (p) =>
          draw(p.bytesRead, p.rowsRead, `, ${p.created.toLocaleString('en-US')} stored`),
      });
      if (typeof outcome === 'number') return outcome;
      stored = outcome;
      summary = outcome.report;
    } else {
      const input = Readable.toWeb(createReadStream(file)) as unknown as ImportInput;
      summary = await validateImportStream(input, {
        ...validation,
        onProgress: (p) => draw(p.bytesRead, p.rowsRead),
      });
    }
  } catch (e) {
    if (io.isTty) io.err('\n');
    if (isTicketkitError(e)) {
      io.err(`ticketkit import: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  if (io.isTty) io.err(`\r${bar(1, 1)} ${summary.total.toLocaleString('en-US')} rows\n`);
  const storeRows: [string, string | number][] = stored
    ? [
        ['store', stored.storeName],
        ['import id', stored.importId],
        [values['dry-run'] ? 'would store' : 'stored', stored.created],
        ['already stored', stored.skipped],
        ['denied', stored.denied],
        ['batches', stored.batches],
      ]
    : [];
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
      ...storeRows,
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
  if (values['dry-run']) {
    io.out(
      summary.ok
        ? 'Dry run passed: nothing was stored.\n'
        : 'Dry run found errors: nothing was stored.\n',
    );
  } else if (stored) {
    const rejected = summary.invalidCount;
    io.out(
      `Stored ${stored.created} ticket(s)${stored.skipped ? `, ${stored.skipped} stored before` : ''}${rejected ? `; ${rejected} row(s) rejected, see the error report` : ''}.\n`,
    );
  }
  return summary.ok ? 0 : 1;
}

/** What a stored (or store-checked) import reports. */
interface StoredOutcome {
  report: ImportSummary;
  storeName: string;
  importId: string;
  created: number;
  skipped: number;
  denied: number;
  batches: number;
}

/** The file's SHA-256, streamed: the default import id, so a re-run updates one record. */
async function fileImportId(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return `imp_${h.digest('hex').slice(0, 32)}`;
}

/** Opens the store named by `--store`: a postgres:// URL, or a PGlite data directory. */
async function openStore(
  where: string,
  schema: string | undefined,
): Promise<TicketStore & { ready(): Promise<void> }> {
  // The adapters are loaded only here, through the package's own subpaths.
  if (/^postgres(ql)?:\/\//i.test(where)) {
    const { postgresStore } = await import('ticketkit/adapters/postgres');
    return postgresStore({ connectionString: where, max: 4, ...(schema ? { schema } : {}) });
  }
  const { pgliteStore } = await import('ticketkit/adapters/pglite');
  return pgliteStore({ dataDir: where, ...(schema ? { schema } : {}) });
}

async function storeImport(
  file: string,
  where: string,
  io: CliIo,
  o: {
    timeZone: string;
    dateOrder?: DateOrder;
    encoding?: 'utf-8';
    maxErrors?: number;
    dryRun: boolean;
    batchSize: number;
    tenant: string | undefined;
    schema: string | undefined;
    actor: string;
    importId: string | undefined;
    onProgress: (p: DeskImportProgress) => void;
  },
): Promise<StoredOutcome | number> {
  const store = await openStore(where, o.schema);
  try {
    try {
      await store.ready();
    } catch (e) {
      io.err(
        `ticketkit import: cannot open the store "${redact(where)}": ${e instanceof Error ? e.message : String(e)}\n`,
      );
      return 1;
    }
    const desk = createTicketing({ store });
    const importId = o.importId ?? (await fileImportId(file));
    const { tenant, schema: _s, actor, dryRun, onProgress, importId: _id, ...validation } = o;
    const r = await desk.import(
      () => Readable.toWeb(createReadStream(file)) as unknown as ImportInput,
      {
        ...validation,
        actor: { id: actor, roles: ['admin'] },
        ...(tenant ? { tenantId: tenant } : {}),
        dryRun,
        importId,
        onProgress,
      },
    );
    return {
      report: r.report,
      storeName: `${store.name} (${redact(where)})`,
      importId,
      created: r.created,
      skipped: r.skipped,
      denied: r.denied,
      batches: r.batches,
    };
  } finally {
    await store.close();
  }
}

/** A connection string without its password, for messages. */
function redact(where: string): string {
  return where.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@]*@/i, '$1:***@');
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
