/**
 * The orthonormal basis of a block Krylov space, column by column: block classical Gram–Schmidt
 * against the basis (twice is enough), orthonormalisation inside a block, and seeded random
 * directions where the space has become invariant. Column-major N×j blocks of one Float64Array.
 */
import { gemmAcc } from '../mat/matmul.js';
import { innerProducts } from '../mat/inner.js';
import { Mat } from '../mat/mat.js';
import { eigvalsh } from './dense.js';

/** Reused scratch: Rᵀ packed (b×N) and Cᵀ (b×p) for `project`; grows, never shrinks. */
let packed = new Float64Array(0);
let coefT = new Float64Array(0);

/**
 * R ← R − V[:, from:to] C with C = V[:, from:to]ᵀ R (R N×b): one pass of block classical
 * Gram–Schmidt. Writes C ((to − from)×b, column-major) into `coef` and returns it. The inner
 * products are the product Cᵀ = Rᵀ V with Rᵀ packed (b×N, a copy of b·N entries), so the
 * register-tiled gemm kernel runs down V's columns (about 1.7× the dot-product kernel of
 * `innerProducts` on these tall blocks).
 */
export function project(R: Float64Array, V: Float64Array, N: number, from: number, to: number, b: number, coef: Float64Array): Float64Array {
  const p = to - from;
  const C = coef.subarray(0, p * b);
  if (p <= 0) return C;
  if (packed.length < N * b) packed = new Float64Array(N * b);
  if (coefT.length < p * b) coefT = new Float64Array(Math.max(p * b, 2 * coefT.length));
  for (let c = 0; c < b; c++) for (let r = 0; r < N; r++) packed[c + r * b] = R[r + c * N]!;
  coefT.fill(0, 0, p * b);
  gemmAcc(b, p, N, 1, packed, 0, b, V, from * N, 1, N, coefT, 0, b);
  for (let c = 0; c < b; c++) for (let i = 0; i < p; i++) C[i + c * p] = coefT[c + i * b]!;
  gemmAcc(N, b, p, -1, V, from * N, N, C, 0, 1, p, R, 0, N);
  return C;
}

/** Products with the block R done elsewhere (eig/simd-basis.ts): RᵀR, and R ← R·W. */
export interface BlockKernel {
  gram(b: number, G: Float64Array): Float64Array;
  rightMultiply(b: number, W: Float64Array): void;
}

/** A standard normal deviate from two uniforms (Box–Muller). */
export function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

export function norm(x: Float64Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s);
}

/** col ← col − Σ (srcᵀcol) src over the given unit columns, twice (classical Gram–Schmidt, twice is enough). */
function orthogonalizeAgainst(col: Float64Array, srcs: Float64Array[]): void {
  const N = col.length;
  for (let pass = 0; pass < 2; pass++) {
    for (const src of srcs) {
      let s = 0;
      for (let r = 0; r < N; r++) s += src[r]! * col[r]!;
      if (s !== 0) for (let r = 0; r < N; r++) col[r] = col[r]! - s * src[r]!;
    }
  }
}

/**
 * R ← R U⁻¹ with RᵀR = UᵀU (Cholesky), twice (CholQR2): the columns become orthonormal in
 * O(N·b²) column operations. Declines (returns false) when a column is not clearly independent
 * of the others — a pivot below 1e-6 of its column's length, or below `small` — before changing R
 * in that pass, so R still spans the same columns.
 * One pass leaves ‖QᵀQ − I‖ ≈ ‖δG‖·κ₂(G) (δG: the rounding of the computed Gram matrix G = RᵀR),
 * the second ≈ ‖δG‖ again: where κ₂(G) ≤ ONE_PASS_COND the second pass is skipped (it would gain
 * less than a factor ONE_PASS_COND on the rounding of its own Gram matrix). A Lanczos block is
 * usually that well conditioned: R is the part of HV_blk orthogonal to the basis.
 */
