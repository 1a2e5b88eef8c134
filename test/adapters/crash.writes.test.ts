/**
 * Crash tests with SIGKILL (RELIABILITY R1 and I4), on PGlite with a NodeFS data directory and
 * on PostgreSQL. A child process creates tickets with idempotency keys and reports each
 * acknowledged create; the parent kills it at a random point, then:
 * - R1: the database reopens, and every acknowledged write is present;
 * - I4: a retry of every key (including the one in flight at the kill) returns the original
 *   ticket or creates exactly one: one ticket per key, no key without its ticket. The key is
 *   reserved in the same transaction as the ticket, so there is no "in progress" state to get
 *   stuck in.
 * PR profile: 5 trials per store; RELIABILITY_PROFILE=deep: 20.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

const url = process.env.TICKETKIT_TEST_DATABASE_URL;
if (!url) console.warn('R1/I4 on PostgreSQL skipped: set TICKETKIT_TEST_DATABASE_URL');
const TRIALS = process.env.RELIABILITY_PROFILE === 'deep' ? 20 : 5;
const WORKER = fileURLToPath(new URL('./_create-worker.ts', import.meta.url));

type Msg = { type: string; i?: number; id?: string };

function run(cfg: Record<string, unknown>, killAfter: number | null) {
  const child: ChildProcess = fork(WORKER, [JSON.stringify(cfg)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const acked = new Map<number, string>();
  const done = new Promise<{ acked: Map<number, string>; killed: boolean }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('crash-test child took longer than 60 s'));
    }, 60_000);
    let killed = false;
    child.on('message', (m: Msg) => {
      if ((m.type === 'acked' || m.type === 'retried') && m.i !== undefined) {
        acked.set(m.i, m.id!);
        if (killAfter !== null && acked.size >= killAfter && !killed) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      resolve({ acked, killed });
    });
  });
  return done;
}

interface Target {
  name: string;
  url: string;
  schema?: string;
  /** Runs counting queries (one connection for all of them). */
  count(sqls: string[]): Promise<number[]>;
  cleanup(): Promise<void>;
}

const targets: Target[] = [];
{
  const dir = mkdtempSync(join(tmpdir(), 'tk-r1-'));
  targets.push({
    name: 'PGlite (NodeFS data directory)',
    url: `pglite:${dir}`,
    async count(sqls) {
      const db = await PGlite.create(dir);
      try {
        const out: number[] = [];
        for (const sql of sqls) {
          out.push(Number((await db.query<{ n: number }>(sql.replaceAll('{s}.', ''))).rows[0]?.n));
        }
        return out;
      } finally {
        await db.close();
      }
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  });
}
if (url) {
  const schema = `tk_r1_${randomBytes(4).toString('hex')}`;
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  targets.push({
    name: 'PostgreSQL',
    url,
    schema,
    async count(sqls) {
      const out: number[] = [];
      for (const sql of sqls) {
        out.push(Number((await pool.query(sql.replaceAll('{s}.', `${schema}.`))).rows[0].n));
      }
      return out;
    },
    async cleanup() {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.end();
    },
  });
}
afterAll(async () => {
  for (const t of targets) await t.cleanup();
});

describe(`R1 + I4: SIGKILL while creating with idempotency keys (${TRIALS} trials per store)`, () => {
  for (const target of targets) {
    it(`keeps every acknowledged write and one ticket per key (${target.name})`, async () => {
      const kills = fc.sample(fc.integer({ min: 50, max: 300 }), {
        numRuns: TRIALS,
        seed: 20261125,
      });
      let from = 0;
      let ackedTotal = 0;
      const lines: string[] = [];
      for (let trial = 0; trial < TRIALS; trial++) {
        const prefix = `k${trial}`;
        const base = { url: target.url, ...(target.schema ? { schema: target.schema } : {}) };
        const killAt = kills[trial]!;
        const first = await run({ ...base, prefix, from, count: 1000 }, killAt);
        expect(first.killed).toBe(true);
        const acked = first.acked;
        // R1: the database reopens and every acknowledged create is there.
        const ids = [...acked.values()].map((id) => `'${id.replace(/[^a-z0-9_-]/gi, '')}'`);
        const [present] = await target.count([
          `SELECT count(*)::int AS n FROM {s}.tk_tickets WHERE id IN (${ids.join(',')})`,
        ]);
        expect(present).toBe(ids.length);
        // I4: retry every key up to one past the last acknowledged (the one in flight).
        const upto = Math.max(...acked.keys()) + 2 - from;
        const retry = await run({ ...base, prefix, from, count: upto, retry: true }, null);
        for (const [i, id] of acked) expect(retry.acked.get(i)).toBe(id);
        const [perKey, keys] = await target.count([
          `SELECT count(*)::int AS n FROM {s}.tk_tickets WHERE doc->>'title' LIKE 'crash %'`,
          `SELECT count(*)::int AS n FROM {s}.tk_idempotency WHERE key LIKE 'k%'`,
        ]);
        ackedTotal += upto;
        lines.push(`trial ${trial}: killed after ${acked.size} acks, ${upto} keys retried`);
        expect(perKey).toBe(ackedTotal);
        expect(keys).toBe(ackedTotal);
        from += upto;
      }
      console.log(
        `R1/I4 ${target.name}: ${TRIALS} SIGKILLs; reopened ${TRIALS}/${TRIALS}; ${ackedTotal} keys, ` +
          `${ackedTotal} tickets, 0 lost acknowledged writes, 0 duplicates, 0 keys without a ticket. ${lines.join('; ')}`,
      );
    }, 600_000);
  }
});
