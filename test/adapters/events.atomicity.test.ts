/**
 * RELIABILITY D1 (outbox atomicity) on PostgreSQL: a deferred constraint trigger throws at
 * COMMIT time (after the ticket, audit and outbox rows are written, before the transaction
 * commits) in about half of 1,000 commands. A consistency query then finds 0 business changes
 * without their outbox event and 0 outbox events without their business change.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createManualClock, createTicketing, isTicketkitError } from 'ticketkit';
import { postgresStore } from 'ticketkit/adapters/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const url = process.env.TICKETKIT_TEST_DATABASE_URL;
if (!url) {
  console.warn('D1 outbox atomicity skipped: set TICKETKIT_TEST_DATABASE_URL');
}

describe.skipIf(!url)('D1: outbox atomicity under 1,000 injected commit failures', () => {
  const schema = `tk_d1_${randomBytes(4).toString('hex')}`;
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: url, max: 4 });
  });
  afterAll(async () => {
    await pool?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool?.end();
  });

  it('never stores a change without its event, or an event without its change', async () => {
    const store = postgresStore({ pool, schema });
    const clock = createManualClock('2026-05-04T01:00:00Z');
    const desk = createTicketing({ store, clock, outbox: true });
    const actor = { id: 'li', roles: ['agent'] };
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.push((await desk.create({ title: `d1 ${i}` }, { actor })).id);

    await pool.query(`
      CREATE FUNCTION ${schema}.inject_failure() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF random() < 0.5 THEN RAISE EXCEPTION 'injected failure before commit'; END IF;
        RETURN NULL;
      END $$;
      CREATE CONSTRAINT TRIGGER inject_failure AFTER INSERT OR UPDATE ON ${schema}.tk_tickets
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ${schema}.inject_failure();`);

    let ok = 0;
    let failed = 0;
    const other: unknown[] = [];
    for (let i = 0; i < 1000; i++) {
      clock.advance(1000);
      const id = ids[i % ids.length]!;
      try {
        if (i % 3 === 0) await desk.comment(id, { body: `note ${i}` }, { actor });
        else await desk.update(id, { title: `d1 edit ${i}` }, { actor });
        ok++;
      } catch (e) {
        if (isTicketkitError(e) && e.code === 'store_failed') failed++;
        else other.push(e);
      }
    }
    await pool.query(`DROP TRIGGER inject_failure ON ${schema}.tk_tickets`);

    const q = async (sql: string) => Number((await pool.query(sql)).rows[0].n);
    const changesWithoutEvent = await q(`
      SELECT count(*)::int AS n FROM ${schema}.tk_audit a
      WHERE NOT EXISTS (SELECT 1 FROM ${schema}.tk_outbox o
        WHERE o.tenant_id = a.tenant_id AND o.ticket_id = a.ticket_id
          AND (o.payload->'ticket'->>'version')::int = a.seq)`);
    const eventsWithoutChange = await q(`
      SELECT count(*)::int AS n FROM ${schema}.tk_outbox o
      WHERE NOT EXISTS (SELECT 1 FROM ${schema}.tk_audit a
        WHERE o.tenant_id = a.tenant_id AND o.ticket_id = a.ticket_id
          AND (o.payload->'ticket'->>'version')::int = a.seq)`);
    const versionsMatch = await q(`
      SELECT count(*)::int AS n FROM ${schema}.tk_tickets t
      WHERE t.version <> (SELECT count(*) FROM ${schema}.tk_outbox o
        WHERE o.tenant_id = t.tenant_id AND o.ticket_id = t.id)`);
    const events = await q(`SELECT count(*)::int AS n FROM ${schema}.tk_outbox`);
    console.log(
      `D1: ${ok} commands committed, ${failed} failed at commit (injected), ${other.length} other errors; ` +
        `${events} events stored; changes without event ${changesWithoutEvent}, events without change ${eventsWithoutChange}, ` +
        `tickets whose version differs from their event count ${versionsMatch}`,
    );
    expect(other).toEqual([]);
    expect(failed).toBeGreaterThan(300);
    expect(ok).toBeGreaterThan(300);
    expect(events).toBe(50 + ok);
    expect(changesWithoutEvent).toBe(0);
    expect(eventsWithoutChange).toBe(0);
    expect(versionsMatch).toBe(0);
  }, 120_000);
});
