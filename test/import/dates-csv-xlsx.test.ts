import ExcelJS from 'exceljs';
import { validateImport } from 'ticketkit';
import { describe, expect, it } from 'vitest';

const brief = (i: { row: number; column: string | null; code: string }) => [
  i.row,
  i.column,
  i.code,
];
const dates = (lines: string[], opts: Record<string, unknown> = {}) =>
  validateImport(
    `id,title,priority,createdAt\n${lines.map((d, i) => `T${i},t,low,${d}`).join('\n')}\n`,
    {
      timeZone: 'UTC',
      ...opts,
    },
  );

describe('date-column ambiguity (M2)', () => {
  it('refuses a column of only ambiguous values until an order is given', async () => {
    const r = await dates(['03/04/2026', '05/06/2026']);
    expect(r.errors.map(brief)).toEqual([
      [2, 'createdAt', 'ambiguous_date'],
      [3, 'createdAt', 'ambiguous_date'],
    ]);
    expect(r.valid).toEqual([]);
    const dmy = await dates(['03/04/2026'], { dateOrder: 'DMY' });
    expect(dmy.valid[0]!.createdAt).toEqual(new Date('2026-04-03T00:00:00Z'));
    const mdy = await dates(['03/04/2026'], { dateOrder: 'MDY' });
    expect(mdy.valid[0]!.createdAt).toEqual(new Date('2026-03-04T00:00:00Z'));
  });

  it('lets one unambiguous value settle the whole column, before or after the ambiguous ones', async () => {
    const r = await dates(['03/04/2026', '26/06/2026', '07/08/2026 9:15']);
    expect(r.errors).toEqual([]);
    expect(r.valid.map((v) => v.createdAt!.toISOString())).toEqual([
      '2026-04-03T00:00:00.000Z',
      '2026-06-26T00:00:00.000Z',
      '2026-08-07T09:15:00.000Z',
    ]);
    const m = await dates(['03/04/2026', '06/26/2026']);
    expect(m.valid.map((v) => v.createdAt!.toISOString().slice(0, 10))).toEqual([
      '2026-03-04',
      '2026-06-26',
    ]);
  });

  it('rejects a column with mixed orders, including rows accepted before the conflict', async () => {
    const r = await dates(['26/06/2026', '03/04/2026', '2026-01-05', '06/27/2026', '01/02/2026']);
    expect(r.errors.map(brief)).toEqual([
      [1, 'createdAt', 'mixed_date_order'],
      [2, 'createdAt', 'mixed_date_order'],
      [3, 'createdAt', 'mixed_date_order'],
      [5, 'createdAt', 'mixed_date_order'],
      [6, 'createdAt', 'mixed_date_order'],
    ]);
    expect(r.valid.map((v) => v.row)).toEqual([4]); // ISO 8601 is always accepted
  });

  it('always accepts ISO 8601; rejects values that break a given order; two-digit years', async () => {
    const r = await dates(
      ['2026-01-21T14:30:00Z', '13/13/2026', '21/01/26', '2026-02-30', '02/25/2026'],
      {
        dateOrder: 'DMY',
      },
    );
    expect(r.errors.map(brief)).toEqual([
      [3, 'createdAt', 'invalid_date'],
      [4, 'createdAt', 'invalid_date'],
      [5, 'createdAt', 'invalid_date'],
      [6, 'createdAt', 'invalid_date'],
    ]);
    expect(r.errors[1]!.message).toContain('two-digit');
    expect(r.errors[2]!.message).toContain('day 30 does not exist');
  });

  it('gives up on rows held past maxDeferredRows with ambiguous_date, in file order', async () => {
    const r = await dates(['01/02/2026', '03/04/2026', '05/06/2026', '26/06/2026'], {
      maxDeferredRows: 2,
    });
    expect(r.errors.map(brief)).toEqual([[2, 'createdAt', 'ambiguous_date']]);
    expect(r.valid.map((v) => v.row)).toEqual([3, 4, 5]);
  });

  it('reads the other accepted formats', async () => {
    const r = await dates(
      [
        '2026/1/21 14:30',
        '2026年1月21日 14:30',
        '2026年1月21日',
        '2026-01-21 2:30 PM',
        '2026-01-21T14:30:00.250+08:00',
      ],
      { timeZone: 'Asia/Shanghai' },
    );
    expect(r.valid.map((v) => v.createdAt!.toISOString())).toEqual([
      '2026-01-21T06:30:00.000Z',
      '2026-01-21T06:30:00.000Z',
      '2026-01-20T16:00:00.000Z',
      '2026-01-21T06:30:00.000Z',
      '2026-01-21T06:30:00.250Z',
    ]);
  });
});

