/**
 * The matjac browser demo: a Jacobian or a Hessian of an expression at seeded random inputs, on
 * the chosen backend, shown as a heat map with the plan (`explain`), and the Hessian
 * eigen-analysis panel (demo/eig-panel.ts, in a Web Worker). Tests drive it through
 * `document.body.dataset.status` and `window.__matjacDemo` (see test/browser/demo.browser.test.ts).
 */
import { MatjacError, explain, hessian, jacobian, type BackendChoice, type Layout, type Mat, type Method, type RunReport } from '../src/index.js';
import { mountEigPanel } from './eig-panel.js';
import { paintHeatmap, paintLegend, poolMaxAbs } from './heatmap.js';
import { checksum, parseInputs } from './inputs.js';
import { npyBlob, npyName, offerDownload, withdrawDownload, type DownloadInfo } from './download.js';
import { DEFAULT_DOWNLOAD_LIMIT, DEFAULT_TILE_THRESHOLD, planTiles, type TiledResult } from './tiles.js';

export type DemoStatus = 'loading' | 'ready' | 'busy' | 'done' | 'error';
export type DemoKind = 'jacobian' | 'hessian';

export interface DemoResult {
  readonly kind: DemoKind;
  readonly expr: string;
  readonly rows: number;
  readonly cols: number;
  readonly backend: string;
  readonly device: string;
  readonly skipped: readonly { readonly backend: string; readonly reason: string }[];
  /** Wall time of the awaited jacobian/hessian call (ms). */
  readonly ms: number;
  /** Σ_k w_k·x_k over the column-major data (demo/inputs.ts `checksum`). */
  readonly checksum: number;
  /** Σ_k w_k·|x_k|: the scale for comparing float32 and float64 results. */
  readonly absChecksum: number;
  readonly precision: 'f32' | 'f64';
  readonly bytes: number;
  readonly layout: Layout;
  readonly method: Method;
  /** Size of the heat-map image (≤ 512×512). */
  readonly heatmap: { readonly width: number; readonly height: number };
  /** Column tiles it was assembled in (0: one piece). */
  readonly tiles: number;
  /** The .npy offered for download (null: larger than `downloadLimit`). */
  readonly download: DownloadInfo | null;
}

export interface DemoState {
  /** Increments when a run starts. */
  runs: number;
  lastResult: DemoResult | null;
  lastError: { readonly code: string; readonly name: string; readonly message: string } | null;
  /** Results larger than this many bytes are assembled in column tiles (tests lower it). */
  tileThreshold: number;
  /** Tiled results larger than this are not offered for download. */
  downloadLimit: number;
  /** Tiled runs: columns done of total, updated after each tile. */
  progress: { done: number; total: number } | null;
}

declare global {
  interface Window {
    __matjacDemo: DemoState;
  }
}

const state: DemoState = { runs: 0, lastResult: null, lastError: null, tileThreshold: DEFAULT_TILE_THRESHOLD, downloadLimit: DEFAULT_DOWNLOAD_LIMIT, progress: null };
window.__matjacDemo = state;

function el<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`demo: #${id} is missing from index.html`);
  return e as T;
}

const ui = {
  form: el<HTMLFormElement>('controls'),
  expr: el<HTMLInputElement>('expr'),
  hexpr: el<HTMLInputElement>('hexpr'),
  wrt: el<HTMLInputElement>('wrt'),
  layout: el<HTMLSelectElement>('layout'),
  backend: el<HTMLSelectElement>('backend'),
  method: el<HTMLSelectElement>('method'),
  bindings: el<HTMLTextAreaElement>('bindings'),
  jacobianBtn: el<HTMLButtonElement>('btn-jacobian'),
  hessianBtn: el<HTMLButtonElement>('btn-hessian'),
  status: el<HTMLParagraphElement>('status'),
  error: el<HTMLDivElement>('error'),
  result: el<HTMLElement>('result'),
  what: el<HTMLElement>('r-what'),
  backendOut: el<HTMLElement>('r-backend'),
  skipped: el<HTMLElement>('r-skipped'),
  time: el<HTMLElement>('r-time'),
  size: el<HTMLElement>('r-size'),
  heatmap: el<HTMLCanvasElement>('heatmap'),
  heatCaption: el<HTMLElement>('heat-caption'),
  legend: el<HTMLCanvasElement>('legend'),
  legendMin: el<HTMLElement>('legend-min'),
  legendMax: el<HTMLElement>('legend-max'),
  heatRange: el<HTMLElement>('heat-range'),
  explain: el<HTMLPreElement>('explain'),
  download: el<HTMLAnchorElement>('download'),
  progress: el<HTMLProgressElement>('progress'),
};

