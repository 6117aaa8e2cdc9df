/**
 * The CPU backend: plain TypeScript over Float64Array, the reference every other backend is
 * checked against. Semantics are exactly those documented in ../backend.ts; the kernels are the
 * ones in src/mat.
 */
import { broadcastBatch, checkTensorData, concatLayout, desc, elementwiseShape, matmulDims, shp, uploadList } from '../checks.js';
import { InvalidArgumentError, ShapeError, fmtShape } from '../../errors.js';
import { kronFlat } from '../../mat/kron.js';
import { Mat } from '../../mat/mat.js';
import { gemmBatch } from '../../mat/matmul.js';
import { scaleInto, transposeInto } from '../../mat/ops.js';
import { entrywiseInto, gatherInto, placeBlock, sumRange } from '../../mat/strided.js';
import type { Assembly } from '../../plan/assembly.js';
import type { Backend, Tensor } from '../backend.js';
import { writeAssembly } from './assemble.js';
import { BufferPool } from './pool.js';

/** Pool bookkeeping on a tensor, kept by the CpuBackend of this module (outside the Tensor contract). */
const owner = Symbol('owner');
const disposed = Symbol('disposed');

/** A batch of equally shaped column-major matrices; element (b, i, j) at `b·rows·cols + i + j·rows`. */
export class CpuTensor implements Tensor {
  /** The backend whose pool takes this buffer on dispose: the one that allocated it, until a read hands it to a Mat. */
  [owner]: CpuBackend | null = null;
  /** Disposed: its buffer may already hold another result. */
  [disposed] = false;

  constructor(
    readonly batch: number,
    readonly rows: number,
    readonly cols: number,
    readonly data: Float64Array,
  ) {
    checkTensorData(batch, rows, cols, data.length);
  }

  get size(): number {
    return this.rows * this.cols;
  }

  /** Slice t as a Mat (a copy). */
  slice(t: number): Mat {
    const s = this.rows * this.cols;
    return new Mat(this.rows, this.cols, this.data.slice(t * s, (t + 1) * s));
  }
}


function asCpu(t: Tensor, what: string): CpuTensor {
  if (!(t instanceof CpuTensor)) throw new InvalidArgumentError(`${what}: the cpu backend got a tensor from another backend`);
  return t;
}


/** Options of the CPU backend's buffer pool (see CpuBackend). */
export interface CpuBackendOptions {
  /** The most bytes the pool holds at once, least recently freed buffers evicted first (default 1 GiB; 0 turns pooling off). */
  readonly poolBytes?: number;
  /** The most buffers of one length the pool holds (default 8). */
  readonly poolPerSize?: number;
  /** Test hook: fill every buffer with NaN as it enters the pool, so a kernel that relies on zeros shows. */
  readonly poison?: boolean;
}

/**
 * Ownership rules of the pool: a tensor made by this backend owns its buffer until it is disposed
 * (the buffer goes to the pool) or read (the buffer becomes the returned Mat's data, forever: that
 * tensor's later dispose frees nothing, so a user's Mat is never overwritten). Disposing twice is a
 * no-op; using or reading a disposed tensor throws (disposed through any CPU backend: the state is
 * the tensor's; only the backend that made it takes its buffer). Tensors built directly with
 * `new CpuTensor` never enter the pool.
 */
export class CpuBackend implements Backend {
  readonly name = 'cpu' as const;
  readonly precision = 'f64' as const;
  readonly device = 'cpu (float64)';

  private readonly pool: BufferPool;

  constructor(opts: CpuBackendOptions = {}) {
    const maxBytes = opts.poolBytes ?? 2 ** 30;
    const perSize = opts.poolPerSize ?? 8;
    if (!(maxBytes >= 0) || !Number.isInteger(perSize) || perSize < 0) {
      throw new InvalidArgumentError(`CpuBackend: poolBytes must be ≥ 0 and poolPerSize a non-negative integer, got ${maxBytes} and ${perSize}`);
    }
    this.pool = new BufferPool(maxBytes, perSize, opts.poison ?? false);
  }

  /** What the buffer pool holds now (for tests and diagnostics). */
  poolStats(): { buffers: number; bytes: number } {
    return { buffers: this.pool.buffers, bytes: this.pool.bytes };
  }

  /** Lets the garbage collector have every pooled buffer. */
  trimPool(): void {
    this.pool.clear();
  }

