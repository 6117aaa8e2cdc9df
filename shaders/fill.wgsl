// fill.wgsl — out[e] = value for e in [e0, e0 + count), written as vec4s.
//
// Bindings (group 0):
//   @uniform { count, e0, outBase, bits }   value = bitcast<f32>(bits) (so NaN poison survives);
//                        e0 and outBase are multiples of 4; the last vec4 may run into the padding
//   @write outBuf: array<vec4<f32>>   a window of the tensor starting at element outBase
// Initialises outputs (zeros), poisons them in tests (NaN), and is the benchmarks' write floor:
// each invocation writes V vec4s at stride WG, consecutive invocations consecutive addresses.
// Dispatch: linear workgroup index wx + wy·nx (2D when count exceeds one grid dimension).

override WG: u32 = 256;
override V: u32 = 4;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let nvec = (P.count + 3u) / 4u;
  let first = (wid.x + wid.y * nwg.x) * (WG * V) + lid;
  let v = vec4<f32>(bitcast<f32>(P.bits));
  let base = (P.e0 - P.outBase) / 4u;
  for (var s = 0u; s < V; s = s + 1u) {
    let loc = first + s * WG;
    if (loc >= nvec) {
      return;
    }
    outBuf[base + loc] = v;
  }
}
