/** A binary min-heap of events ordered by (time, seq): ties run in scheduling order. @internal */
export class EventHeap<T> {
  private t: number[] = [];
  private s: number[] = [];
  private v: T[] = [];
  private seq = 0;

  get size(): number {
    return this.v.length;
  }

  push(time: number, value: T): void {
    const t = this.t;
    const s = this.s;
    const v = this.v;
    let i = v.length;
    const q = this.seq++;
    t.push(time);
    s.push(q);
    v.push(value);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (t[p]! < time || (t[p] === time && s[p]! < q)) break;
      t[i] = t[p]!;
      s[i] = s[p]!;
      v[i] = v[p]!;
      i = p;
    }
    t[i] = time;
    s[i] = q;
    v[i] = value;
  }

  peekTime(): number {
    return this.v.length ? this.t[0]! : Number.POSITIVE_INFINITY;
  }

  pop(): T | undefined {
    const t = this.t;
    const s = this.s;
    const v = this.v;
    const n = v.length;
    if (n === 0) return undefined;
    const top = v[0]!;
    const lt = t.pop()!;
    const ls = s.pop()!;
    const lv = v.pop()!;
    if (n > 1) {
      let i = 0;
      const m = n - 1;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= m) break;
        if (c + 1 < m && (t[c + 1]! < t[c]! || (t[c + 1] === t[c] && s[c + 1]! < s[c]!))) c++;
        if (lt < t[c]! || (lt === t[c] && ls < s[c]!)) break;
        t[i] = t[c]!;
        s[i] = s[c]!;
        v[i] = v[c]!;
        i = c;
      }
      t[i] = lt;
      s[i] = ls;
      v[i] = lv;
    }
    return top;
  }
}
