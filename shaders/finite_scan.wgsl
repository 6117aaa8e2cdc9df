// finite_scan.wgsl — the non-finite entries of a result, found on the device before its readback.
//   flags[0] += #{ e ∈ [e0, e0 + count) : inBuf[e] is ±Inf or NaN }
//   flags[1]  = max(flags[1], ~e) over those e       (so ~flags[1] is the first one; 0: none)
// A float32 is non-finite exactly when its exponent bits are all ones,
//   (bits & 0x7f800000) == 0x7f800000,
// tested on the bits because a shader compiler may assume that floats are finite.
// Entries are read as vec4s (e0 and inBase are multiples of 4; lanes past the end of the range,
// the padding of the last vec4, are masked out). Each invocation tests V vec4s at stride WG
// (consecutive invocations read consecutive addresses) and touches the global flags only when it
// found one, so a finite result costs one read of each entry and no atomics. There is no
// workgroup reduction: with its barrier the kernel ran 3× slower on SwiftShader, and only an
// overflowing result (the error path) has finds to combine. The host clears the flags before the
// first chunk and copies them (8 bytes) into the result's readback buffer.
// Dispatch: linear workgroup index wx + wy·nx (2D for large counts).
//
// Bindings (group 0):
//   @uniform { count, e0, inBase }
//   @read inBuf: array<vec4<f32>>       a window of the result from element inBase
//   @write flags: array<atomic<u32>>    [count of non-finite entries, ~(first of them)]

override WG: u32 = 256;
override V: u32 = 4;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let nvec = (P.count + 3u) / 4u;
  let start = (wid.x + wid.y * nwg.x) * (WG * V) + lid;
  let base = (P.e0 - P.inBase) / 4u;
  let exponent = vec4<u32>(0x7f800000u);
  var found = 0u;
  var first = 0xffffffffu;
  for (var s = 0u; s < V; s = s + 1u) {
    let loc = start + s * WG;
    if (loc >= nvec) {
      break;
    }
    let bad = (bitcast<vec4<u32>>(inBuf[base + loc]) & exponent) == exponent;
    if (any(bad)) {
      let e = P.e0 + 4u * loc;
      for (var lane = 0u; lane < 4u; lane = lane + 1u) {
        if (bad[lane] && 4u * loc + lane < P.count) {
          found = found + 1u;
          first = min(first, e + lane);
        }
      }
    }
  }
  if (found > 0u) {
    atomicAdd(&flags[0], found);
    atomicMax(&flags[1], ~first);
  }
}
