/**
 * After-sales service linked to a CRM: every ticket carries the CRM's customer id, the product's
 * serial number and the order number; 500 historical tickets come over from the old system's
 * GBK CSV export (a dry run first, then the real import); every resolution is posted to the CRM
 * by a signed webhook, through the desk's transactional event outbox, and the CRM sees each
 * resolution exactly once even when a relay crashes and a delivery is retried.
 * Run with `npx tsx examples/after-sales/after-sales.ts`.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import {
  createManualClock,
  createNotificationQueue,
  createTicketing,
  type DeskImportResult,
  defineRouting,
  memoryOutbox,
  type OutboxPort,
  type RecipientDirectory,
  routeToOutbox,
  seededRandom,
  type Ticket,
  type TicketStore,
} from 'ticketkit';
import { pgliteStore } from 'ticketkit/adapters/pglite';
import { verifyWebhook, webhookNotifier } from 'ticketkit/adapters/webhook';

/** Columns of the old system's export (its Chinese headers; the last two are custom columns). */
const HEADER = '工单编号,标题,优先级,状态,客户编号,处理人,创建时间,产品序列号,订单号';
const faults = ['不制冷', '漏水', '噪音大', '无法开机', '遥控器失灵', '显示屏花屏', '异味'];
const products = ['空调', '冰箱', '洗衣机', '热水器'];

/** The old system's export: 500 tickets from a seeded generator; `withMistakes` adds four bad rows. */
export function historicalCsv(withMistakes: boolean): string {
  const rnd = seededRandom(2025);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const rows = [HEADER];
  for (let i = 1; i <= 500; i++) {
    const day = new Date(Date.UTC(2025, 0, 2) + Math.floor(rnd() * 360) * 86_400_000);
    const created = `${day.getUTCFullYear()}/${day.getUTCMonth() + 1}/${day.getUTCDate()} ${9 + Math.floor(rnd() * 9)}:${String(Math.floor(rnd() * 60)).padStart(2, '0')}`;
    const customer = `C${String(10_000 + Math.floor(rnd() * 120)).padStart(6, '0')}`;
    const product = pick(products);
    rows.push(
      [
        `AS-2025-${String(i).padStart(4, '0')}`,
        `${product}${pick(faults)}`,
        pick(['紧急', '高', '普通', '普通', '低']),
        i > 490 ? '处理中' : pick(['已解决', '已解决', '已归档']),
        customer,
        pick(['tech.he', 'tech.ma', 'tech.xu']),
        created,
        `SN-${product === '空调' ? 'AC' : 'HA'}${String(Math.floor(rnd() * 1e8)).padStart(8, '0')}`,
        `SO${20250000 + i}`,
      ].join(','),
    );
  }
  if (withMistakes) {
    rows[17] = rows[17]!.replace(/,(紧急|高|普通|低),/, ',很急,'); // not a priority
    rows[42] = rows[42]!.replace(/,2025\/\d+\/\d+/, ',2025/13/40'); // no such date
    rows[99] = rows[99]!.replace(/^AS-2025-\d+/, 'AS-2025-0098'); // a duplicate id
    rows[250] = rows[250]!.replace(/,(已解决|已归档),/, ',已关闭,'); // not a status of this desk
  }
  return `${rows.join('\r\n')}\r\n`;
}

/**
 * Encodes text as GBK. The SDK decodes GBK but exports no encoder, so this builds the reverse
 * table from the platform's own GBK decoder (Node with ICU, as the SDK needs anyway).
 */
export function encodeGbk(text: string): Uint8Array {
  const table = new Map<string, number>();
  const dec = new TextDecoder('gbk');
  for (let lead = 0x81; lead <= 0xfe; lead++)
    for (let trail = 0x40; trail <= 0xfe; trail++)
      if (trail !== 0x7f) table.set(dec.decode(new Uint8Array([lead, trail])), (lead << 8) | trail);
  const out: number[] = [];
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (code < 0x80) out.push(code);
    else if (table.has(ch)) out.push(table.get(ch)! >> 8, table.get(ch)! & 0xff);
    else throw new Error(`"${ch}" has no GBK code`);
  }
  return Uint8Array.from(out);
}

/** The CRM records a ticket is linked to. */
export interface Links {
  externalId?: string;
  customerId?: string;
  serialNumber?: string;
  orderNumber?: string;
}

