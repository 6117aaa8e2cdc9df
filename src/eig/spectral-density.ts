/**
 * `spectralDensity`: the eigenvalue density of the Hessian of a scalar f, smoothed by a Gaussian,
 * by stochastic Lanczos quadrature over Hessian-vector products (H never formed), or, for small
 * mn (or on request), from the exact eigenvalues of the formed Hessian smoothed the same way.
 */
import { compileScalar, hessian, type Bindings } from '../api.js';
import { InvalidArgumentError } from '../errors.js';
import type { ExprLike } from '../expr/build.js';
import { withBackend, type BackendChoice, type RunReport } from '../plan/backends.js';
import { eigvalsh } from './dense.js';
import { hessianOperator } from './operator.js';
import { callback, checkKnown, nonNegative, oneOf, positiveInt, seedOf } from './options.js';
import { lanczosQuadrature, smoothDensity } from './slq.js';

export interface SpectralDensityOptions {
  readonly at: Bindings;
  readonly wrt?: string;
  /** Rademacher probe vectors (default 8). */
  readonly probes?: number;
  /** Lanczos steps per probe (default 80, at most mn). */
  readonly steps?: number;
  /** Seed of the probes (default 1). */
  readonly seed?: number;
  /** Where to evaluate the density (ascending). Give this or `points`. */
  readonly grid?: Float64Array | readonly number[];
  /** Number of evenly spaced grid points over [λ_min − 5σ, λ_max + 5σ] (default 200). */
  readonly points?: number;
  /** Width of the Gaussian (default (λ_max − λ_min)/100, from the extreme nodes). */
  readonly sigma?: number;
  /** 'auto' (default): exact for mn ≤ 1024, SLQ beyond; or force 'slq' or 'exact'. */
  readonly method?: 'auto' | 'slq' | 'exact';
  readonly backend?: BackendChoice;
  /** Called after each Lanczos step (all probes advance together). */
  readonly onProgress?: (p: { readonly step: number; readonly steps: number }) => void;
  readonly onReport?: (r: RunReport) => void;
}

export interface SpectralDensity {
  readonly grid: Float64Array;
  /** φ(grid), integrating to 1 (up to the Gaussian tails beyond the grid). */
  readonly density: Float64Array;
  /** tr H: Hutchinson's estimate (SLQ), or the sum of the eigenvalues (exact). */
  readonly trace: number;
  readonly sigma: number;
  /** Which ran: stochastic Lanczos quadrature, or the exact eigenvalues of the formed Hessian. */
  readonly method: 'slq' | 'exact';
  /** The quadrature: nodes (Ritz values or eigenvalues) and weights summing to 1, before smoothing. */
  readonly nodes: Float64Array;
  readonly weights: Float64Array;
}

export const SPECTRAL_DENSITY_KEYS = ['at', 'wrt', 'probes', 'steps', 'seed', 'grid', 'points', 'sigma', 'method', 'backend', 'onProgress', 'onReport'] as const;
const EXACT_UP_TO = 1024;

function gridOf(opts: Pick<SpectralDensityOptions, 'grid' | 'points'>, lo: number, hi: number, sigma: number): Float64Array {
  if (opts.grid !== undefined) {
    const g = Float64Array.from(opts.grid as ArrayLike<number>);
    if (g.length === 0 || g.some((x) => !Number.isFinite(x))) throw new InvalidArgumentError('grid must be a non-empty list of finite numbers');
    for (let i = 1; i < g.length; i++) if (!(g[i]! > g[i - 1]!)) throw new InvalidArgumentError(`grid must be strictly ascending (grid[${i}] = ${g[i]} after ${g[i - 1]})`);
    return g;
  }
  const points = positiveInt('points', opts.points, 200);
  const a = lo - 5 * sigma;
  const b = hi + 5 * sigma;
  return Float64Array.from({ length: points }, (_, i) => (points === 1 ? (a + b) / 2 : a + ((b - a) * i) / (points - 1)));
}

/** The Gaussian width: the caller's, or 1% of the spread of the nodes (something positive when they coincide). */
function sigmaOf(opts: Pick<SpectralDensityOptions, 'sigma'>, lo: number, hi: number): number {
  const s = opts.sigma === undefined ? (hi - lo) / 100 : nonNegative('sigma', opts.sigma, 0);
  if (s > 0) return s;
  if (opts.sigma !== undefined) throw new InvalidArgumentError('sigma must be > 0');
  return Math.max(Math.abs(lo), Math.abs(hi), 1) * 1e-3;
}

/**
 * The density φ(t) = Σ_k w_k g_σ(t − θ_k) (g_σ the unit Gaussian of width σ) of quadrature nodes θ
 * and weights w (summing to 1), on the grid and with the σ that `opts` asks for (the defaults of
 * `spectralDensity`). With the N eigenvalues of H and w_k = 1/N it is the exact smoothed density.
 */
export function smoothedDensity(
  nodes: Float64Array,
  weights: Float64Array,
  trace: number,
  method: 'slq' | 'exact',
  opts: Pick<SpectralDensityOptions, 'grid' | 'points' | 'sigma'>,
): SpectralDensity {
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of nodes) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  const sigma = sigmaOf(opts, lo, hi);
  const grid = gridOf(opts, lo, hi, sigma);
  return { grid, density: smoothDensity(grid, nodes, weights, sigma), trace, sigma, method, nodes, weights };
}

export async function spectralDensity(f: ExprLike, opts: SpectralDensityOptions): Promise<SpectralDensity> {
  checkKnown(opts, SPECTRAL_DENSITY_KEYS, 'spectralDensity');
  if (opts.grid !== undefined && opts.points !== undefined) throw new InvalidArgumentError("give either 'grid' or 'points', not both");
  const c = compileScalar(f, opts.at, opts.wrt, 'spectralDensity');
  const X = c.env[c.wrt]!;
  const N = X.rows * X.cols;
  const probes = positiveInt('probes', opts.probes, 8);
  const steps = positiveInt('steps', opts.steps, 80);
  const seed = seedOf(opts.seed);
  const method = oneOf('method', opts.method, ['auto', 'slq', 'exact'] as const, 'auto');
  const onProgress = callback<SpectralDensityOptions['onProgress']>('onProgress', opts.onProgress);
  if (opts.sigma !== undefined) nonNegative('sigma', opts.sigma, 0);

  const finish = (nodes: Float64Array, weights: Float64Array, trace: number, which: 'slq' | 'exact'): SpectralDensity => smoothedDensity(nodes, weights, trace, which, opts);

  if (method === 'exact' || (method === 'auto' && N <= EXACT_UP_TO)) {
    const H = await hessian(f, { wrt: c.wrt, at: opts.at, backend: opts.backend, onReport: opts.onReport });
    const w = eigvalsh(H);
    let trace = 0;
    for (const x of w) trace += x;
    return finish(w, new Float64Array(N).fill(1 / N), trace, 'exact');
  }
  return withBackend(
    opts.backend,
    async (b) => {
      const H = hessianOperator(c.grad, c.fn, c.wrt, c.env, b);
      const q = await lanczosQuadrature((V, P) => H.applyBatch(V, P), N, probes, steps, seed, onProgress && ((step, total) => onProgress({ step, steps: total })));
      return finish(q.nodes, q.weights, q.trace, 'slq');
    },
    opts.onReport,
  );
}
