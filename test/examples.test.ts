import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main as quickstart } from '../examples/quickstart';
import { main as demo } from '../examples/reference-scenario';
import { main as slaCalendar } from '../examples/sla-calendar';

describe('examples', () => {
  it('quickstart archives a ticket with a 9-entry audit trail and a refused high-risk close', async () => {
    const lines: string[] = [];
    const { ticket, history } = await quickstart((l) => lines.push(l));
    expect(ticket.status).toBe('archived');
    expect(history.map((e) => e.action)).toEqual([
      'create',
      'assign',
      'transition',
      'comment',
      'transition',
      'comment',
      'transition',
      'transition',
      'transition',
    ]);
    expect(history.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(lines.some((l) => l.includes('refused (permission_denied)'))).toBe(true);
    expect(history[7]?.actor.id).toBe('zhang.min');
    expect(lines.join('\n')).toContain('stateDiagram-v2');
  });

  it('sla-calendar: due dates across the Spring Festival and the board after a day', async () => {
    const lines: string[] = [];
    const { urgent, normal, board } = await slaCalendar((l) => lines.push(l));
    const due = (t: typeof urgent, m: string) => t.sla?.clocks.find((c) => c.metric === m)?.dueAt;
    expect(due(urgent, 'assignment')).toBe('2026-02-13T10:00:00.000Z'); // Fri 18:00 Shanghai
    expect(due(normal, 'assignment')).toBe('2026-02-14T05:30:00.000Z'); // make-up Saturday 13:30
    expect(due(normal, 'resolution')).toBe('2026-02-25T09:30:00.000Z'); // after the holiday week
    expect(board.counts).toMatchObject({ open: 2, breached: 2 });
    expect(board.rows[0]?.ticket.id).toBe(urgent.id);
    expect(lines.filter((l) => l.includes('escalated (tell-lead')).length).toBe(2);
  });

  it('npm run demo: the reference comparison on PGlite (two weeks) equals the memory store run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tk-demo-'));
    const lines: string[] = [];
    const onPglite = await demo({
      out: join(dir, 'pglite.html'),
      log: (l) => lines.push(l),
      durationDays: 14,
    });
    const onMemory = await demo({
      out: join(dir, 'memory.html'),
      log: () => {},
      durationDays: 14,
      store: 'memory',
    });
    const rows = onPglite.comparison.rows;
    expect(rows.map((r) => r.policy)).toEqual(['round-robin', 'weighted']);
    expect(rows[0]!.tickets).toBeGreaterThan(100);
    // The store does not change the simulation: same tickets, same figures, same report.
    expect(rows).toEqual(onMemory.comparison.rows);
    expect(readFileSync(onPglite.htmlPath, 'utf8')).toBe(readFileSync(onMemory.htmlPath, 'utf8'));
    expect(lines.join('\n')).toContain('pglite store');
  }, 120_000);
});