  /** A buffer of `len` entries from the pool, or fresh; zero-filled only when `zero` (fresh ones are zero anyway). */
  private alloc(len: number, zero: boolean): Float64Array {
    const d = this.pool.take(len);
    if (d === null) return new Float64Array(len);
    if (zero) d.fill(0);
    return d;
  }

  /** Wraps a buffer from `alloc` as a tensor this backend owns. */
  private own(batch: number, rows: number, cols: number, data: Float64Array): CpuTensor {
    const T = new CpuTensor(batch, rows, cols, data);
    T[owner] = this;
    return T;
  }

  /** `asCpu`, and refuses a disposed tensor (its buffer may already hold another result). */
  private live(t: Tensor, what: string): CpuTensor {
    const T = asCpu(t, what);
    if (T[disposed]) throw new InvalidArgumentError(`${what}: the tensor (${desc(T)}) was disposed`);
    return T;
  }

  upload(mats: Mat | readonly Mat[]): CpuTensor {
    const { list, rows, cols } = uploadList(mats);
    const s = rows * cols;
    const data = this.alloc(list.length * s, false);
    list.forEach((M, t) => data.set(M.data, t * s));
    return this.own(list.length, rows, cols, data);
  }

  unitBatch(m: number, n: number): CpuTensor {
    const s = m * n;
    const data = this.alloc(s * s, true);
    for (let t = 0; t < s; t++) data[t * s + t] = 1;
    return this.own(s, m, n, data);
  }

  matmul(a: Tensor, b: Tensor, transA = false, transB = false): CpuTensor {
    const A = this.live(a, 'matmul');
    const B = this.live(b, 'matmul');
    const { m, k, n, batch } = matmulDims(A, B, transA, transB);
    // gemm overwrites every entry
    const out = this.alloc(batch * m * n, false);
    gemmBatch(out, A.data, A.batch, B.data, B.batch, m, k, n, transA, transB);
    return this.own(batch, m, n, out);
  }

  elementwise(op: 'add' | 'sub' | 'mul' | 'div', a: Tensor, b: Tensor): CpuTensor {
    const A = this.live(a, op);
    const B = this.live(b, op);
    const { batch, rows, cols, aScalar, bScalar } = elementwiseShape(op, A, B);
    const s = rows * cols;
    const sa = A.rows * A.cols;
    const sb = B.rows * B.cols;
    const out = this.alloc(batch * s, false);
    for (let t = 0; t < batch; t++) {
      entrywiseInto(op, out, t * s, A.data, A.batch === 1 ? 0 : t * sa, aScalar ? 0 : 1, B.data, B.batch === 1 ? 0 : t * sb, bScalar ? 0 : 1, s);
    }
    return this.own(batch, rows, cols, out);
  }

  scale(a: Tensor, alpha: number): CpuTensor {
    const A = this.live(a, 'scale');
    return this.own(A.batch, A.rows, A.cols, scaleInto(this.alloc(A.data.length, false), A.data, alpha));
  }

  transpose(a: Tensor): CpuTensor {
    const A = this.live(a, 'transpose');
    const s = A.rows * A.cols;
    const out = this.alloc(A.data.length, false);
    for (let t = 0; t < A.batch; t++) transposeInto(out, A.data, A.rows, A.cols, t * s, t * s);
    return this.own(A.batch, A.cols, A.rows, out);
  }

  gather(a: Tensor, idx: Int32Array, rows: number, cols: number): CpuTensor {
    const A = this.live(a, 'gather');
    const s = rows * cols;
    if (idx.length !== s) throw new ShapeError(`gather: ${idx.length} indices for a ${rows}×${cols} output (needs ${s})`, [[rows, cols]]);
    const sa = A.rows * A.cols;
    for (let e = 0; e < s; e++) {
      if (idx[e]! >= sa) throw new ShapeError(`gather: index ${idx[e]} is outside a ${fmtShape(shp(A))} input (${sa} entries)`, [shp(A)]);
    }
    const out = this.alloc(A.batch * s, false);
    for (let t = 0; t < A.batch; t++) gatherInto(out, t * s, A.data, t * sa, idx);
    return this.own(A.batch, rows, cols, out);
  }

