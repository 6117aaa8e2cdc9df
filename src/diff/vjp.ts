import type { Node } from '../expr/ast.js';
import { opOf } from '../ops/index.js';
import * as N from './nodes.js';

/**
 * Reverse mode, symbolically: given a cotangent expression `ct` with the shape of F, the
 * expression for `X̄ = ∂⟨ct, F⟩/∂X` (shape of X), linear in `ct`. Adjoints are accumulated over
 * the DAG in reverse topological order. Each rule (an op record's `vjp`, src/ops) is the
 * transpose of the forward rule, by the trace trick ⟨C, A dX B⟩ = ⟨Aᵀ C Bᵀ, dX⟩:
 *   (AB)‾ : Ā += C̄ Bᵀ, B̄ += Aᵀ C̄        (X⁻¹)‾ : X̄ += −X⁻ᵀ C̄ X⁻ᵀ
 *   (log|X|)‾ : X̄ += c̄ X⁻ᵀ                (σ(X))‾ : X̄ += σ'(X) ⊙ C̄
 * With `ct` the constant 1 and F scalar, the result is the gradient expression, whose own
 * derivative is the Hessian. Returns null when F does not depend on X.
 */
export function pullback(root: Node, wrt: string, ct: Node): Node | null {
  const dep = N.dependents(root, wrt);
  if (!dep.has(root)) return null;
  // contributions are summed once per node, as a balanced tree: a name used 2,500 times gets a
  // sum 12 levels deep, not 2,500 (walks over the adjoint stay within the stack)
  const adj = new Map<Node, Node[]>([[root, [ct]]]);
  const acc = (n: Node, c: Node | null): void => {
    if (!c || !dep.has(n)) return;
    const list = adj.get(n);
    if (list) list.push(c);
    else adj.set(n, [c]);
  };
  const order = N.topoOrder(root);
  const result: Node[] = [];
  for (let k = order.length - 1; k >= 0; k--) {
    const n = order[k]!;
    const c = sumBalanced(adj.get(n) ?? []);
    adj.delete(n);
    if (!dep.has(n) || !c) continue;
    if (n.op === 'var') {
      result.push(c);
      continue;
    }
    opOf(n).vjp(n, c, acc);
  }
  return sumBalanced(result);
}

/** c₁ + c₂ + … + cₖ as a balanced tree (null when empty). */
function sumBalanced(cs: readonly Node[], lo = 0, hi = cs.length): Node | null {
  if (hi - lo <= 0) return null;
  if (hi - lo === 1) return cs[lo]!;
  const mid = (lo + hi) >>> 1;
  return N.add(sumBalanced(cs, lo, mid), sumBalanced(cs, mid, hi));
}

