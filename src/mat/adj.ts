/**
 * The adjugate adj(X) = Cᵀ (C the cofactor matrix, C_ij = (−1)^{i+j} det of X without row i and
 * column j), so that X·adj(X) = adj(X)·X = det(X)·I and d det(X) = tr(adj(X) dX) at every X,
 * singular or not. A nonsingular X gives det(X)·X⁻¹ (one LU); a singular one its cofactors.
 */
import { NotSquareError } from '../errors.js';
import { det, inv, isSingular, lu } from './lu.js';
import { Mat } from './mat.js';

export function adj(X: Mat): Mat {
  if (X.rows !== X.cols) throw new NotSquareError('adj', X.shape);
  const n = X.rows;
  if (n === 1) return Mat.scalar(1);
  if (!isSingular(lu(X, 'adj'))) {
    const d = det(X);
    const Xi = inv(X);
    return new Mat(n, n, Float64Array.from(Xi.data, (v) => v * d));
  }
  const out = new Float64Array(n * n);
  const minor = Mat.zeros(n - 1, n - 1);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      // minor without row i and column j
      for (let c = 0, cc = 0; c < n; c++) {
        if (c === j) continue;
        for (let r = 0, rr = 0; r < n; r++) {
          if (r === i) continue;
          minor.data[rr + cc * (n - 1)] = X.data[r + c * n]!;
          rr++;
        }
        cc++;
      }
      // adj(X)_ji = C_ij
      out[j + i * n] = ((i + j) % 2 === 0 ? 1 : -1) * det(minor);
    }
  }
  return new Mat(n, n, out);
}
