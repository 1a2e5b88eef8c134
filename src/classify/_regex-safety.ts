// A static screen for regexes that can backtrack catastrophically. It is deliberately simple and
// conservative: it rejects the two constructs behind almost every real ReDoS report (a quantified
// group that itself contains a quantifier, and backreferences, which also rule out linear-time
// engines) and does not try to prove anything else safe. Overlapping alternations under a quantifier
// such as (a|a)* and polynomial patterns such as \d+\d+x are not detected.

export interface RegexProblem {
  code: 'nested_quantifier' | 'backreference';
  message: string;
}

interface Frame {
  start: number;
  repeated: boolean;
}

/** Reads a quantifier at `i`; returns its length and whether it can repeat more than once. */
function quantifierAt(src: string, i: number): { length: number; repeats: boolean } | undefined {
  const c = src[i];
  let length: number;
  let repeats: boolean;
  if (c === '*' || c === '+') {
    length = 1;
    repeats = true;
  } else if (c === '?') {
    length = 1;
    repeats = false;
  } else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i, i + 24));
    if (!m) return undefined;
    length = m[0].length;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
    repeats = max > 1;
  } else {
    return undefined;
  }
  if (src[i + length] === '?') length++;
  return { length, repeats };
}

export function checkRegexSafety(source: string): RegexProblem[] {
  const problems: RegexProblem[] = [];
  const stack: Frame[] = [{ start: 0, repeated: false }];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if ((next >= '1' && next <= '9') || (next === 'k' && source[i + 2] === '<')) {
        problems.push({
          code: 'backreference',
          message: `backreference "\\${next === 'k' ? 'k<…>' : next}" is not allowed: backreferences can take exponential time (ReDoS); match the text without referring back to a group`,
        });
      }
      i += 2;
      if ((next === 'u' || next === 'p' || next === 'P') && source[i] === '{') {
        const close = source.indexOf('}', i);
        i = close < 0 ? source.length : close + 1;
      }
      i = afterAtom(source, i, stack);
      continue;
    }
    if (c === '[') {
      i++;
      if (source[i] === '^') i++;
      if (source[i] === ']') i++;
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
      i = afterAtom(source, i + 1, stack);
      continue;
    }
    if (c === '(') {
      stack.push({ start: i, repeated: false });
      i++;
      continue;
    }
    if (c === ')') {
      const frame = stack.length > 1 ? stack.pop()! : { start: 0, repeated: false };
      const q = quantifierAt(source, i + 1);
      if (q?.repeats && frame.repeated) {
        const group = source.slice(frame.start, i + 1 + q.length);
        problems.push({
          code: 'nested_quantifier',
          message: `nested quantifier in "${group.length > 40 ? `${group.slice(0, 37)}...` : group}" can take exponential time (ReDoS); quantify either the group or its contents, not both (e.g. (a+)+ → a+)`,
        });
      }
      const parent = stack[stack.length - 1]!;
      if (frame.repeated || q?.repeats) parent.repeated = true;
      i += 1 + (q?.length ?? 0);
      continue;
    }
    i = afterAtom(source, i + 1, stack);
  }
  return problems;
}

/** Consumes a quantifier after an atom ending at `i`, marking the enclosing group as repeating. */
function afterAtom(source: string, i: number, stack: Frame[]): number {
  const q = quantifierAt(source, i);
  if (!q) return i;
  if (q.repeats) stack[stack.length - 1]!.repeated = true;
  return i + q.length;
}
