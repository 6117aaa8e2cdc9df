import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import {
  Mat,
  commutation,
  commute,
  commuteBatch,
  diag,
  hadamard,
  kron,
  kronInto,
  matmul,
  transpose,
  vec,
} from '../../src/mat/index.js';
import { FC, dim, expectClose, matOf, seedArb } from './helpers.js';

const mm = (...ms: Mat[]): Mat => ms.reduce((a, b) => matmul(a, b));

describe('kron', () => {
  it('A⊗B = [a_ij B] (known example)', () => {
    const A = Mat.from([
      [1, 2],
      [3, 4],
    ]);
    const B = Mat.from([[0, 5, 1]]);
    expect(kron(A, B).toArray()).toEqual([
      [0, 5, 1, 0, 10, 2],
      [0, 15, 3, 0, 20, 4],
    ]);
  });

  it('entry formula (A⊗B)[i·p + k, j·q + l] = A_ij B_kl', () => {
    fc.assert(
      fc.property(dim, dim, dim, dim, seedArb, (m, n, p, q, s) => {
        const A = matOf(m, n, s);
        const B = matOf(p, q, s + 1);
        const K = kron(A, B);
        expect(K.shape).toEqual([m * p, n * q]);
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++)
            for (let k = 0; k < p; k++) for (let l = 0; l < q; l++) expect(K.get(i * p + k, j * q + l)).toBe(A.get(i, j) * B.get(k, l));
        const out = new Float64Array(K.size).fill(NaN);
        kronInto(out, A, B);
        expect(Array.from(out)).toEqual(Array.from(K.data));
      }),
      { ...FC, numRuns: 40 },
    );
    expect(() => kronInto(new Float64Array(3), Mat.zeros(2, 2), Mat.zeros(1, 1))).toThrow(ShapeError);
  });

  it('vec(AXB) = (Bᵀ⊗A) vec(X)', () => {
    fc.assert(
      fc.property(dim, dim, dim, dim, seedArb, (p, m, n, q, s) => {
        const A = matOf(p, m, s);
        const X = matOf(m, n, s + 1);
        const B = matOf(n, q, s + 2);
        expectClose(vec(mm(A, X, B)), matmul(kron(transpose(B), A), vec(X)));
      }),
      FC,
    );
  });

  it('(A⊗B)ᵀ = Aᵀ⊗Bᵀ', () => {
    fc.assert(
      fc.property(dim, dim, dim, dim, seedArb, (m, n, p, q, s) => {
        const A = matOf(m, n, s);
        const B = matOf(p, q, s + 1);
        expectClose(transpose(kron(A, B)), kron(transpose(A), transpose(B)), 0);
      }),
      FC,
    );
  });

  it('(A⊗B)(C⊗D) = (AC)⊗(BD)', () => {
    fc.assert(
      fc.property(dim, dim, dim, dim, dim, dim, seedArb, (m, n, r, p, q, t, s) => {
        const A = matOf(m, n, s);
        const C = matOf(n, r, s + 1);
        const B = matOf(p, q, s + 2);
        const D = matOf(q, t, s + 3);
        expectClose(matmul(kron(A, B), kron(C, D)), kron(matmul(A, C), matmul(B, D)));
      }),
      { ...FC, numRuns: 60 },
    );
  });

  it('vec(abᵀ) = b⊗a', () => {
    fc.assert(
      fc.property(dim, dim, seedArb, (m, n, s) => {
        const a = matOf(m, 1, s);
        const b = matOf(n, 1, s + 1);
        expectClose(vec(matmul(a, transpose(b))), kron(b, a), 0);
      }),
      FC,
    );
  });

  it('vec(A⊙X) = diag(vec A) vec(X)', () => {
    fc.assert(
      fc.property(dim, dim, seedArb, (m, n, s) => {
        const A = matOf(m, n, s);
        const X = matOf(m, n, s + 1);
        expectClose(vec(hadamard(A, X)), matmul(diag(vec(A)), vec(X)), 0);
      }),
      FC,
    );
  });
});

describe('commutation', () => {
  it('K_22 is the matrix of the source notes', () => {
    expect(commutation(2, 2).toArray()).toEqual([
      [1, 0, 0, 0],
      [0, 0, 1, 0],
      [0, 1, 0, 0],
      [0, 0, 0, 1],
    ]);
    expect(commutation(1, 3).toArray()).toEqual(Mat.eye(3).toArray());
  });

  it('K_mn vec(A) = vec(Aᵀ), and commute/commuteBatch apply it in O(mn)', () => {
    fc.assert(
      fc.property(dim, dim, seedArb, (m, n, s) => {
        const A = matOf(m, n, s);
        const K = commutation(m, n);
        expectClose(matmul(K, vec(A)), vec(transpose(A)), 0);
        expect(Array.from(commute(A.data, m, n))).toEqual(Array.from(vec(transpose(A)).data));
        const out = new Float64Array(m * n);
        expect(commute(A.data, m, n, out)).toBe(out);
        // batch of 3 slices
        const B = matOf(m, n, s + 1);
        const C = matOf(m, n, s + 2);
        const data = new Float64Array([...A.data, ...B.data, ...C.data]);
        const got = commuteBatch(data, 3, m, n);
        expect(Array.from(got)).toEqual([...transpose(A).data, ...transpose(B).data, ...transpose(C).data]);
      }),
      FC,
    );
    expect(() => commute(new Float64Array(5), 2, 3)).toThrow(ShapeError);
    expect(() => commuteBatch(new Float64Array(11), 2, 2, 3)).toThrow(ShapeError);
    expect(() => commutation(-1, 2)).toThrow(/non-negative integers/);
  });

  it('K_mnᵀ = K_nm and K_mn K_nm = I', () => {
    fc.assert(
      fc.property(dim, dim, (m, n) => {
        expectClose(transpose(commutation(m, n)), commutation(n, m), 0);
        expectClose(matmul(commutation(m, n), commutation(n, m)), Mat.eye(m * n), 0);
      }),
      FC,
    );
  });

  it('K_pm (A⊗B) K_nq = B⊗A for A m×n, B p×q', () => {
    fc.assert(
      fc.property(dim, dim, dim, dim, seedArb, (m, n, p, q, s) => {
        const A = matOf(m, n, s);
        const B = matOf(p, q, s + 1);
        expectClose(mm(commutation(p, m), kron(A, B), commutation(n, q)), kron(B, A), 0);
      }),
      FC,
    );
  });
});
