// commutation.wgsl — out_s[:, c] = K_mn · in_s[:, c]: the commutation matrix applied to a batch of
// vectors (the columns of each slice, length mn) as a permutation, never as a matrix.
//
// K_mn vec(A) = vec(Aᵀ) for A m×n: with v = vec(A), (K_mn v)[j + i·n] = v[i + j·m].
// Output-driven: the invocation for output element e = s·mn·w + c·mn + o (o = j + i·n) reads
// in[s·mn·w + c·mn + i + j·m]; consecutive invocations write consecutive addresses.
//
// Bindings (group 0):
//   0  uniform  P   { count, e0, outBase, inBase, m, n }
//   1  storage  in  array<f32> (read), window from element inBase
//   2  storage  out array<f32> (read_write), window from element outBase

struct Params {
  count: u32,
  e0: u32,
  outBase: u32,
  inBase: u32,
  m: u32,
  n: u32,
  _p0: u32,
  _p1: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> inBuf: array<f32>;
@group(0) @binding(2) var<storage, read_write> outBuf: array<f32>;

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let g = (wid.x + wid.y * nwg.x) * WG + lid;
  if (g >= P.count) {
    return;
  }
  let e = P.e0 + g;
  let mn = P.m * P.n;
  let v0 = e / mn;
  let o = e - v0 * mn;
  let i = o / P.n;
  let j = o - i * P.n;
  outBuf[e - P.outBase] = inBuf[v0 * mn + i + j * P.m - P.inBase];
}
