/** Block matrices `[a, b; c, d]` per slice, one dispatch per block (shaders/place_block.wgsl). */
import type { Tensor } from '../../backend.js';
import { concatLayout } from '../../checks.js';
import { tooLargeForBinding } from '../chunks.js';
import { u32s, type GpuQueue } from '../queue.js';
import type { WebGpuTensor } from '../tensor.js';

export function concat(q: GpuQueue, blocks: readonly (readonly Tensor[])[]): WebGpuTensor {
  const { rowsOf, batch, rows: R, cols: C } = concatLayout(blocks);
  const T = blocks.map((row) => row.map((t) => q.own(t, 'concat')));
  const out = q.newTensor(batch, R, C);
  const W = q.maxWindowElems;
  const RC = R * C;
  let r0 = 0;
  T.forEach((row, bi) => {
    let c0 = 0;
    for (const blk of row) {
      const h = blk.rows;
      const w = blk.cols;
      if (h * w > 0) {
        if (h > W) throw tooLargeForBinding('a concat block column', h, W);
        const bcast = blk.batch === 1 && batch > 1;
        if (bcast && blk.sliceLen > W) throw tooLargeForBinding('a broadcast concat block', blk.sliceLen, W);
        const U = batch * w;
        const outIdx = (u: number, i: number): number => Math.floor(u / w) * RC + (c0 + (u % w)) * R + r0 + i;
        const fits = (u0: number, L: number): boolean => outIdx(u0 + L - 1, h - 1) + 1 - outIdx(u0, 0) <= W && L * h <= W;
        for (let u0 = 0; u0 < U; ) {
          let L = U - u0;
          if (!fits(u0, L)) {
            let lo = 1;
            let hi = L;
            while (lo < hi) {
              const mid = Math.ceil((lo + hi) / 2);
              if (fits(u0, mid)) lo = mid;
              else hi = mid - 1;
            }
            L = lo;
          }
          const ow = q.window(out, outIdx(u0, 0), outIdx(u0 + L - 1, h - 1) + 1);
          const iw = bcast ? q.window(blk, 0, blk.sliceLen) : q.window(blk, u0 * h, (u0 + L) * h);
          const params = u32s([L * h, u0 * h, ow.base, h, w, R, C, r0, c0, bcast ? 0 : blk.sliceLen, iw.base, 0]);
          q.linear('place_block', {}, params, [iw.resource, ow.resource], L * h);
          u0 += L;
        }
      }
      c0 += w;
    }
    r0 += rowsOf[bi]!;
  });
  return out;
}
