/** Test reference: the numerator Jacobian of one term built densely, independently of any backend's assemble. */
import type { JacobianShape, KronTerm, OuterTerm } from '../../src/backend/backend.js';
import { ShapeError, fmtShape } from '../../src/errors.js';
import { commutation, kron as kronMat } from '../../src/mat/kron.js';
import { Mat } from '../../src/mat/mat.js';
import { matmul as matmulMat } from '../../src/mat/matmul.js';
import { diag, f64, transpose as transposeMat, vec } from '../../src/mat/ops.js';

/**
 * The numerator Jacobian of one term built densely and independently of `assemble`, the reference of the backend tests:
 *   Kron:  α · diag(vec S) · (Bᵀ ⊗ A) · diag(vec C) [· K_mn when transposed]   (pq × mn)
 *   Outer: α · vec(U) vec(V)ᵀ
 * Null A, B are identities of the implied size, null C, S all ones.
 */
export function materializeKronDense(term: KronTerm | OuterTerm, shape: JacobianShape): Mat {
  const { m, n, p, q } = shape;
  if (term.kind === 'outer') {
    const U = new Mat(p * q, 1, f64(term.U.data));
    const V = new Mat(1, m * n, f64(term.V.data));
    const J = matmulMat(U, V);
    return new Mat(J.rows, J.cols, J.data.map((v) => v * term.alpha));
  }
  const t = term.transposed;
  const A = term.A ?? Mat.eye(t ? n : m);
  const B = term.B ?? Mat.eye(t ? m : n);
  let J = kronMat(transposeMat(B), A);
  if (J.rows !== p * q || J.cols !== m * n) {
    throw new ShapeError(`materializeKronDense: Bᵀ⊗A is ${fmtShape(J.shape)}, expected ${p * q}×${m * n}`, [J.shape, [p * q, m * n]]);
  }
  if (term.S) J = matmulMat(diag(vec(term.S)), J);
  if (term.C) J = matmulMat(J, diag(vec(term.C)));
  if (t) J = matmulMat(J, commutation(m, n));
  return new Mat(J.rows, J.cols, J.data.map((v) => v * term.alpha));
}
