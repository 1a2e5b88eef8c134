/**
 * X5 (RELIABILITY.md): doubling the input to the intake text processors (HTML to text, quote
 * stripping, subject parsing) should at most double the time; the pass figure is <= 2.4x.
 * Pathological inputs target the places a backtracking or rescanning implementation goes
 * quadratic. A benchmark, not a unit test: timing ratios flake on a loaded machine.
 *
 *   npx tsx test/bench/intake-linear.bench.ts
 */
import { performance } from 'node:perf_hooks';
import {
  extractTicketNumbers,
  htmlToText,
  stripQuotedReply,
  stripReplyPrefixes,
} from '../../src/intake/index';

const RUNS = 7;
const MAX_RATIO = 2.4;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timeOf(fn: (s: string) => unknown, input: string): number {
  const samples: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    fn(input);
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

/** Ratio t(2n) / t(n), best of 4 attempts so a GC pause or a busy CPU does not fail the test. */
function scaling(fn: (s: string) => unknown, unit: string, n: number) {
  const small = unit.repeat(Math.ceil(n / unit.length));
  const large = small + small;
  for (let w = 0; w < 3; w++) fn(small); // warm up the JIT
  let best = { ratio: Number.POSITIVE_INFINITY, small: 0, large: 0 };
  for (let attempt = 0; attempt < 4 && best.ratio > MAX_RATIO; attempt++) {
    const a = timeOf(fn, small);
    const b = timeOf(fn, large);
    const ratio = b / Math.max(a, 0.05);
    if (ratio < best.ratio) best = { ratio, small: a, large: b };
  }
  return best;
}

const html = (s: string) => htmlToText(s, { maxLength: Number.MAX_SAFE_INTEGER });
const subject = (s: string) => extractTicketNumbers(stripReplyPrefixes(s));

const CASES: [string, (s: string) => unknown, string, number][] = [
  ['html: <<<<', html, '<', 200_000],
  ['html: &&&&', html, '&', 200_000],
  ['html: &#&#', html, '&#', 200_000],
  ['html: &amp (no ;)', html, '&amp', 200_000],
  ['html: unclosed tags', html, '<a b="1" ', 200_000],
  ['html: unclosed quote', html, '<a b="', 200_000],
  ['html: unclosed comments', html, '<!--', 200_000],
  ['html: <script> without end', html, '<script>', 200_000],
  ['html: </scrip near-misses', html, '<script></scrip', 200_000],
  ['html: unclosed <head>', html, '<head>', 200_000],
  ['html: unclosed <svg>', html, '<svg>x', 200_000],
  ['html: </ bogus', html, '</', 200_000],
  ['html: nested lists', html, '<ul><li>x', 200_000],
  ['html: ordinary markup', html, '<p>Hello <b>world</b> &amp; more</p>', 200_000],
  ['quote: > lines', stripQuotedReply, '> quoted\n', 200_000],
  ['quote: attributions', stripQuotedReply, 'On Mon, Ann wrote:\n\n> x\n', 200_000],
  ['quote: wrote lines', stripQuotedReply, 'On a\nwrote:\n', 200_000],
  ['quote: one long line', stripQuotedReply, 'On On On wrote', 200_000],
  ['quote: blank lines', stripQuotedReply, '\n', 200_000],
  ['subject: Re: Re:', subject, 'Re: ', 200_000],
  ['subject: 回复：', subject, '回复：', 200_000],
  ['subject: Re[1111', subject, 'Re[1111', 200_000],
  ['subject: [#[#', subject, '[#', 200_000],
  ['subject: [#TK-1', subject, '[#TK-123456789012345', 200_000],
  ['subject: 工单号', subject, '工单号: ', 200_000],
];

let worst = 0;
console.log(`X5 scaling, t(2n) / t(n), median of ${RUNS} runs, best of 4 attempts:`);
for (const [name, fn, unit, n] of CASES) {
  const { ratio, small, large } = scaling(fn, unit, n);
  worst = Math.max(worst, ratio);
  console.log(
    `  ${name.padEnd(28)} n=${n} ${small.toFixed(2)} ms -> 2n ${large.toFixed(2)} ms  x${ratio.toFixed(2)}`,
  );
}
console.log(
  `worst x${worst.toFixed(2)} (goal <= ${MAX_RATIO}x: ${worst <= MAX_RATIO ? 'met' : 'NOT met'})`,
);
