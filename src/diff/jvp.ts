import type { Node } from '../expr/ast.js';
import { opOf } from '../ops/index.js';
import * as N from './nodes.js';

/**
 * Forward mode, symbolically: the differential dF of a typed expression as a new expression that
 * is linear in the tangent variable `dX` (same shape as the input X), by each op's forward rule
 * (its record in src/ops: the differentials of DESIGN.md §1, e.g. d(XY) = dX·Y + X·dY,
 * d(X⁻¹) = −X⁻¹ dX X⁻¹, dσ(X) = σ'(X)⊙dX).
 * Primal subexpressions are shared with the input tree, so evaluating the tangent reuses them.
 * Returns null when F does not depend on X.
 */
export function linearize(root: Node, wrt: string, dX: Node): Node | null {
  const dep = N.dependents(root, wrt);
  const tangent = new Map<Node, Node | null>();
  const d = (n: Node): Node | null => (dep.has(n) ? tangent.get(n)! : null);
  for (const n of N.topoOrder(root)) {
    if (!dep.has(n)) continue;
    tangent.set(n, n.op === 'var' ? dX : opOf(n).jvp(n, d));
  }
  return d(root);
}
