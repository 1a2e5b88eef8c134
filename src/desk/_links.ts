// desk.links: the id-mapping between tickets and records in other systems (CRM customer,
// product serial, order). Links live in the ticket document (`externalRefs.links`), so adding
// one is an ordinary audited change of the ticket (version bump, audit entry, event, outbox),
// and the reverse lookup is a store index (`TicketStore.findByExternalRef`), never a scan.
import { deepFreeze } from '../_internal/index';
import { ValidationError, type ValidationIssue } from '../errors/index';
import type { Actor, Decision, PolicyContext } from '../permissions/index';
import type { TicketStore } from '../store/port';
import {
  type ExternalLink,
  ExternalLinkSchema,
  type ExternalRefs,
  issuesFromZod,
  LINK_LIMITS,
  linkKey,
  type Ticket,
} from '../ticket/index';

/** A query of {@link DeskLinks.find}: the link to look up, and the page. */
export interface LinkQuery extends ExternalLink {
  /** Max tickets per page, 1..1000. @default 50 */
  limit?: number;
  /** `nextCursor` of the previous page; omit (or null) for the first page. */
  cursor?: string | null;
}

/** A page of tickets found by {@link DeskLinks.find}. */
export interface LinkPage<T> {
  /** The tickets the actor may read, in ascending id order. */
  readonly items: readonly T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

/**
 * The id-mapping between tickets and records in other systems, lookups in both directions:
 * `of(ticketId)` lists a ticket's links, `find(link)` lists the tickets of a customer, a
 * serial number or an order, so an agent sees the customer's history.
 *
 * Adding or removing a link is a change of the ticket: checked against the `link` action of
 * the policy, audited (action `link` / `unlink`, the link in `meta`), versioned, emitted as
 * `ticket.updated` with the `externalRefs` change. Both are idempotent: adding a link the
 * ticket has, or removing one it lacks, changes nothing and returns the ticket as it is.
 * Links may be changed in every state, closed ones included, so archived tickets can be
 * mapped after a migration.
 *
 * @example
 * ```ts
 * const crm = { system: 'crm', kind: 'customer', externalId: 'C-1001' };
 * await desk.links.add(ticket.id, crm, { actor });
 * await desk.links.of(ticket.id, { actor });           // [{ system: 'crm', kind: 'customer', externalId: 'C-1001' }]
 * const page = await desk.links.find({ ...crm, limit: 20 }, { actor });
 * page.items;                                          // the customer's tickets this actor may read
 * ```
 */
export interface DeskLinks<T> {
  /**
   * Links a ticket to a record in another system. Needs the `link` permission on the ticket.
   * @throws {ValidationError} naming the bad field (`link.system`, ...), or `too_big` when the
   *   ticket already has {@link LINK_LIMITS}.perTicket links.
   */
  add(ticketId: string, link: ExternalLink, ctx: LinkCommandContext): Promise<T>;
  /** Removes a link (no-op when absent). Needs the `link` permission on the ticket. */
  remove(ticketId: string, link: ExternalLink, ctx: LinkCommandContext): Promise<T>;
  /** The ticket's links, oldest first. Needs `read` on the ticket when an actor is given. */
  of(ticketId: string, ctx?: LinkReadContext): Promise<readonly ExternalLink[]>;
  /**
   * Tickets of the tenant carrying this link, in ascending id order, keyset-paged; tickets the
   * actor may not read are left out (not counted, not hinted at). Needs a store with
   * `findByExternalRef` (memory, PGlite, PostgreSQL).
   */
  find(query: LinkQuery, ctx?: LinkReadContext): Promise<LinkPage<T>>;
}

/** The parts of a command context `desk.links` reads (the desk's `CommandContext`). */
export interface LinkCommandContext {
  readonly actor: Actor;
  readonly tenantId?: string;
  readonly expectedVersion?: number;
  readonly idempotencyKey?: string;
  readonly request?: { readonly ip?: string; readonly userAgent?: string };
}

/** The parts of a read context `desk.links` reads (the desk's `ReadContext`). */
export interface LinkReadContext {
  readonly actor?: Actor;
  readonly tenantId?: string;
}

/** A link change as the desk's command path receives it. @internal */
export interface LinkChange {
  readonly op: 'link' | 'unlink';
  readonly link: ExternalLink;
}

/** What `desk.links` needs from the desk. @internal */
export interface LinksDeps<T extends Ticket> {
  readonly store: TicketStore;
  tenantOf(ctx: LinkReadContext | undefined): string;
  checkActor(actor: unknown): void;
  decide(ctx: PolicyContext): Decision;
  authorize(ctx: PolicyContext): void;
  loadOrThrow(tenantId: string, id: string): Promise<T>;
  wrap<R>(operation: string, p: () => Promise<R>): Promise<R>;
  /** Runs a link change through the desk's command path (`change` with the link plan). */
  change(id: string, ctx: LinkCommandContext, arg: LinkChange): Promise<T>;
}

const FIND_KEYS = new Set(['system', 'kind', 'externalId', 'limit', 'cursor']);
const noLinks: readonly ExternalLink[] = Object.freeze([]);

/** Validates a link argument; issues are reported under `link.<field>`. @internal */
export function parseLink(input: unknown, path: string, context: string): ExternalLink {
  const r = ExternalLinkSchema.safeParse(input, { reportInput: true });
  if (r.success) return r.data;
  if (input === null || typeof input !== 'object') {
    throw new ValidationError(
      [
        {
          code: 'invalid_type',
          path: [path],
          message: `${path} must be an object { system, kind, externalId }, e.g. { system: 'crm', kind: 'customer', externalId: 'C-1001' }`,
        },
      ],
      { context },
    );
  }
  throw new ValidationError(issuesFromZod(r.error, path ? [path] : []), { context });
}

/**
 * The ticket after a link change, or null when nothing changes (pure; the caller authorizes).
 * @internal
 */
export function applyLinkChange<T extends Ticket>(
  current: T,
  change: LinkChange,
  at: string,
): { ticket: T; changes: Record<string, { from: unknown; to: unknown }> } | null {
  const list = current.externalRefs.links ?? noLinks;
  const key = linkKey(change.link);
  const index = list.findIndex((l) => linkKey(l) === key);
  if (change.op === 'link' ? index >= 0 : index < 0) return null;
  if (change.op === 'link' && list.length >= LINK_LIMITS.perTicket) {
    throw new ValidationError(
      [
        {
          code: 'too_big',
          path: ['link'],
          message: `ticket ${current.id} already has ${list.length} links, the most allowed; remove one first`,
        },
      ],
      { context: 'Cannot link the ticket' },
    );
  }
  const links =
    change.op === 'link'
      ? [
          ...list,
          {
            system: change.link.system,
            kind: change.link.kind,
            externalId: change.link.externalId,
          },
        ]
      : list.filter((_, i) => i !== index);
  const { links: _, ...rest } = current.externalRefs;
  const refs: ExternalRefs = links.length ? { ...rest, links } : rest;
  const ticket = deepFreeze({
    ...current,
    externalRefs: refs,
    updatedAt: at,
    version: current.version + 1,
  }) as T;
  return {
    ticket,
    changes: { externalRefs: { from: current.externalRefs, to: ticket.externalRefs } },
  };
}

/** `externalRefs` after a `desk.update` patch: the patch replaces the plain refs, links stay. @internal */
export function keepLinks(patch: ExternalRefs | null, current: ExternalRefs): ExternalRefs {
  const base = patch ?? {};
  return current.links?.length ? { ...base, links: current.links } : base;
}

function encodeCursor(id: string): string {
  return Buffer.from(JSON.stringify(['links', id])).toString('base64url');
}

function decodeCursor(cursor: unknown): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(String(cursor), 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    typeof cursor !== 'string' ||
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    parsed[0] !== 'links' ||
    typeof parsed[1] !== 'string'
  ) {
    throw new ValidationError(
      [
        {
          code: 'invalid_cursor',
          path: ['cursor'],
          message: 'is not a cursor desk.links.find issued; pass nextCursor from the previous page',
        },
      ],
      { context: 'desk.links.find' },
    );
  }
  return parsed[1];
}

