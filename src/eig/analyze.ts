/**
 * `analyzeHessian`: the whole eigen-analysis of the Hessian H = ∂²f/∂vec(X)∂vec(X)ᵀ of a scalar f
 * at X in one pass — the kind of point, the inertia and extremes (as `criticalPoint`), the k
 * smallest and/or largest eigenpairs with their eigen-directions unvec(v) and residuals (as
 * `hessianEigs` or `eigh`), and optionally the spectral density (as `spectralDensity`) — with H
 * formed and decomposed at most once.
 *
 * For mn ≤ denseUpTo (default 1024) H is formed (`hessian`) in float64 on the CPU — cheap next to
 * the O((mn)³) decomposition, which is only as precise as H — and decomposed once (`eigh`'s
 * decomposition, with the eigenvectors back-transformed only for the k pairs asked for): every
 * eigenvalue is known, so the inertia is exact, and the density is the mn eigenvalues smoothed
 * (`method: 'exact'`). `backend` chooses where the Hessian-vector products of the matrix-free path
 * run. Beyond, H is never formed: one Lanczos run
 * (`hessianEigs`, which 'both' when the ends asked for include both) gives the eigenpairs asked
 * for and the two extremes the kind is read from (DESIGN.md §1; each extreme counts as zero when
 * |λ| ≤ max(τ, its residual), and the inertia is then exact only when the extremes share a sign),
 * and the density comes from stochastic Lanczos quadrature (`method: 'slq'`).
 */
import { compileScalar, hessian, type Bindings } from '../api.js';
import { InvalidArgumentError } from '../errors.js';
import type { ExprLike } from '../expr/build.js';
import { Mat } from '../mat/mat.js';
import type { BackendChoice, RunReport } from '../plan/backends.js';
import { classify, extremeInertia, gradientTest, inertiaOf, zeroTolerance, type CriticalPoint } from './critical.js';
import { eigResidual, eighColumns } from './dense.js';
import { hessianEigs, type HessianEigs } from './hessian-eigs.js';
import type { LanczosProgress, Which } from './lanczos.js';
import { callback, checkKnown, nonNegative, oneOf, positiveInt, seedOf } from './options.js';
import { smoothedDensity, spectralDensity, type SpectralDensity, type SpectralDensityOptions } from './spectral-density.js';

export interface HessianAnalysisOptions {
  readonly at: Bindings;
  readonly wrt?: string;
  /** How many eigenpairs (default 10, at most mn); with which 'both': ⌈k/2⌉ largest and ⌊k/2⌋ smallest. */
  readonly k?: number;
  /** 'both' (default), 'largest' or 'smallest'. */
  readonly which?: Which;
  /** τ: eigenvalues with |λ| ≤ τ count as zero (default mn·ε·‖H‖₂, ε of the precision H is computed in). */
  readonly tol?: number;
  /** X is critical when ‖∇f‖_F ≤ gradTol (default √ε·max(1, |f|), ε = 2⁻⁵²). */
  readonly gradTol?: number;
  /** Largest mn for which H is formed and decomposed (default 1024); Lanczos beyond. */
  readonly denseUpTo?: number;
  /** Lanczos: a pair is converged when ‖Hv − λv‖ ≤ lanczosTol·‖H‖ (default: `hessianEigs`'). */
  readonly lanczosTol?: number;
  /** Lanczos: most Hessian-vector products (default: `hessianEigs`'). */
  readonly maxIter?: number;
  /** Seed of the Lanczos start vectors and of the density's probes (default 1). */
  readonly seed?: number;
  /** Also the spectral density: true for the defaults of `spectralDensity` (8 probes × 80 steps, 200 points). */
  readonly density?: boolean | Pick<SpectralDensityOptions, 'probes' | 'steps' | 'grid' | 'points' | 'sigma'>;
  /** Where the Hessian-vector products run beyond denseUpTo: 'auto' (default), 'webgpu', 'gpujs', 'cpu', or a Backend (a formed H is always float64 on the CPU). */
  readonly backend?: BackendChoice;
  /** Called when a stage starts, and during Lanczos (each restart cycle) and SLQ (each step). */
  readonly onProgress?: (p: HessianAnalysisProgress) => void;
  readonly onReport?: (r: RunReport) => void;
}

