import { isTicketkitError, type TicketkitError, ValidationError } from '../errors/index';
import type { Ticket } from '../ticket/index';

/** One ticket of a bulk command: its id, and the version the caller saw (optional). */
export interface BulkItem {
  readonly id: string;
  /** The change applies only if the ticket is still at this version (else `version_conflict`). */
  readonly expectedVersion?: number;
}

/** The outcome for one ticket of a bulk command. */
export type BulkItemResult<T = Ticket> =
  | { readonly id: string; readonly ok: true; readonly ticket: T }
  | {
      readonly id: string;
      readonly ok: false;
      /** The error's stable code: `version_conflict`, `invalid_transition`, `permission_denied`, ... */
      readonly code: string;
      readonly message: string;
      readonly error: TicketkitError;
    };

/** What a bulk command did, ticket by ticket, in input order. */
export interface BulkResult<T = Ticket> {
  readonly results: readonly BulkItemResult<T>[];
  readonly succeeded: number;
  readonly failed: number;
  /** How many failed with `version_conflict` (someone changed the ticket meanwhile). */
  readonly conflicts: number;
}

/** Max tickets in one bulk command. */
export const BULK_LIMIT = 1000;

/** Checks and normalises the items of a bulk command (ids as strings or items). */
export function bulkItems(items: unknown): BulkItem[] {
  const fail = (path: (string | number)[], message: string) =>
    new ValidationError([{ code: 'invalid_type', path, message }], {
      context: 'Invalid bulk command',
    });
  if (!Array.isArray(items))
    throw fail(['items'], 'pass an array of ticket ids or { id, expectedVersion }');
  if (items.length > BULK_LIMIT) {
    throw new ValidationError(
      [
        {
          code: 'too_big',
          path: ['items'],
          message: `at most ${BULK_LIMIT} tickets per bulk command (got ${items.length}); split the list`,
        },
      ],
      { context: 'Invalid bulk command' },
    );
  }
  const seen = new Set<string>();
  return items.map((x, i) => {
    const item: BulkItem = typeof x === 'string' ? { id: x } : (x as BulkItem);
    if (!item || typeof item.id !== 'string' || item.id === '') {
      throw fail(['items', i], 'each item is a ticket id or { id, expectedVersion }');
    }
    if (
      item.expectedVersion !== undefined &&
      (!Number.isInteger(item.expectedVersion) || item.expectedVersion < 1)
    ) {
      throw fail(['items', i, 'expectedVersion'], 'expectedVersion is an integer >= 1');
    }
    if (seen.has(item.id)) {
      throw new ValidationError(
        [
          {
            code: 'duplicate',
            path: ['items', i],
            message: `ticket ${item.id} is listed twice; list each ticket once`,
          },
        ],
        { context: 'Invalid bulk command' },
      );
    }
    seen.add(item.id);
    return item;
  });
}

/**
 * Runs one command per item, `lanes` at a time, and collects every outcome in input order. A
 * typed error of one ticket (a conflict, a refused move, a store failure) is its result; an
 * untyped error is a bug and is rethrown.
 */
export async function runBulk<T>(
  items: readonly BulkItem[],
  lanes: number,
  run: (item: BulkItem) => Promise<T>,
): Promise<BulkResult<T>> {
  const results = new Array<BulkItemResult<T>>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      const item = items[i]!;
      try {
        results[i] = { id: item.id, ok: true, ticket: await run(item) };
      } catch (e) {
        if (!isTicketkitError(e)) throw e;
        results[i] = { id: item.id, ok: false, code: e.code, message: e.message, error: e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, lanes) }, lane));
  let failed = 0;
  let conflicts = 0;
  for (const r of results) {
    if (r.ok) continue;
    failed++;
    if (r.code === 'version_conflict') conflicts++;
  }
  return { results, succeeded: results.length - failed, failed, conflicts };
}
