/**
 * @internal A resumable RFC 4180 scanner. Text arrives in chunks; records leave as string
 * arrays. Most lines have no quote, so the hot path finds the line end with `indexOf` and
 * `split`s it; only lines with a quote (or cut by a chunk boundary) take the field-by-field path.
 */

/** @internal A record, or a record that could not be read (`cells: null`, `error` says why). */
export interface CsvEvent {
  row: number;
  cells: string[] | null;
  error?: string;
}

const LF = 10;
const CR = 13;
const QUOTE = 34;

enum Mode {
  FieldStart = 0,
  Unquoted = 1,
  Quoted = 2,
  QuoteSeen = 3,
}

/** @internal Picks the delimiter from the header line: the most frequent of `,` `;` tab. */
export function detectDelimiter(line: string): string {
  let comma = 0;
  let semi = 0;
  let tab = 0;
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === QUOTE) inQuotes = !inQuotes;
    else if (inQuotes) continue;
    else if (c === 44) comma++;
    else if (c === 59) semi++;
    else if (c === 9) tab++;
  }
  if (semi > comma && semi >= tab) return ';';
  if (tab > comma && tab > semi) return '\t';
  return ',';
}

/** @internal */
export class CsvScanner {
  delimiter: string | undefined;
  private buf = '';
  private pos = 0;
  private row = 0;
  // Cached positions of the next LF / CR / quote / delimiter at or after `pos`; -2 = unknown,
  // -1 = none left in `buf`. Reset on every push, so each is found once per chunk, not per line.
  private nLF = -2;
  private nCR = -2;
  private nQ = -2;
  private nD = -2;
  // Slow-path state, kept across chunks.
  private mode: Mode = Mode.FieldStart;
  private fields: string[] = [];
  private field = '';
  private size = 0;
  private inRecord = false;
  private error: string | undefined;
  private skipping = false;
  private pendingCR = false;
  private recordStartRow = 0;

  constructor(
    delimiter: string | undefined,
    private readonly maxRecordSize: number,
  ) {
    if (delimiter !== undefined) {
      if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r')
        throw new RangeError(`CSV delimiter must be one character other than a quote or newline.`);
      this.delimiter = delimiter;
    }
  }

  /** Records read so far (header and blank lines included). */
  get rowsRead(): number {
    return this.row;
  }

  push(text: string, out: CsvEvent[]): void {
    this.buf = this.pos < this.buf.length ? this.buf.slice(this.pos) + text : text;
    this.pos = 0;
    this.nLF = this.nCR = this.nQ = this.nD = -2;
    this.run(false, out);
  }

  end(out: CsvEvent[]): void {
    this.run(true, out);
    if (this.inRecord) {
      if (this.mode === Mode.Quoted) {
        this.error ??= `Unterminated quoted field: a field opened with " in row ${this.recordStartRow} never closes (check for a stray quote).`;
      }
      this.finishField();
      this.finishRecord(out);
    }
  }

  private findLF(): number {
    if (this.nLF === -2 || (this.nLF >= 0 && this.nLF < this.pos))
      this.nLF = this.buf.indexOf('\n', this.pos);
    return this.nLF;
  }
  private findCR(): number {
    if (this.nCR === -2 || (this.nCR >= 0 && this.nCR < this.pos))
      this.nCR = this.buf.indexOf('\r', this.pos);
    return this.nCR;
  }
  private findQ(): number {
    if (this.nQ === -2 || (this.nQ >= 0 && this.nQ < this.pos))
      this.nQ = this.buf.indexOf('"', this.pos);
    return this.nQ;
  }
  private findD(): number {
    if (this.nD === -2 || (this.nD >= 0 && this.nD < this.pos))
      this.nD = this.buf.indexOf(this.delimiter!, this.pos);
    return this.nD;
  }
  private lineEnd(): number {
    const lf = this.findLF();
    const cr = this.findCR();
    if (lf === -1) return cr;
    if (cr === -1) return lf;
    return Math.min(lf, cr);
  }

