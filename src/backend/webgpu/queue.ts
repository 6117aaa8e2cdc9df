/**
 * The WebGPU queue of a backend: the device and its limits, the pending command encoder (one open
 * compute pass), dispatch recording, tensors' buffers, readback and device loss.
 *
 * Submission: kernels return at once; their dispatches are recorded into one pending command
 * encoder, with their parameters (and the packed factors of `assemble`) in an upload arena written
 * with one writeBuffer per chunk at submit time; `read()`/`sync()` (or a dispatch-count threshold)
 * finish and submit it. `read()` is exactly one copy + one mapAsync. Steady state: pipelines, bind
 * groups (keyed by buffer identity), pooled buffers and arena chunks are all reused, so repeating a
 * plan of the same shapes creates no GPU objects (a test counts).
 * Limits: a tensor must fit one buffer (else TooLargeError); a kernel sees windows of its tensors
 * no larger than the storage binding limit (optionally lowered with `maxBindingBytes`), so outputs
 * larger than one binding are written by several dispatches at aligned binding offsets.
 * Loss: `device.lost` and error scopes around every command buffer are observed; afterwards every
 * call throws DeviceLostError and no pending `read` resolves with data.
 */
import { shp } from '../checks.js';
import { DeviceLostError, InvalidArgumentError, TooLargeError, fmtShape } from '../../errors.js';
import { Mat } from '../../mat/mat.js';
import type { Tensor } from '../backend.js';
import { BindGroupCache, type CachedPipeline } from './bindgroups.js';
import { BufferPool, MAP_MODE_READ, UploadArena, USAGE } from './buffers.js';
import { grid2D, planChunks, tooLargeForBinding, type InputSpec } from './chunks.js';
import type { AcquiredDevice, WebGpuOptions } from './device.js';
import { PipelineCache, type Constants } from './pipelines.js';
import type { ShaderName } from './shaders.gen.js';
import { WebGpuError, WebGpuTensor } from './tensor.js';
import { PassTimer } from './timing.js';

let nextBackendId = 1;

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

/** vec4s (of 4 outputs) per invocation of the assembly kernel. */
const ASSEMBLE_V = 4;
/** vec4s per invocation of the fill kernel. */
const FILL_V = 4;
/** Dispatches recorded before the pending command buffer is submitted without waiting. */
const FLUSH_EVERY = 2048;
/** Packed assemble factors up to this size travel in the upload arena; larger ones in a pooled buffer. */
const MAX_STAGED_BYTES = 4 * 1024 * 1024;

/** A window of a tensor's buffer bound to a kernel: the binding, and the element it starts at. */
export interface Binding {
  readonly resource: GPUBufferBinding;
  readonly base: number;
}

/** Little-endian u32 parameter words (a uniform's contents), padded to whole vec4s. */
export function u32s(values: readonly number[]): ArrayBuffer {
  const u = new Uint32Array(Math.ceil(values.length / 4) * 4);
  values.forEach((v, k) => (u[k] = v >>> 0));
  return u.buffer;
}

/** Refuses dimensions that are not non-negative integers. */
export function checkDims(what: string, rows: number, cols: number): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new InvalidArgumentError(`${what}: dimensions must be non-negative integers, got ${rows}×${cols}`);
  }
}

