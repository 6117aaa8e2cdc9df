/**
 * Blocked triangular solves with many right-hand sides, column-major float64, in place:
 *
 *   - `solveLowerUnit`: `B ← L⁻¹ B` for L unit lower triangular (the forward substitution of LU);
 *   - `solveUpper`:     `B ← U⁻¹ B` for U upper triangular (the back substitution).
 *
 * Both split the rows in two and recurse: the off-diagonal block is one product through
 * `gemmAcc` (e.g. for the forward solve `B₂ ← B₂ − L₂₁ X₁` with `X₁ = L₁₁⁻¹ B₁`). Triangles of
 * at most LEAF rows go by blocks of eight rows: the 8×8 diagonal block is solved with its
 * entries held in locals, one right-hand side at a time (eight loads and stores for 64 flops),
 * and the rest of the triangle takes the block's contribution through `gemmAcc` with inner
 * dimension 8 (its 8×8 tile exactly). So nearly all the n²r flops run in the register-tiled
 * kernel of matmul.ts.
 *
 * L and U are read from `t[tOff + i + j·ldt]` (the packed LU factors: only the strict lower, or
 * the upper, triangle is touched); B is `b[bOff + i + j·ldb]`, n×r. With `simd` (then t and b are
 * both the memory of gemm-simd.ts's kernel, rows and columns zero-padded to multiples of 4), the
 * whole triangle goes by blocks of eight rows, unsplit, and the blocks' updates run in the
 * WebAssembly SIMD kernel.
 */
import type { Kernel } from './gemm-simd.js';
import { gemmAcc } from './matmul.js';

/** Rows at which the recursion stops and the blocks of eight rows take over (JavaScript path; with SIMD the blocks run at every size). */
const LEAF = 128;
/** Block rows of the leaves (the register-held diagonal blocks). */
const NB = 8;

/** Splits n rows for the recursion: the first part a multiple of 8 (whole passes of the kernel's inner tile). */
const half = (n: number): number => Math.max(8, (n >> 1) & ~7);

/** The WebAssembly SIMD kernel, for operands in its memory, and room there for 8 × (columns rounded up to 4) doubles at `scratch`. */
export interface SimdWork {
  readonly kernel: Kernel;
  readonly scratch: number;
}

/**
 * `B ← L⁻¹ B`, L n×n unit lower triangular (its diagonal is not read). Recursive on the rows:
 * `X₁ = L₁₁⁻¹ B₁`, `B₂ ← B₂ − L₂₁ X₁`, `X₂ = L₂₂⁻¹ B₂`. With `lowerRhs`, B is known to be lower
 * triangular (column c zero above row c, e.g. the identity), and so is the result: the zero
 * columns right of each block are skipped, which saves two thirds of the work of inverting L.
 */
export function solveLowerUnit(n: number, r: number, t: Float64Array, tOff: number, ldt: number, b: Float64Array, bOff: number, ldb: number, lowerRhs = false, simd?: SimdWork): void {
  lowerRec(n, r, lowerRhs ? 0 : Infinity, t, tOff, ldt, b, bOff, ldb, simd);
}

/** Column c of B is zero above row `c − shift` (shift = ∞: no known zeros). */
function lowerRec(n: number, r: number, shift: number, t: Float64Array, tOff: number, ldt: number, b: Float64Array, bOff: number, ldb: number, simd?: SimdWork): void {
  if (simd || n <= LEAF) {
    lowerLeaf(n, r, shift, t, tOff, ldt, b, bOff, ldb, simd);
    return;
  }
  const n1 = half(n);
  const cols = Math.min(r, n1 + shift);
  lowerRec(n1, r, shift, t, tOff, ldt, b, bOff, ldb, simd);
  // B₂ −= L₂₁ · X₁
  gemmAcc(n - n1, cols, n1, -1, t, tOff + n1, ldt, b, bOff, 1, ldb, b, bOff + n1, ldb);
  lowerRec(n - n1, r, shift + n1, t, tOff + n1 + n1 * ldt, ldt, b, bOff + n1, ldb, simd);
}

