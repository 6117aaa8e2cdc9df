/**
 * The blocked LU (8-column panels, recursive split above 128 columns; the trailing updates in the
 * WebAssembly SIMD kernel from n = 32 where the engine has it, else in JavaScript), the blocked triangular
 * solves and the inverse and solve built on them, at n = 1..300 (every n up to 40, then sizes
 * around the panel width, the recursion base and the kernel's blocks), against independent
 * references: the textbook elimination's pivots and factors, residuals ‖P X − L U‖ and
 * ‖X·inv(X) − I‖ relative to ‖X‖ and the condition number, on random, graded and pivot-forcing
 * matrices with fixed seeds.
 */
import { describe, expect, it } from 'vitest';
import { SingularMatrixError } from '../../src/errors.js';
import { cond1 } from '../../src/mat/cond.js';
import { Mat, det, inv, logdet, lu, matmulNaive, slogdet, solve } from '../../src/mat/index.js';
import { factorInPlace } from '../../src/mat/lu-factor.js';
import { simdAvailable } from '../../src/mat/gemm-simd.js';

const EPS = Number.EPSILON;
const SIZES = [...Array.from({ length: 40 }, (_, i) => i + 1), 47, 56, 63, 64, 65, 72, 95, 96, 97, 120, 127, 128, 129, 136, 137, 191, 200, 255, 256, 257, 300];

/** The textbook partial-pivoting elimination, row by row: pivots and packed factors (the reference). */
function luNaive(X: Mat): { piv: Int32Array; a: Float64Array } {
  const n = X.rows;
  const a = Float64Array.from(X.data);
  const piv = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i + k * n]!) > Math.abs(a[p + k * n]!)) p = i;
    piv[k] = p;
    for (let j = 0; j < n; j++) [a[k + j * n], a[p + j * n]] = [a[p + j * n]!, a[k + j * n]!];
    const d = a[k + k * n]!;
    if (d === 0) continue;
    for (let i = k + 1; i < n; i++) {
      const l = (a[i + k * n]! /= d);
      for (let j = k + 1; j < n; j++) a[i + j * n]! -= l * a[k + j * n]!;
    }
  }
  return { piv, a };
}

const frob = (d: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i]! * d[i]!;
  return Math.sqrt(s);
};

/** ‖P X − L U‖_F / ‖X‖_F from the packed factors and the row order. */
function luResidual(X: Mat, f: ReturnType<typeof lu>): number {
  const n = X.rows;
  const L = Mat.eye(n);
  const U = Mat.zeros(n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) (i > j ? L : U).set(i, j, f.lu.get(i, j));
  const LU = matmulNaive(L, U);
  const r = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) r[i + j * n] = X.get(f.perm[i]!, j) - LU.get(i, j);
  return frob(r) / frob(X.data);
}

/** ‖X·Y − I‖_F / √n. */
function identityResidual(X: Mat, Y: Mat): number {
  const P = matmulNaive(X, Y);
  for (let i = 0; i < X.rows; i++) P.data[i + i * X.rows]! -= 1;
  return frob(P.data) / Math.sqrt(X.rows);
}

/** Random entries in [−1, 1) with rows and columns scaled by 10^(±3) (a graded matrix: pivoting by magnitude matters). */
function graded(n: number, seed: number): Mat {
  const X = Mat.random(n, n, { seed });
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) X.data[i + j * n]! *= 10 ** (3 * Math.sin(i + 0.5)) * 10 ** (-2 * Math.cos(j));
  return X;
}

