import { describe, expect, it } from 'vitest';
import { lanczos } from '../../src/eig/lanczos.js';
import { Mat, eigvalsh } from '../../src/index.js';

/** H = I_r ⊗ S (every eigenvalue of S repeated r times) as an operator on blocks of columns. */
function kronIdentity(S: Mat, r: number): { apply: (V: Float64Array, P: number) => Promise<Float64Array>; N: number } {
  const n = S.rows;
  const N = n * r;
  return {
    N,
    apply: async (V, P) => {
      const W = new Float64Array(N * P);
      for (let p = 0; p < P; p++) {
        for (let blk = 0; blk < r; blk++) {
          const at = p * N + blk * n;
          for (let c = 0; c < n; c++) {
            const x = V[at + c]!;
            for (let i = 0; i < n; i++) W[at + i] = W[at + i]! + S.data[i + c * n]! * x;
          }
        }
      }
      return W;
    },
  };
}

describe('lanczos: block sizes other than k', () => {
  it('a block smaller than k on an eigenvalue repeated more than the block: no overflow of the block storage, the k largest found', async () => {
    const n = 12;
    const A = Mat.random(n, n, { seed: 21 });
    const S = new Mat(n, n, Float64Array.from({ length: n * n }, (_, t) => A.data[t]! + A.data[(t % n) * n + Math.floor(t / n)]!));
    const exact = Array.from(eigvalsh(S)).sort((x, y) => y - x);
    const { apply, N } = kronIdentity(S, 16);
    for (const block of [3, 4, 6]) {
      const r = await lanczos(apply, N, { k: 10, which: 'largest', tol: 1e-9, maxIter: 4000, seed: 2, block });
      expect(r.converged).toBe(true);
      // the largest eigenvalue of S is repeated 16 times: all ten found are copies of it
      for (const v of r.values) expect(Math.abs(v - exact[0]!)).toBeLessThanOrEqual(1e-8 * Math.abs(exact[0]!));
      for (const res of r.residuals) expect(res).toBeLessThanOrEqual(1e-9 * r.normEstimate * 1.0000001);
    }
  });
});
