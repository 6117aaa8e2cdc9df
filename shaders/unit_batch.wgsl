// unit_batch.wgsl — the mn unit matrices E_t of an m×n input, written without any upload.
//
// The output is a batch of mn slices of mn entries (each slice m×n, column-major); slice t has a
// single 1 at vec index t. As one flat array of (mn)² entries this is the identity I_mn stored
// column-major: out[e] = 1 iff e ≡ 0 (mod mn + 1).
//
// Bindings (group 0):
//   0  uniform  P   { count, e0, outBase, mnp1 }   elements [e0, e0 + count) of this window, mnp1 = mn + 1
//   1  storage  out array<f32> (read_write), window starting at element outBase

struct Params {
  count: u32,
  e0: u32,
  outBase: u32,
  mnp1: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read_write> outBuf: array<f32>;

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let g = (wid.x + wid.y * nwg.x) * WG + lid;
  if (g >= P.count) {
    return;
  }
  let e = P.e0 + g;
  outBuf[e - P.outBase] = select(0.0, 1.0, e % P.mnp1 == 0u);
}
