/**
 * Extreme eigenpairs of a symmetric operator H (given only as V ↦ HV) by thick-restart block
 * Lanczos with full reorthogonalisation (Wu & Simon's restart, Stewart's Krylov–Schur in its
 * symmetric form, with blocks as in Golub & Underwood).
 *
 * The basis V (N×j, orthonormal) grows one block of b vectors per batched product W = H V_blk;
 * W is orthogonalised against all of V twice (block classical Gram–Schmidt, twice is enough) and
 * every coefficient is kept in the projected matrix T, so that after any number of steps and
 * restarts the Krylov relation
 *
 *     H V = V T + R Z        (R: the last remainder, N×b, orthogonal to V; Z: b×j)
 *
 * holds to rounding (W = V C + R is exact as computed, restarts are linear maps of it). A vector
 * y = V s with value θ therefore has the residual Hy − θy = V(Ts − θs) + R(Zs), two orthogonal
 * parts, so ‖Hy − θy‖² = ‖Ts − θs‖² + (Zs)ᵀ(RᵀR)(Zs): the true residual, measured with the
 * products already made, for the cost of small matrix-vector products. After a block step Z is
 * [0 … 0 I] (only the newest block has products outside V); at a restart the Ritz vectors nearest
 * the wanted end are kept (V ← VS_keep, T ← S_keepᵀ T S_keep, Z ← Z S_keep: no new products) and
 * the continuation block R extends them.
 *
 * Converged pairs are locked (kept in V, left out of later Rayleigh–Ritz steps). Multiple and
 * clustered eigenvalues: a block Krylov space holds at most b vectors per distinct eigenvalue
 * (b = k by default, so up to k copies are found together), and a tight cluster is resolved only
 * slowly. Two guards: when the space becomes invariant (a new direction vanishes) a random vector
 * orthogonal to V replaces it; and once every wanted pair has converged, one more cycle starts
 * from a fresh random block orthogonal to the kept vectors. Only when that cycle changes no wanted
 * value (beyond the tolerance) is the result reported as converged. A copy whose eigenvector is
 * orthogonal to every random start could still be missed (no Krylov method can certify a
 * multiplicity), with probability zero for random starts.
 */
import { InvalidArgumentError, TooLargeError } from '../errors.js';
import { Mat, mulberry32 } from '../mat/mat.js';
import { gemm } from '../mat/matmul.js';
import { innerProducts } from '../mat/inner.js';
import { eighLazy } from './dense.js';
import { simdBasis, type SimdBasis } from './simd-basis.js';
import { norm, orthonormalizeFast, project, randomBlock, randomBlockIn, reorthonormalize, reorthonormalizeIn } from './krylov-basis.js';

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
  /** Converged when ‖Hy − θy‖ ≤ tol·‖H‖ (‖H‖ estimated by the largest |Ritz value| and product norm). */
  readonly tol: number;
  /** Most products with H. */
  readonly maxIter: number;
  readonly seed: number;
  /** Vectors per block (default k): one batched product per block. */
  readonly block?: number;
  /** Basis size before a restart (default max(2k + 10b, 60), at most N; about 0.4 of it is kept). */
  readonly basis?: number;
  /**
   * Full reorthogonalisation only every few steps (see the block step; default from N = 4096 on):
   * below that a full pass every step costs little next to the products, and keeps the basis
   * orthonormal, and the residuals exact, to rounding rather than to LOSS.
   */
  readonly selective?: boolean;
  readonly onProgress?: (p: LanczosProgress) => void;
}

export interface LanczosResult {
  /** Wanted eigenvalues, ascending. */
  readonly values: Float64Array;
  /** Unit eigenvectors (length N), vectors[i] ↔ values[i]. */
  readonly vectors: Float64Array[];
  /** ‖Hv − λv‖ for each pair, from the Krylov relation (see the file header). */
  readonly residuals: Float64Array;
  readonly iterations: number;
  readonly converged: boolean;
  /** max |Ritz value| seen: a lower bound on ‖H‖₂. */
  readonly normEstimate: number;
}

/**
 * The default tolerance (relative to ‖H‖) for products in each precision: residuals below
 * 1e-6·‖H‖ pin isolated eigenvalues to about 1e-12·‖H‖²/gap, and float32 products carry errors
 * near 1e-7·‖H‖ themselves.
 */
export const DEFAULT_TOL: Readonly<Record<'f32' | 'f64', number>> = { f64: 1e-6, f32: 1e-4 };

