/**
 * Blocked triangular solves with many right-hand sides, column-major float64, in place:
 *
 *   - `solveLowerUnit`: `B ← L⁻¹ B` for L unit lower triangular (the forward substitution of LU);
 *   - `solveUpper`:     `B ← U⁻¹ B` for U upper triangular (the back substitution).
 *
 * Both split the rows in two and recurse: the off-diagonal block is one product through
 * `gemmAcc` (e.g. for the forward solve `B₂ ← B₂ − L₂₁ X₁` with `X₁ = L₁₁⁻¹ B₁`), and triangles of
 * at most LEAF rows are solved by plain substitution, four right-hand sides at a time so each load
 * of L or U feeds four columns. So nearly all the n²r flops run in the register-tiled kernel of
 * matmul.ts.
 *
 * L and U are read from `t[tOff + i + j·ldt]` (the packed LU factors: only the strict lower, or
 * the upper, triangle is touched); B is `b[bOff + i + j·ldb]`, n×r.
 */
import { gemmAcc } from './matmul.js';

/** Rows at which the recursion stops and plain substitution takes over. */
const LEAF = 16;

/** Splits n rows for the recursion: the first part a multiple of 8 (whole passes of the kernel's inner tile). */
const half = (n: number): number => Math.max(8, (n >> 1) & ~7);

/**
 * `B ← L⁻¹ B`, L n×n unit lower triangular (its diagonal is not read). Recursive on the rows:
 * `X₁ = L₁₁⁻¹ B₁`, `B₂ ← B₂ − L₂₁ X₁`, `X₂ = L₂₂⁻¹ B₂`. With `lowerRhs`, B is known to be lower
 * triangular (column c zero above row c, e.g. the identity), and so is the result: the zero
 * columns right of each block are skipped, which saves two thirds of the work of inverting L.
 */
export function solveLowerUnit(n: number, r: number, t: Float64Array, tOff: number, ldt: number, b: Float64Array, bOff: number, ldb: number, lowerRhs = false): void {
  lowerRec(n, r, lowerRhs ? 0 : Infinity, t, tOff, ldt, b, bOff, ldb);
}

/** Column c of B is zero above row `c − shift` (shift = ∞: no known zeros). */
function lowerRec(n: number, r: number, shift: number, t: Float64Array, tOff: number, ldt: number, b: Float64Array, bOff: number, ldb: number): void {
  if (n <= LEAF) {
    lowerUnitBlock(0, n, Math.min(r, n + shift), t, tOff, ldt, b, bOff, ldb);
    return;
  }
  const n1 = half(n);
  const cols = Math.min(r, n1 + shift);
  lowerRec(n1, r, shift, t, tOff, ldt, b, bOff, ldb);
  // B₂ −= L₂₁ · X₁
  gemmAcc(n - n1, cols, n1, -1, t, tOff + n1, ldt, b, bOff, 1, ldb, b, bOff + n1, ldb);
  lowerRec(n - n1, r, shift + n1, t, tOff + n1 + n1 * ldt, ldt, b, bOff + n1, ldb);
}

/** `B ← U⁻¹ B`, U n×n upper triangular with a nonzero diagonal: `X₂ = U₂₂⁻¹ B₂`, `B₁ ← B₁ − U₁₂ X₂`, `X₁ = U₁₁⁻¹ B₁`. */
export function solveUpper(n: number, r: number, t: Float64Array, tOff: number, ldt: number, b: Float64Array, bOff: number, ldb: number): void {
  if (n <= LEAF) {
    upperBlock(0, n, r, t, tOff, ldt, b, bOff, ldb);
    return;
  }
  const n1 = half(n);
  solveUpper(n - n1, r, t, tOff + n1 + n1 * ldt, ldt, b, bOff + n1, ldb);
  // B₁ −= U₁₂ · X₂
  gemmAcc(n1, r, n - n1, -1, t, tOff + n1 * ldt, ldt, b, bOff + n1, 1, ldb, b, bOff, ldb);
  solveUpper(n1, r, t, tOff, ldt, b, bOff, ldb);
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
