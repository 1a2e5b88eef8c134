/**
 * Bounded best-k selection. A binary heap whose root is the worst kept entry, so the
 * k-th score (the pruning bar) is read in O(1) and a better entry replaces it in O(log k).
 */
export interface Entry {
  idx: number;
  score: number;
  tieA: number;
  id: string;
}

/** True when a ranks strictly before b: higher score, then fewer assignedToday, then id. */
export function better(a: Entry, b: Entry): boolean {
  if (a.score !== b.score) return a.score > b.score;
  if (a.tieA !== b.tieA) return a.tieA < b.tieA;
  return a.id < b.id;
}

export class TopK {
  readonly heap: Entry[] = [];
  constructor(readonly k: number) {}

  get full(): boolean {
    return this.heap.length >= this.k;
  }

  /** The worst kept entry; only meaningful when full. */
  get worst(): Entry | undefined {
    return this.heap[0];
  }

  push(e: Entry): void {
    const h = this.heap;
    if (h.length < this.k) {
      h.push(e);
      let i = h.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!better(h[p]!, h[i]!)) break;
        [h[p], h[i]] = [h[i]!, h[p]!];
        i = p;
      }
      return;
    }
    if (!better(e, h[0]!)) return;
    h[0] = e;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && better(h[m]!, h[l]!)) m = l;
      if (r < n && better(h[m]!, h[r]!)) m = r;
      if (m === i) break;
      [h[m], h[i]] = [h[i]!, h[m]!];
      i = m;
    }
  }

  sorted(): Entry[] {
    return this.heap.slice().sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
  }
}
