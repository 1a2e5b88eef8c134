import { parse } from 'csv-parse/sync';
import {
  errorReportCsv,
  exportTemplate,
  type ImportBatch,
  type ImportProgress,
  iterateImport,
  validateImport,
  validateImportStream,
} from 'ticketkit';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { csvOf, fiveHundredRows, gbk, trickle } from './_fixtures';

const TZ = { timeZone: 'Asia/Shanghai' } as const;
const brief = (i: { row: number; column: string | null; code: string; suggestion?: string }) => ({
  row: i.row,
  column: i.column,
  code: i.code,
  ...(i.suggestion ? { suggestion: i.suggestion } : {}),
});

describe('the 500-row GBK file and its UTF-8 twin', () => {
  const text = csvOf(fiveHundredRows());

  it('finds exactly the planted problems, at the right rows and columns', async () => {
    const r = await validateImport(gbk(text), TZ);
    expect(r.encoding).toBe('gb18030');
    expect(r.total).toBe(500);
    expect(r.errors.map(brief)).toEqual([
      { row: 12, column: '优先级', code: 'required' },
      { row: 22, column: '优先级', code: 'invalid_enum', suggestion: 'high' },
      { row: 32, column: '描述', code: 'too_long' },
      { row: 42, column: '工单编号', code: 'duplicate_id' },
    ]);
    expect(r.errors[3]!.message).toContain('row 7');
    expect(r.errorCount).toBe(4);
    expect(r.validCount).toBe(496);
    expect(r.invalidCount).toBe(4);
    expect(r.valid).toHaveLength(496);
    expect(r.warnings).toEqual([]);
    expect(r.ok).toBe(false);
  });

  it('normalises values: aliases, trimming, dates in five formats, quoted newlines', async () => {
    const r = await validateImport(gbk(text), TZ);
    const byRow = new Map(r.valid.map((v) => [v.row, v]));
    expect(byRow.get(2)).toEqual({
      row: 2,
      externalId: 'WO-2026-0000',
      title: '打印机无法连接网络 #0',
      description: '客户反馈：打印机无法连接网络，影响1人，已重启，问题依旧',
      priority: 'urgent',
      category: '硬件',
      status: 'pending',
      customerId: 'C-1000',
      assignee: undefined,
      createdAt: new Date('2026-01-01T01:30:00Z'),
      custom: {},
    });
    expect(byRow.get(3)!.createdAt).toEqual(new Date('2026-02-02T02:00:00Z')); // +08:00 given
    expect(byRow.get(4)!.createdAt).toEqual(new Date('2026-03-03T00:05:00Z')); // 2026/3/3 8:05
    expect(byRow.get(5)!.createdAt).toEqual(new Date('2026-04-02T16:00:00Z')); // 03/04 → 3 April
    expect(byRow.get(6)!.createdAt).toEqual(new Date('2026-05-04T16:00:00Z')); // 05/05/2026
    expect(byRow.get(8)!.priority).toBe('low'); // " low " trimmed
    expect(byRow.get(9)!.description).toBe('第一行\n第二行，含逗号和"引号"');
    expect(byRow.get(10)!.row).toBe(10); // the quoted newline did not shift row numbers
    expect(byRow.get(52)!.createdAt).toEqual(new Date('2026-06-25T16:00:00Z'));
  });

  it('the UTF-8 twin gives the same report except the encoding', async () => {
    const a = await validateImport(gbk(text), TZ);
    const b = await validateImport(Buffer.from(text, 'utf8'), TZ);
    expect(b.encoding).toBe('utf-8');
    expect({ ...b, encoding: 'x' }).toEqual({ ...a, encoding: 'x' });
  });

  it('decodes GBK split at every awkward byte boundary the same way', async () => {
    const a = await validateImport(gbk(text), TZ);
    const b = await validateImport(trickle(gbk(text)), TZ);
    expect(b).toEqual(a);
  });

  it('streams batches whose union equals validateImport, with monotonic progress', async () => {
    const full = await validateImport(gbk(text), TZ);
    const progress: ImportProgress[] = [];
    const it = iterateImport(gbk(text), {
      ...TZ,
      batchSize: 100,
      onProgress: (p) => progress.push(p),
    });
    const batches: ImportBatch[] = [];
    for await (const b of it) batches.push(b);
    expect(batches.map((b) => b.lastRow)).toEqual([101, 201, 301, 401, 501]);
    expect(batches.flatMap((b) => b.rows)).toEqual(full.valid);
    expect(batches.flatMap((b) => b.issues)).toEqual(full.errors);
    const { valid: _v, ...summary } = full;
    expect(it.summary).toEqual(summary);
    expect(progress.length).toBeGreaterThan(0);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.rowsRead).toBeGreaterThanOrEqual(progress[i - 1]!.rowsRead);
      expect(progress[i]!.bytesRead).toBeGreaterThanOrEqual(progress[i - 1]!.bytesRead);
    }
    expect(progress.at(-1)).toEqual({ rowsRead: 501, bytesRead: gbk(text).length });
  });

  it('resumes after a checkpoint without losing duplicate detection', async () => {
    const rows: ImportBatch[] = [];
    const summary = await validateImportStream(gbk(text), {
      ...TZ,
      batchSize: 50,
      resumeAfterRow: 41,
      onBatch: (b) => {
        rows.push(b);
      },
    });
    expect(rows[0]!.issues.map(brief)).toEqual([
      { row: 42, column: '工单编号', code: 'duplicate_id' },
    ]);
    expect(rows.flatMap((b) => b.rows)[0]!.row).toBe(43);
    expect(summary.errorCount).toBe(4);
  });

  it('writes an error report that csv-parse reads back', async () => {
    const r = await validateImport(gbk(text), TZ);
    const parsed = parse(errorReportCsv(r), { columns: true }) as Record<string, string>[];
    expect(parsed.map((p) => [p.row, p.column, p.code, p.suggestion])).toEqual([
      ['12', '优先级', 'required', ''],
      ['22', '优先级', 'invalid_enum', 'high'],
      ['32', '描述', 'too_long', ''],
      ['42', '工单编号', 'duplicate_id', ''],
    ]);
    const zh = errorReportCsv(r, { language: 'zh', bom: true });
    expect(zh.startsWith('\uFEFF行号,列,级别,错误代码')).toBe(true);
  });
});