function setStatus(s: DemoStatus, text: string): void {
  document.body.dataset.status = s;
  ui.status.textContent = text;
}

const fmt = (v: number): string => (Number.isFinite(v) ? (v === 0 ? '0' : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(3) : v.toPrecision(4)) : String(v));

function fmtBytes(b: number): string {
  if (b >= 1024 * 1024) return `${(b / (1024 * 1024)).toFixed(2)} MB`;
  if (b >= 1024) return `${(b / 1024).toFixed(1)} kB`;
  return `${b} B`;
}

function showError(e: unknown): void {
  const err =
    e instanceof MatjacError
      ? { code: e.code, name: e.name, message: e.message }
      : { code: 'E_INTERNAL', name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e) };
  state.lastError = err;
  ui.error.textContent = `[${err.code}] ${err.message}`;
  ui.error.hidden = false;
  ui.progress.hidden = true;
  setStatus('error', `failed: ${err.code}`);
}

/** Lets the browser paint (status text, disabled buttons) before long synchronous work. */
const nextFrame = (): Promise<void> => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

let running = false;
/** Backends that have run once already: their first call includes start-up (device, shaders). */
const warmed = new Set<string>();

async function run(kind: DemoKind): Promise<void> {
  if (running) return;
  running = true;
  state.runs++;
  state.lastError = null;
  ui.error.hidden = true;
  ui.jacobianBtn.disabled = true;
  ui.hessianBtn.disabled = true;
  withdrawDownload(ui.download);
  state.progress = null;
  setStatus('busy', kind === 'jacobian' ? 'computing the Jacobian…' : 'computing the Hessian…');
  try {
    await nextFrame();
    const expr = (kind === 'jacobian' ? ui.expr : ui.hexpr).value;
    const wrt = ui.wrt.value.trim() || undefined;
    const layout = ui.layout.value as Layout;
    const method = ui.method.value as Method;
    const backend = ui.backend.value as BackendChoice;
    const inputs = parseInputs(ui.bindings.value);
    const opts = { wrt, at: inputs.at, layout, method, backend };

    let report: RunReport | null = null;
    const onReport = (r: RunReport): void => {
      report = r;
    };
    const t0 = performance.now();
    // beyond the tile threshold: column tiles, each folded into the heat map and the .npy, never the whole in one array
    const tiled = await planTiles({ kind, expr, wrt, at: inputs.at, layout, method, backend, onReport }, state.tileThreshold, state.downloadLimit);
    const big: TiledResult | null = tiled ? await tiled.run((done, total) => showProgress(kind, done, total)) : null;
    const D: Mat | null = big ? null : kind === 'jacobian' ? await jacobian(expr, { ...opts, onReport }) : await hessian(expr, { ...opts, onReport });
    const ms = performance.now() - t0;
    ui.progress.hidden = true;
    const plan = explain(expr, { ...opts, hessian: kind === 'hessian' });

    const rep = report as RunReport | null;
    const rows = D ? D.rows : big!.rows;
    const cols = D ? D.cols : big!.cols;
    const precision = D ? (D.data instanceof Float32Array ? 'f32' : 'f64') : big!.precision;
    const bytes = rows * cols * (precision === 'f32' ? 4 : 8);
    const sums = D ? checksum(D.data) : big!.sums;
    const blob = D ? npyBlob(D) : big!.npy;
    const download = blob ? offerDownload(ui.download, blob, npyName(kind, expr, layout)) : null;

    // Output facts.
    const X = inputs.at[wrt ?? 'X'];
    const xs = X ? `${X.rows}×${X.cols}` : '?';
    ui.what.textContent = `${kind === 'jacobian' ? 'Jacobian of' : 'Hessian of'} ${expr} with respect to ${wrt ?? '(its one name)'} (${xs}), ${layout} layout, n = ${inputs.n}, seed = ${inputs.seed}${inputs.custom.length ? `, given: ${inputs.custom.join(', ')}` : ''}`;
    ui.backendOut.textContent = rep ? `${rep.backend} — ${rep.device}` : 'unknown (no report)';
    showWhy(ui.skipped, rep, backend);
    const firstOnBackend = rep !== null && !warmed.has(rep.backend);
    if (rep) warmed.add(rep.backend);
    ui.time.textContent = `${ms.toFixed(2)} ms (${kind}() call, awaited${firstOnBackend && rep.backend !== 'cpu' ? `; the first call on ${rep.backend} includes its start-up: adapter, device, shader compilation` : ''})`;
    ui.size.textContent = `${rows}×${cols} = ${(rows * cols).toLocaleString('en')} entries, ${fmtBytes(bytes)} (${precision})${big ? `, assembled in ${big.tiles} column tiles` : ''}${blob ? '' : '; too large to download from the browser: the command line writes it with --out FILE.npy'}`;
    ui.explain.textContent = plan.text;

    // Heat map.
    const pooled = D ? poolMaxAbs(D.data, D.rows, D.cols) : big!.pooled;
    const scale = paintHeatmap(ui.heatmap, pooled);
    paintLegend(ui.legend);
    ui.legendMin.textContent = fmt(-scale);
    ui.legendMax.textContent = fmt(scale);
    ui.heatCaption.textContent =
      pooled.blockRows === 1 && pooled.blockCols === 1
        ? `${rows}×${cols}, one pixel an entry`
        : `${rows}×${cols} pooled to ${pooled.height}×${pooled.width} (max |·| over ${pooled.blockRows}×${pooled.blockCols} blocks)`;
    ui.heatRange.textContent = `min ${fmt(pooled.min)}, max ${fmt(pooled.max)}`;
    ui.result.hidden = false;

    state.lastResult = {
      kind,
      expr,
      rows,
      cols,
      backend: rep?.backend ?? 'unknown',
      device: rep?.device ?? 'unknown',
      skipped: rep?.skipped ?? [],
      ms,
      checksum: sums.sum,
      absChecksum: sums.abs,
      precision,
      bytes,
      layout,
      method,
      heatmap: { width: pooled.width, height: pooled.height },
      tiles: big ? big.tiles : 0,
      download,
    };
    setStatus('done', `done: ${kind} ${rows}×${cols} on ${rep?.backend ?? '?'} in ${ms.toFixed(1)} ms`);
  } catch (e) {
    showError(e);
  } finally {
    running = false;
    ui.jacobianBtn.disabled = false;
    ui.hessianBtn.disabled = false;
  }
}

