/**
 * @internal The row validator: header mapping, per-cell normalisation, duplicate ids and the
 * deferred resolution of `03/04/2026`-style dates (M2). Rows leave in file order.
 */
import {
  type CompiledColumn,
  type CompiledColumns,
  normalizeEnumValue,
  normalizeHeader,
} from './_columns';
import {
  excelSerialToWall,
  type ParsedDate,
  parseDateText,
  resolveDm,
  utcToWall,
  type Wall,
  type ZoneConverter,
} from './_dates';
import { suggest } from './_suggest';
import type {
  DateOrder,
  ImportColumnMapping,
  ImportedTicketRow,
  ImportIssue,
  ImportIssueCode,
  LocalTimePolicy,
} from './_types';

/** @internal A cell as a source hands it over: CSV gives strings, XLSX also numbers and Dates. */
export type Cell = string | number | boolean | Date | null | undefined;

/** @internal A row that has left the engine. */
export interface Released {
  row: number;
  value: ImportedTicketRow | null;
  issues: ImportIssue[];
}

interface PendingCell {
  col: CompiledColumn;
  header: string;
  raw: string;
  parsed: Extract<ParsedDate, { kind: 'dm' }>;
}

interface Entry extends Released {
  pending: PendingCell[] | null;
  dmCols: string[] | null;
}

interface DateColumnState {
  order: 'DMY' | 'MDY' | undefined;
  settledRow: number;
  settledValue: string;
  mixed: boolean;
}

/** @internal */
export interface EngineOptions {
  zone: ZoneConverter;
  dateOrder: DateOrder | undefined;
  policy: LocalTimePolicy;
  maxDeferredRows: number;
  checkDuplicates: boolean;
  date1904: boolean;
  /** Remember which rows used a day/month date so a later mixed column can reject them. */
  trackDayMonthRows: boolean;
}

const VALUE_LIMIT = 200;

function clip(v: string): string {
  return v.length > VALUE_LIMIT ? `${v.slice(0, VALUE_LIMIT)}…` : v;
}

function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

/** @internal */
export class ImportEngine {
  readonly mapping: ImportColumnMapping[] = [];
  readonly headerIssues: ImportIssue[] = [];
  /** Rows ready to leave, in file order. */
  readonly ready: Released[] = [];
  /** Rows whose day/month order was only settled by other rows, per column (see trackDayMonthRows). */
  readonly dayMonthRows = new Map<string, Set<ImportedTicketRow>>();
  readonly mixedColumns = new Map<string, string>();
  private issueOrder: ((a: ImportIssue, b: ImportIssue) => number) | undefined;
  private slots: Array<{ index: number; col: CompiledColumn; header: string }> = [];
  private headerLength = 0;
  private missingRequired = false;
  private hasHeader = false;
  private readonly queue: Entry[] = [];
  private queueHead = 0;
  private pendingCount = 0;
  private readonly seen = new Map<string, number>();
  private readonly dateState = new Map<string, DateColumnState>();

  constructor(
    private readonly cols: CompiledColumns,
    private readonly o: EngineOptions,
  ) {}

  /** XLSX workbooks may count serials from 1904; known only once the workbook is open. */
  setDate1904(on: boolean): void {
    this.o.date1904 = on;
  }

  get headerRead(): boolean {
    return this.hasHeader;
  }

  /** Reads the header row: maps each cell to a column and reports unknown / duplicate / missing ones. */
  header(row: number, cells: readonly Cell[]): void {
    this.hasHeader = true;
    this.headerLength = cells.length;
    const used = new Map<string, string>();
    const seenText = new Set<string>();
    cells.forEach((c, index) => {
      const header = cellText(c).trim();
      const norm = normalizeHeader(header);
      const col = this.cols.byHeader.get(norm);
      if (header === '') {
        this.mapping.push({ header, key: null });
        return; // an empty trailing header cell (Excel's habit) is silently ignored
      }
      if (seenText.has(norm) || (col && used.has(col.key))) {
        const first = col ? used.get(col.key) : header;
        this.headerIssue(
          'duplicate_column',
          'error',
          row,
          header,
          col ? [col.key] : [],
          `Column "${header}" appears twice (first as "${first}"); the later one is ignored. Remove or rename one of them.`,
        );
        this.mapping.push({ header, key: null });
        return;
      }
      seenText.add(norm);
      if (!col) {
        this.headerIssue(
          'unknown_column',
          'warning',
          row,
          header,
          [],
          `Column "${header}" is not a known ticket column and is ignored. Known columns: ${this.cols.columns.map((x) => x.key).join(', ')} (or their Chinese names); add it with the "columns" option to keep it.`,
        );
        this.mapping.push({ header, key: null });
        return;
      }
      used.set(col.key, header);
      this.mapping.push({ header, key: col.key });
      this.slots.push({ index, col, header });
    });
    for (const col of this.cols.columns) {
      if (col.required && !used.has(col.key)) {
        this.missingRequired = true;
        const label = col.spec.label?.zh ? `${col.key}" / "${col.spec.label.zh}` : col.key;
        this.headerIssue(
          'required',
          'error',
          row,
          col.key,
          [col.key],
          `Required column "${label}" is missing from the header, so no row can be imported. Add the column (see exportTemplate()).`,
        );
      }
    }
  }

