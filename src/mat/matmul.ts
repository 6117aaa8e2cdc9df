/**
 * Matrix products over column-major float64 data (DESIGN.md §1).
 *
 * Everything goes through one kernel, `gemmAcc`: `C += α·A·B` on blocks of larger column-major
 * arrays (leading dimensions), with B read through two strides so `Bᵀ` costs nothing. It is the
 * column ("axpy") form of the product, `C[:, j] += Σ_p A[:, p] · α·B(p, j)`, register-tiled:
 * eight output columns (four, then one, at the edges) and eight steps of the inner dimension at a
 * time, so the 64 scalars `α·B(p..p+7, j..j+7)` are loaded once per tile and each pass down the
 * rows loads eight contiguous columns of A and does one read-modify-write of eight contiguous
 * columns of C for 128 multiply-adds. Blocked over the rows (MC) and the inner dimension (KC) so
 * the MC×KC panel of A stays in the L2 cache and the MC×8 block of C in L1. In V8 this form beats
 * a C-in-registers micro-kernel over packed panels (prototypes at n = 96 on the 2-core machine:
 * 4×4 C-in-registers 4.3 GFLOP/s, axpy form with 4×4 tiles 6.5, 4×8 8.0, 8×8 9.0).
 *
 * `gemm` (`out = op(a)·op(b)`), `gemmBatch` and `matmul` are thin wrappers; LU, inverse and
 * solve (lu.ts) call `gemmAcc` for their trailing updates. Where the engine has WebAssembly SIMD,
 * those wrappers hand products of at least 8 rows and inner steps to its f64x2 kernel
 * (gemm-simd.ts, 2–2.5× the JavaScript kernel from n = 32 up); `gemmAcc` stays in JavaScript.
 */
import { InvalidArgumentError, ShapeError, fmtShape } from '../errors.js';
import { newF64 } from './arena.js';
import { Mat, checkSize, type MatData } from './mat.js';
import { f64, transposeInto } from './ops.js';
import { gemmSimd, simdAvailable } from './gemm-simd.js';

/** Inner-dimension block: an MC×KC panel of A (256 KiB) stays in L2. */
const KC = 256;
/** Row block: MC rows of eight A columns and eight C columns (16 KiB) stay in L1. */
const MC = 128;

/** Smallest m and k (rows and inner dimension) sent to the SIMD kernel; below it copying in and out costs more than it saves. */
const SIMD_MIN = 8;

/** Whether a product of these dimensions goes to the SIMD kernel (where the engine has it). */
const simdTakes = (m: number, k: number, n: number): boolean => m >= SIMD_MIN && k >= SIMD_MIN && n >= 4 && simdAvailable();

/** Reused scratch for packing a transposed left factor; grows, never shrinks. */
let packBuf = new Float64Array(0);
function scratch(len: number): Float64Array {
  if (packBuf.length < len) packBuf = new Float64Array(Math.max(len, packBuf.length * 2));
  return packBuf;
}

/**
 * `C += α·A·B`: C m×n at `c[cOff + i + j·ldc]`, A m×k at `a[aOff + i + p·lda]`,
 * `B(p, j) = b[bOff + p·bsp + j·bsj]` (B k×n stored column-major with leading dimension ld:
 * `bsp = 1, bsj = ld`; Bᵀ of a stored n×k matrix: `bsp = ld, bsj = 1`). C must not overlap A or B.
 * No checks: callers (gemm, lu.ts) own the index ranges.
 */
export function gemmAcc(
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: MatData,
  aOff: number,
  lda: number,
  b: MatData,
  bOff: number,
  bsp: number,
  bsj: number,
  c: Float64Array,
  cOff: number,
  ldc: number,
): void {
  if (m <= 0 || n <= 0 || k <= 0 || alpha === 0) return;
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = Math.min(KC, k - p0);
    for (let i0 = 0; i0 < m; i0 += MC) {
      const mc = Math.min(MC, m - i0);
      const ap = aOff + i0 + p0 * lda;
      const bp = bOff + p0 * bsp;
      const cp = cOff + i0;
      let j = 0;
      for (; j + 8 <= n; j += 8) cols8(mc, kc, alpha, a, ap, lda, b, bp + j * bsj, bsp, bsj, c, cp + j * ldc, ldc);
      for (; j + 4 <= n; j += 4) cols4(mc, kc, alpha, a, ap, lda, b, bp + j * bsj, bsp, bsj, c, cp + j * ldc, ldc);
      for (; j < n; j++) cols1(mc, kc, alpha, a, ap, lda, b, bp + j * bsj, bsp, c, cp + j * ldc);
    }
  }
}

