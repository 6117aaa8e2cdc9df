/** WebGPU tensors, and the error a refusing device raises. */
import { MatjacError } from '../../errors.js';
import type { Tensor } from '../backend.js';

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

/** A batch of float32 column-major slices in one GPUBuffer (capacity rounded up to whole vec4s). */
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
