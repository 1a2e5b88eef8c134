// desk.import: validated rows stored in atomic batches, the external id as the idempotency key.
import { createHash } from 'node:crypto';
import { deepFreeze, randomId, toIso } from '../_internal/index';
import type { AuditActor, AuditEntry } from '../audit/index';
import type { Clock } from '../clock/index';
import { ValidationError } from '../errors/index';
import {
  type ImportBatch,
  type ImportInput,
  type ImportIssue,
  type ImportStreamOptions,
  type ImportSummary,
  iterateImport,
  validateImportStream,
} from '../import/index';
import type { Actor, Policy } from '../permissions/index';
import type { Workflow } from '../state-machine/index';
import type { Commit, OutboxEventInput, TicketStore } from '../store/port';
import type { Priority, Ticket } from '../ticket/index';

/** Options of `desk.import`. Validation options are those of `iterateImport`. */
export interface DeskImportOptions extends Omit<ImportStreamOptions, 'timeZone' | 'onProgress'> {
  /** Who imports; needs `create` permission for every row. */
  actor: Actor;
  tenantId?: string;
  /** Time zone for local dates in the file. @default 'UTC' */
  timeZone?: string;
  /** Validate and report, store nothing. @default false */
  dryRun?: boolean;
  /** Rows per atomic batch. @default 200 */
  batchSize?: number;
  /**
   * Batches being stored at once. Each batch stays atomic; progress and `ticketIds` stay in
   * file order. More than one only helps a store with several connections.
   * @default 3 for a multi-process store (PostgreSQL), otherwise 1
   */
  concurrency?: number;
  /**
   * The import's id: its record ({@link ImportRecord}) is kept under it, and a re-run with the
   * same id updates that record instead of adding one.
   * @default a hash of the content for bytes or a string, otherwise a random id
   */
  importId?: string;
  /** Progress after each batch. */
  onProgress?: (p: DeskImportProgress) => void;
}

/**
 * What is kept about an import (`import.completed` once done): one record per tenant and
 * import id, in the store (the `import_batches` table on PGlite and PostgreSQL).
 */
export interface ImportRecord {
  /** The import id (option `importId`). */
  readonly id: string;
  readonly tenantId: string;
  /** `running` while storing (a crashed run stays so until re-run), then `completed` or `failed`. */
  readonly status: 'running' | 'completed' | 'failed';
  /** Who ran the last run. */
  readonly actor: AuditActor;
  /** When the first run started (desk clock, ISO 8601). */
  readonly startedAt: string;
  /** When the record last changed. */
  readonly updatedAt: string;
  /** When the last run completed, or null. */
  readonly completedAt: string | null;
  /** Runs started under this id (a re-run after a crash is the second). */
  readonly runs: number;
  readonly format: ImportSummary['format'] | null;
  readonly encoding: ImportSummary['encoding'] | null;
  /** Data rows in the file. */
  readonly total: number;
  readonly valid: number;
  readonly invalid: number;
  /** Tickets the last run stored. */
  readonly created: number;
  /** Valid rows the last run found stored already. */
  readonly skipped: number;
  readonly denied: number;
  /** Batches the last run committed. */
  readonly batches: number;
  readonly errorCount: number;
  readonly warningCount: number;
  /** The first 100 errors, in row order. */
  readonly errors: readonly ImportIssue[];
  /** Why the run failed (status `failed`). */
  readonly failure?: string;
}

/**
 * Where import records are kept. The SQL stores implement it (table `import_batches`); for
 * stores that do not, the records live next to the store in this process.
 */
export interface ImportRecordStore {
  putImportRecord(record: ImportRecord): Promise<void>;
  getImportRecord(tenantId: string, id: string): Promise<ImportRecord | null>;
}

/** Progress of `desk.import`, after each batch. */
export interface DeskImportProgress {
  readonly rowsRead: number;
  readonly bytesRead: number;
  readonly batches: number;
  readonly created: number;
  readonly skipped: number;
}

/** What `desk.import` returns. */
export interface DeskImportResult {
  readonly dryRun: boolean;
  /** The validation report (totals, errors with row and column, warnings, encoding). */
  readonly report: ImportSummary;
  /** Tickets stored (or, in a dry run, that would be stored). */
  readonly created: number;
  /** Valid rows whose external id was imported before: skipped, never duplicated. */
  readonly skipped: number;
  /** Rows refused by the policy (also listed in `report.errors` with code `permission_denied`). */
  readonly denied: number;
  /** Batches committed. */
  readonly batches: number;
  /** Ids of the tickets stored, in file order (capped at 10,000). */
  readonly ticketIds: readonly string[];
  /** The kept record of this import (`null` in a dry run, which keeps nothing). */
  readonly record: ImportRecord | null;
}

