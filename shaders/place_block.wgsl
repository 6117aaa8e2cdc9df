// place_block.wgsl — one block of a block matrix [a, b; c, d] (concat), per slice:
//   out_s[r0 + i, c0 + j] = blk_s[i, j]      blk_s is h×w, out_s is R×C (column-major)
// Invocation g covers block element g = (s·w + j)·h + i for "global block columns" u = s·w + j in
// [u0, u0 + count/h): consecutive invocations read and write consecutive addresses within a column.
// bSS = 0 broadcasts a batch-1 block over the batch.
//
// Bindings (group 0):
//   0  uniform  P   { count, g0, outBase, h, w, R, C, r0, c0, bSS, inBase }
//   1  storage  blk array<f32> (read), window from element inBase
//   2  storage  out array<f32> (read_write), window from element outBase

struct Params {
  count: u32,
  g0: u32,
  outBase: u32,
  h: u32,
  w: u32,
  R: u32,
  C: u32,
  r0: u32,
  c0: u32,
  bSS: u32,
  inBase: u32,
  _p0: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> blk: array<f32>;
@group(0) @binding(2) var<storage, read_write> outBuf: array<f32>;

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + wid.y * nwg.x) * WG + lid;
  if (t >= P.count) {
    return;
  }
  let g = P.g0 + t;
  let u = g / P.h;
  let i = g - u * P.h;
  let s = u / P.w;
  let j = u - s * P.w;
  let v = blk[s * P.bSS + i + j * P.h - P.inBase];
  outBuf[s * P.R * P.C + (P.c0 + j) * P.R + P.r0 + i - P.outBase] = v;
}
