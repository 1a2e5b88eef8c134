import type { Report, ReportMetrics } from './build';
import type { TrendAlert } from './trends';

/** Escapes text for HTML content and attribute values. */
export function escapeHtmlText(s: unknown): string {
  return String(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A comparison row, as from `compare()`. */
export interface HtmlComparisonRow {
  readonly policy: string;
  readonly tickets: number;
  readonly firstResponseWithin24h: number | null;
  readonly meanFirstResponseMinutes: number | null;
  readonly firstResponseSla: number | null;
  readonly resolutionSla: number | null;
  readonly meanResolutionMinutes: number | null;
}

/** Options of {@link renderHtmlReport}. */
export interface HtmlReportOptions {
  /** @default 'ticketkit report' */
  title?: string;
  /** A policy comparison shown first. */
  comparison?: readonly HtmlComparisonRow[];
  /** Trend alerts to list. */
  alerts?: readonly TrendAlert[];
  /** `lang` of the page. @default 'en' */
  lang?: string;
}

const e = escapeHtmlText;
const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`;
const dur = (m: number | null | undefined) =>
  m === null || m === undefined
    ? '—'
    : m < 120
      ? `${m.toFixed(0)} min`
      : m < 2880
        ? `${(m / 60).toFixed(1)} h`
        : `${(m / 1440).toFixed(1)} d`;
const COLORS = ['#2563eb', '#16a34a', '#dc2626', '#9333ea', '#ea580c'];

function lineChart(
  title: string,
  xs: readonly string[],
  series: { name: string; values: readonly number[] }[],
): string {
  const W = 760;
  const H = 220;
  const L = 44;
  const B = 24;
  const n = xs.length;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const x = (i: number) => L + (n <= 1 ? 0 : (i * (W - L - 10)) / (n - 1));
  const y = (v: number) => H - B - (v / max) * (H - B - 10);
  const paths = series
    .map((s, k) => {
      const d = s.values
        .map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`)
        .join('');
      return `<path d="${d}" fill="none" stroke="${COLORS[k % COLORS.length]}" stroke-width="1.5"/>`;
    })
    .join('');
  const legend = series
    .map(
      (s, k) =>
        `<text x="${L + 10 + k * 120}" y="14" font-size="12" fill="${COLORS[k % COLORS.length]}">${e(s.name)}</text>`,
    )
    .join('');
  const ticks = [0, 0.5, 1]
    .map(
      (f) =>
        `<text x="${L - 6}" y="${y(max * f) + 4}" font-size="10" text-anchor="end">${Math.round(max * f)}</text>`,
    )
    .join('');
  const labels =
    n > 0
      ? `<text x="${L}" y="${H - 6}" font-size="10">${e(xs[0]!.slice(0, 10))}</text><text x="${W - 10}" y="${H - 6}" font-size="10" text-anchor="end">${e(xs[n - 1]!.slice(0, 10))}</text>`
      : '';
  return `<figure><figcaption>${e(title)}</figcaption><svg role="img" aria-label="${e(title)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}"><line x1="${L}" y1="${H - B}" x2="${W - 10}" y2="${H - B}" stroke="#999"/>${ticks}${paths}${legend}${labels}</svg></figure>`;
}

function barChart(
  title: string,
  rows: { label: string; value: number; text: string }[],
  max?: number,
): string {
  const W = 760;
  const rowH = 22;
  const L = 200;
  const H = rows.length * rowH + 10;
  const m = max ?? Math.max(1e-9, ...rows.map((r) => r.value));
  const bars = rows
    .map((r, i) => {
      const w = Math.max(0, (Math.min(r.value, m) / m) * (W - L - 90));
      const yy = 5 + i * rowH;
      return `<text x="${L - 6}" y="${yy + 14}" font-size="12" text-anchor="end">${e(r.label)}</text><rect x="${L}" y="${yy + 3}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${COLORS[0]}"/><text x="${L + w + 6}" y="${yy + 14}" font-size="12">${e(r.text)}</text>`;
    })
    .join('');
  return `<figure><figcaption>${e(title)}</figcaption><svg role="img" aria-label="${e(title)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${bars}</svg></figure>`;
}

