/**
 * Eigenvalues (and optionally eigenvectors) of a symmetric tridiagonal matrix T by the implicit
 * QL algorithm with Wilkinson shifts (EISPACK tql2 / Numerical Recipes tqli): each sweep chases
 * a bulge up the unreduced block with plane rotations, T ← Gᵀ T G, until the off-diagonal entry
 * at its top is negligible, |e_m| ≤ ε(|d_m| + |d_{m+1}|).
 */
import { ConvergenceError } from '../errors.js';

/**
 * √(a² + b²) without overflow or underflow, as Math.hypot of two numbers (which V8 runs through
 * its general n-ary path, several times slower in this inner loop).
 */
export function hypot(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  const m = Math.max(x, y);
  if (m === 0 || m === Infinity) return m;
  const u = x / m;
  const v = y / m;
  return m * Math.sqrt(u * u + v * v);
}

const EPS = Number.EPSILON;
const MAX_SWEEPS_PER_VALUE = 60;

/**
 * Diagonalises T in place: `d` (n) holds the diagonal and receives the eigenvalues (unsorted);
 * `e` (n) holds T[i, i+1] at e[i] (e[n−1] unused) and is destroyed. With `z` (`zRows`×n,
 * column-major) the rotations are accumulated into its columns, `Z ← Z G`: start from I to get
 * the eigenvectors of T, from Q to get those of A = Q T Qᵀ. Rotations touch two adjacent
 * columns, which are contiguous in column-major storage.
 */
export function tql(d: Float64Array, e: Float64Array, n: number, z: Float64Array | null = null, zRows = n): void {
  if (n > 0) e[n - 1] = 0;
  for (let l = 0; l < n; l++) {
    let sweeps = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]!) + Math.abs(d[m + 1]!);
        if (Math.abs(e[m]!) <= EPS * dd) break;
      }
      if (m === l) break;
      if (++sweeps > MAX_SWEEPS_PER_VALUE) {
        throw new ConvergenceError(`tridiagonal QL: eigenvalue ${l + 1} of ${n} did not converge in ${MAX_SWEEPS_PER_VALUE} sweeps`);
      }
      // Wilkinson shift from the leading 2×2 block of the unreduced part.
      let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
      let r = hypot(g, 1);
      g = d[m]! - d[l]! + e[l]! / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      for (; i >= l; i--) {
        const f = s * e[i]!;
        const b = c * e[i]!;
        r = hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          // underflow: the block splits here
          d[i + 1] = d[i + 1]! - p;
          e[m] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1]! - p;
        r = (d[i]! - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        if (z) {
          const c0 = i * zRows;
          const c1 = c0 + zRows;
          for (let k = 0; k < zRows; k++) {
            const zf = z[c1 + k]!;
            const zi = z[c0 + k]!;
            z[c1 + k] = s * zi + c * zf;
            z[c0 + k] = c * zi - s * zf;
          }
        }
      }
      if (r === 0 && i >= l) continue;
      d[l] = d[l]! - p;
      e[l] = g;
      e[m] = 0;
    }
  }
}

/** Sorts `d` ascending and permutes the columns of `z` (`zRows`×n) along with it (selection sort: n column swaps at most). */
export function sortAscending(d: Float64Array, n: number, z: Float64Array | null = null, zRows = n): void {
  if (!z) {
    d.subarray(0, n).sort();
    return;
  }
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    for (let j = i + 1; j < n; j++) if (d[j]! < d[k]!) k = j;
    if (k === i) continue;
    const t = d[i]!;
    d[i] = d[k]!;
    d[k] = t;
    const ci = i * zRows;
    const ck = k * zRows;
    for (let r = 0; r < zRows; r++) {
      const x = z[ci + r]!;
      z[ci + r] = z[ck + r]!;
      z[ck + r] = x;
    }
  }
}
