/**
 * The CPU Jacobian writer: Σ terms of an `Assembly` (plan/assembly.ts) written column by column,
 * one pass over the output with contiguous inner loops (the column kernels of mat/columns.ts).
 *
 * With the output coordinates of the descriptor (row = x0 + x1·ext[x0], col = y0 + y1·ext[y0]),
 * every column of a Kronecker-family term is a scaled Kronecker product of two vectors:
 *   out[x0 + x1·yLen] += g(col) · X[x1; y] · Y[x0; y] · W[x0 + x1·yLen]
 * where X is the term's factor read over x1 (one column of it, chosen by a y coordinate), Y the
 * factor read over x0, W a factor read over both (a Hadamard scaling), g the product of the
 * factors read over y0, y1 only. An identity factor pins x1 (or x0) to a y coordinate instead: only
 * one block (or one entry per block) of the column is touched. Terms of any other structure go
 * through a per-entry loop over the descriptor.
 */
import { axpy, blockAdd, blockAddW, kronAdd, kronAddW, kronWrite4, kronWriteTiled, kronWriteW, stridedAdd } from '../../mat/columns.js';
import { kronColumnsSimd } from '../../mat/kron-simd.js';
import { kernelAreaOf } from '../../mat/wasm-memory.js';
import { f64 } from '../../mat/ops.js';
import { X0, X1, Y0, Y1, isRowCoord, packed, type Assembly, type Coord, type FactorRead, type TermDescriptor } from '../../plan/assembly.js';

/**
 * Outputs above this many bytes are not in cache when written (half the 32 MiB last-level cache of
 * the machines measured; at 8 MiB writing with or without the read ahead took the same time).
 */
const TOUCH_BYTES = 16 * 2 ** 20;

/**
 * Outputs up to this many bytes have their lead term written by the SIMD kernel (leadSimd), whose
 * copy out pays while the output stays in the last-level cache next to everything else; side by
 * side on the machines measured (2 cores, a 32 MiB L3 shared with other work), A·X·B into a reused
 * output: 1.5–1.7× faster at 2.5–8 MiB (n = 24–32), about as fast at 12.8 MiB (n = 36), 1.4–1.7×
 * slower at 20–40 MiB (n = 40–48).
 */
const SIMD_BYTES = 8 * 2 ** 20;
/**
 * ... in columns of at least this many entries: shorter ones cost the kernel more (its table entry
 * and loops a column) than the JavaScript kernels, and its table would grow with the column count
 * (a tile of a million one-entry columns). 4096 columns of 1, 4, 8 and 16 entries, side by side:
 * 86, 94, 102 and 105 µs by the kernel against 74, 84, 99 and 131 µs in JavaScript.
 */
const SIMD_MIN_ROWS = 16;
/** See `sparse` in writeAssembly. */
const SPARSE_ZERO_BYTES = 256 * 2 ** 20;
const SPARSE_MIN_BLOCK = 32;

/** A term in the column form above. */
interface ColumnTerm {
  readonly generic: false;
  readonly alpha: number;
  /** Both x0 and x1 are free (no vector factor, no identity): the column is g·W. */
  readonly free: boolean;
  /** The factor over x1, packed x1-fastest (null: x1 pinned to coordinate xSel by an identity). */
  readonly X: Float64Array | null;
  /** The y coordinate that selects X's column, or that x1 is pinned to. */
  readonly xSel: Coord;
  readonly Y: Float64Array | null;
  readonly ySel: Coord;
  /** Factors over y0, y1 only, indexed by col. */
  readonly G: Float64Array | null;
  /** Factors over x0, x1, indexed by row. */
  readonly W: Float64Array | null;
}

interface GenericTerm {
  readonly generic: true;
  readonly term: TermDescriptor;
}

