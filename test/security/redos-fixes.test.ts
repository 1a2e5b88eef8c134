/**
 * Behaviour of the regexes rewritten for X5 (recheck flagged them, see regex.test.ts): each new
 * pattern must accept exactly what the old one accepted, with the same captures.
 * The OLD_* patterns below are the exact pre-fix sources, kept here as the reference.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DATE_PATTERNS, parseDateText } from '../../src/import/_dates';
import { DURATION_RE } from '../../src/sla/duration';

const OLD_TIME = String.raw`(?:(?:\s*T\s*|\s+)(\d{1,2})[:：](\d{2})(?:[:：](\d{2})(?:[.,](\d{1,9}))?)?\s*([AaPp][Mm])?)?`;
const OLD_ISO = new RegExp(
  String.raw`^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})${OLD_TIME}\s*(Z|[+-]\d{2}(?::?\d{2})?)?$`,
  'i',
);
const OLD_ZH = new RegExp(
  String.raw`^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?${OLD_TIME}$`,
);
const OLD_DM = new RegExp(String.raw`^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})${OLD_TIME}$`);
const OLD_DURATION =
  /^(?:(\d+(?:\.\d+)?)\s*d)?\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+(?:\.\d+)?)\s*m)?$/i;

/** Strings built from the characters these patterns care about, plus one they never accept. */
const tokens = (alphabet: string[]) =>
  fc.array(fc.constantFrom(...alphabet), { maxLength: 30 }).map((a) => a.join(''));
const DATE_ALPHABET = [
  ...'0123456789',
  '12',
  '2024',
  ...'-/.: \t',
  '：',
  ...'TtZzAaPpMm+,x',
  '年',
  '月',
  '日',
  '号',
];
/** Either a string matching the new pattern, random tokens, or a match followed by tokens. */
const near = (pattern: RegExp, alphabet: string[]) => {
  // stringMatching refuses the i flag; the tokens supply the other letter case.
  const re = new RegExp(pattern.source);
  return fc.oneof(
    fc.stringMatching(re),
    tokens(alphabet),
    fc.tuple(fc.stringMatching(re), tokens(alphabet)).map(([a, b]) => a + b),
    fc.tuple(tokens(alphabet), fc.stringMatching(re)).map(([a, b]) => a + b),
    // blank runs around a match: where the rewritten blank handling could differ
    fc
      .tuple(tokens([' ', '\t']), fc.stringMatching(re), tokens([' ', '\t']))
      .map(([a, b, c]) => a + b + c),
  );
};

/** Captures of a match as an array (undefined kept), or null. */
const groups = (m: RegExpExecArray | null) => (m ? [...m] : null);
/** New ISO/DM match with the removed `\2` applied in code, groups renumbered back to the old. */
const sameSep = (m: RegExpExecArray | null) =>
  m && m[2] === m[4] ? [...m.slice(0, 4), ...m.slice(5)] : null;

const RUNS = { numRuns: 3000 };

describe('ReDoS fixes keep the old behaviour', () => {
  it('ISO date: same matches and captures as the backreference version', () => {
    fc.assert(
      fc.property(near(DATE_PATTERNS.ISO, DATE_ALPHABET), (s) => {
        expect(sameSep(DATE_PATTERNS.ISO.exec(s))).toEqual(groups(OLD_ISO.exec(s)));
      }),
      RUNS,
    );
  });

  it('年月日 date: same matches and captures', () => {
    fc.assert(
      fc.property(near(DATE_PATTERNS.ZH, DATE_ALPHABET), (s) => {
        expect(groups(DATE_PATTERNS.ZH.exec(s))).toEqual(groups(OLD_ZH.exec(s)));
      }),
      RUNS,
    );
  });

  it('d/m/yyyy date: same matches and captures as the backreference version', () => {
    fc.assert(
      fc.property(near(DATE_PATTERNS.DM, DATE_ALPHABET), (s) => {
        expect(sameSep(DATE_PATTERNS.DM.exec(s))).toEqual(groups(OLD_DM.exec(s)));
      }),
      RUNS,
    );
  });

  it('business duration: same matches and captures', () => {
    fc.assert(
      fc.property(near(DURATION_RE, [...'0123456789. \tdhmDHMx']), (s) => {
        expect(groups(DURATION_RE.exec(s))).toEqual(groups(OLD_DURATION.exec(s)));
      }),
      RUNS,
    );
  });

  it('the cases that backtracked before are answered, with the old verdicts', () => {
    const blanks = ' \t'.repeat(1_000);
    const cases = [
      // each was quadratic before the fix (the attack strings recheck reported)
      [DATE_PATTERNS.ZH, OLD_ZH, `2024年1月05${blanks}年0月0`],
      [DATE_PATTERNS.ISO, OLD_ISO, `2024.1.5T10:00${blanks}T0：00`],
      [DURATION_RE, OLD_DURATION, `${blanks}x`],
      // and the blank runs still accepted where they were
      [DATE_PATTERNS.ZH, OLD_ZH, `2024年1月5${blanks}`],
      [DATE_PATTERNS.ZH, OLD_ZH, `2024 年 1 月 5 日${blanks}10:30${blanks}pm`],
      [DATE_PATTERNS.ISO, OLD_ISO, `2024-01-05 10:00${blanks}PM${blanks}+08:00`],
      [DURATION_RE, OLD_DURATION, `${blanks}1d${blanks}2h${blanks}30m`],
    ] as const;
    for (const [now, before, s] of cases) {
      expect(now.exec(s) !== null).toBe(before.exec(s) !== null);
    }
  });

  it('parseDateText still requires one separator throughout', () => {
    expect(parseDateText('2024-01-05')).toMatchObject({
      kind: 'wall',
      wall: { y: 2024, mo: 1, d: 5 },
    });
    expect(parseDateText('2024-01/05').kind).toBe('error');
    expect(parseDateText('05.06.2024 9:05 PM')).toMatchObject({
      kind: 'dm',
      a: 5,
      b: 6,
      y: 2024,
      time: { h: 21, mi: 5 },
    });
    expect(parseDateText('05.06/2024').kind).toBe('error');
    expect(parseDateText('2024-01-05T10:00:00.250+08:00')).toEqual({
      kind: 'instant',
      ms: Date.UTC(2024, 0, 5, 2, 0, 0, 250),
    });
    expect(parseDateText('2024-01-05 +08:00')).toEqual({
      kind: 'error',
      message: 'a UTC offset needs a time of day',
    });
  });
});