function choleskyQR(R: Float64Array, b: number, N: number, small: number, kernel?: BlockKernel, gram0?: Float64Array): boolean {
  const G = new Float64Array(b * b);
  const U = new Float64Array(b * b);
  for (let pass = 0; pass < 2; pass++) {
    if (pass === 0 && gram0) G.set(gram0);
    else if (kernel) kernel.gram(b, G);
    else innerProducts(G, R, 0, R, 0, N, b, b);
    for (let c = 0; c < b; c++) {
      for (let i = 0; i <= c; i++) {
        let s = G[i + c * b]!;
        for (let t = 0; t < i; t++) s -= U[t + i * b]! * U[t + c * b]!;
        if (i < c) U[i + c * b] = s / U[i + i * b]!;
        else {
          if (!(s > 1e-12 * G[c + c * b]!) || !(Math.sqrt(s) > small)) return false;
          U[c + c * b] = Math.sqrt(s);
        }
      }
    }
    const last = pass === 1 || b === 1 || conditionOf(G, b) <= ONE_PASS_COND;
    if (kernel) {
      // R ← R U⁻¹ as one product, U⁻¹ by back substitution (upper triangular, b×b)
      const W = new Float64Array(b * b);
      for (let c = 0; c < b; c++) {
        W[c + c * b] = 1 / U[c + c * b]!;
        for (let i = c - 1; i >= 0; i--) {
          let s = 0;
          for (let t = i + 1; t <= c; t++) s += U[i + t * b]! * W[t + c * b]!;
          W[i + c * b] = -s / U[i + i * b]!;
        }
      }
      kernel.rightMultiply(b, W);
      if (last) return true;
      continue;
    }
    // R ← R U⁻¹, column by column: R_c = (R_c − Σ_{i<c} U[i, c] R_i) / U[c, c]
    for (let c = 0; c < b; c++) {
      const col = c * N;
      for (let i = 0; i < c; i++) {
        const u = U[i + c * b]!;
        if (u === 0) continue;
        const ci = i * N;
        for (let r = 0; r < N; r++) R[col + r] = R[col + r]! - u * R[ci + r]!;
      }
      const inv = 1 / U[c + c * b]!;
      for (let r = 0; r < N; r++) R[col + r] = R[col + r]! * inv;
    }
    if (last) return true;
  }
  return true;
}

/** Above this κ₂(RᵀR), CholQR makes its second pass. */
const ONE_PASS_COND = 10;

/** κ₂(G) = λ_max/λ_min of a symmetric positive definite b×b matrix (Infinity when λ_min ≤ 0). */
function conditionOf(G: Float64Array, b: number): number {
  const S = new Float64Array(b * b);
  for (let c = 0; c < b; c++) for (let i = 0; i < b; i++) S[i + c * b] = 0.5 * (G[i + c * b]! + G[c + i * b]!);
  const w = eigvalsh(new Mat(b, b, S));
  return w[0]! > 0 ? w[b - 1]! / w[0]! : Infinity;
}

/**
 * Orthonormalises the b columns of R (already orthogonal to V[:, :j]) by CholQR2 when they are
 * clearly independent, else by `orthonormalizeBlock` (Gram–Schmidt with random replacements).
 * `kernel` (optional): R's Gram matrix and right products computed elsewhere (the SIMD basis, where R
 * is its block); `gram` (optional): RᵀR if the caller has it already (b×b).
 * Returns the number of columns made.
 */
export function orthonormalizeFast(R: Float64Array, b: number, V: Float64Array, N: number, j: number, small: number, rand: () => number, kernel?: BlockKernel, gram?: Float64Array): number {
  // a decline leaves R spanning the same columns (untouched, or after one full CholQR pass)
  if (j + b <= N && choleskyQR(R, b, N, small, kernel, gram?.length === b * b ? gram : undefined)) return b;
  return orthonormalizeBlock(R, b, V, N, j, small, rand);
}

/**
 * Makes the b columns of R orthonormal and orthogonal to V[:, :j]: R is already orthogonal to V
 * (two block passes), so each column is orthogonalised against the columns before it, and again
 * against V only when it has lost most of its length (`ref`: its length before the V passes), where
 * rounding could have left V components. A column that vanishes (‖·‖ ≤ `small`: the space is
 * invariant there) is replaced by a seeded random direction orthogonal to everything. Returns how
 * many columns could be made (fewer only when V ∪ R spans R^N).
 */
