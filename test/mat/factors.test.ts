/**
 * The blocked, register-tiled float64 factors (gemmAcc, recursive LU, blocked triangular solves,
 * inverse, solve) at sizes that cross every tile, block and recursion boundary, against the
 * textbook triple loop and the defining identities, on fixed-seed random inputs.
 */
import { describe, expect, it } from 'vitest';
import { SingularMatrixError } from '../../src/errors.js';
import { Mat, det, gemm, gemmAcc, inv, lu, matmul, matmulNaive, solve, transpose } from '../../src/mat/index.js';
import { solveLowerUnit, solveUpper } from '../../src/mat/triangular.js';
import { expectClose } from './helpers.js';

/** Sizes around the kernel's 4- and 8-wide tiles, the 8-row panels and blocks of the LU and the solves, and the MC/KC blocks. */
const SIZES = [1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 23, 31, 33, 47, 64, 65, 96, 97, 129];

/** P X rebuilt from the packed factors: L (unit lower) times U. */
function luProduct(f: ReturnType<typeof lu>): Mat {
  const n = f.n;
  const L = Mat.eye(n);
  const U = Mat.zeros(n);
  for (let j = 0; j < n; j++)
    for (let i = 0; i < n; i++) {
      if (i > j) L.set(i, j, f.lu.get(i, j));
      else U.set(i, j, f.lu.get(i, j));
    }
  return matmulNaive(L, U);
}

/** The textbook partial-pivoting elimination (row by row, unblocked): the pivot sequence reference. */
function luNaive(X: Mat): Int32Array {
  const n = X.rows;
  const a = Float64Array.from(X.data);
  const piv = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i + k * n]!) > Math.abs(a[p + k * n]!)) p = i;
    piv[k] = p;
    for (let j = 0; j < n; j++) [a[k + j * n], a[p + j * n]] = [a[p + j * n]!, a[k + j * n]!];
    for (let i = k + 1; i < n; i++) {
      const l = (a[i + k * n]! /= a[k + k * n]!);
      for (let j = k + 1; j < n; j++) a[i + j * n]! -= l * a[k + j * n]!;
    }
  }
  return piv;
}

describe('gemmAcc (the register-tiled kernel)', () => {
  it('C += α·A·B on sub-blocks with leading dimensions, every tile tail, the rest of C untouched', () => {
    let seed = 1;
    for (const m of [1, 5, 9, 33, 130])
      for (const k of [1, 4, 7, 8, 12, 17, 260])
        for (const n of [1, 3, 4, 7, 8, 9, 13]) {
          const A = Mat.random(m, k, { seed: seed++ });
          const B = Mat.random(k, n, { seed: seed++ });
          const alpha = -0.75;
          // A inside a (m+3)×(k+1) array at row 2, column 1; B inside a (k+2)×(n+2) array; C inside (m+4)×(n+1)
          const lda = m + 3;
          const a = new Float64Array(lda * (k + 1)).fill(NaN);
          for (let p = 0; p < k; p++) for (let i = 0; i < m; i++) a[2 + i + (p + 1) * lda] = A.get(i, p);
          const ldb = k + 2;
          const b = new Float64Array(ldb * (n + 2)).fill(NaN);
          for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) b[1 + p + (j + 1) * ldb] = B.get(p, j);
          const ldc = m + 4;
          const C0 = Mat.random(m, n, { seed: seed++ });
          const c = new Float64Array(ldc * (n + 1)).fill(7);
          for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) c[3 + i + j * ldc] = C0.get(i, j);
          gemmAcc(m, n, k, alpha, a, 2 + lda, lda, b, 1 + ldb, 1, ldb, c, 3, ldc);
          const P = matmulNaive(A, B);
          const want = new Float64Array(m * n);
          for (let t = 0; t < m * n; t++) want[t] = C0.data[t]! + alpha * P.data[t]!;
          const got = new Float64Array(m * n);
          for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) got[i + j * m] = c[3 + i + j * ldc]!;
          expectClose(new Mat(m, n, got), new Mat(m, n, want), 1e-13);
          // outside the block: untouched
          for (let j = 0; j <= n; j++)
            for (let i = 0; i < ldc; i++) if (!(j < n && i >= 3 && i < 3 + m)) expect(c[i + j * ldc]).toBe(7);
        }
  });

  it('a transposed B through the strides (bsp = ld, bsj = 1)', () => {
    const A = Mat.random(37, 19, { seed: 3 });
    const B = Mat.random(19, 11, { seed: 4 });
    const Bt = transpose(B); // 11×19 stored: B(p, j) = Bt[j + p·11]
    const c = new Float64Array(37 * 11);
    gemmAcc(37, 11, 19, 1, A.data, 0, 37, Bt.data, 0, 11, 1, c, 0, 37);
    expectClose(new Mat(37, 11, c), matmulNaive(A, B), 1e-13);
  });

  it('gemm and matmul agree with the triple loop at every test size (square, and tall times wide)', () => {
    let seed = 50;
    for (const n of SIZES) {
      const A = Mat.random(n, n, { seed: seed++ });
      const B = Mat.random(n, n, { seed: seed++ });
      expectClose(matmul(A, B), matmulNaive(A, B), 1e-13);
      const T = Mat.random(n + 3, 9, { seed: seed++ });
      const W = Mat.random(9, n, { seed: seed++ });
      const out = new Float64Array((n + 3) * n).fill(NaN);
      gemm(out, transpose(T).data, transpose(W).data, n + 3, 9, n, true, true);
      expectClose(new Mat(n + 3, n, out), matmulNaive(T, W), 1e-13);
    }
  });
});

