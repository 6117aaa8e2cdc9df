/**
 * The gpu.js backend: the `Backend` contract of ../backend.ts on gpu.js kernels (WebGL2/WebGL
 * fragment shaders in browsers without WebGPU, WebAssembly SIMD in Node, plain JS as a last
 * resort). Tensors are host Float32Arrays plus a shape: gpu.js takes typed arrays in and returns
 * Float32Arrays, so every op uploads its operands and reads its result back. Arithmetic (matmul,
 * elementwise, scale, kron, sums, gathers, transposes, the Jacobian assembly) runs in gpu.js
 * kernels; pure copies (upload, concat, stack, unit batches) are host memcpys.
 */
import { broadcastBatch, checkTensorData, concatLayout, elementwiseShape, matmulDims, shp, uploadList } from '../checks.js';
import { InvalidArgumentError, ShapeError, TooLargeError, fmtShape } from '../../errors.js';
import { Mat } from '../../mat/mat.js';
import { coordsOf, strides, type Assembly } from '../../plan/assembly.js';
import type { Backend, Tensor } from '../backend.js';
import { planGrid, scatterResult, type GridLimits } from './grid.js';
import {
  ASSEMBLE,
  ASSEMBLE_ADD,
  COLSUM,
  ELEMENTWISE,
  GATHER,
  KRON,
  LAUNCH_ARGS,
  MATMUL,
  SCALE,
  TRANSPOSE,
  type ElementwiseOp,
  type KernelSpec,
} from './kernels.js';

/** The part of a gpu.js kernel the backend uses. */
export interface GpuJsKernel {
  (...args: unknown[]): unknown;
  setOutput(output: number[]): unknown;
  destroy?(removeCanvasReferences?: boolean): void;
}

/** The part of a gpu.js `GPU` instance the backend uses. */
export interface GpuJsInstance {
  mode?: string;
  Kernel?: unknown;
  createKernel(source: string, settings: Record<string, unknown>): GpuJsKernel;
  destroy?(): unknown;
}

/** A gpu.js tensor: a batch of column-major matrices in one host Float32Array (slice t at t·rows·cols). */
export class GpuJsTensor implements Tensor {
  constructor(
    readonly batch: number,
    readonly rows: number,
    readonly cols: number,
    readonly data: Float32Array,
  ) {
    checkTensorData(batch, rows, cols, data.length);
  }

  get size(): number {
    return this.rows * this.cols;
  }
}

/** float32 represents every integer below 2^24 exactly; gpu.js's GL index arithmetic is float32. */
const EXACT_INDEX = 2 ** 24;


function asGpuJs(t: Tensor, what: string): GpuJsTensor {
  if (!(t instanceof GpuJsTensor)) throw new InvalidArgumentError(`${what}: the gpujs backend got a tensor from another backend`);
  return t;
}


export interface GpuJsBackendInit {
  readonly gpu: GpuJsInstance;
  /** The gpu.js backend that runs the kernels: 'webgl2', 'webgl', 'headlessgl', 'webasm' or 'cpu'. */
  readonly mode: string;
  readonly device: string;
  readonly limits: GridLimits;
  /** The WebGL renderer is a software rasteriser (SwiftShader through ANGLE, llvmpipe): 'auto' prefers the CPU path. */
  readonly software?: boolean;
  /**
   * Compiled kernels kept (default 128). In webasm mode every kernel holds WebAssembly memories,
   * and a browser renderer runs out of address space for them long before Node does.
   */
  readonly maxCachedKernels?: number;
  /** webasm only: compiled modules (one per launch size) a kernel keeps (gpu.js's default is 8). */
  readonly moduleCacheLimit?: number;
}

export class GpuJsBackend implements Backend {
  readonly name = 'gpujs' as const;
  readonly precision = 'f32' as const;
  readonly device: string;
  /** The gpu.js kernel backend in use: 'webgl2', 'webgl', 'headlessgl', 'webasm' or 'cpu'. */
  readonly mode: string;
  readonly limits: GridLimits;
  /** Its WebGL renderer is a software rasteriser ('auto' passes it over). */
  readonly software: boolean;
  private readonly gpu: GpuJsInstance;
  private readonly kernels = new Map<string, GpuJsKernel>();
  private readonly maxCachedKernels: number;
  private readonly moduleCacheLimit: number | undefined;
  private destroyed = false;

