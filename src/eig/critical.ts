/**
 * `criticalPoint`: is X a critical point of a scalar f, and of which kind (DESIGN.md §1)?
 *
 * ‖∇f‖_F ≤ gradTol (default √ε·max(1, |f|)) makes X critical; the signs of the Hessian's
 * eigenvalues then give its kind, an eigenvalue counting as zero when |λ| ≤ τ (default
 * τ = mn·ε·‖H‖₂, ε of the precision the Hessian was computed in): minimum (all λ > τ), maximum
 * (all λ < −τ), saddle (λ > τ and λ < −τ both occur), degenerate (no sign change, some |λ| ≤ τ).
 *
 * For mn ≤ 1024 the Hessian is formed (`hessian`) and all its eigenvalues computed (`eigvalsh`):
 * the inertia is exact. Beyond, only the extreme eigenvalues are computed by Lanczos (H never
 * formed), and the kind follows from them alone: λ_min > τ means every eigenvalue is positive
 * (a minimum; inertia (mn, 0, 0), exact), λ_max < −τ a maximum likewise, λ_min < −τ < τ < λ_max
 * a saddle. There an eigenvalue is known only to within its residual r = ‖Hv − λv‖, so it counts
 * as zero when |λ| ≤ max(τ, r). When the extremes do not settle every eigenvalue's sign (a
 * saddle, or a degenerate point), `inertia` counts only the two extreme eigenvalues computed —
 * lower bounds, with `inertiaExact: false`.
 */
import { compileScalar, hessian, type Bindings } from '../api.js';
import type { ExprLike } from '../expr/build.js';
import { evaluateNode } from '../expr/eval.js';
import { withBackend, type BackendChoice, type RunReport } from '../plan/backends.js';
import { eigvalsh } from './dense.js';
import { DEFAULT_TOL, lanczos, type LanczosResult } from './lanczos.js';
import { hessianOperator } from './operator.js';
import { checkKnown, nonNegative } from './options.js';

export type PointKind = 'minimum' | 'maximum' | 'saddle' | 'degenerate' | 'not critical';

export interface Inertia {
  readonly positive: number;
  readonly negative: number;
  readonly zero: number;
}

export interface CriticalPoint {
  readonly kind: PointKind;
  /** ‖∇f‖_F at X (float64). */
  readonly gradNorm: number;
  /** The threshold it was compared with. */
  readonly gradTol: number;
  /** Eigenvalue counts by sign (|λ| ≤ τ counts as zero); see `inertiaExact`. */
  readonly inertia: Inertia;
  /** True when every eigenvalue's sign is known (always on the dense path). */
  readonly inertiaExact: boolean;
  readonly lambdaMin: number;
  readonly lambdaMax: number;
  /** τ used for "zero". */
  readonly tol: number;
  readonly method: 'dense' | 'lanczos';
}

export interface CriticalPointOptions {
  readonly at: Bindings;
  readonly wrt?: string;
  /** τ: eigenvalues with |λ| ≤ τ count as zero (default mn·ε·‖H‖₂). */
  readonly tol?: number;
  /** X is critical when ‖∇f‖_F ≤ gradTol (default √ε·max(1, |f|), ε = 2⁻⁵²). */
  readonly gradTol?: number;
  /** Where the Hessian (or its products) is computed: 'auto' (default), 'webgpu', 'gpujs', 'cpu', or a Backend. */
  readonly backend?: BackendChoice;
  /** Largest mn for the dense path (default 1024); above it, Lanczos. */
  readonly denseUpTo?: number;
  readonly onReport?: (r: RunReport) => void;
}

export const CRITICAL_POINT_KEYS = ['at', 'wrt', 'tol', 'gradTol', 'backend', 'denseUpTo', 'onReport'] as const;
const EPS64 = 2 ** -52;
const EPS32 = 2 ** -23;

/** The kind of point from the gradient test and the inertia (DESIGN.md §1). */
export function classify(critical: boolean, inertia: Inertia): PointKind {
  if (!critical) return 'not critical';
  const { positive, negative, zero } = inertia;
  if (positive > 0 && negative > 0) return 'saddle';
  if (zero > 0) return 'degenerate';
  return negative === 0 ? 'minimum' : 'maximum';
}

/** Inertia of eigenvalues `values` with threshold τ. */
export function inertiaOf(values: ArrayLike<number>, tau: number): Inertia {
  let positive = 0;
  let negative = 0;
  let zero = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v > tau) positive++;
    else if (v < -tau) negative++;
    else zero++;
  }
  return { positive, negative, zero };
}

