import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import { Mat, gemm, gemmBatch, matmul, matmulNaive, transpose } from '../../src/mat/index.js';
import { FC, dim, expectClose, matOf, seedArb } from './helpers.js';


/** Slices of a batch as Mats. */
function slices(data: Float64Array, batch: number, m: number, n: number): Mat[] {
  return Array.from({ length: batch }, (_, t) => new Mat(m, n, data.slice(t * m * n, (t + 1) * m * n)));
}
function pack(mats: Mat[]): Float64Array {
  const out = new Float64Array(mats.reduce((s, M) => s + M.size, 0));
  let o = 0;
  for (const M of mats) {
    out.set(M.data, o);
    o += M.size;
  }
  return out;
}

describe('matmul', () => {
  it('known product', () => {
    const A = Mat.from([
      [1, 2],
      [3, 4],
    ]);
    const B = Mat.from([
      [5, 6],
      [7, 8],
    ]);
    expect(matmul(A, B).toArray()).toEqual([
      [19, 22],
      [43, 50],
    ]);
    expect(matmulNaive(A, B).toArray()).toEqual([
      [19, 22],
      [43, 50],
    ]);
  });

  it('blocked matches the triple loop on awkward shapes (crossing the 4-column, KC=128 and MC=256 blocks)', () => {
    let seed = 1;
    const shapes: [number, number, number][] = [];
    for (const m of [1, 7, 33, 65, 257]) for (const k of [1, 7, 130, 257]) for (const n of [1, 3, 5, 9]) shapes.push([m, k, n]);
    shapes.push([64, 64, 64], [65, 33, 7], [1, 300, 1], [300, 1, 300]);
    for (const [m, k, n] of shapes) {
      const A = Mat.random(m, k, { seed: seed++ });
      const B = Mat.random(k, n, { seed: seed++ });
      expectClose(matmul(A, B), matmulNaive(A, B), 1e-13);
    }
  });

  it('random small shapes (property)', () => {
    fc.assert(
      fc.property(dim, dim, dim, seedArb, (m, k, n, s) => {
        const A = matOf(m, k, s);
        const B = matOf(k, n, s + 1);
        expectClose(matmul(A, B), matmulNaive(A, B), 1e-14);
      }),
      FC,
    );
  });

  it('empty inner dimension gives zeros; float32 inputs work', () => {
    expect(matmul(Mat.zeros(2, 0), Mat.zeros(0, 3)).toArray()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    const A = new Mat(2, 2, Float32Array.of(1, 2, 3, 4));
    expect(matmul(A, Mat.eye(2)).toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
  });

  it('inner dimension mismatch names both shapes', () => {
    expect(() => matmul(Mat.zeros(2, 3), Mat.zeros(2, 3))).toThrow(ShapeError);
    expect(() => matmul(Mat.zeros(2, 3), Mat.zeros(2, 3))).toThrow(/2×3 · 2×3/);
    expect(() => matmulNaive(Mat.zeros(2, 3), Mat.zeros(2, 3))).toThrow(ShapeError);
  });
});

describe('gemm', () => {
  it('all four transpose combinations on awkward shapes', () => {
    let seed = 100;
    for (const [m, k, n] of [
      [1, 1, 1],
      [7, 33, 5],
      [65, 7, 33],
      [33, 65, 1],
      [1, 130, 7],
      [130, 260, 6],
    ] as const) {
      const A = Mat.random(m, k, { seed: seed++ });
      const B = Mat.random(k, n, { seed: seed++ });
      const ref = matmulNaive(A, B);
      for (const tA of [false, true]) {
        for (const tB of [false, true]) {
          const a = tA ? transpose(A).data : A.data;
          const b = tB ? transpose(B).data : B.data;
          const out = new Float64Array(m * n).fill(NaN); // overwritten, not accumulated
          gemm(out, a, b, m, k, n, tA, tB);
          expectClose(new Mat(m, n, out), ref, 1e-13);
        }
      }
    }
  });

  it('rejects short buffers and bad dimensions', () => {
    expect(() => gemm(new Float64Array(4), new Float64Array(3), new Float64Array(4), 2, 2, 2)).toThrow(ShapeError);
    expect(() => gemm(new Float64Array(4), new Float64Array(4), new Float64Array(4), 2, -2, 2)).toThrow(/non-negative integers/);
  });
});

describe('gemmBatch', () => {
  const cases: [number, number][] = [
    [3, 3],
    [1, 4],
    [4, 1],
    [1, 1],
  ];
  for (const [ab, bb] of cases) {
    it(`batch ${ab} × batch ${bb}, all transposes`, () => {
      let seed = 7 * ab + bb;
      for (const [m, k, n] of [
        [1, 1, 1],
        [7, 5, 3],
        [33, 65, 7],
        [5, 1, 9],
      ] as const) {
        const As = Array.from({ length: ab }, () => Mat.random(m, k, { seed: seed++ }));
        const Bs = Array.from({ length: bb }, () => Mat.random(k, n, { seed: seed++ }));
        const batch = Math.max(ab, bb);
        for (const tA of [false, true]) {
          for (const tB of [false, true]) {
            const a = pack(As.map((A) => (tA ? transpose(A) : A)));
            const b = pack(Bs.map((B) => (tB ? transpose(B) : B)));
            const out = new Float64Array(batch * m * n).fill(NaN);
            expect(gemmBatch(out, a, ab, b, bb, m, k, n, tA, tB)).toBe(batch);
            const got = slices(out, batch, m, n);
            for (let t = 0; t < batch; t++) expectClose(got[t]!, matmulNaive(As[ab === 1 ? 0 : t]!, Bs[bb === 1 ? 0 : t]!), 1e-13);
          }
        }
      }
    });
  }

  it('batches that do not broadcast throw', () => {
    expect(() => gemmBatch(new Float64Array(6), new Float64Array(2), 2, new Float64Array(3), 3, 1, 1, 1)).toThrow(/batch sizes 2 and 3/);
    expect(() => gemmBatch(new Float64Array(1), new Float64Array(2), 2, new Float64Array(2), 2, 1, 1, 1)).toThrow(ShapeError);
  });
});