/**
 * Writes the assembly into `out` (rows × count, column-major) in one pass: for each column the
 * `add` tile's column is laid down (or the first dense term writes the column outright, four
 * columns at a time where it can, or the column is zeroed), then every other term adds its
 * contribution while the column is in cache.
 * `fresh`: `out` is a new zero-filled buffer never written (its pages not yet faulted in), so
 * nothing is zeroed and nothing read before it is written; otherwise its contents are arbitrary.
 * `simd`: an output of up to SIMD_BYTES, or one in a kernel area (`Mat.wasm`, reused tiles), in
 * columns of at least SIMD_MIN_ROWS, has its lead term written by the SIMD kernel (leadSimd) where
 * the engine runs it; false keeps the JavaScript kernels (the same values, bit for bit: the tests
 * compare the two).
 */
export function writeAssembly(A: Assembly, out: Float64Array, fresh: boolean, add: Float64Array | null, simd = true): Float64Array {
  const { rows: R, col0, count, ext } = A;
  const prepared = A.terms.map(prepare);
  // A dense term (vector factors over x0 and x1) covers every entry of its columns: without an
  // `add` tile it goes first and writes instead of accumulating, so nothing needs zeroing.
  let lead: ColumnTerm | null = null;
  if (!add) {
    const d = prepared.findIndex((T) => !T.generic && T.X !== null && T.Y !== null);
    if (d >= 0) lead = prepared.splice(d, 1)[0] as ColumnTerm;
  }
  // an output larger than the caches is read ahead of the tiled stores (kronWriteTiled), and
  // zeroed column by column; one that fits is zeroed at once (one call, not one a column)
  const inCache = 8 * R * count <= TOUCH_BYTES;
  const touch = !fresh && !inCache;
  // a small output, or one in a kernel area (`Mat.wasm`: stored into in place), has the lead
  // written by the SIMD kernel (mat/kron-simd.ts), the other terms of each chunk of its columns
  // added right after the chunk
  if (simd && lead && !lead.W && R >= SIMD_MIN_ROWS && (8 * R * count <= SIMD_BYTES || kernelAreaOf(out)) && leadSimd(out, A, lead, prepared)) return out;
  let zeroed = fresh;
  // an output that fits is zeroed at once; so is a larger one whose terms each touch one block of
  // a column (sigmoid(A·X): n entries of n²): a fill with 0 is a memset, which beyond the caches
  // writes without reading the lines first, and the few lines the terms then add to are read once
  const blockOnly = !prepared.some((T) => T.generic || T.free || T.X !== null);
  // ... and one of SPARSE_ZERO_BYTES or more whose terms touch one block, or one entry a block of
  // at least SPARSE_MIN_BLOCK (X*X': two entries a block): a memset of the whole output beats
  // zeroing it in pieces of any size up to 16 MiB (at n = 96: 17 ms against 33 ms; fill 32 ms),
  // and the terms then read a sixth of its lines again. X*X' into a reused output at n = 96
  // (bench rows, both kinds of out): 0.86–1.04× `fill` in four runs against 1.08–1.18× column by
  // column in two; at n = 64 (134 MB, a quarter of the lines read again) 1.18–1.40× against
  // 1.13–1.31×, so not there
  const sparse = prepared.every((T) => !T.generic && !T.free && (T.X === null || (T.Y === null && ext[X0] >= SPARSE_MIN_BLOCK)));
  if (!zeroed && !add && !lead && (inCache || blockOnly || (sparse && 8 * R * count >= SPARSE_ZERO_BYTES))) {
    out.fill(0, 0, R * count);
    zeroed = true;
  }
  // a fresh buffer's pages are faulted in by writes where a term adds to entries all over the
  // column (one per block, or every entry); terms that touch one block leave the other pages be
  const spread = fresh && !add && !lead && prepared.some((T) => T.generic || T.free || T.X !== null);
  // columns finished ahead of the loop, four at a time with the lead (leadGroup)
  const ahead = lead && !lead.W && count >= 4 ? new Uint8Array(count) : null;
  const U = ext[Y0];
  for (let cc = 0; cc < count; cc++) {
    if (ahead?.[cc]) continue;
    const col = col0 + cc;
    const o = cc * R;
    const u = col % U; // count > 0 implies U > 0
    const v = (col - u) / U;
    if (add) {
      if (add !== out) out.set(add.subarray(o, o + R), o); // add === out: accumulating in place
    } else if (lead) {
      const step = ahead ? leadGroup(out, A, lead, cc, u, ahead) : 0;
      if (step > 0) {
        // the other terms of the four columns while they are in cache
        for (let j = 0; j < 4; j++) addTerms(out, A, prepared, cc + j * step);
        continue;
      }
      leadColumn(out, o, lead, col, u, v, ext, touch);
    } else if (!zeroed) out.fill(0, o, o + R);
    else if (spread) faultInByWrites(out, o, R);
    addTerms(out, A, prepared, cc);
  }
  return out;
}

