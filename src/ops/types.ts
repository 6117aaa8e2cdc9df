/**
 * The shape of an op record: everything the engine knows about one op of the typed IR, in one
 * place. `OpTable` is a mapped type over the op names, so an op without a rule is a compile
 * error (as jax-js types `jvpRules: { [P in Primitive]: JvpRule<P> }`).
 */
import type { Node, NodeOf, NodeOp } from '../expr/ast.js';
import type { Mat } from '../mat/mat.js';
import type { StructureRule } from '../diff/terms.js';
import type { Backend, Tensor } from '../backend/backend.js';

/** Tangent of an operand (null: identically zero, the operand does not depend on X). */
export type Tangent = (operand: Node) => Node | null;
/** Adds a cotangent contribution to an operand (null contributions are ignored). */
export type Accumulate = (operand: Node, ct: Node | null) => void;

/** Precedence levels of the text form (tightest last), shared by Ast and Node formatting. */
export const PREC = { add: 1, mul: 2, neg: 3, pow: 4, postfix: 5, atom: 6 } as const;

/** A number as the grammar reads it back (−0 prints as 0). */
export function formatNumber(v: number): string {
  if (Object.is(v, -0)) return '0';
  return String(v);
}

export interface FormatCtx {
  /** The operand's text, parenthesised unless its precedence is at least `min`. */
  wrap(x: Node, min: number): string;
  /** The operand's text. */
  text(x: Node): string;
}

/**
 * How an op whose operands may carry the seed batch (forward: the mn unit tangents, reverse: the
 * pq unit cotangents) runs on a backend; `val` gives the operands' tensors.
 */
export type BatchRule<K extends NodeOp> = (n: NodeOf<K>, val: (x: Node) => Tensor, b: Backend, primal: (x: Node) => Mat) => Tensor;

export interface OpRecord<K extends NodeOp> {
  /** The name as the user wrote it, for messages (`sqrt`, `norm`, `./`). */
  readonly label: (n: NodeOf<K>) => string;
  /** float64 value from the operands' values (in `children` order); domain errors are located at `n.pos`. */
  readonly eval: (n: NodeOf<K>, x: readonly Mat[]) => Mat;
  /** Forward rule: dF from the operands' tangents (DESIGN.md §1 differentials). */
  readonly jvp: (n: NodeOf<K>, d: Tangent) => Node | null;
  /** Reverse rule: the transpose of `jvp` by the trace trick, given the cotangent `c` of `n`. */
  readonly vjp: (n: NodeOf<K>, c: Node, acc: Accumulate) => void;
  /** Whether evaluating `n` checks a restricted domain (checked before any derivative is returned). */
  readonly restricted: (n: NodeOf<K>) => boolean;
  /** How a tangent rooted at this op reads as Kronecker/outer terms; 'dense' leaves it to forward mode. */
  readonly structure: StructureRule<K> | 'dense';
  /**
   * Batched evaluation on a backend, for the ops that derivative expressions use linearly in the
   * seed; null for the others (they only ever appear as primal values, computed in float64).
   */
  readonly batch: BatchRule<K> | null;
  /** Text form (MATLAB-like) and its precedence. */
  readonly format: (n: NodeOf<K>, f: FormatCtx) => string;
  readonly prec: (n: NodeOf<K>) => number;
}

export type OpTable = { readonly [K in NodeOp]: OpRecord<K> };

/** For ops whose evaluation never checks a domain. */
export const never = (): false => false;
