/** Fixture builders shared by the import tests. Everything is generated in memory. */
import iconv from 'iconv-lite';

/** RFC 4180 cell quoting for fixture text (independent of the SDK's writer). */
export function q(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvOf(rows: readonly (readonly string[])[], eol = '\n'): string {
  return rows.map((r) => r.map(q).join(',')).join(eol) + eol;
}

export const ZH_HEADER = [
  '工单编号',
  '标题',
  '描述',
  '优先级',
  '类型',
  '状态',
  '客户编号',
  '处理人',
  '创建时间',
];

const TITLES = [
  '打印机无法连接网络',
  '邮箱登录失败',
  '会议室投影仪黑屏',
  'VPN 断线频繁',
  '报销系统打不开',
];
const PRIORITIES = ['紧急', '高', '普通', '低', 'high', 'Normal', ' low '];
const STATUSES = ['待受理', '处理中', '等待反馈', '已解决', 'archived'];

/**
 * The 500-row import used by the GBK/UTF-8 twin tests. Data row `i` is spreadsheet row `i + 2`.
 * Planted problems (and nothing else):
 * - row 12: priority empty → required
 * - row 22: priority "Hign" → invalid_enum, suggestion "high"
 * - row 32: description of 10,001 characters → too_long
 * - row 42: external id of row 7 again → duplicate_id
 * Dates cycle through ISO, ISO with offset, YYYY/MM/DD, 年月日 and DD/MM/YYYY; row 5 holds the
 * ambiguous "03/04/2026", settled as day-first by "26/06/2026" in row 52.
 */
export function fiveHundredRows(): string[][] {
  const rows: string[][] = [ZH_HEADER];
  for (let i = 0; i < 500; i++) {
    const row = i + 2;
    let id = `WO-2026-${String(i).padStart(4, '0')}`;
    let desc = `客户反馈：${TITLES[i % 5]}，影响${(i % 7) + 1}人，已重启，问题依旧`;
    if (i % 50 === 7) desc = `第一行\n第二行，含逗号和"引号"`;
    let pri = PRIORITIES[i % PRIORITIES.length]!;
    if (row === 12) pri = '';
    if (row === 22) pri = 'Hign';
    if (row === 32) desc = '长'.repeat(10_001);
    if (row === 42) id = 'WO-2026-0005';
    const day = (i % 28) + 1;
    const dd = String(day).padStart(2, '0');
    const formats = [
      `2026-01-${dd} 09:30`,
      `2026-02-${dd}T10:00:00+08:00`,
      `2026/3/${day} 8:05`,
      `2026年4月${day}日 14:30`,
      `${dd}/05/2026`,
    ];
    let created = formats[i % 5]!;
    if (row === 5) created = '03/04/2026';
    if (row === 52) created = '26/06/2026';
    rows.push([
      id,
      `${TITLES[i % 5]} #${i}`,
      desc,
      pri,
      i % 3 === 0 ? '硬件' : '软件',
      STATUSES[i % 5]!,
      `C-${1000 + (i % 37)}`,
      i % 4 === 0 ? '' : `张${i % 9}`,
      created,
    ]);
  }
  return rows;
}

export function gbk(text: string): Buffer {
  return iconv.encode(text, 'gbk');
}

export function encode(text: string, enc: string, bom: number[] = []): Buffer {
  return Buffer.concat([Buffer.from(bom), iconv.encode(text, enc)]);
}

/** Feeds bytes as an async iterable of small, irregular chunks (to cut characters in half). */
export async function* trickle(bytes: Uint8Array, sizes = [1, 2, 3, 5, 7, 11, 64, 1000]) {
  let at = 0;
  let k = 0;
  while (at < bytes.length) {
    const n = sizes[k++ % sizes.length]!;
    yield bytes.subarray(at, at + n);
    at += n;
  }
}