  constructor(init: GpuJsBackendInit) {
    this.gpu = init.gpu;
    this.mode = init.mode;
    this.device = init.device;
    this.limits = init.limits;
    this.software = init.software ?? false;
    this.maxCachedKernels = Math.max(1, init.maxCachedKernels ?? 128);
    this.moduleCacheLimit = init.moduleCacheLimit;
  }

  /**
   * Without a GPU (its WebAssembly or JavaScript modes, as in Node), or on a software WebGL
   * renderer, gpu.js computes in float32 and is slower than the float64 CPU backend.
   */
  autoPassOver(): string | undefined {
    if (this.software) return `gpu.js renders on a software rasteriser here (${this.device}), slower than the CPU backend (ask for backend 'gpujs' to use it anyway)`;
    if (['gpu', 'webgl2', 'webgl', 'headlessgl'].includes(this.mode)) return undefined;
    return `gpu.js runs in its ${this.mode} mode here (no GPU); the CPU backend is faster and float64 (ask for backend 'gpujs' to use it anyway)`;
  }

  // -------------------------------------------------------------------------------------------
  // kernel plumbing

  private kernelFor(spec: KernelSpec, constants: Record<string, number>): GpuJsKernel {
    if (this.destroyed) throw new InvalidArgumentError('gpujs: the backend was destroyed');
    const key = `${spec.name}|${Object.entries(constants)
      .map(([k, v]) => `${k}=${v}`)
      .join(',')}`;
    const hit = this.kernels.get(key);
    if (hit) {
      // Most recently used last.
      this.kernels.delete(key);
      this.kernels.set(key, hit);
      return hit;
    }
    if (this.kernels.size >= this.maxCachedKernels) {
      const [oldKey, old] = this.kernels.entries().next().value as [string, GpuJsKernel];
      this.kernels.delete(oldKey);
      try {
        old.destroy?.();
      } catch {
        // A kernel that cannot be destroyed is left to the garbage collector.
      }
    }
    const argumentTypes: Record<string, string> = {};
    for (const a of spec.arrays) argumentTypes[a] = 'Array';
    for (const a of LAUNCH_ARGS) argumentTypes[a] = 'Integer';
    const loops = Math.max(1000, ...Object.values(constants).map((v) => v + 1));
    const k = this.gpu.createKernel(spec.source, {
      output: [1, 1, 1],
      constants,
      argumentTypes,
      dynamicOutput: true,
      dynamicArguments: true,
      precision: 'single',
      tactic: 'precision',
      loopMaxIterations: loops,
    });
    if (this.moduleCacheLimit !== undefined) {
      const inner = (k as unknown as { kernel?: { moduleCacheLimit?: number } }).kernel;
      if (inner && typeof inner.moduleCacheLimit === 'number') inner.moduleCacheLimit = this.moduleCacheLimit;
    }
    this.kernels.set(key, k);
    return k;
  }

