/**
 * Min-cost assignment on a sparse bipartite graph where every row may also stay unassigned
 * at cost 0. Rows are jobs, columns are capacity slots, and only feasible pairs are edges
 * (`rowStart`/`col`/`cost` in CSR form, costs usually negative profits).
 *
 * Equivalent to the dense n×m problem with 0 for every infeasible cell (any perfect dense
 * matching drops to a partial one of equal cost, and a partial one extends to a dense one of
 * no higher cost since all costs are <= 0 there), but it reads only the feasible pairs: on
 * dispatch batches that is a fifth of the cells or less, and no n×m matrix is ever built.
 *
 * Algorithm: successive shortest augmenting paths (Hungarian / Jonker–Volgenant) with
 * Dijkstra over reduced costs and a binary heap. Each row owns a private "unassigned"
 * column of cost 0 (implicit, never stored); a row that ends there is reachable by no other
 * row, so it stays put. Duals: reduced cost c - u[row] - v[col] >= 0, tight on matched
 * edges, v <= 0 and v = 0 on free columns (the optimality conditions of the rectangular
 * problem); each search moves the duals of its tree by the usual Dijkstra potentials.
 *
 * @returns the column of each row, or -1 for a row left unassigned.
 */
export function sparseAssignment(
  rowStart: Int32Array,
  colIn: Int32Array,
  costIn: Float64Array,
  nRows: number,
  nCols: number,
): Int32Array {
  const UNASSIGNED = -2;
  const { col, cost, floor } = sortRows(rowStart, colIn, costIn, nRows);
  const u = new Float64Array(nRows);
  const v = new Float64Array(nCols);
  const rowCol = new Int32Array(nRows).fill(-1);
  const colRow = new Int32Array(nCols).fill(-1);

  // Start: each row takes its cheapest column (or stays unassigned when nothing costs < 0)
  // if that column is still free; column duals stay 0.
  const free = new Int32Array(nRows);
  let nFree = 0;
  for (let y = 0; y < nRows; y++) {
    let min = 0;
    let arg = -1;
    for (let e = rowStart[y]!; e < rowStart[y + 1]!; e++) {
      if (cost[e]! < min) {
        min = cost[e]!;
        arg = col[e]!;
      }
    }
    if (arg < 0) rowCol[y] = UNASSIGNED;
    else if (colRow[arg] === -1) {
      colRow[arg] = y;
      rowCol[y] = arg;
    } else free[nFree++] = y;
  }
  nFree = augmentingRowReduction(rowStart, col, cost, nRows, v, rowCol, colRow, free, nFree);
  // Row duals: tight on the matched edge (the reduction leaves each matched row on a column
  // of minimum c - v, so every reduced cost stays >= 0); a free row gets that minimum.
  for (let y = 0; y < nRows; y++) {
    const x = rowCol[y]!;
    if (x === UNASSIGNED) continue;
    let min = 0;
    for (let e = rowStart[y]!; e < rowStart[y + 1]!; e++) {
      const h = cost[e]! - v[col[e]!]!;
      if (x >= 0 ? col[e] === x : h < min) min = h;
    }
    u[y] = min;
  }

  const dist = new Float64Array(nCols).fill(Number.POSITIVE_INFINITY);
  const pred = new Int32Array(nCols);
  const done = new Uint8Array(nCols);
  const touched = new Int32Array(nCols);
  const tree = new Int32Array(nCols);
  // Binary heap of the reached, unsettled columns keyed by distance, with each column's
  // slot in `pos` so an improved distance sifts up in place (no stale entries to pop).
  const heapKey = new Float64Array(nCols);
  const heapCol = new Int32Array(nCols);
  const pos = new Int32Array(nCols).fill(-1);

  for (let f = 0; f < nFree; f++) {
    const root = free[f]!;
    let nTouched = 0;
    let nTree = 0;
    let size = 0;
    // Best "leave this row unassigned" exit among the tree rows: distance and row.
    let exitDist = -u[root]!;
    // Distance of the nearest free column reached so far: the search ends by then.
    let nearestFree = Number.POSITIVE_INFINITY;
    let exitRow = root;
    let y = root;
    let dy = 0;
    let end: number;
    let terminal = -1;
    for (;;) {
      // Relax the edges of row y, reached at distance dy.
      // Since v <= 0, dy + cost - uy bounds an edge's distance from below: once the row's
      // remaining edges (`floor`, a suffix minimum over the cost-sorted row) cannot come
      // in before the search ends, the rest of the row is skipped.
      const uy = u[y]!;
      const cut = Math.min(exitDist, nearestFree) - dy + uy;
      for (let e = rowStart[y]!; e < rowStart[y + 1]!; e++) {
        if (floor[e]! >= cut) break;
        const x = col[e]!;
        const d = dy + cost[e]! - v[x]! - uy;
        if (d < dist[x]!) {
          if (done[x]) continue;
          if (d < nearestFree && colRow[x] === -1) nearestFree = d;
          let i = pos[x]!;
          if (i < 0) {
            touched[nTouched++] = x;
            i = size++;
          }
          dist[x] = d;
          pred[x] = y;
          while (i > 0) {
            const p = (i - 1) >> 1;
            if (heapKey[p]! <= d) break;
            const pc = heapCol[p]!;
            heapKey[i] = heapKey[p]!;
            heapCol[i] = pc;
            pos[pc] = i;
            i = p;
          }
          heapKey[i] = d;
          heapCol[i] = x;
          pos[x] = i;
        }
      }
      // Pop the nearest reached column.
      let x = -1;
      let dx = Number.POSITIVE_INFINITY;
      if (size > 0) {
        x = heapCol[0]!;
        dx = heapKey[0]!;
      }
      if (exitDist <= dx) {
        end = exitDist;
        break;
      }
      pos[x] = -1;
      const lastKey = heapKey[--size]!;
      const lastCol = heapCol[size]!;
      if (size > 0) {
        let i = 0;
        for (;;) {
          let c = 2 * i + 1;
          if (c >= size) break;
          if (c + 1 < size && heapKey[c + 1]! < heapKey[c]!) c++;
          if (heapKey[c]! >= lastKey) break;
          const cc = heapCol[c]!;
          heapKey[i] = heapKey[c]!;
          heapCol[i] = cc;
          pos[cc] = i;
          i = c;
        }
        heapKey[i] = lastKey;
        heapCol[i] = lastCol;
        pos[lastCol] = i;
      }
      done[x] = 1;
      tree[nTree++] = x;
      if (colRow[x] === -1) {
        end = dx;
        terminal = x;
        break;
      }
      y = colRow[x]!;
      dy = dx;
      const leave = dy - u[y]!;
      if (leave < exitDist) {
        exitDist = leave;
        exitRow = y;
      }
    }
    // Dual update over the settled columns and their rows, then flip the path.
    u[root]! += end;
    for (let k = 0; k < nTree; k++) {
      const c = tree[k]!;
      if (c === terminal) continue;
      const delta = end - dist[c]!;
      v[c]! -= delta;
      u[colRow[c]!]! += delta;
    }
    let r = terminal >= 0 ? pred[terminal]! : exitRow;
    let c = terminal >= 0 ? terminal : UNASSIGNED;
    for (;;) {
      const prev = rowCol[r]!;
      rowCol[r] = c;
      if (c >= 0) colRow[c] = r;
      if (r === root) break;
      c = prev;
      r = pred[c]!;
    }
    for (let k = 0; k < nTouched; k++) {
      const t = touched[k]!;
      dist[t] = Number.POSITIVE_INFINITY;
      done[t] = 0;
      pos[t] = -1;
    }
  }
  for (let y = 0; y < nRows; y++) if (rowCol[y] === UNASSIGNED) rowCol[y] = -1;
  return rowCol;
}

