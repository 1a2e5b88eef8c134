// desk.similar: resolved tickets most like a given one (BM25 over the classify index), with
// the most frequent resolution causes among them. One index per tenant, built lazily from the
// store on the first query and kept current from this desk's own events; rebuilt after
// `refreshMs` so changes made by other processes are picked up.

import {
  createSimilarityIndex,
  type RootCauseSuggestion,
  type SimilarityIndex,
  type SimilarityIndexOptions,
} from '../classify/index';
import type { Clock } from '../clock/index';
import { ValidationError, type ValidationIssue } from '../errors/index';
import type { TicketkitEvents } from '../events/index';
import type { Actor, Decision, PolicyContext } from '../permissions/index';
import type { TicketStore } from '../store/port';
import type { Ticket } from '../ticket/index';

/** Options of `createTicketing({ similar })`: how `desk.similar` builds and refreshes its index. */
export interface SimilarConfig<S extends string = string> {
  /**
   * States whose tickets are candidates ("resolved tickets").
   * @default every state of kind `resolved` or `closed`
   */
  states?: readonly S[];
  /**
   * Max tickets indexed per tenant, the most recently updated kept. Bounds the first query's
   * build time and the memory (about 1 KB per ticket). @default 10_000
   */
  maxTickets?: number;
  /**
   * Rebuild a tenant's index from the store when it is older than this (ms of the desk's
   * clock), to pick up changes made by other processes. The desk's own changes are applied at
   * once in any case. @default Infinity for a single-process store, 300_000 for a shared one
   */
  refreshMs?: number;
  /** Tenants whose indexes are kept; the least recently queried is dropped first. @default 8 */
  maxTenants?: number;
  /** BM25 parameters and CJK bigrams (see `createSimilarityIndex`). */
  index?: SimilarityIndexOptions;
  /**
   * The root cause or resolution note of a resolved ticket, reported by `rootCauses`.
   * @default `custom.rootCause`, else `custom.resolution`, when a non-empty string
   */
  resolutionOf?: (ticket: Ticket<S>) => string | undefined;
}

/** Options of `desk.similar`. */
export interface SimilarQuery {
  /** Max similar tickets, 1..50. @default 5 */
  limit?: number;
  /** Drop results scoring below this BM25 score. @default 0 */
  minScore?: number;
  /** Max suggested root causes, 0..10. @default 3 */
  rootCauses?: number;
}

/** One similar ticket. */
export interface SimilarTicket<T> {
  readonly ticket: T;
  /** BM25 score (higher is more similar; not comparable across queries). */
  readonly score: number;
  /** Its resolution (from `resolutionOf`), or null. */
  readonly resolution: string | null;
}

/** What `desk.similar` returns. */
export interface SimilarTickets<T> {
  /** Resolved tickets the actor may read, most similar first. */
  readonly items: readonly SimilarTicket<T>[];
  /** The most frequent resolutions among `items`, most frequent first: the suggested root cause. */
  readonly rootCauses: readonly RootCauseSuggestion[];
  /** Tickets indexed in this tenant when the query ran. */
  readonly indexed: number;
}

/** What `desk.similar` needs from the desk. @internal */
export interface SimilarDeps<S extends string, T extends Ticket<S>> {
  readonly store: TicketStore;
  readonly clock: Clock;
  readonly states: readonly S[];
  tenantOf(ctx: { actor?: Actor; tenantId?: string } | undefined): string;
  checkActor(actor: unknown): void;
  decide(ctx: PolicyContext): Decision;
  authorize(ctx: PolicyContext): void;
  loadOrThrow(tenantId: string, id: string): Promise<T>;
  wrap<R>(operation: string, p: () => Promise<R>): Promise<R>;
  on<E extends keyof TicketkitEvents<S>>(
    event: E,
    listener: (...args: TicketkitEvents<S>[E]) => void,
  ): () => void;
}

interface TenantIndex {
  index: SimilarityIndex;
  /** id -> version indexed, in insertion order (oldest first) for eviction. */
  versions: Map<string, number>;
  builtAt: number;
  ready: Promise<void>;
}

const KEYS = new Set(['limit', 'minScore', 'rootCauses']);