function table(head: string[], rows: (string | number)[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${e(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function kpis(m: ReportMetrics): string {
  return table(
    ['metric', 'value'],
    [
      ['tickets created', m.tickets],
      [
        'first response: mean / median / p90',
        `${dur(m.firstResponse.meanMinutes)} / ${dur(m.firstResponse.medianMinutes)} / ${dur(m.firstResponse.p90Minutes)}`,
      ],
      ['first response within 24 h', pct(m.firstResponse.within24h)],
      ['first response within SLA', pct(m.firstResponse.withinSla)],
      [
        'time to resolve: mean / median',
        `${dur(m.resolution.meanMinutes)} / ${dur(m.resolution.medianMinutes)}`,
      ],
      ['backlog at end / mean age', `${m.backlog.open} / ${dur(m.backlog.meanAgeMinutes)}`],
      ['reopened tickets / reopens', `${m.reopens.tickets} / ${m.reopens.total}`],
      ['escalations', m.escalations.total],
      ['reassignments / cross-team', `${m.handoffs.reassignments} / ${m.handoffs.crossTeam}`],
    ],
  );
}

/**
 * A self-contained HTML page: tables and inline SVG charts, no scripts, no external resources.
 * Every piece of text from the data is escaped.
 */
export function renderHtmlReport(report: Report, options: HtmlReportOptions = {}): string {
  const title = options.title ?? 'ticketkit report';
  const o = report.overall;
  const parts: string[] = [];
  parts.push(`<h1>${e(title)}</h1><p>Period ${e(report.from)} – ${e(report.to)}</p>`);
  if (options.comparison?.length) {
    parts.push('<h2>Dispatch policies compared</h2>');
    parts.push(
      table(
        [
          'policy',
          'tickets',
          'first response ≤ 24 h',
          'mean first response',
          'first-response SLA',
          'resolution SLA',
          'mean time to resolve',
        ],
        options.comparison.map((r) => [
          r.policy,
          r.tickets,
          pct(r.firstResponseWithin24h),
          dur(r.meanFirstResponseMinutes),
          pct(r.firstResponseSla),
          pct(r.resolutionSla),
          dur(r.meanResolutionMinutes),
        ]),
      ),
    );
    parts.push(
      barChart(
        'First response within 24 h, by policy',
        options.comparison.map((r) => ({
          label: r.policy,
          value: r.firstResponseWithin24h ?? 0,
          text: pct(r.firstResponseWithin24h),
        })),
        1,
      ),
    );
  }
  parts.push('<h2>Summary</h2>', kpis(o));
  const pts = report.series.points;
  parts.push(
    lineChart(
      `Tickets per ${report.series.bucketMinutes === 1440 ? 'day' : `${report.series.bucketMinutes / 1440} days`}`,
      pts.map((p) => p.at),
      [
        { name: 'created', values: pts.map((p) => p.created) },
        { name: 'resolved', values: pts.map((p) => p.resolved) },
        { name: 'backlog', values: pts.map((p) => p.backlog) },
      ],
    ),
  );
  const sla = Object.entries(o.sla);
  if (sla.length) {
    parts.push(
      '<h2>SLA attainment</h2>',
      barChart(
        'Share of clocks met in time',
        sla.map(([k, v]) => ({
          label: k,
          value: v.attainment ?? 0,
          text: `${pct(v.attainment)} (${v.attained} met, ${v.missed} missed, ${v.pending} pending)`,
        })),
        1,
      ),
    );
  }
  if (o.dwell.length) {
    parts.push(
      '<h2>Time in each state</h2>',
      barChart(
        'Mean time per ticket in each state',
        o.dwell.map((d) => ({ label: d.state, value: d.meanMinutes, text: dur(d.meanMinutes) })),
      ),
    );
  }
  if (report.agents.length) {
    const top = [...report.agents]
      .sort((a, b) => (b.utilisation ?? 0) - (a.utilisation ?? 0))
      .slice(0, 40);
    parts.push(
      '<h2>Agent utilisation</h2>',
      barChart(
        report.agents.length > top.length
          ? `Busiest ${top.length} of ${report.agents.length} agents`
          : 'Work time / time on shift × capacity',
        top.map((a) => ({
          label: a.team ? `${a.id} (${a.team})` : a.id,
          value: a.utilisation ?? 0,
          text: pct(a.utilisation),
        })),
        1,
      ),
    );
  }
  if (report.groups.length) {
    parts.push(
      `<h2>By ${e(report.groupBy.join(' × '))}</h2>`,
      table(
        [
          'group',
          'tickets',
          'FR median',
          'FR ≤ 24 h',
          'FR SLA',
          'resolve mean',
          'resolution SLA',
          'backlog',
          'reopens',
          'escalations',
          'cross-team',
        ],
        report.groups.map((g) => {
          const m = g.metrics;
          return [
            g.key,
            m.tickets,
            dur(m.firstResponse.medianMinutes),
            pct(m.firstResponse.within24h),
            pct(m.firstResponse.withinSla),
            dur(m.resolution.meanMinutes),
            pct(m.sla.resolution?.attainment),
            m.backlog.open,
            m.reopens.total,
            m.escalations.total,
            m.handoffs.crossTeam,
          ];
        }),
      ),
    );
  }
  if (options.alerts?.length) {
    parts.push(
      '<h2>Trend alerts</h2>',
      table(
        ['key', 'window', 'count', 'baseline', 'z'],
        options.alerts.map((a) => [
          `${a.by}=${a.key}`,
          `${a.windowStart} – ${a.windowEnd}`,
          a.count,
          a.baseline.toFixed(1),
          a.z.toFixed(1),
        ]),
      ),
    );
  }
  if (o.backlog.oldest.length) {
    parts.push(
      '<h2>Oldest open tickets</h2>',
      table(
        ['id', 'title', 'status', 'age'],
        o.backlog.oldest.map((t) => [t.id, t.title, t.status, dur(t.ageMinutes)]),
      ),
    );
  }
  const css =
    'body{font:14px system-ui,sans-serif;margin:2em;max-width:820px;color:#111}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}th{background:#f3f4f6}figure{margin:1em 0}figcaption{font-weight:600}';
  return `<!DOCTYPE html>\n<html lang="${e(options.lang ?? 'en')}"><head><meta charset="utf-8"><title>${e(title)}</title><style>${css}</style></head><body>${parts.join('\n')}</body></html>\n`;
}
