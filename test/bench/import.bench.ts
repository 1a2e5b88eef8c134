/**
 * Import benchmark: `npx tsx test/bench/import.bench.ts` (also run by `npm run bench`).
 *
 * Generates 1,000,000 GBK rows (10 columns, Chinese text) once into os.tmpdir(), then streams
 * them through `validateImportStream` (decode + parse + normalise + validate, valid rows not
 * kept) and through a baseline of iconv-lite decodeStream → csv-parse → a zod schema doing the
 * same row checks. Each side runs in its own child process so its peak RSS (VmHWM) is its own.
 * Env: IMPORT_BENCH_ROWS (default 1000000).
 *
 * Then the storing section (M4): `desk.import` of IMPORT_BENCH_STORE_ROWS (default 100,000) of
 * the same kind of rows into PostgreSQL (TICKETKIT_TEST_DATABASE_URL, own schema, dropped
 * after; skipped loudly without it) and into PGlite in memory, against a baseline measured in
 * the same run: the same number of ready-made ticket and audit documents written with a plain
 * batched `INSERT ... SELECT FROM unnest` (1,000 rows per transaction, one connection), no
 * validation. IMPORT_BENCH_ONLY=validate|store runs one section; IMPORT_BENCH_MODES picks
 * storing modes (store-postgres,store-baseline,store-pglite); IMP_POOL, IMP_CONC and IMP_BATCH
 * set the pool size, `concurrency` and `batchSize` of the PostgreSQL import (defaults 4, the
 * store's default, 1000).
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROWS = Number(process.env.IMPORT_BENCH_ROWS ?? 1_000_000);
const FILE = join(tmpdir(), `ticketkit-import-bench-${ROWS}.gbk.csv`);
const STORE_ROWS = Number(process.env.IMPORT_BENCH_STORE_ROWS ?? 100_000);
const STORE_FILE = join(tmpdir(), `ticketkit-import-bench-${STORE_ROWS}.gbk.csv`);
const PG_URL = process.env.TICKETKIT_TEST_DATABASE_URL;
const ONLY = process.env.IMPORT_BENCH_ONLY;
const HEADER = [
  '工单编号',
  '标题',
  '描述',
  '优先级',
  '类型',
  '状态',
  '客户编号',
  '处理人',
  '创建时间',
  '来源',
];

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function generate(rows: number, file: string): Promise<void> {
  const { default: iconv } = await import('iconv-lite');
  const rnd = mulberry32(20260121);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const things = [
    '打印机',
    '笔记本电脑',
    '会议室投影仪',
    '邮箱',
    'VPN',
    '报销系统',
    '门禁卡',
    '空调',
    '网络交换机',
    'ERP 账号',
  ];
  const faults = [
    '无法连接',
    '频繁断线',
    '登录失败',
    '黑屏',
    '报错 500',
    '速度很慢',
    '无法打印',
    '密码过期',
  ];
  const places = ['三楼东区', '上海总部', '北京分公司', '深圳研发中心', '二号仓库', '客服中心'];
  const pri = ['紧急', '高', '普通', '低', 'high', 'normal'];
  const st = ['待受理', '处理中', '等待反馈', '已解决', '已归档'];
  const names = ['张伟', '王芳', '李娜', '刘洋', '陈静', ''];
  const out = createWriteStream(file);
  out.write(iconv.encode(`${HEADER.join(',')}\n`, 'gbk'));
  let block: string[] = [];
  for (let i = 0; i < rows; i++) {
    const thing = pick(things);
    const fault = pick(faults);
    const desc =
      rnd() < 0.1
        ? `"${pick(places)}的${thing}${fault}，用户说：""今天早上开始的""，已重启，问题依旧"`
        : `${pick(places)}的${thing}${fault}；影响${1 + Math.floor(rnd() * 40)}人；已尝试重启`;
    const d = 1 + Math.floor(rnd() * 28);
    const h = Math.floor(rnd() * 24);
    const created = `2026-${String(1 + Math.floor(rnd() * 12)).padStart(2, '0')}-${String(d).padStart(2, '0')} ${String(h).padStart(2, '0')}:${String(Math.floor(rnd() * 60)).padStart(2, '0')}`;
    block.push(
      [
        `WO-${String(i).padStart(8, '0')}`,
        `${thing}${fault}`,
        desc,
        pick(pri),
        rnd() < 0.5 ? '硬件' : '软件',
        pick(st),
        `C-${10000 + Math.floor(rnd() * 5000)}`,
        pick(names),
        created,
        pick(['电话', '邮件', '微信', '门户']),
      ].join(','),
    );
    if (block.length === 10_000) {
      if (!out.write(iconv.encode(`${block.join('\n')}\n`, 'gbk')))
        await new Promise<void>((r) => out.once('drain', () => r()));
      block = [];
    }
  }
  if (block.length) out.write(iconv.encode(`${block.join('\n')}\n`, 'gbk'));
  await new Promise<void>((resolve, reject) =>
    out.end((e?: Error | null) => (e ? reject(e) : resolve())),
  );
}

function vmHwmMb(): number {
  const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / 1024 / 1024;
}

async function ours(): Promise<{ rows: number; valid: number; errors: number }> {
  const { validateImportStream } = await import('ticketkit');
  let valid = 0;
  const s = await validateImportStream(createReadStream(FILE, { highWaterMark: 256 * 1024 }), {
    timeZone: 'Asia/Shanghai',
    batchSize: 1000,
    onBatch: (b) => {
      valid += b.rows.length;
    },
  });
  return { rows: s.total, valid, errors: s.errorCount };
}

async function baseline(): Promise<{ rows: number; valid: number; errors: number }> {
  const { default: iconv } = await import('iconv-lite');
  const { parse } = await import('csv-parse');
  const { z } = await import('zod');
  const PRI: Record<string, string> = {
    urgent: 'urgent',
    紧急: 'urgent',
    high: 'high',
    高: 'high',
    normal: 'normal',
    普通: 'normal',
    中: 'normal',
    low: 'low',
    低: 'low',
  };
  const ST: Record<string, string> = {
    pending: 'pending',
    待受理: 'pending',
    in_progress: 'in_progress',
    处理中: 'in_progress',
    awaiting_feedback: 'awaiting_feedback',
    等待反馈: 'awaiting_feedback',
    resolved: 'resolved',
    已解决: 'resolved',
    archived: 'archived',
    已归档: 'archived',
  };
  const enumOf = (m: Record<string, string>) =>
    z
      .string()
      .trim()
      .toLowerCase()
      .refine((v) => v in m)
      .transform((v) => m[v]!);
  const opt = (max: number) =>
    z
      .string()
      .trim()
      .max(max)
      .transform((v) => (v === '' ? undefined : v));
  const noNul = (v: string) => !v.includes('\0');
  const Row = z.object({
    工单编号: z.string().trim().min(1).max(128).refine(noNul),
    标题: z.string().trim().min(1).max(200).refine(noNul),
    描述: opt(10_000),
    优先级: enumOf(PRI),
    类型: opt(100),
    状态: z.union([z.literal('').transform(() => undefined), enumOf(ST)]),
    客户编号: opt(128),
    处理人: opt(128),
    创建时间: z
      .string()
      .trim()
      .regex(/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$/)
      .transform((v) => new Date(`${v.replace(' ', 'T')}+08:00`)),
  });
  const seen = new Set<string>();
  let rows = 0;
  let valid = 0;
  let errors = 0;
  const parser = createReadStream(FILE, { highWaterMark: 256 * 1024 })
    .pipe(iconv.decodeStream('gbk'))
    .pipe(parse({ columns: true, relax_column_count: true }));
  for await (const rec of parser as AsyncIterable<Record<string, string>>) {
    rows++;
    const r = Row.safeParse(rec);
    if (!r.success || seen.has(r.data.工单编号)) errors++;
    else valid++;
    if (r.success) seen.add(r.data.工单编号);
  }
  return { rows, valid, errors };
}

type Mode = 'ours' | 'baseline' | 'store-postgres' | 'store-pglite' | 'store-baseline';

/** desk.import into PostgreSQL or PGlite; the schema is dropped afterwards. */
async function storeWithDesk(
  kind: 'postgres' | 'pglite',
): Promise<{ rows: number; valid: number; errors: number }> {
  const { createTicketing, createManualClock } = await import('ticketkit');
  let store: import('ticketkit').TicketStore & { ready(): Promise<void> };
  let cleanup = async () => {};
  if (kind === 'postgres') {
    const { default: pg } = await import('pg');
    const { postgresStore } = await import('../../adapters/postgres/index');
    const pool = new pg.Pool({ connectionString: PG_URL, max: Number(process.env.IMP_POOL ?? 4) });
    const schema = `tk_bench_imp_${process.pid}`;
    store = postgresStore({ pool, schema });
    cleanup = async () => {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.end();
    };
  } else {
    const { pgliteStore } = await import('../../adapters/pglite/index');
    store = pgliteStore({});
    cleanup = () => store.close();
  }
  await store.ready();
  try {
    const desk = createTicketing({ store, clock: createManualClock('2026-03-02T01:00:00Z') });
    const r = await desk.import(() => createReadStream(STORE_FILE, { highWaterMark: 256 * 1024 }), {
      actor: { id: 'bench', roles: ['admin'] },
      timeZone: 'Asia/Shanghai',
      batchSize: Number(process.env.IMP_BATCH ?? 1000),
      ...(process.env.IMP_CONC ? { concurrency: Number(process.env.IMP_CONC) } : {}),
    });
    return { rows: r.report.total, valid: r.created, errors: r.report.errorCount };
  } finally {
    await cleanup();
  }
}

