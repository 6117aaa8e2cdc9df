import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NotSquareError, ShapeError } from '../../src/errors.js';
import {
  Mat,
  add,
  assertSameShape,
  diag,
  divide,
  frobenius,
  frobeniusDot,
  hadamard,
  map,
  matmul,
  relError,
  scale,
  sub,
  sumAll,
  trace,
  transpose,
  unvec,
  vec,
} from '../../src/mat/index.js';
import { FC, dim, expectClose, matArb, matOf, seedArb } from './helpers.js';

const A23 = Mat.from([
  [1, 2, 3],
  [4, 5, 6],
]);

describe('vec / unvec / transpose', () => {
  it('vec stacks the columns', () => {
    const v = vec(A23);
    expect(v.shape).toEqual([6, 1]);
    expect(Array.from(v.data)).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('unvec inverts vec', () => {
    fc.assert(
      fc.property(matArb(), (X) => {
        expectClose(unvec(vec(X), X.rows, X.cols), X, 0);
        expectClose(unvec(transpose(vec(X)), X.rows, X.cols), X, 0);
      }),
      FC,
    );
    expect(() => unvec(vec(A23), 4, 2)).toThrow(ShapeError);
    expect(() => unvec(vec(A23), 4, 2)).toThrow(/6×1.*4×2/);
  });

  it('transpose', () => {
    expect(transpose(A23).toArray()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    // Blocked path (larger than one 32×32 tile) against get().
    const X = Mat.random(70, 45, { seed: 3 });
    const T = transpose(X);
    for (const [i, j] of [
      [0, 0],
      [69, 44],
      [33, 40],
      [64, 1],
    ] as const)
      expect(T.get(j, i)).toBe(X.get(i, j));
    fc.assert(
      fc.property(matArb(), (X) => expectClose(transpose(transpose(X)), X, 0)),
      FC,
    );
  });
});

describe('elementwise', () => {
  it('add, sub, scale, hadamard, divide, map entry by entry', () => {
    fc.assert(
      fc.property(dim, dim, seedArb, fc.double({ min: -3, max: 3, noNaN: true }), (m, n, s, c) => {
        const A = matOf(m, n, s);
        const B = matOf(m, n, s + 1);
        const ops: [Mat, (a: number, b: number) => number][] = [
          [add(A, B), (a, b) => a + b],
          [sub(A, B), (a, b) => a - b],
          [scale(A, c), (a) => c * a],
          [hadamard(A, B), (a, b) => a * b],
          [divide(A, B), (a, b) => a / b],
          [map(A, (v) => Math.exp(v)), (a) => Math.exp(a)],
        ];
        for (const [R, f] of ops) {
          expect(R.shape).toEqual([m, n]);
          for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) expect(R.get(i, j)).toBe(f(A.get(i, j), B.get(i, j)));
        }
      }),
      FC,
    );
  });

  it('map passes (value, i, j)', () => {
    expect(map(Mat.zeros(2, 3), (_v, i, j) => 10 * i + j).toArray()).toEqual([
      [0, 1, 2],
      [10, 11, 12],
    ]);
  });

  it('shape mismatches throw ShapeError naming both shapes', () => {
    const B = Mat.zeros(3, 2);
    for (const f of [add, sub, hadamard, divide, relError]) {
      expect(() => f(A23, B)).toThrow(ShapeError);
      expect(() => f(A23, B)).toThrow(/2×3.*3×2/);
    }
    try {
      add(A23, B);
    } catch (e) {
      expect((e as ShapeError).code).toBe('E_SHAPE');
      expect((e as ShapeError).shapes).toEqual([
        [2, 3],
        [3, 2],
      ]);
    }
    expect(() => assertSameShape('thing', A23, B)).toThrow(/^thing: shapes 2×3 and 3×2/);
    expect(() => assertSameShape('thing', A23, A23.clone())).not.toThrow();
  });

  it('accepts float32 data and returns float64', () => {
    const F = new Mat(2, 1, Float32Array.of(1.5, 2));
    const R = add(F, F);
    expect(R.data).toBeInstanceOf(Float64Array);
    expect(Array.from(R.data)).toEqual([3, 4]);
  });
});

describe('diag / trace / reductions', () => {
  it('diag of a vector is a diagonal matrix, of a square matrix its diagonal', () => {
    expect(diag(Mat.col([1, 2, 3])).toArray()).toEqual([
      [1, 0, 0],
      [0, 2, 0],
      [0, 0, 3],
    ]);
    expect(diag(Mat.from([[1, 2]])).toArray()).toEqual([
      [1, 0],
      [0, 2],
    ]);
    expect(
      diag(
        Mat.from([
          [1, 2],
          [3, 4],
        ]),
      ).toArray(),
    ).toEqual([[1], [4]]);
    expect(diag(Mat.scalar(5)).toArray()).toEqual([[5]]);
    expect(() => diag(A23)).toThrow(ShapeError);
    expect(() => diag(A23)).toThrow(/2×3/);
    fc.assert(
      fc.property(dim, seedArb, (n, s) => {
        const x = matOf(n, 1, s);
        expectClose(diag(diag(x)), x, 0);
      }),
      FC,
    );
  });

  it('trace, sumAll, frobenius', () => {
    expect(
      trace(
        Mat.from([
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toBe(5);
    expect(() => trace(A23)).toThrow(NotSquareError);
    expect(() => trace(A23)).toThrow(/trace needs a square matrix, got 2×3/);
    expect(sumAll(A23)).toBe(21);
    expect(frobenius(Mat.from([[3, 4]]))).toBe(5);
    expect(frobenius(Mat.zeros(2, 2))).toBe(0);
    // no overflow / underflow
    expect(frobenius(Mat.from([[3e200, 4e200]]))).toBeCloseTo(5e200, -190);
    expect(frobenius(Mat.from([[3e-200, 4e-200]])) / 5e-200).toBeCloseTo(1, 12);
    expect(Number.isNaN(frobenius(Mat.from([[1, NaN]])))).toBe(true);
  });

  it('relError', () => {
    const B = Mat.from([[3, 4]]);
    expect(relError(B, B)).toBe(0);
    expect(relError(Mat.from([[3, 5]]), B)).toBeCloseTo(0.2, 15);
    expect(relError(Mat.zeros(1, 2), Mat.zeros(1, 2))).toBe(0);
    expect(relError(Mat.from([[1e-3, 0]]), Mat.zeros(1, 2))).toBeGreaterThan(1e200);
  });

  it('tr(AᵀB) = <A,B>_F = Σ A_ij B_ij', () => {
    fc.assert(
      fc.property(dim, dim, seedArb, (m, n, s) => {
        const A = matOf(m, n, s);
        const B = matOf(m, n, s + 1);
        let ref = 0;
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) ref += A.get(i, j) * B.get(i, j);
        expect(trace(matmul(transpose(A), B))).toBeCloseTo(ref, 12);
        expect(frobeniusDot(A, B)).toBeCloseTo(ref, 12);
      }),
      FC,
    );
  });

  it('tr(ABC) = tr(CAB)', () => {
    fc.assert(
      fc.property(dim, dim, dim, seedArb, (m, n, p, s) => {
        const A = matOf(m, n, s);
        const B = matOf(n, p, s + 1);
        const C = matOf(p, m, s + 2);
        expect(trace(matmul(matmul(A, B), C))).toBeCloseTo(trace(matmul(matmul(C, A), B)), 12);
      }),
      FC,
    );
  });
});
