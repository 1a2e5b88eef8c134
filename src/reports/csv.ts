import type { Report, ReportMetrics } from './build';

/**
 * Makes a cell safe for spreadsheets: text starting with `=`, `+`, `-`, `@`, a tab or a carriage
 * return gets a leading `'` so it is never run as a formula; then CSV quoting.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let s = value;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const COLUMNS: [string, (m: ReportMetrics) => number | null][] = [
  ['tickets', (m) => m.tickets],
  ['first_response_mean_min', (m) => m.firstResponse.meanMinutes],
  ['first_response_median_min', (m) => m.firstResponse.medianMinutes],
  ['first_response_p90_min', (m) => m.firstResponse.p90Minutes],
  ['first_response_within_24h', (m) => m.firstResponse.within24h],
  ['first_response_within_sla', (m) => m.firstResponse.withinSla],
  ['resolution_mean_min', (m) => m.resolution.meanMinutes],
  ['resolution_median_min', (m) => m.resolution.medianMinutes],
  ['sla_first_response', (m) => m.sla.firstResponse?.attainment ?? null],
  ['sla_assignment', (m) => m.sla.assignment?.attainment ?? null],
  ['sla_resolution', (m) => m.sla.resolution?.attainment ?? null],
  ['sla_update', (m) => m.sla.update?.attainment ?? null],
  ['backlog_open', (m) => m.backlog.open],
  ['backlog_mean_age_min', (m) => m.backlog.meanAgeMinutes],
  ['reopened_tickets', (m) => m.reopens.tickets],
  ['reopens', (m) => m.reopens.total],
  ['escalations', (m) => m.escalations.total],
  ['reassignments', (m) => m.handoffs.reassignments],
  ['cross_team_handoffs', (m) => m.handoffs.crossTeam],
];

/** Options of {@link reportToCsv}. */
export interface ReportCsvOptions {
  /** Prefix a UTF-8 byte-order mark so Excel reads Chinese text correctly. @default false */
  bom?: boolean;
}

/**
 * The report as CSV: one row for the whole period (`group` = `(all)`), then one per group;
 * durations in minutes, shares as 0..1. Every cell goes through {@link csvCell}.
 */
export function reportToCsv(report: Report, options: ReportCsvOptions = {}): string {
  const head = ['group', 'from', 'to', ...COLUMNS.map(([n]) => n)];
  const line = (group: string, m: ReportMetrics) =>
    [group, report.from, report.to, ...COLUMNS.map(([, f]) => f(m))].map(csvCell).join(',');
  const out = [head.join(','), line('(all)', report.overall)];
  for (const g of report.groups) out.push(line(g.key, g.metrics));
  return `${options.bom ? '\uFEFF' : ''}${out.join('\r\n')}\r\n`;
}
