import { validateImport } from 'ticketkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AfterSalesResult,
  encodeGbk,
  historicalCsv,
  main,
} from '../../examples/after-sales/after-sales';

describe('after-sales example: CRM links, a GBK migration, webhooks to the CRM (PGlite)', () => {
  let run: AfterSalesResult;
  beforeAll(async () => {
    run = await main(() => {});
  }, 120_000);

  it('writes the export as GBK that the importer detects and decodes back to the same text', async () => {
    const text = historicalCsv(false);
    const bytes = encodeGbk(text);
    expect(Buffer.from(bytes).equals(Buffer.from(text, 'utf8'))).toBe(false);
    expect(new TextDecoder('gbk').decode(bytes)).toBe(text);
    const report = await validateImport(bytes, { timeZone: 'Asia/Shanghai' });
    expect([report.encoding, report.total, report.errorCount]).toEqual(['gb18030', 500, 0]);
  });

  it('dry-runs the first export: four bad rows named by row and column, nothing stored', () => {
    const { dryRun } = run;
    expect(dryRun).toMatchObject({ dryRun: true, created: 496, batches: 0 });
    expect(dryRun.report.errors.map((e) => [e.row, e.column, e.code, e.value])).toEqual([
      [18, '优先级', 'invalid_enum', '很急'],
      [43, '创建时间', 'invalid_date', '2025/13/40 9:16'],
      [100, '工单编号', 'duplicate_id', 'AS-2025-0098'],
      [251, '状态', 'invalid_enum', '已关闭'],
    ]);
  });

  it('imports the corrected export once: 500 tickets, and a re-run duplicates none', () => {
    expect(run.imported).toMatchObject({ dryRun: false, created: 500, skipped: 0 });
    expect(run.imported.report.errorCount).toBe(0);
    expect(run.reimported).toMatchObject({ created: 0, skipped: 500, batches: 0 });
  });

  it('finds tickets through the CRM links: customer id and serial number', () => {
    // Four imported tickets of customer C010007 plus the two opened today.
    expect(run.customerHistory).toHaveLength(6);
    expect(run.customerHistory).toEqual(expect.arrayContaining(['AS-2026-0001', 'AS-2026-0003']));
    expect(run.bySerial).toEqual(['AS-2026-0001']);
  });

  it('posts every resolution to the CRM exactly once, through a relay crash and a lost answer', () => {
    expect(run.relayFailures).toBe(1); // the relay died after routing one resolution
    expect(run.delivered).toBe(5); // ... yet the notification outbox held one message per resolution
    expect(run.crm.requests).toBe(6); // the CRM's first answer was lost: that message came twice
    expect(run.crm.recorded).toEqual([
      {
        externalId: 'AS-2025-0491',
        customerId: 'C010020',
        serialNumber: 'SN-HA64090713',
        orderNumber: 'SO20250491',
        ticketId: expect.stringMatching(/^tk_imp_/),
      },
      {
        externalId: 'AS-2025-0495',
        customerId: 'C010105',
        serialNumber: 'SN-HA07589358',
        orderNumber: 'SO20250495',
        ticketId: expect.stringMatching(/^tk_imp_/),
      },
      {
        externalId: 'AS-2025-0496',
        customerId: 'C010021',
        serialNumber: 'SN-HA28235563',
        orderNumber: 'SO20250496',
        ticketId: expect.stringMatching(/^tk_imp_/),
      },
      {
        customerId: 'C010007',
        serialNumber: 'SN-AC20250107',
        orderNumber: 'SO20251201',
        ticketId: 'AS-2026-0001',
      },
      {
        customerId: 'C010007',
        serialNumber: 'SN-HA90001122',
        orderNumber: 'SO20251130',
        ticketId: 'AS-2026-0003',
      },
    ]);
  });
});