/** Adds the terms' contributions to column cc of the tile. */
function addTerms(out: Float64Array, A: Assembly, terms: readonly (ColumnTerm | GenericTerm)[], cc: number): void {
  if (terms.length === 0) return;
  const { rows: R, col0, ext } = A;
  const col = col0 + cc;
  const o = cc * R;
  const u = col % ext[Y0];
  const v = (col - u) / ext[Y0];
  for (const T of terms) {
    if (T.generic) genericColumn(out, o, T.term, R, ext[X0], u, v);
    else kronColumn(out, o, T, col, u, v, ext);
  }
}

/**
 * Writes 0 at one entry per 4 KiB page of out[o, o + len) (a fresh buffer holds zeros), so that
 * each page's first access is a write: the adds that follow read first, and a read of a page
 * never written maps the shared zero page, faulting a second time on the write.
 */
function faultInByWrites(out: Float64Array, o: number, len: number): void {
  if (len === 0) return;
  for (let k = o; k < o + len; k += 512) out[k] = 0;
  out[o + len - 1] = 0;
}

/** Sorts a term's factors into the column form, or marks it generic. */
function prepare(t: TermDescriptor): ColumnTerm | GenericTerm {
  const byX1: FactorRead[] = [];
  const byX0: FactorRead[] = [];
  const byRow: FactorRead[] = [];
  const byCol: FactorRead[] = [];
  for (const r of t.reads) {
    const rowCoords = [r.row, r.col].filter(isRowCoord);
    if (rowCoords.length === 2) byRow.push(r);
    else if (rowCoords.length === 0) byCol.push(r);
    else (rowCoords[0] === X1 ? byX1 : byX0).push(r);
  }
  const pinX1 = t.deltas.filter((d) => d.a === X1);
  const pinX0 = t.deltas.filter((d) => d.a === X0);
  const other = (r: FactorRead): Coord => (isRowCoord(r.row) ? r.col : r.row);
  const x1Ok = byX1.length + pinX1.length === 1;
  const x0Ok = byX0.length + pinX0.length === 1;
  const free = byX1.length + pinX1.length + byX0.length + pinX0.length === 0;
  if (byRow.length > 1 || byCol.length > 1 || !((x1Ok && x0Ok) || (free && byRow.length === 1))) return { generic: true, term: t };
  return {
    generic: false,
    alpha: t.alpha,
    free,
    X: byX1[0] ? f64(packed(byX1[0], X1)) : null,
    xSel: byX1[0] ? other(byX1[0]) : (pinX1[0]?.b ?? Y0),
    Y: byX0[0] ? f64(packed(byX0[0], X0)) : null,
    ySel: byX0[0] ? other(byX0[0]) : (pinX0[0]?.b ?? Y0),
    G: byCol[0] ? f64(packed(byCol[0], Y0)) : null,
    W: byRow[0] ? f64(packed(byRow[0], X0)) : null,
  };
}

