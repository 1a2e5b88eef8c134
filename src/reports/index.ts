/**
 * Reports from the audit trail and SLA clocks: first response, resolution, SLA attainment,
 * backlog, reopens, dwell, escalations, utilisation and handoffs, for any period and grouping;
 * as typed objects, CSV or a self-contained HTML page; plus spike alerts.
 *
 * @module reports
 */
export {
  type AgentUtilisation,
  type BacklogTicket,
  buildReport,
  type DurationStats,
  type DwellRow,
  type GroupKey,
  type Report,
  type ReportAgent,
  type ReportGroup,
  type ReportMetrics,
  type ReportOptions,
  type ReportSource,
  type SeriesPoint,
  type SlaAttainment,
} from './build';
export { csvCell, type ReportCsvOptions, reportToCsv } from './csv';
export {
  escapeHtmlText,
  type HtmlComparisonRow,
  type HtmlReportOptions,
  renderHtmlReport,
} from './html';
export {
  createTrendMonitor,
  detectTrends,
  type TrendAlert,
  type TrendKey,
  type TrendMonitor,
  type TrendOptions,
} from './trends';
