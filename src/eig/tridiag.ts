/**
 * Householder tridiagonalisation of a symmetric matrix (the lower-triangle form of LAPACK's
 * dsytd2): `A = Q T Qᵀ` with T symmetric tridiagonal (diagonal `d`, off-diagonal `e`) and
 * `Q = H_0 H_1 ⋯ H_{n−3}`, `H_k = I − τ_k v_k v_kᵀ`, v_k zero above row k+1 and 1 at row k+1.
 *
 * Storage is column-major (`A[i, j]` at `a[i + j·n]`); only the lower triangle is read. On return
 * the entries of v_k below row k+1 sit in column k of `a` below the subdiagonal, so `applyQ` can
 * back-transform eigenvectors of T into eigenvectors of A.
 */
import { gemm } from '../mat/matmul.js';

/** ‖x‖₂ of `a[from .. to)`, scaled so that neither huge nor tiny entries overflow or vanish. */
function norm2(a: Float64Array, from: number, to: number): number {
  let scale = 0;
  for (let i = from; i < to; i++) scale = Math.max(scale, Math.abs(a[i]!));
  if (scale === 0) return 0;
  let s = 0;
  const inv = 1 / scale;
  for (let i = from; i < to; i++) {
    const x = a[i]! * inv;
    s += x * x;
  }
  return scale * Math.sqrt(s);
}

/** A ← A − v wᵀ − w vᵀ on the lower triangle of rows/columns [from, n). */
function rank2(a: Float64Array, n: number, from: number, v: Float64Array, w: Float64Array): void {
  for (let j = from; j < n; j++) {
    const col = j * n;
    const vj = v[j]!;
    const wj = w[j]!;
    for (let i = j; i < n; i++) a[col + i] = a[col + i]! - v[i]! * wj - w[i]! * vj;
  }
}

/**
 * Reduces the lower triangle of `a` (n×n) in place. `d` (n), `e` (n−1, padded to n with a 0),
 * `tau` (n) receive the tridiagonal and the reflector scalars.
 *
 * Step k, with x = A[k+1:, k] and the trailing block A₂₂ = A[k+1:, k+1:]:
 *   v = (x − βe₁)/(x₁ − β), β = −sign(x₁)‖x‖, τ = (β − x₁)/β      (H x = β e₁)
 *   p = τ A₂₂ v,  w = p − (τ/2)(pᵀv) v,  A₂₂ ← A₂₂ − v wᵀ − w vᵀ    (= H A₂₂ H)
 * The rank-two update of step k is applied lazily, fused with the product A₂₂v of step k+1: one
 * pass over the lower triangle per step updates each column and then uses it (a dot and an axpy
 * per column), instead of one pass to update and another to multiply. Vectors are indexed by
 * global row.
 */
