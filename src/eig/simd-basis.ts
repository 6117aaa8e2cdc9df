/**
 * The Lanczos basis resident in the memory of a WebAssembly SIMD kernel (mat/gemm-simd.ts), so
 * the two products of each Gram–Schmidt pass run there without copying the basis:
 *
 *     Cᵀ = Rᵀ V[:, from:to]      (Rᵀ packed, b×N: the only copy, b·N entries)
 *     R ← R − V[:, from:to] C
 *
 * Layout (float64 units): V N×(M + 4) (four zero columns so a column range can be padded to a
 * multiple of 4), R N×q, then Rᵀ q×N, Cᵀ q×(M + 4), −C (M + 4)×q, a q×q factor and an N×q
 * product for `rightMultiply`, with q the block size
 * rounded up to 4 (padding columns of R stay zero: the products add V·0 to them). Only for N a
 * multiple of 4 (the kernel's rows); otherwise, or without SIMD, null and the JavaScript path runs.
 */
import { privateKernel, type Kernel } from '../mat/gemm-simd.js';

/** Inner-dimension block for the Cᵀ product (a q×KC panel of Rᵀ and KC×p of V stay in L2: 1024 measured a few per cent faster than 256 at N = 9216, q = 12). */
const KC = 1024;
/** Row block for the update of R. */
const MC = 128;
const up4 = (x: number): number => (x + 3) & ~3;

export interface SimdBasis {
  /** The basis, N×M (column stride N), in the kernel's memory. */
  readonly V: Float64Array;
  /** The block being orthogonalised, N×(at most bMax) (column stride N), in the kernel's memory. */
  readonly R: Float64Array;
  /** One Gram–Schmidt pass of R's first b columns against V[:, from:to]; C ((to − from)×b) into `coef`. */
  project(from: number, to: number, b: number, coef: Float64Array): Float64Array;
  /** Its first half: C = V[:, from:to]ᵀ R[:, :b] ((to − from)×b, column-major) into `coef`; R unchanged. */
  coefficients(from: number, to: number, b: number, coef: Float64Array): Float64Array;
  /** Its second half: R[:, :b] ← R[:, :b] − V[:, from:to] C. */
  subtract(from: number, to: number, b: number, C: Float64Array): void;
  /** G = RᵀR (b×b, column-major) of R's first b columns, into `G`. */
  gram(b: number, G: Float64Array): Float64Array;
  /** R[:, :b] ← R[:, :b] · W for a b×b matrix W (column-major). */
  rightMultiply(b: number, W: Float64Array): void;
  /** V[:, from : from + c] ← V[:, from : from + r] · S for an r×c matrix S (column-major, c ≤ r): a thick restart. */
  rotate(from: number, r: number, c: number, S: Float64Array): void;
}

