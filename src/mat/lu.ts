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
import { simdWorkspace } from './gemm-simd.js';
import { factorInPlace, type PivotStats } from './lu-factor.js';
import { Mat, type MatData } from './mat.js';
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

/**
 * Two reused scratch arrays (the factors, and the inverse before its column permutation) for inv
 * and solve, whose factors never leave the call: a fresh array of n² doubles costs more than the
 * factorisation itself at n ≈ 100 (page faults). Up to SCRATCH_MAX entries; larger ones allocate.
 */
const scratchBufs = [new Float64Array(0), new Float64Array(0)];
const SCRATCH_MAX = 512 * 512;
function scratch(slot: 0 | 1, len: number): Float64Array {
  if (len > SCRATCH_MAX) return new Float64Array(len);
  let buf = scratchBufs[slot]!;
  if (buf.length < len) scratchBufs[slot] = buf = new Float64Array(Math.min(SCRATCH_MAX, Math.max(len, buf.length * 2)));
  return buf;
}

/**
 * Partial-pivoting LU of a square, finite X. Never throws for singular X (see `isSingular`).
 * The factorisation itself is lu-factor.ts (blocked right-looking panels, recursive above).
 */
export function lu(X: Mat, what = 'lu'): LU {
  if (X.rows !== X.cols) throw new NotSquareError(what, X.shape);
  return factorOf(X, new Float64Array(X.rows * X.rows), what);
}

/** The factors of a square X in the first scratch array: for callers whose factors never leave the call. */
function factorScratch(X: Mat, what: string): LU {
  if (X.rows !== X.cols) throw new NotSquareError(what, X.shape);
  return factorOf(X, scratch(0, X.rows * X.rows), what);
}

/** Smallest n factored in the memory of the WebAssembly SIMD kernel (below it the copies cost more than the kernel saves). */
const SIMD_MIN_N = 32;

/**
 * Factors X into `a` (at least n² long; the factors are its first n² entries). From SIMD_MIN_N up,
 * where the engine has WebAssembly SIMD, the elimination runs in the kernel's memory (rows and
 * columns padded to multiples of 4 with zeros) and the factors are copied back.
 */
function factorOf(X: Mat, a: Float64Array, what: string): LU {
  const n = X.rows;
  const ld = n >= SIMD_MIN_N ? (n + 3) & ~3 : n;
  const ws = n >= SIMD_MIN_N ? simdWorkspace((ld * ld + 8 * ld) * 8) : null;
  const work = ws ? ws.f64 : a;
  const stride = ws ? ld : n;
  const norm1 = copyNorm1(work, X.data, n, stride);
  if (!Number.isFinite(norm1)) assertFiniteFlat(`${what}: input`, X.data, n);
  if (ws && stride > n) work.fill(0, n * stride, stride * stride);
  const piv = new Int32Array(n);
  const st: PivotStats = { minPivot: Infinity, exactlySingular: false };
  factorInPlace(work, n, stride, piv, st, ws ? { kernel: ws.kernel, negU: stride * stride } : undefined);
  if (ws) {
    if (stride === n) a.set(work.subarray(0, n * n));
    else for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) a[i + j * n] = work[i + j * stride]!;
  }
  // perm from the interchanges: row k of P X is row perm[k] of X.
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  let sign: 1 | -1 = 1;
  for (let k = 0; k < n; k++) {
    const p = piv[k]!;
    if (p !== k) {
      const t = perm[k]!;
      perm[k] = perm[p]!;
      perm[p] = t;
      sign = sign === 1 ? -1 : 1;
    }
  }
  const factors = new Mat(n, n, a.length === n * n ? a : a.subarray(0, n * n));
  return { n, lu: factors, piv, perm, sign, norm1, minPivot: st.minPivot, exactlySingular: st.exactlySingular };
}

/**
 * `a ← x` (n×n; column stride `ld` in `a`, rows n..ld−1 zeroed) and `‖x‖₁`, the maximum absolute
 * column sum, in one pass (non-finite when an entry is).
 */
function copyNorm1(a: Float64Array, x: MatData, n: number, ld: number): number {
  let norm1 = 0;
  for (let j = 0; j < n; j++) {
    const c = j * n;
    const d = j * ld - c; // a[c + i + d] is row i of column j in a
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const v0 = x[c + i]!, v1 = x[c + i + 1]!, v2 = x[c + i + 2]!, v3 = x[c + i + 3]!;
      a[d + c + i] = v0;
      a[d + c + i + 1] = v1;
      a[d + c + i + 2] = v2;
      a[d + c + i + 3] = v3;
      s0 += Math.abs(v0);
      s1 += Math.abs(v1);
      s2 += Math.abs(v2);
      s3 += Math.abs(v3);
    }
    for (; i < n; i++) {
      const v = x[c + i]!;
      a[d + c + i] = v;
      s0 += Math.abs(v);
    }
    for (let r = n; r < ld; r++) a[j * ld + r] = 0;
    const s = s0 + s1 + (s2 + s3);
    if (s > norm1) norm1 = s;
    else if (s !== s) return NaN;
  }
  return norm1;
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
  const f = factorScratch(X, 'det');
  if (f.exactlySingular) return 0;
  const a = f.lu.data;
  let d: number = f.sign;
  for (let k = 0; k < f.n; k++) d *= a[k + k * f.n]!;
  return d;
}

/** `det X = sign · exp(logAbsDet)`, with `logAbsDet = Σ log|U_kk|`; `{0, −∞}` when a pivot is exactly zero. */
export function slogdet(X: Mat): { sign: number; logAbsDet: number } {
  return slogdetOf(factorScratch(X, 'slogdet'));
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
  const f = factorScratch(X, 'logdet');
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
  const n = A.rows;
  const f = factorScratch(A, 'solve');
  throwIfSingular('solve', f);
  const r = B.cols;
  const x = Float64Array.from(B.data);
  // x ← P x, column by column
  for (let o = 0; o < n * r; o += n) {
    for (let k = 0; k < n; k++) {
      const p = f.piv[k]!;
      if (p === k) continue;
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
  const f = factorScratch(X, 'inv');
  const n = f.n;
  throwIfSingular('inv', f);
  const a = f.lu.data as Float64Array;
  const y = scratch(1, n * n).fill(0, 0, n * n);
  for (let c = 0; c < n; c++) y[c + c * n] = 1;
  solveLowerUnit(n, n, a, 0, n, y, 0, n, true);
  solveUpper(n, n, a, 0, n, y, 0, n);
  const out = new Float64Array(n * n);
  if (n > 32) for (let r = 0; r < n; r++) out.set(y.subarray(r * n, r * n + n), f.perm[r]! * n);
  else {
    for (let r = 0; r < n; r++) {
      const src = r * n;
      const dst = f.perm[r]! * n;
      for (let i = 0; i < n; i++) out[dst + i] = y[src + i]!;
    }
  }
  return new Mat(n, n, out);
}
