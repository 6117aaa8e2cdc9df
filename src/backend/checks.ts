import { InvalidArgumentError, ShapeError, fmtShape, type Shape } from '../errors.js';
import { Mat } from '../mat/mat.js';
import type { Tensor } from './backend.js';

const shapeOf = (t: Tensor): Shape => [t.rows, t.cols];

/** The layout of a block matrix `[a, b; c, d]` of tensors, checked as every backend needs it. */
export interface ConcatLayout {
  /** Rows of each block row, columns of each block column. */
  readonly rowsOf: readonly number[];
  readonly colsOf: readonly number[];
  /** The broadcast batch (batch-1 blocks broadcast). */
  readonly batch: number;
  readonly rows: number;
  readonly cols: number;
}

/**
 * Checks that the blocks tile a matrix (blocks in a row share their rows, blocks in a column
 * their columns, batches broadcast) and returns its layout; a ShapeError names the block.
 */
export function concatLayout(blocks: readonly (readonly Tensor[])[]): ConcatLayout {
  if (blocks.length === 0 || blocks.some((r) => r.length === 0)) throw new ShapeError('concat: needs at least one block in every block row');
  const rowsOf = blocks.map((r, bi) => {
    const h = r[0]!.rows;
    r.forEach((t, bj) => {
      if (t.rows !== h) {
        throw new ShapeError(`concat: block (${bi + 1}, ${bj + 1}) is ${fmtShape(shapeOf(t))}, but block (${bi + 1}, 1) has ${h} rows`, [shapeOf(r[0]!), shapeOf(t)]);
      }
    });
    return h;
  });
  const colsOf = blocks[0]!.map((t) => t.cols);
  blocks.forEach((r, bi) => {
    if (r.length !== colsOf.length) throw new ShapeError(`concat: block row ${bi + 1} has ${r.length} blocks, row 1 has ${colsOf.length}`);
    r.forEach((t, bj) => {
      if (t.cols !== colsOf[bj]) {
        throw new ShapeError(`concat: block (${bi + 1}, ${bj + 1}) is ${fmtShape(shapeOf(t))}, but block (1, ${bj + 1}) has ${colsOf[bj]} columns`, [
          shapeOf(blocks[0]![bj]!),
          shapeOf(t),
        ]);
      }
    });
  });
  let batch = 1;
  for (const r of blocks) {
    for (const t of r) {
      if (t.batch !== 1) {
        if (batch !== 1 && batch !== t.batch) throw new ShapeError(`concat: batch sizes ${batch} and ${t.batch} do not broadcast`);
        batch = t.batch;
      }
    }
  }
  return { rowsOf, colsOf, batch, rows: rowsOf.reduce((x, y) => x + y, 0), cols: colsOf.reduce((x, y) => x + y, 0) };
}

/** A tensor's slice shape, and a description with its batch (`4×2×3`). */
export const shp = shapeOf;
export const desc = (t: Tensor): string => `${t.batch > 1 ? `${t.batch}×` : ''}${fmtShape(shapeOf(t))}`;

/** The batch of a binary op: equal batches, or batch 1 broadcast. */
export function broadcastBatch(what: string, a: Tensor, b: Tensor): number {
  if (a.batch !== b.batch && a.batch !== 1 && b.batch !== 1) {
    throw new ShapeError(`${what}: batch sizes ${a.batch} and ${b.batch} do not broadcast (${desc(a)} vs ${desc(b)})`, [shapeOf(a), shapeOf(b)]);
  }
  return Math.max(a.batch, b.batch);
}

/** `op(A)·op(B)`: its m, k, n and batch, checked (inner dimensions, batch broadcast). */
export function matmulDims(A: Tensor, B: Tensor, transA: boolean, transB: boolean): { m: number; k: number; n: number; batch: number } {
  const m = transA ? A.cols : A.rows;
  const k = transA ? A.rows : A.cols;
  const k2 = transB ? B.cols : B.rows;
  const n = transB ? B.rows : B.cols;
  if (k !== k2) {
    throw new ShapeError(
      `matmul: inner dimensions differ, ${fmtShape([m, k])} · ${fmtShape([k2, n])} (operands ${desc(A)}${transA ? 'ᵀ' : ''} and ${desc(B)}${transB ? 'ᵀ' : ''})`,
      [shapeOf(A), shapeOf(B)],
    );
  }
  return { m, k, n, batch: broadcastBatch('matmul', A, B) };
}

/** The matrices of an upload: at least one, all of the first one's shape. */
export function uploadList(mats: Mat | readonly Mat[]): { readonly list: readonly Mat[]; readonly rows: number; readonly cols: number } {
  const list: readonly Mat[] = mats instanceof Mat ? [mats] : mats;
  if (list.length === 0) throw new InvalidArgumentError('upload needs at least one matrix');
  const first = list[0]!;
  list.forEach((M, t) => {
    if (M.rows !== first.rows || M.cols !== first.cols) {
      throw new ShapeError(`upload: matrix ${t} is ${fmtShape(M.shape)}, matrix 0 is ${fmtShape(first.shape)}`, [first.shape, M.shape]);
    }
  });
  return { list, rows: first.rows, cols: first.cols };
}

/** A host tensor's data holds exactly batch·rows·cols entries. */
export function checkTensorData(batch: number, rows: number, cols: number, length: number): void {
  if (length !== batch * rows * cols) throw new InvalidArgumentError(`a ${batch}×${rows}×${cols} tensor needs ${batch * rows * cols} entries, got ${length}`);
}

/** `a ∘ b`: equal shapes or a 1×1 operand broadcast, batches broadcast; the result's batch and shape. */
export function elementwiseShape(op: string, A: Tensor, B: Tensor): { batch: number; rows: number; cols: number; aScalar: boolean; bScalar: boolean } {
  if (!['add', 'sub', 'mul', 'div'].includes(op)) throw new InvalidArgumentError(`elementwise: unknown op '${String(op)}'`);
  const batch = broadcastBatch(op, A, B);
  const aScalar = A.rows === 1 && A.cols === 1;
  const bScalar = B.rows === 1 && B.cols === 1;
  if (!aScalar && !bScalar && (A.rows !== B.rows || A.cols !== B.cols)) {
    throw new ShapeError(`${op}: shapes ${fmtShape(shapeOf(A))} and ${fmtShape(shapeOf(B))} do not match`, [shapeOf(A), shapeOf(B)]);
  }
  const [rows, cols] = aScalar ? [B.rows, B.cols] : [A.rows, A.cols];
  return { batch, rows, cols, aScalar, bScalar };
}
