import { ShapeError, fmtShape, type Shape } from '../errors.js';
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
