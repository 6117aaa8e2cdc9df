/**
 * The column kernels of the CPU Jacobian writer (src/mat/columns.ts): the register-tiled
 * Kronecker column `g · (X ⊗ Y)` and four columns sharing Y against their entry formula, and the
 * writer's paths for outputs larger than the caches against the entry formula of the descriptor.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/mat/mat.js';
import type { KronTerm } from '../../src/backend/backend.js';
import { writeAssembly } from '../../src/backend/cpu/index.js';
import { kronWrite, kronWrite4, kronWriteTiled } from '../../src/mat/columns.js';
import { Mat } from '../../src/mat/index.js';
import { describeAssembly, entryValue, type Assembly } from '../../src/plan/assembly.js';

/** A small deterministic generator (the library's mulberry32). */
const rng = mulberry32;

describe('kronWriteTiled: out[o + a·yLen + b] = g · X[xo + a] · Y[yo + b]', () => {
  it('random lengths (every remainder of 4 and 8), offsets, read-ahead on and off, the entries around untouched', () => {
    const r = rng(12);
    for (let trial = 0; trial < 300; trial++) {
      const xLen = Math.floor(r() * 14);
      const yLen = Math.floor(r() * 27);
      const xo = Math.floor(r() * 5);
      const yo = Math.floor(r() * 5);
      const o = Math.floor(r() * 7);
      const g = r() * 4 - 2;
      const X = Float64Array.from({ length: xo + xLen + 3 }, () => r() * 2 - 1);
      const Y = Float64Array.from({ length: yo + yLen + 3 }, () => r() * 2 - 1);
      const size = o + xLen * yLen + 5;
      const touch = trial % 2 === 0;
      const out = new Float64Array(size).fill(NaN);
      kronWriteTiled(out, o, X, xo, xLen, Y, yo, yLen, g, touch);
      for (let a = 0; a < xLen; a++) for (let b = 0; b < yLen; b++) expect(out[o + a * yLen + b]).toBe(g * X[xo + a]! * Y[yo + b]!);
      for (let k = 0; k < o; k++) expect(out[k]).toBeNaN();
      for (let k = o + xLen * yLen; k < size; k++) expect(out[k]).toBeNaN();
      // the same values as the sequential kernel, bit for bit
      const seq = new Float64Array(size).fill(NaN);
      kronWrite(seq, o, X, xo, xLen, Y, yo, yLen, g);
      expect(Array.from(out)).toEqual(Array.from(seq));
    }
  });
});

describe('kronWrite4: four columns sharing Y, out[o_j + a·yLen + b] = g_j · X[x_j + a] · Y[yo + b]', () => {
  it('random lengths, column offsets anywhere in the buffer (disjoint), the entries around untouched', () => {
    const r = rng(21);
    for (let trial = 0; trial < 200; trial++) {
      const xLen = Math.floor(r() * 7);
      const yLen = Math.floor(r() * 27);
      const yo = Math.floor(r() * 5);
      const colLen = xLen * yLen;
      const gap = Math.floor(r() * 4);
      // four disjoint slots of colLen + gap entries, in a random order
      const slots = [0, 1, 2, 3].sort(() => r() - 0.5);
      const o = slots.map((k) => 2 + k * (colLen + gap));
      const X = Float64Array.from({ length: 4 * xLen + 9 }, () => r() * 2 - 1);
      const x = [0, 1, 2, 3].map(() => Math.floor(r() * (3 * xLen + 9)));
      const Y = Float64Array.from({ length: yo + yLen + 2 }, () => r() * 2 - 1);
      const g = [0, 1, 2, 3].map(() => r() * 4 - 2);
      const size = 2 + 4 * (colLen + gap) + 3;
      const out = new Float64Array(size).fill(NaN);
      kronWrite4(out, o, X, x, xLen, Y, yo, yLen, g);
      const want = new Float64Array(size).fill(NaN);
      for (let j = 0; j < 4; j++) kronWrite(want, o[j]!, X, x[j]!, xLen, Y, yo, yLen, g[j]!);
      expect(Array.from(out)).toEqual(Array.from(want));
      for (let j = 0; j < 4; j++) for (let a = 0; a < xLen; a++) for (let b = 0; b < yLen; b++) expect(out[o[j]! + a * yLen + b]).toBe(g[j]! * X[x[j]! + a]! * Y[yo + b]!);
    }
  });
});

