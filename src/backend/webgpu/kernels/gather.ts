/** Per slice `vec(out)[k] = vec(a)[idx[k]]` or 0 (shaders/gather.wgsl). */
import { ShapeError, fmtShape } from '../../../errors.js';
import type { Tensor } from '../../backend.js';
import { shp } from '../../checks.js';
import { inputRange, planChunks, tooLargeForBinding } from '../chunks.js';
import { checkDims, u32s, type GpuQueue } from '../queue.js';
import type { WebGpuTensor } from '../tensor.js';

export function gather(q: GpuQueue, a: Tensor, idx: Int32Array, rows: number, cols: number): WebGpuTensor {
  const A = q.own(a, 'gather');
  checkDims('gather', rows, cols);
  const len = rows * cols;
  if (idx.length !== len) throw new ShapeError(`gather: ${idx.length} indices for a ${rows}×${cols} output (needs ${len})`, [[rows, cols]]);
  const sa = A.sliceLen;
  for (let e = 0; e < len; e++) {
    if (idx[e]! >= sa) throw new ShapeError(`gather: index ${idx[e]} is outside a ${fmtShape(shp(A))} input (${sa} entries)`, [shp(A)]);
  }
  const out = q.newTensor(A.batch, rows, cols);
  if (out.length === 0) return out;
  const W = q.maxWindowElems;
  if (len > W) throw tooLargeForBinding('a gather index map', len, W);
  const ib = q.pool.acquire(len * 4, true);
  q.open();
  q.gpuDevice.queue.writeBuffer(ib, 0, Int32Array.from(idx));
  const aSpec = q.spec(A, A.batch === 1 ? 'whole' : 'slices', 'a gather input');
  for (const r of planChunks(out.length, len, [aSpec], W)) {
    const o = q.window(out, r.e0, r.e1);
    const ra = inputRange(aSpec, r, len);
    const aw = q.window(A, ra.e0, ra.e1);
    const params = u32s([r.e1 - r.e0, r.e0, o.base, len, A.batch === 1 ? 0 : sa, aw.base, 0, 0]);
    q.linear('gather', {}, params, [aw.resource, { buffer: ib, offset: 0, size: len * 4 }, o.resource], r.e1 - r.e0);
  }
  q.pool.release(ib);
  return out;
}
