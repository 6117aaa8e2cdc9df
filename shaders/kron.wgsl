// kron.wgsl — out_s = a_s ⊗ b_s per slice (block matrix [a_ij · b]).
//
// a_s is ra×ca, b_s is rb×cb, out_s is (ra·rb)×(ca·cb):
//   out_s[i·rb + k, j·cb + l] = a_s[i, j] · b_s[k, l]
// Output-driven: invocation e writes output element e (column-major), consecutive invocations
// consecutive addresses. aSS / bSS = 0 broadcasts a batch-1 operand.
//
// Bindings (group 0):
//   0  uniform  P   { count, e0, outBase, ra, ca, rb, cb, aSS, aBase, bSS, bBase }
//   1  storage  a   array<f32> (read), window from element aBase
//   2  storage  b   array<f32> (read), window from element bBase
//   3  storage  out array<f32> (read_write), window from element outBase

struct Params {
  count: u32,
  e0: u32,
  outBase: u32,
  ra: u32,
  ca: u32,
  rb: u32,
  cb: u32,
  aSS: u32,
  aBase: u32,
  bSS: u32,
  bBase: u32,
  _p0: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> aBuf: array<f32>;
@group(0) @binding(2) var<storage, read> bBuf: array<f32>;
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
  let R = P.ra * P.rb;
  let sl = R * P.ca * P.cb;
  let s = e / sl;
  let x = e - s * sl;
  let col = x / R;
  let row = x - col * R;
  let i = row / P.rb;
  let k = row - i * P.rb;
  let j = col / P.cb;
  let l = col - j * P.cb;
  let av = aBuf[s * P.aSS + i + j * P.ra - P.aBase];
  let bv = bBuf[s * P.bSS + k + l * P.rb - P.bBase];
  outBuf[e - P.outBase] = av * bv;
}
