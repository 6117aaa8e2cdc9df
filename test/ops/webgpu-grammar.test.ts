/**
 * The grammar additions on WebGPU (Dawn + SwiftShader, as in CI): every method and layout
 * against the CPU float64 path (relative Frobenius error ≤ 1e-4, DESIGN.md §3), and Hessians.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebGpuBackend } from '../../src/backend/webgpu/index.js';
import { Mat, hessian, jacobian, resetBackends } from '../../src/index.js';
import { getSwiftShaderBackend, relFrobenius } from '../helpers/gpu.js';

let gpu: WebGpuBackend;
beforeAll(async () => {
  gpu = await getSwiftShaderBackend();
});
afterAll(() => resetBackends());

const n = 3;
const X = Mat.random(n, n, { seed: 51, lo: 0.2, hi: 0.9 });
for (let i = 0; i < n; i++) X.data[i + i * n]! += n;
const at = { X, A: Mat.random(n, n, { seed: 52 }), Y: Mat.random(n, n, { seed: 53, lo: -0.5, hi: 0.5 }), s: Mat.scalar(0.6) };
const expressions = [
  'A/X', 'X\\A', 'X/2 + 1/tr(X)', 'abs(A*X) + sign(A)', 'max(X, Y) + min(A*X, 0.5)', 'relu(A*X - 3)', 'tan(X/4) + sinh(Y) + cosh(Y) + atan(X)',
  'X(2:end, 1:2)', 'A*X(:, end)', 'sum(X, 1)', 'mean(A*X, 2)', "dot(X(:, 1), A(:, 2)) + norm(X(:, 1), 1)", 'X + pi*eye(3) + ones(3, 3)',
  'X.^Y', 'logsumexp(A*X)', 'expm(X/4)', 'adj(X)', 'det(X)*s',
];

describe('WebGPU (SwiftShader): the grammar additions match the CPU float64 path', () => {
  it.each(expressions)('%s: every method, both layouts', async (e) => {
    for (const method of ['auto', 'structured', 'forward', 'reverse'] as const) {
      for (const layout of ['denominator', 'numerator'] as const) {
        const J = await jacobian(e, { wrt: 'X', at, method, layout, backend: gpu });
        const ref = await jacobian(e, { wrt: 'X', at, method: 'forward', layout, backend: 'cpu' });
        expect(J.data, `${e} ${method} ${layout}`).toBeInstanceOf(Float32Array);
        expect([J.rows, J.cols]).toEqual([ref.rows, ref.cols]);
        expect(relFrobenius(J.data, ref.data), `${e} ${method} ${layout}`).toBeLessThanOrEqual(1e-4);
      }
    }
  });

  it.each(['tr(expm(X/4))', 'det(X)', 'logsumexp(X) + sum(max(X, Y).^2)'])('Hessian of %s', async (f) => {
    for (const method of ['auto', 'forward', 'reverse'] as const) {
      const H = await hessian(f, { wrt: 'X', at, method, backend: gpu });
      const Hc = await hessian(f, { wrt: 'X', at, method, backend: 'cpu' });
      expect(relFrobenius(H.data, Hc.data), `${f} ${method}`).toBeLessThanOrEqual(1e-4);
    }
  });
});
