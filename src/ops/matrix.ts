/**
 * Matrix functions and reductions of the typed IR (DESIGN.md §1):
 *   d tr X = tr dX     d sum X = sum dX     d‖X‖_F = ⟨X, dX⟩/‖X‖_F
 *   d|X| = |X| tr(X⁻¹dX)     d log|X| = tr(X⁻¹dX)     d(X⁻¹) = −X⁻¹ dX X⁻¹
 *   softmax (column-wise): ds = s⊙dz − s ⊙ (1 1ᵀ (s⊙dz))
 * Reverse rules by the trace trick: (log|X|)‾ = c̄ X⁻ᵀ, (X⁻¹)‾ = −X⁻ᵀ C̄ X⁻ᵀ.
 */
import { DomainError, SingularMatrixError } from '../errors.js';
import type { Node, NodeOf } from '../expr/ast.js';
import { softmaxCols } from '../mat/elementwise.js';
import { adj as adjKernel } from '../mat/adj.js';
import { expm as expmKernel, expmFrechet as expmFrechetKernel, expmFrechetKron } from '../mat/expm.js';
import { det as detKernel, inv as invKernel, logdet as logdetKernel, solve as solveKernel } from '../mat/lu.js';
import { Mat } from '../mat/mat.js';
import { frobenius, sumAll, trace } from '../mat/ops.js';
import type { StructureRule } from '../diff/terms.js';
import { locate } from './domain.js';
import { blockMap } from './structural.js';
import * as N from './nodes.js';
import { PREC, never, type OpRecord } from './types.js';

const call = (n: { op: string; a: Node }, f: { text(x: Node): string }): string => `${n.op}(${f.text(n.a)})`;
const atom = (): number => PREC.atom;

/** tr(S ⊙ A Y B) = ⟨(B Dg(S) A)ᵀ, Y⟩,  sum(S ⊙ A Y B) = ⟨Aᵀ S Bᵀ, Y⟩  (Y = C ⊙ dX⁽ᵀ⁾) */
const reduceStructure: StructureRule<'tr' | 'sum'> = (t, c) =>
  c.each(
    c.walk(t.a),
    (s) => {
      if (s.kind === 'outer') return { ...s, U: N.reduce(t.op, s.U)!, shape: [1, 1] };
      const inner = c.innerShape(s);
      if (t.op === 'tr' && (s.shape[0] !== inner[0] || s.shape[1] !== inner[1])) return null;
      const W =
        t.op === 'tr'
          ? N.transpose(c.product([s.B, s.S && N.diagPart(s.S), s.A]) ?? N.eye(inner[0]))!
          : c.product([N.transpose(s.A), s.S ?? N.ones(inner[0], inner[1]), N.transpose(s.B)])!;
      return c.outerFromW(s, W);
    },
    (x) => N.reduce(t.op, x)!,
  );

export const tr: OpRecord<'tr'> = {
  batch: (n, v, b) => {
    const k = n.a.shape[0];
    return b.sumAll(b.gather(v(n.a), Int32Array.from({ length: k }, (_, i) => i * (k + 1)), k, 1));
  },
  label: () => 'tr',
  eval: (_n, [a]) => Mat.scalar(trace(a!)),
  jvp: (n, d) => N.reduce('tr', d(n.a)),
  vjp: (n, c, acc) => acc(n.a, N.mul(c, N.eye(n.a.shape[0]))),
  restricted: never,
  structure: reduceStructure,
  format: call,
  prec: atom,
};

export const sum: OpRecord<'sum'> = {
  batch: (n, v, b) => b.sumAll(v(n.a)),
  label: () => 'sum',
  eval: (_n, [a]) => Mat.scalar(sumAll(a!)),
  jvp: (n, d) => N.reduce('sum', d(n.a)),
  vjp: (n, c, acc) => acc(n.a, N.mul(c, N.ones(n.a.shape[0], n.a.shape[1]))),
  restricted: never,
  structure: reduceStructure,
  format: call,
  prec: atom,
};

export const norm: OpRecord<'norm'> = {
  batch: null,
  label: () => 'norm',
  eval: (_n, [a]) => Mat.scalar(frobenius(a!)),
  // d‖a‖ = ⟨a/‖a‖, da⟩
  jvp: (n, d) => N.reduce('sum', N.mul(N.div(n.a, n), d(n.a))),
  vjp: (n, c, acc) => acc(n.a, N.mul(c, N.div(n.a, n))),
  restricted: never,
  structure: 'dense',
  format: call,
  prec: atom,
};

const adjNode = (a: Node): Node => ({ op: 'adj', a, shape: a.shape });