describe('local times across DST (T4)', () => {
  const berlin = { timeZone: 'Europe/Berlin' };
  it('rejects nonexistent and repeated local times by default: 0 silent shifts', async () => {
    const r = await dates(
      ['2026-03-29 02:30', '2026-10-25 02:30', '2026-03-29 03:30', '2026-10-25 03:30'],
      berlin,
    );
    expect(r.errors.map(brief)).toEqual([
      [2, 'createdAt', 'nonexistent_local_time'],
      [3, 'createdAt', 'ambiguous_local_time'],
    ]);
    expect(r.valid.map((v) => v.createdAt!.toISOString())).toEqual([
      '2026-03-29T01:30:00.000Z',
      '2026-10-25T02:30:00.000Z',
    ]);
  });

  it.each([
    ['earlier', '2026-03-29T00:30:00.000Z', '2026-10-25T00:30:00.000Z'],
    ['later', '2026-03-29T01:30:00.000Z', '2026-10-25T01:30:00.000Z'],
  ])('localTimePolicy %s picks the expected instant', async (policy, gap, overlap) => {
    const r = await dates(['2026-03-29 02:30', '2026-10-25 02:30'], {
      ...berlin,
      localTimePolicy: policy,
    });
    expect(r.valid.map((v) => v.createdAt!.toISOString())).toEqual([gap, overlap]);
  });

  it('also applies to US zones and to day/month values settled later', async () => {
    const r = await dates(['08/03/2026 02:30', '13/03/2026'], { timeZone: 'America/New_York' });
    expect(r.errors.map(brief)).toEqual([[2, 'createdAt', 'nonexistent_local_time']]);
  });
});

describe('CSV reading (RFC 4180)', () => {
  const tz = { timeZone: 'UTC' };
  it('counts spreadsheet rows: quoted newlines stay in one row, blank lines keep their number', async () => {
    const csv = 'id,title,priority\r\nA,"two\r\nlines, ""quoted""",low\r\n\r\nB,,low\rC,t,bad\n';
    const r = await validateImport(csv, tz);
    expect(r.valid.map((v) => [v.row, v.title])).toEqual([[2, 'two\r\nlines, "quoted"']]);
    expect(r.errors.map(brief)).toEqual([
      [4, 'title', 'required'],
      [5, 'priority', 'invalid_enum'],
    ]);
    expect(r.total).toBe(3);
  });

  it.each([
    [';', 'id;title;priority\nA;x,y;low\n'],
    ['\t', 'id\ttitle\tpriority\nA\tx,y\tlow\n'],
  ])('detects the %j delimiter from the header line', async (d, csv) => {
    const r = await validateImport(csv, tz);
    expect(r.delimiter).toBe(d);
    expect(r.valid[0]!.title).toBe('x,y');
  });

  it('reports malformed records with their row and keeps going', async () => {
    const csv =
      'id,title,priority\nA,"bad"x,low\nB,t,low,extra\nC,t,low,\nD,"never closed,low\nE,t,low\n';
    const r = await validateImport(csv, tz);
    expect(r.errors.map(brief)).toEqual([
      [2, null, 'malformed_csv'],
      [3, null, 'malformed_csv'],
      [5, null, 'malformed_csv'],
    ]);
    expect(r.errors[2]!.message).toContain('Unterminated');
    expect(r.valid.map((v) => v.externalId)).toEqual(['C']);
  });

  it('reports an empty file instead of throwing', async () => {
    const r = await validateImport('', tz);
    expect(r.errors.map(brief)).toEqual([
      [1, null, 'malformed_csv'],
      [1, 'externalId', 'required'],
      [1, 'title', 'required'],
      [1, 'priority', 'required'],
    ]);
  });
});

describe('XLSX (exceljs)', () => {
  async function book(): Promise<Buffer> {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('工单');
    ws.addRow(['工单编号', '标题', '优先级', '创建时间', '描述']);
    ws.addRow(['X-1', '序列号日期', '高', 46043.6041666667, 12345]); // 2026-01-21 14:30
    ws.addRow([
      'X-2',
      { richText: [{ text: '富' }, { text: '文本' }] },
      'low',
      new Date(Date.UTC(2026, 0, 21, 14, 30)),
      null,
    ]);
    ws.addRow([
      'X-3',
      '公式',
      { formula: '"ur"&"gent"', result: 'urgent' },
      '2026-03-29 02:30',
      null,
    ]);
    ws.addRow(['X-4', '坏日期', 'low', 0.5, null]);
    ws.getCell('D3').numFmt = 'yyyy-mm-dd hh:mm';
    return Buffer.from(await wb.xlsx.writeBuffer());
  }

  it('reads the first sheet: serial dates, Date cells, rich text and formulas', async () => {
    const r = await validateImport(await book(), { timeZone: 'Asia/Shanghai' });
    expect(r.format).toBe('xlsx');
    expect(r.encoding).toBe('xlsx');
    expect(
      r.valid.map((v) => [
        v.row,
        v.externalId,
        v.title,
        v.priority,
        v.createdAt?.toISOString(),
        v.description,
      ]),
    ).toEqual([
      [2, 'X-1', '序列号日期', 'high', '2026-01-21T06:30:00.000Z', '12345'],
      [3, 'X-2', '富文本', 'low', '2026-01-21T06:30:00.000Z', undefined],
      [4, 'X-3', '公式', 'urgent', '2026-03-28T18:30:00.000Z', undefined],
    ]);
    expect(r.errors.map(brief)).toEqual([[5, '创建时间', 'invalid_date']]);
  });

  it('selects a sheet by name and reports a missing one', async () => {
    const bytes = await book();
    const r = await validateImport(bytes, { timeZone: 'UTC', sheet: '工单' });
    expect(r.validCount).toBe(3);
    await expect(validateImport(bytes, { timeZone: 'UTC', sheet: 'nope' })).rejects.toMatchObject({
      issues: [{ path: ['sheet'] }],
    });
  });
});