/** Most steps between two full reorthogonalisation passes. */
const MAX_EVERY = 6;
/** Order of H from which the full passes are selective (LanczosOptions.selective). */
const SELECTIVE_FROM = 4096;

/** Largest Lanczos basis (N × basis float64). */
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

/** Indices of the `lo` smallest and `hi` largest of j ascending values (disjoint; j ≥ lo + hi). */
function ends(j: number, lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(lo, j); i++) out.push(i);
  for (let i = Math.max(j - hi, lo); i < j; i++) out.push(i);
  return out;
}

/**
 * The Krylov decomposition H V = V T + R Z (see the header): V N×M (columns [0, j) in use), T M×M
 * symmetric, Z q×j (the remainder's coefficients, q = rCols), G = RᵀR q×q.
 */
class Krylov {
  readonly V: Float64Array;
  T: Float64Array;
  Z: Float64Array;
  G: Float64Array;
  j = 0;
  /** Columns of the remainder R (0 before the first step). */
  rCols = 0;
  constructor(
    readonly N: number,
    readonly M: number,
    V?: Float64Array,
  ) {
    this.V = V ?? new Float64Array(N * M);
    this.T = new Float64Array(M * M);
    this.Z = new Float64Array(0);
    this.G = new Float64Array(0);
  }

  /** ‖H y − θ y‖ for y = V[:, :j] s (s of length j). */
  residual(s: Float64Array, theta: number): number {
    const { T, Z, G, M, j, rCols: q } = this;
    let r2 = 0;
    for (let c = 0; c < j; c++) {
      let t = -theta * s[c]!;
      for (let i = 0; i < j; i++) t += T[i + c * M]! * s[i]!;
      r2 += t * t;
    }
    if (q > 0) {
      const zs = new Float64Array(q);
      for (let c = 0; c < j; c++) if (s[c] !== 0) for (let a = 0; a < q; a++) zs[a] = zs[a]! + Z[a + c * q]! * s[c]!;
      for (let a = 0; a < q; a++) for (let c = 0; c < q; c++) r2 += zs[a]! * G[a + c * q]! * zs[c]!;
    }
    return Math.sqrt(Math.max(0, r2));
  }
}

/**
 * Ritz pairs of H on the active columns [from, j): the eigenvalues of that block of T (ascending)
 * and, for the positions asked, its eigenvectors (jA×k, the back-transformation for those alone).
 */
function rayleighRitz(K: Krylov, from: number): { theta: Float64Array; S: (positions: readonly number[]) => Mat } {
  const jA = K.j - from;
  const Tj = new Mat(jA, jA, new Float64Array(jA * jA));
  for (let c = 0; c < jA; c++) for (let r = 0; r < jA; r++) Tj.data[r + c * jA] = K.T[from + r + (from + c) * K.M]!;
  const { values, columns } = eighLazy(Tj);
  return { theta: values, S: columns };
}

/** Column c of S (jA×·) placed at rows [from, from + jA) of a length-j coefficient vector. */
function embed(S: Mat, c: number, from: number, j: number): Float64Array {
  const s = new Float64Array(j);
  s.set(S.data.subarray(c * S.rows, (c + 1) * S.rows), from);
  return s;
}

interface Pair {
  value: number;
  /** Coefficients in the current basis V[:, :j]. */
  s: Float64Array;
  /**
   * ‖Hy − θy‖. A locked pair keeps the residual measured when it was locked: its vector never
   * changes again, while its couplings to Ritz vectors dropped at later restarts leave T.
   */
  residual: number;
  side: 'lo' | 'hi';
}

/** The result: pairs ascending by value, vectors V s. */
function finish(K: Krylov, pairs: Pair[], iterations: number, converged: boolean, normEstimate: number): LanczosResult {
  const sorted = [...pairs].sort((a, b) => a.value - b.value);
  const { N, j } = K;
  const Sall = new Float64Array(j * sorted.length);
  sorted.forEach((p, c) => Sall.set(p.s.subarray(0, j), c * j));
  const Y = new Float64Array(N * sorted.length);
  if (j > 0 && sorted.length > 0) gemm(Y, K.V.subarray(0, j * N), Sall, N, j, sorted.length);
  return {
    values: Float64Array.from(sorted, (p) => p.value),
    vectors: sorted.map((_, c) => Y.slice(c * N, (c + 1) * N)),
    residuals: Float64Array.from(sorted, (p) => p.residual),
    iterations,
    converged,
    normEstimate,
  };
}

