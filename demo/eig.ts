/**
 * Symmetric eigenvalues for the demo: a small cyclic Jacobi routine (no eigenvectors), and the
 * definiteness summary of a Hessian. Meant for matrices up to a few hundred rows.
 */

/** The largest order the demo's eigen-solver accepts (mn ≤ 400). */
export const MAX_EIG_ORDER = 400;

export interface JacobiResult {
  /** Eigenvalues in ascending order. */
  readonly values: Float64Array;
  readonly sweeps: number;
  /** Off-diagonal Frobenius norm when the iteration stopped. */
  readonly offNorm: number;
}

/**
 * Eigenvalues of a symmetric n×n matrix (`a` in either storage order; it is symmetrised as
 * (A + Aᵀ)/2 first) by the cyclic Jacobi method with the classical stable rotation.
 */
export function jacobiEigenvalues(a: ArrayLike<number>, n: number, opts: { tol?: number; maxSweeps?: number } = {}): JacobiResult {
  if (a.length !== n * n) throw new RangeError(`jacobiEigenvalues: expected ${n * n} entries, got ${a.length}`);
  const A = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) A[i + j * n] = 0.5 * (a[i + j * n]! + a[j + i * n]!);
  const tol = opts.tol ?? 1e-14;
  const maxSweeps = opts.maxSweeps ?? 60;
  let total = 0;
  for (let k = 0; k < n * n; k++) total += A[k]! * A[k]!;
  const target = tol * Math.sqrt(total);
  // Off-diagonal entries below `negligible` are dropped: that moves no eigenvalue by more than
  // n·negligible ≈ 4e-15‖A‖_F for n = 400.
  const negligible = 1e-17 * Math.sqrt(total);
  let sweeps = 0;
  let off = offNorm(A, n);
  while (off > target && sweeps < maxSweeps) {
    sweeps++;
    // In the first sweeps only the large entries are rotated away (the classical threshold
    // strategy: 0.2·mean |a_pq|); later every entry above `negligible` is.
    const threshold = sweeps <= 3 ? Math.max(negligible, (0.2 * off) / n) : negligible;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p + q * n]!;
        if (apq === 0) continue;
        if (Math.abs(apq) < threshold) {
          if (threshold === negligible) {
            A[p + q * n] = 0;
            A[q + p * n] = 0;
          }
          continue;
        }
        const app = A[p + p * n]!;
        const aqq = A[q + q * n]!;
        const theta = (aqq - app) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A ← Jᵀ A J with J the rotation in the (p, q) plane. A stays symmetric, so columns p
        // and q are updated in place (contiguous) and mirrored into rows p and q.
        const cp = p * n;
        const cq = q * n;
        for (let k = 0; k < n; k++) {
          if (k === p || k === q) continue;
          const akp = A[k + cp]!;
          const akq = A[k + cq]!;
          const vp = c * akp - s * akq;
          const vq = s * akp + c * akq;
          A[k + cp] = vp;
          A[k + cq] = vq;
          A[p + k * n] = vp;
          A[q + k * n] = vq;
        }
        A[p + cp] = app - t * apq;
        A[q + cq] = aqq + t * apq;
        A[p + cq] = 0;
        A[q + cp] = 0;
      }
    }
    off = offNorm(A, n);
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = A[i + i * n]!;
  values.sort();
  return { values, sweeps, offNorm: off };
}

function offNorm(A: Float64Array, n: number): number {
  let s = 0;
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) if (i !== j) s += A[i + j * n]! * A[i + j * n]!;
  return Math.sqrt(s);
}

export type Definiteness =
  | 'positive definite'
  | 'negative definite'
  | 'positive semidefinite (singular)'
  | 'negative semidefinite (singular)'
  | 'indefinite'
  | 'zero';

export interface EigenSummary {
  readonly order: number;
  readonly positive: number;
  readonly negative: number;
  readonly zero: number;
  readonly min: number;
  readonly max: number;
  /** Σλ (equals tr H) and Σλ² (equals ‖H‖_F² of the symmetrised H): checks for the tests. */
  readonly sum: number;
  readonly sumSq: number;
  /** |λ| ≤ zeroTol counts as zero. */
  readonly zeroTol: number;
  readonly definiteness: Definiteness;
  readonly sweeps: number;
  /** max |H_ij − H_ji| / max |H_ij|: how far from symmetric the computed Hessian is. */
  readonly asymmetry: number;
}

/**
 * Eigen-summary of a symmetric matrix, or null when it is larger than MAX_EIG_ORDER.
 * `unitRoundoff` is the precision the entries were computed in (float32 on GPUs), which sets
 * the tolerance below which an eigenvalue counts as zero.
 */
export function eigenSummary(data: ArrayLike<number>, n: number, unitRoundoff = 2 ** -53): EigenSummary | null {
  if (n > MAX_EIG_ORDER) return null;
  let maxAbs = 0;
  let asym = 0;
  for (let j = 0; j < n; j++)
    for (let i = 0; i < n; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(data[i + j * n]!));
      asym = Math.max(asym, Math.abs(data[i + j * n]! - data[j + i * n]!));
    }
  const { values, sweeps } = jacobiEigenvalues(data, n);
  let scale = 0;
  for (const v of values) scale = Math.max(scale, Math.abs(v));
  const zeroTol = 16 * Math.max(n, 1) * unitRoundoff * scale;
  let positive = 0;
  let negative = 0;
  let zero = 0;
  let sum = 0;
  let sumSq = 0;
  for (const v of values) {
    if (v > zeroTol) positive++;
    else if (v < -zeroTol) negative++;
    else zero++;
    sum += v;
    sumSq += v * v;
  }
  let definiteness: Definiteness;
  if (zero === n) definiteness = 'zero';
  else if (negative === 0) definiteness = zero === 0 ? 'positive definite' : 'positive semidefinite (singular)';
  else if (positive === 0) definiteness = zero === 0 ? 'negative definite' : 'negative semidefinite (singular)';
  else definiteness = 'indefinite';
  return {
    order: n,
    positive,
    negative,
    zero,
    min: n > 0 ? values[0]! : NaN,
    max: n > 0 ? values[n - 1]! : NaN,
    sum,
    sumSq,
    zeroTol,
    definiteness,
    sweeps,
    asymmetry: maxAbs > 0 ? asym / maxAbs : 0,
  };
}
