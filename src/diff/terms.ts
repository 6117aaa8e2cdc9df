import type { Shape } from '../errors.js';
import type { Node, NodeOf, NodeOp } from '../expr/ast.js';
import { Mat } from '../mat/mat.js';
import { opOf } from '../ops/index.js';
import * as N from './nodes.js';

/**
 * Structure extraction: reads a tangent expression (linear in dX, from `linearize`) as a sum of
 * terms of the vec/Kronecker calculus, whose factors are primal expressions:
 *
 *   kron:   dF = α γ · S ⊙ (A (C ⊙ dX⁽ᵀ⁾) B)    J = αγ · diag(vec S) (Bᵀ⊗A) diag(vec C) [K_mn]
 *   outer:  dF = α γ · U ⟨V, dX⟩                J = αγ · vec(U) vec(V)ᵀ
 *   dense:  any other tangent expression, left to forward mode (batched JVP)
 *
 * (γ: a scalar primal expression; null factors are identities / all-ones.) The rules are the
 * identities of the notes: P(A dX B) = (PA) dX B; (A dX B)ᵀ = Bᵀ dXᵀ Aᵀ;
 * tr(A dX B) = ⟨(BA)ᵀ, dX⟩; sum(S ⊙ A dX B) = ⟨Aᵀ S Bᵀ, dX⟩; a scalar tangent times a matrix
 * is an outer term. So `A*X*B` gives the single term B⊗Aᵀ (denominator) with no per-entry work.
 */
export interface KronSym {
  readonly kind: 'kron';
  readonly alpha: number;
  readonly gamma: Node | null;
  readonly A: Node | null;
  readonly B: Node | null;
  readonly C: Node | null;
  readonly S: Node | null;
  readonly transposed: boolean;
  /** Shape of the tangent this term contributes to (A·dX·B may have been reshaped by vec). */
  readonly shape: Shape;
}

export interface OuterSym {
  readonly kind: 'outer';
  readonly alpha: number;
  readonly gamma: Node | null;
  readonly U: Node;
  readonly V: Node;
  readonly shape: Shape;
}

export interface DenseSym {
  readonly kind: 'dense';
  readonly tangent: Node;
}

export type SymTerm = KronSym | OuterSym | DenseSym;

/** The shape of A (C⊙dX⁽ᵀ⁾) B for a kron term over an m×n input. */
export function innerShape(t: KronSym, m: number, n: number): Shape {
  const [r, c] = t.transposed ? [n, m] : [m, n];
  return [t.A ? t.A.shape[0] : r, t.B ? t.B.shape[1] : c];
}

/**
 * The most structured terms one derivative is expanded into. Beyond it (`X^4096`, a product of
 * thousands of factors: one Kronecker term per factor, each with its own products) the tangent
 * is left whole, as one dense term, so the cost stays linear in the expression's size: forward
 * or reverse mode over the shared tangent DAG (O(log k) nodes for X^k).
 */
export const MAX_TERMS = 256;

class TooManyTerms extends Error {}

export function extractTerms(tangent: Node | null, dX: Node, key: (x: Node) => string = () => ''): SymTerm[] {
  if (!tangent) return [];
  const [m, n] = dX.shape;
  const memo = new Map<Node, SymTerm[]>();
  const walk = (t: Node): SymTerm[] => {
    let r = memo.get(t);
    if (!r) {
      r = extract(t, walk, dX, m, n);
      if (r.length > MAX_TERMS) throw new TooManyTerms();
      memo.set(t, r);
    }
    return r;
  };
  let all: SymTerm[];
  try {
    all = walk(tangent);
  } catch (e) {
    if (e instanceof TooManyTerms) return [dense(tangent)];
    throw e;
  }
  const terms = mergeDense(all);
  return mergeTerms(terms.filter((t) => !(t.kind !== 'dense' && t.alpha === 0)), m, n, key);
}

