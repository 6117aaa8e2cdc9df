import type { Backend, Tensor } from '../backend/backend.js';
import { NonFiniteError } from '../errors.js';
import type { Node } from '../expr/ast.js';
import { formatNode } from '../expr/check.js';
import type { Mat } from '../mat/mat.js';

/**
 * A derivative with a non-finite entry is refused (DESIGN.md §4): the primal values were checked
 * finite, so an Inf/NaN here is an overflow of the result's precision (float32 on a GPU, or a
 * float64 derivative larger than F). `withBackend` re-runs a float32 overflow in float64 on the
 * CPU under 'auto'; anywhere else the NonFiniteError names the function and the entry.
 *
 * A backend with `readChecked` (WebGPU) finds the non-finite entries on the device, in one
 * reduction before the readback (`readFinite`); on the others the host scans what was read.
 * The host scan is skipped when a `bound` on |entry| (a structured writer's, plan/assembly.ts
 * entryBound) is below the precision's largest value with a rounding margin of 4: the result is
 * finite unread (the device's scan, one reduction, always runs).
 */

/** The largest finite value of each precision. */
const LARGEST = { f64: Number.MAX_VALUE, f32: 3.4028234663852886e38 } as const;

/** Whether `bound` on every entry proves a result of this backend's precision finite. */
const provenFinite = (where: Backend | 'f64', bound: number): boolean => bound <= LARGEST[where === 'f64' ? 'f64' : where.precision] / 4;

/** Reads a result back, refusing it when it has a non-finite entry: by the device's own scan where the backend has one, else by a host pass (unless `bound` proves it finite). */
export async function readFinite(b: Backend, t: Tensor, fn: Node, what: string, bound = Infinity): Promise<Mat> {
  if (!b.readChecked) return assertFiniteResult(await b.read(t), b, fn, what, bound);
  const { mat, scan } = await b.readChecked(t);
  if (scan.nonFinite === 0) return mat;
  throw nonFiniteResult(mat, scan.first, b, fn, what, `${scan.nonFinite} non-finite ${scan.nonFinite === 1 ? 'entry' : 'entries'} (found on the device), the first`);
}

/** Scans a result on the host (one branch-free pass, then a search only when it failed), unless `bound` proves it finite. */
export function assertFiniteResult(M: Mat, where: Backend | 'f64', fn: Node, what: string, bound = Infinity): Mat {
  if (provenFinite(where, bound)) return M;
  const d = M.data;
  // x − x is 0 for a finite x and NaN for ±Inf or NaN
  let probe = 0;
  let k4 = 0;
  for (const end4 = d.length - (d.length % 4); k4 < end4; k4 += 4) probe += d[k4]! - d[k4]! + (d[k4 + 1]! - d[k4 + 1]!) + (d[k4 + 2]! - d[k4 + 2]!) + (d[k4 + 3]! - d[k4 + 3]!);
  for (; k4 < d.length; k4++) probe += d[k4]! - d[k4]!;
  if (probe === 0) return M;
  for (let k = 0; k < d.length; k++) if (!Number.isFinite(d[k]!)) throw nonFiniteResult(M, k, where, fn, what, 'a non-finite entry');
  return M;
}

/** The NonFiniteError of a result whose vec entry `k` is non-finite (`found` says what was found). */
function nonFiniteResult(M: Mat, k: number, where: Backend | 'f64', fn: Node, what: string, found: string): NonFiniteError {
  const precision = where === 'f64' ? 'f64' : where.precision;
  const text = formatNode(fn);
  const f = text.length > 60 ? `${text.slice(0, 57)}…` : text;
  const entry = `(${(k % M.rows) + 1}, ${Math.floor(k / M.rows) + 1})`;
  return new NonFiniteError(
    `the ${what} of '${f}' has ${found} ${M.data[k]} at ${entry} of its ${M.rows}×${M.cols} result: ` +
      (precision === 'f32'
        ? `it overflows float32 on the ${(where as Backend).name} backend; use backend 'cpu' (float64) or 'auto'`
        : 'the derivative overflows float64 at this point; rescale the inputs'),
    precision,
  );
}
