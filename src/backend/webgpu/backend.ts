/**
 * The WebGPU backend: every op of the Backend contract as WGSL compute kernels (shaders/*.wgsl).
 *
 * Tensors: one GPUBuffer each (pooled by size class), float32, slices contiguous, column-major.
 * Submission: ops return at once; their dispatches are recorded into one pending command encoder
 * (one open compute pass), with their parameters (and the packed factors of `assemble`) in an
 * upload arena written with one writeBuffer per chunk at submit time; `read()`/`sync()` (or a
 * dispatch-count threshold) finish and submit it. `read()` is exactly one copy + one mapAsync.
 * Steady state: pipelines, bind groups (keyed by buffer identity), pooled buffers and arena chunks
 * are all reused, so repeating a plan of the same shapes creates no GPU objects (a test counts).
 * Limits: a tensor must fit one buffer (else TooLargeError); a kernel sees windows of its tensors
 * no larger than the storage binding limit (optionally lowered with `maxBindingBytes`), so outputs
 * larger than one binding are written by several dispatches at aligned binding offsets.
 * Loss: `device.lost` and error scopes around every command buffer are observed; afterwards every
 * call throws DeviceLostError and no pending `read` resolves with data.
 */
import { broadcastBatch, desc, matmulDims, shp } from '../checks.js';
import { DeviceLostError, InvalidArgumentError, MatjacError, ShapeError, TooLargeError, fmtShape } from '../../errors.js';
import { Mat } from '../../mat/mat.js';
import { X0, packTransposed, strides, type Assembly } from '../../plan/assembly.js';
import type { Backend, Tensor } from '../backend.js';
import { BindGroupCache, type CachedPipeline } from './bindgroups.js';
import { BufferPool, UploadArena } from './buffers.js';
import { grid2D, inputRange, pieces, planChunks, tooLargeForBinding, type InputSpec } from './chunks.js';
import { acquireDevice, type AcquiredDevice, type WebGpuOptions } from './device.js';
import { PipelineCache, type Constants } from './pipelines.js';
import type { ShaderName } from './shaders.gen.js';

export type { WebGpuOptions } from './device.js';

let nextBackendId = 1;

/**
 * A WebGPU validation or internal error: the device refused work, so no result of that plan can
 * be trusted. Carries code E_DEVICE_LOST so that callers treat it like a loss (fall back, never
 * return the matrix).
 */
export class WebGpuError extends MatjacError {
  constructor(message: string) {
    super('E_DEVICE_LOST', message);
  }
}

export class WebGpuTensor implements Tensor {
  disposed = false;
  constructor(
    readonly backendId: number,
    readonly batch: number,
    readonly rows: number,
    readonly cols: number,
    readonly buffer: GPUBuffer,
  ) {}
  get sliceLen(): number {
    return this.rows * this.cols;
  }
  get length(): number {
    return this.batch * this.rows * this.cols;
  }
}

/**
 * While a wait on Dawn is pending, its Node binding polls with one setImmediate tick after another,
 * each allocating and freeing small native objects. glibc keeps those freed chunks in fastbins and
 * merges all of them on the next large (≥ 1 KiB) malloc: measured on SwiftShader, ~5 µs after a
 * wait of ≤ 10 ms but 1 ms after 100 ms and 6 ms after 400 ms, landing in the next plan's
 * enqueue (Dawn's command-block allocation in beginComputePass). One large allocation every
 * HEAP_TIDY_MS of waiting makes the merge happen piecewise inside the wait, where it costs nothing,
 * and one more when the wait ends takes what the last ticks (and GC finalizers) freed.
 */
const HEAP_TIDY_MS = 16;
function consolidateHeap(): void {
  void new ArrayBuffer(4096);
}


/** vec4s (of 4 outputs) per invocation of the assembly kernel, and terms per dispatch (the uniform's array). */
const ASSEMBLE_V = 4;
/** vec4s per invocation of the fill kernel. */
const FILL_V = 4;
const ASSEMBLE_MAX_TERMS = 8;
/** Words of one term record in the assemble kernel's uniform (struct Term of kron_assemble.wgsl). */
const TERM_WORDS = 24;
// GPUBufferUsage / GPUMapMode values (the globals may be absent where a custom `gpu` is passed)
const MAP_READ = 0x1;
const COPY_DST = 0x8;
const MAP_MODE_READ = 0x1;
/** Dispatches recorded before the pending command buffer is submitted without waiting. */
const FLUSH_EVERY = 2048;
/** Packed assemble factors up to this size travel in the upload arena; larger ones in a pooled buffer. */
const MAX_STAGED_BYTES = 4 * 1024 * 1024;
/** Bytes of the assemble kernel's uniform (header + ASSEMBLE_MAX_TERMS term records). */
const ASSEMBLE_PARAM_BYTES = 80 + 4 * TERM_WORDS * ASSEMBLE_MAX_TERMS;

interface Binding {
  readonly resource: GPUBufferBinding;
  readonly base: number;
}

export class WebGpuBackend implements Backend {
  readonly name = 'webgpu' as const;
  readonly precision = 'f32' as const;
  readonly device: string;
  readonly limits: GPUSupportedLimits;
  readonly features: ReadonlySet<string>;
  readonly featureLevel: 'core' | 'compatibility';
  /** The underlying device (tests destroy it to simulate a loss). */
  readonly gpuDevice: GPUDevice;
  /** Largest window a kernel binds, in elements (binding limit minus the offset alignment slack). */
  readonly maxWindowElems: number;

  private readonly id = nextBackendId++;
  /** Strong references: Dawn's instance must outlive the device (see AcquiredDevice.gpu). */
  private readonly keepAlive: readonly unknown[];
  private readonly pool: BufferPool;
  private readonly arena: UploadArena;
  private readonly pipelines: PipelineCache;
  private readonly bindGroups: BindGroupCache;
  /** assemble's pipeline per (layout, term structure) */
  private readonly assemblePipes = new Map<string, CachedPipeline>();
  private readonly maxStagedBytes: number;
  private readonly flushEvery: number;
  private readonly alignElems: number;
  private readonly maxPerDim: number;
  private readonly wg: number;
  private readonly poison: number | undefined;
  private readonly assembleV: number;
  private readonly fillV: number;
  private readonly specialize: boolean;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private dispatches = 0;
  /** Submits so far, and how many of them are known to have completed (a sync with nothing new to wait for returns at once). */
  private submitted = 0;
  private completed = 0;
  private scopes: Promise<GPUError | null>[] = [];
  private lostInfo: { reason: string; message: string } | null = null;
  private readonly lostPromise: Promise<never>;
  private destroyed = false;
  // GPU timing of compute passes (benchmarks; only with the 'timestamp-query' feature)
  private readonly querySet: GPUQuerySet | null = null;
  private queriesUsed = 0;
  /** Whether new compute passes get timestamp writes (benchmarks switch it on around timed launches). */
  timePasses = false;
  private timingReads: Promise<number[]>[] = [];
  private static readonly MAX_QUERIES = 512;

