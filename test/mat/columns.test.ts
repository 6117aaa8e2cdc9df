/**
 * The column kernels of the CPU Jacobian writer (src/mat/columns.ts): the register-tiled
 * Kronecker column `g · (X ⊗ Y)` against its entry formula, and the writer's read-ahead path
 * (outputs larger than the caches) against the entry formula of the descriptor.
 */
import { describe, expect, it } from 'vitest';
import type { KronTerm } from '../../src/backend/backend.js';
import { writeAssembly } from '../../src/backend/cpu/index.js';
import { kronWrite, kronWriteTiled } from '../../src/mat/columns.js';
import { Mat } from '../../src/mat/index.js';
import { describeAssembly, entryValue, type Assembly } from '../../src/plan/assembly.js';

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
