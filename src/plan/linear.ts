import type { Backend, Tensor } from '../backend/backend.js';
import { InvalidArgumentError } from '../errors.js';
import type { Node } from '../expr/ast.js';
import type { Mat } from '../mat/mat.js';
import { dependents } from '../diff/nodes.js';

/**
 * Evaluates a linear expression (a tangent from `linearize`, an adjoint from `pullback`) on a
 * backend, with its seed variable bound to a batch: forward mode binds dX to the mn unit
 * matrices, reverse mode binds F̄ to the pq unit cotangents, and every product in the expression
 * becomes one batched matmul over all of them (JAX's vmap of jvp/vjp, here by construction).
 * Subexpressions that do not depend on the seed are primal values: computed once in float64
 * (`primal`) and uploaded, never batched.
 */
export function evalLinear(root: Node, seedName: string, seed: Tensor, backend: Backend, primal: (n: Node) => Mat): Tensor {
  const dep = dependents(root, seedName);
  const values = new Map<Node, Tensor>();
  const created: Tensor[] = [];
  const keep = (t: Tensor): Tensor => (created.push(t), t);
  // evaluated on demand from the root, so a transposed operand folded into a matmul is never
  // materialised on its own
  const val = (n: Node): Tensor => {
    let t = values.get(n);
    if (!t) {
      t = !dep.has(n) ? keep(backend.upload(primal(n))) : n.op === 'var' ? seed : keep(step(n, val, backend));
      values.set(n, t);
    }
    return t;
  };
  const out = val(root);
  for (const t of created) if (t !== out) backend.dispose(t);
  return out;
}

function step(n: Node, val: (n: Node) => Tensor, b: Backend): Tensor {
  switch (n.op) {
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
      return b.elementwise(n.op, val(n.a), val(n.b));
    case 'matmul': {
      // fold a transposed operand into the product instead of materialising it
      const ta = n.a.op === 'transpose';
      const tb = n.b.op === 'transpose';
      return b.matmul(val(ta ? (n.a as { a: Node }).a : n.a), val(tb ? (n.b as { a: Node }).a : n.b), ta, tb);
    }
    case 'neg':
      return b.scale(val(n.a), -1);
    case 'transpose':
      return b.transpose(val(n.a));
    case 'gather':
      return b.gather(val(n.a), n.idx, n.shape[0], n.shape[1]);
    case 'concat': {
      // rows first, then the rows stacked: block rows need not split their columns alike
      const rows = n.blocks.map((row) => (row.length === 1 ? val(row[0]!) : b.concat([row.map(val)])));
      return rows.length === 1 ? rows[0]! : b.concat(rows.map((r) => [r]));
    }
    case 'kron':
      return b.kron(val(n.a), val(n.b));
    case 'sum':
      return b.sumAll(val(n.a));
    case 'tr': {
      const k = n.a.shape[0];
      return b.sumAll(b.gather(val(n.a), Int32Array.from({ length: k }, (_, i) => i * (k + 1)), k, 1));
    }
    default:
      throw new InvalidArgumentError(`internal: '${n.op}' is not linear in the seed and cannot be evaluated in batch`);
  }
}
