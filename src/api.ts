import type { Backend, Layout } from './backend/backend.js';
import { InvalidArgumentError, ShapeError, fmtShape } from './errors.js';
import type { Node } from './expr/ast.js';
import { toAst, type ExprLike } from './expr/build.js';
import { check, freeVars } from './expr/check.js';
import { checkEnv, checkValue, evaluateNode } from './expr/eval.js';
import { Mat } from './mat/mat.js';
import { linearize } from './diff/jvp.js';
import { constant, num, variable } from './diff/nodes.js';
import { pullback } from './diff/vjp.js';
import { transpose } from './mat/ops.js';
import { withBackend, type BackendChoice, type RunReport } from './plan/backends.js';
import { describeValue, isPart, validateOptions } from './plan/options.js';
import { checkIntermediates } from './plan/sizes.js';
import { withConditionReport } from './plan/condition.js';
import { naming } from './plan/derivdomain.js';
import { cachedPlanFor } from './plan/cache.js';
import type { Primal } from './plan/execute.js';
import { explainPlan, planJacobian, type Explanation, type JacobianPlan, type Method } from './plan/plan.js';
import { DEFAULT_MAX_BYTES, compareWithFd, primalOf, runLinear, runPlan, tileColumns, tilingPlan, type JacobianTile, type OutTarget } from './plan/run.js';
import { layoutSize, partOf, runTiles, splitRange, type OnProgress } from './plan/tiles.js';

export type { JacobianTile } from './plan/run.js';

/** Values for the names of an expression: matrices, numbers (1×1), row arrays, or plain arrays (columns). */
export type Bindings = Readonly<Record<string, Mat | number | readonly number[] | readonly (readonly number[])[]>>;

export interface EvaluateOptions {
  /** Values of every name in the expression. */
  readonly at: Bindings;
}

export interface DiffOptions extends EvaluateOptions {
  /** The variable to differentiate with respect to (may be left out when the expression has one name). */
  readonly wrt?: string;
  /** 'denominator' (default): mn×pq with vec(dF) = Dᵀ vec(dX); 'numerator': the pq×mn Jacobian matrix. */
  readonly layout?: Layout;
  /** 'auto' (default): webgpu → gpujs → cpu. A backend named explicitly runs there or throws. */
  readonly backend?: BackendChoice;
  /** 'auto' (default), 'structured', 'forward', 'reverse' or 'fd'. */
  readonly method?: Method;
  /** Largest Jacobian (bytes, on the chosen backend) computed in one piece; default 2 GiB. */
  readonly maxBytes?: number;
  /** Called with the backend that ran and why the others did not. */
  readonly onReport?: (report: RunReport) => void;
  /** Progress in columns of the result (monotone, the last call has done = total); forward/reverse then run in column batches. */
  readonly onProgress?: OnProgress;
}

/** Options of `jacobian` and `hessian`: DiffOptions and a caller's output buffer. */
export interface JacobianOptions extends DiffOptions {
  /**
   * Write the result here and return it: a Mat of the result's shape, or a typed array of its
   * size, in the backend's dtype (Float64Array on the CPU, Float32Array on a GPU). A float64 `out`
   * under backend 'auto' runs on the CPU. Reusing one buffer across calls saves the first-touch
   * cost of a new multi-megabyte result each call; one from `Mat.wasm(rows, cols)` is also
   * written in place by the CPU writer's SIMD kernel (near the speed of `fill` beyond the caches).
   */
  readonly out?: OutTarget;
}

const EVAL_KEYS = ['at'] as const;
const DIFF_KEYS = ['at', 'wrt', 'layout', 'backend', 'method', 'maxBytes', 'onReport', 'onProgress'] as const;
const OUT_KEYS = [...DIFF_KEYS, 'out'] as const;

/** A parsed, shape-checked expression with its bound values (float64). */
interface Compiled {
  readonly fn: Node;
  readonly env: Record<string, Mat>;
  /** The function whose domain guards the result, when `fn` is derived from it (a gradient). */
  readonly domainOf?: Node;
}

/** Validates an entry point's options (plan/options.ts) and returns a copy of its own, defined values. */
function checkOptions<T extends object>(opts: T, allowed: readonly string[], fnName: string): T {
  return validateOptions<T>(opts, allowed, fnName);
}

export function toMat(name: string, v: Bindings[string]): Mat {
  if (v instanceof Mat) return v;
  if (typeof v === 'number') return Mat.scalar(v);
  if (Array.isArray(v)) {
    if (v.length > 0 && Array.isArray(v[0])) return Mat.from(v as number[][]);
    if (v.every((x) => typeof x === 'number')) return Mat.col(v as number[]);
  }
  throw new InvalidArgumentError(`'${name}' must be a Mat, a number or an array of rows, got ${v === null ? 'null' : typeof v}`);
}

