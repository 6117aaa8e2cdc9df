import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError, NonFiniteError, NotSquareError, ShapeError, SingularMatrixError } from '../../src/errors.js';
import { Mat, det, inv, isSingular, logdet, lu, matmul, slogdet, solve, sub, frobenius } from '../../src/mat/index.js';
import { FC, dim, expectClose, seedArb } from './helpers.js';

/** A well-conditioned random matrix: random + n·I (diagonally dominant-ish), det > 0 not guaranteed. */
const wellCond = (n: number, seed: number): Mat => {
  const X = Mat.random(n, n, { seed });
  for (let i = 0; i < n; i++) X.data[i + i * n]! += n;
  return X;
};

describe('lu', () => {
  it('P X = L U', () => {
    fc.assert(
      fc.property(dim, seedArb, (n, s) => {
        const X = Mat.random(n, n, { seed: s });
        const f = lu(X);
        const L = Mat.eye(n);
        const U = Mat.zeros(n);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) {
            if (i > j) L.set(i, j, f.lu.get(i, j));
            else U.set(i, j, f.lu.get(i, j));
          }
        const PX = Mat.zeros(n);
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) PX.set(i, j, X.get(f.perm[i]!, j));
        expectClose(matmul(L, U), PX, 1e-14);
        // multipliers bounded by 1 (partial pivoting)
        for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(Math.abs(L.get(i, j))).toBeLessThanOrEqual(1);
      }),
      FC,
    );
    expect(() => lu(Mat.zeros(2, 3))).toThrow(NotSquareError);
  });
});

describe('det / slogdet / logdet', () => {
  it('known answers', () => {
    expect(
      det(
        Mat.from([
          [4, 7],
          [2, 6],
        ]),
      ),
    ).toBeCloseTo(10, 13);
    expect(det(Mat.eye(5))).toBe(1);
    expect(det(Mat.zeros(0, 0))).toBe(1);
    expect(det(Mat.scalar(-3))).toBe(-3);
    // diagonal
    expect(det(Mat.from([[2, 0, 0], [0, -3, 0], [0, 0, 0.5]]))).toBeCloseTo(-3, 14);
    // triangular: product of the diagonal
    expect(det(Mat.from([[2, 5, 7], [0, 3, -1], [0, 0, 4]]))).toBeCloseTo(24, 13);
    expect(det(Mat.from([[2, 0, 0], [9, 3, 0], [1, 8, 4]]))).toBeCloseTo(24, 13);
    // permutation matrix (one swap): det −1
    const P = Mat.from([
      [0, 1, 0],
      [1, 0, 0],
      [0, 0, 1],
    ]);
    expect(det(P)).toBe(-1);
    expect(slogdet(P)).toEqual({ sign: -1, logAbsDet: 0 });
    // a 3-cycle: det +1
    expect(det(Mat.from([[0, 0, 1], [1, 0, 0], [0, 1, 0]]))).toBe(1);
    // singular
    expect(det(Mat.from([[1, 2], [2, 4]]))).toBe(0);
    expect(slogdet(Mat.from([[1, 2], [2, 4]]))).toEqual({ sign: 0, logAbsDet: -Infinity });
    expect(logdet(Mat.from([[2, 0], [0, 3]]))).toBeCloseTo(Math.log(6), 14);
    expect(logdet(Mat.from([[4, 7], [2, 6]]))).toBeCloseTo(Math.log(10), 14);
  });

  it('slogdet agrees with det, and logdet with log det where det > 0', () => {
    fc.assert(
      fc.property(dim, seedArb, (n, s) => {
        const X = Mat.random(n, n, { seed: s });
        const d = det(X);
        const { sign, logAbsDet } = slogdet(X);
        expect(sign).toBe(Math.sign(d));
        expect(sign * Math.exp(logAbsDet)).toBeCloseTo(d, 12);
        if (d > 0 && !isSingular(lu(X))) expect(logdet(X)).toBeCloseTo(Math.log(d), 10);
        if (d < 0 && !isSingular(lu(X))) expect(() => logdet(X)).toThrow(DomainError);
      }),
      FC,
    );
  });

  it('det(XY) = det X det Y', () => {
    fc.assert(
      fc.property(dim, seedArb, (n, s) => {
        const X = Mat.random(n, n, { seed: s });
        const Y = Mat.random(n, n, { seed: s + 1 });
        expect(det(matmul(X, Y))).toBeCloseTo(det(X) * det(Y), 12);
      }),
      FC,
    );
  });

  it('logdet of det < 0 is a DomainError that says so; singular is a SingularMatrixError', () => {
    const N = Mat.from([
      [0, 1],
      [1, 0],
    ]);
    expect(() => logdet(N)).toThrow(DomainError);
    expect(() => logdet(N)).toThrow(/det X > 0.*det X < 0/);
    expect(() => logdet(Mat.from([[1, 2], [2, 4]]))).toThrow(SingularMatrixError);
    // numerically singular (det rounds to ~1e-16, not 0)
    expect(() => logdet(Mat.from([[1, 2, 3], [4, 5, 6], [7, 8, 9]]))).toThrow(SingularMatrixError);
  });
});