/** Eight columns: `C[:, 0..7] += α·A·B(:, 0..7)`, eight inner steps at a time (the 8×8 register tile; the 64 scalars spill to the stack, where V8 reads them as memory operands). */
function cols8(m: number, k: number, alpha: number, a: MatData, aOff: number, lda: number, b: MatData, q: number, bsp: number, bsj: number, c: Float64Array, c0: number, ldc: number): void {
  const c1 = c0 + 1 * ldc, c2 = c0 + 2 * ldc, c3 = c0 + 3 * ldc, c4 = c0 + 4 * ldc, c5 = c0 + 5 * ldc, c6 = c0 + 6 * ldc, c7 = c0 + 7 * ldc;
  let p = 0;
  for (; p + 8 <= k; p += 8) {
    const r0 = q + p * bsp;
    const r1 = r0 + 1 * bsp, r2 = r0 + 2 * bsp, r3 = r0 + 3 * bsp, r4 = r0 + 4 * bsp, r5 = r0 + 5 * bsp, r6 = r0 + 6 * bsp, r7 = r0 + 7 * bsp;
    const s1 = 1 * bsj, s2 = 2 * bsj, s3 = 3 * bsj, s4 = 4 * bsj, s5 = 5 * bsj, s6 = 6 * bsj, s7 = 7 * bsj;
    const b00 = alpha * b[r0]!, b01 = alpha * b[r0 + s1]!, b02 = alpha * b[r0 + s2]!, b03 = alpha * b[r0 + s3]!, b04 = alpha * b[r0 + s4]!, b05 = alpha * b[r0 + s5]!, b06 = alpha * b[r0 + s6]!, b07 = alpha * b[r0 + s7]!;
    const b10 = alpha * b[r1]!, b11 = alpha * b[r1 + s1]!, b12 = alpha * b[r1 + s2]!, b13 = alpha * b[r1 + s3]!, b14 = alpha * b[r1 + s4]!, b15 = alpha * b[r1 + s5]!, b16 = alpha * b[r1 + s6]!, b17 = alpha * b[r1 + s7]!;
    const b20 = alpha * b[r2]!, b21 = alpha * b[r2 + s1]!, b22 = alpha * b[r2 + s2]!, b23 = alpha * b[r2 + s3]!, b24 = alpha * b[r2 + s4]!, b25 = alpha * b[r2 + s5]!, b26 = alpha * b[r2 + s6]!, b27 = alpha * b[r2 + s7]!;
    const b30 = alpha * b[r3]!, b31 = alpha * b[r3 + s1]!, b32 = alpha * b[r3 + s2]!, b33 = alpha * b[r3 + s3]!, b34 = alpha * b[r3 + s4]!, b35 = alpha * b[r3 + s5]!, b36 = alpha * b[r3 + s6]!, b37 = alpha * b[r3 + s7]!;
    const b40 = alpha * b[r4]!, b41 = alpha * b[r4 + s1]!, b42 = alpha * b[r4 + s2]!, b43 = alpha * b[r4 + s3]!, b44 = alpha * b[r4 + s4]!, b45 = alpha * b[r4 + s5]!, b46 = alpha * b[r4 + s6]!, b47 = alpha * b[r4 + s7]!;
    const b50 = alpha * b[r5]!, b51 = alpha * b[r5 + s1]!, b52 = alpha * b[r5 + s2]!, b53 = alpha * b[r5 + s3]!, b54 = alpha * b[r5 + s4]!, b55 = alpha * b[r5 + s5]!, b56 = alpha * b[r5 + s6]!, b57 = alpha * b[r5 + s7]!;
    const b60 = alpha * b[r6]!, b61 = alpha * b[r6 + s1]!, b62 = alpha * b[r6 + s2]!, b63 = alpha * b[r6 + s3]!, b64 = alpha * b[r6 + s4]!, b65 = alpha * b[r6 + s5]!, b66 = alpha * b[r6 + s6]!, b67 = alpha * b[r6 + s7]!;
    const b70 = alpha * b[r7]!, b71 = alpha * b[r7 + s1]!, b72 = alpha * b[r7 + s2]!, b73 = alpha * b[r7 + s3]!, b74 = alpha * b[r7 + s4]!, b75 = alpha * b[r7 + s5]!, b76 = alpha * b[r7 + s6]!, b77 = alpha * b[r7 + s7]!;
    const a0 = aOff + p * lda;
    const a1 = a0 + 1 * lda, a2 = a0 + 2 * lda, a3 = a0 + 3 * lda, a4 = a0 + 4 * lda, a5 = a0 + 5 * lda, a6 = a0 + 6 * lda, a7 = a0 + 7 * lda;
    for (let i = 0; i < m; i++) {
      const x0 = a[a0 + i]!, x1 = a[a1 + i]!, x2 = a[a2 + i]!, x3 = a[a3 + i]!;
      const x4 = a[a4 + i]!, x5 = a[a5 + i]!, x6 = a[a6 + i]!, x7 = a[a7 + i]!;
      c[c0 + i]! += x0 * b00 + x1 * b10 + x2 * b20 + x3 * b30 + x4 * b40 + x5 * b50 + x6 * b60 + x7 * b70;
      c[c1 + i]! += x0 * b01 + x1 * b11 + x2 * b21 + x3 * b31 + x4 * b41 + x5 * b51 + x6 * b61 + x7 * b71;
      c[c2 + i]! += x0 * b02 + x1 * b12 + x2 * b22 + x3 * b32 + x4 * b42 + x5 * b52 + x6 * b62 + x7 * b72;
      c[c3 + i]! += x0 * b03 + x1 * b13 + x2 * b23 + x3 * b33 + x4 * b43 + x5 * b53 + x6 * b63 + x7 * b73;
      c[c4 + i]! += x0 * b04 + x1 * b14 + x2 * b24 + x3 * b34 + x4 * b44 + x5 * b54 + x6 * b64 + x7 * b74;
      c[c5 + i]! += x0 * b05 + x1 * b15 + x2 * b25 + x3 * b35 + x4 * b45 + x5 * b55 + x6 * b65 + x7 * b75;
      c[c6 + i]! += x0 * b06 + x1 * b16 + x2 * b26 + x3 * b36 + x4 * b46 + x5 * b56 + x6 * b66 + x7 * b76;
      c[c7 + i]! += x0 * b07 + x1 * b17 + x2 * b27 + x3 * b37 + x4 * b47 + x5 * b57 + x6 * b67 + x7 * b77;
    }
  }
  if (p < k) {
    // inner-dimension tail: two 4-column tiles
    cols4(m, k - p, alpha, a, aOff + p * lda, lda, b, q + p * bsp, bsp, bsj, c, c0, ldc);
    cols4(m, k - p, alpha, a, aOff + p * lda, lda, b, q + p * bsp + 4 * bsj, bsp, bsj, c, c4, ldc);
  }
}

