/** Transposes of slices through workgroup tiles (shaders/transpose.wgsl), and `stack`. */
import type { Tensor } from '../../backend.js';
import { pieces, tooLargeForBinding } from '../chunks.js';
import { u32s, type GpuQueue } from '../queue.js';
import type { WebGpuTensor } from '../tensor.js';

export function transpose(q: GpuQueue, a: Tensor): WebGpuTensor {
  const A = q.own(a, 'transpose');
  const out = q.newTensor(A.batch, A.cols, A.rows);
  transposeInto(q, A, out, A.batch, A.rows, A.cols);
  return out;
}

/** out_s = in_sᵀ for `batch` slices of R×C, in tiles that keep both windows within a binding. */
export function transposeInto(q: GpuQueue, inp: WebGpuTensor, out: WebGpuTensor, batch: number, R: number, C: number): void {
  const RC = R * C;
  if (RC === 0 || batch === 0) return;
  const W = q.maxWindowElems;
  const TMAX = 32 * q.maxPerDim;
  const run = (s0: number, s1: number, r0: number, r1: number, c0: number, c1: number): void => {
    const inW = q.window(inp, s0 * RC + c0 * R, (s1 - 1) * RC + c1 * R);
    const outW = q.window(out, s0 * RC + r0 * C, (s1 - 1) * RC + r1 * C);
    const params = u32s([R, C, r0, r1 - r0, c0, c1 - c0, s0, inW.base, outW.base, 0, 0, 0]);
    q.dispatch('transpose', {}, params, [inW.resource, outW.resource], [Math.ceil((r1 - r0) / 32), Math.ceil((c1 - c0) / 32), s1 - s0]);
  };
  if (RC <= W && R <= TMAX && C <= TMAX) {
    const k = Math.max(1, Math.min(Math.floor(W / RC), q.maxPerDim));
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

/** The batch as one matrix: slice t is column t (a copy), or row t (a transpose). */
export function stack(q: GpuQueue, a: Tensor, transposed: boolean): WebGpuTensor {
  const A = q.own(a, 'stack');
  const s = A.sliceLen;
  if (!transposed) {
    const out = q.newTensor(1, s, A.batch);
    if (out.length > 0) q.endPass().copyBufferToBuffer(A.buffer, 0, out.buffer, 0, out.length * 4);
    return out;
  }
  const out = q.newTensor(1, A.batch, s);
  transposeInto(q, A, out, 1, s, A.batch);
  return out;
}
