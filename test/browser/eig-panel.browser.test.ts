/**
 * The demo's Hessian eigen-analysis panel (demo/eig-panel.ts, worker demo/eig-worker.ts) in real
 * Chromium: the demo is built with its own Vite config, served from http://localhost and driven
 * through its form. What the panel shows (one analyzeHessian in the worker) is checked against
 * matjac run here in Node on the same seeded inputs (criticalPoint, eigh of the formed Hessian,
 * analyzeHessian with the panel's options); the canvases are read back pixel by
 * pixel; Cancel must stop a long run (the worker is terminated) while the page stays responsive;
 * an error must withdraw the previous result.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Mat, analyzeHessian, criticalPoint, eigh, eigvalsh, hessian } from '../../src/index.js';
import { REPO_ROOT, requireChromium, launchChromium, serveDir, type LaunchedBrowser, type StaticServer } from './harness.js';

requireChromium();

/** window.__matjacEig (demo/eig-panel.ts), as far as these tests read it. */
interface PanelResult {
  expr: string;
  shape: [number, number];
  order: number;
  kind: string;
  gradNorm: number;
  inertia: { positive: number; negative: number; zero: number };
  lambdaMin: number;
  lambdaMax: number;
  method: 'dense' | 'lanczos';
  values: number[];
  indices: number[];
  directions: { index: number; lambda: number; residual: number; data: number[] }[];
  solver: { iterations?: number; converged: boolean; maxResidual: number; backend: string; tol?: number };
  density: { points: number; integral: number; trace: number; method: string };
}
interface PanelState {
  runs: number;
  status: string;
  lastResult: PanelResult | null;
  lastError: { code: string; message: string } | null;
  cancelled: number;
  workers: number;
  ticks: number;
  stage: string;
}

/** What the page shows: the state, the texts, and pixel facts of every canvas. */
interface Shown {
  state: PanelState;
  status: string;
  resultShown: boolean;
  errorText: string | null;
  kindText: string;
  inertiaText: string;
  methodText: string;
  statusText: string;
  /** The captions under the heat maps. */
  captions: string[];
  /** Pixels that are not white (the plots draw on white). */
  spectrumInk: number;
  densityInk: number;
  /** Pixels of the data colours: red (positive) and blue (negative) dots/curve. */
  spectrumRed: number;
  spectrumBlue: number;
  tiles: { index: number; width: number; height: number; distinctColors: number; pixels: number[] }[];
}

/** The demo's inputs, rebuilt here: X = rand(n; 1) + n·I, A = rand(n; 2), B = rand(n; 3). */
function inputs(n: number): { X: Mat; A: Mat; B: Mat } {
  const X = Mat.random(n, n, { seed: 1 });
  for (let i = 0; i < n; i++) X.set(i, i, X.get(i, i) + n);
  return { X, A: Mat.random(n, n, { seed: 2 }), B: Mat.random(n, n, { seed: 3 }) };
}

const F = "logdet(X) + tr(X'*A*X)";

async function buildDemo(outDir: string): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: path.join(REPO_ROOT, 'demo', 'vite.config.ts'), logLevel: 'silent', build: { outDir, emptyOutDir: true, sourcemap: false } });
}

async function fill(page: Page, spec: { expr?: string; bindings: string; backend?: string; k?: number }): Promise<void> {
  await page.evaluate((s) => {
    (document.getElementById('hexpr') as HTMLInputElement).value = s.expr ?? "logdet(X) + tr(X'*A*X)";
    (document.getElementById('bindings') as HTMLTextAreaElement).value = s.bindings;
    (document.getElementById('backend') as HTMLSelectElement).value = s.backend ?? 'cpu';
    (document.getElementById('wrt') as HTMLInputElement).value = 'X';
    (document.getElementById('eig-k') as HTMLInputElement).value = String(s.k ?? 10);
  }, spec);
}

