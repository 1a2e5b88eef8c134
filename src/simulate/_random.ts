/**
 * Seeded randomness. Two kinds: a sequential stream (xoshiro128**, seeded by splitmix32) for
 * arrivals, and a stateless hash `unit(seed, i, k)` so that ticket i's k-th draw is the same
 * whatever order the events run in (common random numbers: two dispatch policies see the same
 * tickets, the same service work, the same customers).
 *
 * @internal
 */

function splitmix32(a: number): () => number {
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A xoshiro128** stream returning doubles in [0, 1) with 53 random bits. */
export function createStream(seed: number): () => number {
  const sm = splitmix32(seed >>> 0);
  let a = sm();
  let b = sm();
  let c = sm();
  let d = sm();
  const next32 = () => {
    const r = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return r;
  };
  return () => ((next32() >>> 5) * 67108864 + (next32() >>> 6)) / 9007199254740992;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A uniform double in (0, 1), a pure function of (seed, i, k). */
export function unit(seed: number, i: number, k: number): number {
  const h1 = fmix((seed ^ Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(k + 1, 0x27d4eb2f)) >>> 0);
  const h2 = fmix((h1 ^ Math.imul(i + 0x632be5ab, 0x85ebca77) ^ k) >>> 0);
  return ((h1 >>> 5) * 67108864 + (h2 >>> 6) + 0.5) / 9007199254740992;
}
