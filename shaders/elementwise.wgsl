// elementwise.wgsl — out = a ∘ b per slice (∘ = + − ⊙ ⊘), or out = α·a (scale).
//
// Every tensor is a batch of column-major slices; slice s element x (vec index) of a lives at
//   a[s·aSS + x·aES]   where aSS = 0 broadcasts a batch-1 operand over the batch and aES = 0
// broadcasts a 1×1 slice over the matrix (same for b). The output slice has `len` entries.
//
// Bindings (group 0):
//   @uniform { count, e0, outBase, len, aSS, aES, aBase, bSS, bES, bBase, alpha: f32 }
//   @read aBuf           window of a from element aBase
//   @read bBuf           window of b from element bBase (for scale: a again)
//   @write outBuf        window from element outBase
// @linear
// Override OP: 0 add, 1 sub, 2 mul (Hadamard), 3 div, 4 scale (α·a; b unused but bound).

override OP: u32 = 0u;

fn kernel(g: u32) {
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