describe('the writer: the lead term four columns at a time, in whole Jacobians and column tiles', () => {
  it('both layouts, transposed or not, with S, plus a second dense term, random tile ranges of a 5×6 → 7×5 map, an identity term, fresh and NaN-filled', () => {
    const r = rng(33);
    let seed = 40;
    const rnd = (rows: number, cols: number): Mat => Mat.random(rows, cols, { seed: seed++ });
    for (const layout of ['numerator', 'denominator'] as const) {
      for (const transposed of [false, true]) {
        const [m, n] = [5, 6];
        const [ka, kb] = transposed ? [n, m] : [m, n];
        const [p, q] = [7, 5];
        const lead: KronTerm = { kind: 'kron', alpha: 0.5, A: rnd(p, ka), B: rnd(kb, q), C: null, S: rnd(p, q), transposed };
        // added to the four columns right after the lead writes them
        const dense: KronTerm = { kind: 'kron', alpha: -1.5, A: rnd(p, m), B: rnd(n, q), C: rnd(m, n), S: null, transposed: false };
        const ident: KronTerm = { kind: 'kron', alpha: 2, A: rnd(p, n), B: null, C: null, S: null, transposed: true };
        const terms = [lead, dense, ...(q === m ? [ident] : [])];
        const shape = { m, n, p, q };
        const whole = describeAssembly(terms, shape, layout);
        for (let trial = 0; trial < 12; trial++) {
          const col0 = trial === 0 ? 0 : Math.floor(r() * whole.totalCols);
          const count = trial === 0 ? whole.totalCols : 1 + Math.floor(r() * (whole.totalCols - col0));
          const asm = describeAssembly(terms, shape, layout, { cols: { col0, count } });
          for (const fresh of [true, false]) {
            const out = writeAssembly(asm, fresh ? new Float64Array(asm.rows * count) : new Float64Array(asm.rows * count).fill(NaN), fresh, null);
            for (let row = 0; row < asm.rows; row++) for (let c = 0; c < count; c++) expect(out[row + c * asm.rows]).toBeCloseTo(entryValue(asm, row, col0 + c), 13);
          }
        }
      }
    }
  });
});

describe('the writer on an output larger than the caches (read ahead of the tiled stores)', () => {
  it('A·X·B plus an identity term, 46²×46² (35 MB): a reused, NaN-filled buffer matches a fresh one and the entry formula', () => {
    const n = 46;
    const A = Mat.random(n, n, { seed: 3 });
    const B = Mat.random(n, n, { seed: 4 });
    const dense: KronTerm = { kind: 'kron', alpha: 1.5, A, B, C: null, S: null, transposed: false };
    const ident: KronTerm = { kind: 'kron', alpha: -1, A: null, B: Mat.random(n, n, { seed: 5 }), C: null, S: null, transposed: true };
    const asm = describeAssembly([dense, ident], { m: n, n, p: n, q: n }, 'denominator');
    const len = asm.rows * asm.count;
    expect(8 * len).toBeGreaterThan(32 * 2 ** 20);
    const reused = writeAssembly(asm, new Float64Array(len).fill(NaN), false, null);
    const fresh = writeAssembly(asm, new Float64Array(len), true, null);
    expect(reused.every((v, k) => v === fresh[k])).toBe(true);
    expectEntries(asm, reused, 5);
  });

  it("X·Xᵀ's two identity terms, 46²×46²: a reused, NaN-filled buffer is zeroed column by column, a fresh one faulted in by writes", () => {
    const n = 46;
    const X = Mat.random(n, n, { seed: 6 });
    const left: KronTerm = { kind: 'kron', alpha: 1, A: null, B: X, C: null, S: null, transposed: false };
    const right: KronTerm = { kind: 'kron', alpha: 1, A: X, B: null, C: null, S: null, transposed: true };
    const asm = describeAssembly([left, right], { m: n, n, p: n, q: n }, 'denominator');
    const len = asm.rows * asm.count;
    expect(8 * len).toBeGreaterThan(32 * 2 ** 20);
    const reused = writeAssembly(asm, new Float64Array(len).fill(NaN), false, null);
    const fresh = writeAssembly(asm, new Float64Array(len), true, null);
    expect(reused.every((v, k) => v === fresh[k])).toBe(true);
    expectEntries(asm, reused, 6);
    // each column holds 2n − 1 or 2n nonzeros, the rest are exact zeros
    const nonzeros = reused.reduce((c, v) => c + (v !== 0 ? 1 : 0), 0);
    expect(nonzeros).toBeGreaterThanOrEqual(asm.count * (2 * n - 1));
    expect(nonzeros).toBeLessThanOrEqual(asm.count * 2 * n);
  });
});

/** Random entries of the written output against the descriptor's entry formula. */
function expectEntries(asm: Assembly, out: Float64Array, seed: number): void {
  const r = rng(seed);
  for (let s = 0; s < 4000; s++) {
    const row = Math.floor(r() * asm.rows);
    const col = Math.floor(r() * asm.count);
    expect(out[row + col * asm.rows]).toBeCloseTo(entryValue(asm, row, col), 13);
  }
}
