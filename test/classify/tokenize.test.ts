import fc from 'fast-check';
import { tokenize } from 'ticketkit';
import { describe, expect, it } from 'vitest';
import { icuWords } from '../../src/classify/_text';

describe('tokenize', () => {
  it('segments mixed Chinese and English, lowercases, drops punctuation', () => {
    expect(tokenize('打印机卡纸了，Printer JAM！')).toEqual([
      '打印',
      '机',
      '卡',
      '纸',
      '了',
      'printer',
      'jam',
    ]);
    expect(tokenize('VPN连不上，无法上网')).toEqual(['vpn', '连不上', '无法', '上网']);
  });

  it('folds full-width letters, digits and punctuation (NFKC)', () => {
    expect(tokenize('ＷｉＦｉ断开！３楼')).toEqual(['wifi', '断开', '3', '楼']);
    expect(tokenize('【IT】网络“很慢”；（急）')).toEqual(['it', '网络', '很慢', '急']);
  });

  it('drops emoji and whitespace, keeps numbers and joined Latin words', () => {
    expect(tokenize('打印机坏了😭🙏 err_code 404 v2.3.1 can’t e.g. wi-fi')).toEqual([
      '打印',
      '机',
      '坏',
      '了',
      'err_code',
      '404',
      'v2.3.1',
      'can’t',
      'e.g',
      'wi',
      'fi',
    ]);
    expect(tokenize('😀 🙂 ！！ ')).toEqual([]);
    expect(tokenize('')).toEqual([]);
  });

  it('adds CJK character bigrams on request, without duplicating two-character words', () => {
    expect(tokenize('打印机卡纸', { bigrams: true })).toEqual([
      '打印',
      '机',
      '卡',
      '纸',
      '印机',
      '机卡',
      '卡纸',
    ]);
    // bigrams span segments and stop at non-CJK characters
    expect(tokenize('网络abc密码', { bigrams: true })).toEqual(['网络', 'abc', '密码']);
    expect(tokenize('打印基坏了', { bigrams: true })).toContain('印基');
  });

  it('the ASCII fast path matches Intl.Segmenter exactly (property)', () => {
    const ascii = fc.string({
      unit: fc.constantFrom(..."ab1 2_.,;:'-@xZ\t\n".split('')),
      maxLength: 16,
    });
    fc.assert(
      fc.property(ascii, (s) => {
        expect(tokenize(s)).toEqual(icuWords(s));
      }),
      { numRuns: 3000 },
    );
    const mixed = fc.string({
      unit: fc.constantFrom(..."ab1 2_.,:'打印机网络é😀，。\u3000ｗ\n".split('')),
      maxLength: 16,
    });
    fc.assert(
      fc.property(mixed, (s) => {
        expect(tokenize(s)).toEqual(icuWords(s));
      }),
      { numRuns: 2000 },
    );
  });
});
