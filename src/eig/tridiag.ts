/**
 * Householder tridiagonalisation of a symmetric matrix (the lower-triangle form of LAPACK's
 * dsytd2): `A = Q T Qᵀ` with T symmetric tridiagonal (diagonal `d`, off-diagonal `e`) and
 * `Q = H_0 H_1 ⋯ H_{n−3}`, `H_k = I − τ_k v_k v_kᵀ`, v_k zero above row k+1 and 1 at row k+1.
 *
 * Storage is column-major (`A[i, j]` at `a[i + j·n]`); only the lower triangle is read. On return
 * the entries of v_k below row k+1 sit in column k of `a` below the subdiagonal, so `applyQ` can
 * back-transform eigenvectors of T into eigenvectors of A.
 */

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

/**
 * Reduces the lower triangle of `a` (n×n) in place. `d` (n), `e` (n−1, padded to n with a 0),
 * `tau` (n) receive the tridiagonal and the reflector scalars.
 *
 * Step k, with x = A[k+1:, k] and the trailing block A₂₂ = A[k+1:, k+1:]:
 *   v = (x − βe₁)/(x₁ − β), β = −sign(x₁)‖x‖, τ = (β − x₁)/β      (H x = β e₁)
 *   p = τ A₂₂ v,  w = p − (τ/2)(pᵀv) v,  A₂₂ ← A₂₂ − v wᵀ − w vᵀ    (= H A₂₂ H)
 * The product A₂₂v reads each column of the lower triangle once (a dot and an axpy per column).
 */
export function tridiagonalize(a: Float64Array, n: number, d: Float64Array, e: Float64Array, tau: Float64Array): void {
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  e.fill(0);
  tau.fill(0);
  for (let k = 0; k < n - 2; k++) {
    const m = n - k - 1; // order of the trailing block
    const c = (k + 1) + k * n; // A[k+1, k]
    const alpha = a[c]!;
    const xnorm = norm2(a, c + 1, c + m);
    d[k] = a[k + k * n]!;
    if (xnorm === 0) {
      e[k] = alpha;
      tau[k] = 0;
      continue;
    }
    const beta = -Math.sign(alpha || 1) * Math.hypot(alpha, xnorm);
    const t = (beta - alpha) / beta;
    const s = 1 / (alpha - beta);
    for (let i = c + 1; i < c + m; i++) a[i] = a[i]! * s;
    e[k] = beta;
    tau[k] = t;
    // v = (1, a[c+1 .. c+m))
    v[0] = 1;
    for (let i = 1; i < m; i++) v[i] = a[c + i]!;
    // p = τ A₂₂ v over the lower triangle of A₂₂ (origin o)
    const o = (k + 1) + (k + 1) * n;
    p.fill(0, 0, m);
    for (let j = 0; j < m; j++) {
      const col = o + j * n;
      const vj = v[j]!;
      let sum = a[col + j]! * vj;
      for (let i = j + 1; i < m; i++) {
        const aij = a[col + i]!;
        p[i] = p[i]! + aij * vj;
        sum += aij * v[i]!;
      }
      p[j] = p[j]! + sum;
    }
    let pv = 0;
    for (let i = 0; i < m; i++) {
      p[i] = p[i]! * t;
      pv += p[i]! * v[i]!;
    }
    const half = 0.5 * t * pv;
    for (let i = 0; i < m; i++) p[i] = p[i]! - half * v[i]!; // p is now w
    for (let j = 0; j < m; j++) {
      const col = o + j * n;
      const vj = v[j]!;
      const wj = p[j]!;
      for (let i = j; i < m; i++) a[col + i] = a[col + i]! - v[i]! * wj - p[i]! * vj;
    }
  }
  if (n >= 2) {
    d[n - 2] = a[n - 2 + (n - 2) * n]!;
    e[n - 2] = a[n - 1 + (n - 2) * n]!;
  }
  if (n >= 1) d[n - 1] = a[n - 1 + (n - 1) * n]!;
  if (n >= 1) e[n - 1] = 0;
}

/**
 * `Z ← Q Z` for Z n×`cols` (column-major), Q from `tridiagonalize`: the reflectors applied last
 * to first, `Z[k+1:, :] ← (I − τ_k v_k v_kᵀ) Z[k+1:, :]`.
 */
export function applyQ(a: Float64Array, n: number, tau: Float64Array, z: Float64Array, cols: number): void {
  for (let k = n - 3; k >= 0; k--) {
    const t = tau[k]!;
    if (t === 0) continue;
    const c = (k + 1) + k * n; // v[0] = 1 at row k+1, v[i] = a[c + i]
    const m = n - k - 1;
    for (let j = 0; j < cols; j++) {
      const zc = (k + 1) + j * n;
      let s = z[zc]!;
      for (let i = 1; i < m; i++) s += a[c + i]! * z[zc + i]!;
      s *= t;
      if (s === 0) continue;
      z[zc] = z[zc]! - s;
      for (let i = 1; i < m; i++) z[zc + i] = z[zc + i]! - s * a[c + i]!;
    }
  }
}
