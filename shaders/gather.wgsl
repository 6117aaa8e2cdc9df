// gather.wgsl — index-map gather (vec/unvec, indexing, diag, reshapes):
//   vec(out_s)[x] = idx[x] >= 0 ? vec(a_s)[idx[x]] : 0      x = 0..len−1
// a_s = a[s·aSS + ·] (aSS = 0 broadcasts a batch-1 input).
//
// Bindings (group 0):
//   0  uniform  P   { count, e0, outBase, len, aSS, aBase }
//   1  storage  a   array<f32> (read), window from element aBase
//   2  storage  idx array<i32> (read), len entries, shared by all slices
//   3  storage  out array<f32> (read_write), window from element outBase

struct Params {
  count: u32,
  e0: u32,
  outBase: u32,
  len: u32,
  aSS: u32,
  aBase: u32,
  _p0: u32,
  _p1: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> aBuf: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> outBuf: array<f32>;

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let g = (wid.x + wid.y * nwg.x) * WG + lid;
  if (g >= P.count) {
    return;
  }
  let e = P.e0 + g;
  let s = e / P.len;
  let x = e - s * P.len;
  let src = idx[x];
  var v = 0.0;
  if (src >= 0) {
    v = aBuf[s * P.aSS + u32(src) - P.aBase];
  }
  outBuf[e - P.outBase] = v;
}
