/**
 * The demo's ".npy" download and its tiled assembly, in Chromium (WebGPU on SwiftShader): the
 * file the browser actually downloads parses (`fromNpy`, here in Node) and equals matjac's
 * result computed here on the same seeded inputs; with the tile threshold lowered, the demo
 * assembles the result in column tiles with progress and a pooled heat map, and the download
 * is still the whole matrix.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Mat, fromNpy, hessian, jacobian } from '../../src/index.js';
import { REPO_ROOT, launchChromium, requireChromium, serveDir, type LaunchedBrowser, type StaticServer } from './harness.js';

requireChromium();

interface Result {
  rows: number;
  cols: number;
  backend: string;
  precision: 'f32' | 'f64';
  tiles: number;
  checksum: number;
  heatmap: { width: number; height: number };
  download: { name: string; bytes: number } | null;
}
interface Outcome {
  status: string;
  result: Result | null;
  error: string | null;
  progress: { done: number; total: number } | null;
  sizeText: string;
}

/** The demo's inputs, rebuilt here: X = rand(n; 1) + n·I, A = rand(n; 2), B = rand(n; 3). */
function inputs(n: number): { X: Mat; A: Mat; B: Mat } {
  const X = Mat.random(n, n, { seed: 1 });
  for (let i = 0; i < n; i++) X.set(i, i, X.get(i, i) + n);
  return { X, A: Mat.random(n, n, { seed: 2 }), B: Mat.random(n, n, { seed: 3 }) };
}