export function orthonormalizeBlock(R: Float64Array, b: number, V: Float64Array, N: number, j: number, small: number, rand: () => number, ref?: number[]): number {
  const vCols = (): Float64Array[] => Array.from({ length: j }, (_, i) => V.subarray(i * N, (i + 1) * N));
  let made = 0;
  for (let c = 0; c < b; c++) {
    const col = R.subarray(made * N, (made + 1) * N);
    if (made !== c) col.set(R.subarray(c * N, (c + 1) * N));
    const prev = Array.from({ length: made }, (_, i) => R.subarray(i * N, (i + 1) * N));
    orthogonalizeAgainst(col, prev);
    let nn = norm(col);
    if (nn > small && nn > 0 && ref !== undefined && nn < 1e-3 * ref[c]!) {
      // most of the column cancelled: rounding may have left V components behind
      orthogonalizeAgainst(col, [...vCols(), ...prev]);
      nn = norm(col);
    }
    let ok = nn > small && nn > 0;
    for (let attempt = 0; attempt < 4 && !ok; attempt++) {
      for (let r = 0; r < N; r++) col[r] = gaussian(rand);
      const before = norm(col);
      orthogonalizeAgainst(col, [...vCols(), ...prev]);
      nn = norm(col);
      ok = nn > 1e-8 * before;
    }
    if (!ok) continue;
    for (let r = 0; r < N; r++) col[r] = col[r]! / nn;
    made++;
    if (j + made >= N) break;
  }
  return made;
}

/**
 * A seeded random block of b columns, orthonormal and orthogonal to V[:, :j] (two block passes,
 * then inside the block); returns it with its column count.
 */
export function randomBlock(rand: () => number, b: number, V: Float64Array, N: number, j: number, coef: Float64Array): { block: Float64Array; cols: number } {
  const block = new Float64Array(N * b);
  for (let i = 0; i < block.length; i++) block[i] = gaussian(rand);
  const cols = reorthonormalize(block, b, V, N, j, 0, rand, coef);
  return { block, cols };
}

/** What `reorthonormalizeIn` and `randomBlockIn` need of a SIMD basis (eig/simd-basis.ts): its block R's products. */
export type BasisKernel = BlockKernel & { project(from: number, to: number, b: number, coef: Float64Array): Float64Array };

/** `randomBlock` built in the block R of a SIMD basis (its first b columns are overwritten); returns a copy. */
export function randomBlockIn(kernel: BasisKernel, R: Float64Array, rand: () => number, b: number, V: Float64Array, N: number, j: number, coef: Float64Array): { block: Float64Array; cols: number } {
  for (let i = 0; i < N * b; i++) R[i] = gaussian(rand);
  const cols = reorthonormalizeIn(kernel, R, b, V, N, j, 0, rand, coef);
  return { block: R.slice(0, N * b), cols };
}

/**
 * Makes the b columns of R (already nearly orthogonal to V[:, :j], e.g. a Krylov continuation
 * block kept across a restart) orthonormal and orthogonal to V again: `passes` block passes
 * against V (one for a block orthogonal to V but for rounding, two for a random one), then
 * orthonormalisation inside the block. Returns the number of columns made.
 */
export function reorthonormalize(R: Float64Array, b: number, V: Float64Array, N: number, j: number, small: number, rand: () => number, coef: Float64Array, passes = 2): number {
  for (let pass = 0; pass < passes; pass++) project(R, V, N, 0, j, b, coef);
  return orthonormalizeBlock(R, b, V, N, j, small, rand);
}

/** `reorthonormalize` for the block R of a SIMD basis (eig/simd-basis.ts): its passes, then CholQR2 where it applies. */
export function reorthonormalizeIn(kernel: BasisKernel, R: Float64Array, b: number, V: Float64Array, N: number, j: number, small: number, rand: () => number, coef: Float64Array, passes = 2): number {
  for (let pass = 0; pass < passes; pass++) kernel.project(0, j, b, coef);
  return orthonormalizeFast(R, b, V, N, j, small, rand, kernel);
}
