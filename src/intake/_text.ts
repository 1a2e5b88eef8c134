// Plain-text helpers for intake: reply-prefix stripping, ticket-number extraction, quoted-history
// removal and short titles. All of them scan left to right and run in O(n); the only regular
// expressions are linear (no nested quantifiers, bounded repetition) and run on bounded lines.

// Reply/forward prefixes, compared case-insensitively, each followed by an optional counter
// ("Re[2]:", "RE(3):") and a half- or full-width colon.
const REPLY_PREFIXES = [
  're',
  'fw',
  'fwd',
  'aw',
  'wg',
  'sv',
  '回复',
  '回覆',
  '答复',
  '转发',
  '轉寄',
];

/** Removes any number of leading reply/forward prefixes (`Re:`, `Fwd:`, `回复：`, ...). */
export function stripReplyPrefixes(subject: string): string {
  let i = 0;
  const n = subject.length;
  for (;;) {
    while (i < n && isBlank(subject.charCodeAt(i))) i++;
    const after = prefixEnd(subject, i);
    if (after < 0) break;
    i = after;
  }
  return collapse(subject.slice(i));
}

function prefixEnd(s: string, i: number): number {
  for (const p of REPLY_PREFIXES) {
    if (s.length - i < p.length + 1 || !startsWithCi(s, i, p)) continue;
    let j = i + p.length;
    // optional "[2]" or "(2)" counter, at most 4 digits
    const open = s[j];
    if (open === '[' || open === '(') {
      let k = j + 1;
      while (k < s.length && k - j <= 4 && s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) k++;
      if (k > j + 1 && (s[k] === ']' || s[k] === ')')) j = k + 1;
    }
    while (j < s.length && s[j] === ' ') j++;
    if (s[j] === ':' || s[j] === '：') return j + 1;
  }
  return -1;
}

/** `s` has the lowercase prefix `p` at `i`, ASCII letters compared case-insensitively. */
function startsWithCi(s: string, i: number, p: string): boolean {
  for (let k = 0; k < p.length; k++) {
    let c = s.charCodeAt(i + k);
    if (c >= 65 && c <= 90) c |= 32;
    if (c !== p.charCodeAt(k)) return false;
  }
  return true;
}

const isBlank = (c: number) => c === 32 || c === 9 || c === 0x3000 || c === 0xa0;

/** Collapses runs of whitespace (including control characters) into one space and trims. */
export function collapse(s: string): string {
  const parts: string[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    while (i < n && isSpaceLike(s.charCodeAt(i))) i++;
    const start = i;
    while (i < n && !isSpaceLike(s.charCodeAt(i))) i++;
    if (i > start) parts.push(s.slice(start, i));
  }
  return parts.join(' ');
}

const isSpaceLike = (c: number) => c <= 32 || c === 0x3000 || c === 0xa0 || c === 0x7f;

/**
 * The default ticket-number pattern: `TK-` and 1–12 digits, after a marker that shows the
 * sender meant a reference: `[#TK-123]`, `[TK-123]`, `(TK-123)`, `（TK-123）`, `#TK-123`,
 * `工单号: TK-123`, `工单 TK-123`, `Ticket TK-123`. Case-insensitive; linear (no nested quantifiers).
 */
