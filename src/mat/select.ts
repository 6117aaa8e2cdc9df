/**
 * Selection kernels, float64: gathers (indexing, `vec`, `diag`, reshapes) and block
 * concatenation, in column-major storage (DESIGN.md §1).
 */
import { Mat } from './mat.js';
import { gatherInto, placeBlock } from './strided.js';

/** `vec(out)[k] = idx[k] ≥ 0 ? vec(A)[idx[k]] : 0`, out rows×cols. */
export function gather(a: Mat, idx: Int32Array, rows: number, cols: number): Mat {
  return new Mat(rows, cols, gatherInto(new Float64Array(rows * cols), 0, a.data, 0, idx.subarray(0, rows * cols)));
}

/** `[B11, B12, …; B21, …]`: block rows of equal height stacked, total rows×cols. */
export function concatBlocks(blocks: readonly (readonly Mat[])[], rows: number, cols: number): Mat {
  const out = new Float64Array(rows * cols);
  let r0 = 0;
  for (const row of blocks) {
    let c0 = 0;
    for (const b of row) {
      placeBlock(out, 0, rows, r0, c0, b.data, 0, b.rows, b.cols);
      c0 += b.cols;
    }
    r0 += row[0]!.rows;
  }
  return new Mat(rows, cols, out);
}
