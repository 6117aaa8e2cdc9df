import { describe, expect, it } from 'vitest';
import { innerProducts } from '../../src/mat/inner.js';
import { mulberry32 } from '../../src/mat/mat.js';

describe('innerProducts: C = AᵀB for tall column blocks', () => {
  it('matches plain dot products for odd sizes, offsets and chunk boundaries', () => {
    const rand = mulberry32(7);
    for (const [N, p, q, aOff, bOff] of [
      [1, 1, 1, 0, 0],
      [7, 3, 5, 2, 1],
      [513, 9, 3, 0, 5],
      [1100, 4, 2, 3, 0],
      [2049, 13, 11, 1, 7],
    ] as const) {
      const A = Float64Array.from({ length: aOff + N * p }, () => rand() - 0.5);
      const B = Float64Array.from({ length: bOff + N * q }, () => rand() - 0.5);
      const C = new Float64Array(p * q).fill(NaN);
      innerProducts(C, A, aOff, B, bOff, N, p, q);
      for (let c = 0; c < q; c++) {
        for (let i = 0; i < p; i++) {
          let s = 0;
          for (let r = 0; r < N; r++) s += A[aOff + r + i * N]! * B[bOff + r + c * N]!;
          expect(Math.abs(C[i + c * p]! - s)).toBeLessThanOrEqual(1e-13 * N);
        }
      }
    }
  });
});