describe('inv / solve', () => {
  it('known inverse', () => {
    expectClose(
      inv(Mat.from([[4, 7], [2, 6]])),
      Mat.from([
        [0.6, -0.7],
        [-0.2, 0.4],
      ]),
      1e-15,
    );
    expectClose(inv(Mat.from([[2, 0], [0, 4]])), Mat.from([[0.5, 0], [0, 0.25]]), 0);
    expect(inv(Mat.zeros(0, 0)).shape).toEqual([0, 0]);
  });

  it('X·inv(X) = I, det(inv X) = 1/det X, solve residual', () => {
    fc.assert(
      fc.property(dim, dim, seedArb, (n, r, s) => {
        const X = wellCond(n, s);
        const Xi = inv(X);
        expectClose(matmul(X, Xi), Mat.eye(n), 1e-13);
        expectClose(matmul(Xi, X), Mat.eye(n), 1e-13);
        expect(det(Xi) * det(X)).toBeCloseTo(1, 12);
        const B = Mat.random(n, r, { seed: s + 1 });
        const Y = solve(X, B);
        expect(frobenius(sub(matmul(X, Y), B))).toBeLessThan(1e-13 * (1 + frobenius(B)));
      }),
      FC,
    );
  });

  it('random (not diagonally loaded) matrices: X·inv(X) ≈ I', () => {
    fc.assert(
      fc.property(dim, seedArb, (n, s) => {
        const X = Mat.random(n, n, { seed: s, dist: 'normal' });
        const Xi = inv(X);
        expectClose(matmul(X, Xi), Mat.eye(n), 1e-9);
      }),
      FC,
    );
  });

  it('singular input throws SingularMatrixError (exactly and numerically)', () => {
    for (const X of [
      Mat.zeros(3, 3),
      Mat.from([[1, 2], [2, 4]]),
      Mat.from([[1, 2, 3], [4, 5, 6], [7, 8, 9]]),
      Mat.from([[1, 1], [1, 1 + 1e-17]]),
    ]) {
      expect(() => inv(X)).toThrow(SingularMatrixError);
      expect(() => solve(X, Mat.zeros(X.rows, 1))).toThrow(SingularMatrixError);
    }
    expect(() => inv(Mat.zeros(2, 2))).toThrow(/singular/);
    // scale invariance: a tiny but well-conditioned matrix is not singular
    expectClose(inv(Mat.from([[1e-300, 0], [0, 2e-300]])), Mat.from([[1e300, 0], [0, 5e299]]), 1e-15);
  });

  it('non-square, shape mismatch and non-finite input', () => {
    expect(() => inv(Mat.zeros(2, 3))).toThrow(NotSquareError);
    expect(() => inv(Mat.zeros(2, 3))).toThrow(/inv needs a square matrix, got 2×3/);
    expect(() => det(Mat.zeros(3, 2))).toThrow(NotSquareError);
    expect(() => logdet(Mat.zeros(3, 2))).toThrow(NotSquareError);
    expect(() => slogdet(Mat.zeros(3, 2))).toThrow(NotSquareError);
    expect(() => solve(Mat.zeros(2, 3), Mat.zeros(2, 1))).toThrow(NotSquareError);
    expect(() => solve(Mat.eye(2), Mat.zeros(3, 1))).toThrow(ShapeError);
    expect(() => solve(Mat.eye(2), Mat.zeros(3, 1))).toThrow(/2×2.*3×1/);
    const bad = Mat.from([
      [1, NaN],
      [0, 1],
    ]);
    for (const f of [inv, det, logdet, slogdet, (X: Mat) => lu(X)]) {
      expect(() => f(bad)).toThrow(NonFiniteError);
    }
    expect(() => inv(Mat.from([[Infinity]]))).toThrow(/non-finite entry Infinity at \(1, 1\)/);
    expect(() => solve(Mat.eye(2), Mat.col([1, NaN]))).toThrow(NonFiniteError);
  });

  it("lu's interchanges are its own: later inv, solve, det and logdet (which reuse theirs) never change them", () => {
    const shifted = (n: number, seed: number): Mat => {
      const M = Mat.random(n, n, { seed });
      for (let i = 0; i < n; i++) M.data[i + i * n]! += n;
      return M;
    };
    const X = Mat.random(5, 5, { seed: 41 });
    const F = lu(X);
    const piv = [...F.piv];
    const perm = [...F.perm];
    for (const n of [5, 3, 5, 7]) {
      const Y = Mat.random(n, n, { seed: 40 + n });
      const Z = shifted(n, 50 + n);
      const Yi = inv(Y);
      expectClose(matmul(Y, Yi), Mat.eye(n), 1e-9);
      expect(logdet(Z)).toBeCloseTo(Math.log(det(Z)), 10);
      expectClose(matmul(Y, solve(Y, Z)), Z, 1e-9);
    }
    expect([...F.piv]).toEqual(piv);
    expect([...F.perm]).toEqual(perm);
    // and they still reproduce X: P X = L U
    const { n, lu: LU } = F;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k <= Math.min(i, j); k++) s += (k === i ? 1 : LU.data[i + k * n]!) * LU.data[k + j * n]!;
        expect(s).toBeCloseTo(X.data[F.perm[i]! + j * n]!, 12);
      }
  });
});
