/**
 * Extreme eigenpairs of a symmetric operator H (given only as V ↦ HV) by thick-restart block
 * Lanczos with full reorthogonalisation (Wu & Simon's restart, Stewart's Krylov–Schur in its
 * symmetric form, with blocks as in Golub & Underwood).
 *
 * The basis V (N×j, orthonormal) grows one block of b vectors per batched product W = H V_blk;
 * W is orthogonalised against all of V twice (block classical Gram–Schmidt, twice is enough),
 * and the first pass's coefficients fill the new columns of the projected matrix T = VᵀHV
 * (block tridiagonal in exact arithmetic, kept in full so restarts need no special form). The
 * products HV are kept too, so a Ritz pair (θ, y = Vs) has its true residual ‖HVs − θVs‖, not
 * an estimate. When V is full, the Ritz vectors nearest the wanted end are kept (V ← VS_keep,
 * HV ← HV S_keep, T ← diag θ_keep: no new products) and the Krylov continuation block extends
 * them.
 *
 * Multiple and clustered eigenvalues: a block Krylov space holds at most b vectors per distinct
 * eigenvalue (b = k by default, so up to k copies are found together), and a tight cluster is
 * resolved only slowly. Two guards: when the space becomes invariant (a new direction vanishes)
 * a random vector orthogonal to V replaces it; and once every wanted pair has converged, one more
 * cycle starts from a fresh random block orthogonal to the kept vectors. Only when that cycle
 * changes no wanted value (beyond the tolerance) is the result reported as converged. A copy
 * whose eigenvector is orthogonal to every random start could still be missed (no Krylov method
 * can certify a multiplicity), with probability zero for random starts.
 */
import { InvalidArgumentError, TooLargeError } from '../errors.js';
import { Mat, mulberry32 } from '../mat/mat.js';
import { gemm } from '../mat/matmul.js';
import { eigh } from './dense.js';

export type Which = 'largest' | 'smallest' | 'both';
export const WHICH: readonly Which[] = ['largest', 'smallest', 'both'];

/** What `onProgress` receives after each Rayleigh–Ritz step. */
export interface LanczosProgress {
  /** Products with H so far. */
  readonly iterations: number;
  readonly maxIter: number;
  /** Wanted Ritz pairs whose residual is within tolerance. */
  readonly converged: number;
  readonly wanted: number;
  /** The current wanted Ritz values, ascending. */
  readonly values: Float64Array;
}

export interface LanczosOptions {
  readonly k: number;
  readonly which: Which;
  /** Converged when ‖Hy − θy‖ ≤ tol·‖H‖ (‖H‖ estimated by the largest |Ritz value|). */
  readonly tol: number;
  /** Most products with H. */
  readonly maxIter: number;
  readonly seed: number;
  /** Vectors per block (default k): one batched product per block. */
  readonly block?: number;
  /** Basis size before a restart (default max(k + 6b, 2k + 20), at most N). */
  readonly basis?: number;
  readonly onProgress?: (p: LanczosProgress) => void;
}

export interface LanczosResult {
  /** Wanted eigenvalues, ascending. */
  readonly values: Float64Array;
  /** Unit eigenvectors (length N), vectors[i] ↔ values[i]. */
  readonly vectors: Float64Array[];
  /** ‖Hv − λv‖ for each pair. */
  readonly residuals: Float64Array;
  readonly iterations: number;
  readonly converged: boolean;
  /** max |Ritz value| seen: a lower bound on ‖H‖₂. */
  readonly normEstimate: number;
}

/** Largest Lanczos basis (N × basis float64, held twice). */
const MAX_BASIS_BYTES = 2 ** 31;

/** Indices of the wanted Ritz values among j ascending ones: the k at the chosen end(s) ('both': ⌈k/2⌉ largest, ⌊k/2⌋ smallest). */
export function endIndices(j: number, k: number, which: Which): number[] {
  const lo = which === 'largest' ? 0 : which === 'smallest' ? k : Math.floor(k / 2);
  const hi = k - lo;
  const out: number[] = [];
  for (let i = 0; i < lo; i++) out.push(i);
  for (let i = j - hi; i < j; i++) if (i >= lo) out.push(i);
  return out;
}

/** Reused buffers for the block Gram–Schmidt passes. */
interface Work {
  coef: Float64Array;
  tmp: Float64Array;
}

