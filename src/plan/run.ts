/**
 * Running a plan for the public API: which backend runs what (finite differences stay on the CPU
 * in float64), the column-tiling policy of streamed Jacobians, linear maps (jvp/vjp/hvp) with one
 * seed, and the check of a Jacobian against finite differences. `api.ts` checks the user's
 * options, compiles the expression and calls in here.
 */
import type { Backend, Layout } from '../backend/backend.js';
import { InvalidArgumentError, ShapeError, fmtShape } from '../errors.js';
import { assertFiniteResult, readFinite } from './finite.js';
import { withConditionReport } from './condition.js';
import { naming } from './derivdomain.js';
import type { Node } from '../expr/ast.js';
import { evaluator } from '../expr/eval.js';
import { withArena } from '../mat/arena.js';
import { Mat } from '../mat/mat.js';
import { maxAbsDiff, relError, transpose } from '../mat/ops.js';
import { kernelAreaOf } from '../mat/wasm-memory.js';
import { withBackend, type BackendChoice, type RunReport } from './backends.js';
import { checkSize, executeJacobian, type Primal } from './execute.js';
import { fdJacobian } from './fd.js';
import { evalLinear } from './linear.js';
import { domainNodes, planJacobian, type JacobianPlan, type Method } from './plan.js';
import { assembleInTiles, layoutSize, runsInBatches, type OnProgress } from './tiles.js';

/** Largest Jacobian computed in one piece when the caller sets no `maxBytes`: 2 GiB. */
export const DEFAULT_MAX_BYTES = 2 ** 31;

/** A caller's output: a Mat of the result's shape, or a typed array of its size (column-major). */
export type OutTarget = Mat | Float64Array | Float32Array;

/** Where and how a plan runs. */
export interface RunOptions {
  readonly backend?: BackendChoice;
  readonly maxBytes?: number;
  readonly onReport?: (report: RunReport) => void;
  /** Progress in columns; forward/reverse plans then run in column batches. */
  readonly onProgress?: OnProgress;
  /** Write the result here (the backend's dtype: Float64Array on the CPU, Float32Array on a GPU) and return it. */
  readonly out?: OutTarget;
}

/**
 * Float64 values of primal subexpressions, memoised across one call. They are factors of the
 * derivative (read by a writer, copied to a backend), never returned: the small ones are views on
 * the arena (mat/arena.ts), which spares each its own buffer.
 */
export function primalOf(env: Readonly<Record<string, Mat>>): Primal {
  const memo = new Map<Node, Mat>();
  const evaluate = evaluator(env, memo);
  return (n) => memo.get(n) ?? withArena(evaluate, n);
}

/** The numerator Jacobian J (pq×mn) in the requested layout: J itself, or D = Jᵀ. */
export const inLayout = (J: Mat, layout: Layout): Mat => (layout === 'numerator' ? J : transpose(J));

/**
 * Runs a plan: finite differences on the CPU in float64 (whatever `auto` would pick), everything
 * else on a backend. With `out`, the result is written into the caller's buffer (on the CPU the
 * structured writer writes there directly, no second pass) and returned: the same Mat, or a Mat
 * over the given array. A float64 `out` under `auto` runs on the CPU, the float64 backend.
 */