  constructor(acq: AcquiredDevice, opts: WebGpuOptions = {}) {
    const dev = acq.device;
    this.keepAlive = [acq.gpu, acq.adapter];
    this.gpuDevice = dev;
    this.device = acq.description;
    this.featureLevel = acq.featureLevel;
    this.limits = dev.limits;
    this.features = new Set([...dev.features].map(String));
    const align = dev.limits.minStorageBufferOffsetAlignment;
    this.alignElems = align / 4;
    let maxBinding = Math.min(dev.limits.maxStorageBufferBindingSize, dev.limits.maxBufferSize);
    if (opts.maxBindingBytes !== undefined) {
      if (!(opts.maxBindingBytes >= 16 * align)) throw new InvalidArgumentError(`maxBindingBytes must be at least ${16 * align}, got ${opts.maxBindingBytes}`);
      maxBinding = Math.min(maxBinding, opts.maxBindingBytes);
    }
    maxBinding = Math.floor(maxBinding / 4) * 4;
    this.maxWindowElems = Math.floor(maxBinding / 4) - this.alignElems;
    this.maxPerDim = Math.max(2, Math.min(dev.limits.maxComputeWorkgroupsPerDimension, opts.tuning?.maxWorkgroupsPerDimension ?? Infinity));
    this.wg = Math.min(opts.tuning?.workgroupSize ?? 256, dev.limits.maxComputeInvocationsPerWorkgroup, dev.limits.maxComputeWorkgroupSizeX);
    if (this.wg & (this.wg - 1)) throw new InvalidArgumentError(`tuning.workgroupSize must be a power of two, got ${this.wg}`);
    this.poison = opts.poison;
    this.assembleV = Math.max(1, Math.floor(opts.tuning?.assembleV ?? ASSEMBLE_V));
    this.fillV = Math.max(1, Math.floor(opts.tuning?.fillV ?? FILL_V));
    this.specialize = opts.tuning?.specialize ?? !/swiftshader|llvmpipe|lavapipe|software|warp/i.test(acq.description + ' ' + (acq.adapter.info?.description ?? ''));
    this.bindGroups = new BindGroupCache(dev);
    const forget = (b: GPUBuffer): void => this.bindGroups.forget(b);
    this.pool = new BufferPool(dev, dev.limits.maxBufferSize, undefined, forget);
    this.arena = new UploadArena(dev, Math.max(dev.limits.minUniformBufferOffsetAlignment, align), forget);
    this.pipelines = new PipelineCache(dev);
    this.maxStagedBytes = Math.max(0, opts.tuning?.maxStagedBytes ?? MAX_STAGED_BYTES);
    this.flushEvery = Math.max(1, Math.floor(opts.tuning?.flushEvery ?? FLUSH_EVERY));
    if (opts.timestamps && dev.features.has('timestamp-query')) {
      this.querySet = dev.createQuerySet({ type: 'timestamp', count: WebGpuBackend.MAX_QUERIES });
    }
    this.lostPromise = dev.lost.then((info) => {
      this.lostInfo = { reason: String(info.reason), message: info.message };
      throw this.lostError();
    });
    this.lostPromise.catch(() => undefined);
    dev.addEventListener('uncapturederror', (ev) => {
      // Errors outside our scopes (none expected) are kept so that the next read fails.
      const err = (ev as GPUUncapturedErrorEvent).error;
      this.scopes.push(Promise.resolve(err));
    });
  }

  // ------------------------------------------------------------------------------------------
  // plumbing

  private lostError(): DeviceLostError {
    const l = this.lostInfo;
    return new DeviceLostError('webgpu', l ? `${l.reason}${l.message ? `: ${l.message}` : ''}` : 'the device stopped responding');
  }

  private alive(): void {
    if (this.destroyed) throw new DeviceLostError('webgpu', 'the backend was destroyed');
    if (this.lostInfo) throw this.lostError();
  }

  private own(t: Tensor, what: string): WebGpuTensor {
    if (!(t instanceof WebGpuTensor) || t.backendId !== this.id) {
      throw new InvalidArgumentError(`${what}: the tensor belongs to another backend`);
    }
    if (t.disposed) throw new InvalidArgumentError(`${what}: the tensor was disposed`);
    return t;
  }

  /** Opens the pending command encoder (and its error scopes) if none is open. */
  private open(): GPUCommandEncoder {
    if (!this.encoder) {
      const d = this.gpuDevice;
      d.pushErrorScope('validation');
      d.pushErrorScope('out-of-memory');
      d.pushErrorScope('internal');
      this.encoder = d.createCommandEncoder({ label: 'matjac' });
    }
    return this.encoder;
  }

