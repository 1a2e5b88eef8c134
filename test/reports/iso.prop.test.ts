import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoOfMs } from '../../src/_internal/iso';
import { isoMs } from '../../src/reports/_iso';

const same = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b));

describe('isoMs (the report reader of stored instants)', () => {
  it('equals Date.parse on every toISOString() instant', () => {
    fc.assert(
      fc.property(fc.integer({ min: -30_000_000_000_000, max: 250_000_000_000_000 }), (t) => {
        const s = new Date(t).toISOString();
        expect(isoMs(s)).toBe(Date.parse(s));
      }),
      { numRuns: 5000 },
    );
  });

  it('equals Date.parse on strings of the canonical shape with any digits', () => {
    const d = (n: number) =>
      fc.integer({ min: 0, max: 10 ** n - 1 }).map((v) => String(v).padStart(n, '0'));
    fc.assert(
      fc.property(d(4), d(2), d(2), d(2), d(2), d(2), d(3), (y, mo, day, h, mi, se, ms) => {
        const s = `${y}-${mo}-${day}T${h}:${mi}:${se}.${ms}Z`;
        expect(same(isoMs(s), Date.parse(s))).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('falls back to Date.parse for other forms and impossible dates', () => {
    for (const s of [
      '2024-02-29T00:00:00.000Z',
      '2023-02-29T00:00:00.000Z',
      '2026-04-31T00:00:00.000Z',
      '2026-01-01T24:00:00.000Z',
      '0099-01-01T00:00:00.000Z',
      '2026-01-0xT00:00:00.000Z',
      '2026-01-01T00:00:00+08:00',
      '2026-01-01',
      '',
    ]) {
      expect(same(isoMs(s), Date.parse(s)), s).toBe(true);
    }
    // The one-entry memo returns the right value after a different string.
    expect(isoMs('2026-01-01T00:00:00.000Z')).toBe(Date.UTC(2026, 0, 1));
    expect(isoMs('2026-01-02T00:00:00.000Z')).toBe(Date.UTC(2026, 0, 2));
    expect(isoMs('2026-01-02T00:00:00.000Z')).toBe(Date.UTC(2026, 0, 2));
  });
});

describe('isoOfMs (the formatter of every timestamp the desk writes)', () => {
  const native = (t: number) => {
    try {
      return new Date(t).toISOString();
    } catch (e) {
      return (e as Error).name;
    }
  };
  const ours = (t: number) => {
    try {
      return isoOfMs(t);
    } catch (e) {
      return (e as Error).name;
    }
  };

  it('equals toISOString on every instant Date can hold, including 6-digit years', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8_640_000_000_000_000, max: 8_640_000_000_000_000 }), (t) => {
        expect(ours(t)).toBe(native(t));
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: -70_000_000_000_000, max: 260_000_000_000_000 }), (t) => {
        expect(ours(t)).toBe(native(t));
      }),
      { numRuns: 20_000 },
    );
  });

  it('equals toISOString at the edges: year 0 and 9999, fractions, invalid times', () => {
    for (const t of [
      -62_167_219_200_001,
      -62_167_219_200_000,
      253_402_300_799_999,
      253_402_300_800_000,
      -1,
      0,
      1.5,
      -1.5,
      951_782_400_000,
      8_640_000_000_000_001,
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ]) {
      expect(ours(t), String(t)).toBe(native(t));
    }
    expect(ours(Number.NaN)).toBe('RangeError');
  });
});
