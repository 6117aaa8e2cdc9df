/**
 * The partial-pivoting factorisation `P A = L U` in place on a column-major float64 array (the
 * kernel behind lu.ts; the same pivots as LAPACK's getrf and the textbook elimination).
 *
 * Up to BASE columns it is right-looking and blocked by panels of NB = 8 columns: factor the panel
 * `P₁ [A₁₁; A₂₁] = [L₁₁; L₂₁] U₁₁` (elimination on eight columns), then, for the columns right of
 * it, `U₁₂ = L₁₁⁻¹ P₁ A₁₂` (the interchanges and an 8×8 unit-lower substitution held in
 * registers, one column at a time) and the trailing update `A₂₂ ← A₂₂ − L₂₁ U₁₂`, a product of
 * inner dimension 8 through the register-tiled `gemmAcc` (its 8×8 tile exactly), where nearly all
 * of the 2n³/3 flops go. Where the engine has WebAssembly SIMD, lu.ts factors in the kernel's
 * memory and the panels' trailing updates run in the f64x2 kernel of gemm-simd.ts
 * (`subProductSimd`), at every n (measured at n = 160–1024: 1.3–3× faster than splitting). In
 * JavaScript, wider matrices split the columns in two first (Toledo's recursive LU), so the big
 * trailing products keep their blocks in cache.
 */
import { gemmAcc } from './matmul.js';
import { lowerUnit8, solveLowerUnit, subProductSimd, type SimdWork } from './triangular.js';

/** Pivoting statistics gathered while factoring. */
export interface PivotStats {
  minPivot: number;
  exactlySingular: boolean;
}

/** Panel width: the inner dimension of each trailing update (one pass of the 8×8 kernel tile). */
const NB = 8;
/** Columns at which the recursive split stops and the right-looking panel loop takes over (JavaScript path; with SIMD, never split). */
const BASE = 128;

/**
 * Factors the n×n matrix in `a` (column stride `ld`) in place: afterwards it holds U on and above
 * the diagonal and L's multipliers below; `piv[k]` is the row swapped with row k at step k
 * (LAPACK's convention). With `simd`, `a` is the memory of the WebAssembly SIMD kernel (rows and
 * columns zero-padded to multiples of 4, ld too) and the panels' trailing updates run there.
 */
export function factorInPlace(a: Float64Array, n: number, ld: number, piv: Int32Array, st: PivotStats, simd?: SimdWork): void {
  factorColumns(a, n, ld, 0, n, piv, st, simd);
}

/** Factors columns j0..j0+w−1 (rows j0..n−1), which earlier columns have already updated. (subProductSimd's padding needs the panels to reach the last row: they do, unsplit.) */
function factorColumns(a: Float64Array, n: number, ld: number, j0: number, w: number, piv: Int32Array, st: PivotStats, simd?: SimdWork): void {
  if (simd || w <= BASE) {
    factorPanels(a, n, ld, j0, w, piv, st, simd);
    return;
  }
  const w1 = (w >> 1) & ~(NB - 1);
  const j1 = j0 + w1;
  factorColumns(a, n, ld, j0, w1, piv, st, simd);
  // A₁₂ ← L₁₁⁻¹ A₁₂, A₂₂ ← A₂₂ − L₂₁ A₁₂
  solveLowerUnit(w1, w - w1, a, j0 + j0 * ld, ld, a, j0 + j1 * ld, ld);
  gemmAcc(n - j1, w - w1, w1, -1, a, j1 + j0 * ld, ld, a, j0 + j1 * ld, 1, ld, a, j1 + j1 * ld, ld);
  factorColumns(a, n, ld, j1, w - w1, piv, st, simd);
}

/**
 * Right-looking elimination of columns j0..j1−1 by panels of NB columns; the interchanges reach
 * the columns right of each panel (within j0..j1−1) with its `U₁₂` solve, all other columns at
 * the end (like LAPACK's laswp, skipped when no row moved).
 */
function factorPanels(a: Float64Array, n: number, ld: number, j0: number, w: number, piv: Int32Array, st: PivotStats, simd?: SimdWork): void {
  const j1 = j0 + w;
  for (let k = j0; k < j1; k += NB) {
    const nb = Math.min(NB, j1 - k);
    factorPanel(a, n, ld, k, nb, piv, st);
    const k1 = k + nb;
    if (k1 < j1) {
      // here nb = NB: U₁₂ = L₁₁⁻¹ P₁ A₁₂, then A₂₂ ← A₂₂ − L₂₁ U₁₂
      swapSolve8(a, ld, k, k1, j1, piv);
      if (simd) subProductSimd(simd, n - k1, j1 - k1, NB, a, k1 + k * ld, ld, k + k1 * ld, ld, k1 + k1 * ld, ld);
      else gemmAcc(n - k1, j1 - k1, NB, -1, a, k1 + k * ld, ld, a, k + k1 * ld, 1, ld, a, k1 + k1 * ld, ld);
    }
  }
  swapOthers(a, n, ld, j0, j1, piv);
}

/**
 * Elimination with partial pivoting on the panel of columns k..k+w−1 (w ≤ 8), rows k..n−1,
 * left-looking: column j first takes the updates of the panel's earlier columns (rows above j by
 * substitution with the unit lower triangle; rows ≥ j less `Σ_c L[i, c] a[c, j]` in one pass that
 * also scales column j−1 by its pivot's reciprocal and finds column j's pivot), then its pivot
 * row is swapped into place across the panel. Nine passes over the rows in all.
 */
