/**
 * Matrix products over column-major float64 data (DESIGN.md §1).
 *
 * `gemm` computes `out = op(a) · op(b)` with `op(a)` m×k and `op(b)` k×n (op = transpose when the
 * flag is set, in which case `a` is stored k×m, `b` stored n×k). The kernel is the column
 * ("axpy") form of the product, register-blocked: four output columns at a time and two steps of
 * the inner dimension at a time, so each load of a column of A feeds eight multiply-adds, and
 * cache-blocked over the inner dimension (KC) and the rows (MC) so the working panel of A and the
 * four output column segments stay in cache. A transposed A is packed (transposed into a reused
 * scratch buffer) first, so the inner loop always runs down contiguous columns; a transposed B is
 * read through strides (it only supplies scalars).
 */
import { InvalidArgumentError, ShapeError, fmtShape } from '../errors.js';
import { Mat, type MatData } from './mat.js';
import { f64, transposeInto } from './ops.js';

const KC = 128;
const MC = 256;

/** Reused scratch for packing a transposed left factor; grows, never shrinks. */
let packBuf = new Float64Array(0);
function scratch(len: number): Float64Array {
  if (packBuf.length < len) packBuf = new Float64Array(Math.max(len, packBuf.length * 2));
  return packBuf;
}

/**
 * The register/cache-blocked kernel: `out[oOff …] = A · op(B)`, A m×k contiguous column-major at
 * `aOff`, `op(B)[p, j] = b[bOff + p·bsp + j·bsj]`. Overwrites the m×n block of `out`.
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
    const c0 = oOff + j * m;
    const c1 = c0 + m;
    const c2 = c1 + m;
    const c3 = c2 + m;
    const bj = bOff + j * bsj;
    for (let p0 = 0; p0 < k; p0 += KC) {
      const p1 = Math.min(k, p0 + KC);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const i1 = Math.min(m, i0 + MC);
        if (nj === 4) {
          let p = p0;
          for (; p + 1 < p1; p += 2) {
            const bp = bj + p * bsp;
            const bq = bp + bsp;
            const b00 = b[bp]!;
            const b01 = b[bp + bsj]!;
            const b02 = b[bp + 2 * bsj]!;
            const b03 = b[bp + 3 * bsj]!;
            const b10 = b[bq]!;
            const b11 = b[bq + bsj]!;
            const b12 = b[bq + 2 * bsj]!;
            const b13 = b[bq + 3 * bsj]!;
            const ap = aOff + p * m;
            const aq = ap + m;
            for (let i = i0; i < i1; i++) {
              const x0 = a[ap + i]!;
              const x1 = a[aq + i]!;
              out[c0 + i]! += x0 * b00 + x1 * b10;
              out[c1 + i]! += x0 * b01 + x1 * b11;
              out[c2 + i]! += x0 * b02 + x1 * b12;
              out[c3 + i]! += x0 * b03 + x1 * b13;
            }
          }
          if (p < p1) {
            const bp = bj + p * bsp;
            const b00 = b[bp]!;
            const b01 = b[bp + bsj]!;
            const b02 = b[bp + 2 * bsj]!;
            const b03 = b[bp + 3 * bsj]!;
            const ap = aOff + p * m;
            for (let i = i0; i < i1; i++) {
              const x0 = a[ap + i]!;
              out[c0 + i]! += x0 * b00;
              out[c1 + i]! += x0 * b01;
              out[c2 + i]! += x0 * b02;
              out[c3 + i]! += x0 * b03;
            }
          }
        } else {
          // 1–3 trailing columns: one column at a time, two inner steps at a time.
          for (let jj = 0; jj < nj; jj++) {
            const c = c0 + jj * m;
            const bjj = bj + jj * bsj;
            let p = p0;
            for (; p + 1 < p1; p += 2) {
              const b0 = b[bjj + p * bsp]!;
              const b1 = b[bjj + (p + 1) * bsp]!;
              const ap = aOff + p * m;
              const aq = ap + m;
              for (let i = i0; i < i1; i++) out[c + i]! += a[ap + i]! * b0 + a[aq + i]! * b1;
            }
            if (p < p1) {
              const b0 = b[bjj + p * bsp]!;
              const ap = aOff + p * m;
              for (let i = i0; i < i1; i++) out[c + i]! += a[ap + i]! * b0;
            }
          }
        }
      }
    }
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