/** Four columns: `C[:, 0..3] += α·A·B(:, 0..3)`, eight inner steps at a time (the 4×8 register tile). */
function cols4(
  m: number,
  k: number,
  alpha: number,
  a: MatData,
  aOff: number,
  lda: number,
  b: MatData,
  q: number,
  bsp: number,
  bsj: number,
  c: Float64Array,
  c0: number,
  ldc: number,
): void {
  const c1 = c0 + ldc;
  const c2 = c1 + ldc;
  const c3 = c2 + ldc;
  let p = 0;
  for (; p + 8 <= k; p += 8) {
    // bXY = α·B(p + X, Y)
    const r0 = q + p * bsp;
    const r1 = r0 + bsp, r2 = r1 + bsp, r3 = r2 + bsp, r4 = r3 + bsp, r5 = r4 + bsp, r6 = r5 + bsp, r7 = r6 + bsp;
    const s1 = bsj, s2 = 2 * bsj, s3 = 3 * bsj;
    const b00 = alpha * b[r0]!, b01 = alpha * b[r0 + s1]!, b02 = alpha * b[r0 + s2]!, b03 = alpha * b[r0 + s3]!;
    const b10 = alpha * b[r1]!, b11 = alpha * b[r1 + s1]!, b12 = alpha * b[r1 + s2]!, b13 = alpha * b[r1 + s3]!;
    const b20 = alpha * b[r2]!, b21 = alpha * b[r2 + s1]!, b22 = alpha * b[r2 + s2]!, b23 = alpha * b[r2 + s3]!;
    const b30 = alpha * b[r3]!, b31 = alpha * b[r3 + s1]!, b32 = alpha * b[r3 + s2]!, b33 = alpha * b[r3 + s3]!;
    const b40 = alpha * b[r4]!, b41 = alpha * b[r4 + s1]!, b42 = alpha * b[r4 + s2]!, b43 = alpha * b[r4 + s3]!;
    const b50 = alpha * b[r5]!, b51 = alpha * b[r5 + s1]!, b52 = alpha * b[r5 + s2]!, b53 = alpha * b[r5 + s3]!;
    const b60 = alpha * b[r6]!, b61 = alpha * b[r6 + s1]!, b62 = alpha * b[r6 + s2]!, b63 = alpha * b[r6 + s3]!;
    const b70 = alpha * b[r7]!, b71 = alpha * b[r7 + s1]!, b72 = alpha * b[r7 + s2]!, b73 = alpha * b[r7 + s3]!;
    const a0 = aOff + p * lda;
    const a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda, a7 = a6 + lda;
    for (let i = 0; i < m; i++) {
      const x0 = a[a0 + i]!, x1 = a[a1 + i]!, x2 = a[a2 + i]!, x3 = a[a3 + i]!;
      const x4 = a[a4 + i]!, x5 = a[a5 + i]!, x6 = a[a6 + i]!, x7 = a[a7 + i]!;
      c[c0 + i]! += x0 * b00 + x1 * b10 + x2 * b20 + x3 * b30 + x4 * b40 + x5 * b50 + x6 * b60 + x7 * b70;
      c[c1 + i]! += x0 * b01 + x1 * b11 + x2 * b21 + x3 * b31 + x4 * b41 + x5 * b51 + x6 * b61 + x7 * b71;
      c[c2 + i]! += x0 * b02 + x1 * b12 + x2 * b22 + x3 * b32 + x4 * b42 + x5 * b52 + x6 * b62 + x7 * b72;
      c[c3 + i]! += x0 * b03 + x1 * b13 + x2 * b23 + x3 * b33 + x4 * b43 + x5 * b53 + x6 * b63 + x7 * b73;
    }
  }
  if (p + 4 <= k) {
    // the 4×4 tile for a remainder of four or more inner steps
    const r0 = q + p * bsp;
    const r1 = r0 + bsp, r2 = r1 + bsp, r3 = r2 + bsp;
    const s1 = bsj, s2 = 2 * bsj, s3 = 3 * bsj;
    const b00 = alpha * b[r0]!, b01 = alpha * b[r0 + s1]!, b02 = alpha * b[r0 + s2]!, b03 = alpha * b[r0 + s3]!;
    const b10 = alpha * b[r1]!, b11 = alpha * b[r1 + s1]!, b12 = alpha * b[r1 + s2]!, b13 = alpha * b[r1 + s3]!;
    const b20 = alpha * b[r2]!, b21 = alpha * b[r2 + s1]!, b22 = alpha * b[r2 + s2]!, b23 = alpha * b[r2 + s3]!;
    const b30 = alpha * b[r3]!, b31 = alpha * b[r3 + s1]!, b32 = alpha * b[r3 + s2]!, b33 = alpha * b[r3 + s3]!;
    const a0 = aOff + p * lda;
    const a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
    for (let i = 0; i < m; i++) {
      const x0 = a[a0 + i]!, x1 = a[a1 + i]!, x2 = a[a2 + i]!, x3 = a[a3 + i]!;
      c[c0 + i]! += x0 * b00 + x1 * b10 + x2 * b20 + x3 * b30;
      c[c1 + i]! += x0 * b01 + x1 * b11 + x2 * b21 + x3 * b31;
      c[c2 + i]! += x0 * b02 + x1 * b12 + x2 * b22 + x3 * b32;
      c[c3 + i]! += x0 * b03 + x1 * b13 + x2 * b23 + x3 * b33;
    }
    p += 4;
  }
  for (; p < k; p++) {
    const r0 = q + p * bsp;
    const b00 = alpha * b[r0]!, b01 = alpha * b[r0 + bsj]!, b02 = alpha * b[r0 + 2 * bsj]!, b03 = alpha * b[r0 + 3 * bsj]!;
    const a0 = aOff + p * lda;
    for (let i = 0; i < m; i++) {
      const x0 = a[a0 + i]!;
      c[c0 + i]! += x0 * b00;
      c[c1 + i]! += x0 * b01;
      c[c2 + i]! += x0 * b02;
      c[c3 + i]! += x0 * b03;
    }
  }
}