function compile(expr: ExprLike, at: Bindings): Compiled {
  if (!at || typeof at !== 'object') throw new InvalidArgumentError("'at' must be an object binding each name to a value");
  // no prototype: a bound `__proto__` is an ordinary entry, and `toString` is not bound unless given
  const env: Record<string, Mat> = Object.create(null) as Record<string, Mat>;
  for (const [k, v] of Object.entries(at)) env[k] = toMat(k, v);
  checkEnv(env);
  const fn = check(toAst(expr), env);
  checkIntermediates(fn);
  return { fn, env };
}

function resolveWrt(c: Compiled, wrt: string | undefined): string {
  if (wrt !== undefined) {
    if (typeof wrt !== 'string') throw new InvalidArgumentError(`wrt must be a string naming a bound matrix, got ${describeValue(wrt)}`);
    if (!Object.hasOwn(c.env, wrt)) {
      const bound = Object.keys(c.env);
      throw new InvalidArgumentError(`wrt: '${wrt}' has no value in 'at' (bound: ${bound.length ? bound.join(', ') : 'nothing'})`);
    }
    return wrt;
  }
  const names = freeVars(c.fn);
  if (names.length === 1) return names[0]!;
  throw new InvalidArgumentError(`say which variable to differentiate with respect to (wrt): the expression has ${names.length ? names.join(', ') : 'no names'}`);
}

const xShape = (c: Compiled, wrt: string): [number, number] => [c.env[wrt]!.rows, c.env[wrt]!.cols];

function requireScalar(fn: Node, what: string): void {
  if (fn.shape[0] !== 1 || fn.shape[1] !== 1) {
    throw new ShapeError(`${what} needs a scalar function, but the expression is ${fmtShape(fn.shape)}; use jacobian() for matrix-valued functions`, [fn.shape]);
  }
}

/** F evaluated at the bound values (CPU, float64). */
export async function evaluate(expr: ExprLike, opts: EvaluateOptions): Promise<Mat> {
  opts = checkOptions(opts, EVAL_KEYS, 'evaluate');
  const c = compile(expr, opts.at);
  const F = evaluateNode(c.fn, c.env);
  // never hand back the caller's own matrix (evaluate('X') is a copy of X)
  return c.fn.op === 'var' || c.fn.op === 'const' ? F.toFloat64().clone() : F;
}

/**
 * The derivative of F (p×q) with respect to X (m×n) as a matrix: mn×pq in the denominator
 * layout (default, vec(dF) = Dᵀ vec(dX)), pq×mn in the numerator layout (the Jacobian matrix).
 */
export async function jacobian(expr: ExprLike, opts: JacobianOptions): Promise<Mat> {
  opts = checkOptions(opts, OUT_KEYS, 'jacobian');
  const { env, plan } = compilePlan('jacobian', expr, opts);
  return runPlan(plan, env, opts);
}

/**
 * The bindings as Mats (checked every call: finite values) and the plan of a Jacobian or Hessian,
 * from the plan cache when the expression, options and the bindings' names and shapes were seen.
 */
function compilePlan(kind: 'jacobian' | 'hessian', expr: ExprLike, opts: DiffOptions): { env: Record<string, Mat>; plan: JacobianPlan } {
  const at = opts.at;
  if (!at || typeof at !== 'object') throw new InvalidArgumentError("'at' must be an object binding each name to a value");
  // no prototype: a bound `__proto__` is an ordinary entry, and `toString` is not bound unless given
  const env: Record<string, Mat> = Object.create(null) as Record<string, Mat>;
  const names = Object.keys(at);
  const mats = names.map((k) => (env[k] = checkValue(k, toMat(k, (at as Bindings)[k]!))));
  const { plan } = cachedPlanFor(expr, kind, opts, names, mats, () => {
    const fn = check(toAst(expr), env);
    checkIntermediates(fn);
    const c: Compiled = { fn, env };
    const wrt = resolveWrt(c, opts.wrt);
    const target = kind === 'hessian' ? gradientNode(c, wrt, 'hessian') : fn;
    const plan = planJacobian(target, wrt, xShape(c, wrt), opts.layout ?? 'denominator', opts.method ?? 'auto', kind === 'hessian' ? fn : undefined);
    return { fn, target, wrt, plan };
  });
  return { env, plan };
}

