// desk.import: validated rows stored in atomic batches, the external id as the idempotency key.
import { createHash } from 'node:crypto';
import { deepFreeze, toIso } from '../_internal/index';
import type { AuditActor, AuditEntry } from '../audit/index';
import type { Clock } from '../clock/index';
import {
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
  /** Progress after each batch. */
  onProgress?: (p: DeskImportProgress) => void;
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

/** Runs an import for a desk. */
export async function runImport<S extends string>(
  deps: ImportDeps<S>,
  input: ImportInput | (() => ImportInput),
  opts: DeskImportOptions,
): Promise<DeskImportResult> {
  const { store, workflow, policy, clock } = deps;
  const tenantId = deps.tenantOf(opts);
  const dryRun = opts.dryRun === true;
  const { onProgress, actor: _actor, tenantId: _tenant, dryRun: _dry, ...rest } = opts;
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

  // A file-level problem (a missing required column, a date column mixing day and month
  // orders) can only be known at the end. With re-readable input, a real run validates the
  // whole file first and stores nothing when the file is unusable.
  if (!dryRun && again) {
    const pre = await validateImportStream(again(), validation);
    if (pre.errors.some((e) => e.row === 1)) {
      return { dryRun, report: pre, created: 0, skipped: 0, denied: 0, batches: 0, ticketIds: [] };
    }
  }

  const actor = deps.auditActor(opts.actor);
  const permissionIssues: ImportIssue[] = [];
  const ticketIds: string[] = [];
  let created = 0;
  let skipped = 0;
  let batches = 0;
  const run = iterateImport(source(), validation);
  for await (const batch of run) {
    const now = clock.now();
    const at = toIso(now);
    const fresh: Ticket<S>[] = [];
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
      const initial = { ...ticket, status: workflow.initial, assignee: null } as Ticket<S>;
      const decisions = [
        policy.can({ actor: opts.actor, action: 'create', draft }),
        ...(ticket.assignee !== null
          ? [
              policy.can({
                actor: opts.actor,
                action: 'assign',
                ticket: initial,
                assignee: ticket.assignee,
              }),
            ]
          : []),
        ...(ticket.status !== workflow.initial
          ? [
              policy.can({
                actor: opts.actor,
                action: 'transition',
                ticket: initial,
                to: ticket.status,
                toKind: workflow.kindOf(ticket.status),
                reopen: false,
              }),
            ]
          : []),
      ];
      const decision = decisions.find((d) => !d.allowed);
      if (decision && !decision.allowed) {
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
      fresh.push(deps.withSla(ticket, now));
    }
    // Skip what an earlier run stored; commit the rest as one atomic batch.
    for (let attempt = 0; attempt < 3; attempt++) {
      const exists = await store.existingIds(
        tenantId,
        fresh.map((t) => t.id),
      );
      const todo = fresh.filter((t) => !exists.has(t.id));
      const already = fresh.length - todo.length;
      if (dryRun || todo.length === 0) {
        created += todo.length;
        skipped += already;
        break;
      }
      const commits: Commit[] = todo.map((t) => {
        const changes: Record<string, { from: unknown; to: unknown }> = {};
        for (const [k, v] of Object.entries(t)) {
          if (k !== 'id' && k !== 'tenantId' && k !== 'version' && k !== 'updatedAt') {
            changes[k] = { from: null, to: v };
          }
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
          meta: Object.freeze({ externalId: t.externalRefs.externalId }),
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
      if (outcome.ok) {
        created += todo.length;
        skipped += already;
        batches++;
        for (const t of todo) {
          if (ticketIds.length < 10_000) ticketIds.push(t.id);
          deps.afterCreate(t, actor);
        }
        break;
      }
      // Another import stored some of these meanwhile: look again.
      if (outcome.outcome.reason !== 'already_exists' || attempt === 2) {
        throw new Error(
          `import batch ending at row ${batch.lastRow} failed: ${outcome.outcome.reason}`,
        );
      }
    }
    onProgress?.({
      rowsRead: batch.progress.rowsRead,
      bytesRead: batch.progress.bytesRead,
      batches,
      created,
      skipped,
    });
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
  return { dryRun, report, created, skipped, denied: permissionIssues.length, batches, ticketIds };
}
