/**
 * matjac: Jacobians and Hessians of matrix functions, assembled from their vec/Kronecker
 * structure, on WebGPU, gpu.js or the CPU. Conventions: DESIGN.md §1 (column-major vec,
 * denominator layout by default).
 */
export { Mat, mulberry32, formatMat, type MatData } from './mat/mat.js';
export {
  vec, unvec, transpose, add, sub, scale, hadamard, divide, map, diag, trace, sumAll, frobenius, relError,
  matmul, kron, commutation, commute, lu, det, slogdet, logdet, inv, solve, expm, adj,
} from './mat/index.js';
export * from './errors.js';
export { parse } from './expr/parse.js';
export { check, formatNode } from './expr/check.js';
export { expr } from './expr/index.js';
export type { Ast, Node } from './expr/ast.js';
export type { ExprLike } from './expr/build.js';
export {
  evaluate, jacobian, grad, derivative, hessian, jvp, vjp, hvp, checkJacobian, explain, jacobianTiles, tiledJacobian,
  type TileOptions, type TiledJacobian, type Bindings, type EvaluateOptions, type DiffOptions, type JacobianOptions, type GradOptions, type JvpOptions, type VjpOptions,
  type HvpOptions, type CheckResult, type JacobianTile,
} from './api.js';
export type { Method, Explanation, ExplainStep } from './plan/plan.js';
export { getBackend, registerBackend, resetBackends, type BackendChoice, type RunReport } from './plan/backends.js';
export type { Backend, BackendName, Layout, Tensor, Term, KronTerm, OuterTerm, JacobianShape, FiniteScan } from './backend/backend.js';
export { CpuBackend } from './backend/cpu/index.js';
export * from './eig/index.js';
export type { Progress, OnProgress } from './plan/tiles.js';
export { toNpy, fromNpy, encodeNpyHeader, parseNpyHeader, type NpyHeader, type NpyDtype, type NpyWriteOptions } from './io/npy.js';