/** The baseline: ready-made documents, batched INSERT ... SELECT FROM unnest, no validation. */
async function storeBaseline(): Promise<{
  rows: number;
  valid: number;
  errors: number;
  ms: number;
}> {
  const { default: pg } = await import('pg');
  const { postgresStore } = await import('../../adapters/postgres/index');
  const pool = new pg.Pool({ connectionString: PG_URL, max: 1 });
  const schema = `tk_bench_base_${process.pid}`;
  const store = postgresStore({ pool, schema });
  await store.ready();
  const T = `"${schema}"."tk_tickets"`;
  const A = `"${schema}"."tk_audit"`;
  const at = '2026-03-02T01:00:00.000Z';
  const ticket = (i: number) => ({
    id: `tk_imp_${String(i).padStart(32, '0')}`,
    tenantId: 'default',
    title: `打印机无法连接 ${i}`,
    description: '三楼东区的打印机无法连接；影响3人；已尝试重启',
    priority: 'high',
    category: '硬件',
    channel: 'import',
    requester: `C-${10000 + (i % 5000)}`,
    status: 'in_progress',
    externalRefs: { externalId: `WO-${String(i).padStart(8, '0')}`, customerId: 'C-10012' },
    createdAt: '2026-01-02T02:30:00.000Z',
    updatedAt: at,
    version: 1,
    reopenCount: 0,
  });
  const t0 = performance.now();
  try {
    for (let b = 0; b < STORE_ROWS; b += 1000) {
      const ts = Array.from({ length: Math.min(1000, STORE_ROWS - b) }, (_, k) => ticket(b + k));
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(
          `INSERT INTO ${T} (tenant_id, id, status, priority, priority_rank, assignee, team, requester, parent_id, created_at, updated_at, version, doc)
           SELECT 'default', x.id, x.status, 'high', 1, NULL, NULL, x.requester, NULL, x.created_at, x.updated_at, 1, x.doc::json
           FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::text[])
             AS x(id, status, requester, created_at, updated_at, doc)`,
          [
            ts.map((t) => t.id),
            ts.map((t) => t.status),
            ts.map((t) => t.requester),
            ts.map((t) => t.createdAt),
            ts.map((t) => t.updatedAt),
            ts.map((t) => JSON.stringify(t)),
          ],
        );
        await client.query(
          `INSERT INTO ${A} (tenant_id, ticket_id, seq, at, entry)
           SELECT 'default', x.id, 1, $2::timestamptz, x.entry::json FROM unnest($1::text[], $3::text[]) AS x(id, entry)`,
          [
            ts.map((t) => t.id),
            at,
            ts.map((t) =>
              JSON.stringify({
                id: `${t.id}:1`,
                ticketId: t.id,
                seq: 1,
                at,
                action: 'import',
                changes: t,
              }),
            ),
          ],
        );
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    }
    return { rows: STORE_ROWS, valid: STORE_ROWS, errors: 0, ms: performance.now() - t0 };
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  }
}

