/**
 * Heat map of a (possibly huge) matrix: max-abs pooling down to at most 512×512 cells, then a
 * diverging colour map (blue for negative, white for zero, red for positive) symmetric about 0.
 */

export const MAX_CELLS = 512;

export interface Pooled {
  /** Pooled size (rows × cols of the image). */
  readonly height: number;
  readonly width: number;
  /** Rows and columns of the matrix pooled into one cell. */
  readonly blockRows: number;
  readonly blockCols: number;
  /** Row-major, height × width: in each block the entry of largest magnitude, with its sign. */
  readonly cells: Float64Array;
  /** Over the whole matrix (not just the pooled cells, which keep both extremes anyway). */
  readonly min: number;
  readonly max: number;
}

/** Max-abs pooling of a column-major rows×cols matrix to at most `limit`×`limit` cells. */
export function poolMaxAbs(data: ArrayLike<number>, rows: number, cols: number, limit = MAX_CELLS): Pooled {
  const blockRows = Math.max(1, Math.ceil(rows / limit));
  const blockCols = Math.max(1, Math.ceil(cols / limit));
  const height = Math.ceil(rows / blockRows);
  const width = Math.ceil(cols / blockCols);
  const cells = new Float64Array(height * width);
  let min = Infinity;
  let max = -Infinity;
  for (let j = 0; j < cols; j++) {
    const cj = Math.floor(j / blockCols);
    const base = j * rows;
    for (let i = 0; i < rows; i++) {
      const v = data[base + i]!;
      if (v < min) min = v;
      if (v > max) max = v;
      const c = Math.floor(i / blockRows) * width + cj;
      if (Math.abs(v) > Math.abs(cells[c]!)) cells[c] = v;
    }
  }
  if (rows * cols === 0) {
    min = 0;
    max = 0;
  }
  return { height, width, blockRows, blockCols, cells, min, max };
}

const NEG: readonly [number, number, number] = [33, 102, 172];
const MID: readonly [number, number, number] = [247, 247, 247];
const POS: readonly [number, number, number] = [178, 24, 43];

/** Diverging colour of t ∈ [−1, 1] (clamped). */
export function diverging(t: number): [number, number, number] {
  const u = Math.max(-1, Math.min(1, Number.isFinite(t) ? t : 0));
  const end = u < 0 ? NEG : POS;
  const a = Math.abs(u);
  return [0, 1, 2].map((k) => Math.round(MID[k]! + (end[k]! - MID[k]!) * a)) as [number, number, number];
}

/** Paints the pooled cells onto `canvas` (one pixel a cell; scaled up by CSS). Returns the colour scale ±s. */
export function paintHeatmap(canvas: HTMLCanvasElement, p: Pooled, displayMax = MAX_CELLS): number {
  canvas.width = p.width;
  canvas.height = p.height;
  const scale = Math.max(Math.abs(p.min), Math.abs(p.max));
  const ctx = canvas.getContext('2d');
  if (ctx && p.width > 0 && p.height > 0) {
    const img = ctx.createImageData(p.width, p.height);
    for (let k = 0; k < p.cells.length; k++) {
      const [r, g, b] = diverging(scale > 0 ? p.cells[k]! / scale : 0);
      img.data[4 * k] = r;
      img.data[4 * k + 1] = g;
      img.data[4 * k + 2] = b;
      img.data[4 * k + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }
  // Fit the image in a displayMax × displayMax box, keeping square cells.
  const zoom = Math.min(displayMax / Math.max(p.width, 1), displayMax / Math.max(p.height, 1));
  canvas.style.width = `${Math.max(1, Math.round(p.width * zoom))}px`;
  canvas.style.height = `${Math.max(1, Math.round(p.height * zoom))}px`;
  return scale;
}

/** A horizontal colour bar from −s (left) to +s (right). */
export function paintLegend(canvas: HTMLCanvasElement): void {
  const w = 256;
  canvas.width = w;
  canvas.height = 1;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(w, 1);
  for (let x = 0; x < w; x++) {
    const [r, g, b] = diverging((2 * x) / (w - 1) - 1);
    img.data.set([r, g, b, 255], 4 * x);
  }
  ctx.putImageData(img, 0, 0);
}
