/** M1: encoding fixtures made with iconv-lite from known text. */
import { isTicketkitError, ValidationError, validateImport } from 'ticketkit';
import { describe, expect, it } from 'vitest';
import { encode, trickle } from './_fixtures';

const TZ = { timeZone: 'Asia/Shanghai' } as const;
const zhText =
  '工单编号,标题,优先级,描述\nWO-1,打印机无法连接,高,"含逗号，和换行\n第二行"\nWO-2,𠀀生僻字工单,低,GB18030 四字节\n';

async function cells(input: Uint8Array | AsyncIterable<Uint8Array>, opts = {}) {
  const r = await validateImport(input, { ...TZ, ...opts });
  return {
    r,
    headers: r.columns.map((c) => c.header),
    rows: r.valid.map((v) => [v.externalId, v.title, v.description]),
  };
}

describe('encoding detection (M1)', () => {
  const expectedRows = [
    ['WO-1', '打印机无法连接', '含逗号，和换行\n第二行'],
    ['WO-2', '𠀀生僻字工单', 'GB18030 四字节'],
  ];

  it.each([
    ['utf-8', encode(zhText, 'utf8'), 'utf-8'],
    ['utf-8 with BOM', encode(zhText, 'utf8', [0xef, 0xbb, 0xbf]), 'utf-8'],
    ['utf-16le with BOM', encode(zhText, 'utf16le', [0xff, 0xfe]), 'utf-16le'],
    ['utf-16be with BOM', encode(zhText, 'utf16-be', [0xfe, 0xff]), 'utf-16be'],
    ['gb18030 (4-byte char) without BOM', encode(zhText, 'gb18030'), 'gb18030'],
  ])('%s decodes to the source text', async (_name, bytes, enc) => {
    const { r, headers, rows } = await cells(bytes);
    expect(r.encoding).toBe(enc);
    expect(headers).toEqual(['工单编号', '标题', '优先级', '描述']);
    expect(rows).toEqual(expectedRows);
    // And the same across chunk boundaries that cut characters (and the BOM) in half.
    expect((await cells(trickle(bytes))).rows).toEqual(expectedRows);
  });

  it('decodes plain GBK (no 4-byte characters) under the default fallback', async () => {
    const text = '工单编号,标题,优先级\nWO-1,网络故障，无法上网,紧急\n';
    const { r, rows } = await cells(encode(text, 'gbk'));
    expect(r.encoding).toBe('gb18030');
    expect(rows).toEqual([['WO-1', '网络故障，无法上网', undefined]]);
  });

  it('detects non-UTF-8 only after a long ASCII prefix, without buffering it', async () => {
    const ascii = Array.from({ length: 5000 }, (_, i) => `A${i},title ${i},low`).join('\n');
    const bytes = encode(`id,title,priority\n${ascii}\nZ,中文标题,高\n`, 'gbk');
    const r = await validateImport(trickle(bytes, [4096]), TZ);
    expect(r.encoding).toBe('gb18030');
    expect(r.valid.at(-1)).toMatchObject({ title: '中文标题', priority: 'high' });
  });

  it.each([
    ['shift_jis', 'id,title,priority\nJ-1,東京の会議室 ｶﾀｶﾅ,high\n'],
    ['windows-1252', 'id,title,priority\nW-1,Café crème €5,high\n'],
  ])('%s decodes exactly when configured as the fallback or forced', async (enc, text) => {
    const bytes = encode(text, enc);
    const title = text.split('\n')[1]!.split(',')[1];
    for (const opts of [{ fallbackEncoding: enc }, { encoding: enc }]) {
      const { r } = await cells(bytes, opts);
      expect(r.encoding).toBe(enc);
      expect(r.valid[0]!.title).toBe(title);
    }
  });

  it.each([
    ['windows-1252', 'id,title,priority\nW-1,Café crème,high\n'],
    ['shift_jis (half-width kana)', 'id,title,priority\nJ-1,ｱｲｳ,high\n'],
  ])('%s under the GBK fallback is an encoding_error, not mojibake', async (name, text) => {
    const bytes = encode(text, name.split(' ')[0]!);
    const err = await validateImport(bytes, TZ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(isTicketkitError(err) && err.code).toBe('encoding_error');
    expect((err as Error).message).toContain('utf-8, gb18030');
  });

  it('known limit: full-width Shift_JIS is also valid GBK byte-wise, so strict decoding cannot tell', async () => {
    // Double-byte Shift_JIS lead/trail ranges sit inside GBK's; only a configured fallback helps.
    const bytes = encode('id,title,priority\nJ-1,東京の会議室,high\n', 'shift_jis');
    const r = await validateImport(bytes, TZ);
    expect(r.encoding).toBe('gb18030');
    expect(r.valid[0]!.title).not.toBe('東京の会議室');
    const fixed = await validateImport(bytes, { ...TZ, fallbackEncoding: 'shift_jis' });
    expect(fixed.valid[0]!.title).toBe('東京の会議室');
  });

  it('with fallbackEncoding: null, non-UTF-8 bytes throw encoding_error naming the candidates', async () => {
    const err = await validateImport(encode(zhText, 'gbk'), {
      ...TZ,
      fallbackEncoding: null,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'encoding_error', issues: [{ code: 'encoding_error' }] });
    expect((err as Error).message).toContain('Tried: utf-8.');
  });

  it('flags cells holding U+FFFD (bad bytes after detection) instead of storing mojibake', async () => {
    const good = Buffer.from('id,title,priority\nA,fine,low\n', 'utf8');
    const bad = Buffer.concat([
      Buffer.from('B,caf', 'utf8'),
      Buffer.from([0xe9]),
      Buffer.from(',low\n', 'utf8'),
    ]);
    const input = Buffer.concat([good, Buffer.from('X,ü,low\n', 'utf8'), bad]);
    const r = await validateImport(input, { ...TZ, encoding: 'utf-8' });
    expect(r.errors.map((e) => [e.row, e.column, e.code])).toEqual([
      [4, 'title', 'encoding_error'],
    ]);
    expect(r.valid.map((v) => v.title)).toEqual(['fine', 'ü']);
  });

  it('rejects an unknown encoding label', async () => {
    await expect(validateImport('a', { ...TZ, encoding: 'klingon' })).rejects.toMatchObject({
      code: 'encoding_error',
    });
  });
});