/** Builds `desk.links`. @internal */
export function createDeskLinks<T extends Ticket>(deps: LinksDeps<T>): DeskLinks<T> {
  const { store } = deps;
  return Object.freeze({
    async add(ticketId: string, link: ExternalLink, ctx: LinkCommandContext) {
      const l = parseLink(link, 'link', 'Invalid link');
      return deps.change(ticketId, ctx, { op: 'link', link: l });
    },

    async remove(ticketId: string, link: ExternalLink, ctx: LinkCommandContext) {
      const l = parseLink(link, 'link', 'Invalid link');
      return deps.change(ticketId, ctx, { op: 'unlink', link: l });
    },

    async of(ticketId: string, ctx?: LinkReadContext) {
      const tenantId = deps.tenantOf(ctx);
      if (ctx?.actor) deps.checkActor(ctx.actor);
      const t = await deps.loadOrThrow(tenantId, ticketId);
      if (ctx?.actor) deps.authorize({ actor: ctx.actor, action: 'read', ticket: t });
      return t.externalRefs.links ?? noLinks;
    },

    async find(query: LinkQuery, ctx?: LinkReadContext) {
      const tenantId = deps.tenantOf(ctx);
      if (ctx?.actor) deps.checkActor(ctx.actor);
      const issues: ValidationIssue[] = [];
      if (query === null || typeof query !== 'object') {
        throw new ValidationError(
          [
            {
              code: 'invalid_type',
              path: [],
              message:
                "pass { system, kind, externalId }, e.g. { system: 'crm', kind: 'customer', externalId: 'C-1001' }",
            },
          ],
          { context: 'desk.links.find' },
        );
      }
      for (const k of Object.keys(query)) {
        if (!FIND_KEYS.has(k)) {
          issues.push({
            code: 'unknown_field',
            path: [k],
            message: `"${k}" is not a find option; use ${[...FIND_KEYS].join(', ')}`,
          });
        }
      }
      const limit = query.limit ?? 50;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        issues.push({
          code: 'too_big',
          path: ['limit'],
          message: 'must be a whole number from 1 to 1000',
        });
      }
      const r = ExternalLinkSchema.safeParse(
        { system: query.system, kind: query.kind, externalId: query.externalId },
        { reportInput: true },
      );
      if (!r.success) issues.push(...issuesFromZod(r.error));
      if (issues.length) throw new ValidationError(issues, { context: 'desk.links.find' });
      const link = r.data!;
      let after = query.cursor ? decodeCursor(query.cursor) : undefined;
      if (!store.findByExternalRef) {
        throw new ValidationError(
          [
            {
              code: 'unsupported',
              path: ['store'],
              message: `the ${store.name} store cannot look tickets up by link; give it findByExternalRef (see docs/adapters/writing-an-adapter.md) or use memory, pglite or postgres`,
            },
          ],
          { context: 'desk.links.find' },
        );
      }
      const find = store.findByExternalRef.bind(store);
      const actor = ctx?.actor;
      const items: T[] = [];
      const fetch = limit + 1;
      let more = false;
      for (;;) {
        const batch = (await deps.wrap('findByExternalRef', () =>
          find(tenantId, link, { limit: fetch, ...(after !== undefined ? { after } : {}) }),
        )) as T[];
        for (const t of batch) {
          after = t.id;
          if (actor && !deps.decide({ actor, action: 'read', ticket: t }).allowed) continue;
          if (items.length === limit) {
            more = true;
            break;
          }
          items.push(t);
        }
        if (more || batch.length < fetch) break;
      }
      const last = items[items.length - 1];
      return { items, nextCursor: more && last ? encodeCursor(last.id) : null };
    },
  });
}
