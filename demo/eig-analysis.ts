/**
 * The Hessian eigen-analysis the demo's panel shows, computed with matjac's src/eig (run inside
 * the Web Worker of demo/eig-worker.ts, so nothing here touches the page): the kind of point
 * (`criticalPoint`), the sorted spectrum (dense `eigh` of the formed H for small mn, Lanczos
 * extremes over Hessian-vector products beyond), the eigen-directions at both ends reshaped to
 * X's shape (unvec, DESIGN.md §1), and the spectral density (`spectralDensity`).
 */
import { MatjacError, hessian, type BackendChoice, type RunReport } from '../src/index.js';
import { criticalPoint, eigResidual, eigh, hessianEigs, spectralDensity } from '../src/eig/index.js';
import { parseInputs } from './inputs.js';

export interface EigRequest {
  /** f(X), a scalar expression. */
  readonly expr: string;
  readonly wrt?: string;
  /** The demo's sizes-and-bindings text (`n = 32, seed = 1, …`). */
  readonly bindings: string;
  readonly backend: BackendChoice;
  /** Eigenvalues computed at each end by Lanczos (hessianEigs gets k = 2·this, which 'both'). */
  readonly k: number;
}

export interface EigProgress {
  readonly stage: string;
  /** 0…1, the share of the work done before this stage. */
  readonly fraction: number;
}

/** One eigenpair: v as the m×n matrix unvec(v) (column-major data), unit norm, largest entry positive. */
export interface EigDirection {
  /** 1-based position in the ascending spectrum. */
  readonly index: number;
  readonly lambda: number;
  readonly data: Float64Array;
  /** ‖Hv − λv‖₂. */
  readonly residual: number;
}

export interface EigAnalysis {
  readonly expr: string;
  readonly wrt: string;
  /** X is m×n. */
  readonly shape: readonly [number, number];
  /** mn, the order of H. */
  readonly order: number;
  readonly seed: number;
  readonly kind: string;
  readonly gradNorm: number;
  readonly inertia: { readonly positive: number; readonly negative: number; readonly zero: number };
  /** False when only the extremes were computed and they leave signs open: the counts are lower bounds. */
  readonly inertiaExact: boolean;
  /** X is critical when gradNorm ≤ gradTol. */
  readonly gradTol: number;
  readonly lambdaMin: number;
  readonly lambdaMax: number;
  readonly method: 'dense' | 'lanczos';
  /** τ (criticalPoint's, DESIGN.md §1): |λ| ≤ τ counts as zero. */
  readonly zeroTol: number;
  /** The computed eigenvalues, ascending, and their 1-based positions in the whole spectrum. */
  readonly values: Float64Array;
  readonly indices: Float64Array;
  /** The eigen-directions of the smallest (ascending) and largest (descending) eigenvalues. */
  readonly bottom: readonly EigDirection[];
  readonly top: readonly EigDirection[];
  /** How the eigenvalues were computed. */
  readonly solver: { readonly iterations?: number; readonly converged: boolean; readonly maxResidual: number; readonly backend: string };
  readonly density: {
    readonly grid: Float64Array;
    readonly density: Float64Array;
    readonly trace: number;
    /** ∫ density dλ by the trapezoid rule on the grid. */
    readonly integral: number;
    readonly method: 'exact' | 'slq';
    /** Width of the Gaussian smoothing. */
    readonly sigma: number;
    readonly probes: number;
    readonly steps: number;
  };
  /** Wall time of each stage and in all (ms). */
  readonly ms: Readonly<Record<string, number>>;
}

/** How many eigen-directions are shown at each end. */
export const DIRECTIONS = 2;
export const PROBES = 8;
/** Largest mn for which the panel forms H and computes every eigenvalue; Lanczos beyond. */
export const DENSE_UP_TO = 400;
export const STEPS = 80;

function trapezoid(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k + 1 < x.length; k++) s += 0.5 * (x[k + 1]! - x[k]!) * (y[k]! + y[k + 1]!);
  return s;
}

