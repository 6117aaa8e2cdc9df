/**
 * Matrix products over column-major float64 data (DESIGN.md §1).
 *
 * `gemm` computes `out = op(a) · op(b)` with `op(a)` m×k and `op(b)` k×n (op = transpose when the
 * flag is set, in which case `a` is stored k×m, `b` stored n×k). The kernel is the column
 * ("axpy") form of the product, register-blocked: four output columns at a time and four steps of
 * the inner dimension at a time (16 scalars of B in locals), so each load of an entry of A and
 * each read-modify-write of C feeds four multiply-adds, and cache-blocked over the inner dimension (KC) and the rows (MC) so the working panel of A and the
 * four output column segments stay in cache. A transposed A is packed (transposed into a reused
 * scratch buffer) first, so the inner loop always runs down contiguous columns; a transposed B is
 * read through strides (it only supplies scalars).
 */
import { InvalidArgumentError, ShapeError, fmtShape } from '../errors.js';
import { Mat, type MatData } from './mat.js';
import { f64, transposeInto } from './ops.js';

const KC = 128;
const MC = 128;

/** Reused scratch for packing a transposed left factor; grows, never shrinks. */
let packBuf = new Float64Array(0);
function scratch(len: number): Float64Array {
  if (packBuf.length < len) packBuf = new Float64Array(Math.max(len, packBuf.length * 2));
  return packBuf;
}

/**
 * The register/cache-blocked kernel: `out[oOff …] = A · op(B)`, A m×k contiguous column-major at
 * `aOff`, `op(B)[p, j] = b[bOff + p·bsp + j·bsj]`. Overwrites the m×n block of `out`.
 * Per block of 4 output columns and 4 inner steps, the 16 scalars of op(B) sit in locals and the
 * inner loop over rows does 4 loads of A and 4 read-modify-writes of C for 16 multiply-adds.
 */
function kernelNN(
  out: Float64Array,
  oOff: number,
  a: MatData,
  aOff: number,
  b: MatData,
  bOff: number,
  bsp: number,
  bsj: number,
  m: number,
  k: number,
  n: number,
): void {
  out.fill(0, oOff, oOff + m * n);
  if (m === 0 || k === 0) return;
  for (let j = 0; j < n; j += 4) {
    const nj = Math.min(4, n - j);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const p1 = Math.min(k, p0 + KC);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const i1 = Math.min(m, i0 + MC);
        if (nj === 4) block4(out, oOff + j * m, a, aOff, b, bOff + j * bsj, bsp, bsj, m, p0, p1, i0, i1);
        else for (let jj = 0; jj < nj; jj++) block1(out, oOff + (j + jj) * m, a, aOff, b, bOff + (j + jj) * bsj, bsp, m, p0, p1, i0, i1);
      }
    }
  }
}

