/**
 * Column tiles of a Jacobian: the columns of the plan's layout cut into ranges that run
 * independently (in one process, one after another, or on many machines at once).
 *
 * A column of the denominator layout D (mn×pq) is ∂vec(F)/∂vec(X) against one cotangent
 * direction E_kl (reverse mode); a column of the numerator layout J (pq×mn) is J·vec(E_ij), one
 * tangent direction (forward mode). Structured terms write any column range directly.
 */
import type { Backend } from '../backend/backend.js';
import { CpuBackend, CpuTensor } from '../backend/cpu/index.js';
import { InvalidArgumentError } from '../errors.js';
import { Mat } from '../mat/mat.js';
import { kronArray } from '../mat/kron-simd.js';
import { runJacobian, type ColumnRange, type Primal, type ResultBound } from './execute.js';
import { assertFiniteResult, readFinite } from './finite.js';
import type { JacobianPlan } from './plan.js';

/** Progress of long work: `done` of `total` units; calls are monotone and end with done = total. */
export interface Progress {
  readonly done: number;
  readonly total: number;
  /** What is counted: Jacobian columns here. */
  readonly unit: 'columns';
}
export type OnProgress = (p: Progress) => void;

/** The Jacobian's size in the plan's layout. */
export function layoutSize(plan: JacobianPlan): { rows: number; cols: number } {
  const { m, n, p, q } = plan.shape;
  return plan.layout === 'denominator' ? { rows: m * n, cols: p * q } : { rows: p * q, cols: m * n };
}

/** True when `runJacobian` can run any column range of this plan as it is (see run.ts `tilingPlan`). */
function tilesDirectly(plan: JacobianPlan): boolean {
  if (plan.method === 'structured') return plan.terms!.every((t) => t.kind !== 'dense');
  return plan.layout === 'denominator' ? plan.method === 'reverse' : plan.method === 'forward';
}

/** Part `index` (0-based) of `parts` near-equal contiguous ranges of `total` columns. */
export function partOf(total: number, parts: number, index: number): ColumnRange {
  if (!Number.isSafeInteger(parts) || parts < 1) throw new InvalidArgumentError(`the number of tiles must be a positive integer, got ${parts}`);
  if (!Number.isSafeInteger(index) || index < 0 || index >= parts) throw new InvalidArgumentError(`tile index must be an integer in [0, ${parts - 1}], got ${index}`);
  const col0 = Math.floor((index * total) / parts);
  return { col0, count: Math.floor(((index + 1) * total) / parts) - col0 };
}

/** Splits a column range into consecutive tiles of at most `step` columns. */
export function splitRange(range: ColumnRange, step: number): ColumnRange[] {
  const out: ColumnRange[] = [];
  for (let c = range.col0; c < range.col0 + range.count; c += step) out.push({ col0: c, count: Math.min(step, range.col0 + range.count - c) });
  return out;
}

/**
 * Runs the tiles one after another, yielding each (read back) before the next starts, so only
 * one tile is alive at a time. Progress counts columns: 0 first, then after each tile.
 * With `reuse`, every tile is written into one buffer (the first tile's size): a yielded tile is
 * valid until the next is requested, and on the CPU a structured plan writes straight into it,
 * so no tile costs a new allocation or its first-touch page faults.
 */
export async function* runTiles(
  plan: JacobianPlan,
  backend: Backend,
  primal: Primal,
  tiles: readonly ColumnRange[],
  onProgress?: OnProgress,
  reuse = false,
): AsyncGenerator<ColumnRange & { readonly tile: Mat }> {
  const total = tiles.reduce((s, t) => s + t.count, 0);
  const { rows } = layoutSize(plan);
  const widest = tiles.reduce((w, t) => Math.max(w, t.count), 0);
  // float64 tiles in a kernel area: the CPU writer's SIMD kernel stores into them in place (Mat.wasm)
  const shared = reuse ? (backend.precision === 'f64' ? (kronArray(rows, widest) ?? new Float64Array(rows * widest)) : new Float32Array(rows * widest)) : null;
  let done = 0;
  onProgress?.({ done, total, unit: 'columns' });
  for (const r of tiles) {
    const view = shared?.subarray(0, rows * r.count);
    const target = view instanceof Float64Array && backend instanceof CpuBackend ? new CpuTensor(1, rows, r.count, view) : undefined;
    const bound: ResultBound = { value: Infinity };
    const t = runJacobian(plan, backend, primal, r, target, bound);
    let tile: Mat;
    try {
      if (t === target) tile = assertFiniteResult(new Mat(rows, r.count, view!), backend, plan.fn, 'Jacobian tile', bound.value);
      else {
        tile = await readFinite(backend, t, plan.fn, 'Jacobian tile', bound.value);
        if (view) {
          view.set(tile.data);
          tile = new Mat(rows, r.count, view);
        }
      }
    } finally {
      backend.dispose(t);
    }
    yield { ...r, tile };
    done += r.count;
    onProgress?.({ done, total, unit: 'columns' });
  }
}

/**
 * The whole Jacobian assembled from `batches` column tiles (forward or reverse batches), with
 * progress after each: the columns of a column-major matrix are contiguous, so each tile is
 * one copy into place.
 */
export async function assembleInTiles(plan: JacobianPlan, backend: Backend, primal: Primal, batches: number, onProgress: OnProgress): Promise<Mat> {
  const { rows, cols } = layoutSize(plan);
  const out = new Mat(rows, cols, backend.precision === 'f64' ? new Float64Array(rows * cols) : new Float32Array(rows * cols));
  const tiles = splitRange({ col0: 0, count: cols }, Math.max(1, Math.ceil(cols / batches)));
  for await (const { col0, tile } of runTiles(plan, backend, primal, tiles, onProgress)) out.data.set(tile.data, col0 * rows);
  return out;
}

/** Whether `assembleInTiles` runs this plan in batches (forward or reverse mode along the layout's columns). */
export const runsInBatches = (plan: JacobianPlan): boolean => plan.method !== 'structured' && plan.method !== 'fd' && tilesDirectly(plan);
