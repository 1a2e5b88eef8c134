// Text handling shared by rules, naive Bayes and BM25.

// Built once: constructing a segmenter loads ICU data and costs far more than segmenting a ticket.
const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

const CJK_RUN = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}]+/gu;
const CJK_CHAR = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}]/u;
const FULL_WIDTH = /[\uFF01-\uFF5E\u3000]/g;

export function isCjk(ch: string): boolean {
  return CJK_CHAR.test(ch);
}

/** Latin letter or ASCII digit: the characters that need a word boundary in `auto` matching. */
export function isLatinWordChar(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x41 && code <= 0x5a) ||
    code === 0x5f ||
    (code >= 0xc0 && code <= 0x24f && code !== 0xd7 && code !== 0xf7)
  );
}

/**
 * Lowercases and folds full-width ASCII without changing the length, so offsets found in the
 * folded text are offsets in the original (rules report the original matched text).
 */
export function fold(text: string): string {
  let lower = text.toLowerCase();
  if (lower.length !== text.length) {
    // A few characters (e.g. U+0130) lowercase to two code units; keep those as they are.
    let out = '';
    for (const ch of text) {
      const l = ch.toLowerCase();
      out += l.length === ch.length ? l : ch;
    }
    lower = out;
  }
  return lower.replace(FULL_WIDTH, (c) =>
    c === '\u3000' ? ' ' : String.fromCharCode(c.charCodeAt(0) - 0xfee0),
  );
}

/** Start and end offsets of the word-like segments of `text`, for `word` matching. */
export function wordBoundaries(text: string): { starts: Set<number>; ends: Set<number> } {
  const starts = new Set<number>();
  const ends = new Set<number>();
  for (const s of segmenter.segment(text)) {
    if (!s.isWordLike) continue;
    starts.add(s.index);
    ends.add(s.index + s.segment.length);
  }
  return { starts, ends };
}

enum C {
  Other = 0,
  Letter = 1,
  Digit = 2,
  Underscore = 3,
  Space = 4,
}

function asciiClass(code: number): C {
  if (code >= 0x61 && code <= 0x7a) return C.Letter;
  if (code >= 0x30 && code <= 0x39) return C.Digit;
  if (code === 0x5f) return C.Underscore;
  if (code === 0x20 || (code >= 0x09 && code <= 0x0d)) return C.Space;
  if (code >= 0x41 && code <= 0x5a) return C.Letter;
  return C.Other;
}

function isUnderscores(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) !== 0x5f) return false;
  return true;
}

/**
 * Words of an all-ASCII chunk, reproducing what Intl.Segmenter (UAX #29) does there: letters,
 * digits and `_` join; `.` `'` `:` join two letters; `.` `'` `,` `;` join two digits. ICU is the
 * bottleneck on Latin text (about 10x slower than this loop), and a property test checks parity.
 */
function asciiWords(s: string, from: number, to: number, out: string[]): void {
  let start = -1;
  for (let i = from; i <= to; i++) {
    const cls = i < to ? asciiClass(s.charCodeAt(i)) : C.Space;
    if (cls === C.Letter || cls === C.Digit || cls === C.Underscore) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0 && i + 1 < to) {
      const c = s.charCodeAt(i);
      const prev = asciiClass(s.charCodeAt(i - 1));
      const next = asciiClass(s.charCodeAt(i + 1));
      const letters = prev === C.Letter && next === C.Letter;
      const digits = prev === C.Digit && next === C.Digit;
      if (
        ((c === 0x2e || c === 0x27) && (letters || digits)) ||
        (c === 0x3a && letters) ||
        ((c === 0x2c || c === 0x3b) && digits)
      )
        continue;
    }
    if (start >= 0) {
      const w = s.slice(start, i);
      if (!isUnderscores(w)) out.push(w);
      start = -1;
    }
  }
}

export function tokenizeText(text: string, bigrams: boolean): string[] {
  const s = text.normalize('NFKC').toLowerCase();
  const out: string[] = [];
  // Two-character CJK words, by offset: their bigram would duplicate the word.
  const pairWords = bigrams ? new Set<number>() : undefined;
  let chunk = 0;
  let ascii = true;
  // Words never span ASCII whitespace, so each whitespace-separated chunk is tokenised on its own,
  // and only chunks with non-ASCII characters pay for ICU.
  for (let i = 0; i <= s.length; i++) {
    const code = i < s.length ? s.charCodeAt(i) : 0x20;
    const space = code === 0x20 || (code >= 0x09 && code <= 0x0d);
    if (!space) {
      if (code > 0x7f) ascii = false;
      continue;
    }
    if (i > chunk) {
      if (ascii) asciiWords(s, chunk, i, out);
      else {
        for (const seg of segmenter.segment(s.slice(chunk, i))) {
          if (!seg.isWordLike || isUnderscores(seg.segment)) continue;
          out.push(seg.segment);
          if (pairWords && seg.segment.length === 2 && isCjk(seg.segment))
            pairWords.add(chunk + seg.index);
        }
      }
    }
    chunk = i + 1;
    ascii = true;
  }
  if (!pairWords) return out;
  for (const m of s.matchAll(CJK_RUN)) {
    const run = m[0];
    if (run.length < 2) continue;
    const chars = Array.from(run);
    let offset = m.index;
    for (let i = 0; i + 1 < chars.length; i++) {
      const a = chars[i]!;
      const bigram = a + chars[i + 1]!;
      if (!pairWords.has(offset) || bigram.length !== 2) out.push(bigram);
      offset += a.length;
    }
  }
  return out;
}

/** Reference tokenisation with ICU only; the tests compare it with the fast path. @internal */
export function icuWords(text: string): string[] {
  const s = text.normalize('NFKC').toLowerCase();
  const out: string[] = [];
  for (const seg of segmenter.segment(s))
    if (seg.isWordLike && !isUnderscores(seg.segment)) out.push(seg.segment);
  return out;
}