describe('recursive LU', () => {
  it('P X = L U, multipliers ≤ 1, and the pivots of the unblocked elimination, at every test size', () => {
    let seed = 200;
    for (const n of SIZES) {
      const X = Mat.random(n, n, { seed: seed++ }); // not diagonally dominant: rows are interchanged
      const f = lu(X);
      const PX = Mat.zeros(n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) PX.set(i, j, X.get(f.perm[i]!, j));
      expectClose(luProduct(f), PX, 1e-13);
      for (let j = 0; j < n; j++) for (let i = j + 1; i < n; i++) expect(Math.abs(f.lu.get(i, j))).toBeLessThanOrEqual(1);
      expect(Array.from(f.piv)).toEqual(Array.from(luNaive(X)));
    }
  });

  it('det of a permuted diagonal matrix: the sign of the permutation times the product', () => {
    const n = 41;
    // a cyclic shift by 5 of diag(1..n): a product of gcd(n, 5) = 1 cycle of length n → sign (−1)^(n−1) = +1; by 2 with n = 40: sign −1
    for (const [size, shift] of [
      [41, 5],
      [40, 2],
    ] as const) {
      const X = Mat.zeros(size);
      let prod = 1;
      for (let j = 0; j < size; j++) {
        X.set((j + shift) % size, j, (j % 3) + 1);
        prod *= (j % 3) + 1;
      }
      let visited = 0;
      let cycles = 0;
      const seen = new Array<boolean>(size).fill(false);
      for (let s = 0; s < size; s++) {
        if (seen[s]) continue;
        cycles++;
        for (let t = s; !seen[t]; t = (t + shift) % size) {
          seen[t] = true;
          visited++;
        }
      }
      expect(visited).toBe(size);
      const sign = (size - cycles) % 2 === 0 ? 1 : -1;
      expect(det(X)).toBeCloseTo(sign * prod, 6 - Math.log10(prod));
    }
    expect(n).toBe(41);
  });

  it('a rank-deficient matrix past the leaf sizes is singular; an exactly zero column is exactly singular', () => {
    const n = 45;
    const X = Mat.random(n, n, { seed: 9 });
    for (let i = 0; i < n; i++) X.set(i, 30, X.get(i, 3) + 2 * X.get(i, 17)); // column 30 = col 3 + 2·col 17
    expect(() => inv(X)).toThrow(SingularMatrixError);
    expect(() => solve(X, Mat.random(n, 2, { seed: 1 }))).toThrow(SingularMatrixError);
    const Z = Mat.random(n, n, { seed: 10 });
    for (let i = 0; i < n; i++) Z.set(i, 37, 0);
    const f = lu(Z);
    expect(f.exactlySingular).toBe(true);
    expect(det(Z)).toBe(0);
  });
});

describe('blocked triangular solves, inverse and solve', () => {
  it('solveLowerUnit and solveUpper invert the triangles (with and without the lower-triangular right-hand side)', () => {
    let seed = 300;
    for (const n of SIZES) {
      // strict lower triangle small (a random unit lower triangle's inverse grows like 2ⁿ), diagonal away from 0
      const T = Mat.random(n, n, { seed: seed++ });
      for (let j = 0; j < n; j++) for (let i = j + 1; i < n; i++) T.set(i, j, T.get(i, j) / 4);
      for (let i = 0; i < n; i++) T.set(i, i, 2 + i);
      for (const r of [1, 4, 7, n]) {
        const B = Mat.random(n, r, { seed: seed++ });
        const x = Float64Array.from(B.data);
        solveLowerUnit(n, r, T.data as Float64Array, 0, n, x, 0, n);
        // the solver reads the strict lower triangle of T itself: compare against L built from it
        const Lt = Mat.eye(n);
        for (let j = 0; j < n; j++) for (let i = j + 1; i < n; i++) Lt.set(i, j, T.get(i, j));
        expectClose(matmulNaive(Lt, new Mat(n, r, x)), B, 1e-12);
        const y = Float64Array.from(B.data);
        solveUpper(n, r, T.data as Float64Array, 0, n, y, 0, n);
        const Ut = Mat.zeros(n);
        for (let j = 0; j < n; j++) for (let i = 0; i <= j; i++) Ut.set(i, j, T.get(i, j));
        expectClose(matmulNaive(Ut, new Mat(n, r, y)), B, 1e-12);
      }
      // identity right-hand side, zero columns skipped: the full inverse of the unit lower triangle
      const e = new Float64Array(n * n);
      for (let c = 0; c < n; c++) e[c + c * n] = 1;
      solveLowerUnit(n, n, T.data as Float64Array, 0, n, e, 0, n, true);
      const Lt = Mat.eye(n);
      for (let j = 0; j < n; j++) for (let i = j + 1; i < n; i++) Lt.set(i, j, T.get(i, j));
      expectClose(matmulNaive(Lt, new Mat(n, n, e)), Mat.eye(n), 1e-12);
    }
  });

  it('X·inv(X) = I and inv(X)·X = I; solve(A, B) has a small residual, at every test size', () => {
    let seed = 400;
    for (const n of SIZES) {
      const X = Mat.random(n, n, { seed: seed++ });
      for (let i = 0; i < n; i++) X.data[i + i * n]! += 2; // random, mildly loaded: pivoting still happens
      const Xi = inv(X);
      expectClose(matmulNaive(X, Xi), Mat.eye(n), 1e-11);
      expectClose(matmulNaive(Xi, X), Mat.eye(n), 1e-11);
      for (const r of [1, 3, n + 2]) {
        const B = Mat.random(n, r, { seed: seed++ });
        const x = solve(X, B);
        expectClose(matmulNaive(X, x), B, 1e-11);
        expectClose(x, matmulNaive(Xi, B), 1e-10);
      }
    }
  });
});
