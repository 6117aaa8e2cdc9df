/**
 * Results beyond one buffer: the demo assembles a large Jacobian or Hessian in column tiles
 * (`tiledJacobian`), folding each tile into a max-abs pooled heat map and a running checksum,
 * and appending its bytes to a .npy Blob (the browser keeps large Blobs on disk), so no array
 * ever holds the whole result. Progress is reported after each tile.
 */
import { encodeNpyHeader, tiledJacobian, type BackendChoice, type Layout, type Mat, type Method, type RunReport } from '../src/index.js';
import { MAX_CELLS, type Pooled } from './heatmap.js';

/** Results larger than this (bytes, in the backend's precision) are assembled in tiles. */
export const DEFAULT_TILE_THRESHOLD = 256 * 2 ** 20;
/** Tiled results larger than this are not collected for download (a browser's Blob storage is bounded): the CLI's --out streams them to disk. */
export const DEFAULT_DOWNLOAD_LIMIT = 2 ** 32;

/**
 * Max-abs pooling built tile by tile: the same cells as `poolMaxAbs` over the whole
 * column-major rows×cols matrix (the same blocks, the same rule), one column range at a time.
 */
export class PoolAccumulator {
  readonly blockRows: number;
  readonly blockCols: number;
  readonly height: number;
  readonly width: number;
  readonly cells: Float64Array;
  private min = Infinity;
  private max = -Infinity;

  constructor(
    readonly rows: number,
    readonly cols: number,
    limit = MAX_CELLS,
  ) {
    this.blockRows = Math.max(1, Math.ceil(rows / limit));
    this.blockCols = Math.max(1, Math.ceil(cols / limit));
    this.height = Math.ceil(rows / this.blockRows);
    this.width = Math.ceil(cols / this.blockCols);
    this.cells = new Float64Array(this.height * this.width);
  }

  /** Folds in columns [col0, col0 + count) given as column-major rows×count data. */
  add(col0: number, data: ArrayLike<number>, count: number): void {
    const { rows, blockRows, blockCols, width, cells } = this;
    for (let jj = 0; jj < count; jj++) {
      const cj = Math.floor((col0 + jj) / blockCols);
      const base = jj * rows;
      for (let i = 0; i < rows; i++) {
        const v = data[base + i]!;
        if (v < this.min) this.min = v;
        if (v > this.max) this.max = v;
        const c = Math.floor(i / blockRows) * width + cj;
        if (Math.abs(v) > Math.abs(cells[c]!)) cells[c] = v;
      }
    }
  }

  result(): Pooled {
    const empty = this.rows * this.cols === 0;
    return { height: this.height, width: this.width, blockRows: this.blockRows, blockCols: this.blockCols, cells: this.cells, min: empty ? 0 : this.min, max: empty ? 0 : this.max };
  }
}

/** The running form of inputs.ts `checksum`: Σ_k w_k·x_k, w_k = 1 + (k mod 97)/97, k the global column-major index. */
export class RunningChecksum {
  sum = 0;
  abs = 0;
  add(offset: number, data: ArrayLike<number>): void {
    for (let k = 0; k < data.length; k++) {
      const w = 1 + ((offset + k) % 97) / 97;
      this.sum += w * data[k]!;
      this.abs += w * Math.abs(data[k]!);
    }
  }
}

export interface TiledResult {
  readonly rows: number;
  readonly cols: number;
  readonly precision: 'f32' | 'f64';
  readonly tiles: number;
  readonly pooled: Pooled;
  readonly sums: { readonly sum: number; readonly abs: number };
  /** The whole result as a .npy file (column-major, fortran_order True); null above the download limit. */
  readonly npy: Blob | null;
}

export interface TiledRequest {
  readonly kind: 'jacobian' | 'hessian';
  readonly expr: string;
  readonly wrt: string | undefined;
  readonly at: Record<string, Mat>;
  readonly layout: Layout;
  readonly method: Method;
  readonly backend: BackendChoice;
  readonly onReport: (r: RunReport) => void;
}

/**
 * The size the result would have, and its tiles when it is larger than `threshold` bytes
 * (null: small enough for one piece). Nothing runs yet.
 */
export async function planTiles(req: TiledRequest, threshold: number, downloadLimit = DEFAULT_DOWNLOAD_LIMIT): Promise<{ bytes: number; run: (onProgress: (done: number, total: number) => void) => Promise<TiledResult> } | null> {
  if (req.method === 'fd') return null; // finite differences do not stream: the one-piece path says how large it is
  // one tile ≈ a quarter of the threshold (tileColumns in plan/run.ts), so a tile stays well inside one buffer
  const t = await tiledJacobian(req.expr, { wrt: req.wrt, at: req.at, layout: req.layout, method: req.method, backend: req.backend, onReport: req.onReport, hessian: req.kind === 'hessian', maxBytes: threshold, reuse: true }); // each tile is folded in (and copied into a Blob) before the next
  const size = t.precision === 'f64' ? 8 : 4;
  const bytes = t.rows * t.cols * size;
  if (bytes <= threshold) return null;
  return {
    bytes,
    run: async (onProgress) => {
      const pool = new PoolAccumulator(t.rows, t.cols);
      const sums = new RunningChecksum();
      const keep = bytes + 128 <= downloadLimit;
      const parts: BlobPart[] = [encodeNpyHeader(t.rows, t.cols, t.precision === 'f64' ? 'float64' : 'float32') as Uint8Array<ArrayBuffer>];
      let tiles = 0;
      let done = 0;
      onProgress(0, t.cols);
      for await (const { col0, count, tile } of t.tiles()) {
        pool.add(col0, tile.data, count);
        sums.add(col0 * t.rows, tile.data);
        if (keep) parts.push(new Blob([tile.data as Float32Array<ArrayBuffer> | Float64Array<ArrayBuffer>]));
        tiles++;
        done += count;
        onProgress(done, t.cols);
        // let the page paint the progress between tiles
        await new Promise((r) => setTimeout(r, 0));
      }
      return { rows: t.rows, cols: t.cols, precision: t.precision, tiles, pooled: pool.result(), sums: { sum: sums.sum, abs: sums.abs }, npy: keep ? new Blob(parts, { type: 'application/octet-stream' }) : null };
    },
  };
}
