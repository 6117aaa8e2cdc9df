/**
 * Cuppen's divide-and-conquer for the symmetric tridiagonal eigenproblem T = W Λ Wᵀ (as in
 * LAPACK dstedc/dlaed0–3). Tearing T at m with β = |e_{m−1}|, s = sign(e_{m−1}):
 *   T = diag(T₁ − β e_last e_lastᵀ, T₂ − β e₁e₁ᵀ) + β v vᵀ,   v = (e_last; s·e₁),
 * so with T₁ = W₁Λ₁W₁ᵀ and T₂ = W₂Λ₂W₂ᵀ solved recursively,
 *   T = diag(W₁, W₂) (diag(Λ₁, Λ₂) + β z zᵀ) diag(W₁, W₂)ᵀ,   z = (W₁ᵀe_last; s·W₂ᵀe₁),
 * a rank-one update of a diagonal. Deflation removes the components of z that are negligible and
 * merges (by a plane rotation) pairs of equal eigenvalues; the rest is the secular equation
 * (secular.ts) with Gu–Eisenstat vectors U, and W = diag(W₁, W₂)·U is one matrix product per half
 * (`gemm`), over only the columns that are nonzero in that half.
 */
import { gemm } from '../mat/matmul.js';
import { secularRoots, secularVectors } from './secular.js';
import { hypot, sortAscending, tql } from './tql.js';

/** Below this size a block is solved by implicit QL directly. */
const LEAF = 32;
const EPS = Number.EPSILON / 2;

/** Eigenpairs of the tridiagonal (d, e) of order n: values ascending (returned), vectors n×n column-major. */
export function tridiagonalEigen(d: Float64Array, e: Float64Array, n: number): { values: Float64Array; W: Float64Array } {
  return solve(Float64Array.from(d.subarray(0, n)), Float64Array.from(e.subarray(0, Math.max(0, n - 1))), n);
}

function solve(d: Float64Array, e: Float64Array, n: number): { values: Float64Array; W: Float64Array } {
  if (n <= LEAF) {
    const W = new Float64Array(n * n);
    for (let i = 0; i < n; i++) W[i + i * n] = 1;
    const ee = new Float64Array(n);
    ee.set(e.subarray(0, n - 1));
    tql(d, ee, n, W, n);
    sortAscending(d, n, W, n);
    return { values: d, W };
  }
  const n1 = n >> 1;
  const n2 = n - n1;
  const rhoSigned = e[n1 - 1]!;
  const beta = Math.abs(rhoSigned);
  const s = rhoSigned < 0 ? -1 : 1;
  const d1 = d.slice(0, n1);
  const d2 = d.slice(n1);
  d1[n1 - 1] = d1[n1 - 1]! - beta;
  d2[0] = d2[0]! - beta;
  const left = solve(d1, e.slice(0, n1 - 1), n1);
  const right = solve(d2, e.slice(n1), n2);
  return merge(left.values, left.W, n1, right.values, right.W, n2, beta, s);
}

/** Column kinds of diag(W₁, W₂): nonzero in the top rows, the bottom rows, or both (TOP | BOTTOM, after a deflation rotation). */
const TOP = 1;
const BOTTOM = 2;

