/**
 * Entrywise ops of the typed IR: `+ - .* ./` with 1×1 broadcasting, unary minus, `.^` with a
 * numeric exponent, and the table of elementwise functions (unary.ts).
 *   d(A±B) = dA ± dB      d(A⊙B) = dA⊙B + A⊙dB      d(A/B) = dA/B − (A/B)/B ⊙ dB
 *   d(A.^p) = p A.^(p−1) ⊙ dA                         dσ(A) = σ′(A) ⊙ dA
 * Structure: a primal factor P of a Hadamard product is diag(vec P) on the left of the term.
 */
import type { Node, NodeOf } from '../expr/ast.js';
import { broadcast2, mapEntries } from '../mat/elementwise.js';
import { domainCheck } from './domain.js';
import * as N from './nodes.js';
import { PREC, formatNumber, never, type BatchRule, type OpRecord } from './types.js';
import { unaryRule } from './unary.js';
import type { StructureRule } from '../diff/terms.js';

const isScalarShape = (n: Node): boolean => n.shape[0] === 1 && n.shape[1] === 1;

/** d(A±B), tangents of broadcast operands spread over the result. */
const sumRule =
  (sign: 1 | -1) =>
  (n: NodeOf<'add' | 'sub'>, d: (x: Node) => Node | null): Node | null => {
    const da = N.broadcastTo(d(n.a), n.shape);
    const db = N.broadcastTo(d(n.b), n.shape);
    return sign === 1 ? N.add(da, db) : N.sub(da, db);
  };

/** A sum of two tangents of one shape is the union of their terms. */
const sumStructure =
  (sign: 1 | -1): StructureRule<'add' | 'sub'> =>
  (t, c) => {
    // both sides are tangents (a one-sided sum folds away in nodes.add); broadcasts go dense
    if (t.a.shape[0] !== t.b.shape[0] || t.a.shape[1] !== t.b.shape[1] || !c.isTangent(t.a) || !c.isTangent(t.b)) return c.fallback();
    const b = c.walk(t.b);
    return [...c.walk(t.a), ...(sign === 1 ? b : c.negate(b))];
  };

/** P ⊙ T, P / T's primal divisor: a scalar factor joins γ, a matrix one the Hadamard side. */
const productStructure: StructureRule<'mul' | 'div'> = (t, c) => {
  const sp = c.split(t.a, t.b);
  if (!sp || (t.op === 'div' && sp.left)) return c.fallback();
  const p = t.op === 'div' ? N.div(N.num(1), sp.p)! : sp.p;
  const inner = c.walk(sp.t);
  const rebuild = (x: Node): Node => (t.op === 'div' ? N.div(x, sp.p)! : sp.left ? N.mul(sp.p, x)! : N.mul(x, sp.p)!);
  if (N.isScalar(p)) return c.each(inner, (s) => ({ ...s, gamma: s.gamma ? N.mul(s.gamma, p)! : p }), rebuild);
  if (N.isScalar(sp.t)) {
    // a scalar tangent ⟨V, dX⟩ times a matrix: an outer term
    return c.each(
      inner,
      (s) => {
        const o = s.kind === 'outer' ? s : c.scalarToOuter(s);
        return o && { ...o, U: N.mul(o.U, p)!, shape: t.shape };
      },
      rebuild,
    );
  }
  return c.each(inner, (s) => c.hadamard(s, p), rebuild);
};

const ewBatch: BatchRule<'add' | 'sub' | 'mul' | 'div'> = (n, v, b) => b.elementwise(n.op, v(n.a), v(n.b));

const bin = (sym: string) => (n: { a: Node; b: Node }, f: { wrap(x: Node, min: number): string }) => {
  const p = sym === '+' || sym === '-' ? PREC.add : PREC.mul;
  return `${f.wrap(n.a, p)} ${sym} ${f.wrap(n.b, p + 1)}`;
};

export const add: OpRecord<'add'> = {
  batch: ewBatch,
  label: () => '+',
  eval: (_n, [a, b]) => broadcast2(a!, b!, (x, y) => x + y),
  jvp: sumRule(1),
  vjp: (n, c, acc) => {
    acc(n.a, N.unbroadcast(c, n.a));
    acc(n.b, N.unbroadcast(c, n.b));
  },
  restricted: never,
  structure: sumStructure(1),
  format: bin('+'),
  prec: () => PREC.add,
};