/** All dense terms summed into one tangent expression (one forward-mode pass). */
function mergeDense(terms: SymTerm[]): SymTerm[] {
  const dense = terms.filter((t): t is DenseSym => t.kind === 'dense');
  if (dense.length <= 1) return terms;
  const sum = dense.reduce<Node | null>((s, t) => N.add(s, t.tangent), null)!;
  return [...terms.filter((t) => t.kind !== 'dense'), { kind: 'dense', tangent: sum }];
}

/** The tangent expression a term stands for (used when a rule cannot keep the structure). */
export function termToNode(t: SymTerm, dX: Node): Node {
  if (t.kind === 'dense') return t.tangent;
  let e: Node;
  if (t.kind === 'outer') {
    e = N.mul(N.reduce('sum', N.mul(t.V, dX)), t.U)!;
  } else {
    let x: Node = t.transposed ? N.transpose(dX)! : dX;
    if (t.C) x = N.mul(t.C, x)!;
    if (t.A) x = N.matmul(t.A, x)!;
    if (t.B) x = N.matmul(x, t.B)!;
    if (t.S) x = N.mul(t.S, x)!;
    e = N.reshape(x, t.shape[0], t.shape[1])!;
  }
  if (t.gamma) e = N.mul(t.gamma, e)!;
  return N.scaleBy(t.alpha, e)!;
}

const dense = (tangent: Node): DenseSym => ({ kind: 'dense', tangent });

const same = (a: Shape, b: Shape): boolean => a[0] === b[0] && a[1] === b[1];

/** The primal and the tangent operand of a binary node whose other side does not depend on dX. */
function split(a: Node, b: Node, isTangent: (x: Node) => boolean): { p: Node; t: Node; left: boolean } | null {
  const ta = isTangent(a);
  const tb = isTangent(b);
  if (ta && !tb) return { p: b, t: a, left: false };
  if (tb && !ta) return { p: a, t: b, left: true };
  return null;
}

/**
 * What a structure rule (an op record's `structure`, src/ops) may use: the terms of an operand
 * tangent, the dense fallback, and the term algebra of this module bound to the input's m×n.
 */
export interface StructureCtx {
  readonly dX: Node;
  /** The terms of a tangent subexpression. */
  walk(t: Node): SymTerm[];
  /** Whether a subexpression depends on dX. */
  isTangent(x: Node): boolean;
  /** The node under rule as one dense term (forward mode). */
  fallback(): SymTerm[];
  /** Applies `f` to every structured term; a term it refuses (null), or a dense one, becomes dense `rebuild(term)`. */
  each(terms: SymTerm[], f: (s: KronSym | OuterSym) => SymTerm | null, rebuild: (x: Node) => Node): SymTerm[];
  negate(terms: SymTerm[]): SymTerm[];
  /** The primal and the tangent operand of a binary node whose other side does not depend on dX. */
  split(a: Node, b: Node): { p: Node; t: Node; left: boolean } | null;
  innerShape(s: KronSym): Shape;
  hadamard(s: KronSym | OuterSym, P: Node): SymTerm | null;
  scalarToOuter(s: KronSym): OuterSym | null;
  entryToOuter(s: KronSym, k: number): OuterSym;
  outerFromW(s: KronSym, W: Node): OuterSym;
  /** The matrix product of the non-null factors, in order (null when all are identities). */
  product(factors: (Node | null)[]): Node | null;
}

/** How a tangent rooted at an op of kind K reads as terms. */
export type StructureRule<K extends NodeOp> = (t: NodeOf<K>, c: StructureCtx) => SymTerm[];