export function simdBasis(N: number, M: number, bMax: number): SimdBasis | null {
  if (N % 4 !== 0 || N < 8) return null;
  const q = up4(bMax);
  const cols = M + 4;
  const vAt = 0;
  const rAt = vAt + N * cols;
  const rtAt = rAt + N * q;
  const ctAt = rtAt + q * N;
  const cnAt = ctAt + q * cols;
  const wAt = cnAt + cols * q;
  const tAt = wAt + q * q;
  const sAt = tAt + N * q;
  const uAt = sAt + cols * cols;
  const pAt = uAt + MC * cols;
  const total = pAt + MC * cols;
  const k = privateKernel(total * 8);
  if (!k) return null;
  const f = k.f64;
  const kernel: Kernel = k.kernel;
  /** Rows [i0, i0 + mc) of V[:, from : from + width] packed at pAt (column stride mc); its address in bytes. */
  const panel = (i0: number, mc: number, from: number, width: number): number => {
    k.copyColumns(pAt * 8, (vAt + from * N + i0) * 8, mc * 8, width, N * 8);
    return pAt * 8;
  };
  const V = f.subarray(vAt, vAt + N * M);
  const R = f.subarray(rAt, rAt + N * bMax);
  /** Rᵀ packed q_b×N (rows b..q_b−1 zero) from R's first b columns. */
  const packRt = (b: number, qb: number): void => {
    for (let c = 0; c < qb; c++) {
      if (c < b) for (let r = 0, src = rAt + c * N, dst = rtAt + c; r < N; r++, dst += qb) f[dst] = f[src + r]!;
      else for (let r = 0, dst = rtAt + c; r < N; r++, dst += qb) f[dst] = 0;
    }
  };
  /** Cᵀ (q_b × width) = Rᵀ V[:, from : from + width] (width a multiple of 4), or RᵀR when `from` is null. */
  const leftProduct = (qb: number, width: number, from: number | null): void => {
    f.fill(0, ctAt, ctAt + qb * width);
    const bAt = from === null ? rAt : vAt + from * N;
    for (let p0 = 0; p0 < N; p0 += KC) {
      const kc = Math.min(KC, N - p0);
      kernel(qb, width, kc, (rtAt + p0 * qb) * 8, qb * 8, (bAt + p0) * 8, 8, N * 8, ctAt * 8, qb * 8);
    }
  };
  return {
    V,
    R,
    rightMultiply(b, W) {
      const qb = up4(b);
      f.fill(0, wAt, wAt + qb * qb);
      for (let c = 0; c < b; c++) for (let i = 0; i < b; i++) f[wAt + i + c * qb] = W[i + c * b]!;
      f.fill(0, tAt, tAt + N * qb);
      for (let i0 = 0; i0 < N; i0 += MC) {
        const mc = Math.min(MC, N - i0);
        kernel(mc, qb, b, (rAt + i0) * 8, N * 8, wAt * 8, 8, qb * 8, (tAt + i0) * 8, N * 8);
      }
      f.copyWithin(rAt, tAt, tAt + N * b);
    },
    rotate(from, r, c, S) {
      // row panel by row panel: a panel of V·S depends only on the same rows of V, so it can go back in place
      const cc = up4(c);
      f.fill(0, sAt, sAt + r * cc);
      for (let j = 0; j < c; j++) for (let i = 0; i < r; i++) f[sAt + i + j * r] = S[i + j * r]!;
      for (let i0 = 0; i0 < N; i0 += MC) {
        const mc = Math.min(MC, N - i0);
        f.fill(0, uAt, uAt + mc * cc);
        kernel(mc, cc, r, panel(i0, mc, from, r), mc * 8, sAt * 8, 8, r * 8, uAt * 8, mc * 8);
        for (let j = 0; j < c; j++) f.copyWithin(vAt + (from + j) * N + i0, uAt + j * mc, uAt + (j + 1) * mc);
      }
    },
    gram(b, G) {
      const qb = up4(b);
      packRt(b, qb);
      // R's padding columns b..q_b−1 may hold an earlier block's entries: only the b×b corner is kept
      leftProduct(qb, qb, null);
      for (let c = 0; c < b; c++) for (let i = 0; i < b; i++) G[i + c * b] = 0.5 * (f[ctAt + i + c * qb]! + f[ctAt + c + i * qb]!);
      return G;
    },
    coefficients(from, to, b, coef) {
      const p = to - from;
      const C = coef.subarray(0, p * b);
      if (p <= 0) return C;
      const qb = up4(b);
      packRt(b, qb);
      leftProduct(qb, up4(p), from);
      for (let c = 0; c < b; c++) for (let i = 0; i < p; i++) C[i + c * p] = f[ctAt + c + i * qb]!;
      return C;
    },
    subtract(from, to, b, C) {
      const p = to - from;
      if (p <= 0) return;
      const pp = up4(p);
      const qb = up4(b);
      // −C (rows p..pp−1 zero, so the padding columns of V add nothing)
      f.fill(0, cnAt, cnAt + pp * qb);
      for (let c = 0; c < b; c++) for (let i = 0; i < p; i++) f[cnAt + i + c * pp] = -C[i + c * p]!;
      for (let i0 = 0; i0 < N; i0 += MC) {
        const mc = Math.min(MC, N - i0);
        kernel(mc, qb, p, panel(i0, mc, from, p), mc * 8, cnAt * 8, 8, pp * 8, (rAt + i0) * 8, N * 8);
      }
    },
    project(from, to, b, coef) {
      const C = this.coefficients(from, to, b, coef);
      this.subtract(from, to, b, C);
      return C;
    },
  };
}
