/**
 * Benchmark hooks of the WebGPU backend, kept off the production path: timed compute passes (with
 * the `timestamps` option), a fill kernel as the write floor, and submitting without waiting.
 */
import { checkDims } from './queue.js';
import type { WebGpuBackend } from './backend.js';
import type { WebGpuTensor } from './tensor.js';

/** Whether compute passes can carry GPU timestamps (option `timestamps` and the adapter's feature). */
export const hasTimestamps = (b: WebGpuBackend): boolean => b.queue.timer !== null;

/** Switches timestamp writes of new compute passes on or off. */
export function timePasses(b: WebGpuBackend, on: boolean): void {
  if (b.queue.timer) b.queue.timer.on = on;
}

/** Ends the current compute pass, so that the next dispatch starts a new one (each pass is timed separately). */
export function splitPass(b: WebGpuBackend): void {
  b.queue.endPass();
}

/** Durations (ms) of the timed compute passes submitted since the last call. */
export async function takePassTimings(b: WebGpuBackend): Promise<number[]> {
  await b.sync();
  return b.queue.timer ? b.queue.timer.take() : [];
}

/** A batch of matrices filled with one value (zeros by default): the write floor of a benchmark. */
export function full(b: WebGpuBackend, batch: number, rows: number, cols: number, value = 0): WebGpuTensor {
  checkDims('full', rows, cols);
  const out = b.queue.newTensor(batch, rows, cols, false);
  if (out.length > 0) b.queue.fill(out, value);
  return out;
}

/** Submits the work recorded so far without waiting (read/sync do it anyway). */
export function submit(b: WebGpuBackend): void {
  b.queue.alive();
  b.queue.flush();
}
