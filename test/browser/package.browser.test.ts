/**
 * The built package in headless Chromium, whose WebGPU adapter and WebGL renderer are both
 * SwiftShader here: named explicitly, `webgpu` (WebGPU on) and `gpujs` (WebGPU off, WebGL2)
 * assemble Jacobians and a Hessian that match the CPU float64 result; `backend: 'auto'` passes
 * both software rasterisers over for the CPU path, as in Node, and reports why (DESIGN.md §4).
 * Needs `npm run build` first (npm test does it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PkgResult, WasmOutResult } from './entries/package-entry.js';
import { BrowserSession, requireChromium } from './harness.js';

requireChromium();
type Win = {
  __pkg: {
    run: (a: { expr: string; n: number; hessian?: boolean; layout?: string; method?: string; backend?: string }) => Promise<PkgResult>;
    wasmOut: (a: { expr: string; n: number; hessian?: boolean }) => Promise<WasmOutResult>;
  };
};

describe.each([
  ['webgpu', 'webgpu', /software rasteriser \(google \/ swiftshader\)/],
  ['no-webgpu', 'gpujs', /no WebGPU adapter|navigator\.gpu/],
] as const)('the built package in Chromium (%s)', (variant, gpu, webgpuSkip) => {
  let s: BrowserSession;
  beforeAll(async () => {
    s = await BrowserSession.start({ entry: 'test/browser/entries/package-entry.ts', variant });
  }, 180_000);
  afterAll(async () => {
    await s?.close();
  });

  it.each([
    ['A*X*B', 'denominator', 'auto'],
    ['inv(X)', 'numerator', 'auto'],
    ["X*X'", 'denominator', 'forward'],
    ['sigmoid(A*X)', 'numerator', 'reverse'],
  ] as const)(`%s (%s, %s) on backend '${gpu}' matches the CPU`, async (expr, layout, method) => {
    const r = await s.evaluate((a) => (window as unknown as Win).__pkg.run(a), { expr, n: 4, layout, method, backend: gpu });
    expect(r.report.backend).toBe(gpu);
    expect(r.f32).toBe(true);
    expect([r.rows, r.cols]).toEqual([16, 16]);
    expect(r.relError).toBeLessThanOrEqual(1e-4);
  });

  it(`the Hessian of logdet(X) + tr(X'*A*X) on backend '${gpu}'`, async () => {
    const r = await s.evaluate((a) => (window as unknown as Win).__pkg.run(a), { expr: "logdet(X) + tr(X'*A*X)", n: 3, hessian: true, backend: gpu });
    expect(r.report.backend).toBe(gpu);
    expect([r.rows, r.cols]).toEqual([9, 9]);
    expect(r.relError).toBeLessThanOrEqual(1e-4);
  });

  it.each([
    ['A*X*B', false],
    ['inv(X)', false],
    ["logdet(X) + tr(X'*A*X)", true],
  ] as const)('%s into out = Mat.wasm on the CPU: written in place by the SIMD kernel, the same bits as into a Float64Array; the buffer cannot be transferred', async (expr, isHessian) => {
    const r = await s.evaluate((a) => (window as unknown as Win).__pkg.wasmOut(a), { expr, n: 9, hessian: isHessian });
    expect(r).toMatchObject({ inPlace: true, same: true, wholeMemory: true });
    expect(r.transfer).toMatch(/^TypeError: /);
  });

  it("'auto' passes the software WebGPU adapter and WebGL renderer over for the CPU, saying why", async () => {
    const r = await s.evaluate((a) => (window as unknown as Win).__pkg.run(a), { expr: 'A*X*B', n: 4, backend: 'auto' });
    expect(r.report.backend).toBe('cpu');
    expect(r.f32).toBe(false);
    expect(r.relError).toBe(0);
    const why = Object.fromEntries(r.report.skipped.map((x) => [x.backend, x.reason]));
    expect(Object.keys(why)).toEqual(['webgpu', 'gpujs']);
    expect(why.webgpu).toMatch(webgpuSkip);
    expect(why.gpujs).toMatch(/gpu\.js renders on a software rasteriser here \(gpu\.js \(webgl2 mode, browser: .*SwiftShader.*\)\)/);
  });
});
