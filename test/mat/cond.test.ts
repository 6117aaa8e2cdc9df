/**
 * The 1-norm condition estimate (Hager/Higham) against the exact κ₁ = ‖X‖₁‖X⁻¹‖₁ from an
 * explicit inverse: never above it, and within a factor 3 on random, graded and near-singular
 * matrices (the estimator is exact on most of them).
 */
import { describe, expect, it } from 'vitest';
import { Mat, inv } from '../../src/index.js';
import { cond1 } from '../../src/mat/cond.js';

function norm1(X: Mat): number {
  let best = 0;
  for (let j = 0; j < X.cols; j++) {
    let s = 0;
    for (let i = 0; i < X.rows; i++) s += Math.abs(X.data[i + j * X.rows]!);
    best = Math.max(best, s);
  }
  return best;
}

const exact = (X: Mat): number => norm1(X) * norm1(inv(X));

describe('cond1 (1-norm condition estimate from LU)', () => {
  it('random, graded and near-singular matrices: est ≤ κ₁ ≤ 3·est', () => {
    const cases: Mat[] = [];
    for (let seed = 1; seed <= 20; seed++) cases.push(Mat.random(1 + (seed % 9) * 3, undefined, { seed }));
    for (const n of [4, 8, 16]) {
      const G = Mat.random(n, n, { seed: n });
      for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) G.data[i + j * n] = G.data[i + j * n]! * 10 ** ((-8 * j) / n);
      cases.push(G);
    }
    for (const eps of [1e-4, 1e-8, 1e-12]) {
      // rank one plus eps·I: κ ~ 1/eps
      const u = Mat.random(6, 1, { seed: 3 });
      const S = Mat.zeros(6, 6);
      for (let j = 0; j < 6; j++) for (let i = 0; i < 6; i++) S.data[i + j * 6] = u.data[i]! * u.data[j]! + (i === j ? eps : 0);
      cases.push(S);
    }
    for (const X of cases) {
      const k = exact(X);
      const e = cond1(X);
      expect(e, `n=${X.rows}`).toBeLessThanOrEqual(k * (1 + 1e-6));
      expect(e * 3, `n=${X.rows}: est ${e}, exact ${k}`).toBeGreaterThanOrEqual(k * (1 - 1e-6));
    }
  });

  it('the identity has κ₁ = 1; a singular matrix is Infinity', () => {
    expect(cond1(Mat.eye(5))).toBeCloseTo(1, 12);
    expect(cond1(Mat.from([[1, 2], [2, 4]]))).toBe(Infinity);
  });
});
