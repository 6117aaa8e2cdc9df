import { beforeAll, describe, expect, it } from 'vitest';
import type { WebGpuBackend } from '../../src/backend/webgpu/index.js';
import { Mat, hessian, jacobian } from '../../src/index.js';
import { getLlvmpipeBackend, relFrobenius } from '../helpers/gpu.js';

/**
 * The same plans on Dawn + Mesa llvmpipe through OpenGL ES: WebGPU compatibility mode, with its
 * tighter limits (DESIGN.md §5). Full Jacobians and a Hessian against the CPU float64 path.
 */
let gpu: WebGpuBackend;
beforeAll(async () => {
  gpu = await getLlvmpipeBackend();
});

const n = 3;
const X = Mat.random(n, n, { seed: 21 });
for (let i = 0; i < n; i++) X.data[i * (n + 1)]! += n;
const at = { X, A: Mat.random(n, n, { seed: 22 }), B: Mat.random(n, n, { seed: 23 }) };

describe('WebGPU compatibility mode (llvmpipe): Jacobians match the CPU float64 path', () => {
  it('reports a compatibility-mode adapter', () => {
    expect(gpu.featureLevel).toBe('compatibility');
  });

  it.each(['A*X*B', "X*X'", 'inv(X)', 'sigmoid(A*X)', 'softmax(A*X)', '[X, A; A*X, X]'])('%s, every method, both layouts', async (e) => {
    for (const method of ['auto', 'structured', 'forward', 'reverse'] as const) {
      for (const layout of ['denominator', 'numerator'] as const) {
        const J = await jacobian(e, { wrt: 'X', at, method, layout, backend: gpu });
        const ref = await jacobian(e, { wrt: 'X', at, method: 'forward', layout, backend: 'cpu' });
        expect(relFrobenius(J.data, ref.data), `${e} ${method} ${layout}`).toBeLessThanOrEqual(1e-4);
      }
    }
  });

  it("the Hessian of logdet(X) + tr(X'*A*X)", async () => {
    const H = await hessian("logdet(X) + tr(X'*A*X)", { wrt: 'X', at, backend: gpu });
    const Hc = await hessian("logdet(X) + tr(X'*A*X)", { wrt: 'X', at, backend: 'cpu' });
    expect(relFrobenius(H.data, Hc.data)).toBeLessThanOrEqual(1e-4);
  });
});
