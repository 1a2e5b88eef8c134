// HTML → plain text in one left-to-right pass. No regular expressions run on the input: every
// branch either consumes characters or jumps forward with indexOf, so the work is O(n) even for
// hostile input ('<<<<', '&&&&', unclosed tags and comments). Attributes are read only to find
// where a tag ends and are never copied to the output.

/** Result of {@link convertHtml}. */
export interface HtmlText {
  text: string;
  /** True when the output was cut at `maxLength`. */
  truncated: boolean;
}

// Elements whose content is never text a person wrote for the ticket.
const SKIP_CONTENT = new Set([
  'script',
  'style',
  'head',
  'title',
  'template',
  'noscript',
  'iframe',
  'object',
  'svg',
  'math',
  'xml',
]);
// Elements that start and end a line.
const BLOCK = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'caption',
  'center',
  'dd',
  'details',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'li',
  'main',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'summary',
  'table',
  'tbody',
  'tfoot',
  'thead',
  'tr',
  'ul',
]);
const PARAGRAPH = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'table', 'pre']);

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  ensp: ' ',
  emsp: ' ',
  thinsp: ' ',
  shy: '',
  zwnj: '',
  zwj: '',
  lrm: '',
  rlm: '',
  copy: '©',
  reg: '®',
  trade: '™',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  lsquo: '‘',
  rsquo: '’',
  sbquo: '‚',
  ldquo: '“',
  rdquo: '”',
  bdquo: '„',
  laquo: '«',
  raquo: '»',
  lsaquo: '‹',
  rsaquo: '›',
  bull: '•',
  middot: '·',
  times: '×',
  divide: '÷',
  deg: '°',
  plusmn: '±',
  micro: 'µ',
  para: '¶',
  sect: '§',
  euro: '€',
  yen: '¥',
  pound: '£',
  cent: '¢',
  iexcl: '¡',
  iquest: '¿',
  frac12: '½',
  frac14: '¼',
  frac34: '¾',
  sup2: '²',
  sup3: '³',
  larr: '←',
  rarr: '→',
  uarr: '↑',
  darr: '↓',
  hearts: '♥',
  check: '✓',
  auml: 'ä',
  ouml: 'ö',
  uuml: 'ü',
  Auml: 'Ä',
  Ouml: 'Ö',
  Uuml: 'Ü',
  szlig: 'ß',
  eacute: 'é',
  egrave: 'è',
  agrave: 'à',
  aacute: 'á',
  ccedil: 'ç',
  ntilde: 'ñ',
};

const isAsciiLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isDigit = (c: number) => c >= 48 && c <= 57;
const isHex = (c: number) => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 12 || c === 13;
const isNameChar = (c: number) =>
  isAsciiLetter(c) || isDigit(c) || c === 45 || c === 58 || c === 95;

/** Builds the output: collapses whitespace, bounds blank lines, keeps no tag opener, caps length. */
class Emitter {
  private buf = '';
  private length = 0;
  private last = 0; // char code of the last emitted character (0 at start)
  private pendingSpace = false;
  private pendingBreaks = 0;
  truncated = false;

  constructor(private readonly max: number) {}

  space(): void {
    this.pendingSpace = true;
  }

  /** Asks for `n` line breaks before the next text (2 = a blank line); never more than 2. */
  breaks(n: number): void {
    if (n > this.pendingBreaks) this.pendingBreaks = n;
  }

  /** A literal newline inside <pre>. */
  newline(): void {
    this.pendingBreaks = 0;
    this.pendingSpace = false;
    if (this.length > 0) this.put('\n');
  }

  /** Emits a run of text that holds no whitespace to collapse. */
  text(s: string): void {
    if (this.truncated || s.length === 0) return;
    if (this.length > 0) {
      if (this.pendingBreaks > 0) {
        if (this.last !== 10) this.put('\n');
        if (this.pendingBreaks > 1) this.put('\n');
      } else if (this.pendingSpace && this.last !== 10 && this.last !== 32) {
        this.put(' ');
      }
    }
    this.pendingBreaks = 0;
    this.pendingSpace = false;
    // A '<' directly followed by a letter, '/', '!' or '?' is where an HTML tokenizer starts a
    // tag. The output never contains that pair (it can only arise from '&lt;' or a stray '<'),
    // so it cannot turn into markup even if an app forgets to escape it.
    if (this.last === 60) {
      const c = s.charCodeAt(0);
      if (isAsciiLetter(c) || c === 47 || c === 33 || c === 63) this.put(' ');
    }
    this.put(s);
  }

