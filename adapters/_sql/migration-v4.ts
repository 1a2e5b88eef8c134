/**
 * Migration v4 (not registered yet: add `{ version: 4, name: 'handling_windows', sql: v4 }` to
 * `MIGRATIONS` in migrations.ts, and `'windows'` to `TENANT_TABLES`): joint handling windows,
 * the `WindowStore` of the SQL stores (`windows.ts`).
 *
 * - The window document is stored as `json` (exact round-trip); the typed columns next to it
 *   filter and index: `participants` is a `text[]` with a GIN index for `&&` (shares a
 *   participant), and live windows of a participant are found by overlap on
 *   `start_at < $end AND end_at > $start`.
 * - Bookings serialise per (tenant, participant) with transaction-scoped advisory locks taken in
 *   sorted order, so two exclusive bookings of the same person cannot both succeed.
 *
 * @internal
 */

/** SQL text of migration v4 (`{t:…}` / `{n:…}` rendered by `render()` in names.ts). */
export const v4 = `
CREATE TABLE IF NOT EXISTS {t:windows} (
  tenant_id    text COLLATE "C" NOT NULL,
  id           text COLLATE "C" NOT NULL,
  ticket_id    text COLLATE "C" NOT NULL,
  start_at     timestamptz(3) NOT NULL,
  end_at       timestamptz(3) NOT NULL,
  participants text[] COLLATE "C" NOT NULL,
  cancelled_at timestamptz(3),
  doc          json NOT NULL,
  PRIMARY KEY (tenant_id, id),
  CHECK (end_at > start_at)
);
CREATE INDEX IF NOT EXISTS {n:windows_participants_idx} ON {t:windows} USING gin (participants)
  WHERE cancelled_at IS NULL;
CREATE INDEX IF NOT EXISTS {n:windows_ticket_idx} ON {t:windows} (tenant_id, ticket_id, start_at);
`;
