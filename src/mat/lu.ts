/**
 * LU factorisation with partial pivoting, and what it gives: determinants, log-determinants,
 * inverses, linear solves. Column-major float64 (DESIGN.md §1).
 *
 * `lu(X)` computes `P X = L U` (L unit lower triangular, U upper triangular) in place of a copy of
 * X: the packed result holds U on and above the diagonal and the multipliers of L below it.
 * Then `det X = sign(P) · Π U_ii`, `log|det X| = Σ log|U_ii|`, and `X⁻¹`, `X⁻¹B` come from
 * forward and back substitution. Factors that never leave the call (inv, solve, det, logdet) live
 * in reused memory: the WebAssembly SIMD kernel's (gemm-simd.ts) from n = 32 up, where the panel
 * and block updates of the factorisation and the solves run in its f64x2 kernel, else a scratch
 * array (the JavaScript kernels of lu-factor.ts and triangular.ts).
 *
 * Singularity: a matrix counts as (numerically) singular when some pivot has
 * `|U_kk| ≤ n · eps · ‖X‖₁` (‖·‖₁ the maximum absolute column sum); then `inv`, `solve` and
 * `logdet` throw SingularMatrixError rather than return numbers dominated by rounding.
 */
import { DomainError, NotSquareError, ShapeError, SingularMatrixError, fmtShape } from '../errors.js';
import { newF64 } from './arena.js';
import { simdWorkspace } from './gemm-simd.js';
import { factorInPlace, type PivotStats } from './lu-factor.js';
import { Mat, type MatData } from './mat.js';
import { assertFiniteFlat } from './ops.js';
import { solveLowerUnit, solveUpper, type SimdWork } from './triangular.js';

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
  const n = X.rows;
  const w = factorize(X, what, 0, true);
  const a = new Float64Array(n * n);
  if (w.ld === n) a.set(w.a.subarray(0, n * n));
  else for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) a[i + j * n] = w.a[i + j * w.ld]!;
  return { n, lu: new Mat(n, n, a), piv: w.piv, perm: w.perm, sign: w.sign, norm1: w.norm1, minPivot: w.minPivot, exactlySingular: w.exactlySingular };
}

/** Smallest n factored in the memory of the WebAssembly SIMD kernel (below it the copies cost more than the kernel saves). */
const SIMD_MIN_N = 32;

/**
 * Factors that never leave the call (inv, solve, det, logdet, and lu before its copy):
 * `a[i + j·ld]`, in a reused scratch array, or, from SIMD_MIN_N up where the engine has
 * WebAssembly SIMD, in the kernel's memory (rows and columns zero-padded to multiples of 4) with
 * `simd` set and room after them for an n × rhsCols right-hand side at `rhs` (same padding).
 */
interface Factors extends Omit<LU, 'lu'> {
  readonly a: Float64Array;
  readonly ld: number;
  readonly simd: SimdWork | null;
  readonly rhs: number;
}

/** The interchanges and row order of factors that never leave the call, reused (exactly n long). */
let scratchPiv = new Int32Array(0);
let scratchPerm = new Int32Array(0);