/** What the CRM received, after dropping duplicates by `webhook-id`. */
export interface CrmLog {
  /** Every POST that passed signature verification (duplicates included). */
  requests: number;
  /** One entry per distinct webhook id: the resolution the CRM recorded. */
  recorded: (Links & { ticketId: string })[];
}

/** What the example produced, for the test. */
export interface AfterSalesResult {
  dryRun: DeskImportResult;
  imported: DeskImportResult;
  reimported: DeskImportResult;
  /** Ticket ids of the customer's history, found through the CRM links. */
  customerHistory: string[];
  /** Tickets of one serial number (no store filter on links: a scan). */
  bySerial: string[];
  crm: CrmLog;
  /** Relay passes whose handler threw (the simulated crash), each retried. */
  relayFailures: number;
  /** Webhook messages the notification outbox delivered (one per resolution). */
  delivered: number;
}

/** A CRM receiver on 127.0.0.1: verifies the signature, records each webhook id once. */
async function startCrm(secret: string, now: () => Date) {
  const crm: CrmLog = { requests: 0, recorded: [] };
  const seen = new Set<string>();
  let loseNextAck = true; // the first answer is lost on the way back: the sender must retry
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const d = verifyWebhook({
          secret,
          headers: req.headers,
          body: Buffer.concat(chunks),
          now: now(),
        });
        crm.requests++;
        if (!seen.has(d.id)) {
          seen.add(d.id);
          const { data } = d.payload as { data: { ticketId: string; event: { links: Links } } };
          crm.recorded.push({ ...data.event.links, ticketId: data.ticketId });
        }
        if (loseNextAck) {
          loseNextAck = false;
          res.writeHead(503).end(); // committed, but the sender hears a failure
        } else res.writeHead(204).end();
      } catch (e) {
        res.writeHead(400).end(String(e));
      }
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return { crm, url: `http://127.0.0.1:${port}/crm/ticketkit`, close: () => server.close() };
}

