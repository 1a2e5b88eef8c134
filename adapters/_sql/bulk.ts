/**
 * Bulk writes for imports: an insert-only batch of new tickets with their audit entries in one
 * statement (one round trip), and the import records kept in the `import_batches` table.
 *
 * Why the shape: profiling 100,000 imported rows showed the time going to the `pg` driver
 * escaping every JSON document into an array literal (`"` → `\"`), the garbage that makes, and
 * PostgreSQL parsing the literals back. The documents now travel as one JSON array text per
 * batch (`json_array_elements` slices it without re-escaping, and `json` keeps each element's
 * exact text); only the short typed columns are still arrays.
 *
 * @internal
 */
import { type Commit, PRIORITY_RANK } from 'ticketkit';
import type { SqlQueryable } from './executor';

/**
 * The part of an import record the table indexes; the whole record is stored as JSON. Typed
 * structurally: desk.import's `ImportRecord` has these fields and more.
 */
export interface StoredImportRecord {
  readonly tenantId: string;
  readonly id: string;
  readonly status: string;
  readonly startedAt: string;
  readonly updatedAt: string;
}

/** The statements, rendered once per store for its tables. */
export interface BulkStatements {
  readonly insert: string;
  readonly putRecord: string;
  readonly getRecord: string;
  readonly listRecords: string;
}

/**
 * Renders the statements for the given (already quoted and qualified) table names.
 * `cols` is the tickets table's column list, as the store writes it.
 */
export function bulkStatements(
  tables: { tickets: string; audit: string; imports: string },
  cols: string,
): BulkStatements {
  const { tickets: T, audit: A, imports: I } = tables;
  // The audit rows go in only when every ticket went in: a taken id (or the same id twice in
  // the batch) makes the caller roll back, and must not first fail on the audit primary key.
  const insert = `WITH x AS (
      SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[],
        $8::text[], $9::text[], $10::timestamptz[], $11::timestamptz[], $12::int[])
        WITH ORDINALITY AS x(id, status, priority, priority_rank, assignee, team, requester,
          parent_id, created_at, updated_at, version, ord)),
    d AS (SELECT * FROM json_array_elements($13::json) WITH ORDINALITY AS d(doc, ord)),
    ins AS (INSERT INTO ${T} (${cols})
      SELECT $1, x.id, x.status, x.priority, x.priority_rank, x.assignee, x.team, x.requester,
        x.parent_id, x.created_at, x.updated_at, x.version, d.doc
      FROM x JOIN d ON d.ord = x.ord
      ON CONFLICT (tenant_id, id) DO NOTHING RETURNING id),
    a AS (INSERT INTO ${A} (tenant_id, ticket_id, seq, at, entry)
      SELECT $1, y.ticket_id, y.seq, y.at, e.entry
      FROM unnest($14::text[], $15::int[], $16::timestamptz[])
        WITH ORDINALITY AS y(ticket_id, seq, at, ord)
      JOIN json_array_elements($17::json) WITH ORDINALITY AS e(entry, ord) ON e.ord = y.ord
      WHERE (SELECT count(*) FROM ins) = cardinality($2::text[]))
    SELECT id FROM ins`;
  // One row per import id: a re-run of the same import updates its record, never adds one.
  const putRecord = `INSERT INTO ${I} AS r (tenant_id, id, status, created_at, updated_at, report)
    VALUES ($1, $2, $3, $4::timestamptz, $5::timestamptz, $6::json)
    ON CONFLICT (tenant_id, id) DO UPDATE SET status = EXCLUDED.status,
      updated_at = EXCLUDED.updated_at, report = EXCLUDED.report`;
  const getRecord = `SELECT report::text AS report FROM ${I} WHERE tenant_id = $1 AND id = $2`;
  const listRecords = `SELECT report::text AS report FROM ${I} WHERE tenant_id = $1
    ORDER BY created_at DESC, id ASC LIMIT $2`;
  return { insert, putRecord, getRecord, listRecords };
}