  private put(s: string): void {
    if (this.truncated) return;
    if (this.length + s.length > this.max) {
      let room = this.max - this.length;
      // Never split a surrogate pair.
      const lastKept = s.charCodeAt(room - 1);
      if (room > 0 && lastKept >= 0xd800 && lastKept <= 0xdbff) room--;
      if (room > 0) {
        this.buf += s.slice(0, room);
        this.length += room;
      }
      this.truncated = true;
      return;
    }
    this.buf += s;
    this.length += s.length;
    this.last = s.charCodeAt(s.length - 1);
  }

  result(): string {
    const text = this.buf;
    let end = text.length;
    while (end > 0 && (text.charCodeAt(end - 1) === 10 || text.charCodeAt(end - 1) === 32)) end--;
    return end < text.length ? text.slice(0, end) : text;
  }
}

// End index of the last decoded reference (avoids allocating a tuple per '&').
let entityEnd = 0;

/** Decodes the character reference at `i` ('&'); undefined if there is none. Sets `entityEnd`. */
function entityAt(s: string, i: number): string | undefined {
  let j = i + 1;
  if (s.charCodeAt(j) === 35 /* # */) {
    j++;
    const hex = s.charCodeAt(j) === 120 || s.charCodeAt(j) === 88;
    if (hex) j++;
    const start = j;
    while (
      j < s.length &&
      j - start < 8 &&
      (hex ? isHex(s.charCodeAt(j)) : isDigit(s.charCodeAt(j)))
    )
      j++;
    if (j === start) return undefined;
    const cp = Number.parseInt(s.slice(start, j), hex ? 16 : 10);
    if (s.charCodeAt(j) === 59 /* ; */) j++;
    const valid = cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
    entityEnd = j;
    return valid ? String.fromCodePoint(cp) : '\uFFFD';
  }
  const start = j;
  while (
    j < s.length &&
    j - start < 10 &&
    (isAsciiLetter(s.charCodeAt(j)) || isDigit(s.charCodeAt(j)))
  )
    j++;
  if (j > start && s.charCodeAt(j) === 59) {
    const name = s.slice(start, j);
    const v = Object.hasOwn(NAMED, name) ? NAMED[name] : undefined;
    if (v !== undefined) {
      entityEnd = j + 1;
      return v;
    }
  }
  return undefined;
}

/** Finds `</name` (ASCII case-insensitive) at or after `from`; -1 if absent. Linear overall. */
function findEndTag(s: string, name: string, from: number): number {
  let i = s.indexOf('</', from);
  while (i >= 0) {
    let k = 0;
    while (k < name.length && (s.charCodeAt(i + 2 + k) | 32) === name.charCodeAt(k)) k++;
    if (k === name.length && !isNameChar(s.charCodeAt(i + 2 + k))) return i;
    i = s.indexOf('</', i + 2);
  }
  return -1;
}

/** Index just past the '>' closing a tag whose attributes start at `i`; -1 if none. Respects quotes. */
function tagEnd(s: string, i: number): number {
  let quote = 0;
  let afterEq = false;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
      continue;
    }
    if (c === 62 /* > */) return i + 1;
    if (c === 61 /* = */) {
      afterEq = true;
      continue;
    }
    if (isSpace(c)) continue;
    // A quote opens an attribute value only right after '='; elsewhere it is a plain character.
    if (afterEq && (c === 34 || c === 39)) quote = c;
    afterEq = false;
  }
  return -1;
}

// Raw-text elements: without an end tag, the rest of the document is their content.
const RAW_TEXT = new Set(['script', 'style', 'title', 'template', 'noscript', 'xml']);

/**
 * Converts HTML to plain text in linear time.
 *
 * @internal
 */