function extract(t: Node, walk: (t: Node) => SymTerm[], dX: Node, m: number, n: number): SymTerm[] {
  const dep = N.dependents(t, (dX as { name: string }).name);
  const isTangent = (x: Node): boolean => dep.has(x);
  const fallback = (): SymTerm[] => [dense(t)];
  const rule = opOf(t).structure;
  if (rule === 'dense') return fallback();
  const ctx: StructureCtx = {
    dX,
    walk,
    isTangent,
    fallback,
    each: (terms, f, rebuild) => terms.map((s) => (s.kind !== 'dense' ? f(s) : null) ?? dense(rebuild(termToNode(s, dX)))),
    negate: (terms) => terms.map((s) => (s.kind === 'dense' ? dense(N.neg(s.tangent)!) : { ...s, alpha: -s.alpha })),
    split: (a, b) => split(a, b, isTangent),
    innerShape: (s) => innerShape(s, m, n),
    hadamard: (s, P) => hadamard(s, P, m, n),
    scalarToOuter: (s) => scalarToOuter(s, m, n),
    entryToOuter: (s, k) => entryToOuter(s, k, m, n),
    outerFromW,
    product,
  };
  return rule(t, ctx);
}

/** S ⊙ term, for a primal matrix S of the term's shape. */
function hadamard(s: KronSym | OuterSym, P: Node, m: number, n: number): SymTerm | null {
  if (s.kind === 'outer') return { ...s, U: N.mul(s.U, P)! };
  const inner = innerShape(s, m, n);
  const Pin = N.reshape(P, inner[0], inner[1])!;
  if (!s.A && !s.B && !s.S) {
    // S ⊙ (C ⊙ dX⁽ᵀ⁾) = (S⊙C) ⊙ dX⁽ᵀ⁾: keep it on the input side so later products still fold
    return { ...s, C: s.C ? N.mul(s.C, Pin)! : Pin };
  }
  return { ...s, S: s.S ? N.mul(s.S, Pin)! : Pin };
}

/**
 * ⟨W, Y⟩ with Y = C ⊙ dX⁽ᵀ⁾ as ⟨V, dX⟩: V = W ⊙ C, transposed back when the term reads dXᵀ.
 */
function outerFromW(s: KronSym, W: Node): OuterSym {
  const WC = s.C ? N.mul(W, s.C)! : W;
  return { kind: 'outer', alpha: s.alpha, gamma: s.gamma, U: N.num(1), V: s.transposed ? N.transpose(WC)! : WC, shape: [1, 1] };
}

/** A 1×1 kron term s = S·A (C⊙dX⁽ᵀ⁾) B as ⟨V, dX⟩: W = S·Aᵀ Bᵀ. */
function scalarToOuter(s: KronSym, m: number, n: number): OuterSym | null {
  const inner = innerShape(s, m, n);
  if (inner[0] !== 1 || inner[1] !== 1) return null;
  const At = N.transpose(s.A) ?? N.eye(1);
  const Bt = N.transpose(s.B) ?? N.eye(1);
  let W = N.matmul(At, Bt)!;
  if (s.S) W = N.mul(s.S, W)!;
  return outerFromW(s, W);
}

/** The single entry `vec(term)[k]` as ⟨V, dX⟩: W = S_kl · A(k,:)ᵀ B(:,l)ᵀ. */
function entryToOuter(s: KronSym, k: number, m: number, n: number): OuterSym {
  const inner = innerShape(s, m, n);
  const row = k % inner[0];
  const col = Math.floor(k / inner[0]);
  const rowOfA = s.A ? N.gather(s.A, rowIndices(s.A.shape, row), s.A.shape[1], 1)! : unitCol(inner[0], row);
  const colOfB = s.B ? N.gather(s.B, colIndices(s.B.shape, col), 1, s.B.shape[0])! : unitRow(inner[1], col);
  let W = N.matmul(rowOfA, colOfB)!;
  if (s.S) W = N.mul(N.gather(s.S, Int32Array.of(k), 1, 1)!, W)!;
  return { ...outerFromW(s, W) };
}

/** Indices of row i of A (as a column vector): A(i, :)ᵀ. */
function rowIndices(shape: Shape, i: number): Int32Array {
  return Int32Array.from({ length: shape[1] }, (_, j) => i + j * shape[0]);
}

