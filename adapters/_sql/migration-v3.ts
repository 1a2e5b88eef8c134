/**
 * Migration v3: the index behind `TicketStore.findByExternalRef` (`desk.links.find`).
 *
 * Kept in its own file until it is registered in `MIGRATIONS` (migrations.ts) as
 * `{ version: 3, name: 'ticket_links_index', sql: MIGRATION_V3_SQL }`.
 *
 * Design: a ticket's external links live in its document (`doc.externalRefs.links`, a JSON
 * array of `{ system, kind, externalId }`), so they are written by the same statement as the
 * ticket and can never disagree with it; no second table, no extra row-level-security policy
 * (the tickets table's policy applies). A GIN expression index with `jsonb_path_ops` over that
 * array answers `links @> '[{"system":…,"kind":…,"externalId":…}]'` without scanning the
 * tickets. Only the `links` array is cast to `jsonb` (not the whole document), so a document
 * whose other fields hold text `jsonb` refuses (`\u0000`) is still writable; the desk rejects
 * NUL in links. Tickets without links index nothing (the expression is NULL).
 *
 * `CREATE INDEX` (not `CONCURRENTLY`: migrations run in a transaction) locks writes to the
 * tickets table while it builds; on a large table, build it beforehand with
 * `CREATE INDEX CONCURRENTLY` under the same name and the migration finds it in place.
 *
 * @internal
 */

/** The SQL of migration v3, with the `{t:…}` / `{n:…}` placeholders of names.ts. */
export const MIGRATION_V3_SQL = `
CREATE INDEX IF NOT EXISTS {n:tickets_links_idx} ON {t:tickets}
  USING gin (((doc -> 'externalRefs' -> 'links')::jsonb) jsonb_path_ops);
`;

/** Migration v3 as a `MIGRATIONS` entry. */
export const MIGRATION_V3 = Object.freeze({
  version: 3,
  name: 'ticket_links_index',
  sql: MIGRATION_V3_SQL,
});
