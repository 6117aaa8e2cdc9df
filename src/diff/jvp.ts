import type { Node } from '../expr/ast.js';
import * as N from './nodes.js';

/**
 * Forward mode, symbolically: the differential dF of a typed expression as a new expression that
 * is linear in the tangent variable `dX` (same shape as the input X). One rule per op, straight
 * from the differentials of DESIGN.md §1:
 *   d(X±Y) = dX ± dY            d(XY) = dX·Y + X·dY          d(Xᵀ) = (dX)ᵀ
 *   d(X⁻¹) = −X⁻¹ dX X⁻¹        d tr X = tr dX               d|X| = |X| tr(X⁻¹dX)
 *   d log|X| = tr(X⁻¹dX)        d(X⊙Y) = dX⊙Y + X⊙dY        dσ(X) = σ'(X)⊙dX
 *   d(X⊗Y) = dX⊗Y + X⊗dY        d‖X‖_F = ⟨X, dX⟩/‖X‖_F
 * Primal subexpressions are shared with the input tree, so evaluating the tangent reuses them.
 * Returns null when F does not depend on X.
 */
export function linearize(root: Node, wrt: string, dX: Node): Node | null {
  const dep = N.dependents(root, wrt);
  const tangent = new Map<Node, Node | null>();
  const d = (n: Node): Node | null => (dep.has(n) ? tangent.get(n)! : null);
  for (const n of N.topoOrder(root)) {
    if (!dep.has(n)) continue;
    tangent.set(n, rule(n, d, dX));
  }
  return d(root);
}

/** A tangent of a 1×1 operand broadcast to the shape of the result. */
function broadcast(t: Node | null, shape: readonly [number, number]): Node | null {
  if (!t || (t.shape[0] === shape[0] && t.shape[1] === shape[1])) return t;
  return N.mul(t, N.ones(shape[0], shape[1]));
}

function rule(n: Node, d: (n: Node) => Node | null, dX: Node): Node | null {
  switch (n.op) {
    case 'var':
      return dX;
    case 'const':
      return null;
    case 'add':
      return N.add(broadcast(d(n.a), n.shape), broadcast(d(n.b), n.shape));
    case 'sub':
      return N.sub(broadcast(d(n.a), n.shape), broadcast(d(n.b), n.shape));
    case 'mul':
      return N.add(N.mul(d(n.a), n.b), N.mul(n.a, d(n.b)));
    case 'div': {
      // d(a/b) = da/b − (a/b)/b ⊙ db
      const db = d(n.b);
      return N.sub(N.div(d(n.a), n.b), db && N.mul(N.div(n, n.b), db));
    }
    case 'matmul':
      return N.add(N.matmul(d(n.a), n.b), N.matmul(n.a, d(n.b)));
    case 'neg':
      return N.neg(d(n.a));
    case 'transpose':
      return N.transpose(d(n.a));
    case 'pow':
      // d(a.^p) = p a.^(p−1) ⊙ da
      return N.mul(N.scaleBy(n.p, N.pow(n.a, n.p - 1)), d(n.a));
    case 'fn':
      return N.mul(fnDerivative(n.fn, n.a, n), d(n.a));
    case 'gather':
      return N.gather(d(n.a), n.idx, n.shape[0], n.shape[1]);
    case 'concat':
      return N.concat(
        n.blocks.map((row) => row.map(d)),
        n.blocks.map((row) => row.map((b) => b.shape)),
      );
    case 'kron':
      return N.add(N.kron(d(n.a), n.b), N.kron(n.a, d(n.b)));
    case 'tr':
    case 'sum':
      return N.reduce(n.op, d(n.a));
    case 'norm':
      // d‖a‖ = ⟨a/‖a‖, da⟩
      return N.reduce('sum', N.mul(N.div(n.a, n), d(n.a)));
    case 'det':
      // d|a| = |a| tr(a⁻¹ da)
      return N.mul(n, N.reduce('tr', N.matmul(N.inv(n.a), d(n.a))));
    case 'logdet':
      return N.reduce('tr', N.matmul(N.inv(n.a), d(n.a)));
    case 'inv':
      // d(a⁻¹) = −a⁻¹ da a⁻¹
      return N.neg(N.matmul(N.matmul(n, d(n.a)), n));
    case 'softmax': {
      // column-wise: ds = s⊙dz − s ⊙ (1 1ᵀ (s⊙dz))
      const g = N.mul(n, d(n.a));
      const p = n.shape[0];
      return N.sub(g, N.mul(n, N.matmul(N.ones(p, 1), N.matmul(N.ones(1, p), g))));
    }
  }
}

/** σ'(a) as an expression (f is the node σ(a) itself, reused where the derivative needs it). */
export function fnDerivative(fn: string, a: Node, f: Node): Node {
  switch (fn) {
    case 'exp':
      return f;
    case 'log':
      return N.div(N.num(1), a)!;
    case 'sin':
      return N.fn('cos', a);
    case 'cos':
      return N.neg(N.fn('sin', a))!;
    case 'tanh':
      return N.sub(N.num(1), N.mul(f, f))!;
    case 'sigmoid':
      return N.mul(f, N.sub(N.num(1), f))!;
    case 'sqrt':
      return N.div(N.num(0.5), f)!;
    default:
      throw new Error(`no derivative rule for ${fn}`);
  }
}
