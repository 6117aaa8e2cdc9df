/**
 * LU factorisation with partial pivoting, and what it gives: determinants, log-determinants,
 * inverses, linear solves. Column-major float64 (DESIGN.md §1).
 *
 * `lu(X)` computes `P X = L U` (L unit lower triangular, U upper triangular) in place of a copy of
 * X: the packed result holds U on and above the diagonal and the multipliers of L below it.
 * Then `det X = sign(P) · Π U_ii`, `log|det X| = Σ log|U_ii|`, and `X⁻¹`, `X⁻¹B` come from
 * forward and back substitution.
 *
 * Singularity: a matrix counts as (numerically) singular when some pivot has
 * `|U_kk| ≤ n · eps · ‖X‖₁` (‖·‖₁ the maximum absolute column sum); then `inv`, `solve` and
 * `logdet` throw SingularMatrixError rather than return numbers dominated by rounding.
 */
import { DomainError, NotSquareError, ShapeError, SingularMatrixError, fmtShape } from '../errors.js';
import { Mat } from './mat.js';
import { gemmAcc } from './matmul.js';
import { assertFiniteFlat } from './ops.js';
import { solveLowerUnit, solveUpper } from './triangular.js';

export interface LU {
  readonly n: number;
  /** Packed factors: U on and above the diagonal, L's multipliers (unit diagonal implied) below. */
  readonly lu: Mat;
  /** LAPACK-style interchanges: at step k, row k was swapped with row `piv[k]` (≥ k). */
  readonly piv: Int32Array;
  /** Row order: row i of `P X` is row `perm[i]` of X. */
  readonly perm: Int32Array;
  /** `det P = ±1`. */
  readonly sign: 1 | -1;
  /** `‖X‖₁`, the maximum absolute column sum of the input. */
  readonly norm1: number;
  /** The smallest `|U_kk|` (Infinity for n = 0). */
  readonly minPivot: number;
  /** True when some pivot is exactly zero. */
  readonly exactlySingular: boolean;
}

const EPS = Number.EPSILON;

/** Columns at which the recursive factorisation stops and plain elimination takes over. */
const LEAF = 8;

/** Pivoting statistics gathered while factoring. */
interface PivotStats {
  sign: 1 | -1;
  minPivot: number;
  exactlySingular: boolean;
}

/**
 * Partial-pivoting LU of a square, finite X. Never throws for singular X (see `isSingular`).
 *
 * Recursive on the columns (Toledo's recursive LU, the same pivots as LAPACK's getrf): factor the
 * left half `P₁ [A₁₁; A₂₁] = [L₁₁; L₂₁] U₁₁`, then `U₁₂ = L₁₁⁻¹ A₁₂`, the trailing update
 * `A₂₂ ← A₂₂ − L₂₁ U₁₂` (one product through the register-tiled `gemmAcc`, where nearly all of
 * the 2n³/3 flops go), and factor `A₂₂`. Strips of at most LEAF columns use plain elimination.
 */
export function lu(X: Mat, what = 'lu'): LU {
  if (X.rows !== X.cols) throw new NotSquareError(what, X.shape);
  const n = X.rows;
  const a = new Float64Array(X.data);
  const piv = new Int32Array(n);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  // ‖X‖₁, and the finiteness check in the same pass (a non-finite entry makes the sum non-finite)
  let norm1 = 0;
  for (let j = 0; j < n; j++) {
    const c = j * n;
    let s0 = 0;
    let s1 = 0;
    let i = 0;
    for (; i + 1 < n; i += 2) {
      s0 += Math.abs(a[c + i]!);
      s1 += Math.abs(a[c + i + 1]!);
    }
    if (i < n) s0 += Math.abs(a[c + i]!);
    const s = s0 + s1;
    if (!Number.isFinite(s)) assertFiniteFlat(`${what}: input`, X.data, n);
    if (s > norm1) norm1 = s;
  }
  const st: PivotStats = { sign: 1, minPivot: Infinity, exactlySingular: false };
  factorColumns(a, n, 0, n, piv, st);
  // perm from the interchanges: row k of P X is row perm[k] of X.
  for (let k = 0; k < n; k++) {
    const p = piv[k]!;
    if (p !== k) {
      const t = perm[k]!;
      perm[k] = perm[p]!;
      perm[p] = t;
      st.sign = st.sign === 1 ? -1 : 1;
    }
  }
  return { n, lu: new Mat(n, n, a), piv, perm, norm1, ...st };
}