/** ‖∇f‖_F at X and the test ‖∇f‖_F ≤ gradTol (default √ε·max(1, |f|), ε = 2⁻⁵²), in float64 on the CPU. */
export function gradientTest(c: ReturnType<typeof compileScalar>, gradTolOpt: number | undefined): { gradNorm: number; gradTol: number; critical: boolean } {
  const fx = evaluateNode(c.fn, c.env).data[0]!;
  const G = evaluateNode(c.grad, c.env);
  let g2 = 0;
  for (const v of G.data) g2 += v * v;
  const gradNorm = Math.sqrt(g2);
  const gradTol = nonNegative('gradTol', gradTolOpt, Math.sqrt(EPS64) * Math.max(1, Math.abs(fx)));
  return { gradNorm, gradTol, critical: gradNorm <= gradTol };
}

/** τ = mn·ε·‖H‖₂ (‖H‖₂ = max(|λ_min|, |λ_max|)), ε of the precision H was computed in, unless the caller gave one. */
export function zeroTolerance(tolOpt: number | undefined, N: number, precision: 'f32' | 'f64', lambdaMin: number, lambdaMax: number): number {
  return tolOpt ?? N * (precision === 'f64' ? EPS64 : EPS32) * Math.max(Math.abs(lambdaMin), Math.abs(lambdaMax));
}

/**
 * The inertia that the two extreme eigenvalues alone establish (each known within its residual r,
 * so it counts as zero when |λ| ≤ max(τ, r)): all N positive when λ_min > 0, all negative when
 * λ_max < 0 (exact); otherwise the counts of the two extremes only (lower bounds, not exact).
 */
export function extremeInertia(N: number, lambdaMin: number, rMin: number, lambdaMax: number, rMax: number, tau: number): { inertia: Inertia; exact: boolean } {
  const sign = (lam: number, r: number): -1 | 0 | 1 => (Math.abs(lam) <= Math.max(tau, r) ? 0 : lam > 0 ? 1 : -1);
  const sMin = sign(lambdaMin, rMin);
  const sMax = sign(lambdaMax, rMax);
  if (sMin === 1) return { inertia: { positive: N, negative: 0, zero: 0 }, exact: true };
  if (sMax === -1) return { inertia: { positive: 0, negative: N, zero: 0 }, exact: true };
  const counts = { positive: 0, negative: 0, zero: 0 };
  for (const s of [sMin, sMax]) counts[s === 1 ? 'positive' : s === -1 ? 'negative' : 'zero']++;
  return { inertia: counts, exact: false };
}

export async function criticalPoint(f: ExprLike, opts: CriticalPointOptions): Promise<CriticalPoint> {
  checkKnown(opts, CRITICAL_POINT_KEYS, 'criticalPoint');
  const c = compileScalar(f, opts.at, opts.wrt, 'criticalPoint');
  const X = c.env[c.wrt]!;
  const N = X.rows * X.cols;
  const tolOpt = opts.tol === undefined ? undefined : nonNegative('tol', opts.tol, 0);
  const denseUpTo = nonNegative('denseUpTo', opts.denseUpTo, 1024);
  const { gradNorm, gradTol, critical } = gradientTest(c, opts.gradTol);

  if (N <= denseUpTo) {
    const H = await hessian(f, { wrt: c.wrt, at: opts.at, backend: opts.backend, onReport: opts.onReport });
    const w = eigvalsh(H);
    const lambdaMin = N ? w[0]! : 0;
    const lambdaMax = N ? w[N - 1]! : 0;
    const tau = zeroTolerance(tolOpt, N, H.data instanceof Float32Array ? 'f32' : 'f64', lambdaMin, lambdaMax);
    const inertia = inertiaOf(w, tau);
    return { kind: classify(critical, inertia), gradNorm, gradTol, inertia, inertiaExact: true, lambdaMin, lambdaMax, tol: tau, method: 'dense' };
  }

  return withBackend(
    opts.backend,
    async (b) => {
      const H = hessianOperator(c.grad, c.fn, c.wrt, c.env, b);
      const extremes = (tol: number): Promise<LanczosResult> => lanczos((V, P) => H.applyBatch(V, P), N, { k: 2, which: 'both', tol, maxIter: 2000, seed: 1 });
      let r = await extremes(DEFAULT_TOL[H.precision]);
      let tau = zeroTolerance(tolOpt, N, H.precision, r.values[0]!, r.values[1]!);
      // an end whose sign only its residual leaves open: pin it down with a tighter tolerance (float64)
      const open = (i: number): boolean => Math.abs(r.values[i]!) > tau && Math.abs(r.values[i]!) <= r.residuals[i]!;
      if (H.precision === 'f64' && (open(0) || open(1))) {
        r = await extremes(1e-10);
        tau = zeroTolerance(tolOpt, N, H.precision, r.values[0]!, r.values[1]!);
      }
      const [lambdaMin, lambdaMax] = [r.values[0]!, r.values[1]!];
      const { inertia, exact } = extremeInertia(N, lambdaMin, r.residuals[0]!, lambdaMax, r.residuals[1]!, tau);
      return { kind: classify(critical, inertia), gradNorm, gradTol, inertia, inertiaExact: exact, lambdaMin, lambdaMax, tol: tau, method: 'lanczos' as const };
    },
    opts.onReport,
  );
}