  private computePass(): GPUComputePassEncoder {
    const enc = this.open();
    if (!this.pass) {
      const timed = this.querySet !== null && this.timePasses;
      if (timed && this.queriesUsed + 2 > WebGpuBackend.MAX_QUERIES) {
        this.flush();
        return this.computePass();
      }
      if (timed && this.querySet) {
        const q = this.queriesUsed;
        this.queriesUsed += 2;
        this.pass = enc.beginComputePass({ timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: q, endOfPassWriteIndex: q + 1 } });
      } else this.pass = enc.beginComputePass();
    }
    return this.pass;
  }

  /**
   * Ends the current compute pass, so that the next dispatch starts a new one (with timestamps,
   * each pass is timed separately: benchmarks call this after each launch).
   */
  splitPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  /** Whether compute passes carry GPU timestamps (option `timestamps` and the adapter's feature). */
  get timestamps(): boolean {
    return this.querySet !== null;
  }

  /** Durations (ms) of the timed compute passes submitted since the last call (needs `timestamps`). */
  async takePassTimings(): Promise<number[]> {
    await this.sync();
    const all = await Promise.all(this.timingReads.splice(0));
    return all.flat();
  }

  private endPass(): GPUCommandEncoder {
    const enc = this.open();
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    return enc;
  }

  /** Submits everything recorded so far. */
  private flush(): void {
    if (!this.encoder) return;
    const enc = this.endPass();
    if (this.querySet && this.queriesUsed > 0) {
      const n = this.queriesUsed;
      const d = this.gpuDevice;
      const resolve = d.createBuffer({ size: n * 8, usage: 0x200 | 0x04 }); // QUERY_RESOLVE | COPY_SRC
      const read = d.createBuffer({ size: n * 8, usage: MAP_READ | COPY_DST });
      enc.resolveQuerySet(this.querySet, 0, n, resolve, 0);
      enc.copyBufferToBuffer(resolve, 0, read, 0, n * 8);
      this.queriesUsed = 0;
      this.timingReads.push(
        (async () => {
          await Promise.resolve(); // after this flush's submit
          await read.mapAsync(MAP_MODE_READ);
          const t = new BigUint64Array(read.getMappedRange().slice(0));
          read.destroy();
          resolve.destroy();
          const ms: number[] = [];
          for (let k = 0; k + 1 < n; k += 2) ms.push(Number(t[k + 1]! - t[k]!) / 1e6);
          return ms;
        })(),
      );
    }
    const cb = enc.finish();
    this.encoder = null;
    this.dispatches = 0;
    const d = this.gpuDevice;
    this.arena.flush(d.queue);
    d.queue.submit([cb]);
    this.submitted++;
    for (let k = 0; k < 3; k++) this.scopes.push(d.popErrorScope().catch(() => null));
    this.pool.afterSubmit();
  }

  /** Resolves when the given promise does, rejects with DeviceLostError on loss, and checks the error scopes. */
  private async settle<T>(p: Promise<T>): Promise<T> {
    let v: T;
    const tidy = setInterval(consolidateHeap, HEAP_TIDY_MS);
    try {
      v = await Promise.race([p, this.lostPromise]);
    } catch (e) {
      if (e instanceof DeviceLostError) throw e;
      // A failed map or wait means the device went away (we own the buffers involved).
      await Promise.race([this.lostPromise, new Promise((r) => setTimeout(r, 50))]).catch(() => undefined);
      throw this.lostInfo ? this.lostError() : new DeviceLostError('webgpu', `the device failed: ${(e as Error).message ?? String(e)}`);
    } finally {
      clearInterval(tidy);
      consolidateHeap(); // what the last ticks freed: merged here, not in the next plan's enqueue
    }
    const errs = await Promise.all(this.scopes.splice(0));
    if (this.lostInfo) throw this.lostError();
    const err = errs.find((x) => x);
    if (err) {
      const kind = err.constructor?.name ?? 'GPUError';
      if (kind === 'GPUOutOfMemoryError') throw new TooLargeError(`the GPU ran out of memory: ${err.message}`, 0);
      throw new WebGpuError(`the webgpu device reported a ${kind}; the results of this plan were discarded: ${err.message}`);
    }
    return v;
  }

  /** `upload`: the buffer will be written with queue.writeBuffer (see BufferPool.acquire). */
  private newTensor(batch: number, rows: number, cols: number, poison = true, upload = false): WebGpuTensor {
    this.alive();
    const elems = batch * rows * cols;
    const bytes = elems * 4;
    if (bytes > this.limits.maxBufferSize || elems >= 2 ** 32) {
      throw new TooLargeError(
        `a ${batch > 1 ? `${batch}×` : ''}${rows}×${cols} float32 result needs ${bytes} bytes (${(bytes / 2 ** 30).toFixed(2)} GiB), ` +
          `more than this device's largest buffer (${this.limits.maxBufferSize} bytes); ` +
          `assemble it in column tiles (assemble's cols option) or use the streaming API`,
        bytes,
      );
    }
    // capacity rounded up to whole vec4s: vec4 kernels may write the padding of the last one
    const t = new WebGpuTensor(this.id, batch, rows, cols, this.pool.acquire(Math.max(16, Math.ceil(elems / 4) * 16), upload));
    if (poison && this.poison !== undefined && elems > 0) this.fill(t, this.poison);
    return t;
  }

  /** A binding of elements [e0, e1) of a tensor's buffer, starting at an aligned element. */
  private window(t: WebGpuTensor | GPUBuffer, e0: number, e1: number, vec4 = false): Binding {
    const buffer = t instanceof WebGpuTensor ? t.buffer : t;
    const base = Math.floor(e0 / this.alignElems) * this.alignElems;
    let end = Math.max(e1, base + 1);
    if (vec4) end = base + Math.ceil((end - base) / 4) * 4;
    if (end - base > this.maxWindowElems + this.alignElems) throw tooLargeForBinding('a kernel operand', end - base, this.maxWindowElems);
    return { resource: { buffer, offset: base * 4, size: (end - base) * 4 }, base };
  }

  private dispatch(name: ShaderName, constants: Constants, params: ArrayBuffer, bindings: readonly GPUBufferBinding[], groups: readonly [number, number, number]): void {
    if (groups[0] === 0 || groups[1] === 0 || groups[2] === 0) return;
    const words = new Uint32Array(params);
    this.open(); // (pipeline creation inside the error scopes)
    this.encode(this.pipelines.get(name, constants), params.byteLength, (u32, at) => u32.set(words, at), bindings, groups);
  }

  /**
   * Records one dispatch: its parameters are written by `fill` into an arena slot of `paramBytes`
   * (at element `at` of the chunk's host copy), bound at binding 0 ahead of `bindings`; the bind
   * group comes from the cache. Arena slots that `bindings` name must have been taken after the
   * last submit (compare `submitted`), since a submit hands the arena over to the next command buffer.
   */
  private encode(
    p: CachedPipeline,
    paramBytes: number,
    fill: (u32: Uint32Array, at: number, f32: Float32Array) => void,
    bindings: readonly GPUBufferBinding[],
    groups: readonly [number, number, number],
  ): void {
    const pass = this.computePass(); // (may submit first: slots are taken after it)
    const slot = this.arena.alloc(paramBytes);
    fill(slot.u32, slot.offset / 4, slot.f32);
    const bg = this.bindGroups.get(p, [{ buffer: slot.buffer, offset: slot.offset, size: slot.size }, ...bindings]);
    pass.setPipeline(p.pipeline);
    pass.setBindGroup(0, bg);
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    if (++this.dispatches >= this.flushEvery) this.flush();
  }

  /** A 1-D element-parallel dispatch of `count` invocations (WG per workgroup, `per` elements each). */
  private linear(name: ShaderName, constants: Constants, params: ArrayBuffer, bindings: readonly GPUBufferBinding[], count: number, per = 1): void {
    const wgs = Math.ceil(count / (this.wg * per));
    const [x, y] = grid2D(wgs, this.maxPerDim);
    this.dispatch(name, { WG: this.wg, ...constants }, params, bindings, [x, y, 1]);
  }

  /** Window size for vec4 kernels: chunks start at multiples of 4 and may round their end up to 4. */
  private get maxVec4Window(): number {
    return Math.floor((this.maxWindowElems - 4) / 4) * 4;
  }

  private fill(t: WebGpuTensor, value: number): void {
    const bits = new Uint32Array(new Float32Array([value]).buffer)[0]!;
    for (const r of planChunks(t.length, t.length, [], this.maxVec4Window)) {
      const o = this.window(t, r.e0, r.e1, true);
      this.linear('fill', { V: this.fillV }, u32s([r.e1 - r.e0, r.e0, o.base, bits]), [o.resource], r.e1 - r.e0, 4 * this.fillV);
    }
  }

  private spec(t: WebGpuTensor, kind: InputSpec['kind'], what: string, sliceLen = t.sliceLen): InputSpec {
    return { kind, sliceLen, length: t.length, what };
  }

  // ------------------------------------------------------------------------------------------
  // Backend

  upload(mats: Mat | readonly Mat[]): WebGpuTensor {
    this.alive();
    const list: readonly Mat[] = mats instanceof Mat ? [mats] : mats;
    if (list.length === 0) throw new InvalidArgumentError('upload needs at least one matrix');
    const first = list[0]!;
    const s = first.rows * first.cols;
    const data = new Float32Array(list.length * s);
    list.forEach((M, k) => {
      if (M.rows !== first.rows || M.cols !== first.cols) {
        throw new ShapeError(`upload: matrix ${k} is ${fmtShape(M.shape)}, matrix 0 is ${fmtShape(first.shape)}`, [first.shape, M.shape]);
      }
      data.set(M.data, k * s);
    });
    const t = this.newTensor(list.length, first.rows, first.cols, false, true);
    this.open();
    if (data.length > 0) this.gpuDevice.queue.writeBuffer(t.buffer, 0, data);
    return t;
  }

  unitBatch(m: number, n: number): WebGpuTensor {
    checkDims('unitBatch', m, n);
    const mn = m * n;
    const out = this.newTensor(mn, m, n);
    for (const r of planChunks(out.length, out.length, [], this.maxWindowElems)) {
      const o = this.window(out, r.e0, r.e1);
      this.linear('unit_batch', {}, u32s([r.e1 - r.e0, r.e0, o.base, mn + 1]), [o.resource], r.e1 - r.e0);
    }
    return out;
  }

  matmul(a: Tensor, b: Tensor, transA = false, transB = false): WebGpuTensor {
    const A = this.own(a, 'matmul');
    const B = this.own(b, 'matmul');
    const { m: M, k: K, n: N, batch } = matmulDims(A, B, transA, transB);
    const out = this.newTensor(batch, M, N);
    if (out.length === 0) return out;
    if (K === 0) {
      this.fill(out, 0);
      return out;
    }
    const BM = 64;
    const BN = 64;
    const aSS = A.batch === 1 ? 0 : A.sliceLen;
    const bSS = B.batch === 1 ? 0 : B.sliceLen;
    const [aSi, aSk] = transA ? [A.rows, 1] : [1, A.rows];
    const [bSk, bSj] = transB ? [B.rows, 1] : [1, B.rows];
    const flags = (transA ? 1 : 0) | (transB ? 0 : 2);
    const W = this.maxWindowElems;
    const MN = M * N;
    for (const [t, len] of [
      [A, A.sliceLen],
      [B, B.sliceLen],
    ] as const) {
      if (len > W) throw tooLargeForBinding(`a ${fmtShape(shp(t))} matmul operand`, len, W);
    }
    // Chunks: ranges of slices (whole slices fit), or column ranges of single slices.
    const jobs: { s0: number; s1: number; j0: number; j1: number }[] = [];
    if (MN <= W) {
      let k = Math.floor(W / MN);
      if (aSS) k = Math.min(k, Math.floor(W / A.sliceLen));
      if (bSS) k = Math.min(k, Math.floor(W / B.sliceLen));
      if (batch * MN <= W && (!aSS || A.length <= W) && (!bSS || B.length <= W)) k = batch;
      k = Math.max(1, Math.min(k, this.maxPerDim));
      for (const [s0, s1] of pieces(batch, k)) jobs.push({ s0, s1, j0: 0, j1: N });
    } else {
      if (M > W) throw tooLargeForBinding(`a column of a ${M}×${N} matmul result`, M, W);
      const cpc = Math.max(1, Math.min(Math.floor(W / M), BN * this.maxPerDim));
      for (let s = 0; s < batch; s++) for (const [j0, j1] of pieces(N, cpc)) jobs.push({ s0: s, s1: s + 1, j0, j1 });
    }
    for (const job of jobs) {
      const { s0, s1, j0, j1 } = job;
      const aw = aSS ? this.window(A, s0 * aSS, s1 * aSS) : this.window(A, 0, A.sliceLen);
      const bw = bSS ? this.window(B, s0 * bSS, s1 * bSS) : this.window(B, 0, B.sliceLen);
      const cw = this.window(out, s0 * MN + j0 * M, (s1 - 1) * MN + j1 * M);
      const params = u32s([M, N, K, s0, aSS, aSi, aSk, aw.base, bSS, bSk, bSj, bw.base, MN, cw.base, j0, j1 - j0, flags, 0, 0, 0]);
      const gx = Math.ceil(M / BM);
      const gy = Math.ceil((j1 - j0) / BN);
      if (gx > this.maxPerDim || gy > this.maxPerDim) throw new TooLargeError(`matmul of ${M}×${K} by ${K}×${N} exceeds the dispatch grid`, MN * 4);
      this.dispatch('matmul_batched', {}, params, [aw.resource, bw.resource, cw.resource], [gx, gy, s1 - s0]);
    }
    return out;
  }

  elementwise(op: 'add' | 'sub' | 'mul' | 'div', a: Tensor, b: Tensor): WebGpuTensor {
    const OPS = { add: 0, sub: 1, mul: 2, div: 3 } as const;
    const code = OPS[op];
    if (code === undefined) throw new InvalidArgumentError(`elementwise: unknown op '${String(op)}'`);
    const A = this.own(a, op);
    const B = this.own(b, op);
    const batch = broadcastBatch(op, A, B);
    const aScalar = A.rows === 1 && A.cols === 1;
    const bScalar = B.rows === 1 && B.cols === 1;
    if (!aScalar && !bScalar && (A.rows !== B.rows || A.cols !== B.cols)) {
      throw new ShapeError(`${op}: shapes ${fmtShape(shp(A))} and ${fmtShape(shp(B))} do not match`, [shp(A), shp(B)]);
    }
    const [rows, cols] = aScalar ? [B.rows, B.cols] : [A.rows, A.cols];
    const out = this.newTensor(batch, rows, cols);
    this.binary(code, 0, out, A, B);
    return out;
  }

  scale(a: Tensor, alpha: number): WebGpuTensor {
    const A = this.own(a, 'scale');
    const out = this.newTensor(A.batch, A.rows, A.cols);
    this.binary(4, alpha, out, A, A);
    return out;
  }

  private binary(op: number, alpha: number, out: WebGpuTensor, A: WebGpuTensor, B: WebGpuTensor): void {
    const len = out.sliceLen;
    const operand = (T: WebGpuTensor, what: string): { spec: InputSpec; SS: number; ES: number } => {
      const scalar = T.sliceLen === 1 && len !== 1;
      const SS = T.batch === 1 && out.batch > 1 ? 0 : T.sliceLen;
      const ES = scalar ? 0 : 1;
      let kind: InputSpec['kind'] = 'slices';
      if (SS === 0) kind = 'whole';
      else if (!scalar) kind = 'same';
      return { spec: this.spec(T, kind, what), SS, ES };
    };
    const oa = operand(A, 'an elementwise operand');
    const ob = operand(B, 'an elementwise operand');
    const f = new Float32Array([alpha]);
    const alphaBits = new Uint32Array(f.buffer)[0]!;
    for (const r of planChunks(out.length, len, [oa.spec, ob.spec], this.maxWindowElems)) {
      const o = this.window(out, r.e0, r.e1);
      const ra = inputRange(oa.spec, r, len);
      const rb = inputRange(ob.spec, r, len);
      const aw = this.window(A, ra.e0, ra.e1);
      const bw = this.window(B, rb.e0, rb.e1);
      const params = u32s([r.e1 - r.e0, r.e0, o.base, len, oa.SS, oa.ES, aw.base, ob.SS, ob.ES, bw.base, alphaBits, 0]);
      this.linear('elementwise', { OP: op }, params, [aw.resource, bw.resource, o.resource], r.e1 - r.e0);
    }
  }

  transpose(a: Tensor): WebGpuTensor {
    const A = this.own(a, 'transpose');
    const out = this.newTensor(A.batch, A.cols, A.rows);
    this.transposeInto(A, out, A.batch, A.rows, A.cols);
    return out;
  }

  /** out_s = in_sᵀ for `batch` slices of R×C, in tiles that keep both windows within a binding. */
  private transposeInto(inp: WebGpuTensor, out: WebGpuTensor, batch: number, R: number, C: number): void {
    const RC = R * C;
    if (RC === 0 || batch === 0) return;
    const W = this.maxWindowElems;
    const TMAX = 32 * this.maxPerDim;
    const run = (s0: number, s1: number, r0: number, r1: number, c0: number, c1: number): void => {
      const inW = this.window(inp, s0 * RC + c0 * R, (s1 - 1) * RC + c1 * R);
      const outW = this.window(out, s0 * RC + r0 * C, (s1 - 1) * RC + r1 * C);
      const params = u32s([R, C, r0, r1 - r0, c0, c1 - c0, s0, inW.base, outW.base, 0, 0, 0]);
      this.dispatch('transpose', {}, params, [inW.resource, outW.resource], [Math.ceil((r1 - r0) / 32), Math.ceil((c1 - c0) / 32), s1 - s0]);
    };
    if (RC <= W && R <= TMAX && C <= TMAX) {
      const k = Math.max(1, Math.min(Math.floor(W / RC), this.maxPerDim));
      for (const [s0, s1] of pieces(batch, k)) run(s0, s1, 0, R, 0, C);
      return;
    }
    if (R > W || C > W) throw tooLargeForBinding(`a column of a ${R}×${C} transpose`, Math.max(R, C), W);
    const nc = Math.max(1, Math.min(Math.floor(W / R), TMAX));
    const nr = Math.max(1, Math.min(Math.floor(W / C), TMAX));
    for (let s = 0; s < batch; s++) {
      for (const [r0, r1] of pieces(R, nr)) for (const [c0, c1] of pieces(C, nc)) run(s, s + 1, r0, r1, c0, c1);
    }
  }

  gather(a: Tensor, idx: Int32Array, rows: number, cols: number): WebGpuTensor {
    const A = this.own(a, 'gather');
    checkDims('gather', rows, cols);
    const len = rows * cols;
    if (idx.length !== len) throw new ShapeError(`gather: ${idx.length} indices for a ${rows}×${cols} output (needs ${len})`, [[rows, cols]]);
    const sa = A.sliceLen;
    for (let e = 0; e < len; e++) {
      if (idx[e]! >= sa) throw new ShapeError(`gather: index ${idx[e]} is outside a ${fmtShape(shp(A))} input (${sa} entries)`, [shp(A)]);
    }
    const out = this.newTensor(A.batch, rows, cols);
    if (out.length === 0) return out;
    const W = this.maxWindowElems;
    if (len > W) throw tooLargeForBinding('a gather index map', len, W);
    const ib = this.pool.acquire(len * 4, true);
    this.open();
    this.gpuDevice.queue.writeBuffer(ib, 0, Int32Array.from(idx));
    const aSpec = this.spec(A, A.batch === 1 ? 'whole' : 'slices', 'a gather input');
    for (const r of planChunks(out.length, len, [aSpec], W)) {
      const o = this.window(out, r.e0, r.e1);
      const ra = inputRange(aSpec, r, len);
      const aw = this.window(A, ra.e0, ra.e1);
      const params = u32s([r.e1 - r.e0, r.e0, o.base, len, A.batch === 1 ? 0 : sa, aw.base, 0, 0]);
      this.linear('gather', {}, params, [aw.resource, { buffer: ib, offset: 0, size: len * 4 }, o.resource], r.e1 - r.e0);
    }
    this.pool.release(ib);
    return out;
  }

  concat(blocks: readonly (readonly Tensor[])[]): WebGpuTensor {
    if (blocks.length === 0 || blocks.some((r) => r.length === 0)) throw new ShapeError('concat: needs at least one block in every block row');
    const T = blocks.map((row) => row.map((t) => this.own(t, 'concat')));
    const rowsOf = T.map((r, bi) => {
      const h = r[0]!.rows;
      r.forEach((t, bj) => {
        if (t.rows !== h) throw new ShapeError(`concat: block (${bi + 1}, ${bj + 1}) is ${fmtShape(shp(t))}, but block (${bi + 1}, 1) has ${h} rows`, [shp(r[0]!), shp(t)]);
      });
      return h;
    });
    const colsOf = T[0]!.map((t) => t.cols);
    T.forEach((r, bi) => {
      if (r.length !== colsOf.length) throw new ShapeError(`concat: block row ${bi + 1} has ${r.length} blocks, row 1 has ${colsOf.length}`);
      r.forEach((t, bj) => {
        if (t.cols !== colsOf[bj]) {
          throw new ShapeError(`concat: block (${bi + 1}, ${bj + 1}) is ${fmtShape(shp(t))}, but block (1, ${bj + 1}) has ${colsOf[bj]} columns`, [shp(T[0]![bj]!), shp(t)]);
        }
      });
    });
    let batch = 1;
    for (const r of T) {
      for (const t of r) {
        if (t.batch !== 1) {
          if (batch !== 1 && batch !== t.batch) throw new ShapeError(`concat: batch sizes ${batch} and ${t.batch} do not broadcast`);
          batch = t.batch;
        }
      }
    }
    const R = rowsOf.reduce((x, y) => x + y, 0);
    const C = colsOf.reduce((x, y) => x + y, 0);
    const out = this.newTensor(batch, R, C);
    const W = this.maxWindowElems;
    const RC = R * C;
    let r0 = 0;
    T.forEach((row, bi) => {
      let c0 = 0;
      for (const blk of row) {
        const h = blk.rows;
        const w = blk.cols;
        if (h * w > 0) {
          if (h > W) throw tooLargeForBinding('a concat block column', h, W);
          const bcast = blk.batch === 1 && batch > 1;
          if (bcast && blk.sliceLen > W) throw tooLargeForBinding('a broadcast concat block', blk.sliceLen, W);
          const U = batch * w;
          const outIdx = (u: number, i: number): number => Math.floor(u / w) * RC + (c0 + (u % w)) * R + r0 + i;
          const fits = (u0: number, L: number): boolean => outIdx(u0 + L - 1, h - 1) + 1 - outIdx(u0, 0) <= W && L * h <= W;
          for (let u0 = 0; u0 < U; ) {
            let L = U - u0;
            if (!fits(u0, L)) {
              let lo = 1;
              let hi = L;
              while (lo < hi) {
                const mid = Math.ceil((lo + hi) / 2);
                if (fits(u0, mid)) lo = mid;
                else hi = mid - 1;
              }
              L = lo;
            }
            const ow = this.window(out, outIdx(u0, 0), outIdx(u0 + L - 1, h - 1) + 1);
            const iw = bcast ? this.window(blk, 0, blk.sliceLen) : this.window(blk, u0 * h, (u0 + L) * h);
            const params = u32s([L * h, u0 * h, ow.base, h, w, R, C, r0, c0, bcast ? 0 : blk.sliceLen, iw.base, 0]);
            this.linear('place_block', {}, params, [iw.resource, ow.resource], L * h);
            u0 += L;
          }
        }
        c0 += w;
      }
      r0 += rowsOf[bi]!;
    });
    return out;
  }

  kron(a: Tensor, b: Tensor): WebGpuTensor {
    const A = this.own(a, 'kron');
    const B = this.own(b, 'kron');
    const batch = broadcastBatch('kron', A, B);
    const out = this.newTensor(batch, A.rows * B.rows, A.cols * B.cols);
    const len = out.sliceLen;
    const as = this.spec(A, A.batch === 1 ? 'whole' : 'slices', 'a kron factor');
    const bs = this.spec(B, B.batch === 1 ? 'whole' : 'slices', 'a kron factor');
    for (const r of planChunks(out.length, len, [as, bs], this.maxWindowElems)) {
      const o = this.window(out, r.e0, r.e1);
      const ra = inputRange(as, r, len);
      const rb = inputRange(bs, r, len);
      const aw = this.window(A, ra.e0, ra.e1);
      const bw = this.window(B, rb.e0, rb.e1);
      const params = u32s([r.e1 - r.e0, r.e0, o.base, A.rows, A.cols, B.rows, B.cols, A.batch === 1 ? 0 : A.sliceLen, aw.base, B.batch === 1 ? 0 : B.sliceLen, bw.base, 0]);
      this.linear('kron', {}, params, [aw.resource, bw.resource, o.resource], r.e1 - r.e0);
    }
    return out;
  }

  /**
   * `K_mn v` for every column v (length mn) of every slice: the commutation matrix as a
   * permutation (not part of the Backend contract; the plan may use it for `… K_mn` products).
   */
  commute(a: Tensor, m: number, n: number): WebGpuTensor {
    const A = this.own(a, 'commute');
    checkDims('commute', m, n);
    if (A.rows !== m * n) throw new ShapeError(`commute: K_${m},${n} needs columns of length ${m * n}, got ${desc(A)}`, [shp(A)]);
    const out = this.newTensor(A.batch, A.rows, A.cols);
    const mn = m * n;
    const spec: InputSpec = { kind: 'slices', sliceLen: mn, length: A.length, what: 'a commutation operand' };
    for (const r of planChunks(out.length, mn, [spec], this.maxWindowElems)) {
      const o = this.window(out, r.e0, r.e1);
      const ri = inputRange(spec, r, mn);
      const iw = this.window(A, ri.e0, ri.e1);
      this.linear('commutation', {}, u32s([r.e1 - r.e0, r.e0, o.base, iw.base, m, n, 0, 0]), [iw.resource, o.resource], r.e1 - r.e0);
    }
    return out;
  }

  sumAll(a: Tensor): WebGpuTensor {
    const A = this.own(a, 'sumAll');
    let cur = A;
    let len = A.sliceLen;
    const W = this.maxWindowElems;
    const partMax = Math.min(8192, W);
    for (;;) {
      const nparts = Math.max(1, Math.ceil(len / partMax));
      const partLen = nparts === 1 ? Math.max(1, len) : partMax;
      const next = nparts === 1 ? this.newTensor(A.batch, 1, 1) : this.newTensor(A.batch, nparts, 1);
      const nwork = A.batch * nparts;
      const perChunk = Math.max(1, Math.floor(W / partLen));
      for (const [w0, w1] of pieces(nwork, perChunk)) {
        const start = (w: number): number => Math.floor(w / nparts) * len + (w % nparts) * partLen;
        const end = (w: number): number => Math.floor(w / nparts) * len + Math.min(len, (w % nparts + 1) * partLen);
        const iw = len === 0 ? this.window(cur, 0, 1) : this.window(cur, start(w0), end(w1 - 1));
        const ow = this.window(next, w0, w1);
        const [x, y] = grid2D(w1 - w0, this.maxPerDim);
        const params = u32s([w1 - w0, w0, len, nparts, partLen, iw.base, ow.base, 0]);
        this.dispatch('sum_all', { WG: this.wg }, params, [iw.resource, ow.resource], [x, y, 1]);
      }
      if (cur !== A) this.dispose(cur);
      if (nparts === 1) return next;
      cur = next;
      len = nparts;
    }
  }

  stack(a: Tensor, transposed: boolean): WebGpuTensor {
    const A = this.own(a, 'stack');
    const s = A.sliceLen;
    if (!transposed) {
      const out = this.newTensor(1, s, A.batch);
      if (out.length > 0) this.endPass().copyBufferToBuffer(A.buffer, 0, out.buffer, 0, out.length * 4);
      return out;
    }
    const out = this.newTensor(1, A.batch, s);
    this.transposeInto(A, out, 1, s, A.batch);
    return out;
  }

  assemble(A: Assembly): WebGpuTensor {
    this.alive();
    const add = A.add ? this.own(A.add, 'assemble') : null;
    const { rows: R, count, col0 } = A;
    const layout_ = layoutTerms(A);
    const out = this.newTensor(1, R, count);
    const total = R * count;
    if (total === 0) return out;
    const W = this.maxWindowElems;
    if (layout_.len > W) throw tooLargeForBinding('the packed assemble factors', layout_.len, W);
    this.open();
    // The factors: in the upload arena (written with the parameters, one writeBuffer per submit),
    // or, when large, in a pooled buffer written now. (Also bound as the absent add tile, an
    // array of vec4: whole vec4s.)
    const fBytes = Math.max(16, Math.ceil(layout_.len / 4) * 16);
    let fb: GPUBuffer | null = null;
    let stagedAt = -1;
    let fBind: GPUBufferBinding | null = null;
    const factors = (): GPUBufferBinding => {
      if (fb) return fBind!;
      if (fBytes > this.maxStagedBytes) {
        fb = this.pool.acquire(fBytes, true);
        const data = new Float32Array(fBytes / 4);
        writeFactors(layout_, data, 0);
        this.gpuDevice.queue.writeBuffer(fb, 0, data);
        return (fBind = { buffer: fb, offset: 0, size: fBytes });
      }
      // a submit since staging handed the arena over: stage again for this command buffer
      if (fBind && stagedAt === this.submitted) return fBind;
      const slot = this.arena.alloc(fBytes);
      const at = slot.offset / 4;
      slot.f32.fill(0, at + layout_.len, at + fBytes / 4);
      writeFactors(layout_, slot.f32, at);
      stagedAt = this.submitted;
      return (fBind = { buffer: slot.buffer, offset: slot.offset, size: fBytes });
    };
    const [rMod, rDiv, cMod] = A.ext;
    const stride = 4 * this.wg; // elements between an invocation's consecutive vec4s
    const dR = stride % R;
    const dCol = Math.floor(stride / R);
    const dR0 = dR % rMod;
    const dR1 = Math.floor(dR / rMod);
    const dC0 = dCol % cMod;
    const dC1 = Math.floor(dCol / cMod);
    const addSpec: InputSpec[] = add ? [{ kind: 'same', sliceLen: total, length: total, what: "assemble's add tile" }] : [];
    const nt = layout_.flags.length;
    const groups = Math.max(1, Math.ceil(nt / ASSEMBLE_MAX_TERMS));
    const perGroup = this.wg * 4 * this.assembleV; // elements per workgroup
    for (const r of planChunks(total, total, addSpec, this.maxVec4Window)) {
      const o = this.window(out, r.e0, r.e1, true);
      const aw = add ? this.window(add, r.e0, r.e1, true) : null;
      const cnt = r.e1 - r.e0;
      const [gx, gy] = grid2D(Math.ceil(cnt / perGroup), this.maxPerDim);
      for (let g = 0; g < groups; g++) {
        const t0 = g * ASSEMBLE_MAX_TERMS;
        const ntg = Math.min(ASSEMBLE_MAX_TERMS, nt - t0);
        const mode = (g === 0 && aw ? 1 : 0) | (g > 0 ? 2 : 0);
        const pipe = this.assemblePipeline(layout_.flags, t0, ntg);
        this.computePass(); // (a submit here would hand the arena over before the factors are bound)
        const fB = factors();
        this.encode(
          pipe,
          ASSEMBLE_PARAM_BYTES,
          (u32, at, f32) => {
            u32[at] = cnt;
            u32[at + 1] = r.e0;
            u32[at + 2] = o.base;
            u32[at + 3] = aw ? aw.base : 0;
            u32[at + 4] = R;
            u32[at + 5] = col0;
            u32[at + 6] = ntg;
            u32[at + 7] = mode;
            u32[at + 8] = rMod;
            u32[at + 9] = rDiv;
            u32[at + 10] = cMod;
            u32[at + 11] = 0;
            u32[at + 12] = dR0;
            u32[at + 13] = dR1;
            u32[at + 14] = dC0;
            u32[at + 15] = dC1;
            u32[at + 16] = 0;
            u32[at + 17] = 0;
            u32[at + 18] = 0;
            u32[at + 19] = 0;
            const d = layout_.descs;
            for (let k = 0; k < ASSEMBLE_MAX_TERMS; k++) {
              const w = at + 20 + TERM_WORDS * k;
              if (k >= ntg) {
                u32.fill(0, w, w + TERM_WORDS);
                continue;
              }
              const src = TERM_WORDS * (t0 + k);
              f32[w] = d[src]!; // alpha, as f32
              for (let j = 1; j < TERM_WORDS; j++) u32[w + j] = d[src + j]!;
            }
          },
          [fB, aw ? aw.resource : fB, o.resource],
          [gx, gy, 1],
        );
      }
    }
    if (fb) this.pool.release(fb);
    return out;
  }

  /** The assemble pipeline for terms [t0, t0 + nt) of this structure (specialised on hardware adapters). */
  private assemblePipeline(flags: readonly number[], t0: number, nt: number): CachedPipeline {
    let key = 'A';
    if (this.specialize) for (let k = t0; k < t0 + nt; k++) key += `,${flags[k]}`;
    let p = this.assemblePipes.get(key);
    if (!p) {
      const constants: Record<string, number> = { WG: this.wg, V: this.assembleV };
      if (this.specialize) {
        constants.SPEC = 1;
        constants.NT = nt;
        for (let k = 0; k < nt; k++) constants[`FL${k}`] = flags[t0 + k]!;
      }
      p = this.pipelines.get('kron_assemble', constants);
      this.assemblePipes.set(key, p);
    }
    return p;
  }

  /** A batch of matrices filled with one value (zeros by default); not part of the Backend contract. */
  full(batch: number, rows: number, cols: number, value = 0): WebGpuTensor {
    checkDims('full', rows, cols);
    const out = this.newTensor(batch, rows, cols, false);
    if (out.length > 0) this.fill(out, value);
    return out;
  }

  /** Submits the work recorded so far without waiting (benchmarks; read/sync do it anyway). */
  submit(): void {
    this.alive();
    this.flush();
  }

  async read(t: Tensor): Promise<Mat> {
    const T = this.own(t, 'read');
    this.alive();
    if (T.batch !== 1) throw new InvalidArgumentError(`read: expects a batch-1 tensor, got a batch of ${T.batch} ${fmtShape(shp(T))}`);
    const bytes = T.length * 4;
    if (bytes === 0) {
      await this.sync();
      return new Mat(T.rows, T.cols, new Float32Array(0));
    }
    const staging = this.gpuDevice.createBuffer({ size: bytes, usage: MAP_READ | COPY_DST });
    try {
      this.endPass().copyBufferToBuffer(T.buffer, 0, staging, 0, bytes);
      this.flush();
      const target = this.submitted;
      await this.settle(staging.mapAsync(MAP_MODE_READ));
      this.completed = Math.max(this.completed, target); // the copy ran after everything submitted before it
      const data = new Float32Array(staging.getMappedRange().slice(0));
      staging.unmap();
      return new Mat(T.rows, T.cols, data);
    } finally {
      staging.destroy();
    }
  }

  dispose(t: Tensor): void {
    if (!(t instanceof WebGpuTensor) || t.backendId !== this.id || t.disposed) return;
    t.disposed = true;
    // with nothing recorded since the last submit, no pending command can still use the buffer
    this.pool.release(t.buffer, this.encoder === null);
  }

  /**
   * Submits what is recorded and waits for the queue (`onSubmittedWorkDone`; measured no slower
   * than mapping a 4-byte buffer, and it needs no copy). With nothing submitted since the last
   * completed wait and no error reported, it returns without a round trip through Dawn.
   */
  async sync(): Promise<void> {
    this.alive();
    this.flush();
    if (this.submitted === this.completed && this.scopes.length === 0) return;
    const target = this.submitted;
    await this.settle(this.gpuDevice.queue.onSubmittedWorkDone());
    this.completed = Math.max(this.completed, target);
  }

  /** Frees all GPU memory and the device; the backend is unusable afterwards. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.encoder = null;
    this.pass = null;
    this.bindGroups.clear();
    this.assemblePipes.clear();
    this.pool.destroyAll();
    this.arena.destroy();
    this.gpuDevice.destroy();
  }
}

// ---------------------------------------------------------------------------------------------

function checkDims(what: string, rows: number, cols: number): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new InvalidArgumentError(`${what}: dimensions must be non-negative integers, got ${rows}×${cols}`);
  }
}


function u32s(values: readonly number[]): ArrayBuffer {
  const u = new Uint32Array(Math.ceil(values.length / 4) * 4);
  values.forEach((v, k) => (u[k] = v >>> 0));
  return u.buffer;
}

/**
 * Where each read of an assembly goes in the packed factor array, and the term records of the
 * kernel's uniform: TERM_WORDS words per term (word 0 alpha as a number, stored as f32; then
 * flags, identity coordinates, the offsets and the strides of up to 4 reads; see
 * kron_assemble.wgsl). A read over x0 (the output's fastest coordinate) is packed with x0 at
 * stride 1. Copies nothing (`writeFactors` does).
 */