/** How `jacobian` (or `hessian`, with `hessian: true`) would assemble this derivative: its terms and cost. */
export function explain(expr: ExprLike, opts: Omit<DiffOptions, 'onReport'> & { readonly hessian?: boolean }): Explanation {
  const { plan } = preparePlan(expr, opts);
  const bytes = opts.backend === 'cpu' || (typeof opts.backend === 'object' && opts.backend.precision === 'f64') ? 8 : 4;
  return explainPlan(plan, bytes);
}

/**
 * The plan of a Jacobian (or, with `hessian`, of the Hessian) and a float64 evaluator of its
 * primal factors: what `jacobian` runs, exposed for benchmarks that time the execution alone.
 */
export function preparePlan(
  expr: ExprLike,
  opts: Omit<DiffOptions, 'onReport'> & { readonly hessian?: boolean },
): { plan: JacobianPlan; primal: () => Primal } {
  opts = checkOptions(opts, [...DIFF_KEYS, 'hessian'], 'explain');
  const isHessian = opts.hessian;
  const c = compile(expr, opts.at);
  const wrt = resolveWrt(c, opts.wrt);
  const fn = isHessian ? gradientNode(c, wrt, 'hessian') : c.fn;
  const plan = planJacobian(fn, wrt, xShape(c, wrt), opts.layout ?? 'denominator', opts.method ?? 'auto', c.fn);
  return { plan, primal: () => primalOf(c.env) };
}

export interface GradOptions extends DiffOptions {
  /** 'gradient' (default): m×n, [∂f/∂X_ij]; 'jacobian': the n×m transpose used by some texts. */
  readonly form?: 'gradient' | 'jacobian';
}

/** The gradient matrix of a scalar f: same shape as X, entries ∂f/∂X_ij (reverse mode by default). */
export async function grad(expr: ExprLike, opts: GradOptions): Promise<Mat> {
  opts = checkOptions(opts, [...DIFF_KEYS, 'form'], 'grad');
  if (opts.form !== undefined && opts.form !== 'gradient' && opts.form !== 'jacobian') {
    throw new InvalidArgumentError(`form must be 'gradient' or 'jacobian', got '${String(opts.form)}'`);
  }
  const c = compile(expr, opts.at);
  const wrt = resolveWrt(c, opts.wrt);
  requireScalar(c.fn, 'grad');
  const [m, n] = xShape(c, wrt);
  const method = opts.method ?? 'auto';
  let G: Mat;
  if (method === 'auto' || method === 'reverse') {
    const g = gradientNode(c, wrt, 'grad');
    opts.onProgress?.({ done: 0, total: 1, unit: 'columns' });
    G = await naming(c.fn, c.env, () => withBackend(opts.backend, (b) => runLinear(b, g, '', Mat.scalar(1), c.env, c.fn), withConditionReport(c.fn, c.env, opts.onReport)));
    opts.onProgress?.({ done: 1, total: 1, unit: 'columns' });
  } else {
    const D = await runPlan(planJacobian(c.fn, wrt, [m, n], 'denominator', method), c.env, opts);
    G = Mat.fromColumnMajor(m, n, D.data);
  }
  return opts.form === 'jacobian' ? transpose(G) : G;
}

/** The gradient of a scalar f as an expression (reverse mode, symbolically). */
function gradientNode(c: Compiled, wrt: string, what: string): Node {
  requireScalar(c.fn, what);
  const [m, n] = xShape(c, wrt);
  return pullback(c.fn, wrt, num(1)) ?? constant(Mat.zeros(m, n));
}

/**
 * A scalar f compiled for the eigen-analysis of its Hessian (src/eig): the checked expression, its
 * bound values (float64), the variable, and the symbolic gradient (reverse mode).
 */
export function compileScalar(expr: ExprLike, at: Bindings, wrt: string | undefined, what: string): { fn: Node; grad: Node; wrt: string; env: Record<string, Mat> } {
  const c = compile(expr, at);
  const w = resolveWrt(c, wrt);
  return { fn: c.fn, grad: gradientNode(c, w, what), wrt: w, env: c.env };
}

/** dY/dt of a matrix function of a scalar t, with the shape of Y. */
export async function derivative(expr: ExprLike, opts: Omit<DiffOptions, 'layout' | 'method' | 'maxBytes'>): Promise<Mat> {
  opts = checkOptions(opts, ['at', 'wrt', 'backend', 'onReport'], 'derivative');
  const c = compile(expr, opts.at);
  const wrt = resolveWrt(c, opts.wrt);
  const [m, n] = xShape(c, wrt);
  if (m !== 1 || n !== 1) {
    throw new ShapeError(`derivative is taken with respect to a scalar, but '${wrt}' is ${m}×${n}; use jacobian()`, [[m, n]]);
  }
  return tangentOf(c, wrt, Mat.scalar(1), opts);
}

