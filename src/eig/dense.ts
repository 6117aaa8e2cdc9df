/**
 * Dense symmetric eigen-decomposition in float64: `H = V Λ Vᵀ` with Λ ascending and V
 * orthonormal (DESIGN.md §1). Householder tridiagonalisation `H = Q T Qᵀ`, then the tridiagonal
 * problem `T = W Λ Wᵀ` (implicit QL for values, and for vectors at small n; divide-and-conquer
 * for vectors at large n), then `V = Q W`.
 */
import { InvalidArgumentError } from '../errors.js';
import { Mat } from '../mat/mat.js';
import { tridiagonalEigen } from './dc.js';
import { applyQ, tridiagonalize } from './tridiag.js';
import { sortAscending, tql } from './tql.js';
import { symmetricCopy } from './validate.js';

/** Above this order the tridiagonal eigenvectors come from divide-and-conquer, below from implicit QL. */
export const DIVIDE_ABOVE = 32;

/** An eigen-decomposition: `values` ascending, column k of `vectors` ↔ values[k]. */
export interface Eigh {
  readonly values: Float64Array;
  readonly vectors: Mat;
}

/**
 * Scales `a` into a range where squaring neither overflows nor underflows (as LAPACK dsyev does);
 * returns the factor to multiply the eigenvalues by afterwards.
 */
function rescale(a: Float64Array): number {
  let maxAbs = 0;
  for (let k = 0; k < a.length; k++) maxAbs = Math.max(maxAbs, Math.abs(a[k]!));
  if (maxAbs === 0 || (maxAbs > 1e-140 && maxAbs < 1e140)) return 1;
  const s = 1 / maxAbs;
  for (let k = 0; k < a.length; k++) a[k] = a[k]! * s;
  return maxAbs;
}

/** The symmetric tridiagonal T of `a` (overwritten with the reflectors). */
function reduce(a: Float64Array, n: number): { d: Float64Array; e: Float64Array; tau: Float64Array } {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const tau = new Float64Array(n);
  tridiagonalize(a, n, d, e, tau);
  return { d, e, tau };
}

/** Eigenvalues of a symmetric matrix, ascending (float64). Throws unless H is square, finite and symmetric to rounding. */
export function eigvalsh(H: Mat): Float64Array {
  const { n, a } = symmetricCopy(H, 'eigvalsh', false);
  const s = rescale(a);
  const { d, e } = reduce(a, n);
  tql(d, e, n);
  d.sort();
  if (s !== 1) for (let i = 0; i < n; i++) d[i] = d[i]! * s;
  return d;
}

/**
 * The decomposition up to the back-transformation: the reflectors of H = Q T Qᵀ (in `a`, `tau`),
 * the eigenvalues of T (ascending, already scaled back) and its eigenvectors W (n×n, column k ↔ values[k]).
 */
function decompose(H: Mat, what: string): { n: number; a: Float64Array; tau: Float64Array; values: Float64Array; W: Float64Array } {
  const { n, a } = symmetricCopy(H, what, true);
  const s = rescale(a);
  const { d, e, tau } = reduce(a, n);
  let values = d;
  let W: Float64Array;
  if (n > DIVIDE_ABOVE) {
    ({ values, W } = tridiagonalEigen(d, e, n));
  } else {
    W = new Float64Array(n * n);
    for (let i = 0; i < n; i++) W[i + i * n] = 1;
    tql(d, e, n, W, n);
    sortAscending(d, n, W, n);
  }
  if (s !== 1) for (let i = 0; i < n; i++) values[i] = values[i]! * s;
  return { n, a, tau, values, W };
}

/**
 * Eigenvalues (ascending) and orthonormal eigenvectors of a symmetric matrix (float64):
 * `H V = V diag(values)`, column k of `vectors` belongs to values[k], each column with its
 * largest-magnitude entry positive. Throws unless H is square, finite and symmetric to rounding.
 */
export function eigh(H: Mat): Eigh {
  const { n, a, tau, values, W } = decompose(H, 'eigh');
  applyQ(a, n, tau, W, n);
  fixSigns(W, n, n);
  return { values, vectors: new Mat(n, n, W) };
}

/**
 * Every eigenvalue of H (ascending) but the eigenvectors of the chosen positions only: column j
 * of `vectors` (n×k) belongs to values[positions[j]] (0-based), with the sign convention of
 * `eigh`. The same decomposition as `eigh`, with V = Q W formed for those k columns of W alone
 * (2n²k flops instead of 2n³ for the back-transformation).
 */
export function eighColumns(H: Mat, positions: readonly number[]): Eigh {
  const { n, a, tau, values, W } = decompose(H, 'eighColumns');
  const k = positions.length;
  const Z = new Float64Array(n * k);
  positions.forEach((p, j) => {
    if (!Number.isInteger(p) || p < 0 || p >= n) throw new InvalidArgumentError(`eighColumns: position ${String(p)} is not in 0…${n - 1}`);
    Z.set(W.subarray(p * n, (p + 1) * n), j * n);
  });
  applyQ(a, n, tau, Z, k);
  fixSigns(Z, n, k);
  return { values, vectors: new Mat(n, k, Z) };
}

/**
 * Every eigenvalue of H (ascending) now, eigenvectors later and only those asked for: one
 * decomposition, `columns(positions)` back-transforms the chosen columns of W (as `eighColumns`),
 * as often as wanted. For a caller that learns from the values which vectors it needs (Lanczos's
 * Rayleigh–Ritz steps).
 */
export function eighLazy(H: Mat): { values: Float64Array; columns(positions: readonly number[]): Mat } {
  const { n, a, tau, values, W } = decompose(H, 'eigh');
  return {
    values,
    columns(positions) {
      const k = positions.length;
      const Z = new Float64Array(n * k);
      positions.forEach((p, j) => Z.set(W.subarray(p * n, (p + 1) * n), j * n));
      applyQ(a, n, tau, Z, k);
      fixSigns(Z, n, k);
      return new Mat(n, k, Z);
    },
  };
}

/** Flips each column of `z` (rows×cols) so that its largest-magnitude entry (the first, on ties) is positive. */
export function fixSigns(z: Float64Array, rows: number, cols: number): void {
  for (let j = 0; j < cols; j++) {
    const c = j * rows;
    let best = 0;
    let at = c;
    for (let i = c; i < c + rows; i++) {
      const v = Math.abs(z[i]!);
      if (v > best) {
        best = v;
        at = i;
      }
    }
    if (z[at]! < 0) for (let i = c; i < c + rows; i++) z[i] = -z[i]!;
  }
}

/** ‖Hv − λv‖₂ for a column-major symmetric n×n H and a vector v of length n: an eigenpair's residual. */
export function eigResidual(H: Mat, v: ArrayLike<number>, lambda: number): number {
  const n = H.rows;
  let s = 0;
  for (let i = 0; i < n; i++) {
    // (Hv)_i = Σ_j H_ij v_j = Σ_j H_ji v_j by symmetry: column i of H is contiguous
    let hv = 0;
    for (let j = 0; j < n; j++) hv += H.data[j + i * n]! * v[j]!;
    s += (hv - lambda * v[i]!) ** 2;
  }
  return Math.sqrt(s);
}