/** What the importer needs from the desk. */
export interface ImportDeps<S extends string> {
  store: TicketStore;
  workflow: Workflow<S>;
  policy: Policy;
  clock: Clock;
  tenantOf(ctx: { actor?: Actor; tenantId?: string }): string;
  auditActor(actor: Actor): AuditActor;
  /** Adds SLA clocks to a new ticket (identity when SLA is off). */
  withSla(ticket: Ticket<S>, now: Date): Ticket<S>;
  /** Called after each committed ticket (events, SLA scheduling). */
  afterCreate(ticket: Ticket<S>, actor: AuditActor): void;
  /** The ticket's SLA due instant for the store's durable timers (undefined: none kept). */
  slaDueAt?(ticket: Ticket<S>): string | null | undefined;
  /** The ticket's events for the store's event outbox (when the desk writes one). */
  events?(ticket: Ticket<S>, actor: AuditActor): OutboxEventInput[];
}

/** The ticket id for an external id: the same file imports to the same ids, every time. */
export function importedTicketId(tenantId: string, externalId: string): string {
  const h = createHash('sha256').update(`${tenantId}\u0000${externalId}`).digest('hex');
  return `tk_imp_${h.slice(0, 32)}`;
}

const rereadable = (input: ImportInput | (() => ImportInput)) =>
  typeof input === 'function'
    ? input
    : typeof input === 'string' || input instanceof Uint8Array
      ? () => input
      : null;

// Records of stores that do not keep them (the memory store): next to the store, in process.
const localRecords = new WeakMap<TicketStore, Map<string, ImportRecord>>();

/** The store's own import records, or an in-process map for a store without them. */
export function importRecordsOf(store: TicketStore): ImportRecordStore {
  const own = store as TicketStore & Partial<ImportRecordStore>;
  if (typeof own.putImportRecord === 'function' && typeof own.getImportRecord === 'function') {
    return {
      putImportRecord: (r) => own.putImportRecord!(r),
      getImportRecord: (t, id) => own.getImportRecord!(t, id),
    };
  }
  let map = localRecords.get(store);
  if (!map) {
    map = new Map();
    localRecords.set(store, map);
  }
  const m = map;
  return {
    putImportRecord: async (r) => {
      m.set(`${r.tenantId}\u0000${r.id}`, deepFreeze(structuredClone(r)));
    },
    getImportRecord: async (t, id) => m.get(`${t}\u0000${id}`) ?? null,
  };
}

/** The record of an import, or null (reads the store, or the in-process map). */
export function readImportRecord(
  store: TicketStore,
  tenantId: string,
  importId: string,
): Promise<ImportRecord | null> {
  return importRecordsOf(store).getImportRecord(tenantId, importId);
}

const defaultImportId = (input: ImportInput | (() => ImportInput)): string =>
  typeof input === 'string' || input instanceof Uint8Array
    ? `imp_${createHash('sha256').update(input).digest('hex').slice(0, 32)}`
    : randomId('imp');

/** True when a value says nothing on a new ticket: null, or an empty list or object. */
const empty = (v: unknown) =>
  v === null ||
  (Array.isArray(v) ? v.length === 0 : typeof v === 'object' && Object.keys(v).length === 0);

/** One batch on its way to the store, finished in file order. */
interface Pending<S extends string> {
  readonly done: Promise<{ created: Ticket<S>[]; skipped: number; committed: boolean }>;
  readonly progress: ImportBatch['progress'];
}

