import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebGpuBackend } from '../../src/backend/webgpu/index.js';
import { Mat, criticalPoint, eigvalsh, hessian, hessianEigs, resetBackends, spectralDensity } from '../../src/index.js';
import { getSwiftShaderBackend } from '../helpers/gpu.js';

/**
 * Matrix-free Hessian analysis with the Hessian-vector products on WebGPU (Dawn + SwiftShader,
 * as in CI; float32 products, float64 Lanczos) against the CPU float64 dense path.
 */
let gpu: WebGpuBackend;
beforeAll(async () => {
  gpu = await getSwiftShaderBackend();
});
afterAll(() => resetBackends());

const f = 'sum(sigmoid(A*X*C)) + sum(D.*X.^2)';
const inputs = (m: number, n: number) => ({
  X: Mat.random(m, n, { seed: 1 }),
  A: Mat.random(m, m, { seed: 2 }),
  C: Mat.random(n, n, { seed: 3 }),
  D: Mat.random(m, n, { seed: 4 }),
});

describe('WebGPU (SwiftShader): hessianEigs matches eigh of the CPU float64 Hessian', () => {
  it.each([
    [12, 12],
    [40, 30],
  ])('%i×%i: 4 largest and 4 smallest', async (m, n) => {
    const at = inputs(m, n);
    const w = eigvalsh(await hessian(f, { wrt: 'X', at, backend: 'cpu' }));
    const N = m * n;
    const norm = Math.max(Math.abs(w[0]!), Math.abs(w[N - 1]!));
    const r = await hessianEigs(f, { wrt: 'X', at, k: 8, which: 'both', backend: gpu });
    expect(r.precision).toBe('f32');
    expect(r.converged).toBe(true);
    const want = [...w.slice(0, 4), ...w.slice(N - 4)];
    for (let i = 0; i < 8; i++) {
      expect(r.residuals[i]!).toBeLessThanOrEqual(r.tol * norm * 1.01);
      // float32 products: agreement to the relative 1e-4 of DESIGN §3
      expect(Math.abs(r.values[i]! - want[i]!)).toBeLessThanOrEqual(1e-4 * norm);
    }
  });

  it('criticalPoint (Lanczos path) and spectralDensity (SLQ) run there too', async () => {
    const at = inputs(12, 12);
    const dense = await criticalPoint(f, { wrt: 'X', at, backend: 'cpu' });
    const lz = await criticalPoint(f, { wrt: 'X', at, backend: gpu, denseUpTo: 0 });
    expect(lz.method).toBe('lanczos');
    expect(lz.kind).toBe(dense.kind);
    expect(Math.abs(lz.lambdaMin - dense.lambdaMin)).toBeLessThanOrEqual(1e-4 * Math.abs(dense.lambdaMin));
    expect(Math.abs(lz.lambdaMax - dense.lambdaMax)).toBeLessThanOrEqual(1e-4 * Math.abs(dense.lambdaMax));
    const cpu = await spectralDensity(f, { wrt: 'X', at, backend: 'cpu', method: 'slq', probes: 4, steps: 30 });
    const g = await spectralDensity(f, { wrt: 'X', at, backend: gpu, method: 'slq', probes: 4, steps: 30, grid: cpu.grid, sigma: cpu.sigma });
    expect(g.method).toBe('slq');
    expect(Math.abs(g.trace - cpu.trace)).toBeLessThanOrEqual(1e-4 * Math.abs(cpu.trace) + 1e-4);
    let l1 = 0;
    for (let i = 1; i < cpu.grid.length; i++) l1 += (cpu.grid[i]! - cpu.grid[i - 1]!) * Math.abs(g.density[i]! - cpu.density[i]!);
    expect(l1).toBeLessThanOrEqual(1e-2);
  });
});
