/**
 * Input checks for the dense symmetric solvers: square, finite, symmetric to rounding, and small
 * enough to hold (checked before anything is allocated). Every failure is a typed error that
 * names the problem.
 */
import { InvalidArgumentError, NonFiniteError, NotSquareError, NotSymmetricError, TooLargeError, fmtShape } from '../errors.js';
import { Mat } from '../mat/mat.js';

/** Largest n×n matrix a dense solver takes: 2^27 entries (1 GiB in float64 per copy). */
export const MAX_DENSE_ENTRIES = 2 ** 27;

/** Copies of n×n float64 a full decomposition holds at once (input copy, vectors, workspace). */
const COPIES_WITH_VECTORS = 3;

/**
 * |H_ij − H_ji| allowed, relative to max|H|: a few hundred units of the data's precision, so a
 * Hessian assembled in float32 on a GPU (or summed in a different order per triangle in float64)
 * passes, and a matrix that is simply not symmetric does not.
 */
export function symmetryTolerance(data: Float64Array | Float32Array): number {
  return (data instanceof Float32Array ? 2 ** -23 : 2 ** -52) * 512;
}

/**
 * Checks that `H` is a finite, square, symmetric (to rounding) matrix a dense solver can hold, and
 * returns a float64 copy of its symmetric part (H + Hᵀ)/2, column-major (the solvers overwrite it).
 */
export function symmetricCopy(H: unknown, what: string, withVectors: boolean): { n: number; a: Float64Array } {
  if (!(H instanceof Mat)) {
    throw new InvalidArgumentError(`${what} expects a Mat (build one with Mat.from(rows)), got ${H === null ? 'null' : typeof H}`);
  }
  if (H.rows !== H.cols) throw new NotSquareError(what, H.shape);
  const n = H.rows;
  if (n * n > MAX_DENSE_ENTRIES) {
    const copies = withVectors ? COPIES_WITH_VECTORS : 1;
    const bytes = n * n * 8 * copies;
    throw new TooLargeError(
      `${what}: a ${fmtShape(H.shape)} matrix needs ${copies} float64 copies (${(bytes / 2 ** 30).toFixed(1)} GiB); ` +
        `the dense solver takes at most ${Math.floor(Math.sqrt(MAX_DENSE_ENTRIES))}×${Math.floor(Math.sqrt(MAX_DENSE_ENTRIES))}: ` +
        'use hessianEigs (matrix-free Lanczos) for a few eigenvalues of a larger Hessian',
      bytes,
    );
  }
  const d = H.data;
  let maxAbs = 0;
  for (let k = 0; k < d.length; k++) {
    const v = d[k]!;
    if (!Number.isFinite(v)) {
      throw new NonFiniteError(`${what}: the matrix has a non-finite entry ${v} at (${(k % n) + 1}, ${Math.floor(k / n) + 1})`);
    }
    const av = Math.abs(v);
    if (av > maxAbs) maxAbs = av;
  }
  const tol = symmetryTolerance(d) * maxAbs;
  let worst = 0;
  let wi = 0;
  let wj = 0;
  for (let j = 0; j < n; j++) {
    for (let i = j + 1; i < n; i++) {
      const diff = Math.abs(d[i + j * n]! - d[j + i * n]!);
      if (diff > worst) {
        worst = diff;
        wi = i;
        wj = j;
      }
    }
  }
  if (worst > tol) {
    throw new NotSymmetricError(
      `${what} needs a symmetric matrix: H(${wi + 1}, ${wj + 1}) = ${d[wi + wj * n]} but H(${wj + 1}, ${wi + 1}) = ${d[wj + wi * n]} ` +
        `(difference ${worst.toExponential(3)}, more than rounding allows: ${tol.toExponential(3)})`,
      wi,
      wj,
      worst,
    );
  }
  const a = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    a[j + j * n] = d[j + j * n]!;
    for (let i = j + 1; i < n; i++) {
      const s = 0.5 * (d[i + j * n]! + d[j + i * n]!);
      a[i + j * n] = s;
      a[j + i * n] = s;
    }
  }
  return { n, a };
}