export interface JvpOptions extends Omit<DiffOptions, 'layout' | 'method' | 'maxBytes'> {
  /** dX, with the shape of X. */
  readonly tangent: Mat | Bindings[string];
}

/** The directional derivative dF = J vec(dX) (shape of F), without forming J. */
export async function jvp(expr: ExprLike, opts: JvpOptions): Promise<Mat> {
  opts = checkOptions(opts, ['at', 'wrt', 'backend', 'onReport', 'tangent'], 'jvp');
  const c = compile(expr, opts.at);
  const wrt = resolveWrt(c, opts.wrt);
  return tangentOf(c, wrt, seedMat('tangent', opts.tangent, xShape(c, wrt)), opts);
}

async function tangentOf(c: Compiled, wrt: string, dX: Mat, opts: { backend?: BackendChoice; onReport?: (r: RunReport) => void }): Promise<Mat> {
  const dXNode = variable(`∂${wrt}`, xShape(c, wrt));
  const t = linearize(c.fn, wrt, dXNode);
  if (!t) return Mat.zeros(c.fn.shape[0], c.fn.shape[1]);
  return naming(c.fn, c.env, () =>
    withBackend(opts.backend, (b) => runLinear(b, t, dXNode.op === 'var' ? dXNode.name : '', dX, c.env, c.domainOf ?? c.fn), withConditionReport(c.domainOf ?? c.fn, c.env, opts.onReport)),
  );
}

export interface VjpOptions extends Omit<DiffOptions, 'layout' | 'method' | 'maxBytes'> {
  /** F̄, with the shape of F. */
  readonly cotangent: Mat | Bindings[string];
}

/** The pullback X̄ = ∂⟨F̄, F⟩/∂X (shape of X), i.e. Jᵀ vec(F̄), without forming J. */
export async function vjp(expr: ExprLike, opts: VjpOptions): Promise<Mat> {
  opts = checkOptions(opts, ['at', 'wrt', 'backend', 'onReport', 'cotangent'], 'vjp');
  const c = compile(expr, opts.at);
  const wrt = resolveWrt(c, opts.wrt);
  const ct = seedMat('cotangent', opts.cotangent, c.fn.shape as [number, number]);
  const a = pullback(c.fn, wrt, variable('∂F̄', c.fn.shape));
  if (!a) return Mat.zeros(...xShape(c, wrt));
  return naming(c.fn, c.env, () => withBackend(opts.backend, (b) => runLinear(b, a, '∂F̄', ct, c.env, c.fn), withConditionReport(c.fn, c.env, opts.onReport)));
}

function seedMat(what: string, v: Mat | Bindings[string], shape: readonly [number, number]): Mat {
  const M = toMat(what, v);
  if (M.rows !== shape[0] || M.cols !== shape[1]) {
    throw new ShapeError(`${what} must be ${fmtShape(shape)}, got ${fmtShape(M.shape)}`, [M.shape, shape]);
  }
  M.assertFinite(what);
  return M.toFloat64();
}

/**
 * The Hessian H = ∂²f/∂vec(X)∂vec(X)ᵀ (mn×mn, symmetric) of a scalar f: exact, the Jacobian of
 * the symbolic gradient, assembled like any Jacobian (structured terms where they exist).
 */
export async function hessian(expr: ExprLike, opts: JacobianOptions): Promise<Mat> {
  opts = checkOptions(opts, OUT_KEYS, 'hessian');
  const { env, plan } = compilePlan('hessian', expr, opts);
  return runPlan(plan, env, opts);
}

export interface HvpOptions extends Omit<DiffOptions, 'layout' | 'method' | 'maxBytes'> {
  /** V, with the shape of X. */
  readonly v: Mat | Bindings[string];
}

/** The Hessian-vector product H vec(V) (returned with the shape of X), without forming H. */
export async function hvp(expr: ExprLike, opts: HvpOptions): Promise<Mat> {
  opts = checkOptions(opts, ['at', 'wrt', 'backend', 'onReport', 'v'], 'hvp');
  const c = compile(expr, opts.at);
  const wrt = resolveWrt(c, opts.wrt);
  const g = gradientNode(c, wrt, 'hvp');
  return tangentOf({ fn: g, env: c.env, domainOf: c.fn }, wrt, seedMat('v', opts.v, xShape(c, wrt)), opts);
}

export interface CheckResult {
  /** relError ≤ tolerance. */
  readonly ok: boolean;
  /** ‖J − J_fd‖_F / ‖J_fd‖_F. */
  readonly relError: number;
  readonly maxAbsError: number;
  readonly tolerance: number;
  /** The Jacobian under test and the central-difference reference, in the requested layout. */
  readonly jacobian: Mat;
  readonly reference: Mat;
  readonly method: string;
  readonly backend: string;
}

