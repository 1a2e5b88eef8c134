/**
 * Kuhn–Munkres (Hungarian) for a dense n×m cost matrix, n rows <= m columns, minimising the
 * total cost; returns the column of each row. O(n²·m) worst case.
 *
 * Why this shape: a flat Float64Array and typed work arrays keep the inner loop free of
 * pointer chasing; row/column reduction plus a greedy pass on tight edges matches most rows
 * before any search; each remaining row runs one Dijkstra-style search whose potentials are
 * updated lazily, and columns tied at the current minimum slack are taken as a block
 * (ties are common: every infeasible pair costs the same 0).
 */
export function minCostAssignment(cost: Float64Array, n: number, m: number): Int32Array {
  if (n > m) throw new RangeError('minCostAssignment needs rows <= columns; transpose first');
  const rowDual = new Float64Array(n);
  const colDual = new Float64Array(m);
  const colRow = new Int32Array(m).fill(-1);
  const rowCol = new Int32Array(n).fill(-1);
  if (n === 0 || m === 0) return rowCol;

  for (let y = 0; y < n; y++) {
    let min = Number.POSITIVE_INFINITY;
    const base = y * m;
    for (let x = 0; x < m; x++) if (cost[base + x]! < min) min = cost[base + x]!;
    rowDual[y] = min;
  }
  // Column duals stay 0 on rectangular input: an unmatched column must keep a zero dual
  // for the optimality conditions of the rectangular problem to hold.
  if (n === m) {
    colDual.fill(Number.POSITIVE_INFINITY);
    for (let y = 0; y < n; y++) {
      const base = y * m;
      const dy = rowDual[y]!;
      for (let x = 0; x < m; x++) {
        const v = cost[base + x]! - dy;
        if (v < colDual[x]!) colDual[x] = v;
      }
    }
  }
  let unmatched = n;
  for (let y = 0; y < n; y++) {
    const base = y * m;
    const dy = rowDual[y]!;
    for (let x = 0; x < m; x++) {
      if (colRow[x] === -1 && cost[base + x]! - colDual[x]! === dy) {
        colRow[x] = y;
        rowCol[y] = x;
        unmatched--;
        break;
      }
    }
  }

  unmatched -= augmentingRowReduction(cost, n, m, colDual, rowCol, colRow);
  // Row duals that keep every reduced cost >= 0 and matched edges tight: each matched row
  // holds a column of minimum c - v (the reduction guarantees it), a free row gets that minimum.
  for (let y = 0; y < n; y++) {
    const base = y * m;
    if (rowCol[y]! >= 0) {
      rowDual[y] = cost[base + rowCol[y]!]! - colDual[rowCol[y]!]!;
      continue;
    }
    let min = Number.POSITIVE_INFINITY;
    for (let x = 0; x < m; x++) {
      const h = cost[base + x]! - colDual[x]!;
      if (h < min) min = h;
    }
    rowDual[y] = min;
  }

  const order = new Int32Array(m);
  const slack = new Float64Array(m);
  const pred = new Int32Array(m);
  for (let root = 0; unmatched > 0; root++) {
    if (rowCol[root] !== -1) continue;
    // Search: order[0, steps) are tree columns, order[steps, tight) are columns at the current
    // minimum slack waiting to be visited, order[tight, m) the rest.
    let base = root * m;
    let dy = rowDual[root]!;
    for (let x = 0; x < m; x++) {
      order[x] = x;
      slack[x] = cost[base + x]! - colDual[x]! - dy;
      pred[x] = root;
    }
    let tight = gatherMin(order, slack, 0, m);
    let level = slack[order[0]!]!;
    let steps = 1;
    let x = order[0]!;
    while (colRow[x] !== -1) {
      const y = colRow[x]!;
      base = y * m;
      dy = rowDual[y]! - level;
      for (let i = tight; i < m; i++) {
        const c = order[i]!;
        const v = cost[base + c]! - colDual[c]! - dy;
        if (v >= slack[c]!) continue;
        slack[c] = v;
        pred[c] = y;
        if (v === level) {
          order[i] = order[tight]!;
          order[tight++] = c;
        }
      }
      if (steps >= tight) {
        tight = gatherMin(order, slack, tight, m);
        level = slack[order[steps]!]!;
      }
      x = order[steps++]!;
    }
    // Lazy dual update along the tree, then flip the augmenting path.
    const end = slack[x]!;
    rowDual[root]! += end;
    for (let i = 0; i < steps - 1; i++) {
      const c = order[i]!;
      const d = end - slack[c]!;
      colDual[c]! -= d;
      rowDual[colRow[c]!]! += d;
    }
    let c = x;
    for (;;) {
      const y = pred[c]!;
      const next = rowCol[y]!;
      colRow[c] = y;
      rowCol[y] = c;
      if (y === root) break;
      c = next;
    }
    unmatched--;
  }
  return rowCol;
}

/** Moves the columns of order[from, to) with the smallest slack to the front; returns the end. */
function gatherMin(order: Int32Array, slack: Float64Array, from: number, to: number): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = from; i < to; i++) if (slack[order[i]!]! < min) min = slack[order[i]!]!;
  let end = from;
  for (let i = from; i < to; i++) {
    const c = order[i]!;
    if (slack[c] === min) {
      order[i] = order[end]!;
      order[end++] = c;
    }
  }
  return end;
}

/**
 * Jonker–Volgenant augmenting row reduction: a free row takes its cheapest column, lowering
 * that column's dual to the gap to its second-cheapest so the displaced owner looks elsewhere.
 * Cheap (one row scan per step) and, on dispatch matrices where many rows want the same few
 * columns, it settles most rows before the O(n·m) searches. Column duals only go down and a
 * column once taken stays taken, so a rectangular problem keeps zero duals on free columns.
 * Returns how many more rows are matched than before.
 */
function augmentingRowReduction(
  cost: Float64Array,
  n: number,
  m: number,
  colDual: Float64Array,
  rowCol: Int32Array,
  colRow: Int32Array,
): number {
  let free = new Int32Array(n);
  let nFree = 0;
  for (let y = 0; y < n; y++) if (rowCol[y] === -1) free[nFree++] = y;
  const before = nFree;
  let budget = 4 * n + 16;
  for (let pass = 0; pass < 2 && nFree > 0; pass++) {
    const queue = free;
    const count = nFree;
    free = new Int32Array(n);
    nFree = 0;
    let k = 0;
    while (k < count) {
      const y = queue[k++]!;
      if (budget-- <= 0) {
        free[nFree++] = y;
        continue;
      }
      const base = y * m;
      let u1 = Number.POSITIVE_INFINITY;
      let u2 = Number.POSITIVE_INFINITY;
      let j1 = -1;
      let j2 = -1;
      for (let x = 0; x < m; x++) {
        const h = cost[base + x]! - colDual[x]!;
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
      let owner = colRow[j1]!;
      const strict = u1 < u2;
      if (strict) colDual[j1]! -= u2 - u1;
      else if (owner >= 0 && j2 >= 0) {
        j1 = j2;
        owner = colRow[j2]!;
      }
      if (owner >= 0) rowCol[owner] = -1;
      rowCol[y] = j1;
      colRow[j1] = y;
      if (owner >= 0) {
        if (strict) queue[--k] = owner;
        else free[nFree++] = owner;
      }
    }
  }
  return before - nFree;
}