export const det: OpRecord<'det'> = {
  batch: null,
  label: () => 'det',
  eval: (n, [a]) => Mat.scalar(locate(n, 'det', () => detKernel(a!))),
  // d|a| = tr(adj(a) da), at singular a too (= |a| tr(a⁻¹ da) where a is nonsingular)
  jvp: (n, d) => N.reduce('tr', N.matmul(adjNode(n.a), d(n.a))),
  // X̄ += c̄ adj(X)ᵀ
  vjp: (n, c, acc) => acc(n.a, N.mul(c, N.transpose(adjNode(n.a)))),
  restricted: never,
  structure: 'dense',
  format: call,
  prec: atom,
};

export const logdet: OpRecord<'logdet'> = {
  batch: null,
  label: () => 'logdet',
  eval: (n, [a]) =>
    Mat.scalar(
      locate(n, 'logdet', () => {
        try {
          return logdetKernel(a!);
        } catch (err) {
          // det X = 0: log undefined there
          if (err instanceof SingularMatrixError) throw new DomainError(`needs det X > 0, but X is singular: ${err.message}`);
          throw err;
        }
      }),
    ),
  jvp: (n, d) => N.reduce('tr', N.matmul(N.inv(n.a), d(n.a))),
  vjp: (n, c, acc) => acc(n.a, N.mul(c, N.transpose(N.inv(n.a)))),
  restricted: () => true,
  structure: 'dense',
  format: call,
  prec: atom,
};

export const inv: OpRecord<'inv'> = {
  batch: null,
  label: (n) => n.written ?? 'inv',
  eval: (n, [a]) => locate(n, n.written ?? 'inv', () => invKernel(a!)),
  // d(a⁻¹) = −a⁻¹ da a⁻¹
  jvp: (n, d) => N.neg(N.matmul(N.matmul(n, d(n.a)), n)),
  vjp: (n, c, acc) => {
    const ft = N.transpose(n);
    acc(n.a, N.neg(N.matmul(N.matmul(ft, c), ft)));
  },
  restricted: () => true,
  structure: 'dense',
  format: call,
  prec: atom,
};

/**
 * F = A⁻¹B by a solve: dF = A⁻¹(dB − dA·F); B̄ = A⁻ᵀ C̄, Ā = −B̄ Fᵀ. (The rules use the primal
 * A⁻¹, so tangents stay products that batch and read as Kronecker terms.)
 */
export const solve: OpRecord<'solve'> = {
  batch: null,
  label: (n) => n.written ?? '\\',
  eval: (n, [a, b]) => locate(n, n.written ?? '\\', () => solveKernel(a!, b!)),
  jvp: (n, d) => N.matmul(N.inv(n.a), N.sub(d(n.b), N.matmul(d(n.a), n))),
  vjp: (n, c, acc) => {
    const bbar = N.matmul(N.transpose(N.inv(n.a)), c);
    acc(n.b, bbar);
    acc(n.a, N.neg(N.matmul(bbar, N.transpose(n))));
  },
  restricted: () => true,
  structure: 'dense',
  format: (n, f) => `${f.wrap(n.a, PREC.mul)} \\ ${f.wrap(n.b, PREC.mul + 1)}`,
  prec: () => PREC.mul,
};

/**
 * adj(A) = det(A)·A⁻¹: d adj = tr(adj dA)·A⁻¹ − adj dA A⁻¹ (so its own derivative, e.g. a
 * Hessian of det, needs A nonsingular); Ā = ⟨C̄, A⁻¹⟩ adjᵀ − adjᵀ C̄ A⁻ᵀ.
 */
export const adj: OpRecord<'adj'> = {
  batch: null,
  label: () => 'adj',
  eval: (n, [a]) => locate(n, 'adj', () => adjKernel(a!)),
  jvp: (n, d) => {
    const da = d(n.a);
    const ai = { ...N.inv(n.a), written: 'adj' };
    return N.sub(N.mul(N.reduce('tr', N.matmul(n, da)), ai), N.matmul(N.matmul(n, da), ai));
  },
  vjp: (n, c, acc) => {
    const ait = N.transpose({ ...N.inv(n.a), written: 'adj' })!;
    const ft = N.transpose(n)!;
    acc(n.a, N.sub(N.mul(N.reduce('sum', N.mul(c, N.transpose(ait))), ft), N.matmul(N.matmul(ft, c), ait)));
  },
  restricted: never,
  structure: 'dense',
  format: call,
  prec: atom,
};

/** L(A, B) as a node. */
const frechet = (a: Node, b: Node | null): Node | null => b && { op: 'expmFrechet', a, b, shape: a.shape };

/** [A B; C D] of four n×n blocks (null: zeros). */
function blocks2(a: Node | null, b: Node | null, c: Node | null, d: Node | null, n: number): Node | null {
  const s: [number, number] = [n, n];
  return N.concat(
    [
      [a, b],
      [c, d],
    ],
    [
      [s, s],
      [s, s],
    ],
  );
}

