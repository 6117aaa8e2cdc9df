import { describe, expect, it } from 'vitest';
import { simdBasis } from '../../src/eig/simd-basis.js';
import { project } from '../../src/eig/krylov-basis.js';
import { innerProducts } from '../../src/mat/inner.js';
import { mulberry32 } from '../../src/mat/mat.js';
import { simdAvailable } from '../../src/mat/gemm-simd.js';

describe('simdBasis: the Lanczos products in the SIMD kernel’s memory, against the JavaScript path', () => {
  it('is null where the kernel cannot run the rows (N not a multiple of 4)', () => {
    expect(simdBasis(30, 10, 4)).toBeNull();
  });

  it.runIf(simdAvailable())('project (Cᵀ = RᵀV, R −= VC), gram (RᵀR) and rightMultiply (R·W) match, for column ranges not multiples of 4', () => {
    const rand = mulberry32(3);
    for (const [N, M, b, from, to] of [
      [64, 20, 3, 0, 7],
      [128, 24, 6, 5, 22],
      [1028, 40, 10, 3, 40],
    ] as const) {
      const basis = simdBasis(N, M, 2 * b)!;
      expect(basis).not.toBeNull();
      for (let i = 0; i < N * M; i++) basis.V[i] = rand() - 0.5;
      // stale entries in R's padding columns must not matter
      basis.R.fill(1e3);
      const R0 = Float64Array.from({ length: N * b }, () => rand() - 0.5);
      basis.R.set(R0);
      const V = basis.V.slice();
      const Rjs = R0.slice();
      // the first half alone leaves R as it was and gives the same coefficients
      const half = basis.coefficients(from, to, b, new Float64Array(M * b)).slice();
      for (let i = 0; i < N * b; i++) expect(basis.R[i]).toBe(R0[i]);
      const cs = basis.project(from, to, b, new Float64Array(M * b)).slice();
      expect(Array.from(half)).toEqual(Array.from(cs));
      const cj = project(Rjs, V, N, from, to, b, new Float64Array(M * b)).slice();
      for (let i = 0; i < cs.length; i++) expect(Math.abs(cs[i]! - cj[i]!)).toBeLessThanOrEqual(1e-12);
      for (let i = 0; i < N * b; i++) expect(Math.abs(basis.R[i]! - Rjs[i]!)).toBeLessThanOrEqual(1e-12);
      const G = basis.gram(b, new Float64Array(b * b));
      const Gj = innerProducts(new Float64Array(b * b), Rjs, 0, Rjs, 0, N, b, b);
      for (let i = 0; i < b * b; i++) expect(Math.abs(G[i]! - Gj[i]!)).toBeLessThanOrEqual(1e-11 * Math.max(1, Math.abs(Gj[i]!)));
      // R ← R·W against the plain triple loop
      const W = Float64Array.from({ length: b * b }, () => rand() - 0.5);
      const before = basis.R.slice(0, N * b);
      basis.rightMultiply(b, W);
      for (let c = 0; c < b; c++) {
        for (let r = 0; r < N; r++) {
          let s = 0;
          for (let t = 0; t < b; t++) s += before[r + t * N]! * W[t + c * b]!;
          expect(Math.abs(basis.R[r + c * N]! - s)).toBeLessThanOrEqual(1e-12);
        }
      }
    }
  });

  it.runIf(simdAvailable())('rotate (a thick restart V[:, f : f + c] ← V[:, f : f + r]·S) matches the triple loop, in place, other columns untouched', () => {
    const rand = mulberry32(5);
    for (const [N, M, from, r, c] of [
      [64, 20, 0, 20, 7],
      [132, 24, 5, 17, 10],
      [1028, 60, 12, 48, 21],
    ] as const) {
      const basis = simdBasis(N, M, 8)!;
      for (let i = 0; i < N * M; i++) basis.V[i] = rand() - 0.5;
      const V = basis.V.slice();
      const S = Float64Array.from({ length: r * c }, () => rand() - 0.5);
      basis.rotate(from, r, c, S);
      for (let col = 0; col < M; col++) {
        for (let row = 0; row < N; row++) {
          let want = V[row + col * N]!;
          if (col >= from && col < from + c) {
            want = 0;
            for (let t = 0; t < r; t++) want += V[row + (from + t) * N]! * S[t + (col - from) * r]!;
          }
          expect(Math.abs(basis.V[row + col * N]! - want)).toBeLessThanOrEqual(1e-12);
        }
      }
    }
  });
});