export async function lanczos(apply: (V: Float64Array, b: number) => Promise<Float64Array>, N: number, opts: LanczosOptions): Promise<LanczosResult> {
  const { k, which, tol, maxIter } = opts;
  if (!Number.isInteger(k) || k < 1 || k > N) throw new InvalidArgumentError(`k must be an integer from 1 to ${N} (the size of H), got ${k}`);
  if (!Number.isInteger(maxIter) || maxIter < k) throw new InvalidArgumentError(`maxIter must be an integer ≥ k = ${k}, got ${maxIter}`);
  const kHi = which === 'largest' ? k : which === 'smallest' ? 0 : Math.ceil(k / 2);
  const kLo = k - kHi;
  // b = k (a block holds up to b copies of a repeated eigenvalue). For one end, rounded up to a
  // multiple of 4 where the SIMD basis runs (its products go four columns at a time): the extra
  // columns are guard vectors of the wanted cluster (top 10 of the bench Hessian at n = 96: 612
  // products against 696–800). For both ends they are split between two clusters and mostly add
  // products (n = 32, 5 + 5: 1080 against 750), so b stays k there.
  const b = Math.min(N, Math.max(1, opts.block ?? (which !== 'both' && k >= 4 && N % 4 === 0 ? (k + 3) & ~3 : k)));
  const M = Math.min(N, Math.max(opts.basis ?? Math.max(2 * k + 10 * b, 60), k + b));
  // vectors kept at a restart: about 0.4·M (fewer makes more restarts, more makes each one cost
  // more), at least k + 2b, leaving room for a block
  const p = Math.max(k, Math.min(M - b, Math.max(k + 2 * b, Math.ceil(0.4 * M))));
  const bytes = (N * M + 3 * N * b) * 8;
  if (bytes > MAX_BASIS_BYTES) {
    throw new TooLargeError(`Lanczos with a basis of ${M} vectors of length ${N} needs ${(bytes / 2 ** 30).toFixed(1)} GiB; ask for fewer eigenvalues (k)`, bytes);
  }
  const rand = mulberry32(opts.seed);
  // the basis in a SIMD kernel's memory where there is one (blocks of up to 2b: the verification cycle)
  const basis = simdBasis(N, M, 2 * b);
  const K = new Krylov(N, M, basis?.V);
  const { V } = K;
  const coef = new Float64Array(M * 2 * b);
  let iterations = 0;
  let normEst = 0;
  let { block: next, cols: nextCols } = basis ? randomBlockIn(basis, basis.R, rand, b, V, N, 0, coef) : randomBlock(rand, b, V, N, 0, coef);
  // Locked pairs: converged Ritz vectors in columns [0, L), no longer part of the Rayleigh–Ritz.
  let L = 0;
  let locked: Pair[] = [];
  let verifying = false;
  let verifySteps = 0;
  /** Whether the last Rayleigh–Ritz step found every wanted pair within 1000·tol. */
  let nearly = false;
  /**
   * Near convergence, the block step at which to look again: half the steps the largest residual
   * would need to reach the tolerance at the rate it fell since the previous look (at least one).
   */
  let steps = 0;
  let checkAt = 0;
  let lastLook: { step: number; worst: number } | null = null;
  /** The first column a new block's product couples to: the previous block, or L after a restart. */
  let localFrom = 0;
  /** Steps since the last full pass, and the period of full passes (see the block step). */
  let sinceFull = 0;
  let every = 1;
  const LOSS = Math.min(1e-10, 1e-4 * tol);
  const selective = opts.selective ?? N >= SELECTIVE_FROM;
  const sortedValues = (ps: Pair[]): Float64Array => Float64Array.from(ps.map((q) => q.value).sort((x, y) => x - y));
  /** The wanted pairs on columns [from, j): the lo smallest and hi largest Ritz pairs, with residuals. */
  const wanted = (from: number, lo: number, hi: number): { theta: Float64Array; S: (positions: readonly number[]) => Mat; idx: number[]; pairs: Pair[] } => {
    const { theta, S } = rayleighRitz(K, from);
    const idx = ends(theta.length, lo, hi);
    const Sw = S(idx);
    const pairs = idx.map((i, c): Pair => {
      const s = embed(Sw, c, from, K.j);
      return { value: theta[i]!, s, residual: K.residual(s, theta[i]!), side: i < lo ? 'lo' : 'hi' };
    });
    return { theta, S, idx, pairs };
  };
  const lockedOn = (side: 'lo' | 'hi'): number => locked.filter((q) => q.side === side).length;

  for (;;) {
    // One block step: V ← [V, next], W = H next.
    const { j, M: ld, T } = K;
    const bc = nextCols;
    V.set(next.subarray(0, N * bc), j * N);
    const W = await apply(V.subarray(j * N, (j + bc) * N), bc);
    if (W.length !== N * bc) throw new InvalidArgumentError(`internal: the operator returned ${W.length} entries, expected ${N * bc}`);
    iterations += bc;
    const R = basis ? basis.R.subarray(0, N * bc) : new Float64Array(N * bc);
    R.set(W);
    const wNorms = Array.from({ length: bc }, (_, c) => norm(W, c * N, (c + 1) * N));
    for (const w of wNorms) normEst = Math.max(normEst, w);
    // W = V C + R, every coefficient into T (exact as computed, whichever passes run). In exact
    // arithmetic W couples only to the columns after `localFrom` (the previous block, or everything
    // kept since the last restart) and to itself: that local pass runs every step. Against the rest
    // of V its coefficients are rounding, ε‖H‖ after a full pass, growing by a modest factor a step:
    // the full pass (against all of V) runs every `every` steps, `every` adapted to the coefficients
    // each full pass finds (kept below LOSS: Ritz values and residuals then carry errors of
    // LOSS·‖H‖ at most), and the pass against the locked vectors (converged Ritz vectors, towards
    // which rounding grows fastest) runs every step. A further full pass when a column lost most of
    // its length.
    const jn = j + bc;
    /** T[i, col] += C for the coefficients C of rows [from, to) (the SIMD basis's or the JavaScript pass's). */
    const record = (from: number, to: number, C: Float64Array): void => {
      const p = to - from;
      for (let c = 0; c < bc; c++) {
        const col = j + c;
        for (let i = from; i < to; i++) {
          // T[i, col] = v_iᵀ H v_col; inside the new block both (i, col) and (col, i) were computed: take their mean
          const x = i >= j && i !== col ? 0.5 * C[i - from + c * p]! : C[i - from + c * p]!;
          const v = T[i + col * ld]! + x;
          T[i + col * ld] = v;
          T[col + i * ld] = v;
        }
      }
    };
    const orth = (from: number, to: number): Float64Array => {
      const C = basis ? basis.project(from, to, bc, coef) : project(R, V, N, from, to, bc, coef);
      record(from, to, C);
      return C;
    };
    const gramOfR = (): Float64Array => (basis ? basis.gram(bc, new Float64Array(bc * bc)) : innerProducts(new Float64Array(bc * bc), R, 0, R, 0, N, bc, bc));
    orth(localFrom, jn);
    if (L > 0 && localFrom > L) orth(0, L);
    if (localFrom <= L) sinceFull = 0;
    K.G = gramOfR();
    if (localFrom > L && ++sinceFull >= every) {
      // The full pass: its coefficients against all of V measure the loss of orthogonality
      // (relative to each column's length); applied only when some reach LOSS/100 (below that,
      // subtracting them changes R by less than the orthogonality kept anyway).
      const C = basis ? basis.coefficients(0, jn, bc, coef) : project(R, V, N, 0, jn, bc, coef);
      let loss = 0;
      for (let c = 0; c < bc; c++) {
        const rn = Math.sqrt(K.G[c + c * bc]!);
        for (let i = 0; i < jn; i++) loss = Math.max(loss, Math.abs(C[i + c * jn]!) / rn);
      }
      if (!basis || !selective || loss > 1e-2 * LOSS) {
        basis?.subtract(0, jn, bc, C);
        record(0, jn, C);
        K.G = gramOfR();
      }
      every = !selective || loss > LOSS ? 1 : loss <= 1e-2 * LOSS ? Math.min(every + 1, MAX_EVERY) : every;
      sinceFull = 0;
    }
    if (wNorms.some((w0, c) => Math.sqrt(Math.max(0, K.G[c + c * bc]!)) < 1e-3 * w0)) {
      orth(0, jn);
      K.G = gramOfR();
    }
    localFrom = j;
    // the old remainder now lies in V: only the new block has products outside it
    K.j = jn;
    K.rCols = bc;
    K.Z = new Float64Array(bc * ld);
    for (let c = 0; c < bc; c++) K.Z[c + (j + c) * bc] = 1;
    nextCols = jn >= N ? 0 : orthonormalizeFast(R, Math.min(bc, N - jn), V, N, jn, 1e-10 * normEst, rand, basis ?? undefined, K.G);
    next = R;
    if (jn < k) continue;
    // The Rayleigh–Ritz step (a dense eigh of the active block of T) runs when a restart is due, at
    // the end of the verification cycle, and every step once the wanted pairs are within a factor
    // 1000 of the tolerance: far from it, the residuals of the steps in between only serve progress
    // reports (and inside the verification cycle, every wanted pair is locked).
    steps++;
    if (verifying) verifySteps++;
    const mustCheck = (verifying ? false : nearly && steps >= checkAt) || jn === N || nextCols === 0 || jn + nextCols > M || iterations + nextCols > maxIter;
    if (!mustCheck) continue;

    // Rayleigh–Ritz on the active (unlocked) columns.
    let act = wanted(L, kLo - lockedOn('lo'), kHi - lockedOn('hi'));
    normEst = Math.max(normEst, Math.abs(act.theta[0] ?? 0), Math.abs(act.theta[act.theta.length - 1] ?? 0));
    const bound = tol * normEst;
    let conv = act.pairs.map((q) => q.residual <= bound);
    nearly = act.pairs.every((q) => q.residual <= 1e3 * bound);
    const worst = Math.max(0, ...act.pairs.map((q) => q.residual));
    checkAt = steps + 1;
    if (nearly && lastLook && worst > bound && worst < lastLook.worst && steps > lastLook.step) {
      const rate = Math.pow(worst / lastLook.worst, 1 / (steps - lastLook.step));
      checkAt = steps + Math.max(1, Math.floor(Math.log(bound / worst) / Math.log(rate) / 2));
    }
    lastLook = { step: steps, worst };
    const allSmall = conv.every(Boolean);
    opts.onProgress?.({ iterations, maxIter, converged: L + conv.filter(Boolean).length, wanted: k, values: sortedValues([...locked, ...act.pairs]) });
    const exhausted = jn === N || nextCols === 0;
    if (exhausted) {
      // V spans an invariant subspace containing everything reachable: the full Rayleigh–Ritz is exact
      const pairs = [...locked, ...act.pairs];
      return finish(K, pairs, iterations, pairs.every((q) => q.residual <= bound), normEst);
    }
    if (verifying) {
      // the cycle ends when the basis is full (at least two steps)
      if (verifySteps >= 2 && jn + nextCols > M) {
        // All k pairs are locked and a cycle from a fresh random block has run: did it find a Ritz value beyond them?
        const probe = wanted(L, kLo > 0 ? 1 : 0, kHi > 0 ? 1 : 0).theta;
        const hiOk = kHi === 0 || probe[probe.length - 1]! <= Math.min(...locked.filter((q) => q.side === 'hi').map((q) => q.value)) + bound;
        const loOk = kLo === 0 || probe[0]! >= Math.max(...locked.filter((q) => q.side === 'lo').map((q) => q.value)) - bound;
        if (hiOk && loOk) return finish(K, locked, iterations, true, normEst);
        // something new turned up (a copy of a repeated eigenvalue, or a missed one): unlock everything and carry on
        verifying = false;
        L = 0;
        locked = [];
        if (jn + nextCols <= M) continue;
        act = wanted(0, kLo, kHi);
        conv = act.pairs.map((q) => q.residual <= bound);
      }
    }
    if (iterations + nextCols > maxIter) {
      return finish(K, [...locked, ...act.pairs], iterations, false, normEst);
    }
    // Every wanted pair converged: lock them all (a restart) and run one cycle from a fresh random block.
    const startVerify = allSmall && !verifying && conv.length > 0 && conv.every(Boolean);
    if (startVerify) {
      verifying = true;
      verifySteps = 0;
    }
    if (jn + nextCols <= M && !startVerify) continue;

    // Thick restart: lock the converged wanted pairs, keep the Ritz vectors nearest the wanted
    // end(s) after them; no new products.
    const jA = jn - L;
    const lockIdx = act.idx.filter((_, c) => conv[c]);
    // room for the next block (and the verification's random block) after the kept vectors
    const room = Math.max(0, Math.min(p, jn - 1, M - nextCols - (startVerify ? b : 0)) - L - lockIdx.length);
    const wantLo = kLo - lockedOn('lo');
    const extraLo = Math.round(room * (kLo > 0 ? (kHi > 0 ? 0.5 : 1) : 0));
    const extra = ends(jA, extraLo, room - extraLo).filter((i) => !lockIdx.includes(i));
    const keep = [...lockIdx, ...extra];
    restart(K, L, act.S, keep, act.theta, basis);
    localFrom = L;
    for (const i of lockIdx) {
      const c = act.idx.indexOf(i);
      const t = L + keep.indexOf(i);
      const s = new Float64Array(K.M);
      s[t] = 1;
      locked.push({ value: act.theta[i]!, s, residual: act.pairs[c]!.residual, side: i < wantLo ? 'lo' : 'hi' });
    }
    L += lockIdx.length;
    // the continuation block is orthogonal to the old basis, hence to the kept vectors; reorthogonalise against rounding
    nextCols = basis && next.buffer === basis.R.buffer && next.byteOffset === basis.R.byteOffset
      ? reorthonormalizeIn(basis, next, nextCols, V, N, K.j, 1e-8, rand, coef, 1)
      : reorthonormalize(next, nextCols, V, N, K.j, 1e-8, rand, coef, 1);
    if (startVerify) {
      // the verification cycle: a fresh random block joins the continuation (which the kept
      // vectors' products need, so the Krylov relation stays exact)
      // at most 2b columns in all: the remainder's room (simd-basis R)
      const extra = Math.min(b, 2 * b - nextCols, M - K.j - nextCols, N - K.j - nextCols);
      if (extra > 0) {
        V.set(next.subarray(0, nextCols * N), K.j * N);
        // (the continuation is in V now, so the SIMD basis's block R is free for the random one)
        const { block, cols } = basis ? randomBlockIn(basis, basis.R, rand, extra, V, N, K.j + nextCols, coef) : randomBlock(rand, extra, V, N, K.j + nextCols, coef);
        const joined = new Float64Array(N * (nextCols + cols));
        joined.set(V.subarray(K.j * N, (K.j + nextCols) * N));
        joined.set(block.subarray(0, cols * N), nextCols * N);
        next = joined;
        nextCols += cols;
      }
    }
    if (nextCols === 0) {
      // nothing left outside the kept vectors: the Rayleigh–Ritz on all of them is final
      const rest = wanted(L, kLo - lockedOn('lo'), kHi - lockedOn('hi')).pairs;
      const pairs = [...locked, ...rest];
      return finish(K, pairs, iterations, pairs.every((q) => q.residual <= tol * normEst), normEst);
    }
  }
}

