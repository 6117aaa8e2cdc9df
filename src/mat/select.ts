/**
 * Selection kernels, float64: gathers (indexing, `vec`, `diag`, reshapes) and block
 * concatenation, in column-major storage (DESIGN.md §1).
 */
import { Mat } from './mat.js';

/** `vec(out)[k] = idx[k] ≥ 0 ? vec(A)[idx[k]] : 0`, out rows×cols. */
export function gather(a: Mat, idx: Int32Array, rows: number, cols: number): Mat {
  const out = new Float64Array(rows * cols);
  const d = a.data;
  for (let k = 0; k < out.length; k++) {
    const s = idx[k]!;
    out[k] = s >= 0 ? d[s]! : 0;
  }
  return new Mat(rows, cols, out);
}

/** `[B11, B12, …; B21, …]`: block rows of equal height stacked, total rows×cols. */
export function concatBlocks(blocks: readonly (readonly Mat[])[], rows: number, cols: number): Mat {
  const out = new Float64Array(rows * cols);
  let r0 = 0;
  for (const row of blocks) {
    let c0 = 0;
    for (const b of row) {
      const bd = b.data;
      for (let j = 0; j < b.cols; j++) {
        for (let i = 0; i < b.rows; i++) out[r0 + i + (c0 + j) * rows] = bd[i + j * b.rows]!;
      }
      c0 += b.cols;
    }
    r0 += row[0]!.rows;
  }
  return new Mat(rows, cols, out);
}
