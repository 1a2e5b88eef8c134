import type { TicketStore } from '../store/index';
import {
  type DispatchPolicy,
  type SimulateOptions,
  type SimulationResult,
  simulate,
} from './engine';
import { parseScenario, type Scenario, type ScenarioInput } from './scenario';

/** One row of a policy comparison. */
export interface ComparisonRow {
  readonly policy: string;
  readonly tickets: number;
  /** Share of tickets answered within 24 h (see docs/guides/reports.md). */
  readonly firstResponseWithin24h: number | null;
  readonly meanFirstResponseMinutes: number | null;
  /** Attainment of the first-response SLA (met in time / decided). */
  readonly firstResponseSla: number | null;
  /** Attainment of the resolution SLA. */
  readonly resolutionSla: number | null;
  readonly meanResolutionMinutes: number | null;
  readonly escalations: number;
  readonly meanUtilisation: number;
}

/** What {@link compare} returns. */
export interface Comparison {
  readonly scenario: string;
  readonly seed: number;
  readonly rows: readonly ComparisonRow[];
  readonly results: Readonly<Record<string, SimulationResult>>;
}

/** Options of {@link compare}. */
export interface CompareOptions extends Omit<SimulateOptions, 'dispatch' | 'store'> {
  /** A fresh store per policy (e.g. a PGlite store). @default memoryStore() */
  store?: (policy: string) => TicketStore | Promise<TicketStore>;
}

/** Reduces a result to a comparison row. */
export function comparisonRow(r: SimulationResult): ComparisonRow {
  const o = r.report.overall;
  const u = r.agents.length ? r.agents.reduce((a, b) => a + b.utilisation, 0) / r.agents.length : 0;
  return {
    policy: r.policy,
    tickets: r.tickets.created,
    firstResponseWithin24h: o.firstResponse.within24h,
    meanFirstResponseMinutes: o.firstResponse.meanMinutes,
    firstResponseSla: o.sla.firstResponse?.attainment ?? null,
    resolutionSla: o.sla.resolution?.attainment ?? null,
    meanResolutionMinutes: o.resolution.meanMinutes,
    escalations: o.escalations.total,
    meanUtilisation: u,
  };
}

/**
 * Runs the same scenario (same seed, so the same arrivals, work and customers) once per
 * dispatch policy, one after another, and lines up the results.
 *
 * @example
 * ```ts
 * const c = await compare(scenario, {
 *   'round-robin': { type: 'round-robin' },
 *   weighted: { type: 'weighted', weights: { skill: 0.4, load: 0.3, distance: 0.3 } },
 * });
 * console.log(formatComparison(c));
 * ```
 */
export async function compare(
  scenario: ScenarioInput | Scenario,
  policies: Readonly<Record<string, DispatchPolicy>>,
  options: CompareOptions = {},
): Promise<Comparison> {
  const s = parseScenario(scenario);
  const results: Record<string, SimulationResult> = {};
  const rows: ComparisonRow[] = [];
  for (const [name, dispatch] of Object.entries(policies)) {
    const { store, ...rest } = options;
    const r = await simulate(s, {
      ...rest,
      dispatch,
      ...(store ? { store: await store(name) } : {}),
    });
    const named = { ...r, policy: name };
    results[name] = named;
    rows.push(comparisonRow(named));
  }
  return { scenario: s.name, seed: options.seed ?? s.seed, rows, results };
}

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
const dur = (m: number | null) =>
  m === null ? '—' : m < 120 ? `${m.toFixed(0)} min` : `${(m / 60).toFixed(1)} h`;

/** The comparison as a fixed-width text table. */
export function formatComparison(c: Comparison): string {
  const head = [
    'policy',
    'tickets',
    'FR ≤24h',
    'mean FR',
    'FR SLA',
    'resol. SLA',
    'mean resol.',
    'escal.',
    'util.',
  ];
  const body = c.rows.map((r) => [
    r.policy,
    String(r.tickets),
    pct(r.firstResponseWithin24h),
    dur(r.meanFirstResponseMinutes),
    pct(r.firstResponseSla),
    pct(r.resolutionSla),
    dur(r.meanResolutionMinutes),
    String(r.escalations),
    pct(r.meanUtilisation),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((x, i) => (i === 0 ? x.padEnd(w[i]!) : x.padStart(w[i]!))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...body.map(line)].join('\n');
}