  private headerIssue(
    code: ImportIssueCode,
    severity: 'error' | 'warning',
    row: number,
    column: string,
    path: string[],
    message: string,
  ): void {
    this.headerIssues.push({ code, severity, row, column, path, value: null, message });
  }

  /** A record the CSV scanner could not read. */
  malformed(row: number, message: string): void {
    this.push({
      row,
      value: null,
      issues: [
        {
          code: 'malformed_csv',
          severity: 'error',
          row,
          column: null,
          path: [],
          value: null,
          message,
        },
      ],
      pending: null,
      dmCols: null,
    });
  }

  /** Validates one data row. Blank rows are skipped (returns false). */
  record(row: number, cells: readonly Cell[]): boolean {
    let blank = true;
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i];
      if (c !== '' && c !== null && c !== undefined && (typeof c !== 'string' || c.trim() !== '')) {
        blank = false;
        break;
      }
    }
    if (blank) return false;
    let issues: ImportIssue[] | null = null;
    const issue = (
      code: ImportIssueCode,
      column: string | null,
      key: string | null,
      value: string | null,
      message: string,
      suggestion?: string,
    ): void => {
      const it: ImportIssue = {
        code,
        severity: 'error',
        row,
        column,
        path: key === null ? [] : [key],
        value: value === null ? null : clip(value),
        message,
      };
      if (suggestion !== undefined) it.suggestion = suggestion;
      if (issues === null) issues = [it];
      else issues.push(it);
    };
    for (let i = this.headerLength; i < cells.length; i++) {
      const t = cellText(cells[i]);
      if (t.trim() !== '') {
        issue(
          'malformed_csv',
          null,
          null,
          t,
          `Row has ${cells.length} fields but the header has ${this.headerLength}; field ${i + 1} ("${clip(t)}") has no column. Check the delimiter and quoting of this row.`,
        );
        break;
      }
    }
    const out: ImportedTicketRow = {
      row,
      externalId: '',
      title: '',
      description: undefined,
      priority: '',
      category: undefined,
      status: undefined,
      customerId: undefined,
      assignee: undefined,
      createdAt: undefined,
      custom: {},
    };
    let pending: PendingCell[] | null = null;
    let dmCols: string[] | null = null;
    for (let s = 0; s < this.slots.length; s++) {
      const { index, col, header } = this.slots[s]!;
      const raw = cells[index];
      let value: unknown;
      if (col.date && (raw instanceof Date || typeof raw === 'number')) {
        const wall =
          raw instanceof Date
            ? Number.isNaN(raw.getTime())
              ? 'invalid Date cell'
              : utcToWall(raw.getTime())
            : excelSerialToWall(raw, this.o.date1904);
        const shown = raw instanceof Date ? raw.toISOString() : String(raw);
        if (typeof wall === 'string') {
          issue('invalid_date', header, col.key, shown, `"${header}": ${wall}.`);
          continue;
        }
        const r = this.placeWall(wall, header, col.key, shown, issue);
        if (r === undefined) continue;
        value = new Date(r);
      } else {
        const text = typeof raw === 'string' ? raw : cellText(raw);
        if (text.indexOf('\0') !== -1) {
          issue(
            'invalid_value',
            header,
            col.key,
            text.replace(/\0/g, '\\0'),
            `"${header}" contains a NUL character (U+0000), which cannot be stored. Remove it from the source.`,
          );
          continue;
        }
        if (text.indexOf('\uFFFD') !== -1) {
          issue(
            'encoding_error',
            header,
            col.key,
            text,
            `"${header}" contains U+FFFD (�): bytes that were not valid in the file's encoding. Re-save the file as UTF-8 or pass the right { encoding }.`,
          );
          continue;
        }
        const v = text.trim();
        if (v === '') {
          if (col.required && !this.missingRequired)
            issue('required', header, col.key, null, `"${header}" is required but empty.`);
          continue;
        }
        if (col.enumMap) {
          const canonical =
            col.enumMap.get(v) ??
            col.enumMap.get(v.toLowerCase()) ??
            col.enumMap.get(normalizeEnumValue(v));
          if (canonical === undefined) {
            const hint = suggest(normalizeEnumValue(v), col.enumCandidates);
            issue(
              'invalid_enum',
              header,
              col.key,
              v,
              `Unknown ${col.key} "${clip(v)}" in "${header}".${hint ? ` Did you mean "${hint}"?` : ''} Allowed: ${col.enumValues.join(', ')}.`,
              hint,
            );
            continue;
          }
          value = canonical;
        } else if (col.date) {
          const p = parseDateText(v);
          let wall: Wall | undefined;
          if (p.kind === 'error') {
            issue(
              'invalid_date',
              header,
              col.key,
              v,
              `"${header}": "${clip(v)}" is not a valid date (${p.message}).`,
            );
            continue;
          }
          if (p.kind === 'instant') value = new Date(p.ms);
          else if (p.kind === 'wall') wall = p.wall;
          else {
            const r = this.dayMonth(p, v, row, col, header, issue);
            if (r === 'pending') {
              const pc: PendingCell = { col, header, raw: v, parsed: p };
              if (pending === null) pending = [pc];
              else pending.push(pc);
              continue;
            }
            if (r === undefined) continue;
            wall = r;
            if (this.o.trackDayMonthRows) {
              if (dmCols === null) dmCols = [col.key];
              else dmCols.push(col.key);
            }
          }
          if (wall !== undefined) {
            const ms = this.placeWall(wall, header, col.key, v, issue);
            if (ms === undefined) continue;
            value = new Date(ms);
          }
        } else {
          if (v.length > col.maxLength) {
            const n = codePoints(v);
            if (n > col.maxLength) {
              issue(
                'too_long',
                header,
                col.key,
                v,
                `"${header}" is ${n} characters long; the limit is ${col.maxLength}. Shorten it.`,
              );
              continue;
            }
          }
          value = v;
        }
      }
      if (col.schema) {
        const r = col.schema.safeParse(value);
        if (!r.success) {
          const first = r.error.issues[0];
          issue(
            'invalid_value',
            header,
            col.key,
            value instanceof Date ? value.toISOString() : String(value),
            `"${header}": ${first?.message ?? 'invalid value'}.`,
          );
          continue;
        }
        value = r.data;
      }
      if (col.builtin) (out as unknown as Record<string, unknown>)[col.key] = value;
      else out.custom[col.key] = value;
    }
    if (this.o.checkDuplicates && out.externalId !== '') {
      const first = this.seen.get(out.externalId);
      if (first === undefined) this.seen.set(out.externalId, row);
      else {
        const header = this.headerOf('externalId');
        issue(
          'duplicate_id',
          header,
          'externalId',
          out.externalId,
          `External id "${clip(out.externalId)}" already appears in row ${first}. Each row needs its own id.`,
        );
      }
    }
    this.push({ row, value: out, issues: issues ?? [], pending, dmCols });
    return true;
  }

  private headerOf(key: string): string {
    return this.slots.find((s) => s.col.key === key)?.header ?? key;
  }

  private placeWall(
    wall: Wall,
    header: string,
    key: string,
    shown: string,
    issue: (c: ImportIssueCode, col: string, key: string, v: string, m: string) => void,
  ): number | undefined {
    const r = this.o.zone.resolve(wall, this.o.policy);
    if (typeof r === 'number') return r;
    const tz = this.o.zone.timeZone;
    if (r.code === 'nonexistent_local_time') {
      issue(
        r.code,
        header,
        key,
        shown,
        `"${header}": ${clip(shown)} does not exist in ${tz} (clocks skip it at a daylight-saving change). Fix the time, add a UTC offset, or pass localTimePolicy: 'earlier' | 'later'.`,
      );
    } else {
      issue(
        r.code,
        header,
        key,
        shown,
        `"${header}": ${clip(shown)} happens twice in ${tz} (clocks go back at a daylight-saving change). Add a UTC offset, or pass localTimePolicy: 'earlier' | 'later'.`,
      );
    }
    return undefined;
  }

  private stateOf(key: string): DateColumnState {
    let s = this.dateState.get(key);
    if (!s) {
      s = { order: undefined, settledRow: 0, settledValue: '', mixed: false };
      this.dateState.set(key, s);
    }
    return s;
  }

  /** Day/month date: resolved now, deferred, or an issue (undefined). */
  private dayMonth(
    p: Extract<ParsedDate, { kind: 'dm' }>,
    v: string,
    row: number,
    col: CompiledColumn,
    header: string,
    issue: (c: ImportIssueCode, col: string, key: string, v: string, m: string) => void,
  ): Wall | 'pending' | undefined {
    const forced = this.o.dateOrder;
    if (forced === 'YMD') {
      issue(
        'invalid_date',
        header,
        col.key,
        v,
        `"${header}": "${v}" is not year-first, but dateOrder is 'YMD'.`,
      );
      return undefined;
    }
    if (forced) {
      const w = resolveDm(p, forced);
      if (typeof w === 'string') {
        issue('invalid_date', header, col.key, v, `"${header}": "${v}" read as ${forced}: ${w}.`);
        return undefined;
      }
      return w;
    }
    const st = this.stateOf(col.key);
    if (st.mixed) {
      issue(
        'mixed_date_order',
        header,
        col.key,
        v,
        `"${header}" mixes day-first and month-first dates, so "${v}" cannot be trusted. Use YYYY-MM-DD, or fix the column and pass dateOrder.`,
      );
      return undefined;
    }
    if (p.order === null) {
      if (st.order === undefined) return 'pending';
      const w = resolveDm(p, st.order);
      if (typeof w === 'string') {
        issue('invalid_date', header, col.key, v, `"${header}": "${v}" read as ${st.order}: ${w}.`);
        return undefined;
      }
      return w;
    }
    if (st.order === undefined) {
      st.order = p.order;
      st.settledRow = row;
      st.settledValue = v;
      this.settle(col.key, p.order);
    } else if (st.order !== p.order) {
      st.mixed = true;
      this.mixedColumns.set(col.key, header);
      this.failPending(col.key, 'mixed_date_order');
      issue(
        'mixed_date_order',
        header,
        col.key,
        v,
        `"${header}" mixes date orders: row ${st.settledRow} has "${st.settledValue}" (${st.order === 'DMY' ? 'day' : 'month'} first) but "${v}" is ${p.order === 'DMY' ? 'day' : 'month'} first. Use YYYY-MM-DD, or fix the column and pass dateOrder.`,
      );
      return undefined;
    }
    const w = resolveDm(p, p.order);
    if (typeof w === 'string') {
      issue('invalid_date', header, col.key, v, `"${header}": "${v}": ${w}.`);
      return undefined;
    }
    return w;
  }

  private push(e: Entry): void {
    if (e.pending === null && this.queue.length === this.queueHead) {
      this.release(e);
      return;
    }
    this.queue.push(e);
    if (e.pending) this.pendingCount++;
    // Bounded memory: past the limit, the oldest undecided rows give up.
    while (this.queue.length - this.queueHead > this.o.maxDeferredRows) {
      const head = this.queue[this.queueHead]!;
      if (head.pending) this.failEntry(head, 'ambiguous_date', this.o.maxDeferredRows);
      this.drain();
    }
  }

  private failEntry(e: Entry, code: 'ambiguous_date' | 'mixed_date_order', limit?: number): void {
    for (const pc of e.pending ?? []) {
      const why =
        code === 'mixed_date_order'
          ? `"${pc.header}" mixes day-first and month-first dates, so "${pc.raw}" cannot be trusted. Use YYYY-MM-DD, or fix the column and pass dateOrder.`
          : `"${pc.header}": "${pc.raw}" could be day-first or month-first and no value in the column ${limit ? `(within ${limit} rows) ` : ''}settles it. Pass dateOrder: 'DMY' or 'MDY', or use YYYY-MM-DD.`;
      e.issues.push({
        code,
        severity: 'error',
        row: e.row,
        column: pc.header,
        path: [pc.col.key],
        value: clip(pc.raw),
        message: why,
      });
    }
    e.pending = null;
    this.pendingCount--;
  }

  private settle(key: string, order: 'DMY' | 'MDY'): void {
    if (this.pendingCount === 0) return;
    for (let i = this.queueHead; i < this.queue.length; i++) {
      const e = this.queue[i]!;
      if (!e.pending) continue;
      const rest: PendingCell[] = [];
      for (const pc of e.pending) {
        if (pc.col.key !== key) {
          rest.push(pc);
          continue;
        }
        const w = resolveDm(pc.parsed, order);
        const push = (code: ImportIssueCode, message: string) =>
          e.issues.push({
            code,
            severity: 'error',
            row: e.row,
            column: pc.header,
            path: [key],
            value: clip(pc.raw),
            message,
          });
        if (typeof w === 'string') {
          push('invalid_date', `"${pc.header}": "${pc.raw}" read as ${order}: ${w}.`);
          continue;
        }
        const col = pc.col;
        const ms = this.placeWall(w, pc.header, key, pc.raw, (c, _h, _k, _v, m) => push(c, m));
        if (ms === undefined) continue;
        let value: unknown = new Date(ms);
        if (col.schema) {
          const r = col.schema.safeParse(value);
          if (!r.success) {
            push(
              'invalid_value',
              `"${pc.header}": ${r.error.issues[0]?.message ?? 'invalid value'}.`,
            );
            continue;
          }
          value = r.data;
        }
        if (e.value) {
          if (col.builtin) (e.value as unknown as Record<string, unknown>)[key] = value;
          else e.value.custom[key] = value;
        }
        if (this.o.trackDayMonthRows) {
          if (e.dmCols === null) e.dmCols = [key];
          else e.dmCols.push(key);
        }
      }
      if (rest.length === 0) {
        e.pending = null;
        this.pendingCount--;
      } else e.pending = rest;
    }
    this.drain();
  }

  private failPending(key: string, code: 'mixed_date_order'): void {
    if (this.pendingCount === 0) return;
    for (let i = this.queueHead; i < this.queue.length; i++) {
      const e = this.queue[i]!;
      if (!e.pending) continue;
      const mine = e.pending.filter((p) => p.col.key === key);
      if (mine.length === 0) continue;
      const others = e.pending.filter((p) => p.col.key !== key);
      e.pending = mine;
      this.failEntry(e, code);
      if (others.length) {
        e.pending = others;
        this.pendingCount++;
      }
    }
    this.drain();
  }

  private drain(): void {
    while (this.queueHead < this.queue.length) {
      const e = this.queue[this.queueHead]!;
      if (e.pending) break;
      this.queue[this.queueHead] = undefined as unknown as Entry;
      this.queueHead++;
      this.release(e);
    }
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    }
  }

  private release(e: Entry): void {
    if (e.issues.length > 1) {
      this.issueOrder ??= byColumnOrder(this.slots);
      e.issues.sort(this.issueOrder);
    }
    const valid = e.value !== null && e.issues.length === 0 && !this.missingRequired;
    if (valid && e.dmCols) {
      for (const k of e.dmCols) {
        let set = this.dayMonthRows.get(k);
        if (!set) {
          set = new Set();
          this.dayMonthRows.set(k, set);
        }
        set.add(e.value!);
      }
    }
    this.ready.push({ row: e.row, value: valid ? e.value : null, issues: e.issues });
  }

  /** End of input: rows still waiting for a date order become `ambiguous_date`. */
  finish(): void {
    for (let i = this.queueHead; i < this.queue.length; i++) {
      const e = this.queue[i]!;
      if (e.pending) this.failEntry(e, 'ambiguous_date');
    }
    this.drain();
  }
}

function byColumnOrder(slots: ReadonlyArray<{ col: CompiledColumn }>) {
  const order = new Map<string, number>();
  slots.forEach((s, i) => {
    order.set(s.col.key, i);
  });
  const rank = (i: ImportIssue): number =>
    i.path.length === 0 ? -1 : (order.get(String(i.path[0])) ?? slots.length);
  return (a: ImportIssue, b: ImportIssue) => rank(a) - rank(b);
}

/** @internal A cell as text (numbers as JavaScript prints them, Dates as ISO). */
export function cellText(c: Cell): string {
  if (c === null || c === undefined) return '';
  if (typeof c === 'string') return c;
  if (c instanceof Date) return Number.isNaN(c.getTime()) ? '' : c.toISOString();
  return String(c);
}