export type HessianAnalysisProgress =
  | { readonly stage: 'gradient' }
  | { readonly stage: 'hessian'; readonly order: number }
  | { readonly stage: 'eigh'; readonly order: number }
  | { readonly stage: 'lanczos'; readonly lanczos?: LanczosProgress }
  | { readonly stage: 'density'; readonly step?: number; readonly steps?: number };

/** One eigenpair of H. */
export interface EigenPair {
  /** 1-based position in the ascending spectrum λ₁ ≤ … ≤ λ_mn. */
  readonly index: number;
  readonly value: number;
  /** unvec(v): the unit eigenvector as an m×n matrix like X, largest-magnitude entry positive. */
  readonly vector: Mat;
  /** ‖Hv − λv‖₂. */
  readonly residual: number;
}

export interface HessianAnalysis extends CriticalPoint {
  /** X is m×n; H is order×order, order = mn. */
  readonly shape: readonly [number, number];
  readonly order: number;
  /** Every eigenvalue computed, ascending: all mn (dense), or the ends Lanczos found. */
  readonly values: Float64Array;
  /** The 1-based position of each of `values` in the whole ascending spectrum. */
  readonly indices: Int32Array;
  /** The smallest eigenpairs asked for, ascending (empty with which 'largest'). */
  readonly smallest: readonly EigenPair[];
  /** The largest eigenpairs asked for, descending (empty with which 'smallest'). */
  readonly largest: readonly EigenPair[];
  readonly solver: {
    /** The backend that formed H or ran its products. */
    readonly backend: string;
    /** Precision of H or of its products. */
    readonly precision: 'f32' | 'f64';
    /** Lanczos only: Hessian-vector products used. */
    readonly iterations?: number;
    /** Lanczos only: the convergence tolerance used (‖Hv − λv‖ ≤ lanczosTol·‖H‖). */
    readonly lanczosTol?: number;
    /** Always true on the dense path; Lanczos: every run converged (see `hessianEigs`). */
    readonly converged: boolean;
    /** max ‖Hv − λv‖₂ over `smallest`, `largest` and, on the Lanczos path, λ_min and λ_max (every pair found). */
    readonly maxResidual: number;
  };
  /** With `density`: the spectral density ('exact' on the dense path, 'slq' beyond). */
  readonly density?: SpectralDensity;
  /** Wall time of each stage that ran, and `total` (ms). */
  readonly ms: Readonly<Record<string, number>>;
}

export const ANALYZE_HESSIAN_KEYS = [
  'at', 'wrt', 'k', 'which', 'tol', 'gradTol', 'denseUpTo', 'lanczosTol', 'maxIter', 'seed', 'density', 'backend', 'onProgress', 'onReport',
] as const;
const DENSITY_KEYS = ['probes', 'steps', 'grid', 'points', 'sigma'] as const;

/** How many pairs at each end: as `hessianEigs` counts them ('both': ⌈k/2⌉ largest, ⌊k/2⌋ smallest). */
function ends(k: number, which: Which): { nSmallest: number; nLargest: number } {
  const nLargest = which === 'largest' ? k : which === 'smallest' ? 0 : Math.ceil(k / 2);
  return { nSmallest: k - nLargest, nLargest };
}

function densityOptions(v: HessianAnalysisOptions['density']): Pick<SpectralDensityOptions, 'probes' | 'steps' | 'grid' | 'points' | 'sigma'> | undefined {
  if (v === undefined || v === false) return undefined;
  if (v === true) return {};
  if (typeof v !== 'object' || v === null) throw new InvalidArgumentError(`density must be true, false or an object of ${DENSITY_KEYS.join(', ')}; got ${String(v)}`);
  checkKnown(v, DENSITY_KEYS, 'analyzeHessian density');
  if (v.grid !== undefined && v.points !== undefined) throw new InvalidArgumentError("density: give either 'grid' or 'points', not both");
  positiveInt('density.probes', v.probes, 8);
  positiveInt('density.steps', v.steps, 80);
  return v;
}