const defaultResolution = (t: Ticket): string | undefined => {
  for (const k of ['rootCause', 'resolution']) {
    const v = t.custom[k];
    if (typeof v === 'string' && v.trim()) return v;
  }
  return undefined;
};

/** Validates `createTicketing({ similar })`. @internal */
export function checkSimilarConfig(
  cfg: SimilarConfig<string> | undefined,
  hasState: (s: string) => boolean,
): void {
  if (!cfg) return;
  const issues: ValidationIssue[] = [];
  const whole = (k: 'maxTickets' | 'maxTenants') => {
    const v = cfg[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) {
      issues.push({
        code: 'too_small',
        path: ['similar', k],
        message: 'must be a whole number >= 1',
      });
    }
  };
  whole('maxTickets');
  whole('maxTenants');
  const r = cfg.refreshMs;
  if (r !== undefined && !(typeof r === 'number' && r > 0)) {
    issues.push({
      code: 'too_small',
      path: ['similar', 'refreshMs'],
      message: 'must be a number of ms > 0 (Infinity: never rebuild)',
    });
  }
  cfg.states?.forEach((s, i) => {
    if (!hasState(s)) {
      issues.push({
        code: 'invalid_enum',
        path: ['similar', 'states', i],
        message: `unknown state "${s}"; use states of the desk's workflow`,
      });
    }
  });
  if (issues.length) throw new ValidationError(issues, { context: 'Invalid desk options' });
  createSimilarityIndex(cfg.index); // throws on bad k1 / b
}

