/**
 * RELIABILITY C3 (merge races): `merge A→B ‖ merge B→A`, many runs, on any store. Each run
 * works in its own tenant. The final state of every run is compared with the outcomes of the
 * two serial orders, computed by brute force on a fresh memory desk with the same setup.
 */
import {
  type Actor,
  createManualClock,
  createTicketing,
  type Desk,
  isTicketkitError,
  memoryStore,
  type TicketStore,
} from 'ticketkit';

const T = '2026-03-02T01:00:00.000Z';

/** What one run ends with, ids replaced by labels so runs compare. */
type Snapshot = string;

interface Setup {
  readonly desk: Desk;
  readonly actor: Actor;
  readonly tenantId: string;
  readonly a: string;
  readonly b: string;
  readonly labels: Map<string, string>;
}

async function setUp(store: TicketStore, tenantId: string): Promise<Setup> {
  const desk = createTicketing({ store, clock: createManualClock(T) });
  const actor: Actor = { id: 'sup', roles: ['supervisor'], tenantId };
  const a = await desk.create({ title: 'Printer on floor 3', requester: 'r1' }, { actor });
  const b = await desk.create({ title: 'Floor 3 printer down', requester: 'r1' }, { actor });
  const ca = await desk.comment(a.id, { body: 'paper jam @tech' }, { actor });
  const cb = await desk.comment(
    b.id,
    { body: 'tried a restart', visibility: 'internal' },
    { actor },
  );
  const labels = new Map([
    [a.id, 'A'],
    [b.id, 'B'],
    [ca.comment.id, 'cA'],
    [cb.comment.id, 'cB'],
  ]);
  return { desk, actor, tenantId, a: a.id, b: b.id, labels };
}

async function snapshot(s: Setup, store: TicketStore): Promise<Snapshot> {
  const parts: unknown[] = [];
  for (const id of [s.a, s.b]) {
    parts.push(
      await store.getTicket(s.tenantId, id),
      await store.listComments(s.tenantId, id),
      await store.listAudit(s.tenantId, id),
    );
  }
  let json = JSON.stringify(parts);
  for (const [id, label] of s.labels) json = json.split(id).join(label);
  // Copies' ids derive from (survivor, comment): their source is in `mergedFrom`.
  return json
    .replace(/cm_merge_[0-9a-f]{32}/g, 'COPY')
    .split(s.tenantId)
    .join('TENANT');
}

const outcome = (r: PromiseSettledResult<unknown>) =>
  r.status === 'fulfilled'
    ? 'ok'
    : isTicketkitError(r.reason)
      ? `${r.reason.code}:${(r.reason as { issues?: { code: string }[] }).issues?.[0]?.code ?? ''}`
      : `thrown:${String(r.reason)}`;

/** The final states of the two serial orders (A into B first, or B into A first). */
export async function serialOutcomes(): Promise<Set<Snapshot>> {
  const out = new Set<Snapshot>();
  for (const order of ['AB', 'BA'] as const) {
    const store = memoryStore();
    const s = await setUp(store, 'serial');
    const aIntoB = () => s.desk.merge(s.b, [s.a], { actor: s.actor });
    const bIntoA = () => s.desk.merge(s.a, [s.b], { actor: s.actor });
    const [first, second] = order === 'AB' ? [aIntoB, bIntoA] : [bIntoA, aIntoB];
    await first();
    await second().catch(() => {}); // the second is refused (a cycle); the state is what counts
    out.add(await snapshot(s, store));
  }
  return out;
}

/** Figures of a race run. */
export interface RaceFigures {
  readonly runs: number;
  /** Runs where both merges succeeded (must be 0). */
  readonly bothSucceeded: number;
  /** Runs whose final state equals neither serial order (must be 0). */
  readonly notSerial: number;
  /** How often each pair of outcomes happened, e.g. `ok|validation_failed:merge_cycle`. */
  readonly outcomes: Record<string, number>;
  /** Serial orders seen: which merge won. */
  readonly winners: Record<string, number>;
  /** Batches the store refused for a version conflict (the race was real when > 0). */
  readonly conflicts: number;
}

/**
 * Runs `runs` races on `store`, `parallel` runs at a time, each run in its own tenant.
 */
export async function mergeRaces(
  store: TicketStore,
  runs: number,
  parallel: number,
  prefix = 'c3',
): Promise<RaceFigures> {
  let conflicts = 0;
  const counting: TicketStore = Object.assign(Object.create(store) as TicketStore, {
    async commitBatch(commits: Parameters<TicketStore['commitBatch']>[0]) {
      const r = await store.commitBatch(commits);
      if (!r.ok && r.outcome.reason === 'version_conflict') conflicts++;
      return r;
    },
  });
  const serial = await serialOutcomes();
  const [orderAB, orderBA] = [...serial];
  let bothSucceeded = 0;
  let notSerial = 0;
  const outcomes: Record<string, number> = {};
  const winners: Record<string, number> = {};
  const one = async (i: number) => {
    const s = await setUp(counting, `${prefix}-${i}`);
    // Odd runs start B→A first, so either direction gets to win.
    const aIntoB = () => s.desk.merge(s.b, [s.a], { actor: s.actor });
    const bIntoA = () => s.desk.merge(s.a, [s.b], { actor: s.actor });
    const results = await Promise.allSettled(
      i % 2 === 0 ? [aIntoB(), bIntoA()] : [bIntoA(), aIntoB()].reverse(),
    );
    if (results.every((r) => r.status === 'fulfilled')) bothSucceeded++;
    const key = results.map(outcome).join('|');
    outcomes[key] = (outcomes[key] ?? 0) + 1;
    const snap = await snapshot(s, store);
    if (!serial.has(snap)) notSerial++;
    const w = snap === orderAB ? 'A into B' : snap === orderBA ? 'B into A' : 'neither';
    winners[w] = (winners[w] ?? 0) + 1;
  };
  for (let i = 0; i < runs; i += parallel) {
    await Promise.all(Array.from({ length: Math.min(parallel, runs - i) }, (_, k) => one(i + k)));
  }
  return { runs, bothSucceeded, notSerial, outcomes, winners, conflicts };
}
