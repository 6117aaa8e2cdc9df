/**
 * Elementwise and structural CPU kernels, float64, the reference every backend is checked
 * against. Conventions are DESIGN.md §1: storage is column-major, so `X.data` is `vec(X)` and
 * `X[i, j]` lives at `data[i + j·rows]`.
 *
 * Each operation comes in two forms: a `Mat` form that allocates its result, and (where it is a
 * hot path) a flat `…Into(out, …)` form over typed arrays that allocates nothing. The flat forms
 * assume `out` is large enough and, unless stated, may alias an input only when the operation is
 * elementwise.
 */
import { NonFiniteError, NotSquareError, ShapeError, fmtShape, type Shape } from '../errors.js';
import { newF64 } from './arena.js';
import { Mat, type MatData } from './mat.js';

/** Anything with a shape (a Mat, a backend tensor). */
export interface Shaped {
  readonly rows: number;
  readonly cols: number;
}

const shapeOf = (X: Shaped): Shape => [X.rows, X.cols];

/** Throws a ShapeError naming both shapes unless `A` and `B` have the same shape. */
export function assertSameShape(what: string, A: Shaped, B: Shaped): void {
  if (A.rows !== B.rows || A.cols !== B.cols) {
    throw new ShapeError(`${what}: shapes ${fmtShape(shapeOf(A))} and ${fmtShape(shapeOf(B))} do not match`, [shapeOf(A), shapeOf(B)]);
  }
}

/** The data as float64 (no copy when it already is). */
export function f64(data: MatData): Float64Array {
  return data instanceof Float64Array ? data : Float64Array.from(data);
}

// ---------------------------------------------------------------------------------------------
// vec / unvec / transpose

/** `vec(X)`: the mn×1 column stacking the columns of X; with column-major storage a copy of the data. */
export function vec(X: Mat): Mat {
  return new Mat(X.size, 1, Float64Array.from(X.data));
}

/** `unvec(v, m, n)`: the m×n matrix X with `vec(X) = v` (v is any vector, or matrix, with mn entries). */
export function unvec(v: Mat, m: number, n: number): Mat {
  if (!Number.isInteger(m) || !Number.isInteger(n) || m < 0 || n < 0 || v.size !== m * n) {
    throw new ShapeError(`unvec: cannot reshape ${fmtShape(v.shape)} (${v.size} entries) into ${m}×${n}`, [v.shape, [m, n]]);
  }
  return new Mat(m, n, Float64Array.from(v.data));
}

/**
 * Flat transpose: `out` (n×m) = `a`ᵀ for `a` m×n, i.e. `vec(out) = K_mn vec(a)`.
 * Blocked in 32×32 tiles so both the reads and the writes stay in cache. `out` must not alias `a`.
 */
export function transposeInto(out: Float64Array, a: MatData, m: number, n: number, aOff = 0, outOff = 0): Float64Array {
  const T = 32;
  for (let j0 = 0; j0 < n; j0 += T) {
    const j1 = Math.min(n, j0 + T);
    for (let i0 = 0; i0 < m; i0 += T) {
      const i1 = Math.min(m, i0 + T);
      for (let j = j0; j < j1; j++) {
        const src = aOff + j * m;
        for (let i = i0; i < i1; i++) out[outOff + j + i * n] = a[src + i]!;
      }
    }
  }
  return out;
}

/** `Xᵀ`: `(Xᵀ)[j, i] = X[i, j]`. */
export function transpose(X: Mat): Mat {
  const out = newF64(X.size);
  transposeInto(out, X.data, X.rows, X.cols);
  return new Mat(X.cols, X.rows, out);
}

// ---------------------------------------------------------------------------------------------
// elementwise

/** Flat `out = a + b` over `len` entries. */
export function addInto(out: Float64Array, a: MatData, b: MatData, len = out.length): Float64Array {
  for (let k = 0; k < len; k++) out[k] = a[k]! + b[k]!;
  return out;
}

/** Flat `out = a − b`. */
export function subInto(out: Float64Array, a: MatData, b: MatData, len = out.length): Float64Array {
  for (let k = 0; k < len; k++) out[k] = a[k]! - b[k]!;
  return out;
}

/** Flat `out = s·a`. */
export function scaleInto(out: Float64Array, a: MatData, s: number, len = out.length): Float64Array {
  for (let k = 0; k < len; k++) out[k] = s * a[k]!;
  return out;
}

/** Flat Hadamard product `out = a ⊙ b`, i.e. `vec(A⊙B) = diag(vec A) vec(B)`. */
export function hadamardInto(out: Float64Array, a: MatData, b: MatData, len = out.length): Float64Array {
  for (let k = 0; k < len; k++) out[k] = a[k]! * b[k]!;
  return out;
}

/** Flat elementwise quotient `out = a ⊘ b`. */
export function divideInto(out: Float64Array, a: MatData, b: MatData, len = out.length): Float64Array {
  for (let k = 0; k < len; k++) out[k] = a[k]! / b[k]!;
  return out;
}

function binary(what: string, A: Mat, B: Mat, kernel: (out: Float64Array, a: MatData, b: MatData) => Float64Array): Mat {
  assertSameShape(what, A, B);
  return new Mat(A.rows, A.cols, kernel(newF64(A.size), A.data, B.data));
}