/** One trailing column: `C[:, 0] += α·A·B(:, 0)`, eight inner steps at a time. */
function cols1(m: number, k: number, alpha: number, a: MatData, aOff: number, lda: number, b: MatData, q: number, bsp: number, c: Float64Array, c0: number): void {
  let p = 0;
  for (; p + 8 <= k; p += 8) {
    const r = q + p * bsp;
    const b0 = alpha * b[r]!, b1 = alpha * b[r + bsp]!, b2 = alpha * b[r + 2 * bsp]!, b3 = alpha * b[r + 3 * bsp]!;
    const b4 = alpha * b[r + 4 * bsp]!, b5 = alpha * b[r + 5 * bsp]!, b6 = alpha * b[r + 6 * bsp]!, b7 = alpha * b[r + 7 * bsp]!;
    const a0 = aOff + p * lda;
    const a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda, a7 = a6 + lda;
    for (let i = 0; i < m; i++) {
      c[c0 + i]! += a[a0 + i]! * b0 + a[a1 + i]! * b1 + a[a2 + i]! * b2 + a[a3 + i]! * b3 + a[a4 + i]! * b4 + a[a5 + i]! * b5 + a[a6 + i]! * b6 + a[a7 + i]! * b7;
    }
  }
  for (; p < k; p++) {
    const b0 = alpha * b[q + p * bsp]!;
    const a0 = aOff + p * lda;
    for (let i = 0; i < m; i++) c[c0 + i]! += a[a0 + i]! * b0;
  }
}

