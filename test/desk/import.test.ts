import iconv from 'iconv-lite';
import { createManualClock, createTicketing, memoryStore, type TicketStore } from 'ticketkit';
import { describe, expect, it } from 'vitest';

const admin = { id: 'migrator', roles: ['admin'] };
const header = '工单编号,标题,优先级,状态,客户编号,创建时间';
const good = (i: number) =>
  `EX-${i},打印机故障 ${i},高,处理中,C-${i % 7},2026-01-${String((i % 28) + 1).padStart(2, '0')} 10:30`;
function file(rows: string[]) {
  return [header, ...rows].join('\r\n');
}

function setup(store: TicketStore = memoryStore()) {
  const clock = createManualClock('2026-03-02T01:00:00Z');
  return { desk: createTicketing({ clock, store }), store };
}

describe('desk.import', () => {
  const rows = [
    good(1),
    good(2),
    'EX-3,缺优先级,,待受理,C-1,2026-01-03',
    good(4),
    'EX-5,拼写错误,Hign,待受理,C-1,2026-01-05',
    good(6),
    good(2).replace('打印机故障 2', '重复'),
  ];

  it('dry run reports exactly what the real run stores, and stores nothing', async () => {
    const { desk } = setup();
    const dry = await desk.import(file(rows), {
      actor: admin,
      timeZone: 'Asia/Shanghai',
      dryRun: true,
    });
    expect(dry.created).toBe(4);
    expect((await desk.list()).items).toHaveLength(0);
    const real = await desk.import(file(rows), { actor: admin, timeZone: 'Asia/Shanghai' });
    expect(real.created).toBe(4);
    expect(real.report.errors).toEqual(dry.report.errors);
    expect(real.report.errors.map((e) => [e.row, e.code])).toEqual([
      [4, 'required'],
      [6, 'invalid_enum'],
      [8, 'duplicate_id'],
    ]);
    expect(real.report.errors[1]?.suggestion).toBe('high');
    expect((await desk.list()).items).toHaveLength(4);
  });

  it('stores the normalised ticket with an import audit entry', async () => {
    const { desk } = setup();
    const r = await desk.import(file([good(1)]), { actor: admin, timeZone: 'Asia/Shanghai' });
    const t = (await desk.get(r.ticketIds[0]!))!;
    expect(t).toMatchObject({
      title: '打印机故障 1',
      priority: 'high',
      status: 'in_progress',
      requester: 'C-1',
      channel: 'import',
      externalRefs: { externalId: 'EX-1', customerId: 'C-1' },
      createdAt: '2026-01-02T02:30:00.000Z', // 10:30 in Shanghai
      version: 1,
    });
    const [entry] = await desk.history(t.id);
    expect(entry).toMatchObject({
      action: 'import',
      seq: 1,
      actor: { id: 'migrator' },
      meta: { externalId: 'EX-1' },
    });
  });

  it('is idempotent by external id: a re-run or a fixed file never duplicates', async () => {
    const { desk } = setup();
    await desk.import(file(rows), { actor: admin, timeZone: 'Asia/Shanghai' });
    const again = await desk.import(file(rows), { actor: admin, timeZone: 'Asia/Shanghai' });
    expect(again).toMatchObject({ created: 0, skipped: 4 });
    const fixed = rows.map((r) => r.replace(',,待受理', ',普通,待受理').replace('Hign', '高'));
    const third = await desk.import(file(fixed), { actor: admin, timeZone: 'Asia/Shanghai' });
    expect(third).toMatchObject({ created: 2, skipped: 4 });
    expect((await desk.list({ limit: 100 })).items).toHaveLength(6);
  });

  it('stores in atomic batches and reports monotonic progress', async () => {
    const { desk } = setup();
    const progress: number[] = [];
    const many = Array.from({ length: 10 }, (_, i) => good(i + 1));
    const r = await desk.import(file(many), {
      actor: admin,
      timeZone: 'Asia/Shanghai',
      batchSize: 3,
      onProgress: (p) => progress.push(p.created),
    });
    expect(r.batches).toBe(4);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(10);
  });

  it('leaves nothing half-written when a batch fails', async () => {
    const inner = memoryStore();
    let calls = 0;
    const store: TicketStore = {
      ...inner,
      commitBatch: async (c) => {
        calls++;
        if (calls === 2) throw new Error('disk full');
        return inner.commitBatch(c);
      },
    };
    const { desk } = setup(store);
    const many = Array.from({ length: 6 }, (_, i) => good(i + 1));
    await expect(
      desk.import(file(many), { actor: admin, timeZone: 'Asia/Shanghai', batchSize: 3 }),
    ).rejects.toThrow('disk full');
    expect(inner.snapshot().tickets.size).toBe(3); // the first batch, all of it; none of the second
    const resumed = await desk.import(file(many), {
      actor: admin,
      timeZone: 'Asia/Shanghai',
      batchSize: 3,
    });
    expect(resumed).toMatchObject({ created: 3, skipped: 3 });
  });

  it('stores nothing when the file is unusable as a whole (a date column mixing orders)', async () => {
    const { desk } = setup();
    const mixed = file(['EX-1,a,高,待受理,C-1,26/06/2026', 'EX-2,b,高,待受理,C-1,06/27/2026']);
    const r = await desk.import(mixed, { actor: admin, timeZone: 'Asia/Shanghai' });
    expect(r.created).toBe(0);
    expect(r.report.errors.some((e) => e.code === 'mixed_date_order')).toBe(true);
    expect((await desk.list()).items).toHaveLength(0);
  });

  it('checks the policy per row', async () => {
    const { desk } = setup();
    const requester = { id: 'C-1', roles: ['requester'] };
    const pending = (i: number) => good(i).replace('处理中', '待受理');
    const r = await desk.import(file([pending(1), pending(2), pending(8)]), {
      actor: requester,
      timeZone: 'Asia/Shanghai',
    });
    // Requesters may only open tickets for themselves: rows for customer C-1 pass (1 and 8).
    expect(r.created).toBe(2);
    expect(r.denied).toBe(1);
    expect(r.report.errors).toEqual([
      expect.objectContaining({ row: 3, code: 'permission_denied' }),
    ]);
  });

  it('checks the assignee and the status a row carries, not only the create', async () => {
    const { desk } = setup();
    const requester = { id: 'C-1', roles: ['requester'] };
    const rows = ['EX-1,归档的,高,已归档,C-1,2026-01-01', 'EX-2,已处理,高,处理中,C-1,2026-01-02'];
    const r = await desk.import(file(rows), { actor: requester, timeZone: 'Asia/Shanghai' });
    expect(r.created).toBe(0);
    expect(r.report.errors.map((e) => [e.row, e.code])).toEqual([
      [2, 'permission_denied'],
      [3, 'permission_denied'],
    ]);
    const withAssignee = 'externalId,title,priority,assignee\nEX-9,x,high,agent-7\n';
    const r2 = await desk.import(withAssignee, { actor: requester });
    expect(r2).toMatchObject({ created: 0, denied: 1 });
  });

  it('reads GBK bytes', async () => {
    const { desk } = setup();
    const bytes = iconv.encode(file([good(1), good(2)]), 'gbk');
    const r = await desk.import(new Uint8Array(bytes), { actor: admin, timeZone: 'Asia/Shanghai' });
    expect(r.report.encoding).toBe('gb18030');
    expect(r.created).toBe(2);
    expect((await desk.get(r.ticketIds[0]!))?.title).toBe('打印机故障 1');
  });
});
