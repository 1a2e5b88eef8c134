import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../examples/reference-scenario';

describe('examples/reference-scenario', () => {
  it('compares round-robin with weighted dispatch and writes the HTML report', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'tk-ref-')), 'report.html');
    const lines: string[] = [];
    const { comparison, htmlPath } = await main({
      out,
      log: (l) => lines.push(l),
      store: 'memory',
    });
    const [rr, w] = comparison.rows;
    expect(rr!.policy).toBe('round-robin');
    expect(w!.policy).toBe('weighted');
    expect(rr!.tickets).toBe(w!.tickets);
    expect(rr!.tickets).toBeGreaterThan(1000); // ~400 a month for 3 months
    expect(rr!.tickets).toBeLessThan(1400);
    for (const r of [rr!, w!]) {
      expect(r.firstResponseWithin24h!).toBeGreaterThan(0.5);
      expect(r.firstResponseWithin24h!).toBeLessThanOrEqual(1);
      expect(r.meanFirstResponseMinutes!).toBeGreaterThan(0);
      expect(r.resolutionSla!).toBeGreaterThan(0.5);
    }
    // Weighted dispatch sends the nearest technician: less travel, faster resolution.
    expect(w!.meanResolutionMinutes!).toBeLessThan(rr!.meanResolutionMinutes!);
    expect(w!.meanUtilisation).toBeLessThan(rr!.meanUtilisation);
    expect(existsSync(htmlPath)).toBe(true);
    expect(readFileSync(htmlPath, 'utf8')).toContain('<svg');
    expect(lines.join('\n')).toContain('round-robin');
  }, 30_000);
});