function merge(l1: Float64Array, W1: Float64Array, n1: number, l2: Float64Array, W2: Float64Array, n2: number, beta: number, s: number): { values: Float64Array; W: Float64Array } {
  const n = n1 + n2;
  // z = (last row of W₁; s · first row of W₂) / √2, ρ = 2β (so ‖z‖ = 1)
  const D = new Float64Array(n);
  const z = new Float64Array(n);
  for (let c = 0; c < n1; c++) {
    D[c] = l1[c]!;
    z[c] = W1[n1 - 1 + c * n1]! * Math.SQRT1_2;
  }
  for (let c = 0; c < n2; c++) {
    D[n1 + c] = l2[c]!;
    z[n1 + c] = s * W2[c * n2]! * Math.SQRT1_2;
  }
  const rho = 2 * beta;
  // The columns of diag(W₁, W₂), materialised: Q (n×n), and their kinds.
  const Q = new Float64Array(n * n);
  const kind = new Uint8Array(n);
  for (let c = 0; c < n1; c++) {
    Q.set(W1.subarray(c * n1, (c + 1) * n1), c * n);
    kind[c] = TOP;
  }
  for (let c = 0; c < n2; c++) {
    Q.set(W2.subarray(c * n2, (c + 1) * n2), (n1 + c) * n + n1);
    kind[n1 + c] = BOTTOM;
  }
  // Sort the poles ascending (a merge of two sorted lists).
  const perm = new Int32Array(n);
  for (let a = 0, b = n1, t = 0; t < n; t++) perm[t] = b >= n || (a < n1 && D[a]! <= D[b]!) ? a++ : b++;
  // Deflation (LAPACK dlaed2): negligible z_j, and pairs of (nearly) equal poles rotated so one z vanishes.
  let dmax = 0;
  let zmax = 0;
  for (let j = 0; j < n; j++) {
    dmax = Math.max(dmax, Math.abs(D[j]!));
    zmax = Math.max(zmax, Math.abs(z[j]!));
  }
  const tol = 8 * EPS * Math.max(dmax, rho * zmax);
  const keep: number[] = []; // column indices (into Q) of the secular problem, ascending by pole
  const deflated: number[] = [];
  let prev = -1;
  for (let t = 0; t < n; t++) {
    const j = perm[t]!;
    if (rho * Math.abs(z[j]!) <= tol) {
      deflated.push(j);
      continue;
    }
    if (prev >= 0) {
      // rotate in the plane of columns prev, j when their poles are close
      const c0 = z[j]!;
      const s0 = z[prev]!;
      const r = hypot(c0, s0);
      const c = c0 / r;
      const sn = -s0 / r;
      const gap = D[j]! - D[prev]!;
      if (Math.abs(gap * c * sn) <= tol) {
        z[j] = r;
        z[prev] = 0;
        rotateColumns(Q, n, prev, j, c, sn);
        kind[prev] = kind[j] = kind[prev]! | kind[j]!;
        const dp = D[prev]! * c * c + D[j]! * sn * sn;
        D[j] = D[prev]! * sn * sn + D[j]! * c * c;
        D[prev] = dp;
        deflated.push(prev);
        keep.pop();
      }
    }
    keep.push(j);
    prev = j;
  }
  const k = keep.length;
  const values = new Float64Array(n);
  const W = new Float64Array(n * n);
  if (k > 0) {
    // poles ascending (the rotations keep the order up to rounding: sort to be safe)
    keep.sort((a, b) => D[a]! - D[b]!);
    const dk = Float64Array.from(keep, (j) => D[j]!);
    const zk = Float64Array.from(keep, (j) => z[j]!);
    let zn = 0;
    for (let t = 0; t < k; t++) zn += zk[t]! * zk[t]!;
    zn = Math.sqrt(zn);
    for (let t = 0; t < k; t++) zk[t] = zk[t]! / zn;
    const roots = secularRoots(dk, zk, k, rho * zn * zn);
    const { lambda, U } = secularVectors(dk, zk, k, roots);
    // W[:, 0:k] = Q[:, keep] · U, top and bottom rows separately over the columns nonzero there
    multiplyHalf(W, Q, n, 0, n1, keep, kind, TOP, U, k);
    multiplyHalf(W, Q, n, n1, n2, keep, kind, BOTTOM, U, k);
    values.set(lambda);
  }
  deflated.forEach((j, t) => {
    values[k + t] = D[j]!;
    W.set(Q.subarray(j * n, (j + 1) * n), (k + t) * n);
  });
  sortAscending(values, n, W, n);
  return { values, W };
}

/** (Q_a, Q_b) ← (c Q_a + s Q_b, −s Q_a + c Q_b): the plane rotation that maps (z_a, z_b) to (0, r). */
function rotateColumns(Q: Float64Array, n: number, a: number, b: number, c: number, s: number): void {
  const oa = a * n;
  const ob = b * n;
  for (let r = 0; r < n; r++) {
    const qa = Q[oa + r]!;
    const qb = Q[ob + r]!;
    Q[oa + r] = c * qa + s * qb;
    Q[ob + r] = -s * qa + c * qb;
  }
}

/** W[r0 : r0+rows, 0:k] = Q[r0 : r0+rows, keep_t (kind has `half`)] · U[t (kind has `half`), :]. */
function multiplyHalf(W: Float64Array, Q: Float64Array, n: number, r0: number, rows: number, keep: number[], kind: Uint8Array, half: number, U: Float64Array, k: number): void {
  const sel: number[] = [];
  keep.forEach((j, t) => {
    if (kind[j]! & half) sel.push(t);
  });
  const p = sel.length;
  if (p === 0 || rows === 0) return;
  const A = new Float64Array(rows * p);
  sel.forEach((t, c) => A.set(Q.subarray(keep[t]! * n + r0, keep[t]! * n + r0 + rows), c * rows));
  const B = new Float64Array(p * k);
  for (let i = 0; i < k; i++) for (let c = 0; c < p; c++) B[c + i * p] = U[sel[c]! + i * k]!;
  const C = new Float64Array(rows * k);
  gemm(C, A, B, rows, p, k);
  for (let i = 0; i < k; i++) W.set(C.subarray(i * rows, (i + 1) * rows), i * n + r0);
}