/**
 * Jonker–Volgenant augmenting row reduction: a free row takes its cheapest column, lowering
 * that column's dual by the gap to its second-cheapest so the displaced owner looks
 * elsewhere; a row whose cheapest choice is its own cost-0 exit just stays unassigned.
 * Cheap (one scan of a row's edges per step) and, where many rows want the same few
 * columns, it settles most of them before any search. Column duals only go down and a
 * column once taken stays taken, so free columns keep zero duals.
 * Returns the number of rows still free, listed at the front of `free`.
 */
function augmentingRowReduction(
  rowStart: Int32Array,
  col: Int32Array,
  cost: Float64Array,
  nRows: number,
  v: Float64Array,
  rowCol: Int32Array,
  colRow: Int32Array,
  free: Int32Array,
  nFree: number,
): number {
  const UNASSIGNED = -2;
  let budget = 4 * nRows + 16;
  let queue: Int32Array = free;
  let next: Int32Array = new Int32Array(nRows);
  for (let pass = 0; pass < 2 && nFree > 0; pass++) {
    const count = nFree;
    nFree = 0;
    let k = 0;
    while (k < count) {
      const y = queue[k++]!;
      if (budget-- <= 0) {
        next[nFree++] = y;
        continue;
      }
      // Cheapest and second-cheapest of c - v, the exit (0, UNASSIGNED) included.
      let u1 = 0;
      let j1 = UNASSIGNED;
      let u2 = Number.POSITIVE_INFINITY;
      let j2 = -1;
      for (let e = rowStart[y]!; e < rowStart[y + 1]!; e++) {
        const x = col[e]!;
        const h = cost[e]! - v[x]!;
        if (h < u2) {
          if (h >= u1) {
            u2 = h;
            j2 = x;
          } else {
            u2 = u1;
            j2 = j1;
            u1 = h;
            j1 = x;
          }
        }
      }
      if (j1 === UNASSIGNED) {
        rowCol[y] = UNASSIGNED;
        continue;
      }
      let owner = colRow[j1]!;
      const strict = u1 < u2;
      if (strict) v[j1]! -= u2 - u1;
      else if (owner >= 0) {
        if (j2 === UNASSIGNED) {
          rowCol[y] = UNASSIGNED;
          continue;
        }
        j1 = j2;
        owner = colRow[j2]!;
      }
      if (owner >= 0) rowCol[owner] = -1;
      rowCol[y] = j1;
      colRow[j1] = y;
      if (owner >= 0) {
        if (strict) queue[--k] = owner;
        else next[nFree++] = owner;
      }
    }
    const t = queue;
    queue = next;
    next = t;
  }
  if (queue !== free) free.set(queue.subarray(0, nFree));
  return nFree;
}

