// commutation.wgsl — out_s[:, c] = K_mn · in_s[:, c]: the commutation matrix applied to a batch of
// vectors (the columns of each slice, length mn) as a permutation, never as a matrix.
//
// K_mn vec(A) = vec(Aᵀ) for A m×n: with v = vec(A), (K_mn v)[j + i·n] = v[i + j·m].
// Output-driven: the invocation for output element e = s·mn·w + c·mn + o (o = j + i·n) reads
// in[s·mn·w + c·mn + i + j·m]; consecutive invocations write consecutive addresses.
//
// Bindings (group 0):
//   @uniform { count, e0, outBase, inBase, m, n }
//   @read inBuf          window from element inBase
//   @write outBuf        window from element outBase
// @linear

fn kernel(g: u32) {
  let e = P.e0 + g;
  let mn = P.m * P.n;
  let v0 = e / mn;
  let o = e - v0 * mn;
  let i = o / P.n;
  let j = o - i * P.n;
  outBuf[e - P.outBase] = inBuf[v0 * mn + i + j * P.m - P.inBase];
}
