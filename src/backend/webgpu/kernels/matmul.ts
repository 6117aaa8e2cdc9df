/** `op(A)·op(B)` per slice (shaders/matmul_batched.wgsl), in chunks of slices or columns that fit a binding. */
import { TooLargeError, fmtShape } from '../../../errors.js';
import type { Tensor } from '../../backend.js';
import { matmulDims, shp } from '../../checks.js';
import { pieces, tooLargeForBinding } from '../chunks.js';
import { u32s, type GpuQueue } from '../queue.js';
import type { WebGpuTensor } from '../tensor.js';

export function matmul(q: GpuQueue, a: Tensor, b: Tensor, transA = false, transB = false): WebGpuTensor {
  const A = q.own(a, 'matmul');
  const B = q.own(b, 'matmul');
  const { m: M, k: K, n: N, batch } = matmulDims(A, B, transA, transB);
  const out = q.newTensor(batch, M, N);
  if (out.length === 0) return out;
  if (K === 0) {
    q.fill(out, 0);
    return out;
  }
  const BM = 64;
  const BN = 64;
  const aSS = A.batch === 1 ? 0 : A.sliceLen;
  const bSS = B.batch === 1 ? 0 : B.sliceLen;
  const [aSi, aSk] = transA ? [A.rows, 1] : [1, A.rows];
  const [bSk, bSj] = transB ? [B.rows, 1] : [1, B.rows];
  const flags = (transA ? 1 : 0) | (transB ? 0 : 2);
  const W = q.maxWindowElems;
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
    k = Math.max(1, Math.min(k, q.maxPerDim));
    for (const [s0, s1] of pieces(batch, k)) jobs.push({ s0, s1, j0: 0, j1: N });
  } else {
    if (M > W) throw tooLargeForBinding(`a column of a ${M}×${N} matmul result`, M, W);
    const cpc = Math.max(1, Math.min(Math.floor(W / M), BN * q.maxPerDim));
    for (let s = 0; s < batch; s++) for (const [j0, j1] of pieces(N, cpc)) jobs.push({ s0: s, s1: s + 1, j0, j1 });
  }
  for (const job of jobs) {
    const { s0, s1, j0, j1 } = job;
    const aw = aSS ? q.window(A, s0 * aSS, s1 * aSS) : q.window(A, 0, A.sliceLen);
    const bw = bSS ? q.window(B, s0 * bSS, s1 * bSS) : q.window(B, 0, B.sliceLen);
    const cw = q.window(out, s0 * MN + j0 * M, (s1 - 1) * MN + j1 * M);
    const params = u32s([M, N, K, s0, aSS, aSi, aSk, aw.base, bSS, bSk, bSj, bw.base, MN, cw.base, j0, j1 - j0, flags, 0, 0, 0]);
    const gx = Math.ceil(M / BM);
    const gy = Math.ceil((j1 - j0) / BN);
    if (gx > q.maxPerDim || gy > q.maxPerDim) throw new TooLargeError(`matmul of ${M}×${K} by ${K}×${N} exceeds the dispatch grid`, MN * 4);
    q.dispatch('matmul_batched', {}, params, [aw.resource, bw.resource, cw.resource], [gx, gy, s1 - s0]);
  }
  return out;
}