export const sub: OpRecord<'sub'> = {
  batch: ewBatch,
  label: () => '-',
  eval: (_n, [a, b]) => broadcast2(a!, b!, (x, y) => x - y),
  jvp: sumRule(-1),
  vjp: (n, c, acc) => {
    acc(n.a, N.unbroadcast(c, n.a));
    acc(n.b, N.unbroadcast(N.neg(c), n.b));
  },
  restricted: never,
  structure: sumStructure(-1),
  format: bin('-'),
  prec: () => PREC.add,
};

export const mul: OpRecord<'mul'> = {
  batch: ewBatch,
  label: (n) => n.written ?? (isScalarShape(n.a) || isScalarShape(n.b) ? '*' : '.*'),
  eval: (_n, [a, b]) => broadcast2(a!, b!, (x, y) => x * y),
  jvp: (n, d) => N.add(N.mul(d(n.a), n.b), N.mul(n.a, d(n.b))),
  vjp: (n, c, acc) => {
    acc(n.a, N.unbroadcast(N.mul(c, n.b), n.a));
    acc(n.b, N.unbroadcast(N.mul(n.a, c), n.b));
  },
  restricted: never,
  structure: productStructure,
  format: (n, f) => bin(isScalarShape(n.a) || isScalarShape(n.b) ? '*' : '.*')(n, f),
  prec: () => PREC.mul,
};

export const div: OpRecord<'div'> = {
  batch: ewBatch,
  label: (n) => n.written ?? './',
  eval: (n, [a, b]) => {
    domainCheck(n, n.written ?? './', b!, (x) => x === 0, 'division by zero');
    return broadcast2(a!, b!, (x, y) => x / y);
  },
  // d(a/b) = da/b − (a/b)/b ⊙ db
  jvp: (n, d) => {
    const db = d(n.b);
    return N.sub(N.div(d(n.a), n.b), db && N.mul(N.div(n, n.b), db));
  },
  // f = a/b: ā += c/b, b̄ −= c ⊙ f / b
  vjp: (n, c, acc) => {
    acc(n.a, N.unbroadcast(N.div(c, n.b), n.a));
    acc(n.b, N.unbroadcast(N.neg(N.mul(c, N.div(n, n.b))), n.b));
  },
  restricted: () => true,
  structure: productStructure,
  format: bin('./'),
  prec: () => PREC.mul,
};

export const neg: OpRecord<'neg'> = {
  batch: (n, v, b) => b.scale(v(n.a), -1),
  label: () => '-',
  eval: (_n, [a]) => mapEntries(a!, (x) => -x),
  jvp: (n, d) => N.neg(d(n.a)),
  vjp: (n, c, acc) => acc(n.a, N.neg(c)),
  restricted: never,
  structure: (t, c) => c.negate(c.walk(t.a)),
  format: (n, f) => `-${f.wrap(n.a, PREC.neg)}`,
  prec: () => PREC.neg,
};

/** d(a.^p) = p a.^(p−1) ⊙ da */
const powDerivative = (n: NodeOf<'pow'>): Node | null => N.scaleBy(n.p, N.pow(n.a, n.p - 1));

export const pow: OpRecord<'pow'> = {
  batch: null,
  label: () => '.^',
  eval: (n, [a]) => {
    const p = n.p;
    if (!Number.isInteger(p)) domainCheck(n, '.^', a!, (x) => x < 0, `a negative number to the non-integer power ${p}`);
    if (p < 0) domainCheck(n, '.^', a!, (x) => x === 0, `zero to the negative power ${p}`);
    return p === 2 ? mapEntries(a!, (x) => x * x) : mapEntries(a!, (x) => Math.pow(x, p));
  },
  jvp: (n, d) => N.mul(powDerivative(n), d(n.a)),
  vjp: (n, c, acc) => acc(n.a, N.mul(powDerivative(n), c)),
  restricted: (n) => !Number.isInteger(n.p) || n.p < 0,
  structure: 'dense',
  format: (n, f) => `${f.wrap(n.a, PREC.postfix)}.^${formatNumber(n.p)}`,
  prec: () => PREC.pow,
};

/**
 * max(A, B) entrywise: dF = M ⊙ dA + (1 − M) ⊙ dB with M = (1 + sign(A − B))/2, so a tie splits
 * the derivative equally (as JAX); min swaps the roles (M = (1 − sign(A − B))/2).
 */
