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
import { assertFiniteFlat } from './ops.js';

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

/** Partial-pivoting LU of a square, finite X. Never throws for singular X (see `isSingular`). */
export function lu(X: Mat, what = 'lu'): LU {
  if (X.rows !== X.cols) throw new NotSquareError(what, X.shape);
  const n = X.rows;
  assertFiniteFlat(`${what}: input`, X.data, n);
  const a = Float64Array.from(X.data);
  const piv = new Int32Array(n);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  let norm1 = 0;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.abs(a[i + j * n]!);
    if (s > norm1) norm1 = s;
  }
  let sign: 1 | -1 = 1;
  let minPivot = Infinity;
  let exactlySingular = false;
  for (let k = 0; k < n; k++) {
    const ck = k * n;
    // Pivot: the largest |a_ik|, i ≥ k.
    let p = k;
    let best = Math.abs(a[ck + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[ck + i]!);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    piv[k] = p;
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const cj = j * n;
        const t = a[cj + k]!;
        a[cj + k] = a[cj + p]!;
        a[cj + p] = t;
      }
      const t = perm[k]!;
      perm[k] = perm[p]!;
      perm[p] = t;
      sign = sign === 1 ? -1 : 1;
    }
    if (best < minPivot) minPivot = best;
    if (best === 0) {
      exactlySingular = true;
      continue; // the column below the diagonal is already zero
    }
    const inv = 1 / a[ck + k]!;
    for (let i = k + 1; i < n; i++) a[ck + i]! *= inv;
    // Trailing update A22 -= l21 · u12ᵀ, column by column (contiguous inner loop).
    for (let j = k + 1; j < n; j++) {
      const cj = j * n;
      const u = a[cj + k]!;
      if (u === 0) continue;
      for (let i = k + 1; i < n; i++) a[cj + i]! -= a[ck + i]! * u;
    }
  }
  return { n, lu: new Mat(n, n, a), piv, perm, sign, norm1, minPivot, exactlySingular };
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

/** Solves `L U x = P b` in place for each of the r columns of `b` (n×r, column-major). */
function substitute(f: LU, b: Float64Array, r: number): void {
  const n = f.n;
  const a = f.lu.data;
  const piv = f.piv;
  for (let c = 0; c < r; c++) {
    const o = c * n;
    // b ← P b
    for (let k = 0; k < n; k++) {
      const p = piv[k]!;
      if (p !== k) {
        const t = b[o + k]!;
        b[o + k] = b[o + p]!;
        b[o + p] = t;
      }
    }
    // Forward: L y = P b (unit diagonal), column-oriented.
    for (let k = 0; k < n; k++) {
      const yk = b[o + k]!;
      if (yk === 0) continue;
      const ck = k * n;
      for (let i = k + 1; i < n; i++) b[o + i]! -= a[ck + i]! * yk;
    }
    // Back: U x = y, column-oriented.
    for (let k = n - 1; k >= 0; k--) {
      const ck = k * n;
      const xk = b[o + k]! / a[ck + k]!;
      b[o + k] = xk;
      if (xk === 0) continue;
      for (let i = 0; i < k; i++) b[o + i]! -= a[ck + i]! * xk;
    }
  }
}

/** `X = A⁻¹B` for square nonsingular A (n×n) and B n×r. */
export function solve(A: Mat, B: Mat): Mat {
  if (A.rows !== A.cols) throw new NotSquareError('solve', A.shape);
  if (B.rows !== A.rows) {
    throw new ShapeError(`solve: A is ${fmtShape(A.shape)} but B is ${fmtShape(B.shape)} (rows must match)`, [A.shape, B.shape]);
  }
  assertFiniteFlat('solve: right-hand side', B.data, B.rows);
  const f = lu(A, 'solve');
  throwIfSingular('solve', f);
  const x = Float64Array.from(B.data);
  substitute(f, x, B.cols);
  return new Mat(B.rows, B.cols, x);
}

/**
 * `X⁻¹` (square, nonsingular), by solving `L U Y = P I` four columns at a time. Column c of
 * `P I` is the unit vector at row s = perm⁻¹(c), so its forward substitution starts at s
 * (the rows above stay zero); the back substitution shares each load of U across four columns.
 */
export function inv(X: Mat): Mat {
  const f = lu(X, 'inv');
  throwIfSingular('inv', f);
  const n = f.n;
  const a = f.lu.data as Float64Array;
  const start = new Int32Array(n);
  for (let k = 0; k < n; k++) start[f.perm[k]!] = k;
  const y = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    // forward: L y = e_s (unit lower triangular), from row s down
    const o = c * n;
    const s = start[c]!;
    y[o + s] = 1;
    for (let k = s; k < n; k++) {
      const yk = y[o + k]!;
      if (yk === 0) continue;
      const ck = k * n;
      for (let i = k + 1; i < n; i++) y[o + i]! -= a[ck + i]! * yk;
    }
  }
  // back: U x = y, four columns at a time
  let c = 0;
  for (; c + 4 <= n; c += 4) {
    const o0 = c * n;
    const o1 = o0 + n;
    const o2 = o1 + n;
    const o3 = o2 + n;
    for (let k = n - 1; k >= 0; k--) {
      const ck = k * n;
      const d = 1 / a[ck + k]!;
      const x0 = (y[o0 + k]! *= d);
      const x1 = (y[o1 + k]! *= d);
      const x2 = (y[o2 + k]! *= d);
      const x3 = (y[o3 + k]! *= d);
      for (let i = 0; i < k; i++) {
        const u = a[ck + i]!;
        y[o0 + i]! -= u * x0;
        y[o1 + i]! -= u * x1;
        y[o2 + i]! -= u * x2;
        y[o3 + i]! -= u * x3;
      }
    }
  }
  for (; c < n; c++) {
    const o = c * n;
    for (let k = n - 1; k >= 0; k--) {
      const ck = k * n;
      const xk = (y[o + k]! /= a[ck + k]!);
      for (let i = 0; i < k; i++) y[o + i]! -= a[ck + i]! * xk;
    }
  }
  return new Mat(n, n, y);
}
