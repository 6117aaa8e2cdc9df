/**
 * A Jacobian (or Hessian) streamed to a .npy file in column tiles (Node only): memory holds one
 * tile at a time, whatever the size of the whole. With `part`, one worker of an array job
 * writes its share of the columns into a file all workers share.
 */
import { tiledJacobian, type TileOptions } from '../api.js';
import { InvalidArgumentError } from '../errors.js';
import type { ExprLike } from '../expr/build.js';
import { NpyColumnFile } from './file.js';
import type { NpyDtype } from './npy.js';

export interface SaveJacobianOptions extends TileOptions {
  /** The file's dtype (default: the backend's precision, float64 on the CPU, float32 on a GPU). */
  readonly dtype?: NpyDtype;
  /**
   * 'replace': create or truncate the file (the default for the whole Jacobian); 'shared': the
   * first worker creates it with its full header and size, the others write into it (the
   * default with `part`).
   */
  readonly mode?: 'replace' | 'shared';
  /** The file holds only the columns this call computes (rows × count): a block for `mergeNpy`, not the whole matrix. */
  readonly partFile?: boolean;
  /** .npy format version of a file this call creates (1 or 2; default 1 when the header fits). */
  readonly version?: 1 | 2;
}

export interface SavedJacobian {
  /** The whole Jacobian's size in its layout, and its dtype in the file. */
  readonly rows: number;
  readonly cols: number;
  readonly dtype: NpyDtype;
  /** The columns this call wrote. */
  readonly col0: number;
  readonly count: number;
  /** How many tiles it took. */
  readonly tiles: number;
  /** Whether this call created the file (shared mode: the first worker). */
  readonly created: boolean;
}

/**
 * Writes the Jacobian of `expr` (with `hessian: true`, the Hessian of a scalar f) to `path` as
 * a column-major .npy (`fortran_order: True`), tile by tile: each tile's columns are one
 * contiguous byte range of the file, written in place. A failure leaves no file (a shared file
 * keeps the other workers' tiles; the failed worker's columns must be rerun).
 */
export async function saveJacobianNpy(path: string, expr: ExprLike, opts: SaveJacobianOptions): Promise<SavedJacobian> {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError('saveJacobianNpy: the path must be a non-empty string');
  const { dtype, mode, version, partFile, ...tileOpts } = opts ?? ({} as SaveJacobianOptions);
  if (dtype !== undefined && dtype !== 'float32' && dtype !== 'float64') throw new InvalidArgumentError(`dtype must be 'float32' or 'float64', got '${String(dtype)}'`);
  if (mode !== undefined && mode !== 'replace' && mode !== 'shared') throw new InvalidArgumentError(`mode must be 'replace' or 'shared', got '${String(mode)}'`);
  // each tile is written before the next is requested, so one reused buffer holds them all
  const t = await tiledJacobian(expr, { reuse: true, ...tileOpts });
  const fileDtype = dtype ?? (t.precision === 'f64' ? 'float64' : 'float32');
  const shift = partFile ? t.col0 : 0;
  const file = await NpyColumnFile.open(path, {
    rows: t.rows,
    cols: partFile ? t.count : t.cols,
    dtype: fileDtype,
    mode: mode ?? (opts.part && !partFile ? 'shared' : 'replace'),
    ...(version && { version }),
  });
  let tiles = 0;
  try {
    for await (const { col0, tile } of t.tiles()) {
      await file.writeColumns(col0 - shift, tile);
      tiles++;
    }
  } catch (err) {
    // a whole-file run leaves nothing behind; a shared file keeps the other workers' tiles
    await file.abort();
    throw err;
  }
  await file.close();
  return { rows: t.rows, cols: t.cols, dtype: fileDtype, col0: t.col0, count: t.count, tiles, created: file.created };
}