/** `B ← U⁻¹ B`, U n×n upper triangular with a nonzero diagonal: `X₂ = U₂₂⁻¹ B₂`, `B₁ ← B₁ − U₁₂ X₂`, `X₁ = U₁₁⁻¹ B₁`. */
export function solveUpper(n: number, r: number, t: Float64Array, tOff: number, ldt: number, b: Float64Array, bOff: number, ldb: number, simd?: SimdWork): void {
  if (simd || n <= LEAF) {
    upperLeaf(n, r, t, tOff, ldt, b, bOff, ldb, simd);
    return;
  }
  const n1 = half(n);
  solveUpper(n - n1, r, t, tOff + n1 + n1 * ldt, ldt, b, bOff + n1, ldb, simd);
  // B₁ −= U₁₂ · X₂
  gemmAcc(n1, r, n - n1, -1, t, tOff + n1 * ldt, ldt, b, bOff + n1, 1, ldb, b, bOff, ldb);
  solveUpper(n1, r, t, tOff, ldt, b, bOff, ldb, simd);
}

/**
 * `C −= A·X` by the SIMD kernel as `C += A·(−X)`: A m×k at `mem[aOff]` (column stride lda), X k×c
 * at `mem[xOff]` and C m×c at `mem[cOff]` (column stride ldc), k ≤ 8, −X copied to `s.scratch`.
 * The kernel works on whole 4×4 blocks: the columns past c (up to a multiple of 4) get A·0 added,
 * and the rows past m must be padding (zero in A, unused in C): m reaches the matrix's last row,
 * or is a multiple of 4, in every call here.
 */
export function subProductSimd(s: SimdWork, m: number, c: number, k: number, mem: Float64Array, aOff: number, lda: number, xOff: number, ldx: number, cOff: number, ldc: number): void {
  const cp = (c + 3) & ~3;
  const u = s.scratch;
  for (let j = 0; j < cp; j++) {
    const dst = u + j * k;
    const src = xOff + j * ldx;
    if (j < c) for (let p = 0; p < k; p++) mem[dst + p] = -mem[src + p]!;
    else for (let p = 0; p < k; p++) mem[dst + p] = 0;
  }
  s.kernel((m + 3) & ~3, cp, k, aOff * 8, lda * 8, u * 8, 8, k * 8, cOff * 8, ldc * 8);
}

/** `B ← L⁻¹ B` by blocks of eight rows, top down: `X_k = L_kk⁻¹ B_k`, then `B_below −= L_below,k X_k`. */
function lowerLeaf(n: number, r: number, shift: number, t: Float64Array, tOff: number, ldt: number, b: Float64Array, bOff: number, ldb: number, simd?: SimdWork): void {
  for (let k = 0; k < n; k += NB) {
    const nb = Math.min(NB, n - k);
    const cols = Math.min(r, k + nb + shift); // columns with nonzeros in rows k..k+nb−1
    if (nb === NB) lowerUnit8(cols, t, tOff + k + k * ldt, ldt, b, bOff + k, ldb);
    else lowerUnitBlock(k, n, cols, t, tOff, ldt, b, bOff, ldb);
    if (k + nb >= n) continue;
    if (simd) subProductSimd(simd, n - k - nb, cols, nb, b, tOff + k + nb + k * ldt, ldt, bOff + k, ldb, bOff + k + nb, ldb);
    else gemmAcc(n - k - nb, cols, nb, -1, t, tOff + k + nb + k * ldt, ldt, b, bOff + k, 1, ldb, b, bOff + k + nb, ldb);
  }
}

/** `B ← U⁻¹ B` by blocks of eight rows, bottom up: `X_k = U_kk⁻¹ B_k`, then `B_above −= U_above,k X_k`. */
function upperLeaf(n: number, r: number, t: Float64Array, tOff: number, ldt: number, b: Float64Array, bOff: number, ldb: number, simd?: SimdWork): void {
  let k = n - (n % NB || NB);
  const nb0 = n - k;
  for (let nb = nb0; k >= 0; k -= NB, nb = NB) {
    if (nb === NB) upper8(r, t, tOff + k + k * ldt, ldt, b, bOff + k, ldb);
    else upperBlock(k, k + nb, r, t, tOff, ldt, b, bOff, ldb);
    if (k === 0) continue;
    if (simd) subProductSimd(simd, k, r, nb, b, tOff + k * ldt, ldt, bOff + k, ldb, bOff, ldb);
    else gemmAcc(k, r, nb, -1, t, tOff + k * ldt, ldt, b, bOff + k, 1, ldb, b, bOff, ldb);
  }
}

/**
 * `B ← L⁻¹ B` for an 8×8 unit lower triangle L at `t[d + i + j·ldt]` and B 8×r at
 * `b[o + i + j·ldb]`: forward substitution with the 28 multipliers held in locals.
 */
