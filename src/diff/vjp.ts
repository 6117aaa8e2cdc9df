import { InvalidArgumentError } from '../errors.js';
import type { Node } from '../expr/ast.js';
import { fnDerivative } from './jvp.js';
import * as N from './nodes.js';

/**
 * Reverse mode, symbolically: given a cotangent expression `ct` with the shape of F, the
 * expression for `X̄ = ∂⟨ct, F⟩/∂X` (shape of X), linear in `ct`. Adjoints are accumulated over
 * the DAG in reverse topological order. Each rule is the transpose of the forward rule, by the
 * trace trick ⟨C, A dX B⟩ = ⟨Aᵀ C Bᵀ, dX⟩:
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
    rule(n, c, acc);
  }
  return result;
}

/** Sum over a broadcast: the adjoint of a 1×1 operand that was broadcast to a matrix. */
function unbroadcast(c: Node | null, operand: Node): Node | null {
  if (!c) return null;
  if (N.isScalar(operand) && !N.isScalar(c)) return N.reduce('sum', c);
  return c;
}

function rule(n: Node, c: Node, acc: (n: Node, c: Node | null) => void): void {
  switch (n.op) {
    case 'var':
    case 'const':
      return;
    case 'add':
      acc(n.a, unbroadcast(c, n.a));
      acc(n.b, unbroadcast(c, n.b));
      return;
    case 'sub':
      acc(n.a, unbroadcast(c, n.a));
      acc(n.b, unbroadcast(N.neg(c), n.b));
      return;
    case 'mul':
      acc(n.a, unbroadcast(N.mul(c, n.b), n.a));
      acc(n.b, unbroadcast(N.mul(n.a, c), n.b));
      return;
    case 'div':
      // f = a/b: ā += c/b, b̄ −= c ⊙ f / b
      acc(n.a, unbroadcast(N.div(c, n.b), n.a));
      acc(n.b, unbroadcast(N.neg(N.mul(c, N.div(n, n.b))), n.b));
      return;
    case 'matmul':
      acc(n.a, N.matmul(c, N.transpose(n.b)));
      acc(n.b, N.matmul(N.transpose(n.a), c));
      return;
    case 'neg':
      acc(n.a, N.neg(c));
      return;
    case 'transpose':
      acc(n.a, N.transpose(c));
      return;
    case 'pow':
      acc(n.a, N.mul(N.scaleBy(n.p, N.pow(n.a, n.p - 1)), c));
      return;
    case 'fn':
      acc(n.a, N.mul(fnDerivative(n.fn, n.a, n), c));
      return;
    case 'gather':
      acc(n.a, N.gather(c, inverseMap(n.idx, n.a.shape[0] * n.a.shape[1]), n.a.shape[0], n.a.shape[1]));
      return;
    case 'concat': {
      let r0 = 0;
      for (const row of n.blocks) {
        let c0 = 0;
        for (const b of row) {
          acc(b, N.gather(c, blockMap(n.shape[0], r0, c0, b.shape[0], b.shape[1]), b.shape[0], b.shape[1]));
          c0 += b.shape[1];
        }
        r0 += row[0]!.shape[0];
      }
      return;
    }
    case 'kron': {
      // vec(ā) = R vec(b), vec(b̄) = Rᵀ vec(a), R[i + j·m, k + l·p] = C̄[i·p + k, j·q + l]
      const [m, nn] = n.a.shape;
      const [p, q] = n.b.shape;
      const R = N.gather(c, kronRearrange(m, nn, p, q), m * nn, p * q)!;
      acc(n.a, N.reshape(N.matmul(R, N.reshape(n.b, p * q, 1)), m, nn));
      acc(n.b, N.reshape(N.matmul(N.transpose(R), N.reshape(n.a, m * nn, 1)), p, q));
      return;
    }
    case 'tr':
      acc(n.a, N.mul(c, N.eye(n.a.shape[0])));
      return;
    case 'sum':
      acc(n.a, N.mul(c, N.ones(n.a.shape[0], n.a.shape[1])));
      return;
    case 'norm':
      acc(n.a, N.mul(c, N.div(n.a, n)));
      return;
    case 'det':
      // d|X| = |X| tr(X⁻¹dX) ⇒ X̄ += c̄ |X| X⁻ᵀ
      acc(n.a, N.mul(N.mul(c, n), N.transpose(N.inv(n.a))));
      return;
    case 'logdet':
      acc(n.a, N.mul(c, N.transpose(N.inv(n.a))));
      return;
    case 'inv': {
      const ft = N.transpose(n);
      acc(n.a, N.neg(N.matmul(N.matmul(ft, c), ft)));
      return;
    }
    case 'softmax': {
      // column-wise: z̄ = s⊙c̄ − s ⊙ (1 1ᵀ (s⊙c̄))
      const g = N.mul(n, c);
      const p = n.shape[0];
      acc(n.a, N.sub(g, N.mul(n, N.matmul(N.ones(p, 1), N.matmul(N.ones(1, p), g)))));
      return;
    }
  }
}

/** The transpose of a gather with distinct sources: another gather. */
function inverseMap(idx: Int32Array, size: number): Int32Array {
  const inv = new Int32Array(size).fill(-1);
  for (let k = 0; k < idx.length; k++) {
    const s = idx[k]!;
    if (s < 0) continue;
    if (inv[s] !== -1) throw new InvalidArgumentError('internal: gather with a repeated source has no gather transpose');
    inv[s] = k;
  }
  return inv;
}

/** Indices of a rows×cols block at (r0, c0) inside a matrix with `total` rows. */
export function blockMap(total: number, r0: number, c0: number, rows: number, cols: number): Int32Array {
  const idx = new Int32Array(rows * cols);
  for (let j = 0; j < cols; j++) for (let i = 0; i < rows; i++) idx[i + j * rows] = r0 + i + (c0 + j) * total;
  return idx;
}

/** R[i + j·m, k + l·p] = (a⊗b)[i·p + k, j·q + l], as indices into vec(a⊗b) (which has m·p rows). */
function kronRearrange(m: number, n: number, p: number, q: number): Int32Array {
  const idx = new Int32Array(m * n * p * q);
  const rowsR = m * n;
  const rowsK = m * p;
  for (let l = 0; l < q; l++)
    for (let k = 0; k < p; k++)
      for (let j = 0; j < n; j++)
        for (let i = 0; i < m; i++) idx[i + j * m + (k + l * p) * rowsR] = i * p + k + (j * q + l) * rowsK;
  return idx;
}
