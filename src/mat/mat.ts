import { InvalidArgumentError, NonFiniteError, type Shape } from '../errors.js';

export type MatData = Float64Array | Float32Array;

/**
 * A dense real matrix stored column-major, so `data` is `vec(X)` itself:
 * `X[i, j]` lives at `data[i + j·rows]` (DESIGN.md §1).
 * Results computed on the GPU carry a Float32Array; everything else Float64Array.
 */
export class Mat {
  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly data: MatData,
  ) {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
      throw new InvalidArgumentError(`matrix dimensions must be non-negative integers, got ${rows}×${cols}`);
    }
    if (data.length !== rows * cols) {
      throw new InvalidArgumentError(`a ${rows}×${cols} matrix needs ${rows * cols} entries, got ${data.length}`);
    }
  }

  /** From row arrays: `Mat.from([[1, 2], [3, 4]])` is the matrix with first row [1, 2]. */
  static from(rowArrays: readonly (readonly number[])[]): Mat {
    if (!Array.isArray(rowArrays)) throw new InvalidArgumentError('Mat.from expects an array of rows');
    const m = rowArrays.length;
    const n = m === 0 ? 0 : rowArrays[0]!.length;
    const data = new Float64Array(m * n);
    for (let i = 0; i < m; i++) {
      const row = rowArrays[i]!;
      if (!Array.isArray(row) || row.length !== n) {
        throw new InvalidArgumentError(`Mat.from: row ${i} has ${Array.isArray(row) ? row.length : 'no'} entries, row 0 has ${n}`);
      }
      for (let j = 0; j < n; j++) data[i + j * m] = Number(row[j]);
    }
    return new Mat(m, n, data);
  }

  /** Wraps (does not copy) column-major data: `data = vec(X)`. */
  static fromColumnMajor(m: number, n: number, data: MatData | readonly number[]): Mat {
    return new Mat(m, n, data instanceof Float64Array || data instanceof Float32Array ? data : Float64Array.from(data));
  }

  static zeros(m: number, n: number = m): Mat {
    return new Mat(m, n, new Float64Array(m * n));
  }

  static eye(n: number): Mat {
    const I = Mat.zeros(n, n);
    for (let i = 0; i < n; i++) I.data[i + i * n] = 1;
    return I;
  }

  static scalar(v: number): Mat {
    return new Mat(1, 1, Float64Array.of(v));
  }

  /** Column vector from values. */
  static col(values: readonly number[]): Mat {
    return new Mat(values.length, 1, Float64Array.from(values));
  }

  /**
   * Reproducible random matrix, entries uniform in [lo, hi) (default [-1, 1)), or standard normal
   * with `dist: 'normal'`. The same seed always gives the same matrix.
   */
  static random(m: number, n: number = m, opts: { seed?: number; lo?: number; hi?: number; dist?: 'uniform' | 'normal' } = {}): Mat {
    const rand = mulberry32(opts.seed ?? 1);
    const out = Mat.zeros(m, n);
    const d = out.data;
    if (opts.dist === 'normal') {
      for (let k = 0; k < d.length; k++) {
        const u = 1 - rand();
        d[k] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
      }
    } else {
      const lo = opts.lo ?? -1;
      const hi = opts.hi ?? 1;
      for (let k = 0; k < d.length; k++) d[k] = lo + (hi - lo) * rand();
    }
    return out;
  }

  get shape(): Shape {
    return [this.rows, this.cols];
  }

  get size(): number {
    return this.rows * this.cols;
  }

  get(i: number, j: number): number {
    if (i < 0 || i >= this.rows || j < 0 || j >= this.cols || !Number.isInteger(i) || !Number.isInteger(j)) {
      throw new InvalidArgumentError(`index (${i}, ${j}) is outside a ${this.rows}×${this.cols} matrix (0-based)`);
    }
    return this.data[i + j * this.rows]!;
  }

  set(i: number, j: number, v: number): void {
    if (i < 0 || i >= this.rows || j < 0 || j >= this.cols) {
      throw new InvalidArgumentError(`index (${i}, ${j}) is outside a ${this.rows}×${this.cols} matrix (0-based)`);
    }
    this.data[i + j * this.rows] = v;
  }

  /** Row arrays, the inverse of `Mat.from`. */
  toArray(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.rows; i++) {
      const row = new Array<number>(this.cols);
      for (let j = 0; j < this.cols; j++) row[j] = this.data[i + j * this.rows]!;
      out.push(row);
    }
    return out;
  }

  clone(): Mat {
    return new Mat(this.rows, this.cols, this.data.slice());
  }

  /** The same matrix in float64 (a copy only when the data is float32). */
  toFloat64(): Mat {
    return this.data instanceof Float64Array ? this : new Mat(this.rows, this.cols, Float64Array.from(this.data));
  }

  /** Throws NonFiniteError naming the first NaN/Inf entry. */
  assertFinite(what = 'matrix'): this {
    const d = this.data;
    for (let k = 0; k < d.length; k++) {
      if (!Number.isFinite(d[k]!)) {
        const i = k % this.rows;
        const j = Math.floor(k / this.rows);
        throw new NonFiniteError(`${what} has a non-finite entry ${d[k]} at (${i + 1}, ${j + 1})`);
      }
    }
    return this;
  }

  /** Aligned columns; rows and columns beyond `maxRows`/`maxCols` are elided with '…'. */
  toString(opts: { maxRows?: number; maxCols?: number; digits?: number } = {}): string {
    return formatMat(this, opts);
  }
}

/** Small, fast, reproducible PRNG (mulberry32); returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fmtNum(v: number, digits: number): string {
  if (Object.is(v, -0)) v = 0;
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e6)) return v.toExponential(digits - 1);
  return String(Number(v.toPrecision(digits)));
}

export function formatMat(X: Mat, opts: { maxRows?: number; maxCols?: number; digits?: number } = {}): string {
  const maxRows = opts.maxRows ?? 12;
  const maxCols = opts.maxCols ?? 10;
  const digits = opts.digits ?? 5;
  const pick = (count: number, max: number): (number | null)[] => {
    if (count <= max) return Array.from({ length: count }, (_, k) => k);
    const head = Math.ceil((max - 1) / 2);
    const tail = max - 1 - head;
    return [...Array.from({ length: head }, (_, k) => k), null, ...Array.from({ length: tail }, (_, k) => count - tail + k)];
  };
  const rows = pick(X.rows, maxRows);
  const cols = pick(X.cols, maxCols);
  const cells = rows.map((i) => cols.map((j) => (i === null ? (j === null ? '⋱' : '⋮') : j === null ? '…' : fmtNum(X.data[i + j * X.rows]!, digits))));
  const widths = cols.map((_, c) => Math.max(...cells.map((r) => r[c]!.length)));
  const header = `${X.rows}×${X.cols} ${X.data instanceof Float32Array ? 'float32' : 'float64'}`;
  const body = cells.map((r) => '  ' + r.map((s, c) => s.padStart(widths[c]!)).join('  '));
  return [header, ...body].join('\n');
}
