/** Sum of all entries of each slice, in stages of partial sums (shaders/sum_all.wgsl). */
import type { Tensor } from '../../backend.js';
import { grid2D, pieces } from '../chunks.js';
import { u32s, type GpuQueue } from '../queue.js';
import type { WebGpuTensor } from '../tensor.js';

export function sumAll(q: GpuQueue, a: Tensor): WebGpuTensor {
  const A = q.own(a, 'sumAll');
  let cur = A;
  let len = A.sliceLen;
  const W = q.maxWindowElems;
  const partMax = Math.min(8192, W);
  for (;;) {
    const nparts = Math.max(1, Math.ceil(len / partMax));
    const partLen = nparts === 1 ? Math.max(1, len) : partMax;
    const next = nparts === 1 ? q.newTensor(A.batch, 1, 1) : q.newTensor(A.batch, nparts, 1);
    const nwork = A.batch * nparts;
    const perChunk = Math.max(1, Math.floor(W / partLen));
    for (const [w0, w1] of pieces(nwork, perChunk)) {
      const start = (w: number): number => Math.floor(w / nparts) * len + (w % nparts) * partLen;
      const end = (w: number): number => Math.floor(w / nparts) * len + Math.min(len, (w % nparts + 1) * partLen);
      const iw = len === 0 ? q.window(cur, 0, 1) : q.window(cur, start(w0), end(w1 - 1));
      const ow = q.window(next, w0, w1);
      const [x, y] = grid2D(w1 - w0, q.maxPerDim);
      const params = u32s([w1 - w0, w0, len, nparts, partLen, iw.base, ow.base, 0]);
      q.dispatch('sum_all', { WG: q.wg }, params, [iw.resource, ow.resource], [x, y, 1]);
    }
    if (cur !== A) q.dispose(cur);
    if (nparts === 1) return next;
    cur = next;
    len = nparts;
  }
}
