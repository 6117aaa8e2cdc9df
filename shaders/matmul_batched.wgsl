// matmul_batched.wgsl — C_s = op(A_s) · op(B_s) for a batch of column-major slices.
//
// op(A) is M×K, op(B) is K×N, C is M×N (column-major, ldc = M). Operands are read through
// strides, so transposition costs nothing:
//   op(A)[i,k] = a[s·aSS + i·aSi + k·aSk − aBase]      op(B)[k,j] = b[s·bSS + k·bSk + j·bSj − bBase]
// aSS = 0 (bSS = 0) broadcasts a batch-1 operand. This dispatch writes slices s = s0 + wid.z and
// columns [j0, j0 + ncols) of each (column ranges let an output larger than one binding be
// written in pieces).
//
// Tiling: a workgroup of 16×16 invocations owns a 64×64 tile of C; K is walked in steps of
// BK = 16 through workgroup-memory tiles As (BK×64) and Bs (BK×64) (8 KiB, within compatibility
// limits); each invocation keeps a 4×4 register block (four vec4 accumulators), rows tx + 16·u and
// columns ty + 16·v, so neighbouring invocations write neighbouring addresses of C. The block is
// written out explicitly (no private arrays), which keeps software drivers' compile times low. Tiles are loaded "k fastest" or "i/j fastest" depending on
// which stride is 1 (flags bit 0 for A, bit 1 for B), so global loads coalesce either way.
// Any M, N, K (1, 7, 33, 65, 129, …): out-of-range loads read 0, out-of-range writes are skipped.
//
// Bindings (group 0):
//   @uniform { M, N, K, s0, aSS, aSi, aSk, aBase, bSS, bSk, bSj, bBase, cSS, cBase, j0, ncols, flags }
//   @read aBuf           window from element aBase
//   @read bBuf           window from element bBase
//   @write cBuf           window from element cBase

const BK: u32 = 16u;
const BM: u32 = 64u;
const BN: u32 = 64u;

var<workgroup> As: array<f32, 1024>; // BK × BM, As[kk·BM + ii]
var<workgroup> Bs: array<f32, 1024>; // BK × BN, Bs[kk·BN + jj]

fn storeC(base: u32, gi0: u32, jl: u32, col: u32, c: vec4<f32>) {
  if (jl >= P.ncols) {
    return;
  }
  if (gi0 < P.M) { cBuf[base + gi0 + col] = c.x; }
  if (gi0 + 16u < P.M) { cBuf[base + gi0 + 16u + col] = c.y; }
  if (gi0 + 32u < P.M) { cBuf[base + gi0 + 32u + col] = c.z; }
  if (gi0 + 48u < P.M) { cBuf[base + gi0 + 48u + col] = c.w; }
}

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lidv: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let s = P.s0 + wid.z;
  let i0 = wid.x * BM;
  let jl0 = wid.y * BN;          // local column (within the ncols range)
  let tx = lidv.x;
  let ty = lidv.y;
  let aOff = s * P.aSS;
  let bOff = s * P.bSS;
  let aKFast = (P.flags & 1u) != 0u;
  let bKFast = (P.flags & 2u) != 0u;
  // load coordinates of this invocation's 4 entries of each tile (t = 0..3 adds 4 to kk or 16 to ii/jj)
  var aii = lid % BM;
  var akk = lid / BM;
  if (aKFast) {
    akk = lid % BK;
    aii = lid / BK;
  }
  var bjj = lid % BN;
  var bkk = lid / BN;
  if (bKFast) {
    bkk = lid % BK;
    bjj = lid / BK;
  }

  var c0 = vec4<f32>(0.0);
  var c1 = vec4<f32>(0.0);
  var c2 = vec4<f32>(0.0);
  var c3 = vec4<f32>(0.0);

  for (var k0 = 0u; k0 < P.K; k0 = k0 + BK) {
    for (var t = 0u; t < 4u; t = t + 1u) {
      // 256 invocations × 4 = 1024 entries per tile
      var ii = aii;
      var kk = akk;
      if (aKFast) { ii = ii + 16u * t; } else { kk = kk + 4u * t; }
      let gi = i0 + ii;
      let gk = k0 + kk;
      var v = 0.0;
      if (gi < P.M && gk < P.K) {
        v = aBuf[aOff + gi * P.aSi + gk * P.aSk - P.aBase];
      }
      As[kk * BM + ii] = v;
      var jj = bjj;
      var kb = bkk;
      if (bKFast) { jj = jj + 16u * t; } else { kb = kb + 4u * t; }
      let gj = jl0 + jj;
      let gkb = k0 + kb;
      var w = 0.0;
      if (gj < P.ncols && gkb < P.K) {
        w = bBuf[bOff + gkb * P.bSk + (P.j0 + gj) * P.bSj - P.bBase];
      }
      Bs[kb * BN + jj] = w;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk = kk + 1u) {
      let ao = kk * BM + tx;
      let a = vec4<f32>(As[ao], As[ao + 16u], As[ao + 32u], As[ao + 48u]);
      let bo = kk * BN + ty;
      c0 = fma(a, vec4<f32>(Bs[bo]), c0);
      c1 = fma(a, vec4<f32>(Bs[bo + 16u]), c1);
      c2 = fma(a, vec4<f32>(Bs[bo + 32u]), c2);
      c3 = fma(a, vec4<f32>(Bs[bo + 48u]), c3);
    }
    workgroupBarrier();
  }

  let base = s * P.cSS - P.cBase;
  let gi0 = i0 + tx;
  let jl = jl0 + ty;
  storeC(base, gi0, jl, (P.j0 + jl) * P.M, c0);
  storeC(base, gi0, jl + 16u, (P.j0 + jl + 16u) * P.M, c1);
  storeC(base, gi0, jl + 32u, (P.j0 + jl + 32u) * P.M, c2);
  storeC(base, gi0, jl + 48u, (P.j0 + jl + 48u) * P.M, c3);
}