/** Runs an import for a desk. */
export async function runImport<S extends string>(
  deps: ImportDeps<S>,
  input: ImportInput | (() => ImportInput),
  opts: DeskImportOptions,
): Promise<DeskImportResult> {
  const { store, workflow, policy, clock } = deps;
  const tenantId = deps.tenantOf(opts);
  const dryRun = opts.dryRun === true;
  const {
    onProgress,
    actor: _actor,
    tenantId: _tenant,
    dryRun: _dry,
    concurrency: _c,
    importId: _id,
    ...rest
  } = opts;
  const concurrency = opts.concurrency ?? (store.capabilities.multiProcess ? 3 : 1);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new ValidationError(
      [
        {
          code: 'invalid_value',
          path: ['concurrency'],
          message: `must be a whole number from 1 to 64, got ${String(opts.concurrency)}`,
        },
      ],
      { context: 'desk.import options' },
    );
  }
  const validation: ImportStreamOptions = {
    ...rest,
    timeZone: opts.timeZone ?? 'UTC',
    batchSize: opts.batchSize ?? 200,
    statuses: opts.statuses ?? {
      values: workflow.states,
      aliases: Object.fromEntries(workflow.states.map((s) => [s, [workflow.labelOf(s)]])),
    },
  };
  const again = rereadable(input);
  const source = (): ImportInput => (again ? again() : (input as ImportInput));
  const actor = deps.auditActor(opts.actor);
  const importId = opts.importId ?? defaultImportId(input);
  const records = importRecordsOf(store);

  // A file-level problem (a missing required column, a date column mixing day and month
  // orders) can only be known at the end. With re-readable input, a real run validates the
  // whole file first and stores nothing when the file is unusable.
  if (!dryRun && again) {
    const pre = await validateImportStream(again(), validation);
    if (pre.errors.some((e) => e.row === 1)) {
      return {
        dryRun,
        report: pre,
        created: 0,
        skipped: 0,
        denied: 0,
        batches: 0,
        ticketIds: [],
        record: null,
      };
    }
  }

  const startedAt = toIso(clock.now());
  const previous = dryRun ? null : await records.getImportRecord(tenantId, importId);
  let record: ImportRecord | null = null;
  if (!dryRun) {
    record = {
      id: importId,
      tenantId,
      status: 'running',
      actor,
      startedAt: previous?.startedAt ?? startedAt,
      updatedAt: startedAt,
      completedAt: previous?.completedAt ?? null,
      runs: (previous?.runs ?? 0) + 1,
      format: null,
      encoding: null,
      total: 0,
      valid: 0,
      invalid: 0,
      created: 0,
      skipped: 0,
      denied: 0,
      batches: 0,
      errorCount: 0,
      warningCount: 0,
      errors: [],
    };
    await records.putImportRecord(record);
  }

  const permissionIssues: ImportIssue[] = [];
  const ticketIds: string[] = [];
  let created = 0;
  let skipped = 0;
  let batches = 0;

  /** Skips what an earlier run stored and commits the rest as one atomic batch. */
  const storeBatch = async (fresh: Ticket<S>[], lastRow: number, rows: Map<string, number>) => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const exists = await store.existingIds(
        tenantId,
        fresh.map((t) => t.id),
      );
      const todo = exists.size === 0 ? fresh : fresh.filter((t) => !exists.has(t.id));
      const already = fresh.length - todo.length;
      if (dryRun || todo.length === 0) return { created: todo, skipped: already, committed: false };
      const at = todo[0]!.updatedAt;
      const commits: Commit[] = todo.map((t) => {
        // The fields the row set: a null or empty value is no change on a new ticket.
        const changes: Record<string, { from: unknown; to: unknown }> = {};
        for (const k in t) {
          if (k === 'id' || k === 'tenantId' || k === 'version' || k === 'updatedAt') continue;
          const v = (t as Record<string, unknown>)[k];
          if (!empty(v)) changes[k] = { from: null, to: v };
        }
        const entry: AuditEntry = Object.freeze({
          id: `${t.id}:1`,
          tenantId,
          ticketId: t.id,
          seq: 1,
          at,
          actor,
          action: 'import',
          changes,
          meta: Object.freeze({
            externalId: t.externalRefs.externalId,
            importId,
            row: rows.get(t.id),
          }),
        });
        const commit: Commit = {
          tenantId,
          ticket: t,
          expectedVersion: null,
          audit: [entry],
          now: at,
        };
        const due = deps.slaDueAt?.(t);
        const events = deps.events?.(t, actor);
        return {
          ...commit,
          ...(due ? { slaDueAt: due } : {}),
          ...(events?.length ? { events } : {}),
        };
      });
      const outcome = await store.commitBatch(commits);
      if (outcome.ok) return { created: todo, skipped: already, committed: true };
      // Another import stored some of these meanwhile: look again.
      if (outcome.outcome.reason !== 'already_exists' || attempt === 2) {
        throw new Error(`import batch ending at row ${lastRow} failed: ${outcome.outcome.reason}`);
      }
    }
    throw new Error('unreachable');
  };

  const pending: Pending<S>[] = [];
  /** Applies the oldest pending batch's result, so counts and events stay in file order. */
  const finishOldest = async () => {
    const p = pending.shift()!;
    const r = await p.done;
    created += r.created.length;
    skipped += r.skipped;
    if (r.committed) {
      batches++;
      for (const t of r.created) {
        if (ticketIds.length < 10_000) ticketIds.push(t.id);
        deps.afterCreate(t, actor);
      }
    }
    onProgress?.({
      rowsRead: p.progress.rowsRead,
      bytesRead: p.progress.bytesRead,
      batches,
      created,
      skipped,
    });
  };

  const run = iterateImport(source(), validation);
  try {
    for await (const batch of run) {
      const now = clock.now();
      const at = toIso(now);
      const fresh: Ticket<S>[] = [];
      const rowOf = new Map<string, number>();
      for (const row of batch.rows) {
        const draft = {
          title: row.title,
          priority: row.priority,
          ...(row.category ? { category: row.category } : {}),
          requester: row.customerId ?? opts.actor.id,
        };
        const status = (
          row.status && workflow.hasState(row.status) ? row.status : workflow.initial
        ) as S;
        const createdAt = row.createdAt ? row.createdAt.toISOString() : at;
        const ticket = deepFreeze({
          id: importedTicketId(tenantId, row.externalId),
          tenantId,
          title: row.title,
          description: row.description ?? null,
          priority: row.priority as Priority,
          risk: null,
          category: row.category ?? null,
          tags: [],
          channel: 'import',
          requester: row.customerId ?? opts.actor.id,
          assignee: row.assignee ?? null,
          team: null,
          status,
          parentId: null,
          externalRefs: {
            externalId: row.externalId,
            ...(row.customerId ? { customerId: row.customerId } : {}),
          },
          location: null,
          custom: row.custom,
          createdAt,
          updatedAt: at,
          version: 1,
          reopenCount: 0,
          sla: null,
        }) as Ticket<S>;
        // A row carries more than a create: its assignee and its status must be allowed too.
        let decision = policy.can({ actor: opts.actor, action: 'create', draft });
        if (decision.allowed && (ticket.assignee !== null || ticket.status !== workflow.initial)) {
          const initial = { ...ticket, status: workflow.initial, assignee: null } as Ticket<S>;
          if (ticket.assignee !== null) {
            decision = policy.can({
              actor: opts.actor,
              action: 'assign',
              ticket: initial,
              assignee: ticket.assignee,
            });
          }
          if (decision.allowed && ticket.status !== workflow.initial) {
            decision = policy.can({
              actor: opts.actor,
              action: 'transition',
              ticket: initial,
              to: ticket.status,
              toKind: workflow.kindOf(ticket.status),
              reopen: false,
            });
          }
        }
        if (!decision.allowed) {
          permissionIssues.push({
            row: row.row,
            column: '',
            path: [],
            code: 'permission_denied',
            severity: 'error',
            value: row.externalId,
            message: `${decision.reason} (rule "${decision.rule}")`,
          });
          continue;
        }
        rowOf.set(ticket.id, row.row);
        fresh.push(deps.withSla(ticket, now));
      }
      const done = storeBatch(fresh, batch.lastRow, rowOf);
      done.catch(() => {}); // awaited in order below; never an unhandled rejection meanwhile
      pending.push({ done, progress: batch.progress });
      while (pending.length >= concurrency) await finishOldest();
    }
    while (pending.length > 0) await finishOldest();
  } catch (e) {
    // Let the batches already sent finish (each is atomic either way), then report the failure.
    await Promise.allSettled(pending.map((p) => p.done));
    if (record) {
      await records
        .putImportRecord({
          ...record,
          status: 'failed',
          updatedAt: toIso(clock.now()),
          created,
          skipped,
          batches,
          failure: e instanceof Error ? e.message : String(e),
        })
        .catch(() => {});
    }
    throw e;
  }
  const summary = run.summary!;
  const errors = [...summary.errors, ...permissionIssues].sort((a, b) => a.row - b.row);
  const report: ImportSummary = {
    ...summary,
    errors,
    errorCount: summary.errorCount + permissionIssues.length,
    validCount: summary.validCount - permissionIssues.length,
    invalidCount: summary.invalidCount + permissionIssues.length,
    ok: summary.ok && permissionIssues.length === 0,
  };
  if (record) {
    const end = toIso(clock.now());
    record = {
      ...record,
      status: 'completed',
      updatedAt: end,
      completedAt: end,
      format: report.format,
      encoding: report.encoding,
      total: report.total,
      valid: report.validCount,
      invalid: report.invalidCount,
      created,
      skipped,
      denied: permissionIssues.length,
      batches,
      errorCount: report.errorCount,
      warningCount: report.warningCount,
      errors: report.errors.slice(0, 100),
    };
    await records.putImportRecord(record);
  }
  return {
    dryRun,
    report,
    created,
    skipped,
    denied: permissionIssues.length,
    batches,
    ticketIds,
    record,
  };
}