/** Runs the migration, a morning of service, and the CRM sync. */
export async function main(
  log: (line: string) => void = console.log,
  store: TicketStore = pgliteStore(),
): Promise<AfterSalesResult> {
  const clock = createManualClock('2026-01-05T09:00:00+08:00');
  let n = 0;
  const desk = createTicketing({
    clock,
    store,
    outbox: true,
    generateId: (kind) => `${kind === 'ticket' ? 'AS-2026-' : 'c-'}${String(++n).padStart(4, '0')}`,
  });
  const admin = { id: 'migration', roles: ['admin'] };
  const as = (id: string) => ({ actor: { id, roles: ['agent'] } });

  // 1. The migration: a dry run of the first export, then the corrected export for real.
  const importOptions = {
    actor: admin,
    timeZone: 'Asia/Shanghai',
    columns: { serialNumber: { aliases: ['产品序列号'] }, orderNumber: { aliases: ['订单号'] } },
  };
  const first = encodeGbk(historicalCsv(true));
  const dryRun = await desk.import(first, { ...importOptions, dryRun: true });
  log(
    `Dry run (${dryRun.report.encoding}, ${first.length} bytes): ${dryRun.report.total} rows, ${dryRun.created} would import, ${dryRun.report.errorCount} errors:`,
  );
  for (const e of dryRun.report.errors)
    log(
      `  row ${e.row} ${e.column}: ${e.code} ${JSON.stringify(e.value)}${e.suggestion ? ` (did you mean ${e.suggestion}?)` : ''}`,
    );
  const fixed = encodeGbk(historicalCsv(false));
  const imported = await desk.import(fixed, importOptions);
  log(`Import: ${imported.created} tickets in ${imported.batches} batches`);
  const reimported = await desk.import(fixed, importOptions);
  log(`Import again: ${reimported.created} new, ${reimported.skipped} skipped`);

  // 2. The CRM link: resolutions go out through the event outbox as signed webhooks.
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const receiver = await startCrm(secret, () => clock.now());
  const links = (t: Ticket): Links => ({
    ...t.externalRefs,
    ...(t.custom.serialNumber ? { serialNumber: String(t.custom.serialNumber) } : {}),
    ...(t.custom.orderNumber ? { orderNumber: String(t.custom.orderNumber) } : {}),
  });
  const routing = defineRouting([
    {
      name: 'resolved-to-crm',
      on: 'ticket.transitioned',
      when: (e) => e.type === 'ticket.transitioned' && e.to === 'resolved',
      to: { users: ['crm'] },
      channels: ['webhook'],
      data: (e) => ({ links: links(e.ticket) }),
    },
  ]);
  const directory: RecipientDirectory = { resolve: () => [{ id: 'crm' }], canRead: () => true };
  // The store's own notification outbox when it has one (PGlite, PostgreSQL): durable, so a
  // message routed just before a crash is still delivered after it.
  const outbox = (store as { outbox?: OutboxPort }).outbox ?? memoryOutbox();
  const queue = createNotificationQueue({
    clock,
    store: outbox,
    random: seededRandom(7),
    notifiers: {
      webhook: webhookNotifier({
        url: receiver.url,
        secret,
        clock,
        allowHttp: true,
        allowPrivateNetworks: true,
      }),
    },
  });
  const route = routeToOutbox({ routing, directory, outbox });
  let crashOnce = true;
  let relayFailures = 0;
  /** One relay pass, as a worker would run it every few seconds. */
  const relay = async () => {
    let total = 0;
    for (;;) {
      const r = await desk.outbox.relay(async (event, meta) => {
        await route(event, meta);
        // The relay process dies after enqueueing one resolution, before marking it delivered.
        if (crashOnce && event.type === 'ticket.transitioned' && event.to === 'resolved') {
          crashOnce = false;
          throw new Error('relay crashed');
        }
      });
      total += r.delivered;
      relayFailures += r.failed;
      if (r.delivered + r.failed === 0) return total;
    }
  };
  const settle = async () => {
    await relay();
    const busy = async () => (await desk.outbox.pending()) + (await outbox.counts()).pending;
    for (let i = 0; i < 20 && (await busy()) > 0; i++) {
      clock.advance(2_000); // retries wait on the clock
      await relay();
      await queue.tick();
    }
  };
  log(
    `Relayed ${await relay()} migration events (no resolutions among them: the CRM hears nothing)`,
  );

  // 3. A morning of service: new requests carry their CRM links; some old ones get resolved.
  const today: Ticket[] = [];
  for (const [title, customerId, serialNumber, orderNumber] of [
    ['空调外机异响', 'C010007', 'SN-AC20250107', 'SO20251201'],
    ['冰箱冷藏室结霜', 'C010031', 'SN-HA55501234', 'SO20251122'],
    ['洗衣机脱水时漏水', 'C010007', 'SN-HA90001122', 'SO20251130'],
  ] as const) {
    const externalRefs = { customerId, serialNumber, orderNumber };
    const t = await desk.create({ title, requester: customerId, externalRefs }, as('agent.tang'));
    today.push(t);
  }
  const stillOpen = (await desk.list({ status: 'in_progress', limit: 100 })).items;
  for (const t of today) {
    await desk.assign(t.id, 'tech.he', as('agent.tang'));
    await desk.transition(t.id, 'in_progress', as('tech.he'));
  }
  clock.advance(3_600_000);
  for (const t of [...stillOpen.slice(0, 3), today[0]!, today[2]!]) {
    await desk.transition(t.id, 'resolved', as(t.assignee ?? 'tech.he'));
  }
  await settle();
  const crm = receiver.crm;
  log(
    `CRM: ${crm.requests} signed requests (relay crashed ${relayFailures}×, one answer lost), ${crm.recorded.length} resolutions recorded:`,
  );
  for (const r of crm.recorded)
    log(
      `  ${r.externalId ?? r.ticketId} customer ${r.customerId} serial ${r.serialNumber} order ${r.orderNumber}`,
    );
  receiver.close();

  // 4. Lookups through the links: a customer's history (requester = CRM customer id), a serial.
  const customerHistory = (await desk.list({ requester: 'C010007', limit: 1000 })).items.map(
    (t) => t.id,
  );
  const bySerial: string[] = [];
  for (let cursor: string | null = null; ; ) {
    const page = await desk.list({ limit: 200, cursor });
    bySerial.push(
      ...page.items.filter((t) => links(t).serialNumber === 'SN-AC20250107').map((t) => t.id),
    );
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  log(
    `Customer C010007: ${customerHistory.length} tickets; serial SN-AC20250107: ${bySerial.join(', ')}`,
  );
  const delivered = (await outbox.counts()).delivered;
  return { dryRun, imported, reimported, customerHistory, bySerial, crm, relayFailures, delivered };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
