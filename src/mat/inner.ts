/**
 * Inner products of tall column blocks: `C = AᵀB` for A N×p and B N×q column-major with N ≫ p, q
 * (Gram–Schmidt coefficients, Gram matrices). Every entry is a dot product down two contiguous
 * columns, so nothing is transposed or packed: the rows are taken in chunks small enough that the
 * chunk of every column of A and B stays in cache while all p·q products accumulate over it, and
 * within a chunk four columns of A meet two of B at a time (eight running sums, six streams).
 */

/** Rows per chunk: 64 columns of 512 doubles are 256 KiB. */
const CHUNK = 512;

/**
 * `C = AᵀB`: C p×q column-major (`C[i + c·p] = Σ_r A[r + i·N]·B[r + c·N]`), overwritten. A and B
 * may start at offsets `aOff`, `bOff` of larger arrays (columns N apart). C must not alias A or B.
 */
export function innerProducts(C: Float64Array, A: Float64Array, aOff: number, B: Float64Array, bOff: number, N: number, p: number, q: number): Float64Array {
  C.fill(0, 0, p * q);
  for (let r0 = 0; r0 < N; r0 += CHUNK) {
    const r1 = Math.min(N, r0 + CHUNK);
    let c = 0;
    for (; c + 2 <= q; c += 2) {
      const b0 = bOff + c * N;
      const b1 = b0 + N;
      let i = 0;
      for (; i + 4 <= p; i += 4) {
        const a0 = aOff + i * N;
        const a1 = a0 + N, a2 = a1 + N, a3 = a2 + N;
        let s00 = 0, s10 = 0, s20 = 0, s30 = 0, s01 = 0, s11 = 0, s21 = 0, s31 = 0;
        for (let r = r0; r < r1; r++) {
          const x = B[b0 + r]!, y = B[b1 + r]!;
          const u0 = A[a0 + r]!, u1 = A[a1 + r]!, u2 = A[a2 + r]!, u3 = A[a3 + r]!;
          s00 += u0 * x; s10 += u1 * x; s20 += u2 * x; s30 += u3 * x;
          s01 += u0 * y; s11 += u1 * y; s21 += u2 * y; s31 += u3 * y;
        }
        const k0 = i + c * p, k1 = k0 + p;
        C[k0] = C[k0]! + s00; C[k0 + 1] = C[k0 + 1]! + s10; C[k0 + 2] = C[k0 + 2]! + s20; C[k0 + 3] = C[k0 + 3]! + s30;
        C[k1] = C[k1]! + s01; C[k1 + 1] = C[k1 + 1]! + s11; C[k1 + 2] = C[k1 + 2]! + s21; C[k1 + 3] = C[k1 + 3]! + s31;
      }
      for (; i < p; i++) {
        const a0 = aOff + i * N;
        let s0 = 0, s1 = 0;
        for (let r = r0; r < r1; r++) {
          const u = A[a0 + r]!;
          s0 += u * B[b0 + r]!;
          s1 += u * B[b1 + r]!;
        }
        C[i + c * p] = C[i + c * p]! + s0;
        C[i + (c + 1) * p] = C[i + (c + 1) * p]! + s1;
      }
    }
    for (; c < q; c++) {
      const b0 = bOff + c * N;
      for (let i = 0; i < p; i++) {
        const a0 = aOff + i * N;
        let s = 0;
        for (let r = r0; r < r1; r++) s += A[a0 + r]! * B[b0 + r]!;
        C[i + c * p] = C[i + c * p]! + s;
      }
    }
  }
  return C;
}
