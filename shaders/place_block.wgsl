// place_block.wgsl — one block of a block matrix [a, b; c, d] (concat), per slice:
//   out_s[r0 + i, c0 + j] = blk_s[i, j]      blk_s is h×w, out_s is R×C (column-major)
// Invocation g covers block element g = (s·w + j)·h + i for "global block columns" u = s·w + j in
// [u0, u0 + count/h): consecutive invocations read and write consecutive addresses within a column.
// bSS = 0 broadcasts a batch-1 block over the batch.
//
// Bindings (group 0):
//   @uniform { count, g0, outBase, h, w, R, C, r0, c0, bSS, inBase }
//   @read blk            window from element inBase
//   @write outBuf        window from element outBase
// @linear

fn kernel(t: u32) {
  let g = P.g0 + t;
  let u = g / P.h;
  let i = g - u * P.h;
  let s = u / P.w;
  let j = u - s * P.w;
  let v = blk[s * P.bSS + i + j * P.h - P.inBase];
  outBuf[s * P.R * P.C + (P.c0 + j) * P.R + P.r0 + i - P.outBase] = v;
}
