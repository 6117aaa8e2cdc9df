/**
 * The environment the end-to-end WebGPU browser tests build on: headless Chromium with the flags
 * of DESIGN.md §5 gives a WebGPU adapter (SwiftShader) on a page served from http://localhost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserSession, requireChromium } from './harness.js';

requireChromium();

describe('Chromium with WebGPU on SwiftShader', () => {
  let s: BrowserSession;
  beforeAll(async () => {
    s = await BrowserSession.start({ variant: 'webgpu' });
  }, 180_000);
  afterAll(async () => {
    await s?.close();
  });

  it('navigator.gpu.requestAdapter() yields an adapter that runs a compute shader', async () => {
    const r = await s.evaluate(async () => {
      const gpu = navigator.gpu;
      if (!gpu) return { adapter: null, secure: window.isSecureContext, sum: null };
      const adapter = await gpu.requestAdapter();
      if (!adapter) return { adapter: null, secure: window.isSecureContext, sum: null };
      const device = await adapter.requestDevice();
      const module = device.createShaderModule({
        code: '@group(0) @binding(0) var<storage, read_write> v: array<f32>;\n@compute @workgroup_size(4) fn main(@builtin(global_invocation_id) id: vec3u) { v[id.x] = v[id.x] * 2.0 + 1.0; }',
      });
      const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
      const buf = device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      device.queue.writeBuffer(buf, 0, new Float32Array([1, 2, 3, 4]));
      const read = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: buf } }] }));
      pass.dispatchWorkgroups(1);
      pass.end();
      enc.copyBufferToBuffer(buf, 0, read, 0, 16);
      device.queue.submit([enc.finish()]);
      await read.mapAsync(GPUMapMode.READ);
      const out = Array.from(new Float32Array(read.getMappedRange()));
      read.unmap();
      device.destroy();
      return { adapter: `${adapter.info.vendor} / ${adapter.info.architecture}`, secure: window.isSecureContext, sum: out };
    }, null);
    expect(r.secure).toBe(true);
    expect(r.adapter).not.toBeNull();
    expect(r.adapter).toMatch(/swiftshader/i);
    expect(r.sum).toEqual([3, 5, 7, 9]);
  });
});