describe('blocked LU against the textbook elimination, n = 1..300', () => {
  it('lu runs the SIMD kernel path here (Node has WebAssembly SIMD), the JavaScript path is tested below', () => {
    expect(simdAvailable()).toBe(true);
  });

  it('the same pivots, factors equal to rounding, ‖P X − L U‖ ≤ 4n·ε‖X‖, multipliers ≤ 1', () => {
    let seed = 1000;
    for (const n of SIZES) {
      for (const X of [Mat.random(n, n, { seed: seed++ }), graded(n, seed++)]) {
        const f = lu(X);
        const ref = luNaive(X);
        expect(Array.from(f.piv)).toEqual(Array.from(ref.piv));
        const res = luResidual(X, f);
        expect(res).toBeLessThanOrEqual(4 * n * EPS);
        let maxL = 0;
        let diff = 0;
        for (let j = 0; j < n; j++)
          for (let i = 0; i < n; i++) {
            if (i > j) maxL = Math.max(maxL, Math.abs(f.lu.data[i + j * n]!));
            diff = Math.max(diff, Math.abs(f.lu.data[i + j * n]! - ref.a[i + j * n]!));
          }
        expect(maxL).toBeLessThanOrEqual(1);
        // same pivots, different summation order: the factors agree to a growth-sized rounding error
        let big = 0;
        for (let k = 0; k < n * n; k++) big = Math.max(big, Math.abs(ref.a[k]!));
        expect(diff).toBeLessThanOrEqual(64 * n * EPS * Math.max(big, 1));
      }
    }
  });

  it('the JavaScript path (no SIMD kernel), with and without a padded column stride, gives the same pivots and factors', () => {
    let seed = 1500;
    for (const n of [1, 5, 8, 9, 17, 31, 33, 64, 65, 97, 129, 136, 200, 257]) {
      const X = graded(n, seed++);
      const ref = luNaive(X);
      for (const ld of [n, n + 3]) {
        const a = new Float64Array(ld * n).fill(NaN); // the padding is never read
        for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) a[i + j * ld] = X.data[i + j * n]!;
        const piv = new Int32Array(n);
        const st = { minPivot: Infinity, exactlySingular: false };
        factorInPlace(a, n, ld, piv, st);
        expect(Array.from(piv)).toEqual(Array.from(ref.piv));
        let big = 1;
        let diff = 0;
        for (let j = 0; j < n; j++)
          for (let i = 0; i < n; i++) {
            big = Math.max(big, Math.abs(ref.a[i + j * n]!));
            diff = Math.max(diff, Math.abs(a[i + j * ld]! - ref.a[i + j * n]!));
          }
        expect(diff).toBeLessThanOrEqual(64 * n * EPS * big);
      }
    }
  });

  it('a pivot in every panel and across the recursive split: a permuted upper triangle is factored back exactly', () => {
    for (const n of [9, 17, 100, 130, 257]) {
      // X = Pᵀ U with U upper triangular (diagonal largest in its column): the factors are U, L = I
      const U = Mat.zeros(n);
      for (let j = 0; j < n; j++) {
        for (let i = 0; i < j; i++) U.set(i, j, ((i * 7 + j * 3) % 11) / 11 - 0.5);
        U.set(j, j, 2 + (j % 5));
      }
      const order = Array.from({ length: n }, (_, i) => (i * 37 + 5) % n);
      if (new Set(order).size !== n) throw new Error('not a permutation');
      const X = Mat.zeros(n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) X.set(order[i]!, j, U.get(i, j));
      const f = lu(X);
      for (let j = 0; j < n; j++)
        for (let i = 0; i < n; i++) expect(f.lu.get(i, j)).toBe(i <= j ? U.get(i, j) : 0);
      expect(Array.from(f.perm)).toEqual(order);
      let prod = 1;
      for (let j = 0; j < n; j++) prod *= U.get(j, j);
      expect(Math.abs(det(X))).toBeCloseTo(prod, -Math.log10(prod) + 8);
    }
  });
});

describe('inverse and solve on the blocked factors, n = 1..300', () => {
  it('‖X·inv(X) − I‖ and ‖inv(X)·X − I‖ within 8n·ε·κ₁(X); solve has a backward-stable residual', () => {
    let seed = 2000;
    for (const n of SIZES) {
      for (const X of [Mat.random(n, n, { seed: seed++ }), graded(n, seed++)]) {
        const kappa = cond1(X);
        const Xi = inv(X);
        const bound = 8 * n * EPS * kappa;
        expect(identityResidual(X, Xi)).toBeLessThanOrEqual(bound);
        expect(identityResidual(Xi, X)).toBeLessThanOrEqual(bound);
        // a few right-hand sides, and more columns than rows (the solve's room past the factors)
        for (const cols of [1, 9, 33, 97, 129, 257].includes(n) ? [5, 2 * n + 3] : [5]) {
          const B = Mat.random(n, cols, { seed: seed++ });
          const x = solve(X, B);
          // ‖B − X x‖ ≤ c·n·ε·‖X‖‖x‖ (backward stability of partial pivoting, small growth here)
          const R = matmulNaive(X, x);
          const r = new Float64Array(n * cols);
          for (let k = 0; k < n * cols; k++) r[k] = B.data[k]! - R.data[k]!;
          expect(frob(r)).toBeLessThanOrEqual(16 * n * EPS * frob(X.data) * frob(x.data));
        }
      }
    }
  });

  it('repeated calls reuse scratch without leaking state between sizes (inv, solve, det, logdet agree with fresh factors)', () => {
    const mats = [130, 7, 64, 300, 1, 97].map((n, s) => {
      const X = Mat.random(n, n, { seed: 3000 + s });
      for (let i = 0; i < n; i++) X.data[i + i * n]! += n;
      return X;
    });
    const first = mats.map((X) => ({ inv: inv(X).data.slice(), det: slogdet(X), logdet: logdet(X) }));
    for (let round = 0; round < 2; round++)
      mats.forEach((X, k) => {
        expect(Array.from(inv(X).data)).toEqual(Array.from(first[k]!.inv));
        expect(slogdet(X)).toEqual(first[k]!.det);
        expect(logdet(X)).toBe(first[k]!.logdet);
      });
  });

  it('singular matrices throw SingularMatrixError past every block boundary; an exactly zero column is exactly singular', () => {
    for (const [n, col] of [
      [8, 7],
      [20, 9],
      [96, 95],
      [140, 3],
      [140, 131],
      [257, 200],
    ] as const) {
      const X = Mat.random(n, n, { seed: n + col });
      // rank deficient: column `col` a combination of two others
      const a = (col + 1) % n;
      const b = (col + 5) % n;
      for (let i = 0; i < n; i++) X.set(i, col, 0.5 * X.get(i, a) - 2 * X.get(i, b));
      expect(() => inv(X)).toThrow(SingularMatrixError);
      expect(() => solve(X, Mat.random(n, 1, { seed: 1 }))).toThrow(SingularMatrixError);
      expect(() => logdet(X)).toThrow(SingularMatrixError);
      const Z = Mat.random(n, n, { seed: 7 * n });
      for (let i = 0; i < n; i++) Z.set(i, col, 0);
      expect(lu(Z).exactlySingular).toBe(true);
      expect(det(Z)).toBe(0);
      expect(slogdet(Z)).toEqual({ sign: 0, logAbsDet: -Infinity });
    }
  });
});
