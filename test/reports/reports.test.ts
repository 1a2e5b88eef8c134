import {
  buildReport,
  createManualClock,
  createTicketing,
  createTrendMonitor,
  csvCell,
  defineSlaPolicy,
  detectTrends,
  renderHtmlReport,
  reportToCsv,
  type Ticket,
} from 'ticketkit';
import { describe, expect, it } from 'vitest';

const sup = { id: 'sup', roles: ['supervisor'] };
const a1 = { id: 'a1', roles: ['agent'] };
const a2 = { id: 'a2', roles: ['agent'] };
const cust = { id: 'cust', roles: ['requester'] };

/** A small fixed history; the expected figures are worked out by hand in the test. */
async function fixture() {
  const clock = createManualClock('2026-03-02T01:00:00Z');
  const policy = defineSlaPolicy({
    id: 'p',
    targets: { firstResponse: '1h', resolution: '4h' },
    warnAt: [],
    escalations: [
      {
        name: 'fr-breach',
        metric: 'firstResponse',
        at: 'breach',
        level: 2,
        actions: [{ notify: 'lead' }],
      },
    ],
  });
  const desk = createTicketing({ clock, sla: { policies: [policy], autoTick: false } });
  const at = (hhmm: string) => clock.set(`2026-03-02T${hhmm}:00Z`);
  // A: created 01:00, answered 01:30 (30 min), resolved 03:00 (120 min).
  const A = await desk.create(
    { title: 'VPN down', category: 'net', team: 't1', channel: 'phone' },
    { actor: cust },
  );
  at('01:10');
  await desk.assign(A.id, 'a1', { actor: sup });
  await desk.transition(A.id, 'in_progress', { actor: a1 });
  at('01:30');
  await desk.comment(A.id, { body: 'Looking' }, { actor: a1 });
  at('02:00');
  // B: created 02:00; an internal note and the customer's own comment are not first responses.
  const B = await desk.create(
    { title: '<script>alert(1)</script>', category: 'hw', team: 't2', channel: 'email' },
    { actor: cust },
  );
  at('02:05');
  await desk.comment(B.id, { body: 'note', visibility: 'internal' }, { actor: a1 });
  at('02:10');
  await desk.comment(B.id, { body: 'any news?' }, { actor: cust });
  at('02:30');
  await desk.assign(B.id, 'a1', { actor: sup });
  at('03:00');
  await desk.transition(A.id, 'resolved', { actor: a1 });
  await desk.assign(B.id, 'a2', { actor: sup }); // cross-team handoff t1 -> t2
  await desk.transition(B.id, 'in_progress', { actor: a2 });
  at('03:30');
  await desk.sla.tick(); // B's first response breached at 03:00: escalation
  at('04:00');
  await desk.comment(B.id, { body: 'Please send a photo' }, { actor: a2 }); // FR 120 min
  await desk.transition(B.id, 'awaiting_feedback', { actor: a2 });
  at('05:00');
  await desk.transition(B.id, 'in_progress', { actor: a2 });
  // C: created 05:00, never touched.
  const C = await desk.create(
    { title: 'Printer', category: 'net', team: 't1', channel: 'phone' },
    { actor: cust },
  );
  at('06:00');
  await desk.transition(B.id, 'resolved', { actor: a2 }); // 240 min; resolution clock paused 1 h
  return { desk, A, B, C };
}

const range = { from: '2026-03-02T01:00:00Z', to: '2026-03-03T05:00:00Z' };

