import type { Shape } from '../errors.js';
import type { Mat } from '../mat/mat.js';

/**
 * Two layers:
 * - `Ast`: syntax, as written (by the string parser or the TypeScript builder), with source
 *   positions for error messages. No shapes yet.
 * - `Node`: the typed IR that `check(ast, shapes)` produces. Every node knows its shape; `*` is
 *   resolved into a true matrix product or a scalar broadcast; `X^k` is expanded into products;
 *   indexing, `diag` and `vec` become `gather`. The derivative engine works on `Node`s only.
 */

import type { UnaryFn } from '../ops/unary.js';
import type { FnName } from '../ops/functions.js';

/** Elementwise functions (the unary table of src/ops) and every function name of the grammar. */
export type { UnaryFn, FnName };
export { UNARY_FNS } from '../ops/unary.js';
export { FN_NAMES } from '../ops/functions.js';

/** `pos`: 0-based offset into the source text (absent for builder-made nodes). */
export type Ast =
  | { kind: 'name'; name: string; pos?: number }
  | { kind: 'num'; value: number; pos?: number }
  /** `/` and `\` are MATLAB's right and left division: `A/B = A·B⁻¹`, `A\B = A⁻¹B` (by a solve). */
  | { kind: 'binary'; op: '+' | '-' | '*' | '.*' | './' | '/' | '\\' | '.^' | '^'; a: Ast; b: Ast; pos?: number }
  | { kind: 'neg'; a: Ast; pos?: number }
  | { kind: 'transpose'; a: Ast; pos?: number }
  /** 1-based MATLAB indexing: `x(i)` (linear, column-major) or `X(i, j)`; indices are numeric literals. */
  | { kind: 'index'; a: Ast; i: number; j?: number; pos?: number }
  /**
   * General MATLAB indexing `X(I)`, `X(I, J)`: each index is `:`, one constant, or a range
   * `lo:hi` / `lo:step:hi`; constants may use `end` (the size of that dimension) and arithmetic.
   * (Plain numeric literals parse as `index`.)
   */
  | { kind: 'slice'; a: Ast; specs: IndexSpec[]; pos?: number }
  /** `end` inside an index. */
  | { kind: 'end'; pos?: number }
  /** `[a, b; c, d]`: rows of blocks. */
  | { kind: 'concat'; rows: Ast[][]; pos?: number }
  | { kind: 'call'; fn: FnName; args: Ast[]; pos?: number };

/** One index of a `slice`: `:`, one value, or a range (its parts are constant expressions, possibly with `end`). */
export type IndexSpec = { kind: 'all' } | { kind: 'one'; at: Ast } | { kind: 'range'; lo: Ast; step?: Ast; hi: Ast };

/** Elementwise binary ops of the typed IR; either operand may be 1×1 (a scalar broadcast). */
export type EwOp = 'add' | 'sub' | 'mul' | 'div';

/**
 * `written`: the operator or function as the user wrote it, where the node is a rewrite of it
 * (`X/2` is a `div`, `A/B` a `solve`), so messages name what was written.
 */
export type Node = { readonly shape: Shape; readonly pos?: number; readonly written?: string } & (
  | { readonly op: 'var'; readonly name: string }
  /** A constant matrix (numbers are 1×1 constants). */
  | { readonly op: 'const'; readonly value: Mat }
  /** Elementwise `a ∘ b` with scalar broadcasting: add, sub, mul (Hadamard, or scalar·matrix), div. */
  | { readonly op: EwOp; readonly a: Node; readonly b: Node }
  /** Entrywise maximum / minimum with scalar broadcasting (ties split the derivative equally). */
  | { readonly op: 'max' | 'min'; readonly a: Node; readonly b: Node }
  /** True matrix product (inner dimensions agree, neither operand a broadcast scalar). */
  | { readonly op: 'matmul'; readonly a: Node; readonly b: Node }
  | { readonly op: 'neg'; readonly a: Node }
  | { readonly op: 'transpose'; readonly a: Node }
  /** Elementwise power with a numeric exponent (`.^`, and `^` of a scalar). */
  | { readonly op: 'pow'; readonly a: Node; readonly p: number }
  | { readonly op: 'fn'; readonly fn: UnaryFn; readonly a: Node }
  /** Entrywise power with an expression exponent `A.^B` (either may be 1×1, broadcast). */
  | { readonly op: 'epow'; readonly a: Node; readonly b: Node }
  /** The adjugate adj(A) = det(A)·A⁻¹ where A is nonsingular, its cofactors' transpose always. */
  | { readonly op: 'adj'; readonly a: Node }
  /** The matrix exponential e^A (A square). */
  | { readonly op: 'expm'; readonly a: Node }
  /** Its Fréchet derivative L(A, B), linear in B: the top-right block of e^{[A B; 0 A]}. */
  | { readonly op: 'expmFrechet'; readonly a: Node; readonly b: Node }
  /** log Σ exp(a_ij), with the maximum subtracted first. */
  | { readonly op: 'logsumexp'; readonly a: Node }
  /**
   * Selection: `vec(out)[k] = idx[k] >= 0 ? vec(a)[idx[k]] : 0`. Indexing, `diag` (both ways) and
   * `vec` are gathers; the output shape is `shape`.
   */
  | { readonly op: 'gather'; readonly a: Node; readonly idx: Int32Array }
  | { readonly op: 'concat'; readonly blocks: readonly (readonly Node[])[] }
  | { readonly op: 'kron'; readonly a: Node; readonly b: Node }
  /** Scalar-valued reductions of a matrix. `norm` is the Frobenius norm. */
  | { readonly op: 'tr' | 'sum' | 'norm' | 'det' | 'logdet'; readonly a: Node }
  | { readonly op: 'inv'; readonly a: Node }
  /** `A⁻¹B` by an LU solve (A square): MATLAB's `A\B`, and `A/B = (Bᵀ\Aᵀ)ᵀ`. */
  | { readonly op: 'solve'; readonly a: Node; readonly b: Node }
  /** Column-wise softmax. */
  | { readonly op: 'softmax'; readonly a: Node }
);

export type NodeOp = Node['op'];
/**
 * The node variant(s) for op K. (Not a plain `Extract<Node, { op: K }>`: variants whose `op` is a
 * union, like `EwOp` or `'tr' | 'sum' | …`, would be dropped and `NodeOf<'add'>` would be never.)
 */
export type NodeOf<K extends NodeOp> = Node extends infer N ? (N extends { readonly op: infer O } ? (K extends O ? N & { readonly op: K } : never) : never) : never;
