import iconv from 'iconv-lite';
import { createManualClock, createTicketing, memoryStore, type TicketStore } from 'ticketkit';
import { describe, expect, it } from 'vitest';
import { importedTicketId, readImportRecord } from '../../src/desk/_import';

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

  it('keeps one import record per import id: running, then completed; a re-run updates it', async () => {
    const { desk, store } = setup();
    const many = Array.from({ length: 7 }, (_, i) => good(i + 1));
    const input = file([...many, 'EX-99,缺优先级,,待受理,C-1,2026-01-03']);
    const first = await desk.import(input, {
      actor: admin,
      timeZone: 'Asia/Shanghai',
      batchSize: 3,
    });
    expect(first.record).toMatchObject({
      status: 'completed',
      runs: 1,
      total: 8,
      valid: 7,
      invalid: 1,
      created: 7,
      skipped: 0,
      batches: 3,
      errorCount: 1,
      actor: { id: 'migrator' },
      startedAt: '2026-03-02T01:00:00.000Z',
      completedAt: '2026-03-02T01:00:00.000Z',
    });
    expect(first.record?.errors.map((e) => [e.row, e.code])).toEqual([[9, 'required']]);
    // The same content gets the same default id: the re-run updates the one record.
    const again = await desk.import(input, { actor: admin, timeZone: 'Asia/Shanghai' });
    expect(again.record).toMatchObject({ id: first.record!.id, runs: 2, created: 0, skipped: 7 });
    expect(await readImportRecord(store, 'default', first.record!.id)).toEqual(again.record);
    // A dry run keeps nothing.
    const dry = await desk.import(input, { actor: admin, dryRun: true, importId: 'dry-1' });
    expect(dry.record).toBeNull();
    expect(await readImportRecord(store, 'default', 'dry-1')).toBeNull();
  });

  it('marks the record failed when a batch fails, and completed after the re-run', async () => {
    const inner = memoryStore();
    let fail = true;
    const store: TicketStore = {
      ...inner,
      commitBatch: async (c) => {
        if (fail && inner.snapshot().tickets.size > 0) throw new Error('connection lost');
        return inner.commitBatch(c);
      },
    };
    const { desk } = setup(store);
    const input = file(Array.from({ length: 6 }, (_, i) => good(i + 1)));
    const opts = { actor: admin, timeZone: 'Asia/Shanghai', batchSize: 2, importId: 'mig-1' };
    await expect(desk.import(input, opts)).rejects.toThrow('connection lost');
    expect(await readImportRecord(store, 'default', 'mig-1')).toMatchObject({
      status: 'failed',
      created: 2,
      batches: 1,
      failure: expect.stringContaining('connection lost'),
    });
    fail = false;
    const r = await desk.import(input, opts);
    expect(r.record).toMatchObject({ status: 'completed', runs: 2, created: 4, skipped: 2 });
  });

  it('writes a lean import audit entry: the fields the row set, the import id and the row', async () => {
    const { desk } = setup();
    const r = await desk.import(file([good(3)]), {
      actor: admin,
      timeZone: 'Asia/Shanghai',
      importId: 'mig-2',
    });
    const [entry] = await desk.history(r.ticketIds[0]!);
    expect(entry?.meta).toEqual({ externalId: 'EX-3', importId: 'mig-2', row: 2 });
    const changed = Object.keys(entry!.changes);
    expect(changed).toEqual(expect.arrayContaining(['title', 'priority', 'status', 'createdAt']));
    for (const none of ['risk', 'team', 'parentId', 'location', 'tags', 'assignee']) {
      expect(changed).not.toContain(none);
    }
    for (const c of Object.values(entry!.changes)) expect(c.from).toBeNull();
  });

  it('stores batches concurrently but reports them in file order', async () => {
    const inner = memoryStore();
    let n = 0;
    const store: TicketStore = {
      ...inner,
      capabilities: { multiProcess: true, durable: false },
      // Later batches finish first: a slower commit for every other batch.
      commitBatch: async (c) => {
        const wait = n++ % 2 === 0 ? 20 : 1;
        await new Promise((r) => setTimeout(r, wait));
        return inner.commitBatch(c);
      },
    };
    const { desk } = setup(store);
    const many = Array.from({ length: 20 }, (_, i) => good(i + 1));
    const seen: number[] = [];
    const r = await desk.import(file(many), {
      actor: admin,
      timeZone: 'Asia/Shanghai',
      batchSize: 3,
      concurrency: 4,
      onProgress: (p) => seen.push(p.rowsRead),
    });
    expect(r).toMatchObject({ created: 20, batches: 7 });
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(r.ticketIds).toEqual(many.map((_, i) => importedTicketId('default', `EX-${i + 1}`)));
    const titles = await Promise.all(r.ticketIds.map(async (id) => (await desk.get(id))?.title));
    expect(titles).toEqual(many.map((_, i) => `打印机故障 ${i + 1}`));
  });

  it('refuses a concurrency that is not a whole number from 1 to 64', async () => {
    const { desk } = setup();
    for (const concurrency of [0, 1.5, 65]) {
      await expect(desk.import(file([good(1)]), { actor: admin, concurrency })).rejects.toThrow(
        /concurrency/,
      );
    }
  });
});