async function shown(page: Page): Promise<Shown> {
  return page.evaluate(() => {
    const $ = (id: string): HTMLElement => document.getElementById(id)!;
    const ink = (c: HTMLCanvasElement): { ink: number; red: number; blue: number } => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let ink = 0;
      let red = 0;
      let blue = 0;
      for (let k = 0; k < d.length; k += 4) {
        const [r, g, b] = [d[k]!, d[k + 1]!, d[k + 2]!];
        if (r < 250 || g < 250 || b < 250) ink++;
        if (r > 150 && g < 60 && b < 70) red++;
        if (b > 140 && r < 70 && g < 130) blue++;
      }
      return { ink, red, blue };
    };
    const spectrum = ink($('eig-spectrum') as HTMLCanvasElement);
    const density = ink($('eig-density') as HTMLCanvasElement);
    const tiles = Array.from(document.querySelectorAll<HTMLCanvasElement>('#eig-directions canvas'), (c: HTMLCanvasElement): Shown['tiles'][number] => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const colors = new Set<number>();
      for (let k = 0; k < d.length; k += 4) colors.add((d[k]! << 16) | (d[k + 1]! << 8) | d[k + 2]!);
      return { index: Number(c.dataset.index), width: c.width, height: c.height, distinctColors: colors.size, pixels: Array.from(d) };
    });
    return {
      state: JSON.parse(JSON.stringify(window.__matjacEig)) as PanelState,
      status: $('eig-panel').dataset.status ?? '',
      resultShown: !$('eig-result').hidden,
      errorText: $('eig-error').hidden ? null : $('eig-error').textContent,
      kindText: $('eig-kind').textContent ?? '',
      inertiaText: $('eig-inertia').textContent ?? '',
      methodText: $('eig-method').textContent ?? '',
      statusText: $('eig-status').textContent ?? '',
      captions: Array.from(document.querySelectorAll('#eig-directions figcaption'), (c) => c.textContent ?? ''),
      spectrumInk: spectrum.ink,
      densityInk: density.ink,
      spectrumRed: spectrum.red,
      spectrumBlue: spectrum.blue,
      tiles,
    };
  });
}

/** Clicks "Analyse the Hessian" (or the form's "Eigen-analysis") and waits for 'done' or 'error'. */
async function analyse(page: Page, spec: { expr?: string; bindings: string; backend?: string; k?: number }, button = '#btn-eig'): Promise<Shown> {
  await fill(page, spec);
  const before = await page.evaluate(() => window.__matjacEig.runs);
  await page.click(button);
  await page.waitForFunction((n: number) => window.__matjacEig.runs > n && ['done', 'error'].includes(window.__matjacEig.status), { timeout: 180_000 }, before);
  return shown(page);
}

/** The diverging colour map's positive end (demo/heatmap.ts), for the entry of largest magnitude. */
const POS = [178, 24, 43];