describe('buildReport', () => {
  it('matches hand-computed figures', async () => {
    const { desk } = await fixture();
    const r = await buildReport(desk, {
      ...range,
      groupBy: 'team',
      agents: [
        { id: 'a1', team: 't1' },
        { id: 'a2', team: 't2' },
      ],
    });
    const o = r.overall;
    expect(o.tickets).toBe(3);
    expect(o.firstResponse).toEqual({
      count: 2,
      meanMinutes: 75, // (30 + 120) / 2
      medianMinutes: 30, // nearest rank
      p90Minutes: 120,
      within24h: 2 / 3, // C is 24 h old and unanswered: a miss
      withinSla: 1 / 3, // A met; B breached; C past due
    });
    expect(o.resolution.meanMinutes).toBe(180); // (120 + 240) / 2
    expect(o.sla.resolution).toEqual({ attained: 2, missed: 1, pending: 0, attainment: 2 / 3 });
    expect(o.backlog.open).toBe(1);
    expect(o.backlog.meanAgeMinutes).toBe(1440);
    expect(o.backlog.byAge.d1to3).toBe(1);
    expect(o.escalations).toEqual({ total: 1, byRule: { 'fr-breach': 1 }, byLevel: { '2': 1 } });
    expect(o.handoffs).toEqual({ reassignments: 1, crossTeam: 1 });
    expect(o.reopens.total).toBe(0);
    const dwell = Object.fromEntries(o.dwell.map((d) => [d.state, d]));
    expect(dwell.awaiting_feedback).toMatchObject({ tickets: 1, visits: 1, totalMinutes: 60 });
    // in_progress: A 110 min; B 60 + 60 min over two visits.
    expect(dwell.in_progress).toMatchObject({ tickets: 2, visits: 3, totalMinutes: 230 });
    // Utilisation: work time in in_progress over the 28 h period.
    const util = Object.fromEntries(r.agents.map((a) => [a.id, a]));
    expect(util.a1!.workMinutes).toBe(110);
    expect(util.a2!.workMinutes).toBe(120);
    expect(util.a1!.utilisation).toBeCloseTo(110 / 1680, 12);
    expect(r.groups.map((g) => [g.key, g.metrics.tickets])).toEqual([
      ['team=t1', 2],
      ['team=t2', 1],
    ]);
    expect(r.series.points[0]).toMatchObject({ created: 3, resolved: 2, backlog: 1 });
  });

  it('reads plain tickets and histories, and limits to a period', async () => {
    const { desk, A, B, C } = await fixture();
    const tickets = (await Promise.all([A, B, C].map((t) => desk.get(t.id)))) as Ticket[];
    const history = new Map(
      await Promise.all(tickets.map(async (t) => [t.id, await desk.history(t.id)] as const)),
    );
    const r = await buildReport(
      { tickets, history },
      { from: '2026-03-02T01:30:00Z', to: '2026-03-02T03:30:00Z' },
    );
    expect(r.overall.tickets).toBe(1); // only B was created in the window
    expect(r.overall.backlog.open).toBe(1); // B is open at 03:30; A resolved at 03:00; C not yet created
  });
});

describe('CSV and HTML', () => {
  it('neutralises formulas in CSV cells', async () => {
    expect(csvCell('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-x')).toBe("'-x");
    expect(csvCell('@a')).toBe("'@a");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('\rx')).toBe('"\'\rx"');
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
    expect(csvCell(-3)).toBe('-3');
    const { desk } = await fixture();
    const csv = reportToCsv(await buildReport(desk, { ...range, groupBy: 'channel' }));
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toMatch(/^group,from,to,tickets,/);
    expect(lines.map((l) => l.split(',')[0])).toEqual([
      'group',
      '(all)',
      'channel=email',
      'channel=phone',
    ]);
  });

  it('renders a self-contained, escaped page with inline SVG', async () => {
    const { desk } = await fixture();
    const html = renderHtmlReport(
      await buildReport(desk, {
        to: '2026-03-02T05:30:00Z',
        groupBy: ['team', 'priority'],
        agents: [{ id: 'a1' }, { id: 'a2' }],
      }),
      {
        title: 'Report & <b>',
      },
    );
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/\bsrc=|<link/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('Report &amp; &lt;b&gt;');
    // Tags balance.
    for (const tag of ['html', 'body', 'table', 'svg', 'figure', 'tr', 'td', 'h2']) {
      const open = html.match(new RegExp(`<${tag}[\\s>]`, 'g'))?.length ?? 0;
      const close = html.match(new RegExp(`</${tag}>`, 'g'))?.length ?? 0;
      expect(close, tag).toBe(open);
    }
  });
});

describe('trend alerts', () => {
  const mk = (i: number, at: number, region: string): Ticket =>
    ({
      id: `t${i}`,
      createdAt: new Date(at).toISOString(),
      category: 'power',
      custom: { region },
    }) as unknown as Ticket;
  // Baseline: ~3 tickets an hour per region for two days, deterministic jitter.
  const base = (): Ticket[] => {
    const out: Ticket[] = [];
    let i = 0;
    const t0 = Date.parse('2026-03-02T00:00:00Z');
    for (let h = 0; h < 48; h++)
      for (const region of ['sh', 'hz']) {
        const n = 2 + ((h * 7 + region.length) % 3);
        for (let k = 0; k < n; k++) out.push(mk(i++, t0 + h * 3_600_000 + k * 600_000, region));
      }
    return out;
  };

  it('stays quiet on baseline noise', () => {
    expect(detectTrends(base(), { by: 'region' })).toEqual([]);
  });

  it('fires on an injected regional spike, only for that region', () => {
    const t = base();
    const spikeAt = Date.parse('2026-03-03T10:00:00Z');
    for (let k = 0; k < 20; k++) t.push(mk(10_000 + k, spikeAt + k * 60_000, 'hz'));
    const alerts = detectTrends(t, { by: 'region' });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ key: 'hz', windowStart: '2026-03-03T10:00:00.000Z' });
    expect(alerts[0]!.count).toBeGreaterThanOrEqual(20);
    // Live: the monitor raises it while the spike is happening, once.
    const m = createTrendMonitor({ by: 'region', origin: new Date('2026-03-02T00:00:00Z') });
    const live = t
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map((x) => m.observe(x))
      .filter((a) => a !== null);
    expect(live).toHaveLength(1);
    expect(live[0]!.key).toBe('hz');
  });
});
