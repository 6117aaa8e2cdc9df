import { afterEach, describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/backend/cpu/index.js';
import type { Backend } from '../../src/backend/backend.js';
import { BackendUnavailableError, DeviceLostError, Mat, jacobian, kron, relError, transpose } from '../../src/index.js';
import { registerBackend, resetBackends, type RunReport } from '../../src/plan/backends.js';

/** A CPU backend that loses its "device" when the result is read back. */
function losingBackend(name: 'webgpu' | 'gpujs'): Backend {
  const cpu = new CpuBackend();
  return Object.assign(Object.create(cpu) as Backend, {
    name,
    device: `${name} test double`,
    read: () => Promise.reject(new DeviceLostError(name, 'test: device destroyed')),
  });
}

const A = Mat.random(3, 2, { seed: 1 });
const X = Mat.random(2, 4, { seed: 2 });
const B = Mat.random(4, 3, { seed: 3 });
const closed = kron(B, transpose(A));

describe("backend selection ('auto' and explicit)", () => {
  afterEach(() => resetBackends());

  it("'auto' passes unavailable backends by and reports why", async () => {
    registerBackend('webgpu', () => Promise.reject(new BackendUnavailableError('webgpu', 'test: no adapter')));
    registerBackend('gpujs', () => Promise.reject(new Error('test: gpu.js failed to start')));
    let report: RunReport | undefined;
    const J = await jacobian('A*X*B', { wrt: 'X', at: { A, X, B }, onReport: (r) => (report = r) });
    expect(relError(J, closed)).toBeLessThan(1e-12);
    expect(report!.backend).toBe('cpu');
    expect(report!.skipped.map((s) => s.backend)).toEqual(['webgpu', 'gpujs']);
    expect(report!.skipped[0]!.reason).toContain('no adapter');
    expect(report!.skipped[1]!.reason).toContain('gpu.js failed to start');
  });

  it('an explicitly named backend never falls back: it throws', async () => {
    registerBackend('webgpu', () => Promise.reject(new BackendUnavailableError('webgpu', 'test: no adapter')));
    await expect(jacobian('A*X*B', { wrt: 'X', at: { A, X, B }, backend: 'webgpu' })).rejects.toBeInstanceOf(BackendUnavailableError);
  });

  it("a device lost mid-run: 'auto' re-runs on the next backend, an explicit request throws", async () => {
    registerBackend('webgpu', async () => losingBackend('webgpu'));
    registerBackend('gpujs', () => Promise.reject(new BackendUnavailableError('gpujs', 'test: none')));
    let report: RunReport | undefined;
    const J = await jacobian('A*X*B', { wrt: 'X', at: { A, X, B }, onReport: (r) => (report = r) });
    expect(relError(J, closed)).toBeLessThan(1e-12);
    expect(report!.backend).toBe('cpu');
    expect(report!.skipped[0]).toMatchObject({ backend: 'webgpu' });
    expect(report!.skipped[0]!.reason).toMatch(/device lost/);
    await expect(jacobian('A*X*B', { wrt: 'X', at: { A, X, B }, backend: 'webgpu' })).rejects.toBeInstanceOf(DeviceLostError);
  });

  it('unknown backends are refused by name', async () => {
    await expect(jacobian('A*X*B', { wrt: 'X', at: { A, X, B }, backend: 'metal' as never })).rejects.toThrow(/unknown backend 'metal'/);
  });
});
