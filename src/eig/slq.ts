/**
 * Stochastic Lanczos quadrature (Ubaru, Chen & Saad 2017): the spectral density
 * φ(t) = (1/N) Σᵢ δ(t − λᵢ) of a symmetric H, smoothed by a Gaussian, from a few products.
 *
 * For a probe z with entries ±1 (Rademacher), zᵀ g(H) z / N = Σᵢ wᵢ g(λᵢ) with wᵢ = (uᵢᵀz)²/N,
 * and E[wᵢ] = 1/N. m Lanczos steps from v₁ = z/√N give T_m = S Θ Sᵀ, and Gauss quadrature
 * Σ_k S₁ₖ² g(θ_k) approximates Σᵢ wᵢ g(λᵢ), exactly for polynomials of degree < 2m. Averaging over
 * probes gives φ ≈ (1/P) Σ_p Σ_k S₁ₖ^(p)² δ(t − θ_k^(p)); each probe's weights sum to 1, so the
 * smoothed estimate integrates to 1. The trace (Hutchinson) is (1/P) Σ_p zₚᵀHzₚ = N·mean(α₁).
 *
 * All probes advance together: one batched product per step. Each probe keeps its own basis and
 * is fully reorthogonalised against it (classical Gram–Schmidt, repeated when it loses more than
 * 30% of its length); a probe whose Krylov space becomes invariant stops early (its quadrature is
 * then exact).
 */
import { TooLargeError } from '../errors.js';
import { Mat, mulberry32 } from '../mat/mat.js';
import { eigh } from './dense.js';

export interface QuadratureNodes {
  /** Ritz values θ of every probe (concatenated). */
  readonly nodes: Float64Array;
  /** Their weights S₁ₖ² / P (sum to 1 over all probes). */
  readonly weights: Float64Array;
  /** Hutchinson's estimate of tr H. */
  readonly trace: number;
  /** Products with H used. */
  readonly products: number;
}

const MAX_BYTES = 2 ** 31;

export async function lanczosQuadrature(
  applyBatch: (V: Float64Array, P: number) => Promise<Float64Array>,
  N: number,
  probes: number,
  steps: number,
  seed: number,
  onStep?: (step: number, steps: number) => void,
): Promise<QuadratureNodes> {
  const m = Math.min(steps, N);
  const bytes = probes * N * m * 8;
  if (bytes > MAX_BYTES) {
    throw new TooLargeError(`stochastic Lanczos quadrature with ${probes} probes × ${m} steps of length ${N} needs ${(bytes / 2 ** 30).toFixed(1)} GiB; use fewer probes or steps`, bytes);
  }
  const rand = mulberry32(seed);
  const bases = Array.from({ length: probes }, () => new Float64Array(N * m));
  const alpha = Array.from({ length: probes }, () => [] as number[]);
  const beta = Array.from({ length: probes }, () => [] as number[]);
  const inv = 1 / Math.sqrt(N);
  for (const V of bases) for (let i = 0; i < N; i++) V[i] = rand() < 0.5 ? -inv : inv;
  let active = Array.from({ length: probes }, (_, p) => p);
  let products = 0;
  for (let j = 0; j < m && active.length > 0; j++) {
    const batch = new Float64Array(N * active.length);
    active.forEach((p, c) => batch.set(bases[p]!.subarray(j * N, (j + 1) * N), c * N));
    const W = await applyBatch(batch, active.length);
    products += active.length;
    const still: number[] = [];
    active.forEach((p, c) => {
      const V = bases[p]!;
      const w = W.subarray(c * N, (c + 1) * N);
      const vj = V.subarray(j * N, (j + 1) * N);
      let a = 0;
      for (let i = 0; i < N; i++) a += vj[i]! * w[i]!;
      alpha[p]!.push(a);
      if (j === m - 1) return;
      let before = 0;
      for (let i = 0; i < N; i++) before += w[i]! * w[i]!;
      let nrm = Math.sqrt(before);
      const scale = nrm;
      for (let pass = 0; pass < 3; pass++) {
        for (let k = 0; k <= j; k++) {
          const vk = V.subarray(k * N, (k + 1) * N);
          let s = 0;
          for (let i = 0; i < N; i++) s += vk[i]! * w[i]!;
          if (s !== 0) for (let i = 0; i < N; i++) w[i] = w[i]! - s * vk[i]!;
        }
        const prev = nrm;
        let s2 = 0;
        for (let i = 0; i < N; i++) s2 += w[i]! * w[i]!;
        nrm = Math.sqrt(s2);
        if (nrm > 0.7 * prev) break;
      }
      if (nrm <= 1e-12 * Math.max(scale, Math.abs(a), 1e-300)) return; // invariant: this probe's quadrature is exact
      beta[p]!.push(nrm);
      const next = V.subarray((j + 1) * N, (j + 2) * N);
      for (let i = 0; i < N; i++) next[i] = w[i]! / nrm;
      still.push(p);
    });
    active = still;
    onStep?.(j + 1, m);
  }
  const nodes: number[] = [];
  const weights: number[] = [];
  let trace = 0;
  for (let p = 0; p < probes; p++) {
    const a = alpha[p]!;
    const k = a.length;
    trace += (N * a[0]!) / probes;
    const T = Mat.zeros(k, k);
    for (let i = 0; i < k; i++) {
      T.data[i + i * k] = a[i]!;
      if (i + 1 < k) {
        T.data[i + 1 + i * k] = beta[p]![i]!;
        T.data[i + (i + 1) * k] = beta[p]![i]!;
      }
    }
    const { values, vectors } = eigh(T);
    for (let i = 0; i < k; i++) {
      nodes.push(values[i]!);
      weights.push(vectors.data[i * k]! ** 2 / probes);
    }
  }
  return { nodes: Float64Array.from(nodes), weights: Float64Array.from(weights), trace, products };
}

/** φ(t) = Σ_k w_k g_σ(t − θ_k) on the grid, g_σ the Gaussian of standard deviation σ. */
export function smoothDensity(grid: Float64Array, nodes: ArrayLike<number>, weights: ArrayLike<number>, sigma: number): Float64Array {
  const out = new Float64Array(grid.length);
  const c = 1 / (sigma * Math.sqrt(2 * Math.PI));
  const h = -1 / (2 * sigma * sigma);
  for (let k = 0; k < nodes.length; k++) {
    const th = nodes[k]!;
    const w = weights[k]! * c;
    if (w === 0) continue;
    for (let g = 0; g < grid.length; g++) {
      const d = grid[g]! - th;
      const e = d * d * h;
      if (e > -40) out[g] = out[g]! + w * Math.exp(e);
    }
  }
  return out;
}