describe('columns and headers', () => {
  it('accepts English headers in any case and spacing; warns about unknown ones', async () => {
    const r = await validateImport(
      'External ID,TITLE,priority ,Created_At,notes\nA1,t,URGENT,2026-01-21,x\n',
      TZ,
    );
    expect(r.columns.map((c) => c.key)).toEqual([
      'externalId',
      'title',
      'priority',
      'createdAt',
      null,
    ]);
    expect(r.valid[0]).toMatchObject({ externalId: 'A1', priority: 'urgent' });
    expect(r.valid[0]!.createdAt).toEqual(new Date('2026-01-20T16:00:00Z'));
    expect(r.warnings.map(brief)).toEqual([{ row: 1, column: 'notes', code: 'unknown_column' }]);
    expect(r.ok).toBe(true);
  });

  it('reports a missing required column once, and no row is valid', async () => {
    const r = await validateImport('externalId,title\nA,t\nB,u\n', TZ);
    expect(r.errors.map(brief)).toEqual([{ row: 1, column: 'priority', code: 'required' }]);
    expect(r.errors[0]!.message).toContain('优先级');
    expect(r.validCount).toBe(0);
    expect(r.total).toBe(2);
  });

  it('rejects duplicate columns (same key under two names, or the same name twice)', async () => {
    const r = await validateImport('externalId,title,标题,priority,x,X\nA,t,u,low,1,2\n', TZ);
    expect(r.errors.map(brief)).toEqual([
      { row: 1, column: '标题', code: 'duplicate_column' },
      { row: 1, column: 'X', code: 'duplicate_column' },
    ]);
    expect(r.valid[0]!.title).toBe('t');
  });

  it('suggests close enum values, Chinese aliases included', async () => {
    const r = await validateImport(
      'id,title,priority,status\nA,t,hihg,待受理\nB,t,紧急的,处理\nC,t,xyz,pending\nD,t,中,in progress\n',
      TZ,
    );
    expect(r.errors.map(brief)).toEqual([
      { row: 2, column: 'priority', code: 'invalid_enum', suggestion: 'high' },
      { row: 3, column: 'priority', code: 'invalid_enum', suggestion: 'urgent' },
      { row: 3, column: 'status', code: 'invalid_enum', suggestion: 'in_progress' },
      { row: 4, column: 'priority', code: 'invalid_enum' },
    ]);
    expect(r.valid.map((v) => [v.priority, v.status])).toEqual([['normal', 'in_progress']]);
  });

  it('extends the schema: custom columns with zod, enums, aliases; overrides required-ness and statuses', async () => {
    const csv = 'id,标题,区域,金额,state\nA,t,北区,12.5,新建\nB,t,west,-1,done\nC,t,south,,新建\n';
    const r = await validateImport(csv, {
      ...TZ,
      columns: {
        priority: { required: false },
        region: {
          aliases: ['区域'],
          required: true,
          enum: { values: ['north', 'south'], aliases: { north: ['北区'], south: ['南区'] } },
        },
        amount: { aliases: ['金额'], schema: z.coerce.number().positive() },
      },
      statuses: { values: ['new', 'done'], aliases: { new: ['新建'] } },
    });
    expect(r.valid.map((v) => [v.row, v.status, v.custom])).toEqual([
      [2, 'new', { region: 'north', amount: 12.5 }],
      [4, 'new', { region: 'south' }],
    ]);
    expect(r.errors.map(brief)).toEqual([
      { row: 3, column: '区域', code: 'invalid_enum' },
      { row: 3, column: '金额', code: 'invalid_value' },
    ]);
  });

  it('throws a ValidationError for a bad configuration, listing every problem', async () => {
    await expect(
      validateImport('a', { timeZone: 'Mars/Olympus', dateOrder: 'XYZ' as never, maxErrors: -1 }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      issues: [{ path: ['timeZone'] }, { path: ['dateOrder'] }, { path: ['maxErrors'] }],
    });
    await expect(
      validateImport('a', { ...TZ, columns: { x: { aliases: ['标题'] } } }),
    ).rejects.toMatchObject({ issues: [{ code: 'duplicate_column' }] });
  });
});