function factorPanel(a: Float64Array, n: number, ld: number, k: number, w: number, piv: Int32Array, st: PivotStats): void {
  const ck = k * ld;
  let invPrev = 0;
  for (let jj = 0; jj < w; jj++) {
    const j = k + jj;
    const cj = j * ld;
    // rows k..j−1: the unit-lower substitution with the panel's first jj columns
    for (let c = 0; c < jj; c++) {
      const u = a[cj + k + c]!;
      const cc = ck + c * ld;
      for (let i = k + c + 1; i < j; i++) a[cj + i]! -= a[cc + i]! * u;
    }
    let p = j;
    let best = -1;
    if (jj === 0) {
      for (let i = j; i < n; i++) {
        const v = Math.abs(a[cj + i]!);
        if (v > best) {
          best = v;
          p = i;
        }
      }
    } else {
      // l = L[i, j−1] (scaled now); x = a[i, j] − Σ_{c < jj−1} L[i, k+c]·u_c − l·u_{jj−1}
      const cl = cj - ld;
      const ul = a[cj + j - 1]!;
      // up to seven earlier columns, zero-padded (a padded term reads column k with weight 0)
      const t = jj - 1;
      const u0 = t > 0 ? a[cj + k]! : 0, u1 = t > 1 ? a[cj + k + 1]! : 0, u2 = t > 2 ? a[cj + k + 2]! : 0;
      const c0 = ck, c1 = t > 1 ? ck + ld : ck, c2 = t > 2 ? ck + 2 * ld : ck;
      if (t <= 3) {
        for (let i = j; i < n; i++) {
          const l = a[cl + i]! * invPrev;
          a[cl + i] = l;
          const x = a[cj + i]! - (a[c0 + i]! * u0 + a[c1 + i]! * u1 + a[c2 + i]! * u2 + l * ul);
          a[cj + i] = x;
          const v = Math.abs(x);
          if (v > best) {
            best = v;
            p = i;
          }
        }
      } else {
        const u3 = a[cj + k + 3]!, u4 = t > 4 ? a[cj + k + 4]! : 0, u5 = t > 5 ? a[cj + k + 5]! : 0;
        const c3 = ck + 3 * ld, c4 = t > 4 ? ck + 4 * ld : ck, c5 = t > 5 ? ck + 5 * ld : ck;
        for (let i = j; i < n; i++) {
          const l = a[cl + i]! * invPrev;
          a[cl + i] = l;
          const x = a[cj + i]! - (a[c0 + i]! * u0 + a[c1 + i]! * u1 + a[c2 + i]! * u2 + a[c3 + i]! * u3 + a[c4 + i]! * u4 + a[c5 + i]! * u5 + l * ul);
          a[cj + i] = x;
          const v = Math.abs(x);
          if (v > best) {
            best = v;
            p = i;
          }
        }
      }
    }
    piv[j] = p;
    if (p !== j) {
      for (let cc = ck; cc < ck + w * ld; cc += ld) {
        const s = a[cc + j]!;
        a[cc + j] = a[cc + p]!;
        a[cc + p] = s;
      }
    }
    if (best < st.minPivot) st.minPivot = best;
    if (best === 0) {
      st.exactlySingular = true;
      invPrev = 0; // the column below the pivot is zero already; scaling by 0 keeps it so
    } else invPrev = 1 / a[cj + j]!;
  }
  const cl = (k + w - 1) * ld;
  for (let i = k + w; i < n; i++) a[cl + i]! *= invPrev;
}

/**
 * For columns c0..c1−1: the interchanges of the 8-column panel at k, then
 * `a[k..k+7, c] ← L₁₁⁻¹ a[k..k+7, c]` (the panel's unit lower triangle held in registers).
 */
function swapSolve8(a: Float64Array, ld: number, k: number, c0: number, c1: number, piv: Int32Array): void {
  let swaps = false;
  for (let t = k; t < k + NB; t++) if (piv[t] !== t) swaps = true;
  if (swaps) {
    for (let o = c0 * ld; o < c1 * ld; o += ld) {
      for (let t = k; t < k + NB; t++) {
        const p = piv[t]!;
        if (p === t) continue;
        const s = a[o + t]!;
        a[o + t] = a[o + p]!;
        a[o + p] = s;
      }
    }
  }
  lowerUnit8(c1 - c0, a, k + k * ld, ld, a, k + c0 * ld, ld);
}

/**
 * The interchanges of rows j0..j1−1 on the columns that have not taken them: every column outside
 * j0..j1−1, and within it each column those of the panels after its own.
 */
function swapOthers(a: Float64Array, n: number, ld: number, j0: number, j1: number, piv: Int32Array): void {
  let first = j0;
  while (first < j1 && piv[first] === first) first++;
  if (first === j1) return;
  for (let c = 0; c < n; c++) {
    const from = c < j0 || c >= j1 ? first : Math.max(first, j0 + ((c - j0) & ~(NB - 1)) + NB);
    const o = c * ld;
    for (let t = from; t < j1; t++) {
      const p = piv[t]!;
      if (p === t) continue;
      const s = a[o + t]!;
      a[o + t] = a[o + p]!;
      a[o + p] = s;
    }
  }
}