/**
 * Thick restart on columns [L, j): V[:, L:] ← V[:, L:j] S_keep (the kept Ritz vectors), T on them ←
 * diag θ_keep, their couplings to the locked columns ← T[:L, L:j] S_keep, Z ← Z S_keep.
 */
function restart(K: Krylov, L: number, S: (positions: readonly number[]) => Mat, keep: number[], theta: Float64Array, basis: SimdBasis | null): void {
  const { N, M, V, T, rCols: q } = K;
  const jA = K.j - L;
  const pk = keep.length;
  const Sk = S(keep).data as Float64Array;
  if (basis) basis.rotate(L, jA, pk, Sk);
  else {
    const Vk = new Float64Array(N * pk);
    gemm(Vk, V.subarray(L * N, K.j * N), Sk, N, jA, pk);
    V.set(Vk, L * N);
  }
  const Tn = new Float64Array(M * M);
  for (let c = 0; c < L; c++) for (let i = 0; i < L; i++) Tn[i + c * M] = T[i + c * M]!;
  for (let c = 0; c < pk; c++) {
    for (let i = 0; i < L; i++) {
      let t = 0;
      for (let r = 0; r < jA; r++) t += T[i + (L + r) * M]! * Sk[r + c * jA]!;
      Tn[i + (L + c) * M] = t;
      Tn[L + c + i * M] = t;
    }
    Tn[L + c + (L + c) * M] = theta[keep[c]!]!;
  }
  const Zn = new Float64Array(q * M);
  for (let c = 0; c < L; c++) for (let a = 0; a < q; a++) Zn[a + c * q] = K.Z[a + c * q]!;
  for (let c = 0; c < pk; c++) {
    for (let a = 0; a < q; a++) {
      let z = 0;
      for (let r = 0; r < jA; r++) z += K.Z[a + (L + r) * q]! * Sk[r + c * jA]!;
      Zn[a + (L + c) * q] = z;
    }
  }
  K.T = Tn;
  K.Z = Zn;
  K.j = L + pk;
}
