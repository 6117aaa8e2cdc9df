import type { Backend } from '../backend/backend.js';
import { NonFiniteError } from '../errors.js';
import type { Node } from '../expr/ast.js';
import { formatNode } from '../expr/check.js';
import type { Mat } from '../mat/mat.js';

/**
 * A derivative with a non-finite entry is refused (DESIGN.md §4): the primal values were checked
 * finite, so an Inf/NaN here is an overflow of the result's precision (float32 on a GPU, or a
 * float64 derivative larger than F). `withBackend` re-runs a float32 overflow in float64 on the
 * CPU under 'auto'; anywhere else the NonFiniteError names the function and the entry.
 */
export function assertFiniteResult(M: Mat, where: Backend | 'f64', fn: Node, what: string): Mat {
  const d = M.data;
  // fast path, one branch-free pass: x − x is 0 for a finite x and NaN for ±Inf or NaN
  let probe = 0;
  let k4 = 0;
  for (const end4 = d.length - (d.length % 4); k4 < end4; k4 += 4) probe += d[k4]! - d[k4]! + (d[k4 + 1]! - d[k4 + 1]!) + (d[k4 + 2]! - d[k4 + 2]!) + (d[k4 + 3]! - d[k4 + 3]!);
  for (; k4 < d.length; k4++) probe += d[k4]! - d[k4]!;
  if (probe === 0) return M;
  for (let k = 0; k < d.length; k++) {
    if (Number.isFinite(d[k]!)) continue;
    const precision = where === 'f64' ? 'f64' : where.precision;
    const text = formatNode(fn);
    const f = text.length > 60 ? `${text.slice(0, 57)}…` : text;
    const entry = `(${(k % M.rows) + 1}, ${Math.floor(k / M.rows) + 1})`;
    throw new NonFiniteError(
      `the ${what} of '${f}' has a non-finite entry ${d[k]} at ${entry} of its ${M.rows}×${M.cols} result: ` +
        (precision === 'f32'
          ? `it overflows float32 on the ${(where as Backend).name} backend; use backend 'cpu' (float64) or 'auto'`
          : 'the derivative overflows float64 at this point; rescale the inputs'),
      precision,
    );
  }
  return M;
}
