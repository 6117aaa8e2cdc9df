/**
 * The elementwise functions of the grammar, one entry each: the float64 map, the derivative as
 * an expression, and the domain. Everything else (parsing, shape rule, evaluation, forward and
 * reverse rules, the structured term `diag(vec f'(A))`, domain checks before a derivative) is
 * derived from this table, so a new function is one entry here (DESIGN.md §1: dσ(X) = σ'(X)⊙dX).
 */
import type { Node } from '../expr/ast.js';
import { sigmoidScalar } from '../mat/elementwise.js';
import { Mat } from '../mat/mat.js';
import * as N from './nodes.js';

export interface UnaryRule {
  /** f(x) of one entry, float64. */
  readonly f: (x: number) => number;
  /** f′(a) as an expression of the argument `a` and the node `y = f(a)` (reused where f′ needs it). */
  readonly df: (a: Node, y: Node) => Node;
  /** Where f is undefined: the test on an entry and what the function needs (for the DomainError). */
  readonly domain?: { readonly bad: (x: number) => boolean; readonly need: string };
}

const one = (): Node => N.num(1);

export const UNARY = {
  exp: { f: Math.exp, df: (_a, y) => y },
  log: { f: Math.log, df: (a) => N.div(one(), a)!, domain: { bad: (x) => !(x > 0), need: 'log needs positive entries' } },
  sin: { f: Math.sin, df: (a: Node): Node => N.fn('cos', a) },
  cos: { f: Math.cos, df: (a: Node): Node => N.neg(N.fn('sin', a))! },
  // tan′ = 1 + tan², sinh′ = cosh, cosh′ = sinh, atan′ = 1/(1 + x²)
  tan: { f: Math.tan, df: (_a, y) => N.add(one(), N.mul(y, y))! },
  sinh: { f: Math.sinh, df: (a: Node): Node => N.fn('cosh', a) },
  cosh: { f: Math.cosh, df: (a: Node): Node => N.fn('sinh', a) },
  atan: { f: Math.atan, df: (a) => N.div(one(), N.add(one(), N.mul(a, a))!)! },
  tanh: { f: Math.tanh, df: (_a, y) => N.sub(one(), N.mul(y, y))! },
  sigmoid: { f: sigmoidScalar, df: (_a, y) => N.mul(y, N.sub(one(), y))! },
  sqrt: { f: Math.sqrt, df: (_a, y) => N.div(N.num(0.5), y)!, domain: { bad: (x) => x < 0, need: 'sqrt needs non-negative entries' } },
  // the one-sided convention at the kink (as JAX): sign(0) = 0, so d|x| = 0 at x = 0
  abs: { f: Math.abs, df: (a: Node): Node => N.fn('sign', a) },
  // relu′(0) = 0, as JAX's relu (whose derivative at 0 is defined as 0): relu′(a) = sign(relu(a))
  relu: { f: (x) => (x > 0 ? x : 0), df: (_a: Node, y: Node): Node => N.fn('sign', y) },
  sign: { f: Math.sign, df: (a) => N.constant(Mat.zeros(a.shape[0], a.shape[1])) },
} as const satisfies Record<string, UnaryRule>;

/**
 * Elementwise functions (applied entry by entry): the keys of the table. (A derivative that
 * calls another function of the table, like sin's cos, annotates its parameter and result types.)
 */
export type UnaryFn = keyof typeof UNARY;
export const UNARY_FNS = Object.keys(UNARY) as readonly UnaryFn[];

export const isUnaryFn = (s: string): s is UnaryFn => Object.prototype.hasOwnProperty.call(UNARY, s);

export const unaryRule = (fn: UnaryFn): UnaryRule => UNARY[fn];
