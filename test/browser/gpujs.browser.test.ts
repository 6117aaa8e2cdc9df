/**
 * The gpujs backend in headless Chromium with WebGPU disabled: gpu.js runs on WebGL2 (ANGLE on
 * SwiftShader) and must match the CPU float64 reference computed in the same page. One bundle and
 * one browser for the whole file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpujsTestApi } from './entries/gpujs-entry.js';
import { BrowserSession, requireChromium } from './harness.js';

requireChromium();
const TOL = 1e-4;

type Win = { __gpujsTest: GpujsTestApi };

function expectAllClose(results: readonly { label: string; err: number }[]): void {
  expect(results.length).toBeGreaterThan(0);
  const bad = results.filter((r) => !(r.err <= TOL));
  expect(bad, bad.map((r) => `${r.label}: ${r.err}`).join('\n')).toEqual([]);
}

describe('gpujs backend in Chromium without WebGPU (WebGL2)', () => {
  let s: BrowserSession;
  beforeAll(async () => {
    s = await BrowserSession.start({ entry: 'test/browser/entries/gpujs-entry.ts', variant: 'no-webgpu' });
  }, 180_000);
  afterAll(async () => {
    await s?.close();
  });

  it('the page has WebGL2 and no WebGPU adapter', async () => {
    const env = await s.evaluate(() => (window as unknown as Win).__gpujsTest.env(), null);
    expect(env.secureContext).toBe(true);
    expect(env.webgl2).toBe(true);
    expect(env.adapter).toBeNull();
  });

  it("'auto' picks webgl2 and reports the device", async () => {
    const info = await s.evaluate(() => (window as unknown as Win).__gpujsTest.info(), null);
    expect(info.name).toBe('gpujs');
    expect(info.precision).toBe('f32');
    expect(info.mode).toBe('webgl2');
    expect(info.device).toMatch(/^gpu\.js \(webgl2 mode, browser: .+\)$/);
    expect(info.maxTextureSize).toBeGreaterThanOrEqual(2048);
  });

  it('an explicit mode gpu.js lacks here fails with BackendUnavailableError', async () => {
    const err = await s.evaluate(() => (window as unknown as Win).__gpujsTest.startError({ mode: 'headlessgl' }), null);
    expect(err).not.toBeNull();
    expect(err!.code).toBe('E_BACKEND_UNAVAILABLE');
  });

  it('batched matmul (transposes, broadcasting, awkward sizes) and the other ops match the CPU', async () => {
    expectAllClose(await s.evaluate(() => (window as unknown as Win).__gpujsTest.ops({ mode: 'webgl2' }), null));
  });

  it('assemble matches the CPU: factor nulls × transposed × layouts, outer terms, sums, column ranges, add', async () => {
    expectAllClose(await s.evaluate(() => (window as unknown as Win).__gpujsTest.assemble({ mode: 'webgl2' }), null));
  });

  it('with small limits every op is split into launches (columns taller than a texture fold into two layers)', async () => {
    const r = await s.evaluate((n) => (window as unknown as Win).__gpujsTest.bigAssemble({ n, opts: { mode: 'webgl2', limits: { maxTextureSize: 64, maxOutputElements: 2048 } } }), 12);
    expectAllClose(r);
    const tiled = await s.evaluate(() => (window as unknown as Win).__gpujsTest.ops({ mode: 'webgl2', limits: { maxTextureSize: 16, maxOutputElements: 128 } }), null);
    expectAllClose(tiled);
  });

  it.each(['webgl', 'webasm', 'cpu'] as const)('gpu.js mode %s in the page matches the CPU too', async (mode) => {
    const info = await s.evaluate((mode) => (window as unknown as Win).__gpujsTest.info({ mode }), mode);
    expect(info.mode).toBe(mode);
    expect(info.device).toContain(`${mode} mode, browser`);
    expectAllClose(await s.evaluate((mode) => (window as unknown as Win).__gpujsTest.ops({ mode }), mode));
    expectAllClose(await s.evaluate((mode) => (window as unknown as Win).__gpujsTest.assemble({ mode }), mode));
  });

  it('assemble of a 576×576 Jacobian at the device limits', async () => {
    expectAllClose(await s.evaluate((n) => (window as unknown as Win).__gpujsTest.bigAssemble({ n, opts: { mode: 'webgl2' } }), 24));
  });
});