  private run(final: boolean, out: CsvEvent[]): void {
    const buf = this.buf;
    const len = buf.length;
    if (this.pendingCR && this.pos < len) {
      this.pendingCR = false;
      if (buf.charCodeAt(this.pos) === LF) this.pos++;
    }
    if (this.delimiter === undefined) {
      const e = this.lineEnd();
      if (e === -1 && !final && len < this.maxRecordSize) {
        this.nLF = this.nCR = -2;
        return; // wait for the whole header line
      }
      this.delimiter = detectDelimiter(buf.slice(this.pos, e === -1 ? len : e));
    }
    const max = this.maxRecordSize;
    while (this.pos < len) {
      if (!this.inRecord) {
        // Fast path: a whole unquoted line is in the buffer.
        const e = this.lineEnd();
        const q = this.findQ();
        if (e !== -1 && (q === -1 || q > e)) {
          const start = this.pos;
          this.row++;
          if (e - start > max) {
            out.push({ row: this.row, cells: null, error: this.tooLarge() });
          } else {
            out.push({ row: this.row, cells: buf.slice(start, e).split(this.delimiter!) });
          }
          this.pos = e + 1;
          if (buf.charCodeAt(e) === CR) {
            if (this.pos < len) {
              if (buf.charCodeAt(this.pos) === LF) this.pos++;
            } else if (!final) this.pendingCR = true;
          }
          continue;
        }
        this.inRecord = true;
        this.recordStartRow = this.row + 1;
        this.mode = Mode.FieldStart;
        this.fields = [];
        this.field = '';
        this.size = 0;
        this.error = undefined;
        this.skipping = false;
      }
      if (!this.step(final, out)) return;
    }
  }

  /** One slow-path step; false when the buffer is exhausted. */
  private step(final: boolean, out: CsvEvent[]): boolean {
    const buf = this.buf;
    const len = buf.length;
    const start = this.pos;
    switch (this.mode) {
      case Mode.FieldStart: {
        if (buf.charCodeAt(start) === QUOTE) {
          this.mode = Mode.Quoted;
          this.pos++;
          this.grow(1);
        } else this.mode = Mode.Unquoted;
        return true;
      }
      case Mode.Unquoted: {
        const e = this.lineEnd();
        const d = this.findD();
        if (d !== -1 && (e === -1 || d < e)) {
          this.take(start, d);
          this.finishField();
          this.pos = d + 1;
          this.grow(1);
          this.mode = Mode.FieldStart;
          return true;
        }
        if (e === -1) {
          this.take(start, len);
          this.pos = len;
          return false;
        }
        this.take(start, e);
        this.finishField();
        this.pos = e + 1;
        if (buf.charCodeAt(e) === CR) {
          if (this.pos < len) {
            if (buf.charCodeAt(this.pos) === LF) this.pos++;
          } else if (!final) this.pendingCR = true;
        }
        this.finishRecord(out);
        return true;
      }
      case Mode.Quoted: {
        const q = this.findQ();
        if (q === -1) {
          this.take(start, len);
          this.pos = len;
          return false;
        }
        this.take(start, q);
        this.pos = q + 1;
        this.grow(1);
        this.mode = Mode.QuoteSeen;
        return true;
      }
      case Mode.QuoteSeen: {
        const c = buf.charCodeAt(start);
        if (c === QUOTE) {
          if (!this.skipping) this.field += '"';
          this.pos++;
          this.grow(1);
          this.mode = Mode.Quoted;
        } else if (c === this.delimiter!.charCodeAt(0)) {
          this.finishField();
          this.pos++;
          this.grow(1);
          this.mode = Mode.FieldStart;
        } else if (c === LF || c === CR) {
          this.finishField();
          this.pos++;
          if (c === CR) {
            if (this.pos < len) {
              if (buf.charCodeAt(this.pos) === LF) this.pos++;
            } else if (!final) this.pendingCR = true;
          }
          this.finishRecord(out);
        } else {
          // `"a"b`: RFC 4180 forbids text after a closing quote. Keep reading the field so the
          // record still ends in the right place, but reject the record.
          this.error ??= `Unexpected character after a closing quote in row ${this.recordStartRow}: quotes inside a quoted field must be doubled ("").`;
          this.mode = Mode.Unquoted;
        }
        return true;
      }
    }
  }

  private take(from: number, to: number): void {
    if (to <= from) return;
    this.grow(to - from);
    if (!this.skipping) this.field += this.buf.slice(from, to);
  }

  private grow(n: number): void {
    this.size += n;
    if (!this.skipping && this.size > this.maxRecordSize) {
      // Stop keeping the text (bounded memory) but keep scanning, quote-aware, to the record's
      // real end so the next record starts in the right place.
      this.skipping = true;
      this.error = this.tooLarge();
      this.fields = [];
      this.field = '';
    }
  }

  private tooLarge(): string {
    return `Record is larger than the ${this.maxRecordSize}-character limit (maxRecordSize); often an unbalanced quote swallowed the rest of the file.`;
  }

  private finishField(): void {
    if (!this.skipping) this.fields.push(this.field);
    this.field = '';
  }

  private finishRecord(out: CsvEvent[]): void {
    this.row++;
    if (this.error !== undefined) out.push({ row: this.row, cells: null, error: this.error });
    else out.push({ row: this.row, cells: this.fields });
    this.inRecord = false;
    this.fields = [];
    this.error = undefined;
    this.skipping = false;
    this.mode = Mode.FieldStart;
  }
}
