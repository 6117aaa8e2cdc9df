import { Mat, mulberry32 } from '../../src/mat/index.js';

/** A random orthogonal n×n matrix: the product of n Householder reflections of normal vectors (seeded). */
export function randomOrthogonal(n: number, seed: number): Mat {
  const Q = Mat.eye(n);
  const q = Q.data as Float64Array;
  const rand = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  for (let r = 0; r < n; r++) {
    const v = Array.from({ length: n }, normal);
    const vv = v.reduce((s, x) => s + x * x, 0);
    // Q ← Q (I − 2vvᵀ/vᵀv)
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += q[i + j * n]! * v[j]!;
      s *= 2 / vv;
      for (let j = 0; j < n; j++) q[i + j * n] = q[i + j * n]! - s * v[j]!;
    }
  }
  return Q;
}

/** Q diag(λ) Qᵀ, symmetrised exactly. */
export function withSpectrum(lambda: readonly number[], seed: number): Mat {
  const n = lambda.length;
  const q = randomOrthogonal(n, seed).data;
  const H = Mat.zeros(n, n);
  const h = H.data;
  for (let j = 0; j < n; j++) {
    for (let i = j; i < n; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += q[i + k * n]! * lambda[k]! * q[j + k * n]!;
      h[i + j * n] = s;
      h[j + i * n] = s;
    }
  }
  return H;
}

/** A random symmetric matrix, entries uniform in [-1, 1). */
export function randomSymmetric(n: number, seed: number): Mat {
  const A = Mat.random(n, n, { seed });
  const H = Mat.zeros(n, n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) H.data[i + j * n] = A.data[i + j * n]! + A.data[j + i * n]!;
  return H;
}

/** The symmetric tridiagonal matrix with diagonal d and off-diagonal e. */
export function tridiagonal(d: readonly number[], e: readonly number[]): Mat {
  const n = d.length;
  const T = Mat.zeros(n, n);
  for (let i = 0; i < n; i++) T.data[i + i * n] = d[i]!;
  for (let i = 0; i < n - 1; i++) {
    T.data[i + 1 + i * n] = e[i]!;
    T.data[i + (i + 1) * n] = e[i]!;
  }
  return T;
}

/** Wilkinson's W_{2m+1}^+ (d_i = |m − i|) or W_{2m+1}^− (d_i = m − i), with unit off-diagonal. */
export function wilkinson(size: number, sign: 1 | -1): Mat {
  const m = (size - 1) / 2;
  return tridiagonal(
    Array.from({ length: size }, (_, i) => (sign > 0 ? Math.abs(m - i) : m - i)),
    Array.from({ length: size - 1 }, () => 1),
  );
}

/**
 * The number of eigenvalues of the tridiagonal (d, e) below x: the sign changes of the Sturm
 * sequence, i.e. the negative pivots of T − xI = LDLᵀ (Sylvester's law of inertia).
 */
function countBelow(d: readonly number[], e: readonly number[], x: number): number {
  let count = 0;
  let q = 1;
  for (let i = 0; i < d.length; i++) {
    q = d[i]! - x - (i > 0 ? (e[i - 1]! * e[i - 1]!) / q : 0);
    if (q === 0) q = -Number.EPSILON * (Math.abs(x) + 1e-300);
    if (q < 0) count++;
  }
  return count;
}

/** All eigenvalues of the tridiagonal (d, e) by Sturm-sequence bisection: an independent reference. */
export function sturmEigenvalues(d: readonly number[], e: readonly number[]): number[] {
  const n = d.length;
  let r = 0;
  for (let i = 0; i < n; i++) r = Math.max(r, Math.abs(d[i]!) + (i > 0 ? Math.abs(e[i - 1]!) : 0) + (i < n - 1 ? Math.abs(e[i]!) : 0));
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    let lo = -r - 1;
    let hi = r + 1;
    for (let it = 0; it < 200 && hi - lo > 1e-15 * Math.max(1, Math.abs(lo), Math.abs(hi)); it++) {
      const mid = 0.5 * (lo + hi);
      if (countBelow(d, e, mid) > k) hi = mid;
      else lo = mid;
    }
    out.push(0.5 * (lo + hi));
  }
  return out;
}

/** ‖H V − V diag(λ)‖_F and ‖VᵀV − I‖_F. */
export function residuals(H: Mat, values: Float64Array, V: Mat): { residual: number; orthogonality: number } {
  const n = H.rows;
  const h = H.data;
  const v = V.data;
  let res = 0;
  let orth = 0;
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += h[i + j * n]! * v[j + k * n]!;
      res += (s - values[k]! * v[i + k * n]!) ** 2;
    }
    for (let l = 0; l < n; l++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += v[i + k * n]! * v[i + l * n]!;
      orth += (s - (k === l ? 1 : 0)) ** 2;
    }
  }
  return { residual: Math.sqrt(res), orthogonality: Math.sqrt(orth) };
}

/** ‖H‖₂ of a symmetric matrix bounded above by its Frobenius norm (used to scale tolerances). */
export function frob(H: Mat): number {
  let s = 0;
  for (const x of H.data) s += x * x;
  return Math.sqrt(s);
}