/** Builds `desk.similar`. @internal */
export function createDeskSimilar<S extends string, T extends Ticket<S>>(
  deps: SimilarDeps<S, T>,
  cfg: SimilarConfig<S> = {},
) {
  const { store, clock } = deps;
  const done = new Set<string>(deps.states);
  const maxTickets = cfg.maxTickets ?? 10_000;
  const maxTenants = cfg.maxTenants ?? 8;
  const refreshMs =
    cfg.refreshMs ?? (store.capabilities.multiProcess ? 300_000 : Number.POSITIVE_INFINITY);
  const resolutionOf = (cfg.resolutionOf ?? defaultResolution) as (t: Ticket) => string | undefined;
  const tenants = new Map<string, TenantIndex>();
  let listening = false;

  const put = (ti: TenantIndex, t: Ticket) => {
    const known = ti.versions.get(t.id);
    if (known !== undefined && known >= t.version) return; // never go back to an older version
    const resolution = resolutionOf(t);
    ti.index.add(t.id, {
      title: t.title,
      ...(t.description ? { description: t.description } : {}),
      ...(resolution ? { resolution } : {}),
    });
    ti.versions.delete(t.id);
    ti.versions.set(t.id, t.version);
    if (ti.versions.size > maxTickets) {
      const oldest = ti.versions.keys().next().value as string;
      ti.versions.delete(oldest);
      ti.index.remove(oldest);
    }
  };
  const drop = (ti: TenantIndex, id: string) => {
    ti.versions.delete(id);
    ti.index.remove(id);
  };
  /** Applies one of this desk's changes to the tenant's index, if it has one. */
  const follow = (e: { tenantId: string; ticket: Ticket }) => {
    const ti = tenants.get(e.tenantId);
    if (!ti) return;
    if (done.has(e.ticket.status)) put(ti, e.ticket);
    else if (ti.versions.has(e.ticket.id)) drop(ti, e.ticket.id);
  };
  const listen = () => {
    if (listening) return;
    listening = true;
    for (const type of ['ticket.created', 'ticket.updated', 'ticket.transitioned'] as const) {
      deps.on(type, follow as never);
    }
  };

  const build = async (tenantId: string, ti: TenantIndex) => {
    // Newest first up to the cap, then indexed oldest first so eviction drops the oldest.
    const found: Ticket[] = [];
    let after: { value: string; id: string } | undefined;
    while (found.length < maxTickets) {
      const limit = Math.min(1000, maxTickets - found.length);
      const page = await deps.wrap('listTickets', () =>
        store.listTickets(tenantId, {
          filter: { status: [...done] },
          sort: { field: 'updatedAt', direction: 'desc' },
          limit,
          ...(after ? { after } : {}),
        }),
      );
      found.push(...page);
      const last = page[page.length - 1];
      if (page.length < limit || !last) break;
      after = { value: last.updatedAt, id: last.id };
    }
    for (let i = found.length - 1; i >= 0; i--) put(ti, found[i]!);
  };

  const indexOf = async (tenantId: string): Promise<TenantIndex> => {
    let ti = tenants.get(tenantId);
    const now = clock.now().getTime();
    if (ti && now - ti.builtAt >= refreshMs) {
      tenants.delete(tenantId);
      ti = undefined;
    }
    if (!ti) {
      listen(); // before reading, so no change of ours between the read and now is missed
      const fresh: TenantIndex = {
        index: createSimilarityIndex(cfg.index),
        versions: new Map(),
        builtAt: now,
        ready: Promise.resolve(),
      };
      fresh.ready = build(tenantId, fresh).catch((e) => {
        if (tenants.get(tenantId) === fresh) tenants.delete(tenantId);
        throw e;
      });
      ti = fresh;
    } else tenants.delete(tenantId); // re-inserted below: most recently used last
    tenants.set(tenantId, ti);
    if (tenants.size > maxTenants) tenants.delete(tenants.keys().next().value as string);
    await ti.ready;
    return ti;
  };

  return async function similar(
    ticketId: string,
    query: SimilarQuery = {},
    ctx?: { actor?: Actor; tenantId?: string },
  ): Promise<SimilarTickets<T>> {
    const tenantId = deps.tenantOf(ctx);
    if (ctx?.actor) deps.checkActor(ctx.actor);
    const issues: ValidationIssue[] = [];
    for (const k of Object.keys(query ?? {})) {
      if (!KEYS.has(k)) {
        issues.push({
          code: 'unknown_field',
          path: [k],
          message: `"${k}" is not a similar option; use ${[...KEYS].join(', ')}`,
        });
      }
    }
    const limit = query?.limit ?? 5;
    if (!Number.isInteger(limit) || limit < 1 || limit > 50) {
      issues.push({
        code: 'too_big',
        path: ['limit'],
        message: 'must be a whole number from 1 to 50',
      });
    }
    const causes = query?.rootCauses ?? 3;
    if (!Number.isInteger(causes) || causes < 0 || causes > 10) {
      issues.push({
        code: 'too_big',
        path: ['rootCauses'],
        message: 'must be a whole number from 0 to 10',
      });
    }
    const minScore = query?.minScore ?? 0;
    if (typeof minScore !== 'number' || !Number.isFinite(minScore) || minScore < 0) {
      issues.push({ code: 'too_small', path: ['minScore'], message: 'must be a number >= 0' });
    }
    if (issues.length) throw new ValidationError(issues, { context: 'desk.similar' });

    const subject = await deps.loadOrThrow(tenantId, ticketId);
    const actor = ctx?.actor;
    if (actor) deps.authorize({ actor, action: 'read', ticket: subject });
    const ti = await indexOf(tenantId);
    const text = {
      title: subject.title,
      ...(subject.description ? { description: subject.description } : {}),
    };
    const items: SimilarTicket<T>[] = [];
    const checked = new Set<string>([subject.id]);
    // Over-fetch, then widen: hits the actor may not read, or that are no longer resolved in
    // the store (a change by another process), are skipped without shortening the answer.
    let want = limit * 2 + 1;
    for (;;) {
      const hits = ti.index.similar(text, { limit: want, minScore });
      for (const h of hits) {
        if (items.length === limit) break;
        if (checked.has(h.id)) continue;
        checked.add(h.id);
        const t = (await deps.wrap('getTicket', () => store.getTicket(tenantId, h.id))) as T | null;
        if (!t || !done.has(t.status)) {
          drop(ti, h.id);
          continue;
        }
        if (t.version !== ti.versions.get(t.id)) put(ti, t);
        if (actor && !deps.decide({ actor, action: 'read', ticket: t }).allowed) continue;
        items.push({ ticket: t, score: h.score, resolution: resolutionOf(t) ?? null });
      }
      if (items.length === limit || hits.length < want || want >= ti.index.size) break;
      want = Math.min(want * 4, ti.index.size + 1);
    }
    const rootCauses =
      causes === 0
        ? []
        : ti.index.suggestRootCause(
            items.map((i) => ({ id: i.ticket.id, score: i.score })),
            { limit: causes },
          );
    return { items, rootCauses, indexed: ti.index.size };
  };
}
