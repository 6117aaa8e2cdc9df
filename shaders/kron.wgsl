// kron.wgsl — out_s = a_s ⊗ b_s per slice (block matrix [a_ij · b]).
//
// a_s is ra×ca, b_s is rb×cb, out_s is (ra·rb)×(ca·cb):
//   out_s[i·rb + k, j·cb + l] = a_s[i, j] · b_s[k, l]
// Output-driven: invocation e writes output element e (column-major), consecutive invocations
// consecutive addresses. aSS / bSS = 0 broadcasts a batch-1 operand.
//
// Bindings (group 0):
//   @uniform { count, e0, outBase, ra, ca, rb, cb, aSS, aBase, bSS, bBase }
//   @read aBuf           window of a from element aBase
//   @read bBuf           window of b from element bBase
//   @write outBuf        window from element outBase
// @linear

fn kernel(g: u32) {
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
