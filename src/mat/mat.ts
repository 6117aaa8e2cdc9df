import { InvalidArgumentError, NonFiniteError, TooLargeError, type Shape } from '../errors.js';
import { kronArray } from './kron-simd.js';

export type MatData = Float64Array | Float32Array;

/**
 * The most entries one matrix may hold (8 GiB in float64): sizes are checked against it before
 * anything is allocated, so an impossible size is a TooLargeError, never a RangeError.
 */
export const MAX_ENTRIES = 2 ** 30;

const fmtGiB = (bytes: number): string => (bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toPrecision(3)} GiB` : `${(bytes / 2 ** 20).toPrecision(3)} MiB`);

/**
 * Checks an m×n size before allocating it: non-negative integers (InvalidArgumentError), at most
 * MAX_ENTRIES entries (TooLargeError saying how much). `what` names the matrix in the message.
 */
export function checkSize(m: unknown, n: unknown, what = 'matrix'): void {
  if (typeof m !== 'number' || typeof n !== 'number' || !Number.isSafeInteger(m) || !Number.isSafeInteger(n) || m < 0 || n < 0) {
    throw new InvalidArgumentError(`${what}: dimensions must be non-negative integers, got ${String(m)}×${String(n)}`);
  }
  if (m * n > MAX_ENTRIES) {
    throw new TooLargeError(
      `${what}: a ${m}×${n} matrix has ${(m * n).toExponential(2)} entries (${fmtGiB(m * n * 8)} in float64), more than the ${fmtGiB(MAX_ENTRIES * 8)} one matrix may take; ` +
        'use smaller sizes, or rewrite the expression so that it does not form this matrix',
      m * n * 8,
    );
  }
}

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
    checkSize(rows, cols, 'new Mat');
    if (!(data instanceof Float64Array || data instanceof Float32Array)) {
      throw new InvalidArgumentError(`new Mat: data must be a Float64Array or Float32Array (column-major), got ${data === null ? 'null' : Array.isArray(data) ? 'an array (use Mat.fromColumnMajor)' : typeof data}`);
    }
    if (data.length !== rows * cols) {
      throw new InvalidArgumentError(`a ${rows}×${cols} matrix needs ${rows * cols} entries, got ${data.length}`);
    }
  }

  /** From row arrays: `Mat.from([[1, 2], [3, 4]])` is the matrix with first row [1, 2]. */
  static from(rowArrays: readonly (readonly number[])[]): Mat {
    if (!Array.isArray(rowArrays)) throw new InvalidArgumentError('Mat.from expects an array of rows');
    const m = rowArrays.length;
    const first: unknown = m === 0 ? [] : rowArrays[0];
    if (!Array.isArray(first)) throw new InvalidArgumentError('Mat.from: row 0 is not an array (Mat.from takes an array of rows)');
    const n = first.length;
    checkSize(m, n, 'Mat.from');
    const data = new Float64Array(m * n);
    for (let i = 0; i < m; i++) {
      const row = rowArrays[i]!;
      if (!Array.isArray(row) || row.length !== n) {
        throw new InvalidArgumentError(`Mat.from: row ${i} has ${Array.isArray(row) ? row.length : 'no'} entries, row 0 has ${n}`);
      }
      for (let j = 0; j < n; j++) {
        const v: unknown = row[j];
        if (typeof v !== 'number') throw new InvalidArgumentError(`Mat.from: entry (${i + 1}, ${j + 1}) is ${v === null ? 'null' : typeof v}, not a number`);
        data[i + j * m] = v;
      }
    }
    return new Mat(m, n, data);
  }

  /** Wraps (does not copy) column-major data: `data = vec(X)`. */
  static fromColumnMajor(m: number, n: number, data: MatData | readonly number[]): Mat {
    checkSize(m, n, 'Mat.fromColumnMajor');
    if (data instanceof Float64Array || data instanceof Float32Array) return new Mat(m, n, data);
    if (!Array.isArray(data)) throw new InvalidArgumentError(`Mat.fromColumnMajor: data must be a Float64Array, Float32Array or an array of numbers, got ${data === null ? 'null' : typeof data}`);
    if (data.length !== m * n) throw new InvalidArgumentError(`Mat.fromColumnMajor: a ${m}×${n} matrix needs ${m * n} entries, got ${data.length}`);
    const k = data.findIndex((v) => typeof v !== 'number');
    if (k >= 0) throw new InvalidArgumentError(`Mat.fromColumnMajor: entry ${k} is ${typeof data[k]}, not a number`);
    return new Mat(m, n, Float64Array.from(data));
  }

  static zeros(m: number, n: number = m): Mat {
    checkSize(m, n, 'Mat.zeros');
    return new Mat(m, n, new Float64Array(m * n));
  }

  /**
   * A zero m×n matrix to pass as `out` to the CPU path, its entries in a WebAssembly memory of
   * its own: the Jacobian writer's SIMD kernel stores into it in place, 16 bytes at a time (into
   * any other array the writer's JavaScript kernels store 8), which for outputs beyond the caches
   * is up to 20 % faster (A·X·B at n = 96: 32 against 39 ms, README "Benchmarks"). Its `data`
   * is an ordinary Float64Array in every other respect, but its `.buffer` is the memory's: larger
   * than the matrix, and not detachable (a browser refuses to transfer it to a worker; send a copy).
   * Where the engine lacks WebAssembly SIMD, or past 4 GiB, it is `Mat.zeros(m, n)`.
   */
  static wasm(m: number, n: number = m): Mat {
    checkSize(m, n, 'Mat.wasm');
    return new Mat(m, n, kronArray(m, n) ?? new Float64Array(m * n));
  }

  static eye(n: number): Mat {
    checkSize(n, n, 'Mat.eye');
    const I = Mat.zeros(n, n);
    for (let i = 0; i < n; i++) I.data[i + i * n] = 1;
    return I;
  }

  static scalar(v: number): Mat {
    if (typeof v !== 'number') throw new InvalidArgumentError(`Mat.scalar: expected a number, got ${v === null ? 'null' : typeof v}`);
    return new Mat(1, 1, Float64Array.of(v));
  }

  /** Column vector from values. */
  static col(values: readonly number[]): Mat {
    if (!Array.isArray(values)) throw new InvalidArgumentError('Mat.col expects an array of numbers');
    const k = values.findIndex((v) => typeof v !== 'number');
    if (k >= 0) throw new InvalidArgumentError(`Mat.col: entry ${k} is ${values[k] === null ? 'null' : typeof values[k]}, not a number`);
    return new Mat(values.length, 1, Float64Array.from(values));
  }

  /**
   * Reproducible random matrix, entries uniform in [lo, hi) (default [-1, 1)), or standard normal
   * with `dist: 'normal'`. The same seed always gives the same matrix.
   */
  static random(m: number, n: number = m, opts: { seed?: number; lo?: number; hi?: number; dist?: 'uniform' | 'normal' } = {}): Mat {
    checkSize(m, n, 'Mat.random');
    if (typeof opts !== 'object' || opts === null) throw new InvalidArgumentError('Mat.random: options must be an object { seed, lo, hi, dist }');
    const { seed = 1, lo: lo0 = -1, hi: hi0 = 1, dist = 'uniform' } = opts;
    if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new InvalidArgumentError(`Mat.random: seed must be a finite number, got ${String(seed)}`);
    if (typeof lo0 !== 'number' || typeof hi0 !== 'number' || !Number.isFinite(lo0) || !Number.isFinite(hi0) || !Number.isFinite(hi0 - lo0) || lo0 > hi0) {
      throw new InvalidArgumentError(`Mat.random: lo and hi must be finite numbers with lo ≤ hi, got lo=${String(lo0)}, hi=${String(hi0)}`);
    }
    if (dist !== 'uniform' && dist !== 'normal') throw new InvalidArgumentError(`Mat.random: dist must be 'uniform' or 'normal', got ${String(dist)}`);
    const rand = mulberry32(seed);
    const out = Mat.zeros(m, n);
    const d = out.data;
    if (dist === 'normal') {
      for (let k = 0; k < d.length; k++) {
        const u = 1 - rand();
        d[k] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
      }
    } else {
      const lo = lo0;
      const hi = hi0;
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
