// matmul_batched.wgsl — C_s = op(A_s) · op(B_s) for a batch of column-major slices.
//
// op(A) is M×K, op(B) is K×N, C is M×N (column-major, ldc = M). Operands are read through
// strides, so transposition costs nothing:
//   op(A)[i,k] = a[s·aSS + i·aSi + k·aSk − aBase]      op(B)[k,j] = b[s·bSS + k·bSk + j·bSj − bBase]
// aSS = 0 (bSS = 0) broadcasts a batch-1 operand. This dispatch writes slices s = s0 + wid.z and
// columns [j0, j0 + ncols) of each (column ranges let an output larger than one binding be
// written in pieces).
//
// Tiling: a workgroup of 16×16 invocations owns a BM×BN = (16·TM)×(16·TN) tile of C; K is walked
// in steps of BK = 16 through workgroup-memory tiles As (BK×BM) and Bs (BK×BN); each invocation
// keeps a TM×TN register block, rows tx + 16·u and columns ty + 16·v, so neighbouring invocations
// write neighbouring addresses of C. Tiles are loaded "k fastest" or "i/j fastest" depending on
// which stride is 1 (flags bit 0 for A, bit 1 for B), so global loads coalesce either way.
// Any M, N, K (1, 7, 33, 65, 129, …): out-of-range loads read 0, out-of-range writes are skipped.
//
// Bindings (group 0):
//   0  uniform  P  Params below
//   1  storage  a  array<f32> (read), window from element aBase
//   2  storage  b  array<f32> (read), window from element bBase
//   3  storage  c  array<f32> (read_write), window from element cBase
// Overrides: TM, TN ∈ {1, 2, 4, 8} (register block).

struct Params {
  M: u32,
  N: u32,
  K: u32,
  s0: u32,
  aSS: u32,
  aSi: u32,
  aSk: u32,
  aBase: u32,
  bSS: u32,
  bSk: u32,
  bSj: u32,
  bBase: u32,
  cSS: u32,
  cBase: u32,
  j0: u32,
  ncols: u32,
  flags: u32,
  _p0: u32,
  _p1: u32,
  _p2: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> aBuf: array<f32>;
@group(0) @binding(2) var<storage, read> bBuf: array<f32>;
@group(0) @binding(3) var<storage, read_write> cBuf: array<f32>;

override TM: u32 = 4u;
override TN: u32 = 4u;
const BK: u32 = 16u;
const MAXB: u32 = 128u; // 16 · max(TM, TN)

var<workgroup> As: array<f32, 2048>; // BK × BM, As[kk·BM + ii]
var<workgroup> Bs: array<f32, 2048>; // BK × BN, Bs[kk·BN + jj]

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lidv: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let BM = 16u * TM;
  let BN = 16u * TN;
  let s = P.s0 + wid.z;
  let i0 = wid.x * BM;
  let jl0 = wid.y * BN;          // local column (within the ncols range)
  let jend = P.ncols;
  let tx = lidv.x;
  let ty = lidv.y;
  let aOff = s * P.aSS;
  let bOff = s * P.bSS;
  let aKFast = (P.flags & 1u) != 0u;
  let bKFast = (P.flags & 2u) != 0u;

  var acc: array<f32, 64>;
  for (var u = 0u; u < TM * TN; u = u + 1u) {
    acc[u] = 0.0;
  }
  var ar: array<f32, 8>;
  var br: array<f32, 8>;

  for (var k0 = 0u; k0 < P.K; k0 = k0 + BK) {
    // load As: BK·BM entries, 256 invocations, TM each
    for (var t = 0u; t < TM; t = t + 1u) {
      let idx = lid + 256u * t;
      var kk: u32;
      var ii: u32;
      if (aKFast) {
        kk = idx % BK;
        ii = idx / BK;
      } else {
        ii = idx % BM;
        kk = idx / BM;
      }
      let gi = i0 + ii;
      let gk = k0 + kk;
      var v = 0.0;
      if (gi < P.M && gk < P.K) {
        v = aBuf[aOff + gi * P.aSi + gk * P.aSk - P.aBase];
      }
      As[kk * BM + ii] = v;
    }
    for (var t = 0u; t < TN; t = t + 1u) {
      let idx = lid + 256u * t;
      var kk: u32;
      var jj: u32;
      if (bKFast) {
        kk = idx % BK;
        jj = idx / BK;
      } else {
        jj = idx % BN;
        kk = idx / BN;
      }
      let gj = jl0 + jj;
      let gk = k0 + kk;
      var v = 0.0;
      if (gj < jend && gk < P.K) {
        v = bBuf[bOff + gk * P.bSk + (P.j0 + gj) * P.bSj - P.bBase];
      }
      Bs[kk * BN + jj] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk = kk + 1u) {
      for (var u = 0u; u < TM; u = u + 1u) {
        ar[u] = As[kk * BM + tx + 16u * u];
      }
      for (var v = 0u; v < TN; v = v + 1u) {
        br[v] = Bs[kk * BN + ty + 16u * v];
      }
      for (var u = 0u; u < TM; u = u + 1u) {
        for (var v = 0u; v < TN; v = v + 1u) {
          acc[u * TN + v] = fma(ar[u], br[v], acc[u * TN + v]);
        }
      }
    }
    workgroupBarrier();
  }

  let cOff = s * P.cSS;
  for (var v = 0u; v < TN; v = v + 1u) {
    let jl = jl0 + ty + 16u * v;
    if (jl < jend) {
      let col = (P.j0 + jl) * P.M;
      for (var u = 0u; u < TM; u = u + 1u) {
        let gi = i0 + tx + 16u * u;
        if (gi < P.M) {
          cBuf[cOff + gi + col - P.cBase] = acc[u * TN + v];
        }
      }
    }
  }
}
