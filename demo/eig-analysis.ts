/**
 * The Hessian eigen-analysis the demo's panel shows, computed with matjac's src/eig (run inside
 * the Web Worker of demo/eig-worker.ts, so nothing here touches the page), all from one
 * `analyzeHessian`: the kind of point, the sorted spectrum (dense `eigh` of the formed H for
 * small mn, Lanczos extremes over Hessian-vector products beyond), the eigen-directions at both
 * ends reshaped to X's shape (unvec, DESIGN.md §1), and the spectral density.
 */
import { MatjacError, type BackendChoice } from '../src/index.js';
import { analyzeHessian, type EigenPair, type HessianAnalysisProgress } from '../src/eig/index.js';
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
  readonly solver: {
    readonly iterations?: number;
    readonly converged: boolean;
    readonly maxResidual: number;
    readonly backend: string;
    /** Lanczos: a pair counts as converged when ‖Hv − λv‖ ≤ tol·‖H‖. */
    readonly tol?: number;
  };
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

/** The stage a progress report of `analyzeHessian` is in, as text, and the share of the work done (rough: for the bar). */
function describe(p: HessianAnalysisProgress, order: number, k: number, exact: boolean): EigProgress {
  switch (p.stage) {
    case 'gradient':
      return { stage: 'gradient ∇f at X', fraction: 0 };
    case 'hessian':
      return { stage: `forming the ${order}×${order} Hessian (float64)`, fraction: 0.05 };
    case 'eigh':
      return { stage: `eigh of the ${order}×${order} Hessian`, fraction: 0.15 };
    case 'lanczos': {
      const l = p.lanczos;
      if (!l) return { stage: `Lanczos over Hessian-vector products: the ${k} smallest and ${k} largest of ${order}`, fraction: 0.05 };
      // one report a restart cycle: products so far, against the limit, and how many pairs are within tolerance
      const share = Math.max(l.converged / Math.max(1, l.wanted), l.iterations / Math.max(1, l.maxIter));
      return { stage: `Lanczos: ${l.iterations} Hessian-vector products, ${l.converged} of ${l.wanted} eigenpairs within tolerance`, fraction: 0.05 + 0.6 * Math.min(1, share) };
    }
    case 'density':
      if (exact) return { stage: 'spectral density (exact eigenvalues, smoothed)', fraction: 0.95 };
      return {
        stage: p.step === undefined ? `spectral density (stochastic Lanczos quadrature, ${PROBES} probes × ${STEPS} steps)` : `spectral density (stochastic Lanczos quadrature): step ${p.step} of ${p.steps}, ${PROBES} probes`,
        fraction: 0.65 + 0.35 * ((p.step ?? 0) / Math.max(1, p.steps ?? STEPS)),
      };
  }
}

export async function analyse(req: EigRequest, progress: (p: EigProgress) => void): Promise<EigAnalysis> {
  const inputs = parseInputs(req.bindings);
  const at = inputs.at;
  const wrt = req.wrt ?? 'X';
  const X = at[wrt];
  if (!X) throw new MatjacError('E_INVALID_ARGUMENT', `'${wrt}' has no value: bind it in the sizes and bindings box`);
  const order = X.rows * X.cols;
  const exact = order <= DENSE_UP_TO;
  // one analysis: H formed and decomposed once (mn ≤ DENSE_UP_TO), or one Lanczos run at both ends beyond
  const a = await analyzeHessian(req.expr, {
    wrt,
    at,
    backend: req.backend,
    denseUpTo: DENSE_UP_TO,
    // dense: the DIRECTIONS shown at each end; Lanczos: k at each end
    k: 2 * (exact ? DIRECTIONS : req.k),
    which: 'both',
    seed: inputs.seed,
    density: { probes: PROBES, steps: STEPS },
    onProgress: (p) => progress(describe(p, order, req.k, exact)),
  });
  const direction = (p: EigenPair): EigDirection => ({ index: p.index, lambda: p.value, data: Float64Array.from(p.vector.toFloat64().data), residual: p.residual });
  const sd = a.density!;
  return {
    expr: req.expr,
    wrt,
    shape: [X.rows, X.cols],
    order,
    seed: inputs.seed,
    kind: a.kind,
    gradNorm: a.gradNorm,
    inertia: { positive: a.inertia.positive, negative: a.inertia.negative, zero: a.inertia.zero },
    inertiaExact: a.inertiaExact,
    gradTol: a.gradTol,
    lambdaMin: a.lambdaMin,
    lambdaMax: a.lambdaMax,
    method: a.method,
    zeroTol: a.tol,
    values: Float64Array.from(a.values),
    indices: Float64Array.from(a.indices),
    bottom: a.smallest.slice(0, DIRECTIONS).map(direction),
    top: a.largest.slice(0, DIRECTIONS).map(direction),
    solver: {
      ...(a.solver.iterations !== undefined ? { iterations: a.solver.iterations } : {}),
      converged: a.solver.converged,
      maxResidual: a.solver.maxResidual,
      backend: a.solver.backend,
      ...(a.solver.lanczosTol !== undefined ? { tol: a.solver.lanczosTol } : {}),
    },
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
    ms: a.ms,
  };
}
