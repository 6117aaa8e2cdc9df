/**
 * The demo's Hessian eigen-analysis panel: a button that analyses the Hessian of f(X) (from the
 * page's form) in a Web Worker (demo/eig-worker.ts), with progress and Cancel, and the result
 * drawn: the kind of point with ‖∇f‖_F, inertia, λ_min/λ_max and how it was computed; the
 * sorted spectrum and its density as canvas plots (demo/plot.ts); heat maps of the eigen-
 * directions at both ends reshaped to X's shape. A new result or an error replaces the previous
 * one. Tests read `window.__matjacEig` and `#eig-panel[data-status]`.
 */
import type { EigAnalysis, EigDirection, EigRequest } from './eig-analysis.js';
import type { WorkerError, WorkerMessage } from './eig-worker.js';
import { paintHeatmap, paintLegend, poolMaxAbs } from './heatmap.js';
import { clearPlot, plotDensity, plotSpectrum } from './plot.js';

export type EigPanelStatus = 'idle' | 'busy' | 'done' | 'error' | 'cancelled';

/** The result as tests read it (plain JSON). */
export interface EigPanelResult {
  readonly expr: string;
  readonly shape: readonly [number, number];
  readonly order: number;
  readonly kind: string;
  readonly gradNorm: number;
  readonly inertia: EigAnalysis['inertia'];
  readonly inertiaExact: boolean;
  readonly lambdaMin: number;
  readonly lambdaMax: number;
  readonly method: 'dense' | 'lanczos';
  readonly values: number[];
  readonly indices: number[];
  readonly directions: { readonly index: number; readonly lambda: number; readonly residual: number; readonly data: number[] }[];
  readonly solver: EigAnalysis['solver'];
  readonly density: { readonly points: number; readonly integral: number; readonly trace: number; readonly method: string };
  readonly ms: Readonly<Record<string, number>>;
}

export interface EigPanelState {
  /** Increments when a run starts. */
  runs: number;
  status: EigPanelStatus;
  lastResult: EigPanelResult | null;
  lastError: WorkerError | null;
  /** Runs cancelled so far; workers started so far (a cancelled worker is terminated, never reused). */
  cancelled: number;
  workers: number;
  /** Main-thread timer ticks while busy: they keep coming while the worker computes. */
  ticks: number;
  /** The last progress stage shown. */
  stage: string;
}

declare global {
  interface Window {
    __matjacEig: EigPanelState;
  }
}

/** What the panel reads from the page's form when it runs. */
export interface EigPanelSource {
  read(): Omit<EigRequest, 'k'>;
}

const MARKUP = `
<h2>Hessian eigen-analysis</h2>
<p class="hint">The Hessian H = ∂²f/∂vec(X)∂vec(X)ᵀ of f(X) above, at the inputs above. For mn ≤ 400 H is formed
  and decomposed (<code>eigh</code>, every eigenvalue); beyond, Lanczos over Hessian-vector products finds the
  k smallest and k largest without ever forming H. Runs in a Web Worker: the page stays responsive.</p>
<div class="row eig-controls">
  <button id="btn-eig" type="button">Analyse the Hessian</button>
  <label title="Lanczos (mn > 400): how many eigenvalues at each end of the spectrum">k per end (Lanczos) <input id="eig-k" type="number" min="1" max="50" value="5" size="3"></label>
  <button id="eig-cancel" type="button" disabled>Cancel</button>
  <progress id="eig-progress" max="1" value="0" hidden></progress>
  <span id="eig-status" role="status" aria-live="polite"></span>
</div>
<div id="eig-error" class="error" role="alert" hidden></div>
<div id="eig-result" hidden>
  <p id="eig-what" class="eig-what"></p>
  <div class="eig-summary">
    <div id="eig-kind" class="eig-kind"></div>
    <dl>
      <dt>‖∇f‖<sub>F</sub></dt><dd id="eig-grad"></dd>
      <dt>inertia</dt><dd id="eig-inertia"></dd>
      <dt>λ<sub>min</sub>, λ<sub>max</sub></dt><dd id="eig-extremes"></dd>
      <dt>computed by</dt><dd id="eig-method"></dd>
      <dt>time</dt><dd id="eig-time"></dd>
    </dl>
  </div>
  <div class="eig-plots">
    <figure><canvas id="eig-spectrum" aria-label="sorted spectrum"></canvas><figcaption id="eig-spectrum-caption"></figcaption></figure>
    <figure><canvas id="eig-density" aria-label="spectral density"></canvas><figcaption id="eig-density-caption"></figcaption></figure>
  </div>
  <h3>Eigen-directions unvec(v), reshaped to X's shape</h3>
  <div id="eig-directions" class="eig-directions"></div>
  <p class="eig-legend"><span>−max |vᵢ|</span><canvas id="eig-legend" width="256" height="1"></canvas><span>+max |vᵢ|</span>
    <span class="hint">each map is scaled to its own largest entry (positive by convention)</span></p>
</div>`;