export async function runPlan(plan: JacobianPlan, env: Readonly<Record<string, Mat>>, opts: RunOptions): Promise<Mat> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const onProgress = opts.onProgress;
  const out = opts.out === undefined ? undefined : checkOut(plan, opts.out, env);
  if (plan.method !== 'fd') {
    const choice = out && out.data instanceof Float64Array && (opts.backend === undefined || opts.backend === 'auto') ? 'cpu' : opts.backend;
    const run = async (b: Backend): Promise<Mat> => {
      if (out) checkOutDtype(out.data, b);
      if (onProgress) {
        const J = await runWithProgress(plan, b, primalOf(env), maxBytes, onProgress);
        if (!out) return J;
        out.data.set(J.data);
        return out.mat;
      }
      if (!out) return executeJacobian(plan, b, primalOf(env), maxBytes);
      await executeJacobian(plan, b, primalOf(env), maxBytes, out.data);
      return out.mat;
    };
    // an overflow is refused where the result is read (execute.ts, tiles.ts), or under 'auto' re-run in float64 on the CPU
    return naming(plan.differentiates, env, () => withBackend(choice, run, withConditionReport(plan.domainChecks, env, opts.onReport)), plan.order);
  }
  if (opts.backend !== undefined && opts.backend !== 'auto' && opts.backend !== 'cpu') {
    throw new InvalidArgumentError(`method 'fd' runs on the CPU in float64; it cannot run on backend '${typeof opts.backend === 'string' ? opts.backend : opts.backend.name}'`);
  }
  checkSize(plan, 'cpu', 8, maxBytes);
  const primal = primalOf(env);
  for (const n of plan.domainChecks) primal(n);
  if (out && !(out.data instanceof Float64Array)) throw new InvalidArgumentError(`out: method 'fd' computes in float64 on the CPU; give a Float64Array (or a Mat over one), not a Float32Array`);
  const total = layoutSize(plan).cols;
  onProgress?.({ done: 0, total, unit: 'columns' });
  const J = assertFiniteResult(fdJacobian(plan.fn, plan.wrt, env), 'f64', plan.fn, 'finite-difference Jacobian');
  opts.onReport?.({ backend: 'cpu', device: 'cpu (float64)', skipped: [] });
  onProgress?.({ done: total, total, unit: 'columns' });
  const D = inLayout(J, plan.layout);
  if (!out) return D;
  out.data.set(D.data);
  return out.mat;
}

/**
 * Checks a caller's `out`: a Mat of exactly the result's shape, or a Float64Array / Float32Array
 * of exactly its size, sharing no memory with an input. Returns its data and the Mat to return.
 */
export function checkOut(plan: JacobianPlan, out: unknown, env: Readonly<Record<string, Mat>>): { data: Float64Array | Float32Array; mat: Mat } {
  const { rows, cols } = layoutSize(plan);
  const what = (): string => `the ${rows}×${cols} ${plan.layout} result`;
  let data: unknown;
  if (out instanceof Mat) {
    if (out.rows !== rows || out.cols !== cols) throw new ShapeError(`out is ${fmtShape(out.shape)}, but ${what()} is ${rows}×${cols}`, [out.shape, [rows, cols]]);
    data = out.data;
  } else data = out;
  if (!(data instanceof Float64Array) && !(data instanceof Float32Array)) {
    const kind = data === null ? 'null' : Array.isArray(data) ? 'an array' : typeof data === 'object' ? (data.constructor?.name ?? 'an object') : typeof data;
    throw new InvalidArgumentError(`out must be a Mat, a Float64Array or a Float32Array (the backend's dtype), got ${kind}`);
  }
  if (data.length !== rows * cols) throw new ShapeError(`out has ${data.length} entries, but ${what()} has ${rows * cols}`, [[data.length, 1], [rows, cols]]);
  // an out in a kernel area (Mat.wasm) shares its whole memory: the writer keeps its inputs past the matrix
  const area = data instanceof Float64Array && kernelAreaOf(data) !== null;
  for (const name of Object.keys(env)) {
    const d = env[name]!.data;
    if (d.buffer === data.buffer && (area || (d.byteOffset < data.byteOffset + data.byteLength && data.byteOffset < d.byteOffset + d.byteLength))) {
      throw new InvalidArgumentError(`out shares memory with the value of '${name}'${area ? " (out is a Mat.wasm, and the writer uses its whole WebAssembly memory)" : ''}; give a separate buffer`);
    }
  }
  return { data, mat: out instanceof Mat ? out : new Mat(rows, cols, data) };
}

function checkOutDtype(data: Float64Array | Float32Array, b: Backend): void {
  const f64 = b.precision === 'f64';
  if (f64 ? !(data instanceof Float64Array) : !(data instanceof Float32Array)) {
    throw new InvalidArgumentError(
      `out: the ${b.name} backend computes in ${f64 ? 'float64' : 'float32'}; give a ${f64 ? 'Float64Array' : 'Float32Array'} (or a Mat over one), not a ${f64 ? 'Float32Array' : 'Float64Array'}`,
    );
  }
}