export function tridiagonalize(a: Float64Array, n: number, d: Float64Array, e: Float64Array, tau: Float64Array): void {
  let v = new Float64Array(n);
  let p = new Float64Array(n);
  let vPrev = new Float64Array(n);
  let wPrev = new Float64Array(n);
  let pending = false; // (vPrev, wPrev) still to be applied to rows/columns ≥ k
  e.fill(0);
  tau.fill(0);
  for (let k = 0; k < n - 2; k++) {
    const ck = k * n;
    if (pending) {
      const wk = wPrev[k]!;
      const vk = vPrev[k]!;
      for (let i = k; i < n; i++) a[ck + i] = a[ck + i]! - vPrev[i]! * wk - wPrev[i]! * vk;
    }
    const c = k + 1 + ck; // A[k+1, k]
    const alpha = a[c]!;
    const xnorm = norm2(a, c + 1, ck + n);
    d[k] = a[k + ck]!;
    if (xnorm === 0) {
      e[k] = alpha;
      tau[k] = 0;
      if (pending) rank2(a, n, k + 1, vPrev, wPrev);
      pending = false;
      continue;
    }
    const beta = -Math.sign(alpha || 1) * Math.hypot(alpha, xnorm);
    const t = (beta - alpha) / beta;
    const s = 1 / (alpha - beta);
    for (let i = c + 1; i < ck + n; i++) a[i] = a[i]! * s;
    e[k] = beta;
    tau[k] = t;
    v[k + 1] = 1;
    for (let i = k + 2; i < n; i++) v[i] = a[i + ck]!;
    p.fill(0, k + 1, n);
    // one pass over the trailing lower triangle: finish the previous update, then p += A₂₂ v
    let j = k + 1;
    if (pending) {
      // two columns at a time: each load of the vectors at row i feeds both
      for (; j + 1 < n; j += 2) fusedPair(a, n, j, v, p, vPrev, wPrev);
    } else {
      for (; j + 1 < n; j += 2) symvPair(a, n, j, v, p);
    }
    for (; j < n; j++) {
      const col = j * n;
      const vj = v[j]!;
      let sum: number;
      if (pending) {
        const wq = wPrev[j]!;
        const vq = vPrev[j]!;
        const ajj = a[col + j]! - vPrev[j]! * wq - wPrev[j]! * vq;
        a[col + j] = ajj;
        sum = ajj * vj;
        for (let i = j + 1; i < n; i++) {
          const aij = a[col + i]! - vPrev[i]! * wq - wPrev[i]! * vq;
          a[col + i] = aij;
          p[i] = p[i]! + aij * vj;
          sum += aij * v[i]!;
        }
      } else {
        sum = a[col + j]! * vj;
        for (let i = j + 1; i < n; i++) {
          const aij = a[col + i]!;
          p[i] = p[i]! + aij * vj;
          sum += aij * v[i]!;
        }
      }
      p[j] = p[j]! + sum;
    }
    let pv = 0;
    for (let i = k + 1; i < n; i++) {
      p[i] = p[i]! * t;
      pv += p[i]! * v[i]!;
    }
    const half = 0.5 * t * pv;
    for (let i = k + 1; i < n; i++) p[i] = p[i]! - half * v[i]!; // p is now w
    [vPrev, v] = [v, vPrev];
    [wPrev, p] = [p, wPrev];
    pending = true;
  }
  if (pending && n >= 2) rank2(a, n, n - 2, vPrev, wPrev);
  if (n >= 2) {
    d[n - 2] = a[n - 2 + (n - 2) * n]!;
    e[n - 2] = a[n - 1 + (n - 2) * n]!;
  }
  if (n >= 1) d[n - 1] = a[n - 1 + (n - 1) * n]!;
  if (n >= 1) e[n - 1] = 0;
}

/**
 * Columns j, j+1 of the fused pass: A[i, c] −= vPrev_i wPrev_c + wPrev_i vPrev_c (i ≥ c), then
 * p += A[:, c] v_c and p_c += A[:, c]ᵀ v over the lower triangle, for c = j, j+1.
 */
function fusedPair(a: Float64Array, n: number, j: number, v: Float64Array, p: Float64Array, vPrev: Float64Array, wPrev: Float64Array): void {
  const c0 = j * n;
  const c1 = c0 + n;
  const vj0 = v[j]!;
  const vj1 = v[j + 1]!;
  const wq0 = wPrev[j]!;
  const vq0 = vPrev[j]!;
  const wq1 = wPrev[j + 1]!;
  const vq1 = vPrev[j + 1]!;
  const a00 = a[c0 + j]! - vq0 * wq0 - wq0 * vq0;
  a[c0 + j] = a00;
  const a10 = a[c0 + j + 1]! - vq1 * wq0 - wq1 * vq0;
  a[c0 + j + 1] = a10;
  const a11 = a[c1 + j + 1]! - vq1 * wq1 - wq1 * vq1;
  a[c1 + j + 1] = a11;
  let sum0 = a00 * vj0 + a10 * vj1;
  let sum1 = a11 * vj1;
  p[j + 1] = p[j + 1]! + a10 * vj0;
  for (let i = j + 2; i < n; i++) {
    const vp = vPrev[i]!;
    const wp = wPrev[i]!;
    const vi = v[i]!;
    const x0 = a[c0 + i]! - vp * wq0 - wp * vq0;
    const x1 = a[c1 + i]! - vp * wq1 - wp * vq1;
    a[c0 + i] = x0;
    a[c1 + i] = x1;
    p[i] = p[i]! + x0 * vj0 + x1 * vj1;
    sum0 += x0 * vi;
    sum1 += x1 * vi;
  }
  p[j] = p[j]! + sum0;
  p[j + 1] = p[j + 1]! + sum1;
}

