/**
 * Expressions: text → `Ast` (parse) or TypeScript → `Ast` (the builder, exported as the `expr`
 * namespace so its `vec`, `kron`, `inv`… never clash with the numeric kernels), `Ast` → typed
 * `Node` (check: shapes, located errors), `Node` → `Mat` (the CPU float64 evaluator).
 */
export * from './ast.js';
export { parse, formatAst, formatNumber, isFnName } from './parse.js';
export { check, constValue, freeVars, formatNode, children, type ShapeEnv } from './check.js';
export { evaluateNode, evaluateExpr, checkEnv, softmaxCols, sigmoidScalar } from './eval.js';
export { E, toAst, sym, syms, num, stripPos, type Operand, type ExprLike } from './build.js';
export * as expr from './build.js';