export function lowerUnit8(r: number, t: Float64Array, d: number, ldt: number, b: Float64Array, o: number, ldb: number): void {
  const l10 = t[d + 1]!, l20 = t[d + 2]!, l30 = t[d + 3]!, l40 = t[d + 4]!, l50 = t[d + 5]!, l60 = t[d + 6]!, l70 = t[d + 7]!;
  const e1 = d + ldt;
  const l21 = t[e1 + 2]!, l31 = t[e1 + 3]!, l41 = t[e1 + 4]!, l51 = t[e1 + 5]!, l61 = t[e1 + 6]!, l71 = t[e1 + 7]!;
  const e2 = e1 + ldt;
  const l32 = t[e2 + 3]!, l42 = t[e2 + 4]!, l52 = t[e2 + 5]!, l62 = t[e2 + 6]!, l72 = t[e2 + 7]!;
  const e3 = e2 + ldt;
  const l43 = t[e3 + 4]!, l53 = t[e3 + 5]!, l63 = t[e3 + 6]!, l73 = t[e3 + 7]!;
  const e4 = e3 + ldt;
  const l54 = t[e4 + 5]!, l64 = t[e4 + 6]!, l74 = t[e4 + 7]!;
  const e5 = e4 + ldt;
  const l65 = t[e5 + 6]!, l75 = t[e5 + 7]!;
  const l76 = t[e5 + ldt + 7]!;
  for (let j = 0, q = o; j < r; j++, q += ldb) {
    const x0 = b[q]!;
    const x1 = b[q + 1]! - l10 * x0;
    const x2 = b[q + 2]! - (l20 * x0 + l21 * x1);
    const x3 = b[q + 3]! - (l30 * x0 + l31 * x1 + l32 * x2);
    const x4 = b[q + 4]! - (l40 * x0 + l41 * x1 + l42 * x2 + l43 * x3);
    const x5 = b[q + 5]! - (l50 * x0 + l51 * x1 + l52 * x2 + l53 * x3 + l54 * x4);
    const x6 = b[q + 6]! - (l60 * x0 + l61 * x1 + l62 * x2 + l63 * x3 + l64 * x4 + l65 * x5);
    const x7 = b[q + 7]! - (l70 * x0 + l71 * x1 + l72 * x2 + l73 * x3 + l74 * x4 + l75 * x5 + l76 * x6);
    b[q + 1] = x1;
    b[q + 2] = x2;
    b[q + 3] = x3;
    b[q + 4] = x4;
    b[q + 5] = x5;
    b[q + 6] = x6;
    b[q + 7] = x7;
  }
}

/**
 * `B ← U⁻¹ B` for an 8×8 upper triangle U at `t[d + i + j·ldt]` (nonzero diagonal) and B 8×r at
 * `b[o + i + j·ldb]`: back substitution with the 28 off-diagonal entries and the 8 reciprocals of
 * the diagonal held in locals.
 */
function upper8(r: number, t: Float64Array, d: number, ldt: number, b: Float64Array, o: number, ldb: number): void {
  const e1 = d + ldt, e2 = e1 + ldt, e3 = e2 + ldt, e4 = e3 + ldt, e5 = e4 + ldt, e6 = e5 + ldt, e7 = e6 + ldt;
  const d0 = 1 / t[d]!, d1 = 1 / t[e1 + 1]!, d2 = 1 / t[e2 + 2]!, d3 = 1 / t[e3 + 3]!;
  const d4 = 1 / t[e4 + 4]!, d5 = 1 / t[e5 + 5]!, d6 = 1 / t[e6 + 6]!, d7 = 1 / t[e7 + 7]!;
  const u01 = t[e1]!;
  const u02 = t[e2]!, u12 = t[e2 + 1]!;
  const u03 = t[e3]!, u13 = t[e3 + 1]!, u23 = t[e3 + 2]!;
  const u04 = t[e4]!, u14 = t[e4 + 1]!, u24 = t[e4 + 2]!, u34 = t[e4 + 3]!;
  const u05 = t[e5]!, u15 = t[e5 + 1]!, u25 = t[e5 + 2]!, u35 = t[e5 + 3]!, u45 = t[e5 + 4]!;
  const u06 = t[e6]!, u16 = t[e6 + 1]!, u26 = t[e6 + 2]!, u36 = t[e6 + 3]!, u46 = t[e6 + 4]!, u56 = t[e6 + 5]!;
  const u07 = t[e7]!, u17 = t[e7 + 1]!, u27 = t[e7 + 2]!, u37 = t[e7 + 3]!, u47 = t[e7 + 4]!, u57 = t[e7 + 5]!, u67 = t[e7 + 6]!;
  for (let j = 0, q = o; j < r; j++, q += ldb) {
    const x7 = b[q + 7]! * d7;
    const x6 = (b[q + 6]! - u67 * x7) * d6;
    const x5 = (b[q + 5]! - (u56 * x6 + u57 * x7)) * d5;
    const x4 = (b[q + 4]! - (u45 * x5 + u46 * x6 + u47 * x7)) * d4;
    const x3 = (b[q + 3]! - (u34 * x4 + u35 * x5 + u36 * x6 + u37 * x7)) * d3;
    const x2 = (b[q + 2]! - (u23 * x3 + u24 * x4 + u25 * x5 + u26 * x6 + u27 * x7)) * d2;
    const x1 = (b[q + 1]! - (u12 * x2 + u13 * x3 + u14 * x4 + u15 * x5 + u16 * x6 + u17 * x7)) * d1;
    const x0 = (b[q]! - (u01 * x1 + u02 * x2 + u03 * x3 + u04 * x4 + u05 * x5 + u06 * x6 + u07 * x7)) * d0;
    b[q] = x0;
    b[q + 1] = x1;
    b[q + 2] = x2;
    b[q + 3] = x3;
    b[q + 4] = x4;
    b[q + 5] = x5;
    b[q + 6] = x6;
    b[q + 7] = x7;
  }
}