const fmt = (v: number): string =>
  Number.isFinite(v) ? (v === 0 ? '0' : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(3) : String(Number(v.toPrecision(5)))) : String(v);

function sub(i: number): string {
  return String(i).replace(/\d/g, (d) => '₀₁₂₃₄₅₆₇₈₉'[Number(d)]!);
}

/** '' for the first, then '2nd ', '3rd ', '4th ', … */
function ordinal(i: number): string {
  if (i === 1) return '';
  const suffix = i % 100 >= 11 && i % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][i % 10] ?? 'th');
  return `${i}${suffix} `;
}

export interface EigPanel {
  readonly state: EigPanelState;
  /** Starts an analysis (ignored while one runs). */
  run(): void;
}

export function mountEigPanel(container: HTMLElement, source: EigPanelSource): EigPanel {
  container.innerHTML = MARKUP;
  const q = <T extends HTMLElement>(id: string): T => {
    const e = container.querySelector<T>(`#${id}`);
    if (!e) throw new Error(`eig panel: #${id} missing`);
    return e;
  };
  const ui = {
    run: q<HTMLButtonElement>('btn-eig'),
    k: q<HTMLInputElement>('eig-k'),
    cancel: q<HTMLButtonElement>('eig-cancel'),
    progress: q<HTMLProgressElement>('eig-progress'),
    status: q<HTMLSpanElement>('eig-status'),
    error: q<HTMLDivElement>('eig-error'),
    result: q<HTMLDivElement>('eig-result'),
    what: q<HTMLParagraphElement>('eig-what'),
    kind: q<HTMLDivElement>('eig-kind'),
    grad: q<HTMLElement>('eig-grad'),
    inertia: q<HTMLElement>('eig-inertia'),
    extremes: q<HTMLElement>('eig-extremes'),
    method: q<HTMLElement>('eig-method'),
    time: q<HTMLElement>('eig-time'),
    spectrum: q<HTMLCanvasElement>('eig-spectrum'),
    spectrumCaption: q<HTMLElement>('eig-spectrum-caption'),
    density: q<HTMLCanvasElement>('eig-density'),
    densityCaption: q<HTMLElement>('eig-density-caption'),
    directions: q<HTMLDivElement>('eig-directions'),
    legend: q<HTMLCanvasElement>('eig-legend'),
  };
  const state: EigPanelState = { runs: 0, status: 'idle', lastResult: null, lastError: null, cancelled: 0, workers: 0, ticks: 0, stage: '' };
  window.__matjacEig = state;
  container.hidden = false;
  paintLegend(ui.legend);

  let worker: Worker | null = null;
  let current = 0;
  let started = 0;
  let timer: ReturnType<typeof setInterval> | undefined;

  const setStatus = (s: EigPanelStatus, text: string): void => {
    state.status = s;
    container.dataset.status = s;
    ui.status.textContent = text;
  };
  setStatus('idle', '');

  const finish = (): void => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
    ui.run.disabled = false;
    ui.cancel.disabled = true;
    ui.progress.hidden = true;
    ui.result.classList.remove('stale');
  };

  const withdrawResult = (): void => {
    state.lastResult = null;
    ui.result.hidden = true;
    clearPlot(ui.spectrum);
    clearPlot(ui.density);
    ui.directions.replaceChildren();
  };

  const showError = (e: WorkerError): void => {
    finish();
    withdrawResult();
    state.lastError = e;
    ui.error.textContent = `[${e.code}] ${e.message}`;
    ui.error.hidden = false;
    setStatus('error', `failed: ${e.code}`);
  };

  const onMessage = (ev: MessageEvent<WorkerMessage>): void => {
    const m = ev.data;
    if (m.id !== current) return;
    if (m.type === 'progress') {
      state.stage = m.progress.stage;
      ui.progress.value = m.progress.fraction;
      ui.status.textContent = `${m.progress.stage}… ${((performance.now() - started) / 1000).toFixed(1)} s`;
    } else if (m.type === 'result') {
      finish();
      render(m.result);
      setStatus('done', `done in ${(m.result.ms.total! / 1000).toFixed(2)} s${m.result.solver.converged ? '' : ` (Lanczos not converged: eigenvalues to ±${fmt(m.result.solver.maxResidual)}, see “computed by”)`}`);
    } else showError(m.error);
  };

  const startWorker = (): Worker => {
    const w = new Worker(new URL('./eig-worker.ts', import.meta.url), { type: 'module' });
    state.workers++;
    w.addEventListener('message', onMessage);
    // A worker that fails to load or throws outside the protocol still ends the run visibly.
    w.addEventListener('error', (ev) => {
      ev.preventDefault();
      worker?.terminate();
      worker = null;
      showError({ code: 'E_INTERNAL', message: `the eigen-analysis worker failed: ${ev.message || 'could not be loaded'}` });
    });
    return w;
  };

  const run = (): void => {
    if (state.status === 'busy') return;
    let req: EigRequest;
    try {
      const k = Number(ui.k.value);
      if (!Number.isInteger(k) || k < 1 || k > 50) throw new Error(`k must be an integer from 1 to 50, got '${ui.k.value}'`);
      req = { ...source.read(), k };
    } catch (e) {
      showError({ code: 'E_INVALID_ARGUMENT', message: e instanceof Error ? e.message : String(e) });
      return;
    }
    state.runs++;
    state.lastError = null;
    state.stage = '';
    ui.error.hidden = true;
    ui.result.classList.add('stale');
    ui.run.disabled = true;
    ui.cancel.disabled = false;
    ui.progress.hidden = false;
    ui.progress.value = 0;
    started = performance.now();
    timer = setInterval(() => {
      state.ticks++;
      if (state.stage) ui.status.textContent = `${state.stage}… ${((performance.now() - started) / 1000).toFixed(1)} s`;
    }, 100);
    setStatus('busy', 'starting…');
    worker ??= startWorker();
    current = state.runs;
    worker.postMessage({ id: current, request: req });
  };

  const cancel = (): void => {
    if (state.status !== 'busy') return;
    // terminate() stops the worker wherever it is (inside eigh, Lanczos, an hvp); a fresh one
    // is started by the next run.
    worker?.terminate();
    worker = null;
    current = -1;
    state.cancelled++;
    finish();
    setStatus('cancelled', `cancelled after ${((performance.now() - started) / 1000).toFixed(1)} s${state.lastResult ? ' (the result shown is the previous one)' : ''}`);
  };

  ui.run.addEventListener('click', run);
  ui.cancel.addEventListener('click', cancel);

  function render(r: EigAnalysis): void {
    const [m, n] = r.shape;
    ui.what.textContent = `f = ${r.expr} with respect to ${r.wrt} (${m}×${n}), seed ${r.seed}: H is ${r.order}×${r.order}`;
    ui.kind.textContent = r.kind;
    ui.kind.dataset.kind = r.kind.replace(' ', '-');
    ui.grad.textContent = `${fmt(r.gradNorm)} (${r.kind === 'not critical' ? 'not a critical point: above' : 'critical: at most'} gradTol = ${fmt(r.gradTol)})`;
    const { positive, negative, zero } = r.inertia;
    ui.inertia.textContent = r.inertiaExact
      ? `${positive} positive, ${negative} negative, ${zero} zero`
      : `at least ${[positive ? 'one positive' : '', negative ? 'one negative' : '', zero ? 'one zero' : ''].filter(Boolean).join(' and ')} (only the extremes are computed)`;
    ui.extremes.textContent = `${fmt(r.lambdaMin)}, ${fmt(r.lambdaMax)}`;
    ui.method.textContent =
      r.method === 'dense'
        ? `dense: H formed in float64 and decomposed by eigh (all ${r.order} eigenvalues); max ‖Hv − λv‖ = ${fmt(r.solver.maxResidual)}`
        : `Lanczos over Hessian-vector products on ${r.solver.backend} (H never formed): ${r.values.length} eigenvalues, ${r.solver.iterations} products, ` +
          (r.solver.converged ? 'converged' : 'stopped at the product limit before every pair met the tolerance') +
          (r.solver.tol !== undefined ? ` (‖Hv − λv‖ ≤ ${r.solver.tol.toExponential(1).replace('.0e', 'e')}·‖H‖)` : '') +
          `; max ‖Hv − λv‖ = ${fmt(r.solver.maxResidual)}${r.solver.converged ? '' : ': each value lies within its residual of an eigenvalue of H'}`;
    ui.method.classList.toggle('warn', !r.solver.converged);
    ui.time.textContent = Object.entries(r.ms)
      .filter(([k]) => k !== 'total')
      .map(([k, v]) => `${k} ${v.toFixed(0)} ms`)
      .concat(`total ${r.ms.total!.toFixed(0)} ms`)
      .join(', ');
    ui.result.hidden = false;

    // positions between two computed ones that were not computed (Lanczos: the interior)
    let gap: [number, number] | undefined;
    for (let j = 0; j + 1 < r.indices.length; j++) if (r.indices[j + 1]! - r.indices[j]! > 1) gap = [r.indices[j]! + 1, r.indices[j + 1]! - 1];
    plotSpectrum(ui.spectrum, {
      order: r.order,
      indices: r.indices,
      values: r.values,
      zeroTol: r.zeroTol,
      ...(gap ? { gap } : {}),
      title: r.method === 'dense' ? `sorted spectrum: all ${r.order} eigenvalues` : `sorted spectrum: the ${r.values.length / 2} smallest and largest (Lanczos)`,
    });
    ui.spectrumCaption.textContent = `red positive, blue negative, grey |λ| ≤ τ = ${fmt(r.zeroTol)}`;
    plotDensity(ui.density, {
      grid: r.density.grid,
      density: r.density.density,
      rug: r.values,
      title: r.density.method === 'exact' ? 'spectral density (exact eigenvalues, smoothed)' : `spectral density (SLQ, ${r.density.probes} probes × ${r.density.steps} steps)`,
    });
    ui.densityCaption.textContent = `Gaussian σ = ${fmt(r.density.sigma)}; ∫ density dλ = ${r.density.integral.toFixed(4)}; tr H ${r.density.method === 'exact' ? '=' : '≈'} ${fmt(r.density.trace)}; ticks: the computed eigenvalues`;

    const tiles: HTMLElement[] = [];
    const tile = (d: EigDirection, end: string): HTMLElement => {
      const fig = document.createElement('figure');
      const canvas = document.createElement('canvas');
      canvas.className = 'eig-direction';
      canvas.dataset.index = String(d.index);
      paintHeatmap(canvas, poolMaxAbs(d.data, m, n), 200);
      const cap = document.createElement('figcaption');
      cap.textContent = `v${sub(d.index)} (${end}): λ${sub(d.index)} = ${fmt(d.lambda)}`;
      fig.append(canvas, cap);
      return fig;
    };
    for (const d of r.bottom) tiles.push(tile(d, `${ordinal(d.index)}smallest`));
    for (const d of r.top) tiles.push(tile(d, `${ordinal(r.order - d.index + 1)}largest`));
    ui.directions.replaceChildren(...tiles);

    state.lastResult = {
      expr: r.expr,
      shape: r.shape,
      order: r.order,
      kind: r.kind,
      gradNorm: r.gradNorm,
      inertia: r.inertia,
      inertiaExact: r.inertiaExact,
      lambdaMin: r.lambdaMin,
      lambdaMax: r.lambdaMax,
      method: r.method,
      values: Array.from(r.values),
      indices: Array.from(r.indices),
      directions: [...r.bottom, ...r.top].map((d) => ({ index: d.index, lambda: d.lambda, residual: d.residual, data: Array.from(d.data) })),
      solver: r.solver,
      density: { points: r.density.grid.length, integral: r.density.integral, trace: r.density.trace, method: r.density.method },
      ms: r.ms,
    };
  }

  return { state, run };
}