/** Forward/reverse runs with an `onProgress` go in this many column batches. */
const PROGRESS_BATCHES = 16;

/** A plan run with progress: forward/reverse in column batches (progress after each), a structured pass as one step. */
async function runWithProgress(plan: JacobianPlan, b: Backend, primal: Primal, maxBytes: number, onProgress: OnProgress): Promise<Mat> {
  if (runsInBatches(plan)) {
    checkSize(plan, b.name, b.precision === 'f64' ? 8 : 4, maxBytes);
    return assembleInTiles(plan, b, primal, PROGRESS_BATCHES, onProgress);
  }
  const total = layoutSize(plan).cols;
  onProgress({ done: 0, total, unit: 'columns' });
  const J = await executeJacobian(plan, b, primal, maxBytes);
  onProgress({ done: total, total, unit: 'columns' });
  return J;
}

/**
 * Evaluates a linear expression `e` (a tangent or an adjoint of `domainOf`) with its seed bound to
 * one value, on a backend, and reads it back. The domain of `domainOf` is checked first.
 */
export async function runLinear(b: Backend, e: Node, seedName: string, seedValue: Mat, env: Readonly<Record<string, Mat>>, domainOf: Node): Promise<Mat> {
  const primal = primalOf(env);
  for (const n of domainNodes(domainOf)) primal(n);
  const seed = b.upload(seedValue);
  const out = evalLinear(e, seedName, seed, b, primal);
  try {
    return await readFinite(b, out, domainOf, 'derivative');
  } finally {
    b.dispose(out);
    if (out !== seed) b.dispose(seed);
  }
}

/** How a Jacobian compares with its finite-difference reference (same layout). */
export interface FdComparison {
  /** ‖J − J_fd‖_F / ‖J_fd‖_F. */
  readonly relError: number;
  readonly maxAbsError: number;
  /** The reference, in J's layout. */
  readonly reference: Mat;
}

/** Central finite differences of `fn` (float64), laid out as `layout`, and J's distance from them. */
export function compareWithFd(J: Mat, fn: Node, wrt: string, env: Readonly<Record<string, Mat>>, layout: Layout): FdComparison {
  const reference = inLayout(fdJacobian(fn, wrt, env), layout);
  return { relError: relError(J, reference), maxAbsError: maxAbsDiff(J, reference), reference };
}

/**
 * The plan of a Jacobian streamed in column tiles: a fully structured plan writes any column
 * range directly; otherwise a column tile is a set of tangent directions (numerator: forward
 * mode) or cotangent directions (denominator: reverse mode). Finite differences do not stream.
 */
export function tilingPlan(fn: Node, wrt: string, xShape: readonly [number, number], layout: Layout, method: Method, domainOf: Node = fn): JacobianPlan {
  const plan = planJacobian(fn, wrt, xShape, layout, method, domainOf);
  if (plan.method === 'fd') throw new InvalidArgumentError("jacobianTiles does not stream finite differences; use method 'auto', 'structured', 'forward' or 'reverse'");
  if (plan.method === 'structured' && plan.terms!.every((t) => t.kind !== 'dense')) return plan;
  return planJacobian(fn, wrt, xShape, layout, layout === 'numerator' ? 'forward' : 'reverse', domainOf);
}

/** A column tile of a Jacobian: columns [col0, col0 + count) of the plan's layout. */
export interface JacobianTile {
  readonly col0: number;
  readonly count: number;
  readonly tile: Mat;
}

/**
 * The column tiles of a plan's Jacobian: `step` columns each (the last may be shorter) out of
 * `totalCols`; by default tiles of at most a quarter of `maxBytes` in float64 (the larger entry size).
 */
export function tileColumns(plan: JacobianPlan, maxBytes: number, tileCols?: number): { totalCols: number; step: number } {
  const { m, n, p, q } = plan.shape;
  const denominator = plan.layout === 'denominator';
  const rows = denominator ? m * n : p * q;
  return { totalCols: denominator ? p * q : m * n, step: Math.max(1, tileCols ?? Math.floor(maxBytes / 4 / 8 / Math.max(rows, 1))) };
}
