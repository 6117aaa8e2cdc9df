/**
 * Shared helpers for the derivative suites: closeness checks with readable failures, closed-form
 * building blocks computed with the CPU kernels only (never with the derivative engine), and a
 * "every method, both layouts" driver.
 */
import { expect } from 'vitest';
import { Mat, relError, transpose, jacobian, grad, type ExprLike, type Bindings } from '../../src/index.js';

export const EXACT_TOL = 1e-9;
export const FD_TOL = 1e-6;
export const EXACT_METHODS = ['structured', 'forward', 'reverse'] as const;
export type Exact = (typeof EXACT_METHODS)[number];

/** Relative Frobenius error of `got` against `want`; shapes must agree. */
export function expectClose(got: Mat, want: Mat, tol: number, what = ''): void {
  expect([got.rows, got.cols], `${what}: shape`).toEqual([want.rows, want.cols]);
  expect(got.data, `${what}: CPU results are float64`).toBeInstanceOf(Float64Array);
  const e = relError(got, want);
  if (!(e <= tol)) {
    throw new Error(`${what}: relative error ${e} > ${tol}\ngot  = ${got.toString({ maxRows: 16, maxCols: 16 })}\nwant = ${want.toString({ maxRows: 16, maxCols: 16 })}`);
  }
}

/** Column-major m×n matrix from a flat vec. */
export const unvecOf = (v: Mat, m: number, n: number): Mat => Mat.fromColumnMajor(m, n, Float64Array.from(v.data));
/** vec(X) as an mn×1 column. */
export const vecOf = (X: Mat): Mat => Mat.fromColumnMajor(X.size, 1, Float64Array.from(X.data));
/** diag(v) for a vector (any shape) as a square matrix. */
export function diagOf(v: Mat): Mat {
  const k = v.size;
  const D = Mat.zeros(k, k);
  for (let i = 0; i < k; i++) D.data[i + i * k] = v.data[i]!;
  return D;
}
/** A well-conditioned n×n matrix: random entries in [-1, 1) plus n·I (so det > 0 as well). */
export const wellConditioned = (n: number, seed: number): Mat => {
  const X = Mat.random(n, n, { seed });
  for (let i = 0; i < n; i++) X.data[i + i * n]! += n;
  return X;
};
/** Entrywise map. */
export function emap(X: Mat, f: (x: number) => number): Mat {
  const out = Mat.zeros(X.rows, X.cols);
  for (let k = 0; k < X.size; k++) out.data[k] = f(X.data[k]!);
  return out;
}
/** Sum of matrices of one shape. */
export function plus(...Ms: Mat[]): Mat {
  const out = Mat.zeros(Ms[0]!.rows, Ms[0]!.cols);
  for (const M of Ms) for (let k = 0; k < out.size; k++) out.data[k]! += M.data[k]!;
  return out;
}
/** Σ a_k b_k over the column-major entries. */
export function dot(a: Mat, b: Mat): number {
  let s = 0;
  for (let k = 0; k < a.size; k++) s += a.data[k]! * b.data[k]!;
  return s;
}
export function times(s: number, M: Mat): Mat {
  return emap(M, (x) => s * x);
}

export interface AllMethodsOpts {
  readonly wrt?: string;
  readonly at: Bindings;
  /** Methods expected to be exact (default structured, forward, reverse; plus auto always). */
  readonly methods?: readonly Exact[];
  readonly tol?: number;
  readonly fdTol?: number;
}

/**
 * The Jacobian of `e` in both layouts, by auto + every exact method (≤ tol) and by central
 * differences (≤ fdTol), against the closed-form denominator-layout matrix `D`.
 */
export async function expectJacobianAllMethods(e: ExprLike, o: AllMethodsOpts, D: Mat, what: string): Promise<void> {
  const tol = o.tol ?? EXACT_TOL;
  const fdTol = o.fdTol ?? FD_TOL;
  const J = transpose(D);
  const base = { ...(o.wrt !== undefined && { wrt: o.wrt }), at: o.at, backend: 'cpu' as const };
  for (const method of ['auto', ...(o.methods ?? EXACT_METHODS)] as const) {
    expectClose(await jacobian(e, { ...base, method }), D, tol, `${what} [${method}, denominator default]`);
    expectClose(await jacobian(e, { ...base, method, layout: 'denominator' }), D, tol, `${what} [${method}, denominator]`);
    expectClose(await jacobian(e, { ...base, method, layout: 'numerator' }), J, tol, `${what} [${method}, numerator]`);
  }
  expectClose(await jacobian(e, { ...base, method: 'fd', layout: 'denominator' }), D, fdTol, `${what} [fd, denominator]`);
  expectClose(await jacobian(e, { ...base, method: 'fd', layout: 'numerator' }), J, fdTol, `${what} [fd, numerator]`);
}

/** `grad` of a scalar expression by every method against the closed-form gradient matrix G (shape of X). */
export async function expectGradAllMethods(e: ExprLike, o: AllMethodsOpts, G: Mat, what: string): Promise<void> {
  const tol = o.tol ?? EXACT_TOL;
  const fdTol = o.fdTol ?? FD_TOL;
  const base = { ...(o.wrt !== undefined && { wrt: o.wrt }), at: o.at, backend: 'cpu' as const };
  expectClose(await grad(e, base), G, tol, `${what} [grad, default]`);
  for (const method of ['auto', ...(o.methods ?? EXACT_METHODS)] as const) {
    expectClose(await grad(e, { ...base, method }), G, tol, `${what} [grad ${method}]`);
  }
  expectClose(await grad(e, { ...base, method: 'fd' }), G, fdTol, `${what} [grad fd]`);
  expectClose(await grad(e, { ...base, form: 'jacobian' }), transpose(G), tol, `${what} [grad form jacobian]`);
  expectClose(await grad(e, { ...base, form: 'gradient' }), G, tol, `${what} [grad form gradient]`);
  // the jacobian of a scalar: mn×1 (denominator) = vec(G), 1×mn (numerator)
  await expectJacobianAllMethods(e, o, vecOf(G), `${what} (as a jacobian)`);
}