/** `[a,b,c]` from already stringified JSON values, without parsing them again. */
const jsonArray = (items: readonly string[]) => `[${items.join(',')}]`;

/**
 * Inserts new tickets and their audit entries in one statement (the caller's transaction makes
 * it atomic). Returns -1 when every ticket went in, otherwise the index of the first commit
 * whose ticket did not (its id was taken, or appears twice in the batch).
 */
export async function bulkInsert(
  q: SqlQueryable,
  statements: BulkStatements,
  commits: readonly Commit[],
): Promise<number> {
  const tenantId = commits[0]!.tenantId;
  const n = commits.length;
  const ids = new Array<string>(n);
  const status = new Array<string>(n);
  const priority = new Array<string>(n);
  const rank = new Array<number>(n);
  const assignee = new Array<string | null>(n);
  const team = new Array<string | null>(n);
  const requester = new Array<string>(n);
  const parent = new Array<string | null>(n);
  const created = new Array<string>(n);
  const updated = new Array<string>(n);
  const version = new Array<number>(n);
  const docs = new Array<string>(n);
  const auditTicket: string[] = [];
  const auditSeq: number[] = [];
  const auditAt: string[] = [];
  const auditDocs: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = commits[i]!;
    const t = c.ticket;
    ids[i] = t.id;
    status[i] = t.status;
    priority[i] = t.priority;
    rank[i] = PRIORITY_RANK[t.priority] ?? 99;
    assignee[i] = t.assignee ?? null;
    team[i] = t.team ?? null;
    requester[i] = t.requester;
    parent[i] = t.parentId ?? null;
    created[i] = t.createdAt;
    updated[i] = t.updatedAt;
    version[i] = t.version;
    docs[i] = JSON.stringify(t);
    for (const e of c.audit) {
      auditTicket.push(e.ticketId);
      auditSeq.push(e.seq);
      auditAt.push(e.at);
      auditDocs.push(JSON.stringify(e));
    }
  }
  const { rows } = await q.query<{ id: string }>(statements.insert, [
    tenantId,
    ids,
    status,
    priority,
    rank,
    assignee,
    team,
    requester,
    parent,
    created,
    updated,
    version,
    jsonArray(docs),
    auditTicket,
    auditSeq,
    auditAt,
    jsonArray(auditDocs),
  ]);
  if (rows.length === n) return -1;
  // The first commit whose row was not inserted (taken before, or twice in this batch).
  const inserted = new Map<string, number>();
  for (const r of rows) inserted.set(r.id, (inserted.get(r.id) ?? 0) + 1);
  for (let i = 0; i < n; i++) {
    const left = inserted.get(ids[i]!) ?? 0;
    if (left === 0) return i;
    inserted.set(ids[i]!, left - 1);
  }
  return n - 1;
}

/** Creates or replaces the record of an import (one row per tenant and import id). */
export async function putImportRecord(
  q: SqlQueryable,
  statements: BulkStatements,
  record: StoredImportRecord,
): Promise<void> {
  await q.query(statements.putRecord, [
    record.tenantId,
    record.id,
    record.status,
    record.startedAt,
    record.updatedAt,
    JSON.stringify(record),
  ]);
}

/** The record of an import, or null. */
export async function getImportRecord(
  q: SqlQueryable,
  statements: BulkStatements,
  tenantId: string,
  id: string,
): Promise<StoredImportRecord | null> {
  const { rows } = await q.query<{ report: string }>(statements.getRecord, [tenantId, id]);
  return rows[0] ? (JSON.parse(rows[0].report) as StoredImportRecord) : null;
}

/** The tenant's import records, newest first. */
export async function listImportRecords(
  q: SqlQueryable,
  statements: BulkStatements,
  tenantId: string,
  limit: number,
): Promise<StoredImportRecord[]> {
  const { rows } = await q.query<{ report: string }>(statements.listRecords, [tenantId, limit]);
  return rows.map((r) => JSON.parse(r.report) as StoredImportRecord);
}
