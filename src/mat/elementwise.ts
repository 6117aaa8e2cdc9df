/**
 * Entrywise float64 kernels with 1×1 broadcasting (DESIGN.md §2: `+ - .* ./` take equal shapes
 * or a scalar operand), and the stable scalar and column-wise special functions. The CPU
 * reference for `expr/eval` and the backends alike.
 */
import { newF64 } from './arena.js';
import { Mat } from './mat.js';

/** `f(A, B)` entry by entry, a 1×1 operand broadcast to the other's shape. */
export function broadcast2(a: Mat, b: Mat, f: (x: number, y: number) => number): Mat {
  const rows = a.size === 1 ? b.rows : a.rows;
  const cols = a.size === 1 ? b.cols : a.cols;
  const out = newF64(rows * cols);
  const ad = a.data;
  const bd = b.data;
  if (a.size === out.length && b.size === out.length) for (let k = 0; k < out.length; k++) out[k] = f(ad[k]!, bd[k]!);
  else if (a.size === 1) {
    const x = ad[0]!;
    for (let k = 0; k < out.length; k++) out[k] = f(x, bd[k]!);
  } else {
    const y = bd[0]!;
    for (let k = 0; k < out.length; k++) out[k] = f(ad[k]!, y);
  }
  return new Mat(rows, cols, out);
}

/** `f(X)` entry by entry. */
export function mapEntries(a: Mat, f: (x: number) => number): Mat {
  const out = newF64(a.size);
  const d = a.data;
  for (let k = 0; k < out.length; k++) out[k] = f(d[k]!);
  return new Mat(a.rows, a.cols, out);
}

/** σ(x) = 1 / (1 + e^{−x}), without overflow for either sign. */
export function sigmoidScalar(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Column-wise softmax `s_ij = e^{x_ij} / Σ_k e^{x_kj}`, the column maximum subtracted first. */
export function softmaxCols(a: Mat): Mat {
  const { rows: m, cols: n } = a;
  const d = a.data;
  const out = newF64(m * n);
  for (let j = 0; j < n; j++) {
    const o = j * m;
    let mx = -Infinity;
    for (let i = 0; i < m; i++) mx = Math.max(mx, d[o + i]!);
    let s = 0;
    for (let i = 0; i < m; i++) {
      const e = Math.exp(d[o + i]! - mx);
      out[o + i] = e;
      s += e;
    }
    for (let i = 0; i < m; i++) out[o + i]! /= s;
  }
  return new Mat(m, n, out);
}
