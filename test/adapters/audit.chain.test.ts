/**
 * RELIABILITY A3 on PostgreSQL: 8 writers x 1,250 audit entries in one tenant while two sealers
 * run; the sealed chain verifies, its positions are gapless 1..N, no prev_hash is used twice.
 * Then tampering (an edited entry, a deleted link) is found at the position it happened.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createManualClock, createTicketing } from 'ticketkit';
import { postgresStore } from 'ticketkit/adapters/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const url = process.env.TICKETKIT_TEST_DATABASE_URL;
if (!url) console.warn('A3 audit chain on PostgreSQL skipped: set TICKETKIT_TEST_DATABASE_URL');

describe.skipIf(!url)('A3: a sealed audit chain under 8 concurrent writers', () => {
  const schema = `tk_a3_${randomBytes(4).toString('hex')}`;
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: url, max: 10 });
  });
  afterAll(async () => {
    await pool?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool?.end();
  });

  it('seals 10,000 concurrent entries into one gapless chain, and finds tampering', async () => {
    const store = postgresStore({ pool, schema });
    const desk = createTicketing({ store, clock: createManualClock('2026-05-04T01:00:00Z') });
    const actor = { id: 'a3', roles: ['agent'] };
    const WRITERS = 8;
    const PER = 1250;
    let writing = true;
    const sealers = [0, 1].map(async () => {
      let n = 0;
      while (writing) {
        n += await store.auditChain.seal('default', 500);
        await new Promise((r) => setTimeout(r, 5));
      }
      return n;
    });
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        const t = await desk.create({ title: `writer ${w}` }, { actor });
        for (let i = 1; i < PER; i++) await desk.update(t.id, { title: `w${w} #${i}` }, { actor });
      }),
    );
    const writeMs = performance.now() - t0;
    writing = false;
    const sealedWhileWriting = (await Promise.all(sealers)).reduce((a, b) => a + b, 0);
    const rest = await store.auditChain.seal('default', 100_000);
    const total = WRITERS * PER;
    expect(sealedWhileWriting + rest).toBe(total);

    const v = await store.auditChain.verify('default');
    expect(v).toMatchObject({ ok: true, length: total });
    const q = async (sql: string) => Number((await pool.query(sql)).rows[0].n);
    const c = `${schema}.tk_audit_chain`;
    expect(await q(`SELECT count(*)::int AS n FROM ${c}`)).toBe(total);
    expect(await q(`SELECT max(seq)::int AS n FROM ${c}`)).toBe(total);
    expect(await q(`SELECT count(DISTINCT prev_hash)::int AS n FROM ${c}`)).toBe(total);
    console.log(
      `A3: ${WRITERS} writers x ${PER} entries in ${writeMs.toFixed(0)} ms (${((total / writeMs) * 1000).toFixed(0)}/s) ` +
        `with 2 sealers running (${sealedWhileWriting} sealed meanwhile, ${rest} after); chain of ${total} verifies, ` +
        `seq gapless 1..${total}, 0 forks`,
    );

    // Tampering, as the owner bypassing the append-only trigger.
    await pool.query(`BEGIN; SET LOCAL session_replication_role = replica;
      UPDATE ${schema}.tk_audit SET entry = jsonb_set(entry::jsonb, '{actor,id}', '"mallory"')::json
      WHERE ticket_id = (SELECT ticket_id FROM ${c} WHERE seq = 5000) AND seq = (SELECT entry_seq FROM ${c} WHERE seq = 5000);
      COMMIT;`);
    const edited = await store.auditChain.verify('default');
    expect(edited).toMatchObject({ ok: false, brokenAt: 5000, reason: 'hash_mismatch' });
    await pool.query(`BEGIN; SET LOCAL session_replication_role = replica;
      DELETE FROM ${c} WHERE seq = 1234; COMMIT;`);
    const deleted = await store.auditChain.verify('default');
    expect(deleted).toMatchObject({ ok: false, brokenAt: 1234, reason: 'gap' });
  }, 300_000);
});