/** `A + B` (same shape). */
export function add(A: Mat, B: Mat): Mat {
  return binary('add', A, B, addInto);
}

/** `A − B` (same shape). */
export function sub(A: Mat, B: Mat): Mat {
  return binary('sub', A, B, subInto);
}

/** `s·A`. */
export function scale(A: Mat, s: number): Mat {
  return new Mat(A.rows, A.cols, scaleInto(newF64(A.size), A.data, s));
}

/** `A ⊙ B` (Hadamard, same shape): `vec(A⊙B) = diag(vec A) vec(B)`. */
export function hadamard(A: Mat, B: Mat): Mat {
  return binary('hadamard', A, B, hadamardInto);
}

/** `A ⊘ B`, elementwise quotient (same shape). */
export function divide(A: Mat, B: Mat): Mat {
  return binary('divide', A, B, divideInto);
}

/** `f` applied entry by entry: `out[i, j] = f(X[i, j], i, j)`. */
export function map(X: Mat, f: (v: number, i: number, j: number) => number): Mat {
  const m = X.rows;
  const n = X.cols;
  const d = X.data;
  const out = newF64(X.size);
  for (let j = 0; j < n; j++) {
    const base = j * m;
    for (let i = 0; i < m; i++) out[base + i] = f(d[base + i]!, i, j);
  }
  return new Mat(m, n, out);
}

// ---------------------------------------------------------------------------------------------
// diag / trace / reductions

/**
 * `diag(x)` of a vector (n×1 or 1×n) is the n×n diagonal matrix with `x` on its diagonal
 * (`diag(vec A) vec(X) = vec(A⊙X)`); `diag(X)` of a square matrix is its diagonal as an n×1 column.
 * A 1×1 input gives itself. Anything else is a ShapeError.
 */
export function diag(X: Mat): Mat {
  const d = X.data;
  if (X.cols === 1 || X.rows === 1) {
    const n = X.size;
    const out = new Float64Array(n * n);
    for (let i = 0; i < n; i++) out[i + i * n] = d[i]!;
    return new Mat(n, n, out);
  }
  if (X.rows === X.cols) {
    const n = X.rows;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = d[i + i * n]!;
    return new Mat(n, 1, out);
  }
  throw new ShapeError(`diag needs a vector or a square matrix, got ${fmtShape(X.shape)}`, [X.shape]);
}

/** `tr(X) = Σ_i X_ii` (square X only). */
export function trace(X: Mat): number {
  if (X.rows !== X.cols) throw new NotSquareError('trace', X.shape);
  const n = X.rows;
  const d = X.data;
  let s = 0;
  for (let i = 0; i < n; i++) s += d[i + i * n]!;
  return s;
}

/** `Σ_ij X_ij = 1ᵀ vec(X)`. */
export function sumAll(X: Mat): number {
  const d = X.data;
  let s = 0;
  for (let k = 0; k < d.length; k++) s += d[k]!;
  return s;
}

/** Flat Frobenius norm `‖a‖_F = sqrt(Σ a_k²) = sqrt(tr(AᵀA))`, scaled so it neither overflows nor underflows. */
export function frobeniusFlat(a: MatData, len = a.length): number {
  let mx = 0;
  for (let k = 0; k < len; k++) {
    const v = Math.abs(a[k]!);
    if (v > mx || Number.isNaN(v)) mx = v;
  }
  if (mx === 0 || !Number.isFinite(mx)) return mx;
  const inv = 1 / mx;
  let s = 0;
  for (let k = 0; k < len; k++) {
    const v = a[k]! * inv;
    s += v * v;
  }
  return mx * Math.sqrt(s);
}

/** `‖X‖_F = sqrt(<X, X>_F)`. */
export function frobenius(X: Mat): number {
  return frobeniusFlat(X.data);
}

/** Frobenius inner product `<A, B>_F = Σ_ij A_ij B_ij = tr(AᵀB)`. */
export function frobeniusDot(A: Mat, B: Mat): number {
  assertSameShape('frobeniusDot', A, B);
  const a = A.data;
  const b = B.data;
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k]! * b[k]!;
  return s;
}

/** The relative error `‖A − B‖_F / max(‖B‖_F, tiny)`, B being the reference. NaN anywhere gives NaN. */
export function relError(A: Mat, B: Mat): number {
  assertSameShape('relError', A, B);
  const diff = new Float64Array(A.size);
  subInto(diff, A.data, B.data);
  return frobeniusFlat(diff) / Math.max(frobeniusFlat(B.data), 1e-300);
}

/** Largest `|A_ij − B_ij|`. */
export function maxAbsDiff(A: Mat, B: Mat): number {
  assertSameShape('maxAbsDiff', A, B);
  let mx = 0;
  for (let k = 0; k < A.size; k++) {
    const v = Math.abs(A.data[k]! - B.data[k]!);
    if (v > mx || Number.isNaN(v)) mx = v;
  }
  return mx;
}

/** Throws NonFiniteError naming the first NaN/Inf entry (1-based) of a flat column-major array. */
export function assertFiniteFlat(what: string, a: MatData, m: number): void {
  for (let k = 0; k < a.length; k++) {
    if (!Number.isFinite(a[k]!)) {
      throw new NonFiniteError(`${what} has a non-finite entry ${a[k]} at (${(k % m) + 1}, ${Math.floor(k / m) + 1})`);
    }
  }
}
