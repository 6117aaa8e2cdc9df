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
  const adj = new Map<Node, Node | null>([[root, ct]]);
  const acc = (n: Node, c: Node | null): void => {
    if (!c || !dep.has(n)) return;
    adj.set(n, N.add(adj.get(n) ?? null, c));
  };
  const order = N.topoOrder(root);
  let result: Node | null = null;
  for (let k = order.length - 1; k >= 0; k--) {
    const n = order[k]!;
    const c = adj.get(n);
    if (!dep.has(n) || !c) continue;
    if (n.op === 'var') {
      result = N.add(result, c);
      continue;
    }
    opOf(n).vjp(n, c, acc);
  }
  return result;
}

