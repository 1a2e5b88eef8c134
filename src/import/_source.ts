/** @internal Turning every accepted input into byte chunks, and reading XLSX through exceljs. */
import { ValidationError } from '../errors/index';
import type { Cell } from './_engine';
import type { ImportInput } from './_types';

// Big inputs handed over whole are still fed in slices so that progress events and batches
// interleave with the work instead of arriving all at the end.
const SLICE = 256 * 1024;

/** @internal */
export async function* byteChunks(input: ImportInput): AsyncGenerator<Uint8Array> {
  if (typeof input === 'string') {
    const bytes = new TextEncoder().encode(input);
    for (let i = 0; i < bytes.length; i += SLICE) yield bytes.subarray(i, i + SLICE);
    return;
  }
  if (input instanceof ArrayBuffer) input = new Uint8Array(input);
  if (input instanceof Uint8Array) {
    for (let i = 0; i < input.length; i += SLICE) yield input.subarray(i, i + SLICE);
    return;
  }
  if (typeof (input as ReadableStream<Uint8Array>).getReader === 'function') {
    const reader = (input as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield toBytes(value);
      }
    } finally {
      reader.releaseLock();
    }
  }
  if (typeof (input as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    for await (const chunk of input as AsyncIterable<Uint8Array | string>) yield toBytes(chunk);
    return;
  }
  throw new ValidationError(
    [
      {
        code: 'invalid_type',
        path: ['input'],
        message:
          'expected a Uint8Array, Buffer, ArrayBuffer, string, ReadableStream or async iterable of chunks',
      },
    ],
    { context: 'Import' },
  );
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return new TextEncoder().encode(chunk);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new ValidationError(
    [{ code: 'invalid_type', path: ['input'], message: 'stream chunks must be bytes or strings' }],
    { context: 'Import' },
  );
}

/** @internal True when the bytes start like a ZIP archive (every XLSX is one). */
export function looksLikeZip(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
}

/** @internal One worksheet row. */
export interface SheetRow {
  row: number;
  cells: Cell[];
}

interface ExcelCellObject {
  richText?: Array<{ text?: string }>;
  text?: unknown;
  result?: unknown;
  formula?: unknown;
  sharedFormula?: unknown;
  error?: unknown;
  hyperlink?: unknown;
}

function sheetCell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (v instanceof Date) return v;
  if (typeof v === 'object') {
    const o = v as ExcelCellObject;
    if (Array.isArray(o.richText)) return o.richText.map((r) => r.text ?? '').join('');
    if (o.formula !== undefined || o.sharedFormula !== undefined) return sheetCell(o.result);
    if (o.error !== undefined) return String(o.error);
    if (o.text !== undefined) return sheetCell(o.text);
  }
  return String(v);
}

/**
 * @internal Reads one worksheet with exceljs (an optional peer, loaded only now). The
 * workbook is loaded whole: XLSX is a ZIP, so there is no row-by-row byte stream to follow.
 */
export async function readWorkbook(
  bytes: Uint8Array,
  sheet: string | number | undefined,
): Promise<{ rows: SheetRow[]; date1904: boolean; sheetName: string }> {
  let ExcelJS: typeof import('exceljs');
  try {
    const mod = (await import('exceljs')) as typeof import('exceljs') & {
      default?: typeof import('exceljs');
    };
    ExcelJS = mod.Workbook ? mod : mod.default!;
  } catch (cause) {
    throw new ValidationError(
      [
        {
          code: 'missing_dependency',
          path: ['format'],
          message:
            'Reading XLSX needs the "exceljs" package. Run `npm install exceljs`, or export the sheet as CSV.',
        },
      ],
      { context: 'Import', cause },
    );
  }
  const wb = new ExcelJS.Workbook();
  try {
    // exceljs' types predate Uint8Array-friendly Buffer typings; the runtime takes any Buffer.
    await wb.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as never);
  } catch (cause) {
    throw new ValidationError(
      [
        {
          code: 'malformed_xlsx',
          path: [],
          message: `The file looks like XLSX (a ZIP archive) but could not be read: ${cause instanceof Error ? cause.message : String(cause)}.`,
        },
      ],
      { context: 'Import', cause },
    );
  }
  const ws =
    sheet === undefined
      ? wb.worksheets[0]
      : typeof sheet === 'number'
        ? wb.worksheets[sheet - 1]
        : wb.getWorksheet(sheet);
  if (!ws) {
    throw new ValidationError(
      [
        {
          code: 'not_found',
          path: ['sheet'],
          message: `Worksheet ${JSON.stringify(sheet ?? 1)} not found. Sheets: ${wb.worksheets.map((w) => `"${w.name}"`).join(', ') || '(none)'}.`,
        },
      ],
      { context: 'Import' },
    );
  }
  const rows: SheetRow[] = [];
  ws.eachRow({ includeEmpty: false }, (r, n) => {
    const values = r.values as unknown[];
    const cells: Cell[] = [];
    // exceljs rows are 1-based and sparse.
    for (let i = 1; i < values.length; i++) cells.push(sheetCell(values[i]));
    rows.push({ row: n, cells });
  });
  const props = wb.properties as { date1904?: boolean } | undefined;
  return { rows, date1904: props?.date1904 === true, sheetName: ws.name };
}