async function child(mode: Mode): Promise<void> {
  const t0 = performance.now();
  let r: { rows: number; valid: number; errors: number; ms?: number };
  if (mode === 'ours') r = await ours();
  else if (mode === 'baseline') r = await baseline();
  else if (mode === 'store-postgres') r = await storeWithDesk('postgres');
  else if (mode === 'store-pglite') r = await storeWithDesk('pglite');
  else r = await storeBaseline();
  const ms = r.ms ?? performance.now() - t0;
  process.stdout.write(`${JSON.stringify({ ...r, ms, hwm: vmHwmMb() })}\n`);
}

type Result = { rows: number; valid: number; errors: number; ms: number; hwm: number };

function spawnChild(mode: Mode): Result {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), mode], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    cwd: fileURLToPath(new URL('../..', import.meta.url)), // where `tsx` resolves
  });
  if (r.status !== 0) {
    console.error(r.stderr);
    process.exit(1);
  }
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

async function ensure(rows: number, file: string): Promise<void> {
  if (!existsSync(file)) {
    const t = performance.now();
    await generate(rows, file);
    console.log(
      `generated ${file} (${(statSync(file).size / 1e6).toFixed(1)} MB) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
  } else console.log(`reusing ${file} (${(statSync(file).size / 1e6).toFixed(1)} MB)`);
}

async function validation(): Promise<void> {
  await ensure(ROWS, FILE);
  const results: Record<string, Result> = {};
  for (const mode of ['ours', 'baseline'] as const) results[mode] = spawnChild(mode);
  const table = Object.entries(results).map(([name, r]) => ({
    pipeline: name === 'ours' ? 'validateImportStream' : 'iconv-lite + csv-parse + zod',
    rows: r.rows,
    valid: r.valid,
    errors: r.errors,
    seconds: +(r.ms / 1000).toFixed(2),
    'rows/s': Math.round(r.rows / (r.ms / 1000)),
    'peak RSS MB': Math.round(r.hwm),
  }));
  console.table(table);
  const ratio =
    results.ours!.rows / results.ours!.ms / (results.baseline!.rows / results.baseline!.ms);
  console.log(
    `speed-up: ${ratio.toFixed(2)}x (goal ≥ 2.5x); peak RSS ours ${Math.round(results.ours!.hwm)} MB (goal < 256 MB)`,
  );
  if (
    results.ours!.rows !== results.baseline!.rows ||
    results.ours!.valid !== results.baseline!.valid
  )
    console.log('WARNING: the two pipelines disagree on row or valid counts');
}

async function storing(): Promise<void> {
  await ensure(STORE_ROWS, STORE_FILE);
  const all: Mode[] = PG_URL
    ? ['store-postgres', 'store-baseline', 'store-pglite']
    : ['store-pglite'];
  // IMPORT_BENCH_MODES=store-postgres (comma-separated) runs a subset, e.g. for 1M-row runs.
  const wanted = process.env.IMPORT_BENCH_MODES?.split(',');
  const modes = wanted ? all.filter((m) => wanted.includes(m)) : all;
  if (!PG_URL) {
    console.warn(
      'import store bench: PostgreSQL part SKIPPED: set TICKETKIT_TEST_DATABASE_URL (see docs/adapters/postgres.md)',
    );
  }
  const label: Record<string, string> = {
    'store-postgres': 'desk.import → PostgreSQL',
    'store-baseline': 'baseline: ready-made docs, INSERT … unnest',
    'store-pglite': 'desk.import → PGlite (memory)',
  };
  const results: Record<string, Result> = {};
  for (const m of modes) results[m] = spawnChild(m);
  console.table(
    Object.entries(results).map(([m, r]) => ({
      pipeline: label[m],
      rows: r.rows,
      stored: r.valid,
      seconds: +(r.ms / 1000).toFixed(2),
      'rows/s': Math.round(r.rows / (r.ms / 1000)),
      'peak RSS MB': Math.round(r.hwm),
    })),
  );
  const pgR = results['store-postgres'];
  const base = results['store-baseline'];
  if (pgR && base) {
    const rate = pgR.rows / (pgR.ms / 1000);
    console.log(
      `PostgreSQL: ${Math.round(rate)} rows/s (goal ≥ 20,000: ${rate >= 20_000 ? 'met' : 'NOT met'}); ${(pgR.ms > 0 ? base.ms / pgR.ms : 0).toFixed(2)}x the baseline`,
    );
  }
  if (os.loadavg()[0]! > os.cpus().length) {
    console.log(`note: load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores`);
  }
}

async function main(): Promise<void> {
  if (ONLY !== 'store') await validation();
  if (ONLY !== 'validate') await storing();
}

const mode = process.argv[2];
const MODES: readonly string[] = [
  'ours',
  'baseline',
  'store-postgres',
  'store-pglite',
  'store-baseline',
];
if (mode && MODES.includes(mode)) await child(mode as Mode);
else await main();