/** `own`: piv and perm of their own (lu hands them out), else reused arrays. */
function factorize(X: Mat, what: string, rhsCols: number, own = false): Factors {
  if (X.rows !== X.cols) throw new NotSquareError(what, X.shape);
  const n = X.rows;
  let ws: ReturnType<typeof simdWorkspace> = null;
  let ld = n;
  let rhs = 0;
  let simd: SimdWork | null = null;
  if (n >= SIMD_MIN_N) {
    ld = (n + 3) & ~3;
    const rp = (rhsCols + 3) & ~3;
    // the factors, the solves' room for 8 × (columns rounded up to 4), the right-hand side
    rhs = ld * ld + 8 * Math.max(ld, rp);
    ws = simdWorkspace((rhs + ld * rp) * 8);
    if (ws) simd = { kernel: ws.kernel, scratch: ld * ld };
    else ld = n;
  }
  const a = ws ? ws.f64 : scratch(0, n * n);
  const norm1 = copyNorm1(a, X.data, n, ld);
  if (!Number.isFinite(norm1)) assertFiniteFlat(`${what}: input`, X.data, n);
  if (ld > n) a.fill(0, n * ld, ld * ld);
  if (!own && scratchPiv.length !== n) {
    scratchPiv = new Int32Array(n);
    scratchPerm = new Int32Array(n);
  }
  const piv = own ? new Int32Array(n) : scratchPiv;
  const st: PivotStats = { minPivot: Infinity, exactlySingular: false };
  factorInPlace(a, n, ld, piv, st, simd ?? undefined);
  // perm from the interchanges: row k of P X is row perm[k] of X.
  const perm = own ? new Int32Array(n) : scratchPerm;
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
  return { n, a, ld, simd, rhs, piv, perm, sign, norm1, minPivot: st.minPivot, exactlySingular: st.exactlySingular };
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

type PivotSummary = Pick<LU, 'n' | 'exactlySingular' | 'minPivot' | 'norm1'>;

/** True when some pivot is at most `n · eps · ‖X‖₁` (always true for an exactly singular X). */
export function isSingular(f: PivotSummary): boolean {
  return f.exactlySingular || (f.n > 0 && f.minPivot <= f.n * EPS * f.norm1);
}

function throwIfSingular(what: string, f: PivotSummary): void {
  if (isSingular(f)) {
    throw new SingularMatrixError(
      `${what}: the ${f.n}×${f.n} matrix is singular to working precision ` +
        `(smallest pivot ${f.minPivot.toExponential(3)} vs. ‖X‖₁ = ${f.norm1.toExponential(3)})`,
    );
  }
}

/** `det X = sign(P) · Π_k U_kk` (1 for the 0×0 matrix; 0, or a rounding-sized number, when singular). */
export function det(X: Mat): number {
  const f = factorize(X, 'det', 0);
  if (f.exactlySingular) return 0;
  let d: number = f.sign;
  for (let k = 0; k < f.n; k++) d *= f.a[k + k * f.ld]!;
  return d;
}

/** `det X = sign · exp(logAbsDet)`, with `logAbsDet = Σ log|U_kk|`; `{0, −∞}` when a pivot is exactly zero. */
export function slogdet(X: Mat): { sign: number; logAbsDet: number } {
  return slogdetOf(factorize(X, 'slogdet', 0));
}

function slogdetOf(f: Factors): { sign: number; logAbsDet: number } {
  if (f.exactlySingular) return { sign: 0, logAbsDet: -Infinity };
  let sign: number = f.sign;
  let s = 0;
  for (let k = 0; k < f.n; k++) {
    const u = f.a[k + k * f.ld]!;
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
  const f = factorize(X, 'logdet', 0);
  throwIfSingular('logdet (det X = 0, log undefined)', f);
  const { sign, logAbsDet } = slogdetOf(f);
  if (sign <= 0) {
    throw new DomainError(`logdet needs det X > 0, but det X < 0 here (det X = −exp(${logAbsDet.toPrecision(6)})); use slogdet for log|det X|`);
  }
  return logAbsDet;
}

/**
 * The right-hand side of a solve with the factors `f` (n × r, zero-padded like the factors):
 * in the SIMD kernel's memory after them, else a reused scratch array. Column stride f.ld.
 */
function rhsArea(f: Factors, r: number): { y: Float64Array; off: number } {
  if (f.simd) {
    f.a.fill(0, f.rhs, f.rhs + f.ld * ((r + 3) & ~3));
    return { y: f.a, off: f.rhs };
  }
  return { y: scratch(1, f.n * r).fill(0, 0, f.n * r), off: 0 };
}

/** `X = A⁻¹B` for square nonsingular A (n×n) and B n×r: `B ← P B`, then `L⁻¹`, then `U⁻¹` (blocked). */
export function solve(A: Mat, B: Mat): Mat {
  if (A.rows !== A.cols) throw new NotSquareError('solve', A.shape);
  if (B.rows !== A.rows) {
    throw new ShapeError(`solve: A is ${fmtShape(A.shape)} but B is ${fmtShape(B.shape)} (rows must match)`, [A.shape, B.shape]);
  }
  assertFiniteFlat('solve: right-hand side', B.data, B.rows);
  const n = A.rows;
  const r = B.cols;
  const f = factorize(A, 'solve', r);
  throwIfSingular('solve', f);
  const { ld, a, simd } = f;
  const { y, off } = rhsArea(f, r);
  // y ← P B, column by column: row k of P B is row perm[k] of B
  const b = B.data;
  for (let j = 0; j < r; j++) {
    const o = off + j * ld;
    for (let k = 0; k < n; k++) y[o + k] = b[f.perm[k]! + j * n]!;
  }
  solveLowerUnit(n, r, a, 0, ld, y, off, ld, false, simd ?? undefined);
  solveUpper(n, r, a, 0, ld, y, off, ld, simd ?? undefined);
  const x = newF64(n * r);
  if (ld === n && off === 0) x.set(y.subarray(0, n * r));
  else for (let j = 0; j < r; j++) for (let i = 0; i < n; i++) x[i + j * n] = y[off + i + j * ld]!;
  return new Mat(n, r, x);
}

/**
 * `X⁻¹ = U⁻¹ L⁻¹ P` (square, nonsingular). `L⁻¹` is lower triangular, so the forward solve of
 * the identity skips the zero columns right of each block (n³/3 flops), the back substitution
 * is a full blocked solve (n³), and the final `· P` moves column r to column perm[r]
 * (`P[r, perm[r]] = 1`). With the factorisation, 2n³ flops in all.
 */
export function inv(X: Mat): Mat {
  const f = factorize(X, 'inv', X.cols);
  const { n, ld, a, simd } = f;
  throwIfSingular('inv', f);
  const { y, off } = rhsArea(f, n);
  for (let c = 0; c < n; c++) y[off + c + c * ld] = 1;
  solveLowerUnit(n, n, a, 0, ld, y, off, ld, true, simd ?? undefined);
  solveUpper(n, n, a, 0, ld, y, off, ld, simd ?? undefined);
  const out = newF64(n * n);
  for (let r = 0; r < n; r++) {
    const src = off + r * ld;
    const dst = f.perm[r]! * n;
    if (n > 32) out.set(y.subarray(src, src + n), dst);
    else for (let i = 0; i < n; i++) out[dst + i] = y[src + i]!;
  }
  return new Mat(n, n, out);
}
