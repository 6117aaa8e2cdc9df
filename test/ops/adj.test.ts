/**
 * adj (the adjugate) and the adjugate form of d det(X) = tr(adj(X) dX), which holds at singular
 * X too: values against cofactors written out here, derivatives by every method in both layouts.
 */
import { describe, expect, it } from 'vitest';
import { Mat, adj, det, evaluate, jacobian, matmul, relError, scale, transpose } from '../../src/index.js';
import { expectGradAllMethods } from '../diff/helpers.js';

/** Cofactor matrix of a 3×3, entry by entry (C_ij = (−1)^{i+j} M_ij). */
function cofactors3(X: Mat): Mat {
  const x = (i: number, j: number): number => X.get(i % 3, j % 3);
  // with cyclic indices the signs come out right for a 3×3
  return Mat.from([0, 1, 2].map((i) => [0, 1, 2].map((j) => x(i + 1, j + 1) * x(i + 2, j + 2) - x(i + 1, j + 2) * x(i + 2, j + 1))));
}

const singular = Mat.from([
  [1, 2, 3],
  [4, 5, 6],
  [7, 8, 9],
]);
const rank1 = Mat.from([
  [1, 2, 3],
  [2, 4, 6],
  [3, 6, 9],
]);
const regular = Mat.from([
  [2, -1, 0.5],
  [1, 3, -2],
  [0.3, 0.7, 4],
]);

describe('adj', () => {
  it('values: transposed cofactors, at regular and singular X; X·adj(X) = det(X)·I', async () => {
    for (const X of [singular, rank1, regular]) {
      const A = await evaluate('adj(X)', { at: { X } });
      expect(relError(A, transpose(cofactors3(X)))).toBeLessThan(1e-13);
      const XA = matmul(X, A);
      expect(relError(XA, scale(Mat.eye(3), det(X))) < 1e-12 || Math.max(...Array.from(XA.data, Math.abs)) < 1e-12).toBe(true);
    }
    expect(adj(Mat.scalar(5)).data).toEqual(Float64Array.of(1));
  });

  it('d det(X) = tr(adj(X) dX): the gradient adj(X)ᵀ by every method, singular X included', async () => {
    for (const [name, X] of [['singular', singular], ['rank 1', rank1], ['regular', regular]] as const) {
      await expectGradAllMethods('det(X)', { at: { X } }, cofactors3(X), `det at a ${name} X`);
    }
  });

  it('the Jacobian of adj(X) at a regular X by every exact method matches central differences', async () => {
    const fd = await jacobian('adj(X)', { at: { X: regular }, method: 'fd', backend: 'cpu' });
    for (const method of ['structured', 'forward', 'reverse'] as const) {
      expect(relError(await jacobian('adj(X)', { at: { X: regular }, method, backend: 'cpu' }), fd), method).toBeLessThan(1e-8);
    }
  });
});