/** Compares `jacobian` (any method/backend) against central finite differences in float64. */
export async function checkJacobian(expr: ExprLike, opts: DiffOptions & { readonly tolerance?: number }): Promise<CheckResult> {
  opts = checkOptions(opts, [...DIFF_KEYS, 'tolerance'], 'checkJacobian');
  const { tolerance, ...rest } = opts;
  let report: RunReport | undefined;
  const c = compile(expr, opts.at);
  const wrt = resolveWrt(c, opts.wrt);
  const plan = planJacobian(c.fn, wrt, xShape(c, wrt), opts.layout ?? 'denominator', opts.method ?? 'auto');
  const J = await runPlan(plan, c.env, { ...rest, onReport: (r) => ((report = r), opts.onReport?.(r)) });
  const { relError, maxAbsError, reference } = compareWithFd(J, c.fn, wrt, c.env, plan.layout);
  const tol = tolerance ?? (J.data instanceof Float32Array ? 1e-3 : 1e-6);
  return { ok: relError <= tol, relError, maxAbsError, tolerance: tol, jacobian: J, reference, method: plan.method, backend: report?.backend ?? 'cpu' };
}

export interface TileOptions extends DiffOptions {
  /** Columns per tile (default: as many as keep one float64 tile within a quarter of maxBytes). */
  readonly tileCols?: number;
  /** Tiles of the Hessian of a scalar f (its gradient's Jacobian) rather than the Jacobian of f. */
  readonly hessian?: boolean;
  /** Only part `index` (0-based) of `count` near-equal column ranges: one worker's share of an array job. */
  readonly part?: { readonly count: number; readonly index: number };
  /**
   * Write every tile into one buffer (default false): a yielded tile is valid until the next one
   * is requested (copy what you keep), and no tile costs a new allocation.
   */
  readonly reuse?: boolean;
}

/** A Jacobian to be produced in column tiles: its size (in the layout), the columns to run, and the tiles. */
export interface TiledJacobian {
  /** Size of the whole Jacobian in the requested layout. */
  readonly rows: number;
  readonly cols: number;
  /** The columns the tiles cover (all of them, or one part). */
  readonly col0: number;
  readonly count: number;
  /** 'f64' on the CPU, 'f32' on a GPU. */
  readonly precision: 'f32' | 'f64';
  /** Runs the tiles one after another; only one is alive at a time. Progress counts columns. */
  tiles(): AsyncGenerator<JacobianTile>;
}

/** Plans a Jacobian (or Hessian) in column tiles and chooses the backend, without running anything yet. */
export async function tiledJacobian(expr: ExprLike, opts: TileOptions): Promise<TiledJacobian> {
  opts = validateOptions<TileOptions>(opts, [...DIFF_KEYS, 'tileCols', 'hessian', 'part', 'reuse'], 'jacobianTiles', { checks: { part: isPart } });
  const { tileCols, hessian: isHessian, part, reuse } = opts;
  if (reuse !== undefined && typeof reuse !== 'boolean') throw new InvalidArgumentError(`jacobianTiles: reuse must be true or false, got ${String(reuse)}`);
  const c = compile(expr, opts.at);
  const wrt = resolveWrt(c, opts.wrt);
  const fn = isHessian ? gradientNode(c, wrt, 'hessian') : c.fn;
  const plan = tilingPlan(fn, wrt, xShape(c, wrt), opts.layout ?? 'denominator', opts.method ?? 'auto', c.fn);
  const { rows, cols } = layoutSize(plan);
  const range = part ? partOf(cols, part.count, part.index) : { col0: 0, count: cols };
  const { step } = tileColumns(plan, opts.maxBytes ?? DEFAULT_MAX_BYTES, tileCols);
  const backend: Backend = await withBackend(opts.backend, async (b) => b, opts.onReport);
  const primal = primalOf(c.env);
  return { rows, cols, ...range, precision: backend.precision === 'f64' ? 'f64' : 'f32', tiles: () => runTiles(plan, backend, primal, splitRange(range, step), opts.onProgress, reuse ?? false) };
}

/**
 * Streams a Jacobian too large for memory in column tiles (each `tileCols` columns of the
 * chosen layout), so the caller can reduce or store each tile and let it go.
 */
export async function* jacobianTiles(expr: ExprLike, opts: TileOptions): AsyncGenerator<JacobianTile> {
  yield* (await tiledJacobian(expr, opts)).tiles();
}