/** C[i0:i1, 0:4] += A[i0:i1, p0:p1] · op(B)[p0:p1, 0:4]; C at `c0` (4 columns of m), op(B) column 0 at `bj`. */
function block4(
  out: Float64Array,
  c0: number,
  a: MatData,
  aOff: number,
  b: MatData,
  bj: number,
  bsp: number,
  bsj: number,
  m: number,
  p0: number,
  p1: number,
  i0: number,
  i1: number,
): void {
  const c1 = c0 + m;
  const c2 = c1 + m;
  const c3 = c2 + m;
  let p = p0;
  for (; p + 3 < p1; p += 4) {
    // bXY = op(B)[p + X, j + Y]
    const r0 = bj + p * bsp;
    const r1 = r0 + bsp;
    const r2 = r1 + bsp;
    const r3 = r2 + bsp;
    const b00 = b[r0]!, b01 = b[r0 + bsj]!, b02 = b[r0 + 2 * bsj]!, b03 = b[r0 + 3 * bsj]!;
    const b10 = b[r1]!, b11 = b[r1 + bsj]!, b12 = b[r1 + 2 * bsj]!, b13 = b[r1 + 3 * bsj]!;
    const b20 = b[r2]!, b21 = b[r2 + bsj]!, b22 = b[r2 + 2 * bsj]!, b23 = b[r2 + 3 * bsj]!;
    const b30 = b[r3]!, b31 = b[r3 + bsj]!, b32 = b[r3 + 2 * bsj]!, b33 = b[r3 + 3 * bsj]!;
    const a0 = aOff + p * m;
    const a1 = a0 + m;
    const a2 = a1 + m;
    const a3 = a2 + m;
    for (let i = i0; i < i1; i++) {
      const x0 = a[a0 + i]!;
      const x1 = a[a1 + i]!;
      const x2 = a[a2 + i]!;
      const x3 = a[a3 + i]!;
      out[c0 + i]! += x0 * b00 + x1 * b10 + x2 * b20 + x3 * b30;
      out[c1 + i]! += x0 * b01 + x1 * b11 + x2 * b21 + x3 * b31;
      out[c2 + i]! += x0 * b02 + x1 * b12 + x2 * b22 + x3 * b32;
      out[c3 + i]! += x0 * b03 + x1 * b13 + x2 * b23 + x3 * b33;
    }
  }
  for (; p < p1; p++) {
    const r0 = bj + p * bsp;
    const b00 = b[r0]!, b01 = b[r0 + bsj]!, b02 = b[r0 + 2 * bsj]!, b03 = b[r0 + 3 * bsj]!;
    const a0 = aOff + p * m;
    for (let i = i0; i < i1; i++) {
      const x0 = a[a0 + i]!;
      out[c0 + i]! += x0 * b00;
      out[c1 + i]! += x0 * b01;
      out[c2 + i]! += x0 * b02;
      out[c3 + i]! += x0 * b03;
    }
  }
}

/** One trailing output column: C[i0:i1, j] += A[i0:i1, p0:p1] · op(B)[p0:p1, j], four inner steps at a time. */
function block1(
  out: Float64Array,
  c: number,
  a: MatData,
  aOff: number,
  b: MatData,
  bj: number,
  bsp: number,
  m: number,
  p0: number,
  p1: number,
  i0: number,
  i1: number,
): void {
  let p = p0;
  for (; p + 3 < p1; p += 4) {
    const r0 = bj + p * bsp;
    const b0 = b[r0]!, b1 = b[r0 + bsp]!, b2 = b[r0 + 2 * bsp]!, b3 = b[r0 + 3 * bsp]!;
    const a0 = aOff + p * m;
    const a1 = a0 + m;
    const a2 = a1 + m;
    const a3 = a2 + m;
    for (let i = i0; i < i1; i++) out[c + i]! += a[a0 + i]! * b0 + a[a1 + i]! * b1 + a[a2 + i]! * b2 + a[a3 + i]! * b3;
  }
  for (; p < p1; p++) {
    const b0 = b[bj + p * bsp]!;
    const a0 = aOff + p * m;
    for (let i = i0; i < i1; i++) out[c + i]! += a[a0 + i]! * b0;
  }
}

/** One product at given offsets (the building block of gemm and gemmBatch). */
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
  let A: MatData = a;
  let off = aOff;
  if (transA) {
    // a is stored k×m; pack op(a) = aᵀ as m×k.
    const buf = scratch(m * k);
    transposeInto(buf, a, k, m, aOff, 0);
    A = buf;
    off = 0;
  }
  // op(b)[p, j]: b stored k×n → b[p + j·k]; transposed, b stored n×k → b[j + p·n].
  if (transB) kernelNN(out, oOff, A, off, b, bOff, n, 1, m, k, n);
  else kernelNN(out, oOff, A, off, b, bOff, 1, k, m, k, n);
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
  if (transA && aBatch === 1) {
    // Pack the shared left factor once.
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
  const out = new Float64Array(A.rows * B.cols);
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