/** One product at given offsets (the building block of gemm and gemmBatch): overwrites the m×n block of `out`. */
function gemmAt(
  out: Float64Array,
  oOff: number,
  a: MatData,
  aOff: number,
  b: MatData,
  bOff: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
): void {
  // the WebAssembly SIMD kernel (gemm-simd.ts) where the engine has it and the product is not tiny
  if (simdTakes(m, k, n) && gemmSimd(out, oOff, a, aOff, b, bOff, m, k, n, transA, transB)) return;
  out.fill(0, oOff, oOff + m * n);
  let A: MatData = a;
  let off = aOff;
  if (transA && m > 0 && k > 0) {
    // a is stored k×m; pack op(a) = aᵀ as m×k so the kernel runs down contiguous columns.
    const buf = scratch(m * k);
    transposeInto(buf, a, k, m, aOff, 0);
    A = buf;
    off = 0;
  }
  // op(b)(p, j): b stored k×n → b[p + j·k]; transposed, b stored n×k → b[j + p·n].
  if (transB) gemmAcc(m, n, k, 1, A, off, m, b, bOff, n, 1, out, oOff, m);
  else gemmAcc(m, n, k, 1, A, off, m, b, bOff, 1, k, out, oOff, m);
}

function checkDims(what: string, m: number, k: number, n: number): void {
  for (const d of [m, k, n]) {
    if (!Number.isInteger(d) || d < 0) throw new InvalidArgumentError(`${what}: dimensions must be non-negative integers, got m=${m}, k=${k}, n=${n}`);
  }
}

/**
 * Flat `out = op(a) · op(b)`: `op(a)` m×k, `op(b)` k×n, `out` m×n, all column-major.
 * `a` is stored m×k (k×m when `transA`), `b` k×n (n×k when `transB`). `out` must not alias an input.
 */