export interface TermLayout {
  readonly descs: readonly number[];
  /** Flags word of each term. */
  readonly flags: readonly number[];
  /** Total packed length (elements). */
  readonly len: number;
  readonly copies: readonly { readonly M: Mat; readonly transpose: boolean; readonly off: number }[];
}

export function layoutTerms(A: Assembly): TermLayout {
  const copies: { M: Mat; transpose: boolean; off: number }[] = [];
  const descs: number[] = [];
  const flagsOf: number[] = [];
  let len = 0;
  for (const term of A.terms) {
    if (term.reads.length > 4 || term.deltas.length > 2) throw new InvalidArgumentError(`assemble: a term with ${term.reads.length} reads and ${term.deltas.length} identities (the kernel takes 4 and 2)`);
    const d = new Array<number>(TERM_WORDS).fill(0);
    d[0] = term.alpha;
    let flags = 0;
    term.reads.forEach((r, f) => {
      const transpose = packTransposed(r, X0);
      copies.push({ M: r.M, transpose, off: len });
      d[4 + f] = len;
      strides(r, transpose).forEach((s, c) => (d[8 + 4 * f + c] = s));
      len += r.M.rows * r.M.cols;
      flags |= 1 << f;
    });
    term.deltas.forEach((dl, k) => {
      d[2]! |= (dl.a | (dl.b << 2)) << (4 * k);
      flags |= 16 << k;
    });
    d[1] = flags;
    flagsOf.push(flags);
    for (const w of d) descs.push(w);
  }
  return { descs, flags: flagsOf, len, copies };
}

/** Writes a layout's factors (float32) into `dst` from element `base` on. */
export function writeFactors(L: TermLayout, dst: Float32Array, base: number): void {
  for (const { M, transpose, off } of L.copies) {
    const src = M.data;
    const o = base + off;
    if (!transpose) {
      dst.set(src, o);
      continue;
    }
    const R = M.rows;
    const C = M.cols;
    for (let j = 0; j < C; j++) for (let i = 0; i < R; i++) dst[o + j + i * C] = src[i + j * R]!;
  }
}

/** Creates the WebGPU backend (see WebGpuOptions); rejects with BackendUnavailableError without an adapter. */
export async function createWebGpuBackend(opts: WebGpuOptions = {}): Promise<WebGpuBackend> {
  const acq = await acquireDevice(opts);
  return new WebGpuBackend(acq, opts);
}
