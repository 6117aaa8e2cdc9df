/**
 * The WebGPU backend: every op of the Backend contract as a WGSL compute kernel (shaders/*.wgsl),
 * each launched by one function of ./kernels over the backend's queue (./queue.ts: device,
 * pending commands, buffers, readback, loss). Tensors are float32, slices contiguous, column-major.
 */
import type { Mat } from '../../mat/mat.js';
import type { Assembly } from '../../plan/assembly.js';
import type { Backend, FiniteScan, Tensor } from '../backend.js';
import { acquireDevice, type AcquiredDevice, type WebGpuOptions } from './device.js';
import { assemble } from './kernels/assemble.js';
import { concat } from './kernels/concat.js';
import { elementwise, scale } from './kernels/elementwise.js';
import { FLAG_BYTES, decodeFlags, scanFinite } from './kernels/finite_scan.js';
import { gather } from './kernels/gather.js';
import { commute, kron } from './kernels/kron.js';
import { matmul } from './kernels/matmul.js';
import { sumAll } from './kernels/sum_all.js';
import { stack, transpose } from './kernels/transpose.js';
import { unitBatch, upload } from './kernels/upload.js';
import { GpuQueue } from './queue.js';
import type { WebGpuTensor } from './tensor.js';

export type { WebGpuOptions } from './device.js';
export { WebGpuError, WebGpuTensor } from './tensor.js';

export class WebGpuBackend implements Backend {
  readonly name = 'webgpu' as const;
  readonly precision = 'f32' as const;
  readonly device: string;
  /** The queue the kernels record into (bench-hooks.ts reaches the pass timer through it). */
  readonly queue: GpuQueue;

  /** The adapter is a software rasteriser (SwiftShader, llvmpipe): 'auto' prefers the CPU path. */
  readonly software: boolean;

  constructor(acq: AcquiredDevice, opts: WebGpuOptions = {}) {
    this.queue = new GpuQueue(acq, opts);
    this.device = acq.description;
    this.software = acq.software ?? false;
  }

  /**
   * 'auto' does not pick a software adapter over the float64 CPU path, in Node or in a browser
   * (DESIGN.md §4): SwiftShader runs `A*X*B` at n = 60 some twenty times slower than the CPU backend.
   */
  autoPassOver(): string | undefined {
    if (!this.software) return undefined;
    return `the WebGPU adapter is a software rasteriser (${this.device}), slower than the CPU backend (ask for backend 'webgpu' to use it anyway)`;
  }

  get limits(): GPUSupportedLimits {
    return this.queue.limits;
  }
  get features(): ReadonlySet<string> {
    return this.queue.features;
  }
  get featureLevel(): 'core' | 'compatibility' {
    return this.queue.featureLevel;
  }
  /** The underlying device (tests destroy it to simulate a loss). */
  get gpuDevice(): GPUDevice {
    return this.queue.gpuDevice;
  }
  /** Largest window a kernel binds, in elements. */
  get maxWindowElems(): number {
    return this.queue.maxWindowElems;
  }

  upload(mats: Mat | readonly Mat[]): WebGpuTensor {
    return upload(this.queue, mats);
  }
  unitBatch(m: number, n: number): WebGpuTensor {
    return unitBatch(this.queue, m, n);
  }
  matmul(a: Tensor, b: Tensor, transA = false, transB = false): WebGpuTensor {
    return matmul(this.queue, a, b, transA, transB);
  }
  elementwise(op: 'add' | 'sub' | 'mul' | 'div', a: Tensor, b: Tensor): WebGpuTensor {
    return elementwise(this.queue, op, a, b);
  }
  scale(a: Tensor, alpha: number): WebGpuTensor {
    return scale(this.queue, a, alpha);
  }
  transpose(a: Tensor): WebGpuTensor {
    return transpose(this.queue, a);
  }
  gather(a: Tensor, idx: Int32Array, rows: number, cols: number): WebGpuTensor {
    return gather(this.queue, a, idx, rows, cols);
  }
  concat(blocks: readonly (readonly Tensor[])[]): WebGpuTensor {
    return concat(this.queue, blocks);
  }
  kron(a: Tensor, b: Tensor): WebGpuTensor {
    return kron(this.queue, a, b);
  }
  /** `K_mn v` for every column v (length mn) of every slice (not part of the Backend contract). */
  commute(a: Tensor, m: number, n: number): WebGpuTensor {
    return commute(this.queue, a, m, n);
  }
  sumAll(a: Tensor): WebGpuTensor {
    return sumAll(this.queue, a);
  }
  stack(a: Tensor, transposed: boolean): WebGpuTensor {
    return stack(this.queue, a, transposed);
  }
  assemble(A: Assembly): WebGpuTensor {
    return assemble(this.queue, A);
  }
  read(t: Tensor): Promise<Mat> {
    return this.queue.read(t);
  }
  /** `read`, with the non-finite entries counted on the device by shaders/finite_scan.wgsl (8 bytes more to read back). */
  async readChecked(t: Tensor): Promise<{ mat: Mat; scan: FiniteScan }> {
    const { mat, tail } = await this.queue.readback(t, { record: (T) => scanFinite(this.queue, T), bytes: FLAG_BYTES });
    return { mat, scan: decodeFlags(tail!) };
  }
  dispose(t: Tensor): void {
    this.queue.dispose(t);
  }
  sync(): Promise<void> {
    return this.queue.sync();
  }
  /** Frees all GPU memory and the device; the backend is unusable afterwards. */
  destroy(): void {
    this.queue.destroy();
  }
}

/** Creates the WebGPU backend (see WebGpuOptions); rejects with BackendUnavailableError without an adapter. */
export async function createWebGpuBackend(opts: WebGpuOptions = {}): Promise<WebGpuBackend> {
  const acq = await acquireDevice(opts);
  return new WebGpuBackend(acq, opts);
}
