// finite_scan.wgsl — the non-finite entries of a result, found on the device before its readback.
//   flags[0] += #{ e ∈ [e0, e0 + count) : inBuf[e] is ±Inf or NaN }
//   flags[1]  = max(flags[1], ~e) over those e       (so ~flags[1] is the first one; 0: none)
// A float32 is non-finite exactly when its exponent bits are all ones,
//   (bits & 0x7f800000) == 0x7f800000,
// tested on the bits because a shader compiler may assume that floats are finite.
// Each invocation tests V entries at stride WG (consecutive invocations read consecutive
// addresses); a workgroup gathers its finds in workgroup memory and touches the global flags
// once, and only when it found one, so a finite result costs one read of each entry and no global
// atomics. The host clears the flags before the first chunk and copies them (8 bytes) into the
// result's readback buffer. Dispatch: linear workgroup index wx + wy·nx (2D for large counts).
//
// Bindings (group 0):
//   @uniform { count, e0, inBase }
//   @read inBuf                         a window of the result from element inBase
//   @write flags: array<atomic<u32>>    [count of non-finite entries, ~(first of them)]

override WG: u32 = 256;
override V: u32 = 8;

var<workgroup> groupCount: atomic<u32>;
var<workgroup> groupFirst: atomic<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let start = (wid.x + wid.y * nwg.x) * (WG * V) + lid;
  var found = 0u;
  var first = 0xffffffffu;
  for (var s = 0u; s < V; s = s + 1u) {
    let loc = start + s * WG;
    if (loc < P.count) {
      let e = P.e0 + loc;
      let bits = bitcast<u32>(inBuf[e - P.inBase]);
      if ((bits & 0x7f800000u) == 0x7f800000u) {
        found = found + 1u;
        first = min(first, e);
      }
    }
  }
  if (found > 0u) {
    atomicAdd(&groupCount, found);
    atomicMax(&groupFirst, ~first);
  }
  workgroupBarrier();
  if (lid == 0u) {
    let n = atomicLoad(&groupCount);
    if (n > 0u) {
      atomicAdd(&flags[0], n);
      atomicMax(&flags[1], atomicLoad(&groupFirst));
    }
  }
}