/** R ← R − V[:, :j] C with C = V[:, :j]ᵀ R (R N×b): one pass of block classical Gram–Schmidt; returns C (j×b). */
function project(R: Float64Array, V: Float64Array, N: number, j: number, b: number, w: Work): Float64Array {
  if (j === 0) return w.coef.subarray(0, 0);
  const C = w.coef.subarray(0, j * b);
  gemm(C, V, R, j, N, b, true, false);
  const VC = w.tmp.subarray(0, N * b);
  gemm(VC, V, C, N, j, b);
  for (let i = 0; i < N * b; i++) R[i] = R[i]! - VC[i]!;
  return C;
}

function norm(x: Float64Array, from = 0, to = x.length): number {
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
function orthonormalizeBlock(R: Float64Array, b: number, V: Float64Array, N: number, j: number, small: number, rand: () => number, ref?: number[]): number {
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
      for (let r = 0; r < N; r++) col[r] = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
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

/** A seeded random block of b columns, orthonormal and orthogonal to V[:, :j]; returns it with its column count. */
function randomBlock(rand: () => number, b: number, V: Float64Array, N: number, j: number): { block: Float64Array; cols: number } {
  const block = new Float64Array(N * b);
  for (let i = 0; i < block.length; i++) block[i] = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const cols = orthonormalizeBlock(block, b, V, N, j, 0, rand, new Array<number>(b).fill(Infinity));
  return { block, cols };
}

/** A Ritz pair set: values with their vectors (N each, in `Y`) and true residual norms. */
interface Pairs {
  values: number[];
  residuals: number[];
  Y: Float64Array;
}

/**
 * Ritz pairs of H on columns [from, j) of V: eigh of the projected block of T, the chosen
 * indices (of the ascending Ritz values), their vectors V s and residuals ‖HV s − θ V s‖.
 */
function ritz(V: Float64Array, AV: Float64Array, T: Float64Array, M: number, N: number, from: number, j: number, pick: (jA: number) => number[]): { theta: Float64Array; S: Mat; idx: number[]; pairs: Pairs } {
  const jA = j - from;
  const Tj = new Mat(jA, jA, new Float64Array(jA * jA));
  for (let c = 0; c < jA; c++) for (let r = 0; r < jA; r++) Tj.data[r + c * jA] = T[from + r + (from + c) * M]!;
  const { values: theta, vectors: S } = eigh(Tj);
  const idx = pick(jA);
  const w = idx.length;
  const Sw = new Float64Array(jA * w);
  idx.forEach((i, c) => Sw.set(S.data.subarray(i * jA, (i + 1) * jA), c * jA));
  const Y = new Float64Array(N * w);
  const HY = new Float64Array(N * w);
  gemm(Y, V.subarray(from * N, j * N), Sw, N, jA, w);
  gemm(HY, AV.subarray(from * N, j * N), Sw, N, jA, w);
  const values = idx.map((i) => theta[i]!);
  const residuals = values.map((th, c) => {
    let s = 0;
    for (let r = 0; r < N; r++) s += (HY[c * N + r]! - th * Y[c * N + r]!) ** 2;
    return Math.sqrt(s);
  });
  return { theta, S, idx, pairs: { values, residuals, Y } };
}

/** The pairs sorted ascending by value, as the result. */
function finish(parts: Pairs[], N: number, iterations: number, converged: boolean, normEstimate: number): LanczosResult {
  const all: { v: number; r: number; y: Float64Array }[] = [];
  for (const p of parts) p.values.forEach((v, c) => all.push({ v, r: p.residuals[c]!, y: p.Y.slice(c * N, (c + 1) * N) }));
  all.sort((a, b) => a.v - b.v);
  return {
    values: Float64Array.from(all, (a) => a.v),
    vectors: all.map((a) => a.y),
    residuals: Float64Array.from(all, (a) => a.r),
    iterations,
    converged,
    normEstimate,
  };
}

/** Indices of the `lo` smallest and `hi` largest of j ascending values (disjoint; j ≥ lo + hi). */
function ends(j: number, lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(lo, j); i++) out.push(i);
  for (let i = Math.max(j - hi, lo); i < j; i++) out.push(i);
  return out;
}

export async function lanczos(apply: (V: Float64Array, b: number) => Promise<Float64Array>, N: number, opts: LanczosOptions): Promise<LanczosResult> {
  const { k, which, tol, maxIter } = opts;
  if (!Number.isInteger(k) || k < 1 || k > N) throw new InvalidArgumentError(`k must be an integer from 1 to ${N} (the size of H), got ${k}`);
  if (!Number.isInteger(maxIter) || maxIter < k) throw new InvalidArgumentError(`maxIter must be an integer ≥ k = ${k}, got ${maxIter}`);
  const kHi = which === 'largest' ? k : which === 'smallest' ? 0 : Math.ceil(k / 2);
  const kLo = k - kHi;
  const b = Math.min(N, Math.max(1, opts.block ?? k));
  const M = Math.min(N, Math.max(opts.basis ?? Math.max(k + 6 * b, 2 * k + 20), k + b));
  // vectors kept at a restart: at least k, leaving room for whole blocks
  const p = Math.max(k, M - b * Math.max(1, Math.floor((M - k) / 2 / b)));
  const bytes = (2 * N * M + 3 * N * b) * 8;
  if (bytes > MAX_BASIS_BYTES) {
    throw new TooLargeError(`Lanczos with a basis of ${M} vectors of length ${N} needs ${(bytes / 2 ** 30).toFixed(1)} GiB; ask for fewer eigenvalues (k)`, bytes);
  }
  const rand = mulberry32(opts.seed);
  const V = new Float64Array(N * M);
  const AV = new Float64Array(N * M);
  let T = new Float64Array(M * M);
  const work: Work = { coef: new Float64Array(M * b), tmp: new Float64Array(N * Math.max(b, k, p)) };
  let j = 0;
  let iterations = 0;
  let normEst = 0;
  let { block: next, cols: nextCols } = randomBlock(rand, b, V, N, 0);
  // Locked pairs: converged Ritz vectors in columns [0, L), no longer part of the Rayleigh–Ritz.
  let L = 0;
  let lockHi = 0;
  let lockLo = 0;
  let locked: Pairs = { values: [], residuals: [], Y: new Float64Array(0) };
  let lockedSide: ('lo' | 'hi')[] = [];
  let verifyFrom: number[] | null = null;
  let verifySteps = 0;
  const stepsPerCycle = Math.max(2, Math.ceil((M - p) / b));
  const sorted = (xs: number[]): number[] => [...xs].sort((x, y) => x - y);

  for (;;) {
    // One block step: V ← [V, next], W = H next.
    const bc = nextCols;
    V.set(next.subarray(0, N * bc), j * N);
    const W = await apply(V.subarray(j * N, (j + bc) * N), bc);
    if (W.length !== N * bc) throw new InvalidArgumentError(`internal: the operator returned ${W.length} entries, expected ${N * bc}`);
    iterations += bc;
    AV.set(W, j * N);
    for (let c = 0; c < bc; c++) normEst = Math.max(normEst, norm(W, c * N, (c + 1) * N));
    const R = Float64Array.from(W);
    const wNorms = Array.from({ length: bc }, (_, c) => norm(W, c * N, (c + 1) * N));
    const C = project(R, V, N, j + bc, bc, work);
    for (let c = 0; c < bc; c++) {
      for (let i = 0; i < j + bc; i++) {
        const v = i >= j && i - j < c ? 0.5 * (C[i + c * (j + bc)]! + T[j + c + i * M]!) : C[i + c * (j + bc)]!;
        T[i + (j + c) * M] = v;
        T[j + c + i * M] = v;
      }
    }
    project(R, V, N, j + bc, bc, work);
    // a column that lost most of its length to the projections gets a third (block) pass
    const lost = wNorms.some((w0, c) => norm(R, c * N, (c + 1) * N) < 1e-3 * w0);
    if (lost) project(R, V, N, j + bc, bc, work);
    j += bc;
    nextCols = j >= N ? 0 : orthonormalizeBlock(R, Math.min(bc, N - j), V, N, j, 1e-10 * normEst, rand);
    next = R;
    if (j < k) continue;

    // Rayleigh–Ritz on the active (unlocked) columns.
    let wantLo = kLo - lockLo;
    let wantHi = kHi - lockHi;
    let act = ritz(V, AV, T, M, N, L, j, (jA) => ends(jA, wantLo, wantHi));
    normEst = Math.max(normEst, Math.abs(act.theta[0] ?? 0), Math.abs(act.theta[act.theta.length - 1] ?? 0));
    const bound = tol * normEst;
    let conv = act.pairs.residuals.map((r) => r <= bound);
    const nConv = conv.filter(Boolean).length;
    const allSmall = nConv === conv.length;
    opts.onProgress?.({ iterations, maxIter, converged: L + nConv, wanted: k, values: Float64Array.from(sorted([...locked.values, ...act.pairs.values])) });
    const exhausted = j === N || nextCols === 0;
    if (exhausted) {
      // V spans an invariant subspace containing everything reachable: the full Rayleigh–Ritz is exact
      const full = ritz(V, AV, T, M, N, 0, j, (jj) => ends(jj, kLo, kHi));
      return finish([full.pairs], N, iterations, full.pairs.residuals.every((r) => r <= bound), normEst);
    }
    if (verifyFrom) {
      verifySteps++;
      if (verifySteps >= stepsPerCycle) {
        // All k pairs are locked and a cycle from a fresh random block has run: did it find a Ritz value beyond them?
        const probe = ritz(V, AV, T, M, N, L, j, (jA) => ends(jA, kLo > 0 ? 1 : 0, kHi > 0 ? 1 : 0));
        const hiOk = kHi === 0 || probe.theta[probe.theta.length - 1]! <= Math.min(...locked.values.filter((_, i) => lockedSide[i] === 'hi')) + bound;
        const loOk = kLo === 0 || probe.theta[0]! >= Math.max(...locked.values.filter((_, i) => lockedSide[i] === 'lo')) - bound;
        if (hiOk && loOk) return finish([locked], N, iterations, true, normEst);
        // something new turned up (a copy of a repeated eigenvalue, or a missed one): unlock everything and carry on
        verifyFrom = null;
        L = lockHi = lockLo = 0;
        locked = { values: [], residuals: [], Y: new Float64Array(0) };
        lockedSide = [];
        if (j + nextCols <= M) continue;
        wantLo = kLo;
        wantHi = kHi;
        act = ritz(V, AV, T, M, N, 0, j, (jA) => ends(jA, kLo, kHi));
        conv = act.pairs.residuals.map((r) => r <= bound);
      }
    }
    if (iterations + Math.min(b, nextCols) > maxIter) return finish([locked, act.pairs], N, iterations, false, normEst);
    // Every wanted pair converged: lock them all (a restart) and run one cycle from a fresh random block.
    const startVerify = allSmall && !verifyFrom && conv.length > 0 && conv.every(Boolean);
    if (startVerify) {
      verifyFrom = sorted([...locked.values, ...act.pairs.values]);
      verifySteps = 0;
    }
    if (j + nextCols <= M && !startVerify) continue;

    // Thick restart: lock the converged wanted pairs, keep the Ritz vectors nearest the wanted
    // end(s) after them; no new products.
    const jA = j - L;
    const lockIdx = act.idx.filter((_, c) => conv[c]);
    const room = Math.max(0, Math.min(p, j - 1) - L - lockIdx.length);
    const extraLo = Math.round((room * (kLo > 0 ? (kHi > 0 ? 0.5 : 1) : 0)));
    const extra = ends(jA, extraLo, room - extraLo).filter((i) => !lockIdx.includes(i));
    const keep = [...lockIdx, ...extra];
    const pk = keep.length;
    const Sk = new Float64Array(jA * pk);
    keep.forEach((i, c) => Sk.set(act.S.data.subarray(i * jA, (i + 1) * jA), c * jA));
    const Vk = new Float64Array(N * pk);
    gemm(Vk, V.subarray(L * N, j * N), Sk, N, jA, pk);
    V.set(Vk, L * N);
    gemm(Vk, AV.subarray(L * N, j * N), Sk, N, jA, pk);
    AV.set(Vk, L * N);
    const Tn = new Float64Array(M * M);
    for (let i = 0; i < L; i++) Tn[i + i * M] = T[i + i * M]!;
    keep.forEach((i, c) => (Tn[L + c + (L + c) * M] = act.theta[i]!));
    T = Tn;
    // record the newly locked pairs
    const newly = lockIdx.map((i) => act.idx.indexOf(i));
    const Yl = new Float64Array(N * (locked.values.length + newly.length));
    Yl.set(locked.Y);
    newly.forEach((c, t) => Yl.set(V.subarray((L + t) * N, (L + t + 1) * N), (locked.values.length + t) * N));
    locked = { values: [...locked.values, ...newly.map((c) => act.pairs.values[c]!)], residuals: [...locked.residuals, ...newly.map((c) => act.pairs.residuals[c]!)], Y: Yl };
    for (const i of lockIdx) {
      lockedSide.push(i < wantLo ? 'lo' : 'hi');
      if (i < wantLo) lockLo++;
      else lockHi++;
    }
    L += lockIdx.length;
    j = L + extra.length;
    if (startVerify) {
      ({ block: next, cols: nextCols } = randomBlock(rand, b, V, N, j));
    } else {
      // the continuation block is orthogonal to the old basis, hence to the kept vectors; reorthogonalise against rounding
      nextCols = orthonormalizeBlock(next, nextCols, V, N, j, 1e-8, rand, new Array<number>(nextCols).fill(Infinity));
    }
    if (nextCols === 0) {
      // nothing left outside the kept vectors: the Rayleigh–Ritz on all of them is final
      const full = ritz(V, AV, T, M, N, 0, j, (jj) => ends(jj, kLo, kHi));
      return finish([full.pairs], N, iterations, full.pairs.residuals.every((r) => r <= tol * normEst), normEst);
    }
  }
}