/** One output column of the lead term (X, Y non-null), overwriting it: g · vec(Y_yc X_xcᵀ) (⊙ W). */
function leadColumn(out: Float64Array, o: number, T: ColumnTerm, col: number, u: number, v: number, ext: readonly number[], touch: boolean): void {
  const xLen = ext[X1]!;
  const yLen = ext[X0]!;
  const g = T.G ? T.alpha * T.G[col]! : T.alpha;
  const xo = (T.xSel === Y0 ? u : v) * xLen;
  const yo = (T.ySel === Y0 ? u : v) * yLen;
  if (T.W) kronWriteW(out, o, T.X!, xo, xLen, T.Y!, yo, yLen, T.W, g);
  else kronWriteTiled(out, o, T.X!, xo, xLen, T.Y!, yo, yLen, g, touch);
}

/**
 * leadGroup's column offsets, X offsets and scales, reused (no allocation a group); plain arrays,
 * so that the offsets stay small integers for the kernel's index arithmetic.
 */
const groupO = [0, 0, 0, 0];
const groupX = [0, 0, 0, 0];
const groupG = [0.5, 0.5, 0.5, 0.5];

/**
 * Writes the lead term (X, Y non-null, no W) into four columns that read the same column of Y,
 * the one of column cc and three more of the tile, marks them in `ahead` and returns the step
 * between them: Y chosen by y1 = v: columns cc … cc+3 (u … u+3), step 1; by y0 = u: columns cc,
 * cc+U, cc+2U, cc+3U (v … v+3), step U. 0, writing nothing, where the tile has no such four.
 */
function leadGroup(out: Float64Array, A: Assembly, T: ColumnTerm, cc: number, u: number, ahead: Uint8Array): number {
  const { rows: R, col0, count, ext } = A;
  const U = ext[Y0];
  const step = T.ySel === Y1 ? 1 : U;
  if (T.ySel === Y1 ? u + 3 >= U : false) return 0;
  if (cc + 3 * step >= count) return 0;
  const xLen = ext[X1];
  const yLen = ext[X0];
  const o = groupO;
  const x = groupX;
  const g = groupG;
  for (let j = 0; j < 4; j++) {
    const c = cc + j * step;
    const col = col0 + c;
    const uj = col % U;
    o[j] = c * R;
    x[j] = (T.xSel === Y0 ? uj : (col - uj) / U) * xLen;
    g[j] = T.G ? T.alpha * T.G[col]! : T.alpha;
    ahead[c] = 1;
  }
  const v = (col0 + cc - u) / U;
  kronWrite4(out, o, T.X!, x, xLen, T.Y!, (T.ySel === Y0 ? u : v) * yLen, yLen, g);
  return step;
}

/** leadSimd's per-column offsets and scales of the lead and of a block term, reused across calls (grown as needed). */
let simdXo = new Int32Array(0);
let simdYo = new Int32Array(0);
let simdG = new Float64Array(0);
let blockP = new Int32Array(0);
let blockZo = new Int32Array(0);
let blockG = new Float64Array(0);

/**
 * Whether a term adds g·Y to one block of a column (x1 pinned to a column coordinate by an
 * identity, Y over x0, no W): what the SIMD kernel adds itself (BlockTerms of mat/kron-simd.ts).
 */
const isBlockTerm = (T: ColumnTerm | GenericTerm): T is ColumnTerm => !T.generic && !T.free && T.X === null && T.Y !== null && T.W === null;

/**
 * Writes the whole tile by the SIMD kernel: the lead term (X, Y non-null, no W) column by column,
 * then the first other term if it is a block term (isBlockTerm), by the kernel too, then each
 * chunk of columns receiving the rest, in the order of `terms` (so the sums are those of the
 * JavaScript path, bit for bit). False, writing nothing, where the kernel does not run (then the
 * JavaScript kernels do).
 */
