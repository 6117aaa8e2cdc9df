import type { Node } from '../expr/ast.js';
import { evaluateNode } from '../expr/eval.js';
import { Mat } from '../mat/mat.js';

/**
 * Central finite differences in float64, the independent check of every other method:
 * column c of the numerator Jacobian is (vec F(X + h e_c) − vec F(X − h e_c)) / 2h, with
 * h = ε^(1/3)·max(1, |x_c|), which balances truncation (O(h²)) against rounding (O(ε/h)).
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
  for (let c = 0; c < mn; c++) {
    const x0 = X.data[c]!;
    const h = Math.cbrt(Number.EPSILON) * Math.max(1, Math.abs(x0));
    x[c] = x0 + h;
    const xp = x[c]!;
    // copies: when F is X itself, the evaluator returns the (perturbed) input buffer
    const fp = evaluateNode(fn, shifted).data.slice();
    x[c] = x0 - h;
    const xm = x[c]!;
    const fm = evaluateNode(fn, shifted).data.slice();
    x[c] = x0;
    const col = J.data.subarray(c * pq, (c + 1) * pq);
    // divide by the step actually taken (x0 ± h rounded), not the nominal 2h
    for (let r = 0; r < pq; r++) col[r] = (fp[r]! - fm[r]!) / (xp - xm);
  }
  return J;
}
