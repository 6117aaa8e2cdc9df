/**
 * Device acquisition, loss, errors and submission behaviour of the WebGPU backend.
 */
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/backend/cpu/index.js';
import { WebGpuError, createWebGpuBackend } from '../../src/backend/webgpu/index.js';
import { BackendUnavailableError, DeviceLostError, InvalidArgumentError, TooLargeError } from '../../src/errors.js';
import { Mat } from '../../src/mat/index.js';
import { getLlvmpipeBackend, getSwiftShaderBackend, relFrobenius } from '../helpers/gpu.js';
import { assembleTerms } from '../../src/plan/assembly.js';

const rnd = (r: number, c: number, seed: number): Mat => Mat.random(r, c, { seed });

describe('adapter acquisition', () => {
  it('an explicit request with no adapter rejects with BackendUnavailableError', async () => {
    const noAdapter = { requestAdapter: async () => null } as unknown as GPU;
    const err = await createWebGpuBackend({ gpu: noAdapter }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as BackendUnavailableError).code).toBe('E_BACKEND_UNAVAILABLE');
    expect((err as Error).message).toMatch(/no WebGPU adapter/);
    const throwing = {
      requestAdapter: async () => {
        throw new Error('boom');
      },
    } as unknown as GPU;
    await expect(createWebGpuBackend({ gpu: throwing })).rejects.toThrow(BackendUnavailableError);
  });

  it('both software adapters are available here (a missing one fails, never skips)', async () => {
    const ss = await getSwiftShaderBackend();
    expect(ss.device).toMatch(/google \/ swiftshader/);
    expect(ss.featureLevel).toBe('core');
    expect(ss.features.has('core-features-and-limits')).toBe(true);
    ss.destroy();
    const gl = await getLlvmpipeBackend();
    expect(gl.featureLevel).toBe('compatibility');
    expect(gl.device.length).toBeGreaterThan(0);
    gl.destroy();
  });

  it('rejects an unusable maxBindingBytes', async () => {
    await expect(getSwiftShaderBackend({ maxBindingBytes: 100 })).rejects.toThrow(InvalidArgumentError);
  });
});

describe('device loss and device errors (SwiftShader)', () => {
  it('destroying the device mid-plan: read rejects with DeviceLostError, later calls throw', async () => {
    const gpu = await getSwiftShaderBackend();
    const a = gpu.upload(rnd(33, 33, 1));
    const b = gpu.matmul(a, a);
    const c = assembleTerms(gpu, [{ kind: 'kron', alpha: 1, A: rnd(5, 5, 2), B: rnd(5, 5, 3), C: null, S: null, transposed: false }], { m: 5, n: 5, p: 5, q: 5 }, 'numerator');
    gpu.gpuDevice.destroy();
    const r = await gpu.read(c).then(
      () => 'resolved',
      (e: unknown) => e,
    );
    expect(r).toBeInstanceOf(DeviceLostError);
    await expect(gpu.read(b)).rejects.toThrow(DeviceLostError);
    expect(() => gpu.matmul(a, a)).toThrow(DeviceLostError);
    await expect(gpu.sync()).rejects.toThrow(DeviceLostError);
  });

  it('loss while a read is in flight: the pending read rejects, never resolves with data', async () => {
    const gpu = await getSwiftShaderBackend();
    const x = gpu.upload(rnd(65, 65, 4));
    let t = x;
    for (let k = 0; k < 4; k++) t = gpu.matmul(t, x);
    const pending = gpu.read(t);
    gpu.gpuDevice.destroy();
    const r = await pending.then(
      (m) => m,
      (e: unknown) => e,
    );
    expect(r).toBeInstanceOf(DeviceLostError);
  });

  it('a device error inside a plan discards its result (WebGpuError, code E_DEVICE_LOST)', async () => {
    const gpu = await getSwiftShaderBackend();
    const a = gpu.upload(rnd(7, 7, 5));
    const b = gpu.transpose(a);
    // inject a validation error while the plan's command buffer is being recorded
    gpu.gpuDevice.createBuffer({ size: 4, usage: 0xffff });
    const err = await gpu.read(b).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebGpuError);
    expect((err as WebGpuError).code).toBe('E_DEVICE_LOST');
    // the backend keeps working for the next plan
    const m = await gpu.read(gpu.scale(a, 2));
    expect(relFrobenius(m.data, rnd(7, 7, 5).data.map((v) => 2 * v))).toBeLessThan(1e-6);
    gpu.destroy();
  });
});

