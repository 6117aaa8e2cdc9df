// transpose.wgsl — out_s = (in_s)ᵀ for a batch of column-major slices, through workgroup tiles.
//
// in_s is R×C (in[s·R·C + i + j·R]), out_s is C×R (out[s·C·R + j + i·C]). This dispatch covers
// input rows [r0, r0 + nr) × input columns [c0, c0 + nc) of slices s0 + wid.z. A 32×8 workgroup
// stages a 32×32 tile in workgroup memory (padded to 33 to avoid bank conflicts): it reads input
// columns with consecutive invocations on consecutive rows i, and writes output columns with
// consecutive invocations on consecutive output rows j — both sides coalesce.
// `stack(a, true)` uses this kernel on the (rows·cols)×batch matrix of a batch.
//
// Bindings (group 0):
//   @uniform { R, C, r0, nr, c0, nc, s0, inBase, outBase }
//   @read inBuf          window from element inBase
//   @write outBuf        window from element outBase

const T: u32 = 32u;
var<workgroup> tile: array<f32, 1056>; // 32 × 33

@compute @workgroup_size(32, 8, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lidv: vec3<u32>) {
  let s = P.s0 + wid.z;
  let sl = P.R * P.C;
  let ti = wid.x * T; // tile origin in input rows (relative to r0)
  let tj = wid.y * T; // tile origin in input columns (relative to c0)
  for (var y = lidv.y; y < T; y = y + 8u) {
    let li = ti + lidv.x;
    let lj = tj + y;
    if (li < P.nr && lj < P.nc) {
      tile[y * 33u + lidv.x] = inBuf[s * sl + (P.r0 + li) + (P.c0 + lj) * P.R - P.inBase];
    }
  }
  workgroupBarrier();
  for (var y = lidv.y; y < T; y = y + 8u) {
    let lj = tj + lidv.x; // output row (input column)
    let li = ti + y;      // output column (input row)
    if (li < P.nr && lj < P.nc) {
      outBuf[s * sl + (P.c0 + lj) + (P.r0 + li) * P.C - P.outBase] = tile[lidv.x * 33u + y];
    }
  }
}
