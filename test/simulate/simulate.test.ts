import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compare, parseScenario, type ScenarioInput, simulate, ValidationError } from 'ticketkit';
import { describe, expect, it } from 'vitest';
import { simulateCommand } from '../../src/cli/simulate';

/** Erlang C: P(wait > 0) and the mean wait in queue for M/M/c. */
function erlangC(c: number, lambda: number, mu: number) {
  const a = lambda / mu;
  const rho = a / c;
  let sum = 0;
  let term = 1;
  for (let k = 0; k < c; k++) {
    if (k > 0) term *= a / k;
    sum += term;
  }
  const last = (term * a) / c / (1 - rho);
  const pWait = last / (sum + last);
  return { pWait, wq: pWait / (c * mu - lambda) };
}

const mmc = (days: number, seed = 7): ScenarioInput => ({
  start: '2026-01-05T00:00:00Z',
  durationDays: days,
  seed,
  arrivals: { streams: [{ category: 'x', ratePerDay: 3.2 * 24 }] },
  agents: [{ id: 'a', count: 4, skills: { x: 1 }, capacity: 1 }],
  service: { default: { type: 'exponential', mean: 60 } },
  dispatch: { type: 'least-loaded' },
});

describe('simulate', () => {
  it('matches Erlang C for M/M/4 at rho = 0.8', async () => {
    const r = await simulate(mmc(240));
    const { pWait, wq } = erlangC(4, 3.2, 1); // per hour
    expect(r.tickets.created).toBeGreaterThan(17_000);
    // ~18k customers; the batch-means standard error of the mean wait is about 5 %.
    expect(r.queue.meanWaitMinutes).toBeGreaterThan(wq * 60 * 0.85);
    expect(r.queue.meanWaitMinutes).toBeLessThan(wq * 60 * 1.15);
    expect(Math.abs(r.queue.waitedShare - pWait)).toBeLessThan(0.04);
    // The report, read from the audit trail, sees the same waits as first responses.
    expect(r.report.overall.firstResponse.meanMinutes).toBeCloseTo(r.queue.meanWaitMinutes, 2);
    const util = r.agents.reduce((s, a) => s + a.utilisation, 0) / 4;
    expect(util).toBeGreaterThan(0.75);
    expect(util).toBeLessThan(0.85);
  }, 30_000);

  it('is deterministic: same seed, same result; another seed, another result', async () => {
    const a = await simulate(mmc(5, 1));
    const b = await simulate(mmc(5, 1));
    const c = await simulate(mmc(5, 2));
    expect(b).toEqual(a);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
  });

  it('compares policies on the same arrivals', async () => {
    const s: ScenarioInput = {
      ...mmc(3),
      agents: [
        { id: 'fast', skills: { x: 5 }, capacity: 1 },
        { id: 'slow', count: 2, skills: { x: 1 }, capacity: 1 },
      ],
      skillFactor: 2,
    };
    const c = await compare(s, {
      rr: { type: 'round-robin' },
      custom: { type: 'custom', name: 'first', choose: (_job, cands) => cands[0]?.id ?? null },
    });
    expect(c.rows.map((r) => r.policy)).toEqual(['rr', 'custom']);
    expect(c.rows[0]!.tickets).toBe(c.rows[1]!.tickets);
  });

  it('validates scenarios with paths', () => {
    expect(() => parseScenario({ start: 'x', durationDays: -1, agents: [] })).toThrow(
      ValidationError,
    );
    try {
      parseScenario({
        start: '2026-01-01T00:00:00Z',
        durationDays: 1,
        arrivals: {},
        agents: [{ id: 'a', skills: {}, calendar: 'nope' }],
      });
    } catch (e) {
      expect((e as ValidationError).issues.map((i) => i.path.join('.'))).toContain(
        'agents.0.calendar',
      );
    }
  });

  it('runs shifts, feedback, reopen and escalation through the desk', async () => {
    const r = await simulate({
      start: '2026-03-02T00:00:00+08:00',
      durationDays: 14,
      seed: 3,
      timeZone: 'Asia/Shanghai',
      calendars: {
        office: {
          timeZone: 'Asia/Shanghai',
          weekly: {
            mon: ['09:00-18:00'],
            tue: ['09:00-18:00'],
            wed: ['09:00-18:00'],
            thu: ['09:00-18:00'],
            fri: ['09:00-18:00'],
          },
        },
      },
      arrivals: { streams: [{ category: 'x', ratePerDay: 30 }] },
      agents: [{ id: 'a', count: 3, skills: { x: 3 }, calendar: 'office' }],
      service: { default: { type: 'fixed', value: 30 } },
      feedback: { probability: 0.3, delay: { type: 'fixed', value: 60 } },
      reopen: {
        probability: 0.2,
        delay: { type: 'fixed', value: 120 },
        service: { type: 'fixed', value: 10 },
      },
      sla: [
        {
          id: 'p',
          calendar: 'office',
          targets: { firstResponse: '2h', resolution: '1d' },
          escalations: [
            {
              name: 'raise',
              metric: 'firstResponse',
              at: 0.5,
              level: 1,
              actions: [{ raisePriority: true }],
            },
          ],
        },
      ],
    });
    const o = r.report.overall;
    expect(r.tickets.askedForFeedback).toBeGreaterThan(0);
    expect(o.reopens.total).toBe(r.tickets.reopened);
    expect(o.escalations.total).toBe(r.sla.escalations);
    expect(o.sla.firstResponse!.attained + o.sla.firstResponse!.missed).toBeGreaterThan(0);
    expect(o.dwell.map((d) => d.state)).toContain('awaiting_feedback');
    // Nobody starts work off shift: night arrivals wait for 09:00.
    expect(o.firstResponse.p90Minutes!).toBeGreaterThan(60);
  });
});

describe('ticketkit simulate (CLI)', () => {
  it('runs a scenario file and prints the table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tk-sim-'));
    const file = join(dir, 's.json');
    writeFileSync(file, JSON.stringify(mmc(2)));
    const out: string[] = [];
    const err: string[] = [];
    const code = await simulateCommand(
      [file, '--html', join(dir, 'r.html'), '--csv', join(dir, 'r.csv'), '--seed', '5'],
      {
        out: (t) => out.push(t),
        err: (t) => err.push(t),
        isTty: true,
      },
    );
    expect(code).toBe(0);
    expect(out.join('')).toMatch(/policy\s+tickets\s+FR ≤24h/);
    expect(err.join('')).toContain('100%');
    expect(readFileSync(join(dir, 'r.html'), 'utf8')).toContain('<svg');
    expect(readFileSync(join(dir, 'r.csv'), 'utf8')).toContain('(all)');
    expect(await simulateCommand([], { out: () => {}, err: () => {}, isTty: false })).toBe(2);
  });
});