describe('demo: Hessian eigen-analysis panel in Chromium', () => {
  let outDir: string;
  let server: StaticServer | undefined;
  let browser: LaunchedBrowser | undefined;
  let page: Page;
  const logs: string[] = [];

  beforeAll(async () => {
    outDir = mkdtempSync(path.join(os.tmpdir(), 'matjac-eig-demo-'));
    await buildDemo(outDir);
    server = await serveDir(outDir);
    browser = await launchChromium('no-webgpu');
    page = await browser.browser.newPage();
    await page.setViewport({ width: 1100, height: 900 });
    page.on('console', (m) => logs.push(`[console.${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`[pageerror] ${e instanceof Error ? e.message : String(e)}`));
    await page.goto(server.url + 'index.html', { waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.status === 'ready' && window.__matjacEig?.status === 'idle', { timeout: 60_000 });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('n = 4 (H 16×16, dense): classification and spectrum equal the library in Node; plots and heat maps drawn', async () => {
    const s = await analyse(page, { bindings: 'n = 4' });
    expect(s.errorText, `${s.errorText}\n${logs.join('\n')}`).toBeNull();
    expect(s.status).toBe('done');
    const r = s.state.lastResult!;
    const at = inputs(4);
    const cp = await criticalPoint(F, { wrt: 'X', at, backend: 'cpu' });
    const { values, vectors } = eigh(await hessian(F, { wrt: 'X', at, backend: 'cpu' }));
    const scale = Math.max(Math.abs(values[0]!), Math.abs(values[15]!));

    expect([r.order, r.method, r.kind]).toEqual([16, 'dense', cp.kind]);
    expect(r.inertia).toEqual(cp.inertia);
    expect(r.gradNorm).toBeCloseTo(cp.gradNorm, 10);
    expect(Math.abs(r.lambdaMin - values[0]!)).toBeLessThanOrEqual(1e-12 * scale);
    expect(Math.abs(r.lambdaMax - values[15]!)).toBeLessThanOrEqual(1e-12 * scale);
    expect(r.indices).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    r.values.forEach((v, i) => expect(Math.abs(v - values[i]!)).toBeLessThanOrEqual(1e-12 * scale));
    expect(r.density.integral).toBeCloseTo(1, 3);

    // eigen-directions: v₁, v₂, v₁₆, v₁₅, each the library's eigenvector column (same sign convention)
    expect(r.directions.map((d) => d.index)).toEqual([1, 2, 16, 15]);
    for (const d of r.directions) {
      const col = Array.from(vectors.data.subarray((d.index - 1) * 16, d.index * 16));
      const gap = Math.min(...[d.index - 2, d.index].filter((j) => j >= 0 && j < 16).map((j) => Math.abs(values[j]! - d.lambda)));
      if (gap > 1e-6 * scale) d.data.forEach((x, i) => expect(Math.abs(x - col[i]!)).toBeLessThanOrEqual(1e-9));
      expect(d.residual).toBeLessThanOrEqual(1e-12 * scale * 16);
    }

    // what is on screen
    expect(s.resultShown).toBe(true);
    expect(s.kindText).toBe(cp.kind);
    expect(s.inertiaText).toBe(`${cp.inertia.positive} positive, ${cp.inertia.negative} negative, ${cp.inertia.zero} zero`);
    expect(s.methodText).toMatch(/^dense: H formed in float64 and decomposed by eigh \(all 16 eigenvalues\)/);
    expect(s.spectrumInk).toBeGreaterThan(2000); // frame, ticks, labels, dots
    const positives = r.values.filter((v) => v > 0).length;
    if (positives > 0) expect(s.spectrumRed).toBeGreaterThan(10 * positives);
    if (positives < 16) expect(s.spectrumBlue).toBeGreaterThan(10 * (16 - positives));
    expect(s.densityInk).toBeGreaterThan(2000);
    expect(s.tiles.map((t) => [t.index, t.width, t.height])).toEqual([
      [1, 4, 4],
      [2, 4, 4],
      [16, 4, 4],
      [15, 4, 4],
    ]);
    const sub = (i: number): string => String(i).replace(/\d/g, (d) => '₀₁₂₃₄₅₆₇₈₉'[Number(d)]!);
    expect(s.captions.map((c) => c.replace(/ = .*/, ''))).toEqual([1, 2, 16, 15].map((i, k) => `v${sub(i)} (${['smallest', '2nd smallest', 'largest', '2nd largest'][k]}): λ${sub(i)}`));
    s.captions.forEach((c, k) => {
      const lambda = values[[0, 1, 15, 14][k]!]!;
      expect(Math.abs(Number(c.replace(/.* = /, '')) - lambda)).toBeLessThanOrEqual(1e-4 * Math.abs(lambda)); // shown to 5 digits
    });
    for (const t of s.tiles) {
      expect(t.distinctColors).toBeGreaterThan(3);
      // the entry of largest magnitude is positive by convention: its cell has the colour map's positive end
      const d = r.directions.find((x) => x.index === t.index)!;
      let kMax = 0;
      d.data.forEach((x, k) => (Math.abs(x) > Math.abs(d.data[kMax]!) ? (kMax = k) : 0));
      const [i, j] = [kMax % 4, Math.floor(kMax / 4)]; // column-major entry (i, j) → pixel row i, column j
      expect(t.pixels.slice(4 * (i * 4 + j), 4 * (i * 4 + j) + 3)).toEqual(POS);
    }
  });

  it("n = 21 (H 441×441): Lanczos at both ends; tr(X'*A*X) gives the eigenvalues of A + Aᵀ, each 21 times, as in Node", async () => {
    const f = "tr(X'*A*X)";
    const s = await analyse(page, { expr: f, bindings: 'n = 21', k: 3 });
    expect(s.errorText, `${s.errorText}\n${logs.join('\n')}`).toBeNull();
    const r = s.state.lastResult!;
    expect([r.order, r.method]).toEqual([441, 'lanczos']);
    expect(r.solver.converged).toBe(true);
    expect(r.indices).toEqual([1, 2, 3, 439, 440, 441]);
    // closed form: H = I ⊗ (A + Aᵀ)
    const { A } = inputs(21);
    const S = Mat.zeros(21, 21);
    for (let j = 0; j < 21; j++) for (let i = 0; i < 21; i++) S.set(i, j, A.get(i, j) + A.get(j, i));
    const w = eigh(S).values;
    const scale = Math.max(Math.abs(w[0]!), Math.abs(w[20]!));
    // converged: every residual within the run's tolerance (relative to ‖H‖ = scale); a Ritz value
    // lies within its residual of an eigenvalue, here the cluster at its end
    expect(r.solver.tol).toBeGreaterThan(0);
    expect(r.solver.maxResidual).toBeLessThanOrEqual(r.solver.tol! * scale);
    const bound = r.solver.maxResidual + 1e-12 * scale;
    r.values.forEach((v, j) => expect(Math.abs(v - (j < 3 ? w[0]! : w[20]!))).toBeLessThanOrEqual(bound));
    // and the library in Node agrees (dense eigh of the formed Hessian)
    const { values } = eigh(await hessian(f, { wrt: 'X', at: inputs(21), backend: 'cpu' }));
    r.values.forEach((v, j) => expect(Math.abs(v - values[r.indices[j]! - 1]!)).toBeLessThanOrEqual(bound));
    expect(Math.abs(r.lambdaMin - w[0]!)).toBeLessThanOrEqual(bound);
    expect(Math.abs(r.lambdaMax - w[20]!)).toBeLessThanOrEqual(bound);
    for (const d of r.directions) expect(d.residual).toBeLessThanOrEqual(r.solver.maxResidual);
    expect(s.inertiaText).toBe('at least one positive and one negative (only the extremes are computed)');
    expect(s.methodText).toMatch(/^Lanczos over Hessian-vector products on cpu \(H never formed\): 6 eigenvalues, \d+ products, converged/);
    expect(s.spectrumInk).toBeGreaterThan(2000);
    expect(s.spectrumRed).toBeGreaterThan(30);
    expect(s.spectrumBlue).toBeGreaterThan(30);
    expect(s.tiles.map((t) => [t.index, t.width, t.height])).toEqual([
      [1, 21, 21],
      [2, 21, 21],
      [441, 21, 21],
      [440, 21, 21],
    ]);
    expect(r.density.method).toBe('slq');
    expect(r.density.integral).toBeCloseTo(1, 2);
  });

  it('the default n = 32 (H 1024×1024, Lanczos): the numbers of analyzeHessian in Node; each within its residual of an eigenvalue of the formed H; the status says whether Lanczos converged', async () => {
    const s = await analyse(page, { bindings: 'n = 32', k: 5 });
    expect(s.errorText, `${s.errorText}\n${logs.join('\n')}`).toBeNull();
    const r = s.state.lastResult!;
    expect([r.order, r.method]).toEqual([1024, 'lanczos']);
    const at = inputs(32);
    // the worker's analysis, repeated here with the panel's options (demo/eig-analysis.ts)
    const a = await analyzeHessian(F, { wrt: 'X', at, k: 10, which: 'both', denseUpTo: 400, seed: 1, backend: 'cpu' });
    expect(r.indices).toEqual(Array.from(a.indices));
    expect([r.kind, r.inertia, r.solver.converged, r.solver.iterations]).toEqual([a.kind, a.inertia, a.solver.converged, a.solver.iterations]);
    const w = eigvalsh(await hessian(F, { wrt: 'X', at, backend: 'cpu' }));
    const scale = Math.max(Math.abs(w[0]!), Math.abs(w[1023]!));
    r.values.forEach((v, j) => {
      expect(Math.abs(v - a.values[j]!)).toBeLessThanOrEqual(1e-9 * scale);
      // |θ − λ| ≤ ‖Hv − θv‖ for some eigenvalue λ; at the ends, the one at that position
      expect(Math.abs(v - w[r.indices[j]! - 1]!)).toBeLessThanOrEqual(r.solver.maxResidual + 1e-12 * scale);
    });
    for (const d of r.directions) expect(d.residual).toBeLessThanOrEqual(r.solver.maxResidual);
    if (r.solver.converged) {
      expect(s.methodText).toMatch(/\d+ products, converged \(‖Hv − λv‖ ≤ [\d.e-]+·‖H‖\); max ‖Hv − λv‖ = /);
      expect(s.statusText).toMatch(/^done in [\d.]+ s$/);
    } else {
      expect(s.methodText).toMatch(/\d+ products, stopped at the product limit before every pair met the tolerance \(‖Hv − λv‖ ≤ [\d.e-]+·‖H‖\); max ‖Hv − λv‖ = .+: each value lies within its residual of an eigenvalue of H$/);
      expect(s.statusText).toMatch(/^done in [\d.]+ s \(Lanczos not converged: eigenvalues to ±.+, see “computed by”\)$/);
    }
    expect(s.captions.map((c) => c.replace(/\).*/, ')'))).toEqual(['v₁ (smallest)', 'v₂ (2nd smallest)', 'v₁₀₂₄ (largest)', 'v₁₀₂₃ (2nd largest)']);
  });

  it("backend 'auto' inside the worker (no WebGPU in this browser, WebGL on SwiftShader): the CPU, and it agrees with the CPU", async () => {
    const s = await analyse(page, { bindings: 'n = 3', backend: 'auto' });
    expect(s.errorText, `${s.errorText}\n${logs.join('\n')}`).toBeNull();
    const r = s.state.lastResult!;
    // no WebGPU adapter, and gpu.js has no GPU in the worker or only SwiftShader's: 'auto' takes neither
    expect(r.solver.backend).toBe('cpu');
    const at = inputs(3);
    const { values } = eigh(await hessian(F, { wrt: 'X', at, backend: 'cpu' }));
    const scale = Math.max(Math.abs(values[0]!), Math.abs(values[8]!));
    // the spectrum comes from H formed in float64; criticalPoint's extremes may be float32 products
    r.values.forEach((v, i) => expect(Math.abs(v - values[i]!)).toBeLessThanOrEqual(1e-12 * scale));
    expect(Math.abs(r.lambdaMin - values[0]!)).toBeLessThanOrEqual(1e-4 * scale);
    expect(Math.abs(r.lambdaMax - values[8]!)).toBeLessThanOrEqual(1e-4 * scale);
  });

  it('Cancel stops a long run (n = 96, H 9216×9216): the worker is terminated, nothing arrives later, the page stayed responsive', async () => {
    await fill(page, { bindings: 'n = 96' });
    const before = await page.evaluate(() => ({ runs: window.__matjacEig.runs, workers: window.__matjacEig.workers, ticks: window.__matjacEig.ticks, order: window.__matjacEig.lastResult?.order }));
    expect(before.order).toBeGreaterThan(0); // a previous result is on the page
    await page.click('#btn-eig');
    await page.waitForFunction(() => window.__matjacEig.status === 'busy' && window.__matjacEig.stage !== '', { timeout: 30_000 });
    // the main thread answers while the worker computes
    const t0 = Date.now();
    await page.waitForFunction((t: number) => window.__matjacEig.ticks >= t + 3, { timeout: 10_000 }, before.ticks);
    const pingMs = Date.now() - t0;
    expect(pingMs).toBeLessThan(5_000);
    expect(await page.evaluate(() => window.__matjacEig.status)).toBe('busy');
    await page.click('#eig-cancel');
    const after = await shown(page);
    expect(after.state.status).toBe('cancelled');
    expect(after.state.cancelled).toBeGreaterThanOrEqual(1);
    expect(after.state.runs).toBe(before.runs + 1);
    // the previous result is still the one on record, dimming removed
    expect(after.state.lastResult?.order).toBe(before.order);
    expect(await page.evaluate(() => document.getElementById('eig-result')!.classList.contains('stale'))).toBe(false);
    await new Promise((res) => setTimeout(res, 3_000));
    const later = await shown(page);
    expect(later.state.status).toBe('cancelled');
    expect(later.state.lastResult?.order).toBe(before.order);
    // a new run starts a fresh worker and completes
    const next = await analyse(page, { bindings: 'n = 3' });
    expect(next.status).toBe('done');
    expect(next.state.lastResult?.order).toBe(9);
    expect(next.state.workers).toBe(before.workers + 1);
  });

  it('an error withdraws the previous result (no stale picture), shows [code] message, and a new run recovers', async () => {
    const ok = await analyse(page, { bindings: 'n = 3' });
    expect(ok.resultShown).toBe(true);
    const bad = await analyse(page, { expr: 'A*X', bindings: 'n = 3' });
    expect(bad.status).toBe('error');
    expect(bad.state.lastError?.code).toBe('E_SHAPE');
    expect(bad.errorText).toBe(`[E_SHAPE] ${bad.state.lastError!.message}`);
    expect(bad.state.lastResult).toBeNull();
    expect(bad.resultShown).toBe(false);
    expect(bad.spectrumInk).toBe(0);
    expect(bad.densityInk).toBe(0);
    expect(bad.tiles).toEqual([]);

    const parse = await analyse(page, { expr: 'logdet(X', bindings: 'n = 3' });
    expect(parse.state.lastError?.code).toBe('E_PARSE');
    expect(parse.errorText).toMatch(/^\[E_PARSE\] /);

    // the form's own button starts the panel too
    const again = await analyse(page, { bindings: 'n = 2' }, '#btn-eig-form');
    expect(again.status).toBe('done');
    expect(again.errorText).toBeNull();
    expect(again.state.lastResult?.order).toBe(4);
    expect(logs.filter((l) => l.startsWith('[pageerror]'))).toEqual([]);
  });
});