/** Factors columns j0..j0+w−1 (rows j0..n−1), which earlier columns have already updated. */
function factorColumns(a: Float64Array, n: number, j0: number, w: number, piv: Int32Array, st: PivotStats): void {
  if (w <= LEAF) {
    factorStrip(a, n, j0, w, piv, st);
    return;
  }
  const w1 = Math.max(LEAF, (w >> 1) & ~7);
  const j1 = j0 + w1;
  factorColumns(a, n, j0, w1, piv, st);
  // A₁₂ ← L₁₁⁻¹ A₁₂, A₂₂ ← A₂₂ − L₂₁ A₁₂
  solveLowerUnit(w1, w - w1, a, j0 + j0 * n, n, a, j0 + j1 * n, n);
  gemmAcc(n - j1, w - w1, w1, -1, a, j1 + j0 * n, n, a, j0 + j1 * n, 1, n, a, j1 + j1 * n, n);
  factorColumns(a, n, j1, w - w1, piv, st);
}

/**
 * Elimination with partial pivoting on the strip of columns j0..j0+w−1, left-looking: column j
 * first takes the updates of the strip's earlier columns (`a[k, j]`, k < j, from the unit lower
 * triangle; then rows ≥ j less `Σ_k L[i, k] a[k, j]`, four k at a time in one pass), then is
 * pivoted and scaled. Its row interchanges are applied to the strip at once and to every other
 * column afterwards (column by column, like LAPACK's laswp).
 */
function factorStrip(a: Float64Array, n: number, j0: number, w: number, piv: Int32Array, st: PivotStats): void {
  const j1 = j0 + w;
  for (let j = j0; j < j1; j++) {
    const cj = j * n;
    for (let k = j0; k < j; k++) {
      const u = a[cj + k]!;
      const ck = k * n;
      for (let i = k + 1; i < j; i++) a[cj + i]! -= a[ck + i]! * u;
    }
    // rows ≥ j less Σ_k L[i, k] a[k, j], four k at a time; the last pass also finds the pivot,
    // the largest |a_ij|, i ≥ j
    let k = j0;
    for (; k + 4 < j; k += 4) {
      const u0 = a[cj + k]!, u1 = a[cj + k + 1]!, u2 = a[cj + k + 2]!, u3 = a[cj + k + 3]!;
      const c0 = k * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
      for (let i = j; i < n; i++) a[cj + i]! -= a[c0 + i]! * u0 + a[c1 + i]! * u1 + a[c2 + i]! * u2 + a[c3 + i]! * u3;
    }
    const u0 = k < j ? a[cj + k]! : 0;
    const u1 = k + 1 < j ? a[cj + k + 1]! : 0;
    const u2 = k + 2 < j ? a[cj + k + 2]! : 0;
    const u3 = k + 3 < j ? a[cj + k + 3]! : 0;
    const c0 = Math.min(k, j - 1) * n;
    const c1 = Math.min(k + 1, j - 1) * n;
    const c2 = Math.min(k + 2, j - 1) * n;
    const c3 = Math.min(k + 3, j - 1) * n;
    let p = j;
    let best = -1;
    if (j === j0) {
      for (let i = j; i < n; i++) {
        const v = Math.abs(a[cj + i]!);
        if (v > best) {
          best = v;
          p = i;
        }
      }
    } else {
      for (let i = j; i < n; i++) {
        const x = a[cj + i]! - (a[c0 + i]! * u0 + a[c1 + i]! * u1 + a[c2 + i]! * u2 + a[c3 + i]! * u3);
        a[cj + i] = x;
        const v = Math.abs(x);
        if (v > best) {
          best = v;
          p = i;
        }
      }
    }
    piv[j] = p;
    if (p !== j) {
      for (let cc = j0 * n; cc < j1 * n; cc += n) {
        const t = a[cc + j]!;
        a[cc + j] = a[cc + p]!;
        a[cc + p] = t;
      }
    }
    if (best < st.minPivot) st.minPivot = best;
    if (best === 0) {
      st.exactlySingular = true;
      continue; // the column below the diagonal is already zero
    }
    const inv = 1 / a[cj + j]!;
    for (let i = j + 1; i < n; i++) a[cj + i]! *= inv;
  }
  // the strip's interchanges on the other columns (skipped when the strip kept its rows)
  let swaps = 0;
  for (let k = j0; k < j1; k++) if (piv[k] !== k) swaps++;
  if (swaps === 0) return;
  for (let j = 0; j < n; j++) {
    if (j === j0) {
      j = j1 - 1;
      continue;
    }
    const cj = j * n;
    for (let k = j0; k < j1; k++) {
      const p = piv[k]!;
      if (p === k) continue;
      const t = a[cj + k]!;
      a[cj + k] = a[cj + p]!;
      a[cj + p] = t;
    }
  }
}

