import { describe, expect, it } from 'vitest';
import { orthonormalizeFast, project } from '../../src/eig/krylov-basis.js';
import { mulberry32 } from '../../src/mat/mat.js';

const dot = (x: Float64Array, a: number, y: Float64Array, b: number, N: number): number => {
  let s = 0;
  for (let r = 0; r < N; r++) s += x[a * N + r]! * y[b * N + r]!;
  return s;
};

function gaussianBlock(N: number, b: number, seed: number): Float64Array {
  const rand = mulberry32(seed);
  return Float64Array.from({ length: N * b }, () => rand() - 0.5);
}

describe('krylov-basis: block orthonormalisation against a basis', () => {
  const N = 700;
  const V = gaussianBlock(N, 12, 1);
  const coef = new Float64Array(64 * 8);
  // make V orthonormal first (project against the columns before, then CholQR2)
  expect(orthonormalizeFast(V, 12, V, N, 0, 0, mulberry32(2))).toBe(12);

  it('project: R ⊥ V afterwards, and R − R_before = −V C with C = VᵀR_before', () => {
    const R = gaussianBlock(N, 5, 3);
    const before = R.slice();
    const C = project(R, V, N, 2, 12, 5, coef).slice();
    for (let c = 0; c < 5; c++) {
      for (let i = 2; i < 12; i++) {
        expect(Math.abs(C[i - 2 + c * 10]! - dot(V, i, before, c, N))).toBeLessThanOrEqual(1e-12);
        expect(Math.abs(dot(V, i, R, c, N))).toBeLessThanOrEqual(1e-12);
      }
    }
  });

  it('CholQR2 path: orthonormal columns spanning the same space, still ⊥ V', () => {
    const R = gaussianBlock(N, 6, 4);
    project(R, V, N, 0, 12, 6, coef);
    project(R, V, N, 0, 12, 6, coef);
    const before = R.slice();
    expect(orthonormalizeFast(R, 6, V, N, 12, 0, mulberry32(5))).toBe(6);
    for (let a = 0; a < 6; a++) {
      for (let c = 0; c < 6; c++) expect(Math.abs(dot(R, a, R, c, N) - (a === c ? 1 : 0))).toBeLessThanOrEqual(1e-14);
      for (let i = 0; i < 12; i++) expect(Math.abs(dot(V, i, R, a, N))).toBeLessThanOrEqual(1e-12);
      // each original column lies in the new span: its residual after projection vanishes
      const col = before.slice(a * N, (a + 1) * N);
      for (let c = 0; c < 6; c++) {
        const s = dot(R, c, col, 0, N);
        for (let r = 0; r < N; r++) col[r] = col[r]! - s * R[c * N + r]!;
      }
      expect(Math.hypot(...col)).toBeLessThanOrEqual(1e-12 * Math.hypot(...before.slice(a * N, (a + 1) * N)));
    }
  });

  it('CholQR: a well-conditioned block is orthonormal after one pass, an ill-conditioned one (κ₂(RᵀR) ~ 1e8) after two, both to 1e-14', () => {
    for (const eps of [0, 1e-4]) {
      const R = gaussianBlock(N, 6, 8);
      // eps > 0: column 1 = column 0 + eps·(a random direction): κ₂(RᵀR) about 1/eps²
      if (eps > 0) for (let r = 0; r < N; r++) R[N + r] = R[r]! + eps * R[N + r]!;
      project(R, V, N, 0, 12, 6, coef);
      project(R, V, N, 0, 12, 6, coef);
      expect(orthonormalizeFast(R, 6, V, N, 12, 0, mulberry32(9))).toBe(6);
      for (let a = 0; a < 6; a++) for (let c = 0; c < 6; c++) expect(Math.abs(dot(R, a, R, c, N) - (a === c ? 1 : 0))).toBeLessThanOrEqual(1e-14);
    }
  });

  it('a dependent column declines CholQR2: the Gram–Schmidt path replaces it by a random direction orthogonal to all', () => {
    const R = gaussianBlock(N, 4, 6);
    project(R, V, N, 0, 12, 4, coef);
    project(R, V, N, 0, 12, 4, coef);
    R.copyWithin(2 * N, 0, N); // column 2 = column 0
    expect(orthonormalizeFast(R, 4, V, N, 12, 1e-10, mulberry32(7))).toBe(4);
    for (let a = 0; a < 4; a++) {
      for (let c = 0; c < 4; c++) expect(Math.abs(dot(R, a, R, c, N) - (a === c ? 1 : 0))).toBeLessThanOrEqual(1e-12);
      for (let i = 0; i < 12; i++) expect(Math.abs(dot(V, i, R, a, N))).toBeLessThanOrEqual(1e-12);
    }
  });
});