export class GpuQueue {
  readonly id = nextBackendId++;
  readonly gpuDevice: GPUDevice;
  readonly description: string;
  readonly featureLevel: 'core' | 'compatibility';
  readonly limits: GPUSupportedLimits;
  readonly features: ReadonlySet<string>;
  /** Largest window a kernel binds, in elements (binding limit minus the offset alignment slack). */
  readonly maxWindowElems: number;
  readonly pool: BufferPool;
  readonly arena: UploadArena;
  readonly pipelines: PipelineCache;
  readonly bindGroups: BindGroupCache;
  readonly maxStagedBytes: number;
  readonly alignElems: number;
  readonly maxPerDim: number;
  /** Invocations per workgroup of the 1-D kernels (a power of two). */
  readonly wg: number;
  readonly assembleV: number;
  readonly fillV: number;
  /** Whether assemble pipelines are specialised on the terms' structure (hardware adapters). */
  readonly specialize: boolean;
  /** GPU timing of compute passes (benchmarks; with option `timestamps` and the adapter's feature). */
  readonly timer: PassTimer | null;
  /** Submits so far, and how many of them are known to have completed (a sync with nothing new to wait for returns at once). */
  submitted = 0;
  completed = 0;
  encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private dispatches = 0;
  private readonly flushEvery: number;
  private readonly poison: number | undefined;
  /** Strong references: Dawn's instance must outlive the device (see AcquiredDevice.gpu). */
  private readonly keepAlive: readonly unknown[];
  private scopes: Promise<GPUError | null>[] = [];
  private lostInfo: { reason: string; message: string } | null = null;
  private readonly lostPromise: Promise<never>;
  private destroyed = false;
  /** Called on destroy (kernel caches holding pipelines). */
  readonly onDestroy: (() => void)[] = [];