/** True when some pivot is at most `n · eps · ‖X‖₁` (always true for an exactly singular X). */
export function isSingular(f: LU): boolean {
  return f.exactlySingular || (f.n > 0 && f.minPivot <= f.n * EPS * f.norm1);
}

function throwIfSingular(what: string, f: LU): void {
  if (isSingular(f)) {
    throw new SingularMatrixError(
      `${what}: the ${f.n}×${f.n} matrix is singular to working precision ` +
        `(smallest pivot ${f.minPivot.toExponential(3)} vs. ‖X‖₁ = ${f.norm1.toExponential(3)})`,
    );
  }
}

/** `det X = sign(P) · Π_k U_kk` (1 for the 0×0 matrix; 0, or a rounding-sized number, when singular). */
export function det(X: Mat): number {
  const f = lu(X, 'det');
  if (f.exactlySingular) return 0;
  const a = f.lu.data;
  let d: number = f.sign;
  for (let k = 0; k < f.n; k++) d *= a[k + k * f.n]!;
  return d;
}

/** `det X = sign · exp(logAbsDet)`, with `logAbsDet = Σ log|U_kk|`; `{0, −∞}` when a pivot is exactly zero. */
export function slogdet(X: Mat): { sign: number; logAbsDet: number } {
  return slogdetOf(lu(X, 'slogdet'));
}

function slogdetOf(f: LU): { sign: number; logAbsDet: number } {
  if (f.exactlySingular) return { sign: 0, logAbsDet: -Infinity };
  const a = f.lu.data;
  let sign: number = f.sign;
  let s = 0;
  for (let k = 0; k < f.n; k++) {
    const u = a[k + k * f.n]!;
    if (u < 0) sign = -sign;
    s += Math.log(Math.abs(u));
  }
  return { sign, logAbsDet: s };
}

/**
 * `log det X` for det X > 0. Throws SingularMatrixError when X is (numerically) singular and
 * DomainError when det X < 0 (the logarithm is undefined there; use slogdet for log|det X|).
 */
export function logdet(X: Mat): number {
  const f = lu(X, 'logdet');
  throwIfSingular('logdet (det X = 0, log undefined)', f);
  const { sign, logAbsDet } = slogdetOf(f);
  if (sign <= 0) {
    throw new DomainError(`logdet needs det X > 0, but det X < 0 here (det X = −exp(${logAbsDet.toPrecision(6)})); use slogdet for log|det X|`);
  }
  return logAbsDet;
}

/** `X = A⁻¹B` for square nonsingular A (n×n) and B n×r: `B ← P B`, then `L⁻¹`, then `U⁻¹` (blocked). */
export function solve(A: Mat, B: Mat): Mat {
  if (A.rows !== A.cols) throw new NotSquareError('solve', A.shape);
  if (B.rows !== A.rows) {
    throw new ShapeError(`solve: A is ${fmtShape(A.shape)} but B is ${fmtShape(B.shape)} (rows must match)`, [A.shape, B.shape]);
  }
  assertFiniteFlat('solve: right-hand side', B.data, B.rows);
  const f = lu(A, 'solve');
  throwIfSingular('solve', f);
  const n = f.n;
  const r = B.cols;
  const x = Float64Array.from(B.data);
  for (let k = 0; k < n; k++) {
    const p = f.piv[k]!;
    if (p === k) continue;
    for (let o = 0; o < n * r; o += n) {
      const t = x[o + k]!;
      x[o + k] = x[o + p]!;
      x[o + p] = t;
    }
  }
  const a = f.lu.data as Float64Array;
  solveLowerUnit(n, r, a, 0, n, x, 0, n);
  solveUpper(n, r, a, 0, n, x, 0, n);
  return new Mat(n, r, x);
}

/**
 * `X⁻¹ = U⁻¹ L⁻¹ P` (square, nonsingular). `L⁻¹` is lower triangular, so the forward solve of
 * the identity skips the zero columns right of each block (n³/3 flops), the back substitution
 * is a full blocked solve (n³), and the final `· P` moves column r to column perm[r]
 * (`P[r, perm[r]] = 1`). With the factorisation, 2n³ flops in all.
 */
export function inv(X: Mat): Mat {
  const f = lu(X, 'inv');
  throwIfSingular('inv', f);
  const n = f.n;
  const a = f.lu.data as Float64Array;
  const y = new Float64Array(n * n);
  for (let c = 0; c < n; c++) y[c + c * n] = 1;
  solveLowerUnit(n, n, a, 0, n, y, 0, n, true);
  solveUpper(n, n, a, 0, n, y, 0, n);
  const out = new Float64Array(n * n);
  for (let r = 0; r < n; r++) out.set(y.subarray(r * n, r * n + n), f.perm[r]! * n);
  return new Mat(n, n, out);
}
