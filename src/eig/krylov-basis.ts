/**
 * The orthonormal basis of a block Krylov space, column by column: block classical Gram–Schmidt
 * against the basis (twice is enough), orthonormalisation inside a block, and seeded random
 * directions where the space has become invariant. Column-major N×j blocks of one Float64Array.
 */
import { gemmAcc } from '../mat/matmul.js';
import { innerProducts } from '../mat/inner.js';

/**
 * R ← R − V[:, from:to] C with C = V[:, from:to]ᵀ R (R N×b): one pass of block classical
 * Gram–Schmidt. Writes C ((to − from)×b, column-major) into `coef` and returns it.
 */
export function project(R: Float64Array, V: Float64Array, N: number, from: number, to: number, b: number, coef: Float64Array): Float64Array {
  const p = to - from;
  const C = coef.subarray(0, p * b);
  if (p <= 0) return C;
  innerProducts(C, V, from * N, R, 0, N, p, b);
  gemmAcc(N, b, p, -1, V, from * N, N, C, 0, 1, p, R, 0, N);
  return C;
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
