/**
 * Rewrites of a linear expression L(dX) (a tangent from `linearize`) that leave its value alone in
 * exact arithmetic and make it cheaper to evaluate on a batch of seeds (src/plan/linear.ts), where
 * every product with the seed is a gemm and every other op a pass over the batch. Subexpressions
 * free of the seed are primal: evaluated once, however they are rearranged here.
 *
 * - Transposes move towards the leaves, where a matrix product reads them for free (the batch
 *   rule folds op(a) = aᵀ into the gemm) or they cancel:
 *     (A B)ᵀ = Bᵀ Aᵀ     (Aᵀ)ᵀ = A     (−A)ᵀ = −Aᵀ     (A ± B)ᵀ = Aᵀ ± Bᵀ     (s·A)ᵀ = s·Aᵀ
 *   (through a sum or a scaling only when every operand takes the transpose for free).
 * - A sum of products that share their seed-dependent operand is one product, its primal factors
 *   summed once:  P₁ T ± P₂ T ± … = (P₁ ± P₂ ± …) T  and  T Q₁ ± T Q₂ = T (Q₁ ± Q₂).
 * - Signs and scalar factors join a primal factor:  −(P T) = (−P) T,  s·(P T) = (s P) T.
 * - A product P·(Tᵀ·Q) of primal P, Q is evaluated as (P·Tᵀ)·Q (see `reassociate`).
 * So the Hessian tangent of `logdet(X) + tr(X'*A*X)`,
 *   −(X⁻¹ dX X⁻¹)ᵀ + ((dXᵀ Aᵀ)ᵀ + (dXᵀ A)ᵀ)  (4 products, 3 transposes, a negation, 2 sums),
 * becomes (A + Aᵀ) dX − (X⁻ᵀ dXᵀ) X⁻ᵀ  (3 products with folded transposes, 1 sum).
 */
import type { Node, NodeOf } from '../expr/ast.js';
import { ShapeError, fmtShape } from '../errors.js';
import * as N from './nodes.js';

/** The rewritten expression: same value for every dX, fewer products and passes over the batch. */
export function simplifyLinear(root: Node, seed: string): Node {
  const dep = N.dependents(root, seed);
  const original = new Set(N.topoOrder(root));
  const built = new Map<Node, boolean>();
  /** Whether x depends on the seed: as in the original expression, or built here from such nodes. */
  const dependsOn = (x: Node): boolean => {
    if (original.has(x)) return dep.has(x);
    let d = built.get(x);
    if (d === undefined) {
      d = x.op === 'var' ? x.name === seed : N.children(x).some(dependsOn);
      built.set(x, d);
    }
    return d;
  };
  const isPrimal = (x: Node): boolean => !dependsOn(x);
  const done = new Map<Node, Node>();

  const simplify = (n: Node): Node => {
    let s = done.get(n);
    if (s === undefined) {
      s = rewrite(n);
      done.set(n, s);
    }
    return s;
  };

  const rewrite = (n: Node): Node => {
    if (!dep.has(n) || n.op === 'var') return n;
    switch (n.op) {
      case 'transpose':
        return transposed(simplify(n.a));
      case 'neg':
        return negated(simplify(n.a));
      case 'matmul':
        return product(simplify(n.a), simplify(n.b));
      case 'add':
      case 'sub':
        return sum(n);
      case 'mul':
        return scaled(N.mul(simplify(n.a), simplify(n.b))!);
      default:
        return withChildren(n, simplify);
    }
  };

  /** Whether xᵀ costs nothing: it cancels, lands on a primal, or becomes a gemm operand. */
  const takesTranspose = (x: Node): boolean => {
    if (isPrimal(x) || x.op === 'transpose' || x.op === 'matmul') return true;
    if (x.op === 'neg') return takesTranspose(x.a);
    if ((x.op === 'add' || x.op === 'sub') && sameShape(x.a, x.b)) return takesTranspose(x.a) && takesTranspose(x.b);
    if (x.op === 'mul' && N.isScalar(x.a) && isPrimal(x.a)) return takesTranspose(x.b);
    return false;
  };

  /** xᵀ of a simplified x, pushed down where that is free. */
  const transposed = (x: Node): Node => {
    if (isPrimal(x)) return N.transpose(x)!;
    switch (x.op) {
      case 'transpose':
        return x.a;
      case 'matmul':
        return product(transposed(x.b), transposed(x.a));
      case 'neg':
        return negated(transposed(x.a));
      case 'add':
      case 'sub':
        if (takesTranspose(x)) return combine(x.op, transposed(x.a), transposed(x.b));
        break;
      case 'mul':
        if (N.isScalar(x.a) && isPrimal(x.a) && takesTranspose(x.b)) return scaled(N.mul(x.a, transposed(x.b))!);
        break;
    }
    return N.transpose(x)!;
  };

  /** −x, the sign moved onto a primal factor of a product when there is one. */
  const negated = (x: Node): Node => {
    if (x.op === 'matmul') {
      if (isPrimal(x.a)) return product(N.neg(x.a)!, x.b);
      if (isPrimal(x.b)) return product(x.a, N.neg(x.b)!);
      if (x.a.op === 'matmul') return product(negated(x.a), x.b);
    }
    if (x.op === 'sub') return N.sub(x.b, x.a)!;
    return N.neg(x)!;
  };

  /** s·x for a primal scalar s: folded into a primal factor of a product x. */
  const scaled = (x: Node): Node => {
    if (x.op !== 'mul' || !N.isScalar(x.a) || !isPrimal(x.a) || x.b.op !== 'matmul' || N.isScalar(x.b)) return x;
    const s = x.a;
    const p = x.b;
    if (isPrimal(p.a)) return product(N.mul(s, p.a)!, p.b);
    if (isPrimal(p.b)) return product(p.a, N.mul(s, p.b)!);
    return x;
  };

  /** A sum: its signed terms, products sharing a seed-dependent operand merged. */
  const sum = (n: Node & { a: Node; b: Node }): Node => {
    if (!sameShape(n.a, n.b)) return withChildren(n, simplify);
    const terms: Term[] = [];
    collect(n, 1, terms, simplify, isPrimal);
    return rebuild(mergeProducts(terms, isPrimal), negated);
  };

  /**
   * P·(Tᵀ·Q) = (P·Tᵀ)·Q for primal P, Q and a seed-dependent T: the same flops, but a transposed
   * batch is read for free as a right operand (through strides) and needs a packing pass as a left one.
   */
  const reassociated = new Map<Node, Node>();
  const reassociate = (x: Node): Node => {
    if (isPrimal(x)) return x;
    let r = reassociated.get(x);
    if (r === undefined) {
      r = withChildren(x, reassociate);
      if (r.op === 'matmul' && isPrimal(r.a) && r.b.op === 'matmul' && r.b.a.op === 'transpose' && isPrimal(r.b.b)) r = product(product(r.a, r.b.a), r.b.b);
      reassociated.set(x, r);
    }
    return r;
  };

  return reassociate(simplify(root));
}

