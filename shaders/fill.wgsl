// fill.wgsl — out[e] = value for e in [e0, e0 + count).
//
// Bindings (group 0):
//   0  uniform  P   { count, e0, outBase, bits }   value = bitcast<f32>(bits) (so NaN poison survives)
//   1  storage  out array<f32> (read_write), a window of the tensor starting at element outBase
// Used to initialise outputs (zeros) and, in tests, to poison them (NaN) before a kernel runs.
// Dispatch: linear workgroup index wx + wy·nx (2D when count exceeds one grid dimension).

struct Params {
  count: u32,
  e0: u32,
  outBase: u32,
  bits: u32,
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
  outBuf[P.e0 + g - P.outBase] = bitcast<f32>(P.bits);
}