  concat(blocks: readonly (readonly Tensor[])[]): CpuTensor {
    const { rowsOf, batch, rows: R, cols: C } = concatLayout(blocks);
    const parts = blocks.map((row) => row.map((blk) => this.live(blk, 'concat')));
    // the blocks tile the output: every entry is overwritten
    const out = this.alloc(batch * R * C, false);
    for (let t = 0; t < batch; t++) {
      const o = t * R * C;
      let r0 = 0;
      parts.forEach((row, bi) => {
        let c0 = 0;
        row.forEach((T) => {
          placeBlock(out, o, R, r0, c0, T.data, T.batch === 1 ? 0 : t * T.size, T.rows, T.cols);
          c0 += T.cols;
        });
        r0 += rowsOf[bi]!;
      });
    }
    return this.own(batch, R, C, out);
  }

  kron(a: Tensor, b: Tensor): CpuTensor {
    const A = this.live(a, 'kron');
    const B = this.live(b, 'kron');
    const batch = broadcastBatch('kron', A, B);
    const rows = A.rows * B.rows;
    const cols = A.cols * B.cols;
    const out = this.alloc(batch * rows * cols, false);
    for (let t = 0; t < batch; t++) {
      kronFlat(out, A.data, A.rows, A.cols, B.data, B.rows, B.cols, t * rows * cols, A.batch === 1 ? 0 : t * A.size, B.batch === 1 ? 0 : t * B.size);
    }
    return this.own(batch, rows, cols, out);
  }

  sumAll(a: Tensor): CpuTensor {
    const A = this.live(a, 'sumAll');
    const s = A.rows * A.cols;
    const out = this.alloc(A.batch, false);
    for (let t = 0; t < A.batch; t++) out[t] = sumRange(A.data, t * s, s);
    return this.own(A.batch, 1, 1, out);
  }

  stack(a: Tensor, transposed: boolean): CpuTensor {
    const A = this.live(a, 'stack');
    const s = A.rows * A.cols;
    const out = this.alloc(A.data.length, false);
    if (!transposed) {
      out.set(A.data);
      return this.own(1, s, A.batch, out);
    }
    // Row t of the batch×s result is vec(slice t): a transpose of the s×batch reading.
    transposeInto(out, A.data, s, A.batch);
    return this.own(1, A.batch, s, out);
  }

  assemble(A: Assembly): CpuTensor {
    const add = A.add ? this.live(A.add, 'assemble').data : null;
    const len = A.rows * A.count;
    const recycled = len > 0 ? this.pool.take(len) : null;
    const out = writeAssembly(A, recycled ?? new Float64Array(len), recycled === null, add);
    return this.own(1, A.rows, A.count, out);
  }

  /**
   * `assemble` into a given batch-1 rows×count tensor (a caller's buffer wrapped by
   * `new CpuTensor`, or one of this backend's), overwriting it, or adding to it in place when it
   * is also the assembly's `add`; returns that tensor.
   */
  assembleInto(A: Assembly, into: CpuTensor): CpuTensor {
    const T = this.live(into, 'assemble');
    if (T.batch !== 1 || T.rows !== A.rows || T.cols !== A.count) {
      throw new ShapeError(`assemble: the target is ${desc(T)}, the result is ${A.rows}×${A.count}`, [shp(T), [A.rows, A.count]]);
    }
    // add may be the target itself: the terms are then accumulated in place
    const add = A.add ? this.live(A.add, 'assemble').data : null;
    writeAssembly(A, T.data, false, add);
    return T;
  }

  /**
   * Hands the tensor's buffer to the returned Mat (no copy): from now on it belongs to the Mat,
   * and the tensor's dispose no longer recycles it.
   */
  read(t: Tensor): Promise<Mat> {
    let T: CpuTensor;
    try {
      T = this.live(t, 'read');
    } catch (e) {
      return Promise.reject(e as Error);
    }
    if (T.batch !== 1) return Promise.reject(new ShapeError(`read: expects a batch-1 tensor, got a batch of ${T.batch} ${fmtShape(shp(T))}`));
    if (T[owner] === this) T[owner] = null;
    return Promise.resolve(new Mat(T.rows, T.cols, T.data));
  }

  /** Gives the tensor's buffer to the pool, unless it was read (or is not this backend's); twice is a no-op. */
  dispose(t: Tensor): void {
    if (!(t instanceof CpuTensor) || t[disposed]) return;
    t[disposed] = true;
    if (t[owner] === this) {
      t[owner] = null;
      this.pool.give(t.data);
    }
  }

  sync(): Promise<void> {
    return Promise.resolve();
  }
}