/** Columns j, j+1 of p += A₂₂ v over the lower triangle (no pending update). */
function symvPair(a: Float64Array, n: number, j: number, v: Float64Array, p: Float64Array): void {
  const c0 = j * n;
  const c1 = c0 + n;
  const vj0 = v[j]!;
  const vj1 = v[j + 1]!;
  const a10 = a[c0 + j + 1]!;
  let sum0 = a[c0 + j]! * vj0 + a10 * vj1;
  let sum1 = a[c1 + j + 1]! * vj1;
  p[j + 1] = p[j + 1]! + a10 * vj0;
  for (let i = j + 2; i < n; i++) {
    const vi = v[i]!;
    const x0 = a[c0 + i]!;
    const x1 = a[c1 + i]!;
    p[i] = p[i]! + x0 * vj0 + x1 * vj1;
    sum0 += x0 * vi;
    sum1 += x1 * vi;
  }
  p[j] = p[j]! + sum0;
  p[j + 1] = p[j + 1]! + sum1;
}

/** Reflectors per panel of the blocked back-transformation. */
const NB = 64;

/**
 * `Z ← Q Z` for Z n×`cols` (column-major), Q from `tridiagonalize`, blocked: NB reflectors at a
 * time in compact WY form (LAPACK dlarft/dlarfb), H_k ⋯ H_{k+NB−1} = I − V T Vᵀ with V the
 * reflectors (unit lower trapezoidal) and T upper triangular,
 *   T_cc = τ_c,   T[0:c, c] = −τ_c T[0:c, 0:c] V[:, 0:c]ᵀ v_c,
 * so each panel is two matrix products (`gemm`): W = Vᵀ Z₂, Z₂ ← Z₂ − V (T W), where Z₂ is the
 * rows the panel touches. Panels are applied last to first.
 */
export function applyQ(a: Float64Array, n: number, tau: Float64Array, z: Float64Array, cols: number): void {
  const kmax = n - 3; // last reflector index
  if (kmax < 0 || cols === 0) return;
  const nPanels = Math.ceil((kmax + 1) / NB);
  for (let pIdx = nPanels - 1; pIdx >= 0; pIdx--) {
    const k0 = pIdx * NB;
    const nb = Math.min(NB, kmax + 1 - k0);
    const m = n - k0 - 1; // rows k0+1 .. n−1
    // V (m×nb): column c is v_{k0+c}, 1 at local row c
    const V = new Float64Array(m * nb);
    for (let c = 0; c < nb; c++) {
      const k = k0 + c;
      if (tau[k] === 0) continue;
      V[c + c * m] = 1;
      for (let r = c + 1; r < m; r++) V[r + c * m] = a[k0 + 1 + r + k * n]!;
    }
    // T (nb×nb, upper triangular)
    const T = new Float64Array(nb * nb);
    const t = new Float64Array(nb);
    for (let c = 0; c < nb; c++) {
      const tc = tau[k0 + c]!;
      T[c + c * nb] = tc;
      if (c === 0 || tc === 0) continue;
      for (let l = 0; l < c; l++) {
        let s = 0;
        for (let r = c; r < m; r++) s += V[r + l * m]! * V[r + c * m]!;
        t[l] = -tc * s;
      }
      for (let i = 0; i < c; i++) {
        let s = 0;
        for (let l = i; l < c; l++) s += T[i + l * nb]! * t[l]!;
        T[i + c * nb] = s;
      }
    }
    // Z₂ = Z[k0+1 :, :], packed
    const Z2 = new Float64Array(m * cols);
    for (let j = 0; j < cols; j++) Z2.set(z.subarray(k0 + 1 + j * n, n + j * n), j * m);
    const W = new Float64Array(nb * cols);
    gemm(W, V, Z2, nb, m, cols, true, false);
    const TW = new Float64Array(nb * cols);
    gemm(TW, T, W, nb, nb, cols);
    gemm(Z2, V, TW, m, nb, cols);
    for (let j = 0; j < cols; j++) {
      const o = k0 + 1 + j * n;
      const q = j * m;
      for (let r = 0; r < m; r++) z[o + r] = z[o + r]! - Z2[q + r]!;
    }
  }
}
