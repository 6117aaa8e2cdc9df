/**
 * The built package in headless Chromium: with WebGPU (SwiftShader), `backend: 'auto'` assembles
 * Jacobians and a Hessian on WebGPU and matches the CPU float64 result; with WebGPU disabled,
 * 'auto' runs gpu.js on WebGL2 and still matches. Needs `npm run build` first (npm test does it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PkgResult } from './entries/package-entry.js';
import { BrowserSession, requireChromium } from './harness.js';

requireChromium();
type Win = { __pkg: { run: (a: { expr: string; n: number; hessian?: boolean; layout?: string; method?: string }) => Promise<PkgResult> } };

describe.each([
  ['webgpu', 'webgpu'],
  ['no-webgpu', 'gpujs'],
] as const)('the built package in Chromium (%s)', (variant, expected) => {
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
  ] as const)(`%s (%s, %s) runs on ${expected} and matches the CPU`, async (expr, layout, method) => {
    const r = await s.evaluate((a) => (window as unknown as Win).__pkg.run(a), { expr, n: 4, layout, method });
    expect(r.report.backend).toBe(expected);
    expect(r.f32).toBe(true);
    expect([r.rows, r.cols]).toEqual([16, 16]);
    expect(r.relError).toBeLessThanOrEqual(1e-4);
    if (expected === 'gpujs') expect(r.report.skipped.map((x) => x.backend)).toEqual(['webgpu']);
  });

  it(`the Hessian of logdet(X) + tr(X'*A*X) on ${expected}`, async () => {
    const r = await s.evaluate((a) => (window as unknown as Win).__pkg.run(a), { expr: "logdet(X) + tr(X'*A*X)", n: 3, hessian: true });
    expect(r.report.backend).toBe(expected);
    expect([r.rows, r.cols]).toEqual([9, 9]);
    expect(r.relError).toBeLessThanOrEqual(1e-4);
  });
});
