// unit_batch.wgsl — the mn unit matrices E_t of an m×n input, written without any upload.
//
// The output is a batch of mn slices of mn entries (each slice m×n, column-major); slice t has a
// single 1 at vec index t. As one flat array of (mn)² entries this is the identity I_mn stored
// column-major: out[e] = 1 iff e ≡ 0 (mod mn + 1).
//
// Bindings (group 0):
//   @uniform { count, e0, outBase, mnp1 }   elements [e0, e0 + count) of this window, mnp1 = mn + 1
//   @write outBuf        window starting at element outBase
// @linear

fn kernel(g: u32) {
  let e = P.e0 + g;
  outBuf[e - P.outBase] = select(0.0, 1.0, e % P.mnp1 == 0u);
}
