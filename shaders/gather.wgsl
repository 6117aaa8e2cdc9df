// gather.wgsl — index-map gather (vec/unvec, indexing, diag, reshapes):
//   vec(out_s)[x] = idx[x] >= 0 ? vec(a_s)[idx[x]] : 0      x = 0..len−1
// a_s = a[s·aSS + ·] (aSS = 0 broadcasts a batch-1 input).
//
// Bindings (group 0):
//   @uniform { count, e0, outBase, len, aSS, aBase }
//   @read aBuf           window of a from element aBase
//   @read idx: array<i32>   len entries, shared by all slices
//   @write outBuf        window from element outBase
// @linear

fn kernel(g: u32) {
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