/** Progress of a tiled run: the bar, the status line, and `state.progress` for tests. */
function showProgress(kind: DemoKind, done: number, total: number): void {
  state.progress = { done, total };
  ui.progress.hidden = false;
  ui.progress.max = Math.max(total, 1);
  ui.progress.value = done;
  setStatus('busy', `assembling the ${kind} in column tiles: ${done} of ${total} columns`);
}

ui.form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  void run('jacobian');
});
ui.hessianBtn.addEventListener('click', () => void run('hessian'));
ui.hexpr.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter') {
    ev.preventDefault();
    void run('hessian');
  }
});
// Anything that escapes still lands in the page, not only in the console.
window.addEventListener('unhandledrejection', (ev) => showError(ev.reason));
window.addEventListener('error', (ev) => showError(ev.error ?? ev.message));

// The Hessian eigen-analysis panel reads f(X), wrt, backend and the inputs from the form; the
// form's "Eigen-analysis" button starts it and scrolls to it.
const eigPanel = mountEigPanel(el<HTMLElement>('eig-panel'), {
  read: () => ({ expr: ui.hexpr.value, wrt: ui.wrt.value.trim() || undefined, backend: ui.backend.value as BackendChoice, bindings: ui.bindings.value }),
});
el<HTMLButtonElement>('btn-eig-form').addEventListener('click', () => {
  eigPanel.run();
  el<HTMLElement>('eig-panel').scrollIntoView({ behavior: 'smooth', block: 'start' });
});

setStatus('ready', 'ready');

/** Why this backend ran: chosen by name, or under 'auto' each one passed over before it, a line each with its reason. */
function showWhy(dd: HTMLElement, rep: RunReport | null, backend: BackendChoice): void {
  const lines = !rep
    ? ['—']
    : backend !== 'auto'
      ? [`backend '${String(backend)}' chosen explicitly`]
      : rep.skipped.length === 0
        ? [`'auto': ${rep.backend}, the first in line (webgpu, gpujs, cpu)`]
        : [`'auto' took ${rep.backend}, after passing over:`, ...rep.skipped.map((x) => `• ${x.backend}: ${x.reason}`)];
  dd.replaceChildren(...lines.map((t) => Object.assign(document.createElement('div'), { textContent: t })));
}