interface Term {
  sign: 1 | -1;
  node: Node;
}

/**
 * The signed terms of a sum of equally shaped operands (each simplified), a sign that `negated` put
 * on a primal factor taken back out (−P·T is the term −(P·T), so it merges with P·T and Q·T).
 */
function collect(n: Node, sign: 1 | -1, out: Term[], simplify: (n: Node) => Node, isPrimal: (x: Node) => boolean): void {
  if ((n.op === 'add' || n.op === 'sub') && sameShape(n.a, n.b) && sameShape(n, n.a)) {
    collect(n.a, sign, out, simplify, isPrimal);
    collect(n.b, n.op === 'add' ? sign : flip(sign), out, simplify, isPrimal);
    return;
  }
  const s = simplify(n);
  if (s.op === 'neg') out.push({ sign: flip(sign), node: s.a });
  else if ((s.op === 'add' || s.op === 'sub') && sameShape(s.a, s.b) && sameShape(s, s.a)) collect(s, sign, out, (x) => x, isPrimal);
  else if (s.op === 'matmul' && s.a.op === 'neg' && isPrimal(s.a)) out.push({ sign: flip(sign), node: product(s.a.a, s.b) });
  else if (s.op === 'matmul' && s.b.op === 'neg' && isPrimal(s.b)) out.push({ sign: flip(sign), node: product(s.a, s.b.a) });
  else out.push({ sign, node: s });
}

const flip = (s: 1 | -1): 1 | -1 => (s === 1 ? -1 : 1);

/**
 * Merges the products of a sum, in two ways (each product at the place of the first of its group):
 * - by a shared seed-dependent operand T:  Σᵢ sᵢ Pᵢ T = (Σᵢ sᵢ Pᵢ) T  (the primal sum computed once);
 * - by a shared primal factor P:  Σᵢ sᵢ P Tᵢ = P (Σᵢ sᵢ Tᵢ), the inner sum merged again
 *   (so Bᵀ dXᵀ Aᵀ + Bᵀ dXᵀ Cᵀ = Bᵀ dXᵀ (Aᵀ + Cᵀ)).
 * Each side: P on the left (P·T), or on the right (T·P).
 */