export function convertHtml(html: string, maxLength: number): HtmlText {
  const out = new Emitter(maxLength);
  const n = html.length;
  // Elements whose end tag is known to be absent, so a repeat never searches again (keeps O(n)).
  const noEndTag = new Set<string>();
  let listDepth = 0;
  let preDepth = 0;
  let i = 0;
  while (i < n && !out.truncated) {
    const c = html.charCodeAt(i);
    const next = html.charCodeAt(i + 1);
    if (c === 60 /* < */ && (isAsciiLetter(next) || next === 33 || next === 47 || next === 63)) {
      if (next === 33 /* ! */ || next === 63 /* ? */) {
        const comment = html.startsWith('<!--', i);
        const close = comment ? html.indexOf('-->', i + 4) : html.indexOf('>', i + 2);
        if (close < 0) break; // an unclosed comment or declaration runs to the end
        i = close + (comment ? 3 : 1);
        continue;
      }
      const closing = next === 47; /* / */
      const nameStart = closing ? i + 2 : i + 1;
      if (!isAsciiLetter(html.charCodeAt(nameStart))) {
        // '</' + non-letter is a bogus comment up to '>'.
        const close = html.indexOf('>', i + 2);
        if (close < 0) break;
        i = close + 1;
        continue;
      }
      let j = nameStart;
      while (j < n && isNameChar(html.charCodeAt(j))) j++;
      const name = html.slice(nameStart, j).toLowerCase();
      const end = tagEnd(html, j);
      if (end < 0) break; // EOF inside a tag: the tag is dropped
      i = end;
      if (closing) {
        if (name === 'ul' || name === 'ol') listDepth = Math.max(0, listDepth - 1);
        if (name === 'pre') preDepth = Math.max(0, preDepth - 1);
        if (BLOCK.has(name)) out.breaks(PARAGRAPH.has(name) ? 2 : 1);
        else if (name === 'td' || name === 'th') out.space();
        continue;
      }
      if (SKIP_CONTENT.has(name)) {
        const raw = RAW_TEXT.has(name);
        if (!raw && html.charCodeAt(end - 2) === 47) continue; // <svg/>
        const close = noEndTag.has(name) ? -1 : findEndTag(html, name, i);
        if (close < 0) {
          if (raw) break; // raw text to the end of the document
          noEndTag.add(name);
          continue; // e.g. an unclosed <head> ends where the body starts
        }
        const after = tagEnd(html, close + 2 + name.length);
        i = after < 0 ? n : after;
        continue;
      }
      if (name === 'br') {
        if (preDepth > 0) out.newline();
        else out.breaks(1);
        continue;
      }
      if (name === 'ul' || name === 'ol') listDepth = Math.min(listDepth + 1, 8);
      if (name === 'pre') preDepth++;
      if (name === 'li') {
        out.breaks(1);
        out.text(`${'  '.repeat(Math.max(0, listDepth - 1))}- `);
        continue;
      }
      if (BLOCK.has(name)) out.breaks(PARAGRAPH.has(name) ? 2 : 1);
      else if (name === 'td' || name === 'th') out.space();
      continue;
    }
    if (c === 38 /* & */) {
      const text = entityAt(html, i);
      if (text !== undefined) {
        i = entityEnd;
        if (text === ' ' && preDepth === 0) out.space();
        else out.text(text);
        continue;
      }
    }
    if (isSpace(c)) {
      if (preDepth === 0) out.space();
      else if (c === 10) out.newline();
      else if (c !== 13) out.text(' ');
      i++;
      continue;
    }
    if (c === 0) {
      out.text('\uFFFD');
      i++;
      continue;
    }
    // A run of literal text: everything up to whitespace, NUL, a tag or a decodable reference.
    // A '<' or '&' that starts neither stays in the run.
    let j = i + 1;
    while (j < n) {
      const d = html.charCodeAt(j);
      if (d === 0 || isSpace(d)) break;
      if (d === 60) {
        const e = html.charCodeAt(j + 1);
        if (isAsciiLetter(e) || e === 33 || e === 47 || e === 63) break;
      } else if (d === 38 && entityAt(html, j) !== undefined) {
        break;
      }
      j++;
    }
    out.text(html.slice(i, j));
    i = j;
  }
  return { text: out.result(), truncated: out.truncated };
}