export const DEFAULT_TICKET_NUMBER_PATTERN =
  /(?:\[#?|[(（]|#|工单号?[:：#]? ?|[Tt]icket:? ?#?)\s?(TK-\d{1,12})(?!\d)/i;

/** Every ticket number in `text`, in order, deduplicated (capture group 1, else the whole match). */
export function extractNumbers(text: string, pattern: RegExp, upper: boolean): string[] {
  const re = new RegExp(
    pattern.source,
    pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`,
  );
  const seen = new Set<string>();
  for (const m of text.matchAll(re)) {
    const raw = m[1] ?? m[0];
    if (!raw) continue;
    const v = upper ? raw.toUpperCase() : raw;
    seen.add(v);
  }
  return [...seen];
}

/** Splits text into lines on \r\n, \n or \r. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\n|\r/);
}

const SEPARATORS = [
  '-----original message-----',
  '----- original message -----',
  '-----原始邮件-----',
  '----- 原始邮件 -----',
  '---- 回复的原邮件 ----',
  '------------------ 原始邮件 ------------------',
  '----- forwarded message -----',
];

function isQuoteLine(line: string): boolean {
  let i = 0;
  while (i < line.length && isBlank(line.charCodeAt(i))) i++;
  return line[i] === '>' || line[i] === '＞';
}

function isSeparator(trimmed: string): boolean {
  const lower = trimmed.toLowerCase();
  for (const s of SEPARATORS) if (lower === s) return true;
  // Outlook: a line of underscores followed by "From:" / "发件人:" (checked by the caller).
  return false;
}

/** "On <date>, <name> wrote:" (possibly wrapped onto the next line) or "在 <date>，<name> 写道：". */
function attributionLength(lines: readonly string[], k: number): number {
  const t = lines[k]!.trim();
  if (t.length > 500) return 0;
  const lower = t.toLowerCase();
  if (lower.startsWith('on ')) {
    if (lower.endsWith('wrote:')) return 1;
    const next = (lines[k + 1] ?? '').trim().toLowerCase();
    if (next === 'wrote:' || (next.endsWith(' wrote:') && next.length < 200)) return 2;
    return 0;
  }
  if (t.startsWith('在') && (t.endsWith('写道：') || t.endsWith('写道:'))) return 1;
  if (t.startsWith('於') && (t.endsWith('寫道：') || t.endsWith('寫道:'))) return 1;
  return 0;
}

function isOutlookHeader(lines: readonly string[], k: number): boolean {
  const t = lines[k]!.trim();
  if (t.length < 10 || !/^_{10,80}$/.test(t.slice(0, 80))) return false;
  const next = (lines[k + 1] ?? '').trim().toLowerCase();
  return next.startsWith('from:') || next.startsWith('发件人:') || next.startsWith('发件人：');
}

/**
 * Removes quoted history from a reply: lines starting with `>`, the attribution line before them
 * ("On … wrote:", "在 … 写道："), and everything from a forwarded-message separator
 * ("-----Original Message-----", "-----原始邮件-----", an Outlook "____ / From:" block) or from
 * an attribution line that is not followed by `>` lines (clients that paste the original
 * unquoted). Text written between quoted blocks (inline answers) is kept.
 */
export function stripQuoted(text: string): string {
  const lines = splitLines(text);
  const kept: string[] = [];
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k]!;
    if (line === '') {
      kept.push(line);
      continue;
    }
    if (isQuoteLine(line)) continue;
    const trimmed = line.trim();
    if (isSeparator(trimmed) || isOutlookHeader(lines, k)) break;
    const attribution = attributionLength(lines, k);
    if (attribution > 0) {
      let m = k + attribution;
      while (m < lines.length && lines[m]!.trim() === '') m++;
      if (m < lines.length && isQuoteLine(lines[m]!)) {
        k += attribution - 1;
        continue;
      }
      break;
    }
    kept.push(line.trimEnd());
  }
  // Trim blank lines at both ends and squeeze runs of blank lines to one.
  const out: string[] = [];
  for (const line of kept) {
    if (line === '' && (out.length === 0 || out[out.length - 1] === '')) continue;
    out.push(line);
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out.join('\n');
}

let segmenter: Intl.Segmenter | undefined;

/**
 * A short title from free text: the first non-blank line, at most `max` characters, cut at a
 * grapheme boundary (never inside a surrogate pair or emoji sequence) and, for text with spaces,
 * at a word boundary when one is near the end. Adds '…' when cut.
 */
export function shortTitle(text: string, max: number): string {
  let first = '';
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    // Look at a bounded prefix of the line only.
    const line = collapse(text.slice(start, Math.min(end, start + max * 8)));
    if (line !== '') {
      first = line;
      break;
    }
    start = end + 1;
  }
  if (first.length <= max) return first;
  segmenter ??= new Intl.Segmenter('und', { granularity: 'grapheme' });
  let cut = 0;
  for (const { segment, index } of segmenter.segment(first)) {
    if (index + segment.length > max - 1) break;
    cut = index + segment.length;
  }
  let head = first.slice(0, cut);
  const space = head.lastIndexOf(' ');
  if (space >= Math.floor((max * 2) / 3)) head = head.slice(0, space);
  return `${head.trimEnd()}…`;
}