export async function analyse(req: EigRequest, progress: (p: EigProgress) => void): Promise<EigAnalysis> {
  const ms: Record<string, number> = {};
  const t0 = performance.now();
  let last = t0;
  const lap = (name: string): void => {
    const now = performance.now();
    ms[name] = now - last;
    last = now;
  };
  const inputs = parseInputs(req.bindings);
  const at = inputs.at;
  const wrt = req.wrt ?? 'X';
  const X = at[wrt];
  if (!X) throw new MatjacError('E_INVALID_ARGUMENT', `'${wrt}' has no value: bind it in the sizes and bindings box`);
  const order = X.rows * X.cols;
  const opts = { wrt, at, backend: req.backend };

  progress({ stage: 'gradient and classification (criticalPoint)', fraction: 0 });
  const cp = await criticalPoint(req.expr, { ...opts, denseUpTo: DENSE_UP_TO });
  lap('criticalPoint');

  let values: Float64Array;
  let indices: Float64Array;
  const bottom: EigDirection[] = [];
  const top: EigDirection[] = [];
  let solver: EigAnalysis['solver'];
  if (cp.method === 'dense') {
    progress({ stage: `forming the ${order}×${order} Hessian (float64)`, fraction: 0.3 });
    let rep: RunReport | undefined;
    const H = await hessian(req.expr, { wrt, at, backend: 'cpu', onReport: (r) => (rep = r) });
    lap('hessian');
    progress({ stage: `eigh of the ${order}×${order} Hessian`, fraction: 0.5 });
    const e = eigh(H);
    lap('eigh');
    values = Float64Array.from(e.values);
    indices = Float64Array.from(values, (_, i) => i + 1);
    const pair = (i: number): EigDirection => {
      const data = e.vectors.data.slice(i * order, (i + 1) * order) as Float64Array;
      return { index: i + 1, lambda: values[i]!, data: Float64Array.from(data), residual: eigResidual(H, data, values[i]!) };
    };
    for (let i = 0; i < Math.min(DIRECTIONS, order); i++) bottom.push(pair(i));
    for (let i = order - 1; i >= Math.max(0, order - DIRECTIONS); i--) top.push(pair(i));
    let maxResidual = 0;
    for (const d of [...bottom, ...top]) maxResidual = Math.max(maxResidual, d.residual);
    solver = { converged: true, maxResidual, backend: rep?.backend ?? 'cpu' };
  } else {
    progress({ stage: `Lanczos over Hessian-vector products: ${req.k} smallest and ${req.k} largest of ${order}`, fraction: 0.3 });
    let rep: RunReport | undefined;
    const r = await hessianEigs(req.expr, {
      ...opts,
      k: 2 * req.k,
      which: 'both',
      seed: inputs.seed,
      onReport: (x: RunReport) => (rep = x),
      // one report a restart cycle: products so far and how many pairs are within tolerance
      onProgress: (p) =>
        progress({ stage: `Lanczos: ${p.iterations} Hessian-vector products, ${p.converged} of ${p.wanted} eigenpairs converged`, fraction: 0.3 + 0.35 * Math.min(1, p.converged / Math.max(1, p.wanted)) }),
    });
    lap('lanczos');
    const order_ = Array.from(r.values.keys()).sort((a, b) => r.values[a]! - r.values[b]!);
    values = Float64Array.from(order_, (i) => r.values[i]!);
    const nBottom = Math.ceil(order_.length / 2);
    indices = Float64Array.from(order_, (_, j) => (j < nBottom ? j + 1 : order - (order_.length - j) + 1));
    const pair = (j: number): EigDirection => {
      const i = order_[j]!;
      return { index: indices[j]!, lambda: values[j]!, data: Float64Array.from(r.vectors[i]!.toFloat64().data), residual: r.residuals[i]! };
    };
    for (let j = 0; j < Math.min(DIRECTIONS, nBottom); j++) bottom.push(pair(j));
    for (let j = order_.length - 1; j >= Math.max(nBottom, order_.length - DIRECTIONS); j--) top.push(pair(j));
    solver = { iterations: r.iterations, converged: r.converged, maxResidual: Math.max(0, ...Array.from(r.residuals)), backend: rep?.backend ?? String(req.backend) };
  }

  // the same split as the eigenvalues: exact (smoothed) where H is formed, SLQ beyond
  const exact = cp.method === 'dense';
  const f0 = exact ? 0.75 : 0.65;
  progress({ stage: exact ? 'spectral density (exact eigenvalues, smoothed)' : `spectral density (stochastic Lanczos quadrature, ${PROBES} probes × ${STEPS} steps)`, fraction: f0 });
  const sd = await spectralDensity(req.expr, {
    ...opts,
    probes: PROBES,
    steps: STEPS,
    seed: inputs.seed,
    method: exact ? 'exact' : 'slq',
    onProgress: (p) => progress({ stage: `spectral density (stochastic Lanczos quadrature): step ${p.step} of ${p.steps}, ${PROBES} probes`, fraction: f0 + (1 - f0) * (p.step / Math.max(1, p.steps)) }),
  });
  lap('density');
  ms.total = performance.now() - t0;

  return {
    expr: req.expr,
    wrt,
    shape: [X.rows, X.cols],
    order,
    seed: inputs.seed,
    kind: cp.kind,
    gradNorm: cp.gradNorm,
    inertia: { positive: cp.inertia.positive, negative: cp.inertia.negative, zero: cp.inertia.zero },
    inertiaExact: cp.inertiaExact,
    gradTol: cp.gradTol,
    lambdaMin: cp.lambdaMin,
    lambdaMax: cp.lambdaMax,
    method: cp.method,
    zeroTol: cp.tol,
    values,
    indices,
    bottom,
    top,
    solver,
    density: {
      grid: Float64Array.from(sd.grid),
      density: Float64Array.from(sd.density),
      trace: sd.trace,
      integral: trapezoid(sd.grid, sd.density),
      method: sd.method,
      sigma: sd.sigma,
      probes: PROBES,
      steps: STEPS,
    },
    ms,
  };
}