/** Forward substitution on rows k0..k1−1 only: `B[k0:k1, 0:r] ← L[k0:k1, k0:k1]⁻¹ B[k0:k1, 0:r]`. */
function lowerUnitBlock(k0: number, k1: number, r: number, t: Float64Array, tOff: number, ldt: number, b: Float64Array, bOff: number, ldb: number): void {
  let j = 0;
  for (; j + 4 <= r; j += 4) {
    const o0 = bOff + j * ldb;
    const o1 = o0 + ldb;
    const o2 = o1 + ldb;
    const o3 = o2 + ldb;
    for (let k = k0; k < k1; k++) {
      const x0 = b[o0 + k]!, x1 = b[o1 + k]!, x2 = b[o2 + k]!, x3 = b[o3 + k]!;
      const ck = tOff + k * ldt;
      for (let i = k + 1; i < k1; i++) {
        const l = t[ck + i]!;
        b[o0 + i]! -= l * x0;
        b[o1 + i]! -= l * x1;
        b[o2 + i]! -= l * x2;
        b[o3 + i]! -= l * x3;
      }
    }
  }
  for (; j < r; j++) {
    const o = bOff + j * ldb;
    for (let k = k0; k < k1; k++) {
      const x = b[o + k]!;
      const ck = tOff + k * ldt;
      for (let i = k + 1; i < k1; i++) b[o + i]! -= t[ck + i]! * x;
    }
  }
}

/** Back substitution on rows k0..k1−1 only: `B[k0:k1, 0:r] ← U[k0:k1, k0:k1]⁻¹ B[k0:k1, 0:r]`. */
function upperBlock(k0: number, k1: number, r: number, t: Float64Array, tOff: number, ldt: number, b: Float64Array, bOff: number, ldb: number): void {
  let j = 0;
  for (; j + 4 <= r; j += 4) {
    const o0 = bOff + j * ldb;
    const o1 = o0 + ldb;
    const o2 = o1 + ldb;
    const o3 = o2 + ldb;
    for (let k = k1 - 1; k >= k0; k--) {
      const ck = tOff + k * ldt;
      const d = 1 / t[ck + k]!;
      const x0 = (b[o0 + k]! *= d);
      const x1 = (b[o1 + k]! *= d);
      const x2 = (b[o2 + k]! *= d);
      const x3 = (b[o3 + k]! *= d);
      for (let i = k0; i < k; i++) {
        const u = t[ck + i]!;
        b[o0 + i]! -= u * x0;
        b[o1 + i]! -= u * x1;
        b[o2 + i]! -= u * x2;
        b[o3 + i]! -= u * x3;
      }
    }
  }
  for (; j < r; j++) {
    const o = bOff + j * ldb;
    for (let k = k1 - 1; k >= k0; k--) {
      const ck = tOff + k * ldt;
      const x = (b[o + k]! /= t[ck + k]!);
      for (let i = k0; i < k; i++) b[o + i]! -= t[ck + i]! * x;
    }
  }
}
