// elementwise.wgsl — out = a ∘ b per slice (∘ = + − ⊙ ⊘), or out = α·a (scale).
//
// Every tensor is a batch of column-major slices; slice s element x (vec index) of a lives at
//   a[s·aSS + x·aES]   where aSS = 0 broadcasts a batch-1 operand over the batch and aES = 0
// broadcasts a 1×1 slice over the matrix (same for b). The output slice has `len` entries.
//
// Bindings (group 0):
//   0  uniform  P   { count, e0, outBase, len, aSS, aES, aBase, bSS, bES, bBase, alpha }
//   1  storage  a   array<f32> (read), window starting at element aBase of tensor a
//   2  storage  b   array<f32> (read), window starting at element bBase of tensor b (for scale: a again)
//   3  storage  out array<f32> (read_write), window starting at element outBase
// Override OP: 0 add, 1 sub, 2 mul (Hadamard), 3 div, 4 scale (α·a; b unused but bound).

struct Params {
  count: u32,
  e0: u32,
  outBase: u32,
  len: u32,
  aSS: u32,
  aES: u32,
  aBase: u32,
  bSS: u32,
  bES: u32,
  bBase: u32,
  alpha: f32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> aBuf: array<f32>;
@group(0) @binding(2) var<storage, read> bBuf: array<f32>;
@group(0) @binding(3) var<storage, read_write> outBuf: array<f32>;

override WG: u32 = 256;
override OP: u32 = 0u;

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
  let av = aBuf[s * P.aSS + x * P.aES - P.aBase];
  let bv = bBuf[s * P.bSS + x * P.bES - P.bBase];
  var r: f32;
  switch (OP) {
    case 0u: { r = av + bv; }
    case 1u: { r = av - bv; }
    case 2u: { r = av * bv; }
    case 3u: { r = av / bv; }
    default: { r = P.alpha * av; }
  }
  outBuf[e - P.outBase] = r;
}