function mergeProducts(terms: Term[], isPrimal: (x: Node) => boolean): Term[] {
  const out: (Term | null)[] = [...terms];
  const split = (x: Node, side: 'left' | 'right'): [Node, Node] | null => {
    if (x.op !== 'matmul') return null;
    const [p, d] = side === 'left' ? [x.a, x.b] : [x.b, x.a];
    return isPrimal(p) && !isPrimal(d) ? [p, d] : null;
  };
  const join = (side: 'left' | 'right', p: Node, d: Node): Node => (side === 'left' ? product(p, d) : product(d, p));
  for (const shared of ['operand', 'factor'] as const) {
    for (let i = 0; i < out.length; i++) {
      const t = out[i];
      if (!t) continue;
      for (const side of ['left', 'right'] as const) {
        const pd = split(t.node, side);
        if (!pd) continue;
        const [p, d] = pd;
        const group: Term[] = [];
        for (let j = i + 1; j < out.length; j++) {
          const u = out[j];
          const qe = u && split(u.node, side);
          if (!u || !qe || !(shared === 'operand' ? sameNode(d, qe[1]) : sameNode(p, qe[0]))) continue;
          group.push({ sign: u.sign === t.sign ? 1 : -1, node: shared === 'operand' ? qe[0] : qe[1] });
          out[j] = null;
        }
        if (group.length === 0) continue;
        const merged =
          shared === 'operand'
            ? join(side, group.reduce<Node>((f, g) => (g.sign === 1 ? N.add(f, g.node)! : N.sub(f, g.node)!), p), d)
            : join(side, p, rebuild(mergeProducts([{ sign: 1, node: d }, ...group], isPrimal), (x) => N.neg(x)!));
        out[i] = { sign: t.sign, node: merged };
        break;
      }
    }
  }
  return out.filter((t): t is Term => t !== null);
}

/** Σ sᵢ·xᵢ as sums and differences, a leading minus folded into a product's primal factor. */
function rebuild(terms: Term[], negated: (x: Node) => Node): Node {
  const first = terms.findIndex((t) => t.sign === 1);
  const order = first < 0 ? terms : [terms[first]!, ...terms.filter((_, i) => i !== first)];
  let acc: Node | null = null;
  for (const t of order) acc = acc === null ? (t.sign === 1 ? t.node : negated(t.node)) : combine(t.sign === 1 ? 'add' : 'sub', acc, t.node);
  return acc!;
}

function combine(op: 'add' | 'sub', a: Node, b: Node): Node {
  return op === 'add' ? N.add(a, b)! : N.sub(a, b)!;
}

function sameShape(a: Node, b: Node): boolean {
  return a.shape[0] === b.shape[0] && a.shape[1] === b.shape[1];
}

/**
 * The matrix product a·b as it stands (N.matmul would pull a sign of an operand back out in front
 * of the product, undoing `negated`).
 */
function product(a: Node, b: Node): Node {
  if (a.shape[1] !== b.shape[0]) throw new ShapeError(`internal: simplifyLinear built ${fmtShape(a.shape)} * ${fmtShape(b.shape)}`, [a.shape, b.shape]);
  return { op: 'matmul', a, b, shape: [a.shape[0], b.shape[1]] };
}

/** Structural equality of the seed-dependent operands this pass builds (ops it creates; otherwise identity). */
function sameNode(a: Node, b: Node): boolean {
  if (a === b) return true;
  if (a.op !== b.op || !sameShape(a, b)) return false;
  if (a.op === 'var') return a.name === (b as NodeOf<'var'>).name;
  if (a.op === 'transpose' || a.op === 'neg') return sameNode(a.a, (b as NodeOf<'transpose' | 'neg'>).a);
  if (a.op === 'matmul' || a.op === 'add' || a.op === 'sub' || a.op === 'mul') {
    const c = b as NodeOf<'matmul' | 'add' | 'sub' | 'mul'>;
    return sameNode(a.a, c.a) && sameNode(a.b, c.b);
  }
  return false;
}

/** n with its operands replaced by f(operand) (the same node when none changes). */
function withChildren(n: Node, f: (x: Node) => Node): Node {
  if ('blocks' in n) {
    const blocks = n.blocks.map((row) => row.map(f));
    return blocks.every((row, i) => row.every((x, j) => x === n.blocks[i]![j])) ? n : { ...n, blocks };
  }
  if ('b' in n) {
    const [a, b] = [f(n.a), f(n.b)];
    return a === n.a && b === n.b ? n : ({ ...n, a, b } as Node);
  }
  if ('a' in n) {
    const a = f(n.a);
    return a === n.a ? n : ({ ...n, a } as Node);
  }
  return n;
}