describe('demo: download .npy, and tiles beyond one buffer (Chromium)', () => {
  let outDir: string;
  let downloads: string;
  let server: StaticServer | undefined;
  let browser: LaunchedBrowser | undefined;
  let page: Page;

  beforeAll(async () => {
    outDir = mkdtempSync(path.join(os.tmpdir(), 'matjac-demo-dl-'));
    downloads = mkdtempSync(path.join(os.tmpdir(), 'matjac-downloads-'));
    const { build } = await import('vite');
    await build({ configFile: path.join(REPO_ROOT, 'demo', 'vite.config.ts'), logLevel: 'silent', build: { outDir, emptyOutDir: true, sourcemap: false } });
    server = await serveDir(outDir);
    browser = await launchChromium('webgpu');
    page = await browser.browser.newPage();
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    await page.goto(server.url + 'index.html', { waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.status === 'ready', { timeout: 60_000 });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    for (const d of [outDir, downloads]) if (d) rmSync(d, { recursive: true, force: true });
  });

  async function run(spec: { kind: 'jacobian' | 'hessian'; n: number; backend: string; threshold?: number; downloadLimit?: number }): Promise<Outcome> {
    const before = await page.evaluate(() => window.__matjacDemo.runs);
    await page.evaluate((s) => {
      window.__matjacDemo.tileThreshold = s.threshold ?? 256 * 2 ** 20;
      window.__matjacDemo.downloadLimit = s.downloadLimit ?? 2 ** 32;
      (document.getElementById('bindings') as HTMLTextAreaElement).value = `n = ${s.n}`;
      (document.getElementById('backend') as HTMLSelectElement).value = s.backend;
      (document.getElementById('layout') as HTMLSelectElement).value = 'denominator';
      (document.getElementById('method') as HTMLSelectElement).value = 'auto';
    }, spec);
    await page.click(spec.kind === 'jacobian' ? '#btn-jacobian' : '#btn-hessian');
    await page.waitForFunction(
      (n: number) => window.__matjacDemo.runs > n && (document.body.dataset.status === 'done' || document.body.dataset.status === 'error'),
      { timeout: 180_000 },
      before,
    );
    return page.evaluate(() => {
      const s = window.__matjacDemo;
      const err = document.getElementById('error')!;
      return {
        status: document.body.dataset.status ?? '',
        result: JSON.parse(JSON.stringify(s.lastResult)) as Result | null,
        error: err.hidden ? null : err.textContent,
        progress: s.progress,
        sizeText: document.getElementById('r-size')!.textContent ?? '',
      };
    });
  }

  /** Clicks the download link and returns the bytes the browser saved. */
  async function download(name: string): Promise<Uint8Array> {
    const file = path.join(downloads, name);
    rmSync(file, { force: true });
    await page.click('#download');
    const t0 = Date.now();
    while (!existsSync(file) || readdirSync(downloads).some((f) => f.endsWith('.crdownload'))) {
      if (Date.now() - t0 > 30_000) throw new Error(`no download of ${name} (have: ${readdirSync(downloads).join(', ')})`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return new Uint8Array(readFileSync(file));
  }

  const bits = (M: Mat): Buffer => Buffer.from(M.data.buffer, M.data.byteOffset, M.data.byteLength);

  it('the downloaded Jacobian (cpu, one piece) parses and is bit for bit jacobian() in Node', async () => {
    const o = await run({ kind: 'jacobian', n: 4, backend: 'cpu' });
    expect(o.error).toBeNull();
    expect(o.result!.tiles).toBe(0);
    expect(o.result!.download!.name).toBe('jacobian-A_X_B-denominator.npy');
    const bytes = await download(o.result!.download!.name);
    expect(bytes.length).toBe(o.result!.download!.bytes);
    const D = fromNpy(bytes);
    const ref = await jacobian('A*X*B', { wrt: 'X', at: inputs(4), backend: 'cpu' });
    expect(bits(D).equals(bits(ref))).toBe(true);
  });

  it('below the tile threshold the demo assembles in column tiles: progress complete, pooled heat map, the download is the whole matrix', async () => {
    // 36×36 float64 = 10 368 bytes > 4 000: tiles of ⌊4000/32/36⌋ = 3 columns
    const o = await run({ kind: 'jacobian', n: 6, backend: 'cpu', threshold: 4000 });
    expect(o.error).toBeNull();
    const r = o.result!;
    expect([r.rows, r.cols, r.precision]).toEqual([36, 36, 'f64']);
    expect(r.tiles).toBe(12);
    expect(o.progress).toEqual({ done: 36, total: 36 });
    expect(o.sizeText).toContain('assembled in 12 column tiles');
    expect(r.heatmap).toEqual({ width: 36, height: 36 });
    const ref = await jacobian('A*X*B', { wrt: 'X', at: inputs(6), backend: 'cpu' });
    const D = fromNpy(await download(r.download!.name));
    expect(bits(D).equals(bits(ref))).toBe(true);
    let sum = 0;
    ref.data.forEach((x, k) => (sum += (1 + (k % 97) / 97) * x));
    expect(r.checksum).toBe(sum);
  });

  it('a Hessian in tiles on WebGPU (float32) matches the CPU Hessian; a large n pools the heat map', async () => {
    const o = await run({ kind: 'hessian', n: 5, backend: 'webgpu', threshold: 1000 });
    expect(o.error).toBeNull();
    const r = o.result!;
    expect(r.backend).toBe('webgpu');
    expect(r.precision).toBe('f32');
    expect(r.tiles).toBeGreaterThan(1);
    const H = fromNpy(await download(r.download!.name));
    expect(H.data).toBeInstanceOf(Float32Array);
    const ref = await hessian("logdet(X) + tr(X'*A*X)", { wrt: 'X', at: inputs(5), backend: 'cpu' });
    let d = 0;
    let s = 0;
    ref.data.forEach((x, k) => ((d += (H.data[k]! - x) ** 2), (s += x * x)));
    expect(Math.sqrt(d / s)).toBeLessThanOrEqual(1e-4);

    // 1024×1024 (n = 32) in tiles of a few columns: the heat map is pooled to 512×512
    const big = await run({ kind: 'jacobian', n: 32, backend: 'cpu', threshold: 2 ** 20 });
    expect(big.error).toBeNull();
    expect(big.result!.tiles).toBeGreaterThan(1);
    expect(big.result!.heatmap).toEqual({ width: 512, height: 512 });
    expect(big.progress).toEqual({ done: 1024, total: 1024 });

    // above the download limit: no download offered, the page says how to get the file
    const capped = await run({ kind: 'jacobian', n: 6, backend: 'cpu', threshold: 4000, downloadLimit: 8000 });
    expect(capped.error).toBeNull();
    expect(capped.result!.download).toBeNull();
    expect(capped.sizeText).toContain('--out FILE.npy');
    expect(await page.evaluate(() => document.getElementById('download')!.hidden)).toBe(true);
  });
});