  constructor(acq: AcquiredDevice, opts: WebGpuOptions = {}) {
    const dev = acq.device;
    this.keepAlive = [acq.gpu, acq.adapter];
    this.gpuDevice = dev;
    this.description = acq.description;
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
    this.timer = opts.timestamps ? PassTimer.create(dev) : null;
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

  lostError(): DeviceLostError {
    const l = this.lostInfo;
    return new DeviceLostError('webgpu', l ? `${l.reason}${l.message ? `: ${l.message}` : ''}` : 'the device stopped responding');
  }

  alive(): void {
    if (this.destroyed) throw new DeviceLostError('webgpu', 'the backend was destroyed');
    if (this.lostInfo) throw this.lostError();
  }

  own(t: Tensor, what: string): WebGpuTensor {
    if (!(t instanceof WebGpuTensor) || t.backendId !== this.id) {
      throw new InvalidArgumentError(`${what}: the tensor belongs to another backend`);
    }
    if (t.disposed) throw new InvalidArgumentError(`${what}: the tensor was disposed`);
    return t;
  }

  /** Opens the pending command encoder (and its error scopes) if none is open. */
  open(): GPUCommandEncoder {
    if (!this.encoder) {
      const d = this.gpuDevice;
      d.pushErrorScope('validation');
      d.pushErrorScope('out-of-memory');
      d.pushErrorScope('internal');
      this.encoder = d.createCommandEncoder({ label: 'matjac' });
    }
    return this.encoder;
  }

  /** The open compute pass (a new one, timed when the pass timer is on, if none is open). */
  computePass(): GPUComputePassEncoder {
    const enc = this.open();
    if (!this.pass) {
      if (this.timer?.full()) {
        this.flush();
        return this.computePass();
      }
      const timestampWrites = this.timer?.writes();
      this.pass = enc.beginComputePass(timestampWrites ? { timestampWrites } : undefined);
    }
    return this.pass;
  }

  endPass(): GPUCommandEncoder {
    const enc = this.open();
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    return enc;
  }

  /** Submits everything recorded so far. */
  flush(): void {
    if (!this.encoder) return;
    const enc = this.endPass();
    this.timer?.resolve(enc);
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
  async settle<T>(p: Promise<T>): Promise<T> {
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
  newTensor(batch: number, rows: number, cols: number, poison = true, upload = false): WebGpuTensor {
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
  window(t: WebGpuTensor | GPUBuffer, e0: number, e1: number, vec4 = false): Binding {
    const buffer = t instanceof WebGpuTensor ? t.buffer : t;
    const base = Math.floor(e0 / this.alignElems) * this.alignElems;
    let end = Math.max(e1, base + 1);
    if (vec4) end = base + Math.ceil((end - base) / 4) * 4;
    if (end - base > this.maxWindowElems + this.alignElems) throw tooLargeForBinding('a kernel operand', end - base, this.maxWindowElems);
    return { resource: { buffer, offset: base * 4, size: (end - base) * 4 }, base };
  }

  dispatch(name: ShaderName, constants: Constants, params: ArrayBuffer, bindings: readonly GPUBufferBinding[], groups: readonly [number, number, number]): void {
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
  encode(
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
  linear(name: ShaderName, constants: Constants, params: ArrayBuffer, bindings: readonly GPUBufferBinding[], count: number, per = 1): void {
    const wgs = Math.ceil(count / (this.wg * per));
    const [x, y] = grid2D(wgs, this.maxPerDim);
    this.dispatch(name, { WG: this.wg, ...constants }, params, bindings, [x, y, 1]);
  }

  /** Window size for vec4 kernels: chunks start at multiples of 4 and may round their end up to 4. */
  get maxVec4Window(): number {
    return Math.floor((this.maxWindowElems - 4) / 4) * 4;
  }

  fill(t: WebGpuTensor, value: number): void {
    const bits = new Uint32Array(new Float32Array([value]).buffer)[0]!;
    for (const r of planChunks(t.length, t.length, [], this.maxVec4Window)) {
      const o = this.window(t, r.e0, r.e1, true);
      this.linear('fill', { V: this.fillV }, u32s([r.e1 - r.e0, r.e0, o.base, bits]), [o.resource], r.e1 - r.e0, 4 * this.fillV);
    }
  }

  spec(t: WebGpuTensor, kind: InputSpec['kind'], what: string, sliceLen = t.sliceLen): InputSpec {
    return { kind, sliceLen, length: t.length, what };
  }

  /** Reads a batch-1 tensor back: one copy and one mapAsync after everything recorded. */
  async read(t: Tensor): Promise<Mat> {
    return (await this.readback(t)).mat;
  }

  /**
   * Reads a batch-1 tensor back; with `scan`, also the small buffer it records for the tensor
   * (a device-side check of the result, see kernels/finite_scan.ts), copied into the tail of the
   * same staging buffer: still one copy of the result and one mapAsync. The scan's buffer is
   * released afterwards.
   */
  async readback(t: Tensor, scan?: { record: (T: WebGpuTensor) => GPUBuffer; bytes: number }): Promise<{ mat: Mat; tail: Uint32Array | null }> {
    const T = this.own(t, 'read');
    this.alive();
    if (T.batch !== 1) throw new InvalidArgumentError(`read: expects a batch-1 tensor, got a batch of ${T.batch} ${fmtShape(shp(T))}`);
    const bytes = T.length * 4;
    if (bytes === 0) {
      await this.sync();
      return { mat: new Mat(T.rows, T.cols, new Float32Array(0)), tail: scan ? new Uint32Array(scan.bytes / 4) : null };
    }
    const flags = scan?.record(T);
    const tailBytes = flags ? scan!.bytes : 0;
    const staging = this.gpuDevice.createBuffer({ size: bytes + tailBytes, usage: USAGE.MAP_READ | USAGE.COPY_DST });
    try {
      const enc = this.endPass();
      enc.copyBufferToBuffer(T.buffer, 0, staging, 0, bytes);
      if (flags) enc.copyBufferToBuffer(flags, 0, staging, bytes, tailBytes);
      this.flush();
      const target = this.submitted;
      await this.settle(staging.mapAsync(MAP_MODE_READ));
      this.completed = Math.max(this.completed, target); // the copy ran after everything submitted before it
      const mapped = staging.getMappedRange();
      const data = new Float32Array(mapped.slice(0, bytes));
      const tail = flags ? new Uint32Array(mapped.slice(bytes, bytes + tailBytes)) : null;
      staging.unmap();
      return { mat: new Mat(T.rows, T.cols, data), tail };
    } finally {
      staging.destroy();
      if (flags) this.pool.release(flags, this.encoder === null);
    }
  }

  /** Returns a tensor's buffer to the pool; disposing twice or a foreign tensor is a no-op. */
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
    this.pool.destroyAll();
    this.arena.destroy();
    for (const f of this.onDestroy) f();
    this.gpuDevice.destroy();
  }
}
