import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { htmlToText, normalizeIntake } from '../../src/intake/index';

/**
 * The converter's output invariant: no HTML tag opener. An HTML tokenizer starts a tag, end tag,
 * comment or declaration only at '<' followed by an ASCII letter, '/', '!' or '?'.
 */
const TAG_OPENER = /<[A-Za-z/!?]/;

describe('htmlToText cases', () => {
  it.each([
    ['plain text', 'hello world', 'hello world'],
    ['paragraphs', '<p>one</p><p>two</p>', 'one\n\ntwo'],
    ['br and div', 'a<br>b<br/>c<div>d</div>e', 'a\nb\nc\nd\ne'],
    ['inline tags join', 'a<b>b</b><i>c</i> d', 'abc d'],
    ['whitespace collapses', '  a \n\t  b  ', 'a b'],
    ['list', '<ul><li>A</li><li>B</li></ul>', '- A\n- B'],
    [
      'nested lists',
      '<ul><li>A<ol><li>A1</li><li>A2</li></ol></li><li>B</li></ul>',
      '- A\n  - A1\n  - A2\n- B',
    ],
    [
      'table rows',
      '<table><tr><td>1</td><td>2</td></tr><tr><th>3</th><td>4</td></tr></table>',
      '1 2\n3 4',
    ],
    ['named entities', '&lt;b&gt; &amp; &quot;x&quot; &copy; &hellip; &mdash;', '< b> & "x" © … —'],
    ['numeric entities', '&#72;&#x69;&#X21; &#20013;&#25991; &#x1F600;', 'Hi! 中文 😀'],
    ['invalid numeric entities', '&#0; &#xD800; &#x110000;', '\uFFFD \uFFFD \uFFFD'],
    ['unknown or unterminated entities stay', '&bogus; &amp &#; AT&T', '&bogus; &amp &#; AT&T'],
    ['nbsp collapses', 'a&nbsp;&nbsp;b', 'a b'],
    ['script content dropped', 'a<script>alert("x")</script>b', 'ab'],
    ['script case-insensitive end', 'a<SCRIPT type="x">x()</ScRiPt >b', 'ab'],
    ['script with </p> inside', 'a<script>if (a</p>) {}</script>b', 'ab'],
    [
      'style and head dropped',
      '<head><title>T</title><style>p{}</style></head><body>x</body>',
      'x',
    ],
    ['unclosed head ignored', '<head><meta charset="utf-8"><body>x', 'x'],
    ['comments dropped', 'a<!-- secret -->b<!---->c', 'abc'],
    ['unclosed comment eats the rest', 'a<!-- b', 'a'],
    ['unclosed script eats the rest', 'a<script>b', 'a'],
    ['doctype and PI dropped', '<!DOCTYPE html><?xml version="1.0"?>x', 'x'],
    [
      'attributes never leak',
      '<a href="https://evil.example/?q=secret" title=\'tt\' data-x=1>link</a>',
      'link',
    ],
    ['> inside quoted attribute', '<img alt="a > b" src=x>after', 'after'],
    ['stray < is text', 'a < b and 3<4 <<', 'a < b and 3<4 <<'],
    [
      'decoded &lt; never opens a tag',
      '&lt;script&gt;alert(1)&lt;/script&gt;',
      '< script>alert(1)< /script>',
    ],
    ['bogus end tag', 'a</ 3>b</>c', 'abc'],
    ['EOF inside a tag drops it', 'abc<div class="x', 'abc'],
    ['svg dropped', 'a<svg><text>t</text><script>x</script></svg>b', 'ab'],
    ['self-closing svg', 'a<svg/>b', 'ab'],
    ['pre keeps whitespace', '<pre>a\n  b  c</pre>', 'a\n  b  c'],
    ['headings and blockquote', '<h1>T</h1>text<blockquote>q</blockquote>', 'T\n\ntext\n\nq'],
    ['blank lines bounded', '<p></p><p></p><div><div><p>x</p></div></div><br><br><br>y', 'x\n\ny'],
    ['NUL replaced', 'a\u0000b', 'a\uFFFDb'],
    ['Chinese', '<p>您好，</p><p>打印机&nbsp;坏了。</p>', '您好，\n\n打印机 坏了。'],
  ])('%s', (_name, html, text) => {
    expect(htmlToText(html)).toBe(text);
  });

  it('caps the output length', () => {
    expect(htmlToText('<p>abcdef</p>'.repeat(10), { maxLength: 15 }).length).toBeLessThanOrEqual(
      15,
    );
    const emoji = htmlToText('😀'.repeat(10), { maxLength: 5 });
    expect(emoji).toBe('😀😀');
  });
});

// ---------------------------------------------------------------------------------------------
// XSS payloads. Every dangerous string sits inside markup (a tag, an attribute, a script/style
// body or a comment), so none of it may reach the output.

