/**
 * 'auto' (DESIGN.md §4): a software WebGPU adapter (SwiftShader here, as in CI), or gpu.js on a
 * software WebGL renderer, is passed over for the float64 CPU path (in a browser too, see
 * test/browser/package.browser.test.ts), with the reason in the report; asked for by name, or registered
 * by the caller, it still runs. A backend that cannot start is probed once per process.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { BackendUnavailableError, Mat, jacobian, registerBackend, resetBackends, type RunReport } from '../../src/index.js';
import { GpuJsBackend } from '../../src/backend/gpujs/backend.js';
import { namesSoftwareRenderer } from '../../src/backend/software.js';
import { isSoftwareAdapter } from '../../src/backend/webgpu/device.js';
import { WebGpuBackend } from '../../src/backend/webgpu/backend.js';
import { SWIFTSHADER_ICD } from '../helpers/gpu.js';

afterAll(() => resetBackends());

const at = { X: Mat.random(3, 3, { seed: 1 }), A: Mat.random(3, 3, { seed: 2 }) };

describe("'auto' and software adapters", () => {
  it('recognises software adapters by isFallbackAdapter or by name', () => {
    expect(isSoftwareAdapter({ vendor: 'google', architecture: 'swiftshader' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'mesa', device: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper', isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper', device: 'nvidia-h100-80gb-hbm3' })).toBe(false);
  });

  it('recognises software WebGL renderers by name, and gpu.js on one declines auto (in a browser too)', () => {
    expect(namesSoftwareRenderer('ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)')).toBe(true);
    expect(namesSoftwareRenderer('llvmpipe (LLVM 15.0.6, 256 bits)')).toBe(true);
    expect(namesSoftwareRenderer('ANGLE (NVIDIA, NVIDIA GeForce RTX 3080 (0x00002206) Direct3D11 vs_5_0 ps_5_0, D3D11)')).toBe(false);
    expect(namesSoftwareRenderer(undefined)).toBe(false);
    const limits = { maxTextureSize: 4096, maxOutputElements: 2 ** 22 };
    const make = (software: boolean): GpuJsBackend => new GpuJsBackend({ gpu: {} as never, mode: 'webgl2', device: 'gpu.js (webgl2 mode, browser: a renderer)', limits, software });
    expect(make(true).autoPassOver()).toMatch(/software rasteriser.*ask for backend 'gpujs'/);
    expect(make(false).autoPassOver()).toBeUndefined();
  });

  it("the WebGPU backend on a software adapter declines 'auto' whether or not it runs in Node", () => {
    const fake = { software: true, device: 'google / swiftshader' } as unknown as WebGpuBackend;
    const node = process.versions.node;
    try {
      // the browser has no process.versions.node: the decision must not depend on it
      Object.defineProperty(process.versions, 'node', { value: undefined, configurable: true });
      expect(WebGpuBackend.prototype.autoPassOver.call(fake)).toMatch(/software rasteriser \(google \/ swiftshader\)/);
    } finally {
      Object.defineProperty(process.versions, 'node', { value: node, configurable: true });
    }
    expect(WebGpuBackend.prototype.autoPassOver.call({ ...fake, software: false } as unknown as WebGpuBackend)).toBeUndefined();
  });

  it("passes SwiftShader by for the CPU under 'auto', reporting why; 'webgpu' by name still runs there", async () => {
    process.env.VK_DRIVER_FILES ??= SWIFTSHADER_ICD;
    resetBackends();
    const reports: RunReport[] = [];
    const J = await jacobian('A*X', { wrt: 'X', at, backend: 'auto', onReport: (r) => reports.push(r) });
    expect(reports[0]!.backend).toBe('cpu');
    const why = reports[0]!.skipped.find((s) => s.backend === 'webgpu')!.reason;
    expect(why).toMatch(/software rasteriser.*swiftshader/i);
    expect(J.data).toBeInstanceOf(Float64Array);
    const named: RunReport[] = [];
    const G = await jacobian('A*X', { wrt: 'X', at, backend: 'webgpu', onReport: (r) => named.push(r) });
    expect(named[0]!.backend).toBe('webgpu');
    expect(G.data).toBeInstanceOf(Float32Array);
  });

  it('a backend that cannot start is probed once per process, not on every call', async () => {
    let probes = 0;
    registerBackend('webgpu', async () => {
      probes++;
      throw new BackendUnavailableError('webgpu', 'test: no adapter');
    });
    for (let k = 0; k < 5; k++) {
      const reports: RunReport[] = [];
      await jacobian('A*X', { wrt: 'X', at, backend: 'auto', onReport: (r) => reports.push(r) });
      expect(reports[0]!.skipped[0]).toEqual({ backend: 'webgpu', reason: 'test: no adapter' });
    }
    expect(probes).toBe(1);
    resetBackends();
  });
});