/** Cost bands per row: enough for the search's cut to skip most of a row. */
const BANDS = 32;

/**
 * Copies each row's edges grouped into BANDS equal-width cost bands, cheapest band first
 * (a counting sort, linear in the row), and returns `floor`, the exact minimum cost of the
 * row's edges from each position on. Breaking on `floor` is exact however coarse the bands;
 * finer order would only let the cut come a few edges sooner.
 */
function sortRows(
  rowStart: Int32Array,
  col: Int32Array,
  cost: Float64Array,
  nRows: number,
): { col: Int32Array; cost: Float64Array; floor: Float64Array } {
  const nnz = rowStart[nRows]!;
  const sCol = new Int32Array(nnz);
  const sCost = new Float64Array(nnz);
  const floor = new Float64Array(nnz);
  const count = new Int32Array(BANDS + 1);
  for (let y = 0; y < nRows; y++) {
    const s = rowStart[y]!;
    const t = rowStart[y + 1]!;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let e = s; e < t; e++) {
      if (cost[e]! < lo) lo = cost[e]!;
      if (cost[e]! > hi) hi = cost[e]!;
    }
    if (t - s > 1 && hi > lo) {
      const scale = BANDS / (hi - lo);
      count.fill(0);
      for (let e = s; e < t; e++)
        count[Math.min(BANDS - 1, Math.floor((cost[e]! - lo) * scale)) + 1]!++;
      for (let b = 1; b <= BANDS; b++) count[b]! += count[b - 1]!;
      for (let e = s; e < t; e++) {
        const b = Math.min(BANDS - 1, Math.floor((cost[e]! - lo) * scale));
        const to = s + count[b]!++;
        sCol[to] = col[e]!;
        sCost[to] = cost[e]!;
      }
    } else {
      sCol.set(col.subarray(s, t), s);
      sCost.set(cost.subarray(s, t), s);
    }
    let m = Number.POSITIVE_INFINITY;
    for (let e = t - 1; e >= s; e--) {
      if (sCost[e]! < m) m = sCost[e]!;
      floor[e] = m;
    }
  }
  return { col: sCol, cost: sCost, floor };
}
