/**
 * The rank-one update of a diagonal matrix, D + ρ z zᵀ (ρ > 0, D ascending with distinct
 * entries, every z_j ≠ 0, ‖z‖ = 1): its eigenvalues are the roots of the secular equation
 *   g(λ) = 1 + ρ Σ_j z_j² / (d_j − λ) = 0,
 * one in each (d_i, d_{i+1}) and the last in (d_{k−1}, d_{k−1} + ρ). Each root is found relative
 * to its nearer pole (the origin o), as λ = d_o + τ, so that the differences d_j − λ are formed
 * as (d_j − d_o) − τ without cancellation; the eigenvectors then come from those differences and
 * the Gu–Eisenstat (Löwner) recomputation of z, which makes them numerically orthogonal however
 * close the roots are.
 */

const EPS = Number.EPSILON / 2;
const MAX_ITER = 100;

export interface SecularRoots {
  /** λ_i = d[origin[i]] + tau[i], ascending. */
  readonly origin: Int32Array;
  readonly tau: Float64Array;
}

/** g(τ) − 1 split into the sums over poles left (ψ) and right (φ) of the root, with their derivatives. */
function sums(delta: Float64Array, z2: Float64Array, k: number, split: number, tau: number): [number, number, number, number] {
  let psi = 0;
  let dpsi = 0;
  let phi = 0;
  let dphi = 0;
  for (let j = 0; j < k; j++) {
    const inv = 1 / (delta[j]! - tau);
    const t = z2[j]! * inv;
    if (j <= split) {
      psi += t;
      dpsi += t * inv;
    } else {
      phi += t;
      dphi += t * inv;
    }
  }
  return [psi, dpsi, phi, dphi];
}

/** Roots of 1 + ρ Σ z_j²/(d_j − λ) for the k entries of d (ascending) and z. */
export function secularRoots(d: Float64Array, z: Float64Array, k: number, rho: number): SecularRoots {
  const origin = new Int32Array(k);
  const tau = new Float64Array(k);
  const delta = new Float64Array(k);
  const z2 = new Float64Array(k);
  for (let j = 0; j < k; j++) z2[j] = rho * z[j]! * z[j]!;
  for (let i = 0; i < k; i++) {
    const last = i === k - 1;
    let o: number;
    let lo: number;
    let hi: number;
    if (last) {
      o = i;
      lo = 0;
      let zz = 0;
      for (let j = 0; j < k; j++) zz += z2[j]!;
      hi = zz;
    } else {
      const gap = d[i + 1]! - d[i]!;
      // which half holds the root: g at the midpoint, from the left origin
      for (let j = 0; j < k; j++) delta[j] = d[j]! - d[i]!;
      const [psi, , phi] = sums(delta, z2, k, i, gap / 2);
      if (1 + psi + phi >= 0) {
        o = i;
        lo = 0;
        hi = gap / 2;
      } else {
        o = i + 1;
        lo = -gap / 2;
        hi = 0;
      }
    }
    for (let j = 0; j < k; j++) delta[j] = d[j]! - d[o]!;
    // the root's left pole is index i (split: ψ sums j ≤ i)
    let t = (lo + hi) / 2;
    for (let it = 0; it < MAX_ITER; it++) {
      const [psi, dpsi, phi, dphi] = sums(delta, z2, k, i, t);
      const g = 1 + psi + phi;
      const err = 8 * (phi - psi) + 2 + 3 * Math.abs(t) * (dpsi + dphi);
      if (Math.abs(g) <= EPS * err) break;
      if (g < 0) lo = t;
      else hi = t;
      if (hi - lo <= 2 * EPS * Math.max(Math.abs(lo), Math.abs(hi)) || hi <= lo) break;
      let eta: number;
      const di = delta[i]! - t;
      if (last) {
        // one-pole model through the nearest pole: A + B/(Δ − η) = 0, with g and g' matched
        const B = (dpsi + dphi) * di * di;
        const A = g - B / di;
        eta = A !== 0 ? di + B / A : NaN;
      } else {
        // two-pole model (LAPACK dlaed4's "middle way"): c η² − a η + b = 0
        const dj = delta[i + 1]! - t;
        const a = (di + dj) * g - di * dj * (dpsi + dphi);
        const b = di * dj * g;
        const c = g - di * dpsi - dj * dphi;
        const disc = Math.sqrt(Math.abs(a * a - 4 * b * c));
        eta = a <= 0 ? (c !== 0 ? (a - disc) / (2 * c) : NaN) : (2 * b) / (a + disc);
      }
      let next = t + eta;
      if (!(next > lo && next < hi) || !Number.isFinite(next)) next = (lo + hi) / 2;
      if (next === t) break;
      t = next;
    }
    origin[i] = o;
    tau[i] = t;
  }
  return { origin, tau };
}

/**
 * The eigenvectors (columns of U, k×k) of D + ρ z zᵀ from its roots: ẑ recomputed by Löwner's
 * formula ẑ_j² = Π_i (λ_i − d_j) / Π_{i≠j} (d_i − d_j) / ρ (signs of z), then
 * u_i = (ẑ_j / (d_j − λ_i))_j normalised. Also returns λ.
 */
export function secularVectors(d: Float64Array, z: Float64Array, k: number, roots: SecularRoots): { lambda: Float64Array; U: Float64Array } {
  const { origin, tau } = roots;
  // Δ(j, i) = d_j − λ_i = (d_j − d_{o_i}) − τ_i
  const Delta = (j: number, i: number): number => d[j]! - d[origin[i]!]! - tau[i]!;
  const zh = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let w = -Delta(j, j);
    for (let i = 0; i < k; i++) if (i !== j) w *= Delta(j, i) / (d[j]! - d[i]!);
    zh[j] = Math.sign(z[j]!) * Math.sqrt(Math.abs(w));
  }
  const U = new Float64Array(k * k);
  const lambda = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    lambda[i] = d[origin[i]!]! + tau[i]!;
    let s = 0;
    const c = i * k;
    for (let j = 0; j < k; j++) {
      const u = zh[j]! / Delta(j, i);
      U[c + j] = u;
      s += u * u;
    }
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < k; j++) U[c + j] = U[c + j]! * inv;
  }
  return { lambda, U };
}
