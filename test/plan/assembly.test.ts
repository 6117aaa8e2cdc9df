/**
 * The term descriptor (src/plan/assembly.ts) on its own: its entry formula against the dense
 * Kronecker construction, the strides of packed factors, the CPU writer on descriptors
 * of a structure its fast column paths do not cover (the per-entry fallback), and the entry bound.
 */
import { describe, expect, it } from 'vitest';
import type { Layout, Term } from '../../src/backend/backend.js';
import { writeAssembly } from '../../src/backend/cpu/index.js';
import { Mat } from '../../src/mat/index.js';
import { X0, X1, Y0, Y1, coordsOf, describeAssembly, entryBound, entryValue, packed, strides, type Assembly, type FactorRead } from '../../src/plan/assembly.js';
import { materializeKronDense } from '../helpers/kron-dense.js';
import { FACTOR_COMBOS, randomKronTerm } from '../helpers/terms.js';

let seed = 7;
const rnd = (r: number, c: number): Mat => Mat.random(r, c, { seed: seed++ });
const LAYOUTS: readonly Layout[] = ['numerator', 'denominator'];

describe('the term descriptor', () => {
  it('its entry formula is the dense α·diag(vec S)(Bᵀ⊗A)diag(vec C)[K_mn] and α·vec(U)vec(V)ᵀ, in both layouts', () => {
    for (const has of FACTOR_COMBOS) {
      for (const tr of [false, true]) {
        const { term, shape } = randomKronTerm(rnd, 3, 4, has, tr, 1.5);
        const outer: Term = { kind: 'outer', alpha: -0.5, U: rnd(shape.p * shape.q, 1), V: rnd(1, 12) };
        const J = materializeKronDense(term, shape);
        const Jo = materializeKronDense(outer, shape);
        for (const layout of LAYOUTS) {
          const A = describeAssembly([term, outer], shape, layout);
          for (let row = 0; row < A.rows; row++) {
            for (let col = 0; col < A.count; col++) {
              const [r, c] = layout === 'numerator' ? [row, col] : [col, row];
              expect(entryValue(A, row, col)).toBeCloseTo(J.get(r, c) + Jo.get(r, c), 12);
            }
          }
        }
      }
    }
  });

  it('coordinates and strides: M[coord(row), coord(col)] sits at Σ coord·stride, packed either way', () => {
    const A = describeAssembly([], { m: 3, n: 4, p: 5, q: 2 }, 'denominator');
    expect(A.ext).toEqual([3, 4, 5, 2]);
    expect(coordsOf(A, 2 + 3 * 3, 4 + 1 * 5)).toEqual([2, 3, 4, 1]);
    const M = rnd(4, 5);
    const r: FactorRead = { M, row: X1, col: Y0 };
    for (const fast of [X1, Y0] as const) {
      const data = packed(r, fast);
      const s = strides(r, r.col === fast);
      expect(s[fast]).toBe(1);
      for (let i = 0; i < 4; i++) for (let j = 0; j < 5; j++) expect(data[i * s[X1] + j * s[Y0]]).toBe(M.get(i, j));
    }
  });

  it('the CPU writer agrees with the entry formula on structures outside its fast paths', () => {
    const base = describeAssembly([], { m: 3, n: 4, p: 5, q: 2 }, 'numerator');
    // two factors over x0 (and identities between coordinates of the same side are not there):
    // the writer's per-entry path
    const terms = [
      { alpha: 0.75, reads: [{ M: rnd(5, 3), row: X0, col: Y0 }, { M: rnd(5, 4), row: X0, col: Y1 }], deltas: [] },
      { alpha: -2, reads: [{ M: rnd(2, 3), row: X1, col: Y0 }], deltas: [] },
      { alpha: 1, reads: [], deltas: [{ a: X1, b: Y1 }] },
    ] as const;
    const A: Assembly = { ...base, terms };
    const out = writeAssembly(A, new Float64Array(A.rows * A.count).fill(NaN), false, null);
    for (let row = 0; row < A.rows; row++) for (let col = 0; col < A.count; col++) expect(out[row + col * A.rows]).toBeCloseTo(entryValue(A, row, col), 13);
    // and a column tile with an add tile
    const add = rnd(A.rows, 4);
    const tile: Assembly = { ...A, col0: 5, count: 4 };
    const t = writeAssembly(tile, new Float64Array(A.rows * 4), true, Float64Array.from(add.data));
    for (let row = 0; row < A.rows; row++) for (let c = 0; c < 4; c++) expect(t[row + c * A.rows]).toBeCloseTo(entryValue(A, row, 5 + c) + add.get(row, c), 13);
  });
});

const scaled = (M: Mat, s: number): Mat => Mat.fromColumnMajor(M.rows, M.cols, M.data.map((x) => x * s));

describe('entryBound: a bound on every entry that proves a result finite unread', () => {
  it('bounds |entry| of random sums of terms (factor combinations, both layouts, an outer term)', () => {
    for (const has of FACTOR_COMBOS) {
      for (const tr of [false, true]) {
        const { term, shape } = randomKronTerm((r, c) => scaled(rnd(r, c), 40), 3, 4, has, tr, -2.5);
        const outer: Term = { kind: 'outer', alpha: 0.25, U: scaled(rnd(shape.p * shape.q, 1), 7), V: scaled(rnd(1, 12), 0.01) };
        for (const layout of LAYOUTS) {
          const A = describeAssembly([term, outer], shape, layout);
          const bound = entryBound(A);
          let max = 0;
          for (let row = 0; row < A.rows; row++) for (let col = 0; col < A.count; col++) max = Math.max(max, Math.abs(entryValue(A, row, col)));
          expect(max).toBeGreaterThan(0);
          expect(bound).toBeGreaterThanOrEqual(max);
          // and it is the product of the factors' largest magnitudes (at least 1 each), summed
          expect(bound).toBeLessThan(1e9);
        }
      }
    }
  });

  it('is Infinity with an add tile, NaN when a factor holds a NaN, and overflows with its factors', () => {
    const shape = { m: 2, n: 2, p: 2, q: 2 };
    const term = (A: Mat, B: Mat): Term => ({ kind: 'kron', alpha: 1, A, B, C: null, S: null, transposed: false });
    const A = rnd(2, 2);
    const withAdd = describeAssembly([term(A, rnd(2, 2))], shape, 'numerator');
    expect(entryBound({ ...withAdd, add: { batch: 1, rows: 4, cols: 4 } as never })).toBe(Infinity);
    const nan = rnd(2, 2);
    nan.data[3] = NaN;
    expect(entryBound(describeAssembly([term(A, nan)], shape, 'numerator'))).toBeNaN();
    const big = Mat.from([
      [1e200, 1],
      [1, 1],
    ]);
    expect(entryBound(describeAssembly([term(big, big)], shape, 'numerator'))).toBe(Infinity);
    // partial products count: max(1, ·) keeps a small factor from hiding a large pair
    const tiny = Mat.from([
      [1e-300, 0],
      [0, 1e-300],
    ]);
    const chain: Term = { kind: 'kron', alpha: 1, A: big, B: big, C: tiny, S: null, transposed: false };
    expect(entryBound(describeAssembly([chain], shape, 'numerator'))).toBe(Infinity);
  });
});
