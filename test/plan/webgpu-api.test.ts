import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebGpuBackend } from '../../src/backend/webgpu/index.js';
import { DeviceLostError, Mat, hessian, hvp, grad, jacobian, jacobianTiles, jvp, vjp, registerBackend, resetBackends, type RunReport } from '../../src/index.js';
import { arbExpr } from '../expr/arbitrary.js';
import { getSwiftShaderBackend, relFrobenius } from '../helpers/gpu.js';

/**
 * Full Jacobians and Hessians on WebGPU (Dawn + SwiftShader, as in CI) against the CPU float64
 * path: relative Frobenius error ≤ 1e-4 (DESIGN.md §3), both layouts, every method.
 */
let gpu: WebGpuBackend;
beforeAll(async () => {
  gpu = await getSwiftShaderBackend();
});
afterAll(() => resetBackends());

function wellConditioned(n: number, seed: number): Mat {
  const X = Mat.random(n, n, { seed });
  for (let i = 0; i < n; i++) X.data[i + i * n]! += n;
  return X;
}

const n = 4;
const at = { X: wellConditioned(n, 1), A: Mat.random(n, n, { seed: 2 }), B: Mat.random(n, n, { seed: 3 }), x: Mat.random(n, 1, { seed: 4 }), y: Mat.col([0.1, 0.2, 0.3, 0.4]) };
const expressions = [
  'A*X*B', "X*X'", 'inv(X)', "X'", 'sigmoid(A*X)', 'softmax(A*X)', 'kron(X, A)', '[X, A; A*X, X.^2]', 'vec(A*X*B)',
  'exp(A*X)*B', 'X(2,3)*X', 'det(X)*inv(X)', "tr(X'*A*X)", 'logdet(X)', "-y'*log(softmax(X*x))",
];

describe('WebGPU (SwiftShader): Jacobians match the CPU float64 path', () => {
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

  it('Hessians, gradients, jvp, vjp, hvp', async () => {
    const f = "logdet(X) + tr(X'*A*X)";
    for (const method of ['auto', 'forward', 'reverse'] as const) {
      const H = await hessian(f, { wrt: 'X', at, method, backend: gpu });
      const Hc = await hessian(f, { wrt: 'X', at, method, backend: 'cpu' });
      expect(relFrobenius(H.data, Hc.data), method).toBeLessThanOrEqual(1e-4);
    }
    const V = Mat.random(n, n, { seed: 9 });
    for (const [g, c] of [
      [await grad(f, { wrt: 'X', at, backend: gpu }), await grad(f, { wrt: 'X', at, backend: 'cpu' })],
      [await hvp(f, { wrt: 'X', at, v: V, backend: gpu }), await hvp(f, { wrt: 'X', at, v: V, backend: 'cpu' })],
      [await jvp('inv(X)*A', { wrt: 'X', at, tangent: V, backend: gpu }), await jvp('inv(X)*A', { wrt: 'X', at, tangent: V, backend: 'cpu' })],
      [await vjp('inv(X)*A', { wrt: 'X', at, cotangent: V, backend: gpu }), await vjp('inv(X)*A', { wrt: 'X', at, cotangent: V, backend: 'cpu' })],
    ] as const) {
      expect(relFrobenius(g.data, c.data)).toBeLessThanOrEqual(1e-4);
    }
  });

  it('column tiles stream the same matrix', async () => {
    for (const e of ['A*X*B', 'kron(X, A)']) {
      for (const layout of ['denominator', 'numerator'] as const) {
        const full = await jacobian(e, { wrt: 'X', at, layout, backend: 'cpu' });
        const cols: number[] = [];
        for await (const t of jacobianTiles(e, { wrt: 'X', at, layout, backend: gpu, tileCols: 3 })) cols.push(...t.tile.data);
        expect(relFrobenius(cols, full.data), `${e} ${layout}`).toBeLessThanOrEqual(1e-4);
      }
    }
  });

  it('random expressions over the whole grammar (fast-check, fixed seed)', async () => {
    await fc.assert(
      fc.asyncProperty(arbExpr({ maxDepth: 3, maxDim: 3 }), async (g) => {
        const names = Object.keys(g.env);
        fc.pre(names.length > 0); // a constant expression has nothing to differentiate
        const wrt = names[0]!;
        for (const layout of ['denominator', 'numerator'] as const) {
          const J = await jacobian(g.text, { wrt, at: g.env, layout, backend: gpu });
          const ref = await jacobian(g.text, { wrt, at: g.env, layout, backend: 'cpu' });
          let norm = 0;
          for (const v of ref.data) norm += v * v;
          const scale = Math.max(1, Math.sqrt(norm));
          let d = 0;
          for (let k = 0; k < ref.data.length; k++) d += (J.data[k]! - ref.data[k]!) ** 2;
          // relative to ‖J‖ (with an absolute floor for Jacobians near zero)
          expect(Math.sqrt(d) / scale, `${g.text} ${layout}`).toBeLessThanOrEqual(1e-4);
        }
      }),
      { seed: 7, numRuns: 25 },
    );
  });

  it("'auto' picks WebGPU when an adapter is there, and reports it", async () => {
    registerBackend('webgpu', async () => gpu);
    let report: RunReport | undefined;
    await jacobian('A*X*B', { wrt: 'X', at, onReport: (r) => (report = r) });
    expect(report!.backend).toBe('webgpu');
    expect(report!.device).toMatch(/swiftshader/i);
  });

  it("a real device loss mid-plan: explicit 'webgpu' throws DeviceLostError, 'auto' re-runs on the CPU", async () => {
    const doomed = await getSwiftShaderBackend();
    const assemble = doomed.assemble.bind(doomed);
    // destroy the device right after the assembly is enqueued, before the readback
    doomed.assemble = (...args: Parameters<typeof assemble>) => {
      const out = assemble(...args);
      doomed.gpuDevice.destroy();
      return out;
    };
    await expect(jacobian('A*X*B', { wrt: 'X', at, backend: doomed })).rejects.toBeInstanceOf(DeviceLostError);
    const doomed2 = await getSwiftShaderBackend();
    const assemble2 = doomed2.assemble.bind(doomed2);
    doomed2.assemble = (...args: Parameters<typeof assemble2>) => {
      const out = assemble2(...args);
      doomed2.gpuDevice.destroy();
      return out;
    };
    registerBackend('webgpu', async () => doomed2);
    let report: RunReport | undefined;
    const J = await jacobian('A*X*B', { wrt: 'X', at, onReport: (r) => (report = r) });
    const ref = await jacobian('A*X*B', { wrt: 'X', at, backend: 'cpu' });
    expect(relFrobenius(J.data, ref.data)).toBeLessThanOrEqual(1e-12);
    expect(report!.backend).toBe('cpu');
    expect(report!.skipped.find((s) => s.backend === 'webgpu')!.reason).toMatch(/device lost/);
  });
});