const VECTORS = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=//evil.example/x.js></SCRIPT>',
  '<img src=x onerror=alert(1)>',
  '<img src="x" onerror="alert(1)"/>',
  '<svg onload=alert(1)>',
  '<svg><script>alert(1)</script></svg>',
  '<body onload=alert(1)>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<a href="javascript:alert(1)">x</a>',
  '<a href=JaVaScRiPt:alert(1)>x</a>',
  '<form><button formaction=javascript:alert(1)>x</button></form>',
  '<input onfocus=alert(1) autofocus>',
  '<details open ontoggle=alert(1)>',
  '<math><mtext><script>alert(1)</script></mtext></math>',
  '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object>',
  '<embed src="javascript:alert(1)">',
  '<style>@import "javascript:alert(1)";</style>',
  '<div style="background:url(javascript:alert(1))">x</div>',
  '<!--<script>alert(1)</script>-->',
  '<img src="x` `<script>alert(1)</script>"` `>',
  '<scr<script>ipt>alert(1)</script>',
  '<<script>script>alert(1)<</script>/script>',
  '<img """><script>alert(1)</script>">',
  '<a onmouseover="alert(1)">x</a>',
  '<video><source onerror="alert(1)"></video>',
  '<marquee onstart=alert(1)>',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<link rel=import href="data:text/html,<script>alert(1)</script>">',
  '<template><script>alert(1)</script></template>',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  '<isindex type=image src=1 onerror=alert(1)>',
  '<base href="javascript:alert(1)//">',
  '<table background="javascript:alert(1)">',
  '<textarea onfocus=alert(1) autofocus>',
];
const WRAPPERS = [
  (v: string) => v,
  (v: string) => `<p>Hello ${v} world</p>`,
  (v: string) => `<div><ul><li>${v}</li></ul></div>`,
  (v: string) => `text before${v}text after`,
  (v: string) => `<table><tr><td>${v}</td></tr></table>`,
  (v: string) => v.toUpperCase().replaceAll('ALERT(1)', 'alert(1)'),
  (v: string) => v.replaceAll(' ', '\n'),
];
const PAYLOADS = VECTORS.flatMap((v) => WRAPPERS.map((w) => w(v)));

describe('XSS payloads', () => {
  it(`generates ${PAYLOADS.length} payloads`, () => {
    expect(PAYLOADS.length).toBeGreaterThanOrEqual(200);
  });

  it('no tag, handler, javascript: or data: URL survives', () => {
    for (const html of PAYLOADS) {
      const out = htmlToText(html);
      expect(out, html).not.toMatch(TAG_OPENER);
      expect(out.toLowerCase(), html).not.toContain('<script');
      expect(out.toLowerCase(), html).not.toContain('javascript:');
      expect(out.toLowerCase(), html).not.toContain('data:');
      expect(out.toLowerCase(), html).not.toMatch(/\bon[a-z]+\s*=/);
      expect(out.toLowerCase(), html).not.toContain('formaction');
    }
  });

  it('also through normalizeIntake (email html body)', () => {
    for (const [i, html] of PAYLOADS.entries()) {
      const r = normalizeIntake({
        channel: 'email',
        messageId: `<x${i}@example.com>`,
        from: { address: 'a@example.com' },
        subject: 'x',
        html,
      });
      expect(r.draft.description ?? '').not.toMatch(TAG_OPENER);
    }
  });
});

describe('properties', () => {
  const htmlish = fc.stringMatching(/^[<>/!?&#;a-zA-Z0-9 "'=\-\n]{0,200}$/);

  it('never throws on arbitrary strings, never exceeds the cap', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.integer({ min: 1, max: 400 }),
        (s, max) => {
          const out = htmlToText(s, { maxLength: max });
          return out.length <= max;
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('the output never contains a tag opener', () => {
    fc.assert(
      fc.property(fc.oneof(htmlish, fc.string({ unit: 'binary', maxLength: 200 })), (s) => {
        return !TAG_OPENER.test(htmlToText(s));
      }),
      { numRuns: 3000 },
    );
  });

  it('text without markup characters survives unchanged (modulo whitespace)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-zA-Z0-9 中文，。]{0,100}$/), (s) => {
        return htmlToText(s) === s.trim().replace(/ +/g, ' ');
      }),
      { numRuns: 1000 },
    );
  });

  it('attribute values never leak', () => {
    const value = fc.stringMatching(/^[a-zA-Z0-9 <>&;:=/]{1,40}$/);
    fc.assert(
      fc.property(value, fc.constantFrom('"', "'"), (v, q) => {
        const clean = v.replaceAll(q, '');
        const out = htmlToText(`<a title=${q}SECRET${clean}${q}>x</a>`);
        return out === 'x';
      }),
      { numRuns: 1000 },
    );
  });
});
