/**
 * The op records (DESIGN.md §3): one per op of the typed IR. `expr/` (evaluation, text),
 * `diff/` (forward and reverse rules, structured terms) and `plan/` (domain checks) walk this
 * table instead of switching on names; `OpTable` makes a missing rule a compile error.
 */
import type { Node, NodeOp } from '../expr/ast.js';
import { add, div, epow, fn, max, min, mul, neg, pow, sub } from './elementwise.js';
import { adj, det, expm, expmFrechet, inv, logdet, logsumexp, norm, softmax, solve, sum, tr } from './matrix.js';
import { concat, constant, gather, kron, matmul, transpose, variable } from './structural.js';
import type { OpRecord, OpTable } from './types.js';

export const OPS: OpTable = {
  var: variable,
  const: constant,
  add,
  sub,
  mul,
  div,
  max,
  min,
  matmul,
  neg,
  transpose,
  pow,
  fn,
  epow,
  logsumexp,
  adj,
  expm,
  expmFrechet,
  gather,
  concat,
  kron,
  tr,
  sum,
  norm,
  det,
  logdet,
  inv,
  solve,
  softmax,
};

/** The record of a node's op (the table is indexed by the node's own op, so the cast is exact). */
export const opOf = (n: Node): OpRecord<NodeOp> => OPS[n.op] as unknown as OpRecord<NodeOp>;

export { UNARY, UNARY_FNS, isUnaryFn, type UnaryFn, type UnaryRule } from './unary.js';
export type { OpRecord, OpTable } from './types.js';