describe('size limits and hostile text (M7)', () => {
  it('rejects a 1 MB title as too_long and a bigger record via the record limit', async () => {
    const big = 'x'.repeat(1_000_000);
    const r = await validateImport(
      `id,title,priority\nA,${big},low\nB,${big}${big},low\nC,ok,low\n`,
      TZ,
    );
    expect(r.errors.map(brief)).toEqual([
      { row: 2, column: 'title', code: 'too_long' },
      { row: 3, column: null, code: 'malformed_csv' },
    ]);
    expect(r.errors[0]!.value!.length).toBeLessThanOrEqual(201);
    expect(r.valid.map((v) => v.externalId)).toEqual(['C']);
  });

  it('rejects NUL characters and honours maxLength overrides', async () => {
    const r = await validateImport('id,title,priority,description\nA,a\0b,low,\nB,t,low,abcdef\n', {
      ...TZ,
      columns: { description: { maxLength: 5 } },
    });
    expect(r.errors.map(brief)).toEqual([
      { row: 2, column: 'title', code: 'invalid_value' },
      { row: 3, column: 'description', code: 'too_long' },
    ]);
    expect(r.errors[0]!.value).toBe('a\\0b');
  });

  it('counts code points, not UTF-16 units, against limits', async () => {
    const r = await validateImport(`id,title,priority\nA,${'😀'.repeat(200)},low\n`, TZ);
    expect(r.ok).toBe(true);
  });

  it('caps the error list but keeps the true count', async () => {
    const lines = ['id,title,priority'];
    for (let i = 0; i < 3000; i++) lines.push(`${i},t,bad`);
    const r = await validateImport(lines.join('\n'), { ...TZ, maxErrors: 10 });
    expect(r.errors).toHaveLength(10);
    expect(r.errorCount).toBe(3000);
    expect(r.invalidCount).toBe(3000);
  });
});

describe('exportTemplate', () => {
  it('produces a template whose sample row validates, in Chinese and English', async () => {
    for (const language of ['zh', 'en'] as const) {
      const t = exportTemplate({ language, bom: true });
      expect(t.startsWith('\uFEFF')).toBe(true);
      const r = await validateImport(t, TZ);
      expect(r.ok).toBe(true);
      expect(r.valid).toHaveLength(1);
      expect(r.valid[0]!.priority).toBe('high');
    }
    expect(exportTemplate().split('\r\n')[0]).toBe(
      '工单编号,标题,描述,优先级,类型,状态,客户编号,处理人,创建时间',
    );
    expect(exportTemplate({ language: 'en', requiredOnly: true }).split('\r\n')[0]).toBe(
      'externalId,title,priority',
    );
  });

  it('includes custom columns and a custom workflow state', async () => {
    const opts = {
      columns: {
        region: {
          label: { zh: '区域', en: 'region' },
          sample: { zh: '北区' },
          enum: { values: ['north'], aliases: { north: ['北区'] } },
        },
      },
      statuses: { values: ['new', 'done'], aliases: { new: ['新建'] } },
    };
    const t = exportTemplate(opts);
    expect(t).toContain('区域');
    const r = await validateImport(t, { ...TZ, ...opts });
    expect(r.ok).toBe(true);
    expect(r.valid[0]).toMatchObject({ status: 'new', custom: { region: 'north' } });
  });
});