export function gemm(
  out: Float64Array,
  a: MatData,
  b: MatData,
  m: number,
  k: number,
  n: number,
  transA = false,
  transB = false,
): Float64Array {
  checkDims('gemm', m, k, n);
  if (a.length < m * k || b.length < k * n || out.length < m * n) {
    throw new ShapeError(`gemm: buffers too small for (${m}×${k})·(${k}×${n}): a has ${a.length}, b ${b.length}, out ${out.length}`, [
      [m, k],
      [k, n],
    ]);
  }
  gemmAt(out, 0, a, 0, b, 0, m, k, n, transA, transB);
  return out;
}

/**
 * Batched `out_t = op(a_t) · op(b_t)`, t = 0..batch−1, slices contiguous (slice t of `a` starts at
 * t·m·k, of `b` at t·k·n, of `out` at t·m·n). A batch of 1 broadcasts against the other; otherwise
 * the batches must agree. Returns the batch size. One left factor against a batch of untransposed
 * right factors is one wide product `A·[B_1 … B_T] = [AB_1 … AB_T]`.
 */
export function gemmBatch(
  out: Float64Array,
  a: MatData,
  aBatch: number,
  b: MatData,
  bBatch: number,
  m: number,
  k: number,
  n: number,
  transA = false,
  transB = false,
): number {
  checkDims('gemmBatch', m, k, n);
  if (aBatch !== bBatch && aBatch !== 1 && bBatch !== 1) {
    throw new ShapeError(`gemmBatch: batch sizes ${aBatch} and ${bBatch} do not broadcast`);
  }
  const batch = Math.max(aBatch, bBatch);
  const sa = m * k;
  const sb = k * n;
  const so = m * n;
  if (a.length < aBatch * sa || b.length < bBatch * sb || out.length < batch * so) {
    throw new ShapeError(
      `gemmBatch: buffers too small for ${batch} products (${m}×${k})·(${k}×${n}): a has ${a.length}, b ${b.length}, out ${out.length}`,
    );
  }
  if (aBatch === 1 && !transB) {
    // A·[B_1 … B_T]: the batch of right factors is one k×(nT) matrix.
    gemmAt(out, 0, a, 0, b, 0, m, k, n * bBatch, transA, false);
    if (bBatch === 1 && batch > 1) for (let t = 1; t < batch; t++) out.copyWithin(t * so, 0, so);
    return batch;
  }
  if (transA && aBatch === 1 && (batch > 1 || !simdTakes(m, k, n))) {
    // Pack the shared left factor once, not once a product (the SIMD kernel would transpose it again as it copies it in).
    const packed = new Float64Array(sa);
    transposeInto(packed, a, k, m);
    for (let t = 0; t < batch; t++) gemmAt(out, t * so, packed, 0, b, bBatch === 1 ? 0 : t * sb, m, k, n, false, transB);
    return batch;
  }
  for (let t = 0; t < batch; t++) {
    gemmAt(out, t * so, a, aBatch === 1 ? 0 : t * sa, b, bBatch === 1 ? 0 : t * sb, m, k, n, transA, transB);
  }
  return batch;
}

/** `A·B` (blocked kernel). ShapeError names both shapes when the inner dimensions differ. */
export function matmul(A: Mat, B: Mat): Mat {
  if (A.cols !== B.rows) {
    throw new ShapeError(`matmul: inner dimensions differ, ${fmtShape(A.shape)} · ${fmtShape(B.shape)}`, [A.shape, B.shape]);
  }
  checkSize(A.rows, B.cols, 'matmul');
  const out = newF64(A.rows * B.cols);
  gemmAt(out, 0, f64(A.data), 0, f64(B.data), 0, A.rows, A.cols, B.cols, false, false);
  return new Mat(A.rows, B.cols, out);
}

/** The textbook triple loop `C_ij = Σ_p A_ip B_pj`, for benchmark comparison and tests only. */
export function matmulNaive(A: Mat, B: Mat): Mat {
  if (A.cols !== B.rows) {
    throw new ShapeError(`matmulNaive: inner dimensions differ, ${fmtShape(A.shape)} · ${fmtShape(B.shape)}`, [A.shape, B.shape]);
  }
  const m = A.rows;
  const k = A.cols;
  const n = B.cols;
  const a = A.data;
  const b = B.data;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i + p * m]! * b[p + j * k]!;
      out[i + j * m] = s;
    }
  }
  return new Mat(m, n, out);
}
