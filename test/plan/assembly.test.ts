/**
 * The term descriptor (src/plan/assembly.ts) on its own: its entry formula against the dense
 * Kronecker construction, the strides of packed factors, and the CPU writer on descriptors
 * of a structure its fast column paths do not cover (the per-entry fallback).
 */
import { describe, expect, it } from 'vitest';
import type { Layout, Term } from '../../src/backend/backend.js';
import { writeAssembly } from '../../src/backend/cpu/index.js';
import { Mat } from '../../src/mat/index.js';
import { X0, X1, Y0, Y1, coordsOf, describeAssembly, entryValue, packed, strides, type Assembly, type FactorRead } from '../../src/plan/assembly.js';
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