/** Block (r, c) ∈ {0, 1}² of a 2n×2n node. */
const block = (x: Node | null, r: number, c: number, n: number): Node | null => N.gather(x, blockMap(2 * n, r * n, c * n, n, n), n, n);

/**
 * e^A: d e^A = L(A, dA) (the Fréchet derivative), and the adjoint of L(A, ·) is L(Aᵀ, ·), so
 * Ā += L(Aᵀ, C̄).
 */
export const expm: OpRecord<'expm'> = {
  batch: null,
  label: () => 'expm',
  eval: (_n, [a]) => expmKernel(a!),
  jvp: (n, d) => frechet(n.a, d(n.a)),
  vjp: (n, c, acc) => acc(n.a, frechet(N.transpose(n.a)!, c)),
  restricted: never,
  structure: 'dense',
  format: call,
  prec: atom,
};

/**
 * L(A, B) = [I 0] e^{[A B; 0 A]} [0; I]: so dL = [I 0] L([A B; 0 A], [dA dB; 0 dA]) [0; I], and the
 * adjoints follow from e^M's: M̄ = L(Mᵀ, [0 C̄; 0 0]), Ā = M̄₁₁ + M̄₂₂, B̄ = M̄₁₂ = L(Aᵀ, C̄).
 * In a batch (B the seed) it is the product K(A)·vec(B), with K(A) the n²×n² Kronecker form.
 */
export const expmFrechet: OpRecord<'expmFrechet'> = {
  batch: (n, v, b, primal) => {
    const k = n.shape[0];
    const K = b.upload(expmFrechetKron(primal(n.a)));
    const flat = b.gather(v(n.b), identityIdx(k * k), k * k, 1);
    const out = b.gather(b.matmul(K, flat), identityIdx(k * k), k, k);
    b.dispose(K);
    b.dispose(flat);
    return out;
  },
  label: () => 'expm',
  eval: (_n, [a, b]) => expmFrechetKernel(a!, b!),
  jvp: (n, d) => {
    const k = n.shape[0];
    const da = d(n.a);
    if (!da) return frechet(n.a, d(n.b));
    const M = blocks2(n.a, n.b, null, n.a, k)!;
    return block(frechet(M, blocks2(da, d(n.b), null, da, k)), 0, 1, k);
  },
  vjp: (n, c, acc) => {
    const k = n.shape[0];
    acc(n.b, frechet(N.transpose(n.a)!, c));
    const Mt = blocks2(N.transpose(n.a), null, N.transpose(n.b), N.transpose(n.a), k)!;
    const Mbar = frechet(Mt, blocks2(null, c, null, null, k));
    acc(n.a, N.add(block(Mbar, 0, 0, k), block(Mbar, 1, 1, k)));
  },
  restricted: never,
  structure: 'dense',
  format: (n, f) => `expmFrechet(${f.text(n.a)}, ${f.text(n.b)})`,
  prec: atom,
};

const identityIdx = (size: number): Int32Array => Int32Array.from({ length: size }, (_, k) => k);

/** Entries of exp(a − lse(a)) (the softmax of all entries): d lse = ⟨W, da⟩. */
const lseWeights = (n: NodeOf<'logsumexp'>): Node => N.fn('exp', N.sub(n.a, n)!);

export const logsumexp: OpRecord<'logsumexp'> = {
  batch: null,
  label: () => 'logsumexp',
  eval: (_n, [a]) => {
    const d = a!.data;
    let mx = -Infinity;
    for (let k = 0; k < d.length; k++) mx = Math.max(mx, d[k]!);
    let s = 0;
    for (let k = 0; k < d.length; k++) s += Math.exp(d[k]! - mx);
    return Mat.scalar(mx + Math.log(s));
  },
  jvp: (n, d) => N.reduce('sum', N.mul(lseWeights(n), d(n.a))),
  vjp: (n, c, acc) => acc(n.a, N.mul(c, lseWeights(n))),
  restricted: never,
  structure: 'dense',
  format: call,
  prec: atom,
};

/** Column-wise: s⊙g − s ⊙ (1 1ᵀ (s⊙g)), the softmax Jacobian applied to g (it is symmetric). */
function softmaxApply(n: NodeOf<'softmax'>, g: Node | null): Node | null {
  const sg = N.mul(n, g);
  const p = n.shape[0];
  return N.sub(sg, N.mul(n, N.matmul(N.ones(p, 1), N.matmul(N.ones(1, p), sg))));
}

export const softmax: OpRecord<'softmax'> = {
  batch: null,
  label: () => 'softmax',
  eval: (_n, [a]) => softmaxCols(a!),
  jvp: (n, d) => softmaxApply(n, d(n.a)),
  vjp: (n, c, acc) => acc(n.a, softmaxApply(n, c)),
  restricted: never,
  structure: 'dense',
  format: call,
  prec: atom,
};