function leadSimd(out: Float64Array, A: Assembly, T: ColumnTerm, terms: readonly (ColumnTerm | GenericTerm)[]): boolean {
  const { col0, count, ext } = A;
  const U = ext[Y0];
  const xLen = ext[X1];
  const yLen = ext[X0];
  if (simdXo.length < count) {
    simdXo = new Int32Array(count);
    simdYo = new Int32Array(count);
    simdG = new Float64Array(count);
    blockP = new Int32Array(count);
    blockZo = new Int32Array(count);
    blockG = new Float64Array(count);
  }
  const B = terms[0] && isBlockTerm(terms[0]) ? terms[0] : null;
  const rest = B ? terms.slice(1) : terms;
  for (let cc = 0; cc < count; cc++) {
    const col = col0 + cc;
    const u = col % U;
    const v = (col - u) / U;
    simdXo[cc] = (T.xSel === Y0 ? u : v) * xLen;
    simdYo[cc] = (T.ySel === Y0 ? u : v) * yLen;
    simdG[cc] = T.G ? T.alpha * T.G[col]! : T.alpha;
    if (B) {
      // as kronColumn: no block where the scale is 0 (nothing added, not even 0·Z)
      const g = B.G ? B.alpha * B.G[col]! : B.alpha;
      blockP[cc] = g === 0 ? -1 : B.xSel === Y0 ? u : v;
      blockZo[cc] = (B.ySel === Y0 ? u : v) * yLen;
      blockG[cc] = g;
    }
  }
  const blocks = B ? { Z: B.Y!, p: blockP, zo: blockZo, g: blockG } : null;
  return kronColumnsSimd(out, 0, T.X!, T.Y!, xLen, yLen, simdXo, simdYo, simdG, count, blocks, (c0, c1) => {
    for (let cc = c0; cc < c1; cc++) addTerms(out, A, rest, cc);
  });
}

/** One output column of a column-form term, added to the column. */
function kronColumn(out: Float64Array, o: number, T: ColumnTerm, col: number, u: number, v: number, ext: readonly number[]): void {
  const xc = T.xSel === Y0 ? u : v;
  const yc = T.ySel === Y0 ? u : v;
  const xLen = ext[X1]!;
  const yLen = ext[X0]!;
  const g = T.G ? T.alpha * T.G[col]! : T.alpha;
  const X = T.X;
  const Y = T.Y;
  const W = T.W;
  if (T.free) {
    if (g !== 0) axpy(out, o, W!, g, xLen * yLen);
    return;
  }
  if (X !== null && Y !== null) {
    if (g === 0) return;
    if (W) kronAddW(out, o, X, xc * xLen, xLen, Y, yc * yLen, yLen, W, g);
    else kronAdd(out, o, X, xc * xLen, xLen, Y, yc * yLen, yLen, g);
    return;
  }
  if (g === 0) return;
  if (X !== null) {
    // x0 pinned to yc: one entry per block (stride yLen)
    if (yc < yLen) stridedAdd(out, o + yc, yLen, X, xc * xLen, xLen, W, yc, g);
    return;
  }
  // x1 pinned to xc: one block
  if (xc >= xLen) return;
  const base = xc * yLen;
  if (Y !== null) {
    if (W) blockAddW(out, o + base, Y, yc * yLen, W, base, yLen, g);
    else blockAdd(out, o + base, Y, yc * yLen, yLen, g);
  } else if (yc < yLen) {
    out[o + base + yc]! += g * (W ? W[base + yc]! : 1);
  }
}

/** One output column of any term, entry by entry from the descriptor. */
function genericColumn(out: Float64Array, o: number, t: TermDescriptor, R: number, e0: number, u: number, v: number): void {
  const c = [0, 0, u, v];
  for (let e = 0; e < R; e++) {
    c[0] = e % e0;
    c[1] = (e - c[0]) / e0;
    let val = t.alpha;
    for (const d of t.deltas) if (c[d.a] !== c[d.b]) val = 0;
    if (val === 0) continue;
    for (const r of t.reads) val *= r.M.data[c[r.row]! + c[r.col]! * r.M.rows]!;
    out[o + e]! += val;
  }
}
