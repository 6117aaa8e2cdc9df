/**
 * Hostile values on WebGPU (Dawn + SwiftShader, as in CI): a float32 result that overflows is
 * never returned. Named explicitly, the backend refuses it with NonFiniteError (code
 * E_NON_FINITE, precision 'f32'); under 'auto' the call re-runs in float64 on the CPU and says
 * so in the report. Random overflow-prone scales: a typed error or agreement with the float64
 * CPU path to float32 accuracy.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebGpuBackend } from '../../src/backend/webgpu/index.js';
import { Mat, NonFiniteError, grad, jacobian, registerBackend, resetBackends, type RunReport } from '../../src/index.js';
import { getSwiftShaderBackend, relFrobenius } from '../helpers/gpu.js';
import { expectCode, expectTyped, outcome } from './helpers.js';

export const HOSTILE_WEBGPU_CASES = 40;

let gpu: WebGpuBackend;
beforeAll(async () => {
  gpu = await getSwiftShaderBackend();
});
afterAll(() => resetBackends());

const X = Mat.random(3, 3, { seed: 1 });
const big = (s: number): Mat => Mat.from([[s, 0.5, 0], [0.25, s, 0], [0, 0.1, s]]);

describe('WebGPU: float32 overflow is detected', () => {
  it('exp(X) at X = 100, 1e39*X, A*X*B with large A, B: E_NON_FINITE on an explicit WebGPU backend', async () => {
    const cases: [string, Record<string, Mat>][] = [
      ['exp(X)', { X: Mat.fromColumnMajor(2, 2, [100, 1, 2, 100]) }],
      ['1e39*X', { X }],
      ['A*X*B', { X, A: big(1e20), B: big(1e20) }],
    ];
    for (const [e, at] of cases) {
      for (const method of ['auto', 'forward', 'reverse'] as const) {
        const err = await expectCode(() => jacobian(e, { wrt: 'X', at, backend: gpu, method }), 'E_NON_FINITE', `${e} ${method}`);
        expect((err as NonFiniteError).precision).toBe('f32');
        expect(err.message).toContain('float32');
      }
    }
    await expectCode(() => grad('sum(exp(X))', { wrt: 'X', at: { X: Mat.fromColumnMajor(1, 2, [100, 1]) }, backend: gpu }), 'E_NON_FINITE');
  });

  it("under 'auto' the overflowing call re-runs in float64 on the CPU, reported", async () => {
    registerBackend('webgpu', async () => gpu);
    const at = { X: Mat.fromColumnMajor(2, 2, [100, 1, 2, 100]) };
    const reports: RunReport[] = [];
    const J = await jacobian('exp(X)', { wrt: 'X', at, backend: 'auto', onReport: (r) => reports.push(r) });
    const ref = await jacobian('exp(X)', { wrt: 'X', at, backend: 'cpu' });
    expect(J.data).toBeInstanceOf(Float64Array);
    expect(Array.from(J.data)).toEqual(Array.from(ref.data));
    expect(reports[0]!.backend).toBe('cpu');
    expect(reports[0]!.skipped.find((s) => s.backend === 'webgpu')!.reason).toMatch(/float32 result had non-finite entries/);
    // a call that fits float32 still runs on the registered WebGPU backend
    const ok: RunReport[] = [];
    await jacobian('exp(X)', { wrt: 'X', at: { X }, backend: 'auto', onReport: (r) => ok.push(r) });
    expect(ok[0]!.backend).toBe('webgpu');
    resetBackends();
  });

  it('a moderately ill-conditioned inv (κ ≈ 4e4) is a warning in float32, none in float64', async () => {
    const at = { X: Mat.from([[1, 1], [1, 1.0001]]) };
    const gpuReports: RunReport[] = [];
    await jacobian('inv(X)', { wrt: 'X', at, backend: gpu, onReport: (r) => gpuReports.push(r) });
    expect(gpuReports[0]!.warnings?.[0]).toMatch(/condition number ≈ 4\.\de\+4.*float32/);
    const cpuReports: RunReport[] = [];
    await jacobian('inv(X)', { wrt: 'X', at, backend: 'cpu', onReport: (r) => cpuReports.push(r) });
    expect(cpuReports[0]!.warnings).toBeUndefined();
  });

  it(`random overflow-prone scales: a typed error or agreement with float64 (${HOSTILE_WEBGPU_CASES} cases)`, async () => {
    const exprs = ['exp(X)', 'A*X*B', 'X.*X', 'inv(X)', 'logdet(X)', 'X^3', 'sum(X.^2)', 'tr(X*X)'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...exprs), fc.integer({ min: -2, max: 40 }), fc.integer({ min: -30, max: 30 }), async (e, kx, ka) => {
        const at = { X: big(3 * 10 ** kx), A: big(10 ** ka), B: big(10 ** ka) };
        const context = `${e} at X·1e${kx}, A, B·1e${ka}`;
        const J = await outcome(() => jacobian(e, { wrt: 'X', at, backend: gpu }));
        expect(J.ms, context).toBeLessThan(30_000);
        if (!J.ok) return expectTyped(J.error, context);
        expect(J.value.data.every(Number.isFinite), `${context}: non-finite entries returned`).toBe(true);
        const ref = await outcome(() => jacobian(e, { wrt: 'X', at, backend: 'cpu' }));
        if (!ref.ok) return expectTyped(ref.error, `${context} (cpu)`);
        // float32 of entries near its range: relative agreement 1e-3 (well-conditioned inputs)
        expect(relFrobenius(J.value.data, ref.value.data), context).toBeLessThan(1e-3);
      }),
      { numRuns: HOSTILE_WEBGPU_CASES, seed: 2001 },
    );
  });
});
