/** `a ⊗ b` per slice (shaders/kron.wgsl), and `K_mn v` for the columns of each slice (shaders/commutation.wgsl). */
import { ShapeError } from '../../../errors.js';
import type { Tensor } from '../../backend.js';
import { broadcastBatch, desc, shp } from '../../checks.js';
import { inputRange, planChunks, type InputSpec } from '../chunks.js';
import { checkDims, u32s, type GpuQueue } from '../queue.js';
import type { WebGpuTensor } from '../tensor.js';

export function kron(q: GpuQueue, a: Tensor, b: Tensor): WebGpuTensor {
  const A = q.own(a, 'kron');
  const B = q.own(b, 'kron');
  const batch = broadcastBatch('kron', A, B);
  const out = q.newTensor(batch, A.rows * B.rows, A.cols * B.cols);
  const len = out.sliceLen;
  const as = q.spec(A, A.batch === 1 ? 'whole' : 'slices', 'a kron factor');
  const bs = q.spec(B, B.batch === 1 ? 'whole' : 'slices', 'a kron factor');
  for (const r of planChunks(out.length, len, [as, bs], q.maxWindowElems)) {
    const o = q.window(out, r.e0, r.e1);
    const ra = inputRange(as, r, len);
    const rb = inputRange(bs, r, len);
    const aw = q.window(A, ra.e0, ra.e1);
    const bw = q.window(B, rb.e0, rb.e1);
    const params = u32s([r.e1 - r.e0, r.e0, o.base, A.rows, A.cols, B.rows, B.cols, A.batch === 1 ? 0 : A.sliceLen, aw.base, B.batch === 1 ? 0 : B.sliceLen, bw.base, 0]);
    q.linear('kron', {}, params, [aw.resource, bw.resource, o.resource], r.e1 - r.e0);
  }
  return out;
}

/**
 * `K_mn v` for every column v (length mn) of every slice: the commutation matrix as a
 * permutation (not part of the Backend contract; the plan may use it for `… K_mn` products).
 */
export function commute(q: GpuQueue, a: Tensor, m: number, n: number): WebGpuTensor {
  const A = q.own(a, 'commute');
  checkDims('commute', m, n);
  if (A.rows !== m * n) throw new ShapeError(`commute: K_${m},${n} needs columns of length ${m * n}, got ${desc(A)}`, [shp(A)]);
  const out = q.newTensor(A.batch, A.rows, A.cols);
  const mn = m * n;
  const spec: InputSpec = { kind: 'slices', sliceLen: mn, length: A.length, what: 'a commutation operand' };
  for (const r of planChunks(out.length, mn, [spec], q.maxWindowElems)) {
    const o = q.window(out, r.e0, r.e1);
    const ri = inputRange(spec, r, mn);
    const iw = q.window(A, ri.e0, ri.e1);
    q.linear('commutation', {}, u32s([r.e1 - r.e0, r.e0, o.base, iw.base, m, n, 0, 0]), [iw.resource, o.resource], r.e1 - r.e0);
  }
  return out;
}
