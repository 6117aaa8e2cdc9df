/**
 * What only the WebGPU backend has, on both software adapters (Dawn + SwiftShader, core; Dawn +
 * llvmpipe OpenGL ES, compatibility): its adapter report and the commutation kernel. Every op of
 * the Backend contract is checked by contract-webgpu.test.ts (test/backend/contract.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/backend/backend.js';
import { CpuBackend, type CpuTensor } from '../../src/backend/cpu/index.js';
import type { WebGpuBackend } from '../../src/backend/webgpu/index.js';
import { Mat, commutation } from '../../src/mat/index.js';
import { getBackend, type AdapterName } from '../helpers/gpu.js';

const cpu = new CpuBackend();
const rnd = (r: number, c: number, seed: number): Mat => Mat.random(r, c, { seed });
const batchOf = (k: number, r: number, c: number, seed: number): Mat[] => Array.from({ length: k }, (_, t) => rnd(r, c, seed * 101 + t));

/** All entries of a GPU tensor (any batch) in storage order. */
async function readAll(gpu: WebGpuBackend, t: Tensor): Promise<Float32Array> {
  if (t.batch === 1) return (await gpu.read(t)).data as Float32Array;
  const s = gpu.stack(t, false);
  const m = await gpu.read(s);
  gpu.dispose(s);
  return m.data as Float32Array;
}

/** Exact agreement for data-movement ops (entries are float32-rounded copies). */
async function expectExact(gpu: WebGpuBackend, g: Tensor, c: CpuTensor): Promise<void> {
  expect([g.batch, g.rows, g.cols]).toEqual([c.batch, c.rows, c.cols]);
  const data = await readAll(gpu, g);
  const want = Float32Array.from(c.data);
  for (let k = 0; k < want.length; k++) {
    if (!Object.is(data[k], want[k]) && !(data[k] === 0 && want[k] === 0)) {
      throw new Error(`entry ${k}: got ${data[k]}, want ${want[k]}`);
    }
  }
}

describe.each<AdapterName>(['swiftshader', 'llvmpipe'])('WebGPU ops on %s', (adapter) => {
  let gpu: WebGpuBackend;
  beforeAll(async () => {
    gpu = await getBackend(adapter, { poison: NaN });
  });
  afterAll(() => gpu?.destroy());

  it('reports its adapter and feature level', () => {
    expect(gpu.name).toBe('webgpu');
    expect(gpu.precision).toBe('f32');
    expect(gpu.device).toMatch(adapter === 'swiftshader' ? /swiftshader/i : /mesa|llvmpipe/i);
    expect(gpu.featureLevel).toBe(adapter === 'swiftshader' ? 'core' : 'compatibility');
    expect(gpu.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
  });

  it('commute: K_mn applied to a batch of vectors as a permutation', async () => {
    for (const [m, n] of [
      [3, 4],
      [7, 1],
      [1, 7],
      [33, 5],
    ] as const) {
      const V = batchOf(2, m * n, 3, m + n);
      const K = commutation(m, n);
      const want = cpu.matmul(cpu.upload(K), cpu.upload(V));
      await expectExact(gpu, gpu.commute(gpu.upload(V), m, n), want);
    }
  });
});
