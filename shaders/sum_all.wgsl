// sum_all.wgsl — per-slice reduction, one stage: partial sums of parts of slices.
//   out[s·nparts + q] = Σ_{x ∈ part q} in[s·len + x]     part q = [q·partLen, min(len, (q+1)·partLen))
// Workgroup w of this dispatch reduces part (w0 + w) (linear over slices × parts) with a strided
// loop (consecutive invocations read consecutive addresses) and a tree in workgroup memory.
// sumAll runs it until one part per slice remains (out batch×1×1).
//
// Bindings (group 0):
//   @uniform { nwork, w0, len, nparts, partLen, inBase, outBase }
//   @read inBuf          window from element inBase
//   @write outBuf        window from element outBase

override WG: u32 = 256; // a power of two
var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let wl = wid.x + wid.y * nwg.x;
  // the grid may be padded to a rectangle: surplus workgroups do nothing (uniformly)
  let live = wl < P.nwork;
  let w = P.w0 + wl;
  let s = w / P.nparts;
  let q = w - s * P.nparts;
  let start = q * P.partLen;
  let end = min(P.len, start + P.partLen);
  var acc = 0.0;
  if (live) {
    for (var x = start + lid; x < end; x = x + WG) {
      acc = acc + inBuf[s * P.len + x - P.inBase];
    }
  }
  red[lid] = acc;
  workgroupBarrier();
  for (var h = WG / 2u; h > 0u; h = h / 2u) {
    if (lid < h) {
      red[lid] = red[lid] + red[lid + h];
    }
    workgroupBarrier();
  }
  if (live && lid == 0u) {
    outBuf[w - P.outBase] = red[0];
  }
}