  /**
   * Runs `spec` over the X×Y×Z grid in as many launches as the device's limits need and returns
   * the grid as one Float32Array. `args(launch)` gives the array arguments of one launch.
   */
  private runGrid(
    spec: KernelSpec,
    constants: Record<string, number>,
    X: number,
    Y: number,
    Z: number,
    args: (y0: number, yEnd: number) => readonly Float32Array[],
  ): Float32Array {
    const out = new Float32Array(X * Y * Z);
    const launches = planGrid(X, Y, Z, this.limits);
    if (launches.length === 0) return out;
    for (const [k, v] of Object.entries(constants)) {
      if (!Number.isInteger(v) || Math.abs(v) >= EXACT_INDEX) {
        throw new TooLargeError(`gpujs: ${spec.name} needs an index constant ${k} = ${v}, beyond the 2^24 exact in float32`, Math.abs(v) * 4);
      }
    }
    const kernel = this.kernelFor(spec, constants);
    for (const L of launches) {
      const arrays = args(L.y0, L.yEnd);
      for (const a of arrays) {
        if (a.length >= EXACT_INDEX) {
          throw new TooLargeError(
            `gpujs: ${spec.name} needs an operand of ${a.length} entries; gpu.js indexes at most 2^24 (16.7M) entries per operand, tile the work`,
            a.length * 4,
          );
        }
      }
      kernel.setOutput([L.lx, L.ly, L.lz]);
      // Defensive: hand gpu.js whole, non-empty arrays (copies of offset subarrays).
      const inputs = arrays.map((a) => (a.byteOffset === 0 && a.length > 0 ? a : a.length > 0 ? a.slice() : new Float32Array(1)));
      const result = kernel(...inputs, L.y0, L.z0, L.cy, L.cz, L.yEnd);
      scatterResult(result, L, X, Y, out);
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Backend

  upload(mats: Mat | readonly Mat[]): GpuJsTensor {
    const { list, rows, cols } = uploadList(mats);
    const data = new Float32Array(list.length * rows * cols);
    list.forEach((M, t) => data.set(M.data, t * rows * cols));
    return new GpuJsTensor(list.length, rows, cols, data);
  }

  unitBatch(m: number, n: number): GpuJsTensor {
    const s = m * n;
    const data = new Float32Array(s * s);
    for (let t = 0; t < s; t++) data[t * s + t] = 1;
    return new GpuJsTensor(s, m, n, data);
  }

  matmul(a: Tensor, b: Tensor, transA = false, transB = false): GpuJsTensor {
    const A = asGpuJs(a, 'matmul');
    const B = asGpuJs(b, 'matmul');
    const { m, k, n, batch } = matmulDims(A, B, transA, transB);
    if (k === 0) return new GpuJsTensor(batch, m, n, new Float32Array(batch * m * n));
    const constants = {
      K: k,
      aBS: A.batch === 1 ? 0 : A.size,
      sAi: transA ? A.rows : 1,
      sAk: transA ? 1 : A.rows,
      bBS: B.batch === 1 ? 0 : B.size,
      sBk: transB ? B.rows : 1,
      sBj: transB ? 1 : B.rows,
    };
    const data = this.runGrid(MATMUL, constants, m, n, batch, () => [A.data, B.data]);
    return new GpuJsTensor(batch, m, n, data);
  }

  elementwise(op: ElementwiseOp, a: Tensor, b: Tensor): GpuJsTensor {
    const A = asGpuJs(a, op);
    const B = asGpuJs(b, op);
    const { batch, rows, cols, aScalar, bScalar } = elementwiseShape(op, A, B);
    const constants = {
      X: rows,
      aBS: A.batch === 1 ? 0 : A.size,
      aS: aScalar ? 0 : 1,
      bBS: B.batch === 1 ? 0 : B.size,
      bS: bScalar ? 0 : 1,
    };
    const data = this.runGrid(ELEMENTWISE[op], constants, rows, cols, batch, () => [A.data, B.data]);
    return new GpuJsTensor(batch, rows, cols, data);
  }

  scale(a: Tensor, alpha: number): GpuJsTensor {
    const A = asGpuJs(a, 'scale');
    const al = Float32Array.of(alpha);
    const data = this.runGrid(SCALE, { X: A.rows, S: A.size }, A.rows, A.cols, A.batch, () => [A.data, al]);
    return new GpuJsTensor(A.batch, A.rows, A.cols, data);
  }

  transpose(a: Tensor): GpuJsTensor {
    const A = asGpuJs(a, 'transpose');
    const data = this.runGrid(TRANSPOSE, { R: A.rows, S: A.size }, A.cols, A.rows, A.batch, () => [A.data]);
    return new GpuJsTensor(A.batch, A.cols, A.rows, data);
  }

  gather(a: Tensor, idx: Int32Array, rows: number, cols: number): GpuJsTensor {
    const A = asGpuJs(a, 'gather');
    const s = rows * cols;
    if (idx.length !== s) throw new ShapeError(`gather: ${idx.length} indices for a ${rows}×${cols} output (needs ${s})`, [[rows, cols]]);
    const sa = A.size;
    const fidx = new Float32Array(s);
    for (let e = 0; e < s; e++) {
      const k = idx[e]!;
      if (k >= sa) throw new ShapeError(`gather: index ${k} is outside a ${fmtShape(shp(A))} input (${sa} entries)`, [shp(A)]);
      fidx[e] = k < 0 ? -1 : k;
    }
    const data = this.runGrid(GATHER, { X: rows, S: sa }, rows, cols, A.batch, () => [A.data, fidx]);
    return new GpuJsTensor(A.batch, rows, cols, data);
  }

  concat(blocks: readonly (readonly Tensor[])[]): GpuJsTensor {
    const { rowsOf, batch, rows: R, cols: C } = concatLayout(blocks);
    const out = new Float32Array(batch * R * C);
    for (let t = 0; t < batch; t++) {
      const o = t * R * C;
      let r0 = 0;
      blocks.forEach((row, bi) => {
        let c0 = 0;
        row.forEach((blk) => {
          const T = asGpuJs(blk, 'concat');
          const src = T.batch === 1 ? 0 : t * T.size;
          for (let j = 0; j < T.cols; j++) {
            out.set(T.data.subarray(src + j * T.rows, src + (j + 1) * T.rows), o + r0 + (c0 + j) * R);
          }
          c0 += T.cols;
        });
        r0 += rowsOf[bi]!;
      });
    }
    return new GpuJsTensor(batch, R, C, out);
  }

  kron(a: Tensor, b: Tensor): GpuJsTensor {
    const A = asGpuJs(a, 'kron');
    const B = asGpuJs(b, 'kron');
    const batch = broadcastBatch('kron', A, B);
    const X = A.rows * B.rows;
    const Y = A.cols * B.cols;
    // Row x = ia·rb + ib, column y = ja·cb + jb: A[ia, ja] at ia + ja·ra, B[ib, jb] at ib + jb·rb.
    const rt = new Float32Array(2 * X);
    for (let x = 0; x < X; x++) {
      const ib = x % B.rows;
      rt[x] = (x - ib) / B.rows;
      rt[X + x] = ib;
    }
    const ct = new Float32Array(2 * Y);
    for (let y = 0; y < Y; y++) {
      const jb = y % B.cols;
      ct[y] = ((y - jb) / B.cols) * A.rows;
      ct[Y + y] = jb * B.rows;
    }
    const constants = { X, Y, aBS: A.batch === 1 ? 0 : A.size, bBS: B.batch === 1 ? 0 : B.size };
    const data = this.runGrid(KRON, constants, X, Y, batch, () => [A.data, B.data, rt, ct]);
    return new GpuJsTensor(batch, X, Y, data);
  }

  sumAll(a: Tensor): GpuJsTensor {
    const A = asGpuJs(a, 'sumAll');
    if (A.size === 0) return new GpuJsTensor(A.batch, 1, 1, new Float32Array(A.batch));
    // Column sums, then the sum of the column sums: two short float32 reductions, not one long one.
    const cols = this.runGrid(COLSUM, { R: A.rows, S: A.size }, 1, A.cols, A.batch, () => [A.data]);
    if (A.cols === 1) return new GpuJsTensor(A.batch, 1, 1, cols);
    const data = this.runGrid(COLSUM, { R: A.cols, S: A.cols }, 1, 1, A.batch, () => [cols]);
    return new GpuJsTensor(A.batch, 1, 1, data);
  }

  stack(a: Tensor, transposed: boolean): GpuJsTensor {
    const A = asGpuJs(a, 'stack');
    const s = A.size;
    // Slice t is already column t of the s×batch matrix (tensors are never written after creation).
    if (!transposed) return new GpuJsTensor(1, s, A.batch, A.data);
    return this.transpose(new GpuJsTensor(1, s, A.batch, A.data));
  }

  assemble(A: Assembly): GpuJsTensor {
    const add = A.add ? asGpuJs(A.add, 'assemble').data : null;
    const { rows: R, count } = A;
    const prepared = prepareFactors(A);
    if (prepared.factors.length >= EXACT_INDEX) {
      throw new TooLargeError(`assemble: the terms' factors hold ${prepared.factors.length} entries, more than gpu.js can index (2^24)`, prepared.factors.length * 4);
    }
    const nT = A.terms.length;
    if (nT === 0 || R === 0 || count === 0) {
      return new GpuJsTensor(1, R, count, add ? add.slice() : new Float32Array(R * count));
    }
    const al = Float32Array.from(A.terms, (t) => t.alpha);
    const spec = add ? ASSEMBLE_ADD : ASSEMBLE;
    const { factors: F, rt, ct } = prepared;
    const data = this.runGrid(spec, { nT, X: R, Yt: count }, R, count, 1, (y0, yEnd) => (add ? [F, rt, ct, al, add.subarray(y0 * R, yEnd * R)] : [F, rt, ct, al]));
    return new GpuJsTensor(1, R, count, data);
  }

  read(t: Tensor): Promise<Mat> {
    const T = asGpuJs(t, 'read');
    if (T.batch !== 1) return Promise.reject(new ShapeError(`read: expects a batch-1 tensor, got a batch of ${T.batch} ${fmtShape(shp(T))}`));
    return Promise.resolve(new Mat(T.rows, T.cols, T.data.slice()));
  }

  dispose(_t: Tensor): void {
    // Host arrays: the garbage collector frees them.
  }

  sync(): Promise<void> {
    // Every kernel call reads its result back before it returns.
    return Promise.resolve();
  }

  /** Frees the compiled kernels and gpu.js's context (WebGL contexts are a scarce resource). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const k of this.kernels.values()) {
      try {
        k.destroy?.();
      } catch {
        // ignore
      }
    }
    this.kernels.clear();
    try {
      const r = this.gpu.destroy?.();
      if (r && typeof (r as Promise<void>).catch === 'function') (r as Promise<void>).catch(() => undefined);
    } catch {
      // ignore
    }
  }
}

// ---------------------------------------------------------------------------------------------
// assemble: the descriptor's factors in one array, and index tables

/**
 * The factors of an assembly packed into one array F (F[0] = 1 stands for an absent factor, an
 * identity factor is read from a packed identity matrix), and index tables: slot g = 4t + f (term
 * t, factor f) reads F[rt[g·R + row] + ct[g·count + y]] at output row `row`, tile column y, where
 * rt holds the offset plus the row coordinates' part of the index and ct the column coordinates'.
 */
function prepareFactors(A: Assembly): { factors: Float32Array; rt: Float32Array; ct: Float32Array } {
  const { rows: R, count, col0, ext } = A;
  const chunks: ArrayLike<number>[] = [[1]];
  let length = 1;
  const put = (data: ArrayLike<number>): number => {
    const base = length;
    chunks.push(data);
    length += data.length;
    return base;
  };
  const eyes = new Map<number, number>();
  const eye = (k: number): number => {
    let base = eyes.get(k);
    if (base === undefined) {
      const I = new Float32Array(k * k);
      for (let d = 0; d < k; d++) I[d + d * k] = 1;
      base = put(I);
      eyes.set(k, base);
    }
    return base;
  };
  const nT = A.terms.length;
  const rt = new Float32Array(nT * 4 * R);
  const ct = new Float32Array(nT * 4 * count);
  const c = [0, 0, 0, 0];
  A.terms.forEach((t, ti) => {
    // reads, then identities as reads of an identity matrix [coord a, coord b]
    const slots: { base: number; s: readonly number[] }[] = [
      ...t.reads.map((r) => ({ base: put(r.M.data), s: strides(r) })),
      ...t.deltas.map((d) => {
        const k = ext[d.a]!;
        const s = [0, 0, 0, 0];
        s[d.a] = 1;
        s[d.b] = k;
        return { base: eye(k), s };
      }),
    ];
    if (slots.length > 4) throw new InvalidArgumentError(`assemble: a term with ${slots.length} factors (gpu.js kernels take 4)`);
    slots.forEach(({ base, s }, f) => {
      const g = ti * 4 + f;
      for (let row = 0; row < R; row++) {
        coordsOf(A, row, 0, c);
        rt[g * R + row] = base + c[0]! * s[0]! + c[1]! * s[1]!;
      }
      for (let y = 0; y < count; y++) {
        coordsOf(A, 0, col0 + y, c);
        ct[g * count + y] = c[2]! * s[2]! + c[3]! * s[3]!;
      }
    });
    // unused slots read F[0] = 1 (rt, ct are zero there)
  });
  const factors = new Float32Array(length);
  let o = 0;
  for (const ch of chunks) {
    factors.set(ch, o);
    o += ch.length;
  }
  return { factors, rt, ct };
}
