import type { Backend, Tensor } from '../backend/backend.js';
import { InvalidArgumentError } from '../errors.js';
import type { Node } from '../expr/ast.js';
import type { Mat } from '../mat/mat.js';
import { dependents } from '../diff/nodes.js';
import { opOf } from '../ops/index.js';

/**
 * Evaluates a linear expression (a tangent from `linearize`, an adjoint from `pullback`) on a
 * backend, with its seed variable bound to a batch: forward mode binds dX to the mn unit
 * matrices, reverse mode binds F̄ to the pq unit cotangents, and every product in the expression
 * becomes one batched matmul over all of them (JAX's vmap of jvp/vjp, here by construction).
 * Subexpressions that do not depend on the seed are primal values: computed once in float64
 * (`primal`) and uploaded, never batched. With `uploads`, a caller that evaluates the same
 * expression again and again (the Hessian operator) keeps them on the backend between calls: an
 * uploaded primal is taken from there or added to it, and left to the caller to dispose.
 */
export function evalLinear(root: Node, seedName: string, seed: Tensor, backend: Backend, primal: (n: Node) => Mat, uploads?: Map<Node, Tensor>): Tensor {
  const dep = dependents(root, seedName);
  const values = new Map<Node, Tensor>();
  const created: Tensor[] = [];
  const keep = (t: Tensor): Tensor => (created.push(t), t);
  const upload = (n: Node): Tensor => {
    if (!uploads) return keep(backend.upload(primal(n)));
    let t = uploads.get(n);
    if (!t) uploads.set(n, (t = backend.upload(primal(n))));
    return t;
  };
  // evaluated on demand from the root, so a transposed operand folded into a matmul is never
  // materialised on its own
  const val = (n: Node): Tensor => {
    let t = values.get(n);
    if (!t) {
      t = !dep.has(n) ? upload(n) : n.op === 'var' ? seed : keep(step(n, val, backend, primal));
      values.set(n, t);
    }
    return t;
  };
  const out = val(root);
  for (const t of created) if (t !== out) backend.dispose(t);
  return out;
}

/** One op on the batch, by its record's batch rule (src/ops). */
function step(n: Node, val: (n: Node) => Tensor, b: Backend, primal: (n: Node) => Mat): Tensor {
  const rule = opOf(n).batch;
  if (!rule) throw new InvalidArgumentError(`internal: '${n.op}' is not linear in the seed and cannot be evaluated in batch`);
  return rule(n, val, b, primal);
}