describe('limits and submission (SwiftShader)', () => {
  it('a result larger than one buffer is a TooLargeError that names the size and the column tiles', async () => {
    const gpu = await getSwiftShaderBackend();
    const n = 256; // 65536² floats = 16 GiB
    const err = (() => {
      try {
        assembleTerms(gpu, [{ kind: 'kron', alpha: 1, A: null, B: null, C: null, S: null, transposed: false }], { m: n, n, p: n, q: n }, 'denominator');
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(TooLargeError);
    expect((err as TooLargeError).bytes).toBe(65536 * 65536 * 4);
    expect((err as Error).message).toMatch(/17179869184 bytes/);
    expect((err as Error).message).toMatch(/cols option/);
    // a column tile of the same Jacobian fits
    const tile = assembleTerms(gpu, [{ kind: 'kron', alpha: 1, A: null, B: null, C: null, S: null, transposed: false }], { m: n, n, p: n, q: n }, 'denominator', { cols: { col0: 300, count: 2 } });
    const m = await gpu.read(tile);
    expect(m.rows).toBe(65536);
    expect(m.get(300, 0)).toBe(1);
    expect(m.get(301, 1)).toBe(1);
    expect(Array.from(m.data).reduce((s, v) => s + v, 0)).toBe(2);
    gpu.destroy();
  });

  it('a plan of many ops performs exactly one readback per read()', async () => {
    const gpu = await getSwiftShaderBackend();
    const dev = gpu.gpuDevice;
    const orig = dev.createBuffer.bind(dev);
    let readbacks = 0;
    dev.createBuffer = ((d: GPUBufferDescriptor) => {
      if (d.usage & GPUBufferUsage.MAP_READ) readbacks++;
      return orig(d);
    }) as typeof dev.createBuffer;
    const cpu = new CpuBackend();
    const X = rnd(20, 20, 6);
    let g = gpu.upload(X);
    let c = cpu.upload(X);
    for (let k = 0; k < 10; k++) {
      g = gpu.elementwise('add', gpu.transpose(gpu.matmul(g, g)), gpu.scale(g, 0.1));
      c = cpu.elementwise('add', cpu.transpose(cpu.matmul(c, c)), cpu.scale(c, 0.1));
      g = gpu.scale(g, 1 / 8);
      c = cpu.scale(c, 1 / 8);
    }
    const m = await gpu.read(g);
    expect(readbacks).toBe(1);
    expect(relFrobenius(m.data, c.data)).toBeLessThan(1e-4);
    gpu.destroy();
  });

  it('memory is reused after dispose, with correct results (no poison on reuse)', async () => {
    const gpu = await getSwiftShaderBackend();
    const cpu = new CpuBackend();
    for (let k = 0; k < 6; k++) {
      const A = rnd(9 + k, 9, 10 + k);
      const t = gpu.matmul(gpu.upload(A), gpu.upload(A), true, false);
      const m = await gpu.read(t);
      expect(relFrobenius(m.data, cpu.matmul(cpu.upload(A), cpu.upload(A), true, false).data)).toBeLessThan(1e-5);
      gpu.dispose(t);
      gpu.dispose(t); // idempotent
    }
    await gpu.sync();
    gpu.destroy();
    expect(() => gpu.upload(rnd(2, 2, 1))).toThrow(DeviceLostError);
  });
});
