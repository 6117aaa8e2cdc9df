/** Uploading matrices, and the unit batch E_t written on the device (shaders/unit_batch.wgsl). */
import { uploadList } from '../../checks.js';
import { Mat } from '../../../mat/mat.js';
import { planChunks } from '../chunks.js';
import { checkDims, u32s, type GpuQueue } from '../queue.js';
import type { WebGpuTensor } from '../tensor.js';

/** A batch of one matrix or of several equally shaped ones, written with one writeBuffer. */
export function upload(q: GpuQueue, mats: Mat | readonly Mat[]): WebGpuTensor {
  q.alive();
  const { list, rows, cols } = uploadList(mats);
  const s = rows * cols;
  const data = new Float32Array(list.length * s);
  list.forEach((M, k) => data.set(M.data, k * s));
  const t = q.newTensor(list.length, rows, cols, false, true);
  q.open();
  if (data.length > 0) q.gpuDevice.queue.writeBuffer(t.buffer, 0, data);
  return t;
}

/** The mn unit matrices of an m×n input: as one flat array, the identity I_mn. */
export function unitBatch(q: GpuQueue, m: number, n: number): WebGpuTensor {
  checkDims('unitBatch', m, n);
  const mn = m * n;
  const out = q.newTensor(mn, m, n);
  for (const r of planChunks(out.length, out.length, [], q.maxWindowElems)) {
    const o = q.window(out, r.e0, r.e1);
    q.linear('unit_batch', {}, u32s([r.e1 - r.e0, r.e0, o.base, mn + 1]), [o.resource], r.e1 - r.e0);
  }
  return out;
}
