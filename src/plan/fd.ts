import { DomainError } from '../errors.js';
import type { Node } from '../expr/ast.js';
import { evaluateNode } from '../expr/eval.js';
import { Mat, type MatData } from '../mat/mat.js';

/** ε^(1/3): the relative step of central differences, balancing truncation (O(h²)) against rounding (O(ε/h)). */
const REL_STEP = Math.cbrt(Number.EPSILON);
/** An entry much smaller than the scale of X steps by this fraction of the scale (see fdJacobian). */
const SCALE_FLOOR = 1e-2;
/** The smallest scale a step is taken relative to: REL_STEP·SCALE_FLOOR·MIN_SCALE stays a normal float. */
const MIN_SCALE = 1e-270;

/**
 * Central finite differences in float64, the independent check of every other method:
 * column c of the numerator Jacobian is (vec F(X + h_c e_c) − vec F(X − h_c e_c)) / 2h_c with
 *   h_c = ε^(1/3) · max(|x_c|, 0.01·s),   s = max_k |x_k| (1 when X = 0),
 * a step relative to the entry, floored by the scale of X (Dennis & Schnabel's "typical x"):
 * it follows X down to |X| ~ 1e-15 (where an absolute step of ε^(1/3) would leave the domain of
 * log or sqrt and swamp inv) and up to huge entries, and an entry far below its neighbours (or 0)
 * still moves F well above rounding when F couples the entries (inv, X*X). If that floored step
 * leaves F's domain (log of an entry 1e-9 next to 1), the column is taken with the entry's own
 * relative step instead.
 * F is evaluated at X itself first, so a point outside the domain (a singular matrix under inv,
 * logdet with det ≤ 0) is refused with the evaluator's error rather than differenced across.
 */
export function fdJacobian(fn: Node, wrt: string, env: Readonly<Record<string, Mat>>): Mat {
  evaluateNode(fn, env);
  const X = env[wrt]!.toFloat64();
  const mn = X.size;
  const pq = fn.shape[0] * fn.shape[1];
  const J = Mat.zeros(pq, mn);
  const x = X.data.slice() as Float64Array;
  const shifted = { ...env, [wrt]: new Mat(X.rows, X.cols, x) };
  const floor = SCALE_FLOOR * scaleOf(X.data);
  for (let c = 0; c < mn; c++) {
    const x0 = X.data[c]!;
    const col = J.data.subarray(c * pq, (c + 1) * pq);
    const h = REL_STEP * Math.max(Math.abs(x0), floor);
    try {
      centralDifference(col, fn, shifted, x, c, h);
    } catch (e) {
      const own = REL_STEP * Math.abs(x0);
      if (!(e instanceof DomainError) || !(own > 0 && own < h)) throw e;
      centralDifference(col, fn, shifted, x, c, own);
    }
  }
  return J;
}

/** col = (vec F(X + h e_c) − vec F(X − h e_c)) / (x_c⁺ − x_c⁻), X bound through `x` (restored afterwards). */
function centralDifference(col: MatData, fn: Node, shifted: Readonly<Record<string, Mat>>, x: Float64Array, c: number, h: number): void {
  const x0 = x[c]!;
  try {
    x[c] = x0 + h;
    const xp = x[c]!;
    // copies: when F is X itself, the evaluator returns the (perturbed) input buffer
    const fp = evaluateNode(fn, shifted).data.slice();
    x[c] = x0 - h;
    const xm = x[c]!;
    const fm = evaluateNode(fn, shifted).data.slice();
    // divide by the step actually taken (x0 ± h rounded), not the nominal 2h
    for (let r = 0; r < col.length; r++) col[r] = (fp[r]! - fm[r]!) / (xp - xm);
  } finally {
    x[c] = x0;
  }
}

/** max_k |x_k|, the scale of X (1 for the zero matrix, never below MIN_SCALE). */
function scaleOf(x: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < x.length; k++) s = Math.max(s, Math.abs(x[k]!));
  return s === 0 ? 1 : Math.max(s, MIN_SCALE);
}
