/**
 * The browser demo (demo/) end to end: build it with Vite's JS API and its own config, serve the
 * output from http://localhost, open it in headless Chromium with WebGPU on SwiftShader, drive it
 * through its form, and check what it computed against matjac run here in Node (CPU, float64) on
 * the same seeded inputs. One build and one browser for the whole file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Mat, hessian, jacobian } from '../../src/index.js';
import { REPO_ROOT, requireChromium, launchChromium, serveDir, type LaunchedBrowser, type StaticServer } from './harness.js';

// With CI=true a missing Chromium throws here (the file fails), never a silent skip.
requireChromium();

/** What the demo puts on `window.__matjacDemo` (demo/main.ts), as far as these tests read it. */
interface DemoResult {
  kind: 'jacobian' | 'hessian';
  rows: number;
  cols: number;
  backend: string;
  device: string;
  skipped: { backend: string; reason: string }[];
  ms: number;
  checksum: number;
  absChecksum: number;
  precision: 'f32' | 'f64';
  layout: string;
  heatmap: { width: number; height: number };
}
interface DemoState {
  runs: number;
  lastResult: DemoResult | null;
  lastError: { code: string; name: string; message: string } | null;
}
interface RunOutcome {
  status: string;
  state: DemoState;
  errorText: string | null;
  backendText: string;
  skippedText: string;
  sizeText: string;
  explainText: string;
  canvas: { width: number; height: number };
}

interface RunSpec {
  kind: 'jacobian' | 'hessian';
  expr?: string;
  bindings: string;
  backend: 'auto' | 'webgpu' | 'gpujs' | 'cpu';
  layout?: 'denominator' | 'numerator';
  method?: string;
}

/** The demo's inputs, rebuilt here independently: X = rand(n; 1) + n·I, A = rand(n; 2), B = rand(n; 3). */
function inputs(n: number): { X: Mat; A: Mat; B: Mat } {
  const X = Mat.random(n, n, { seed: 1 });
  for (let i = 0; i < n; i++) X.set(i, i, X.get(i, i) + n);
  return { X, A: Mat.random(n, n, { seed: 2 }), B: Mat.random(n, n, { seed: 3 }) };
}

/** The demo's checksum (Σ w_k x_k, w_k = 1 + (k mod 97)/97), written out again here on purpose. */
function checksum(M: Mat): { sum: number; abs: number } {
  let sum = 0;
  let abs = 0;
  M.data.forEach((x, k) => {
    sum += (1 + (k % 97) / 97) * x;
    abs += (1 + (k % 97) / 97) * Math.abs(x);
  });
  return { sum, abs };
}

/** Builds the demo with its own vite.config.ts into `outDir`. */
async function buildDemo(outDir: string): Promise<void> {
  const { build } = await import('vite');
  await build({
    configFile: path.join(REPO_ROOT, 'demo', 'vite.config.ts'),
    logLevel: 'silent',
    build: { outDir, emptyOutDir: true, sourcemap: false },
  });
}

/** Fills the form, clicks the button, waits for the run to finish ('done' or 'error'). */
async function runDemo(page: Page, spec: RunSpec): Promise<RunOutcome> {
  const before = await page.evaluate(() => window.__matjacDemo.runs);
  await page.evaluate((s: RunSpec) => {
    const set = (id: string, v: string | undefined): void => {
      if (v === undefined) return;
      const e = document.getElementById(id) as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
      e.value = v;
    };
    set(s.kind === 'jacobian' ? 'expr' : 'hexpr', s.expr);
    set('bindings', s.bindings);
    set('backend', s.backend);
    set('layout', s.layout ?? 'denominator');
    set('method', s.method ?? 'auto');
  }, spec);
  await page.click(spec.kind === 'jacobian' ? '#btn-jacobian' : '#btn-hessian');
  await page.waitForFunction(
    (n: number) => window.__matjacDemo.runs > n && (document.body.dataset.status === 'done' || document.body.dataset.status === 'error'),
    { timeout: 120_000 },
    before,
  );
  return page.evaluate(() => {
    const text = (id: string): string => document.getElementById(id)!.textContent ?? '';
    const shown = (id: string): string | null => (document.getElementById(id)!.hidden ? null : text(id));
    const c = document.getElementById('heatmap') as HTMLCanvasElement;
    return {
      status: document.body.dataset.status ?? '',
      state: JSON.parse(JSON.stringify(window.__matjacDemo)) as DemoState,
      errorText: shown('error'),
      backendText: text('r-backend'),
      skippedText: text('r-skipped'),
      sizeText: text('r-size'),
      explainText: text('explain'),
      canvas: { width: c.width, height: c.height },
    };
  });
}

