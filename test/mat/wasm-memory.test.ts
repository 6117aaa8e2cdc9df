import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jacobian, Mat, inv } from '../../src/index.js';
import { simdAvailable } from '../../src/mat/gemm-simd.js';
import { matmul, matmulNaive } from '../../src/mat/matmul.js';

/**
 * The SIMD kernels' memories are replaced, never grown (src/mat/wasm-memory.ts): a grow detaches
 * an ArrayBuffer, which in V8 slows every typed-array loop of the process from then on. Any call
 * of WebAssembly.Memory.prototype.grow during these operations fails the test.
 */
describe('WebAssembly memories are never grown', () => {
  const grow = WebAssembly.Memory.prototype.grow;
  let grows = 0;
  beforeEach(() => {
    grows = 0;
    WebAssembly.Memory.prototype.grow = function (delta: number): number {
      grows++;
      return grow.call(this, delta);
    };
  });
  afterEach(() => {
    WebAssembly.Memory.prototype.grow = grow;
  });

  it.runIf(simdAvailable())('products, LU and inverses larger than any memory so far, and the SIMD Jacobian writer, still give the right numbers', async () => {
    // growing sizes: each needs more kernel memory than the one before
    for (const n of [40, 120, 260, 400]) {
      const A = Mat.random(n, n, { seed: n });
      const B = Mat.random(n, n, { seed: n + 1 });
      const C = matmul(A, B);
      const D = matmulNaive(A, B);
      let err = 0;
      for (let i = 0; i < n * n; i++) err = Math.max(err, Math.abs(C.data[i]! - D.data[i]!));
      expect(err).toBeLessThanOrEqual(1e-12 * n);
      const X = Mat.random(n, n, { seed: n + 2 });
      for (let i = 0; i < n; i++) X.data[i + i * n]! += n;
      const Y = inv(X);
      const I = matmul(X, Y);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(Math.abs(I.data[i + j * n]! - (i === j ? 1 : 0))).toBeLessThanOrEqual(1e-10);
    }
    // the Kronecker writer's kernel at outputs up to its limit (n = 16, 24, 32)
    for (const n of [16, 24, 32]) {
      const at = { X: Mat.random(n, n, { seed: 1 }), A: Mat.random(n, n, { seed: 2 }), B: Mat.random(n, n, { seed: 3 }) };
      const J = await jacobian('A*X*B', { wrt: 'X', at, backend: 'cpu' });
      // denominator layout (the default): D = (Bᵀ ⊗ A)ᵀ, entry (p + n·q, i + n·j) = A[i, p]·B[q, j]
      for (const [i, j, p, q] of [[0, 0, 0, 0], [n - 1, 2, 3, n - 1], [5, n - 1, n - 2, 1]] as const) {
        expect(J.data[p + n * q + n * n * (i + n * j)]).toBeCloseTo(at.A.data[i + n * p]! * at.B.data[q + n * j]!, 12);
      }
    }
    expect(grows).toBe(0);
  });
});