function extremumRecord(op: 'max' | 'min', f: (x: number, y: number) => number): OpRecord<'max' | 'min'> {
  const weights = (n: NodeOf<'max' | 'min'>): [Node, Node] => {
    const s = N.scaleBy(op === 'max' ? 0.5 : -0.5, N.fn('sign', N.sub(n.a, n.b)!))!;
    return [N.add(N.num(0.5), s)!, N.sub(N.num(0.5), s)!];
  };
  return {
    batch: null,
    label: () => op,
    eval: (_n, [a, b]) => broadcast2(a!, b!, f),
    jvp: (n, d) => {
      const [ma, mb] = weights(n);
      return N.add(N.mul(ma, N.broadcastTo(d(n.a), n.shape)), N.mul(mb, N.broadcastTo(d(n.b), n.shape)));
    },
    vjp: (n, c, acc) => {
      const [ma, mb] = weights(n);
      acc(n.a, N.unbroadcast(N.mul(ma, c), n.a));
      acc(n.b, N.unbroadcast(N.mul(mb, c), n.b));
    },
    restricted: never,
    structure: 'dense',
    format: (n, fmt) => `${op}(${fmt.text(n.a)}, ${fmt.text(n.b)})`,
    prec: () => PREC.atom,
  };
}

export const max = extremumRecord('max', Math.max);
export const min = extremumRecord('min', Math.min);

/** A.^B with B an expression: d(A.^B) = B ⊙ A.^(B−1) ⊙ dA + A.^B ⊙ log A ⊙ dB. */
function epowNode(a: Node, b: Node): Node {
  return { op: 'epow', a, b, shape: a.shape[0] * a.shape[1] >= b.shape[0] * b.shape[1] ? a.shape : b.shape };
}
/** log A where the exponent varies (its message names '.^': the power needs a positive base there). */
const logBase = (n: NodeOf<'epow'>): Node => ({ ...N.fn('log', n.a), written: n.written ?? '.^' });

export const epow: OpRecord<'epow'> = {
  batch: null,
  label: (n) => n.written ?? '.^',
  eval: (n, [a, b]) => {
    const label = n.written ?? '.^';
    // undefined entries: a negative base to a non-integer power, zero to a negative power
    const bad = broadcast2(a!, b!, (x, y) => ((x < 0 && !Number.isInteger(y)) || (x === 0 && y < 0) ? 1 : 0));
    domainCheck(n, label, bad, (v) => v === 1, 'a negative base needs an integer exponent, and zero a non-negative one');
    return broadcast2(a!, b!, Math.pow);
  },
  jvp: (n, d) => {
    const db = d(n.b);
    const da = N.broadcastTo(d(n.a), n.shape);
    const ta = da && N.mul(N.mul(n.b, epowNode(n.a, N.sub(n.b, N.num(1))!)), da);
    return N.add(ta, db && N.mul(N.mul(n, logBase(n)), N.broadcastTo(db, n.shape)));
  },
  vjp: (n, c, acc) => {
    acc(n.a, N.unbroadcast(N.mul(c, N.mul(n.b, epowNode(n.a, N.sub(n.b, N.num(1))!))), n.a));
    acc(n.b, N.unbroadcast(N.mul(c, N.mul(n, logBase(n))), n.b));
  },
  restricted: () => true,
  structure: 'dense',
  format: (n, f) => `${f.wrap(n.a, PREC.postfix)}${n.written === '^' ? '^' : '.^'}${f.wrap(n.b, PREC.postfix)}`,
  prec: () => PREC.pow,
};

/** σ(A) entry by entry, from the table of elementwise functions. */
export const fn: OpRecord<'fn'> = {
  batch: null,
  label: (n) => n.fn,
  eval: (n, [a]) => {
    const r = unaryRule(n.fn);
    if (r.domain) domainCheck(n, n.fn, a!, r.domain.bad, r.domain.need);
    return mapEntries(a!, r.f);
  },
  jvp: (n, d) => N.mul(unaryRule(n.fn).df(n.a, n), d(n.a)),
  vjp: (n, c, acc) => acc(n.a, N.mul(unaryRule(n.fn).df(n.a, n), c)),
  restricted: (n) => unaryRule(n.fn).domain !== undefined,
  structure: 'dense',
  format: (n, f) => `${n.fn}(${f.text(n.a)})`,
  prec: () => PREC.atom,
};