/** Indices of column j of B (as a row vector): B(:, j)ᵀ. */
function colIndices(shape: Shape, j: number): Int32Array {
  return Int32Array.from({ length: shape[0] }, (_, i) => i + j * shape[0]);
}

function unitCol(size: number, i: number): Node {
  const e = Mat.zeros(size, 1);
  e.data[i] = 1;
  return N.constant(e);
}

function unitRow(size: number, j: number): Node {
  const e = Mat.zeros(1, size);
  e.data[j] = 1;
  return N.constant(e);
}

/** The matrix product of the non-null factors, in order (null when all are identities). */
function product(factors: (Node | null)[]): Node | null {
  return factors.reduce<Node | null>((acc, f) => (f ? (acc ? N.matmul(acc, f) : f) : acc), null);
}

/**
 * Fewer terms, same Jacobian, by bilinearity of ⊗:  α(Bᵀ⊗A) + β(Bᵀ⊗A') = Bᵀ⊗(αA + βA'),
 * likewise for equal A factors, and α vec(U)vec(V)ᵀ + β vec(U)vec(V')ᵀ = vec(U) vec(αV + βV')ᵀ.
 * Each merge removes one pass of factor reads from the fused assembly. Factors are compared by
 * their text (formatNode) and shape, so equal subexpressions built by different rules match.
 */
export function mergeTerms(terms: readonly SymTerm[], m: number, n: number, key: (x: Node) => string): SymTerm[] {
  const k = (x: Node | null): string => (x ? `${x.shape[0]}x${x.shape[1]}:${key(x)}` : 'I');
  const out = [...terms];
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = 0; i < out.length && !changed; i++) {
      for (let j = i + 1; j < out.length && !changed; j++) {
        const merged = mergePair(out[i]!, out[j]!, k, m, n);
        if (merged) {
          out.splice(j, 1);
          out[i] = merged;
          changed = true;
        }
      }
    }
  }
  return out;
}

function mergePair(s: SymTerm, t: SymTerm, k: (x: Node | null) => string, m: number, n: number): SymTerm | null {
  if (s.kind === 'dense' || t.kind === 'dense' || s.kind !== t.kind || k(s.gamma) !== k(t.gamma)) return null;
  if (!same(s.shape, t.shape)) return null;
  const combine = (x: Node | null, a: number, y: Node | null, b: number, size: number): Node => {
    const X = x ?? N.eye(size);
    const Y = y ?? N.eye(size);
    return N.add(N.scaleBy(a, X), N.scaleBy(b, Y))!;
  };
  if (s.kind === 'outer' && t.kind === 'outer') {
    if (k(s.U) === k(t.U)) return { ...s, alpha: 1, V: combine(s.V, s.alpha, t.V, t.alpha, 0) };
    if (k(s.V) === k(t.V)) return { ...s, alpha: 1, U: combine(s.U, s.alpha, t.U, t.alpha, 0) };
    return null;
  }
  if (s.kind !== 'kron' || t.kind !== 'kron') return null;
  if (s.transposed !== t.transposed || k(s.C) !== k(t.C) || k(s.S) !== k(t.S)) return null;
  const inner = innerShape(s, m, n);
  const innerT = innerShape(t, m, n);
  if (!same(inner, innerT)) return null;
  const [r, c] = s.transposed ? [n, m] : [m, n];
  const sameA = k(s.A) === k(t.A);
  const sameB = k(s.B) === k(t.B);
  if (sameA && sameB) return { ...s, alpha: s.alpha + t.alpha };
  // A: p×r (identity needs p = r), B: c×q
  if (sameB) return { ...s, alpha: 1, A: combine(s.A, s.alpha, t.A, t.alpha, r) };
  if (sameA) return { ...s, alpha: 1, B: combine(s.B, s.alpha, t.B, t.alpha, c) };
  return null;
}
