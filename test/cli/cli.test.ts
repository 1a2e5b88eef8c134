import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/index';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      out: (t: string) => void out.push(t),
      err: (t: string) => void err.push(t),
      isTty: false,
    },
  };
}

describe('ticketkit CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tk-cli-'));
  const file = join(dir, 'tickets.csv');
  writeFileSync(
    file,
    [
      'externalId,title,priority,createdAt',
      'A-1,Printer jams,high,2026-01-21',
      'A-2,=HYPERLINK("http://x"),Hign,21/01/2026',
      'A-3,No priority,,2026-01-22 14:30',
    ].join('\n'),
  );

  it('dry-runs an import: summary, first errors, and an error report CSV with neutralised cells', async () => {
    const c = io();
    const code = await run(['import', file, '--dry-run', '--time-zone', 'Asia/Shanghai'], c.io);
    expect(code).toBe(1);
    const text = c.out.join('');
    expect(text).toMatch(/rows\s+3/);
    expect(text).toMatch(/valid\s+1/);
    expect(text).toContain('row 3, priority: invalid_enum');
    expect(text).toContain('did you mean "high"');
    expect(text).toContain('row 4, priority: required');
    expect(text).toContain('nothing was stored');
    const report = readFileSync(`${file}.errors.csv`, 'utf8');
    expect(report).toContain('invalid_enum');
    expect(report).not.toMatch(/(^|,)=HYPERLINK/m);
  });

  it('passes a clean file with exit code 0', async () => {
    const ok = join(dir, 'ok.csv');
    writeFileSync(ok, 'externalId,title,priority\nB-1,Fine,low\n');
    const c = io();
    expect(await run(['import', ok, '--dry-run'], c.io)).toBe(0);
    expect(c.out.join('')).toContain('Dry run passed');
  });

  it('prints a template in Chinese', async () => {
    const c = io();
    expect(await run(['template', '--lang', 'zh'], c.io)).toBe(0);
    expect(c.out.join('')).toContain('工单编号');
  });

  it('explains usage errors with exit code 2', async () => {
    for (const argv of [
      [],
      ['fly'],
      ['import'],
      ['import', file],
      ['import', file, '--dry-run', '--date-order', 'XYZ'],
      ['import', join(dir, 'missing.csv'), '--dry-run'],
      ['import', file, '--bogus'],
      ['import', dir, '--dry-run'],
      ['import', file, '--dry-run', '--max-errors', 'abc'],
      ['template', '--lang', 'fr'],
    ]) {
      const c = io();
      expect(await run(argv, c.io), argv.join(' ')).toBe(2);
      expect(c.err.join('') + c.out.join('')).toMatch(/Usage|ticketkit/);
    }
  });
});