function expectDone(o: RunOutcome): DemoResult {
  expect(o.errorText, `the demo reported an error: ${o.errorText}`).toBeNull();
  expect(o.status).toBe('done');
  expect(o.state.lastResult).not.toBeNull();
  return o.state.lastResult!;
}

describe('browser demo (demo/) in Chromium with WebGPU', () => {
  let outDir: string;
  let server: StaticServer | undefined;
  let browser: LaunchedBrowser | undefined;
  let page: Page;
  const logs: string[] = [];

  beforeAll(async () => {
    outDir = mkdtempSync(path.join(os.tmpdir(), 'matjac-demo-'));
    await buildDemo(outDir);
    server = await serveDir(outDir);
    browser = await launchChromium('webgpu');
    page = await browser.browser.newPage();
    page.on('console', (m) => logs.push(`[console.${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`[pageerror] ${e instanceof Error ? e.message : String(e)}`));
    await page.goto(server.url + 'index.html', { waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.status === 'ready', { timeout: 60_000 });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('loads ready, in a secure context with a WebGPU adapter, without page errors', async () => {
    const env = await page.evaluate(async () => ({
      status: document.body.dataset.status,
      secure: window.isSecureContext,
      adapter: (await navigator.gpu?.requestAdapter()) != null,
      lastResult: window.__matjacDemo.lastResult,
    }));
    expect(env).toEqual({ status: 'ready', secure: true, adapter: true, lastResult: null });
    expect(logs.filter((l) => l.startsWith('[pageerror]'))).toEqual([]);
  });

  it("Jacobian of A*X*B on 'cpu' (n = 4): 16×16, the same checksum as jacobian() in Node", async () => {
    const o = await runDemo(page, { kind: 'jacobian', expr: 'A*X*B', bindings: 'n = 4', backend: 'cpu' });
    const r = expectDone(o);
    const D = await jacobian('A*X*B', { wrt: 'X', at: inputs(4), backend: 'cpu' });
    expect([r.rows, r.cols]).toEqual([16, 16]);
    expect([D.rows, D.cols]).toEqual([16, 16]);
    expect(r.backend).toBe('cpu');
    expect(r.precision).toBe('f64');
    const ref = checksum(D);
    expect(Math.abs(ref.sum)).toBeGreaterThan(0);
    expect(Math.abs(r.checksum - ref.sum)).toBeLessThanOrEqual(1e-12 * ref.abs);
    expect(Number.isFinite(r.ms) && r.ms >= 0).toBe(true);
    expect(r.heatmap).toEqual({ width: 16, height: 16 });
    expect(o.canvas).toEqual({ width: 16, height: 16 });
    expect(o.backendText).toMatch(/^cpu/);
    expect(o.sizeText).toContain('16×16');
    expect(o.explainText).toMatch(/method: /);
  });

  it("numerator layout, inv(X) on 'cpu' (n = 3): 9×9, the same checksum as in Node", async () => {
    const o = await runDemo(page, { kind: 'jacobian', expr: 'inv(X)', bindings: 'n = 3', backend: 'cpu', layout: 'numerator' });
    const r = expectDone(o);
    const J = await jacobian('inv(X)', { wrt: 'X', at: inputs(3), backend: 'cpu', layout: 'numerator' });
    expect([r.rows, r.cols, r.layout]).toEqual([9, 9, 'numerator']);
    const ref = checksum(J);
    expect(Math.abs(r.checksum - ref.sum)).toBeLessThanOrEqual(1e-12 * ref.abs);
  });

  it("Jacobian of A*X*B on 'webgpu' (named) runs there and agrees with the CPU to float32 accuracy", async () => {
    const o = await runDemo(page, { kind: 'jacobian', expr: 'A*X*B', bindings: 'n = 4', backend: 'webgpu' });
    const r = expectDone(o);
    expect([r.rows, r.cols]).toEqual([16, 16]);
    expect(r.backend, `skipped: ${JSON.stringify(r.skipped)}`).toBe('webgpu');
    expect(r.skipped).toEqual([]);
    expect(r.precision).toBe('f32');
    expect(o.backendText).toMatch(/^webgpu — google \/ swiftshader/);
    expect(o.skippedText).toBe("backend 'webgpu' chosen explicitly");
    const ref = checksum(await jacobian('A*X*B', { wrt: 'X', at: inputs(4), backend: 'cpu' }));
    expect(Math.abs(r.checksum - ref.sum)).toBeLessThanOrEqual(1e-4 * ref.abs);
  });

  it("on 'auto' the software WebGPU adapter and WebGL renderer are passed over for the CPU, and the page says why", async () => {
    const o = await runDemo(page, { kind: 'jacobian', expr: 'A*X*B', bindings: 'n = 4', backend: 'auto' });
    const r = expectDone(o);
    expect(r.backend).toBe('cpu');
    expect(r.precision).toBe('f64');
    expect(r.skipped.map((x) => x.backend)).toEqual(['webgpu', 'gpujs']);
    expect(r.skipped[0]!.reason).toMatch(/^the WebGPU adapter is a software rasteriser \(google \/ swiftshader\)/);
    expect(r.skipped[1]!.reason).toMatch(/^gpu\.js renders on a software rasteriser here .*SwiftShader/);
    expect(o.backendText).toMatch(/^cpu/);
    expect(o.skippedText).toMatch(/^'auto' took cpu, after passing over:/);
    for (const x of r.skipped) expect(o.skippedText).toContain(`• ${x.backend}: ${x.reason}`);
    const ref = checksum(await jacobian('A*X*B', { wrt: 'X', at: inputs(4), backend: 'cpu' }));
    expect(Math.abs(r.checksum - ref.sum)).toBeLessThanOrEqual(1e-12 * ref.abs);
  });

  it("Hessian of logdet(X) + tr(X'*A*X) on 'cpu' (n = 3): 9×9, checksum as in Node", async () => {
    const f = "logdet(X) + tr(X'*A*X)";
    const o = await runDemo(page, { kind: 'hessian', expr: f, bindings: 'n = 3', backend: 'cpu' });
    const r = expectDone(o);
    const H = await hessian(f, { wrt: 'X', at: inputs(3), backend: 'cpu' });
    expect([r.rows, r.cols, r.kind]).toEqual([9, 9, 'hessian']);
    const ref = checksum(H);
    expect(Math.abs(r.checksum - ref.sum)).toBeLessThanOrEqual(1e-12 * ref.abs);
  });

  it('pools a 576×576 Jacobian into a 288×288 heat map (≤ 512×512)', async () => {
    const o = await runDemo(page, { kind: 'jacobian', expr: 'A*X*B', bindings: 'n = 24', backend: 'cpu' });
    const r = expectDone(o);
    expect([r.rows, r.cols]).toEqual([576, 576]);
    expect(r.heatmap).toEqual({ width: 288, height: 288 });
    expect(o.canvas).toEqual({ width: 288, height: 288 });
  });

  it('shows a parse error in the page (code and message), then runs again normally', async () => {
    const bad = await runDemo(page, { kind: 'jacobian', expr: 'A*X*', bindings: 'n = 4', backend: 'cpu' });
    expect(bad.status).toBe('error');
    expect(bad.state.lastError?.code).toBe('E_PARSE');
    expect(bad.errorText).toBe(`[E_PARSE] ${bad.state.lastError!.message}`);

    const good = await runDemo(page, { kind: 'jacobian', expr: 'A*X*B', bindings: 'n = 2', backend: 'cpu' });
    expect(expectDone(good).rows).toBe(4);
    expect(good.state.lastError).toBeNull();
  });
});