/** Eigen-analysis of the Hessian of f at X: classification, spectrum ends with eigen-directions, density. */
export async function analyzeHessian(f: ExprLike, opts: HessianAnalysisOptions): Promise<HessianAnalysis> {
  checkKnown(opts, ANALYZE_HESSIAN_KEYS, 'analyzeHessian');
  const t0 = performance.now();
  const ms: Record<string, number> = {};
  let last = t0;
  const lap = (name: string): void => {
    const now = performance.now();
    ms[name] = (ms[name] ?? 0) + (now - last);
    last = now;
  };
  const onProgress = callback<(p: HessianAnalysisProgress) => void>('onProgress', opts.onProgress);
  const c = compileScalar(f, opts.at, opts.wrt, 'analyzeHessian');
  const X = c.env[c.wrt]!;
  const [m, n] = [X.rows, X.cols];
  const N = m * n;
  const k = Math.min(positiveInt('k', opts.k, 10), N);
  const which = oneOf('which', opts.which, ['largest', 'smallest', 'both'] as const, 'both');
  const tolOpt = opts.tol === undefined ? undefined : nonNegative('tol', opts.tol, 0);
  const denseUpTo = nonNegative('denseUpTo', opts.denseUpTo, 1024);
  const seed = seedOf(opts.seed);
  const dens = densityOptions(opts.density);
  const { nSmallest, nLargest } = ends(k, which);

  onProgress?.({ stage: 'gradient' });
  const { gradNorm, gradTol, critical } = gradientTest(c, opts.gradTol);
  lap('gradient');

  let report: RunReport | undefined;
  const onReport = (r: RunReport): void => {
    report = r;
    opts.onReport?.(r);
  };
  const finish = (
    body: Omit<HessianAnalysis, 'kind' | 'gradNorm' | 'gradTol' | 'shape' | 'order' | 'density' | 'ms' | 'solver'>,
    solver: Omit<HessianAnalysis['solver'], 'maxResidual' | 'backend'>,
    density: SpectralDensity | undefined,
    pairs: readonly EigenPair[] = [...body.smallest, ...body.largest],
  ): HessianAnalysis => {
    let maxResidual = 0;
    for (const p of pairs) maxResidual = Math.max(maxResidual, p.residual);
    ms.total = performance.now() - t0;
    return {
      ...body,
      kind: classify(critical, body.inertia),
      gradNorm,
      gradTol,
      shape: [m, n],
      order: N,
      solver: { ...solver, backend: report?.backend ?? String(opts.backend ?? 'auto'), maxResidual },
      ...(density ? { density } : {}),
      ms,
    };
  };

  if (N <= denseUpTo) {
    onProgress?.({ stage: 'hessian', order: N });
    const H = await hessian(f, { wrt: c.wrt, at: opts.at, backend: 'cpu', onReport });
    lap('hessian');
    onProgress?.({ stage: 'eigh', order: N });
    // every eigenvalue, and the eigenvectors of the positions asked for only
    const positions = [...Array.from({ length: nSmallest }, (_, i) => i), ...Array.from({ length: nLargest }, (_, i) => N - 1 - i)];
    const { values, vectors } = eighColumns(H, positions);
    lap('eigh');
    const precision = H.data instanceof Float32Array ? 'f32' : 'f64';
    const lambdaMin = N ? values[0]! : 0;
    const lambdaMax = N ? values[N - 1]! : 0;
    const tau = zeroTolerance(tolOpt, N, precision, lambdaMin, lambdaMax);
    const inertia = inertiaOf(values, tau);
    const pair = (j: number): EigenPair => {
      const i = positions[j]!;
      const v = vectors.data.slice(j * N, (j + 1) * N) as Float64Array;
      return { index: i + 1, value: values[i]!, vector: new Mat(m, n, v), residual: eigResidual(H, v, values[i]!) };
    };
    const smallest = Array.from({ length: nSmallest }, (_, j) => pair(j));
    const largest = Array.from({ length: nLargest }, (_, j) => pair(nSmallest + j));
    lap('residuals');
    let density: SpectralDensity | undefined;
    if (dens) {
      onProgress?.({ stage: 'density' });
      let trace = 0;
      for (const x of values) trace += x;
      density = smoothedDensity(values, new Float64Array(N).fill(1 / N), trace, 'exact', dens);
      lap('density');
    }
    const indices = Int32Array.from({ length: N }, (_, i) => i + 1);
    return finish(
      { inertia, inertiaExact: true, lambdaMin, lambdaMax, tol: tau, method: 'dense', values, indices, smallest, largest },
      { precision, converged: true },
      density,
    );
  }

  // Lanczos: one run for the ends asked for; the kind needs both extremes, so an end not asked
  // for is found by a second run of one pair.
  const lanczosOpts = {
    wrt: c.wrt,
    at: opts.at,
    seed,
    backend: opts.backend,
    onReport,
    ...(opts.lanczosTol !== undefined ? { tol: opts.lanczosTol } : {}),
    ...(opts.maxIter !== undefined ? { maxIter: opts.maxIter } : {}),
    onProgress: (p: LanczosProgress) => onProgress?.({ stage: 'lanczos', lanczos: p }),
  };
  onProgress?.({ stage: 'lanczos' });
  const runs: { r: HessianEigs; nSmallest: number }[] = [];
  const mainWhich: Which = nSmallest > 0 && nLargest > 0 ? 'both' : nSmallest > 0 ? 'smallest' : 'largest';
  runs.push({ r: await hessianEigs(f, { ...lanczosOpts, k, which: mainWhich }), nSmallest });
  // (unless the first run already found all N)
  if (nSmallest === 0 && k < N) runs.push({ r: await hessianEigs(f, { ...lanczosOpts, k: 1, which: 'smallest' }), nSmallest: 1 });
  if (nLargest === 0 && k < N) runs.push({ r: await hessianEigs(f, { ...lanczosOpts, k: 1, which: 'largest' }), nSmallest: 0 });
  lap('lanczos');

  // every pair found, with its position: the j-th of a run's smallest is λ_j, the j-th from the top of its largest λ_{N+1−j}
  const found: EigenPair[] = [];
  for (const { r, nSmallest: lo } of runs) {
    const byValue = Array.from(r.values.keys()).sort((a, b) => r.values[a]! - r.values[b]!);
    const count = byValue.length;
    byValue.forEach((i, j) => found.push({ index: j < lo ? j + 1 : N - (count - j) + 1, value: r.values[i]!, vector: r.vectors[i]!, residual: r.residuals[i]! }));
  }
  found.sort((a, b) => a.value - b.value);
  const values = Float64Array.from(found, (p) => p.value);
  const indices = Int32Array.from(found, (p) => p.index);
  const lo = found[0]!;
  const hi = found[found.length - 1]!;
  const precision = runs[0]!.r.precision;
  const tau = zeroTolerance(tolOpt, N, precision, lo.value, hi.value);
  const { inertia, exact } = extremeInertia(N, lo.value, lo.residual, hi.value, hi.residual, tau);
  const smallest = found.slice(0, nSmallest);
  const largest = found.slice(found.length - nLargest).reverse();

  let density: SpectralDensity | undefined;
  if (dens) {
    onProgress?.({ stage: 'density' });
    density = await spectralDensity(f, {
      ...dens,
      wrt: c.wrt,
      at: opts.at,
      seed,
      method: 'slq',
      backend: opts.backend,
      onProgress: (p) => onProgress?.({ stage: 'density', step: p.step, steps: p.steps }),
    });
    lap('density');
  }
  return finish(
    { inertia, inertiaExact: exact, lambdaMin: lo.value, lambdaMax: hi.value, tol: tau, method: 'lanczos', values, indices, smallest, largest },
    { precision, iterations: runs.reduce((s, x) => s + x.r.iterations, 0), lanczosTol: runs[0]!.r.tol, converged: runs.every((x) => x.r.converged) },
    density,
    found,
  );
}
