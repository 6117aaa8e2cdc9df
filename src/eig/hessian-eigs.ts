/**
 * `hessianEigs`: a few extreme eigenpairs of the Hessian H = ∂²f/∂vec(X)∂vec(X)ᵀ of a scalar f,
 * by thick-restart Lanczos over Hessian-vector products (H is never formed), on the chosen backend.
 */
import { compileScalar, type Bindings } from '../api.js';
import type { ExprLike } from '../expr/build.js';
import { Mat } from '../mat/mat.js';
import { withBackend, type BackendChoice, type RunReport } from '../plan/backends.js';
import { fixSigns } from './dense.js';
import { DEFAULT_TOL, WHICH, lanczos, type LanczosProgress, type Which } from './lanczos.js';
import { hessianOperator } from './operator.js';
import { callback, checkKnown, nonNegative, oneOf, positiveInt, seedOf } from './options.js';

export interface HessianEigsOptions {
  /** Values of every name in f. */
  readonly at: Bindings;
  /** The variable X (may be left out when f has one name). */
  readonly wrt?: string;
  /** How many eigenpairs (default 10, at most mn). */
  readonly k?: number;
  /** 'largest' (default), 'smallest', or 'both': ⌈k/2⌉ largest and ⌊k/2⌋ smallest. */
  readonly which?: Which;
  /**
   * A pair is converged when ‖Hv − λv‖ ≤ tol·‖H‖ (‖H‖ estimated by the largest |Ritz value|).
   * Default 1e-6 in float64 (CPU), 1e-4 on a float32 GPU backend (README: what it guarantees).
   */
  readonly tol?: number;
  /** Most Hessian-vector products (default max(500, 100k)). */
  readonly maxIter?: number;
  /** Seed of the random start vectors (default 1): the same seed gives the same result. */
  readonly seed?: number;
  /** Where the products run: 'auto' (default), 'webgpu', 'gpujs', 'cpu', or a Backend. */
  readonly backend?: BackendChoice;
  /** Called after each Rayleigh–Ritz step (every restart cycle) with the progress so far. */
  readonly onProgress?: (p: LanczosProgress) => void;
  /** Called with the backend that ran and why the others did not. */
  readonly onReport?: (r: RunReport) => void;
}

export interface HessianEigs {
  /** The eigenvalues found, ascending. */
  readonly values: Float64Array;
  /** Eigen-directions: unvec of each unit eigenvector (m×n, like X), largest-magnitude entry positive. */
  readonly vectors: Mat[];
  /** ‖Hv − λv‖₂ of each pair, measured with the same products. */
  readonly residuals: Float64Array;
  /** Hessian-vector products used. */
  readonly iterations: number;
  /**
   * True when every pair is within tolerance *and* a further cycle from a fresh random direction
   * changed none of the values (so no copy of a repeated eigenvalue is missing). False otherwise
   * (maxIter reached): the values are then the best Ritz values so far; check `residuals`.
   */
  readonly converged: boolean;
  /** The tolerance used (relative to ‖H‖) and the precision of the products. */
  readonly tol: number;
  readonly precision: 'f32' | 'f64';
}

export const HESSIAN_EIGS_KEYS = ['at', 'wrt', 'k', 'which', 'tol', 'maxIter', 'seed', 'backend', 'onProgress', 'onReport'] as const;

/** The k extreme eigenpairs of the Hessian of f at X, matrix-free (DESIGN.md §1 conventions). */
export async function hessianEigs(f: ExprLike, opts: HessianEigsOptions): Promise<HessianEigs> {
  checkKnown(opts, HESSIAN_EIGS_KEYS, 'hessianEigs');
  const c = compileScalar(f, opts.at, opts.wrt, 'hessianEigs');
  const X = c.env[c.wrt]!;
  const N = X.rows * X.cols;
  const k = positiveInt('k', opts.k, Math.min(10, N));
  const which = oneOf('which', opts.which, WHICH, 'largest');
  const seed = seedOf(opts.seed);
  const maxIter = positiveInt('maxIter', opts.maxIter, Math.max(500, 100 * k));
  const onProgress = callback<(p: LanczosProgress) => void>('onProgress', opts.onProgress);
  const tolOpt = opts.tol === undefined ? undefined : nonNegative('tol', opts.tol, 0);
  return withBackend(
    opts.backend,
    async (b) => {
      const H = hessianOperator(c.grad, c.fn, c.wrt, c.env, b);
      const tol = tolOpt ?? DEFAULT_TOL[H.precision];
      const r = await lanczos((V, P) => H.applyBatch(V, P), N, { k, which, tol, maxIter, seed, onProgress });
      const vectors = r.vectors.map((v) => {
        fixSigns(v, N, 1);
        return new Mat(X.rows, X.cols, v);
      });
      return { values: r.values, vectors, residuals: r.residuals, iterations: r.iterations, converged: r.converged, tol, precision: H.precision };
    },
    opts.onReport,
  );
}
