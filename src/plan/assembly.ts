/**
 * The term descriptor: a Jacobian assembly resolved once, for every backend. The layout, the
 * column range of a tile and each term's index algebra (Kronecker factors, transposes, the
 * commutation K_mn, diagonal scalings, outer terms) become one validated `Assembly`; a backend's
 * `assemble` runs kernels over it and never re-derives the algebra.
 *
 * Coordinates. An output entry (row, col) of the chosen layout is named by four coordinates
 *   row = x0 + x1·ext[X0]        col = y0 + y1·ext[Y0]
 * numerator  (J, pq×mn):  (x0, x1, y0, y1) = (k, l, i, j)
 * denominator (D = Jᵀ, mn×pq): (x0, x1, y0, y1) = (i, j, k, l)
 * with F index r = k + l·p and X index c = i + j·m (DESIGN.md §1). A term's value at an entry is
 *   α · Π_reads M[coord(row), coord(col)] · Π_deltas [coord(a) = coord(b)]
 * so a Kronecker term J = α·diag(vec S)(Bᵀ⊗A)diag(vec C)[K_mn], entry-wise
 *   J[r, c] = α · S[k,l] · A[k,a] · C[a,b] · B[b,l],   (a, b) = (i, j), or (j, i) with K_mn,
 * reads S, A, C, B (a null A or B is the identity: a delta [k = a] or [b = l]), and an outer
 * term J = α·vec(U)vec(V)ᵀ reads U[k,l] and V[i,j] (U, V reshaped to F's and X's shapes).
 */
import type { Backend, JacobianShape, KronTerm, Layout, Tensor, Term } from '../backend/backend.js';
import { desc, shp } from '../backend/checks.js';
import { InvalidArgumentError, ShapeError, fmtShape } from '../errors.js';
import { arenaF64 } from '../mat/arena.js';
import { Mat } from '../mat/mat.js';

/** x0, x1: fast and slow index of an output row; y0, y1: of an output column. */
export const X0 = 0;
export const X1 = 1;
export const Y0 = 2;
export const Y1 = 3;
export type Coord = 0 | 1 | 2 | 3;

/** One factor of a term: `M[coord[row], coord[col]]` (M is ext[row]×ext[col]). */
export interface FactorRead {
  readonly M: Mat;
  readonly row: Coord;
  readonly col: Coord;
}

/** An identity factor: 1 where `coord[a] = coord[b]`, else 0 (a is a row coordinate, b a column one). */
export interface Delta {
  readonly a: Coord;
  readonly b: Coord;
}

export interface TermDescriptor {
  readonly alpha: number;
  readonly reads: readonly FactorRead[];
  readonly deltas: readonly Delta[];
}

/** A validated Jacobian assembly: write Σ terms (+ add) into columns [col0, col0 + count) of the layout. */
export interface Assembly {
  readonly shape: JacobianShape;
  readonly layout: Layout;
  /** Column length (pq in the numerator layout, mn in the denominator one). */
  readonly rows: number;
  /** Columns of the whole Jacobian in this layout. */
  readonly totalCols: number;
  readonly col0: number;
  readonly count: number;
  /** Extent of each coordinate x0, x1, y0, y1. */
  readonly ext: readonly [number, number, number, number];
  readonly terms: readonly TermDescriptor[];
  /** A batch-1 rows×count tensor added in the same pass (the dense part of a mixed plan), or null. */
  readonly add: Tensor | null;
}

export interface AssembleOptions {
  readonly cols?: { readonly col0: number; readonly count: number };
  readonly add?: Tensor;
}

/** Resolves and validates an assembly; every error a backend could meet is raised here. */
export function describeAssembly(terms: readonly Term[], shape: JacobianShape, layout: Layout, opts: AssembleOptions = {}): Assembly {
  const { m, n, p, q } = shape;
  if (!isCount(m) || !isCount(n) || !isCount(p) || !isCount(q)) throw new InvalidArgumentError(`assemble: shape must be non-negative integers, got m=${m}, n=${n}, p=${p}, q=${q}`);
  if (layout !== 'numerator' && layout !== 'denominator') throw new InvalidArgumentError(`assemble: unknown layout '${String(layout)}'`);
  const numerator = layout === 'numerator';
  const rows = numerator ? p * q : m * n;
  const totalCols = numerator ? m * n : p * q;
  const col0 = opts.cols?.col0 ?? 0;
  const count = opts.cols?.count ?? totalCols - col0;
  if (!Number.isInteger(col0) || !Number.isInteger(count) || col0 < 0 || count < 0 || col0 + count > totalCols) {
    throw new InvalidArgumentError(`assemble: column range [${col0}, ${col0 + count}) is outside the ${totalCols} columns of the ${layout} Jacobian`);
  }
  const add = opts.add ?? null;
  if (add && (add.batch !== 1 || add.rows !== rows || add.cols !== count)) {
    throw new ShapeError(`assemble: 'add' is ${desc(add)}, the tile is ${rows}×${count}`, [shp(add), [rows, count]]);
  }
  // where i, j, k, l sit among the output coordinates
  const [I, J, K, L]: readonly [Coord, Coord, Coord, Coord] = numerator ? [Y0, Y1, X0, X1] : [X0, X1, Y0, Y1];
  const ext: [number, number, number, number] = numerator ? [p, q, m, n] : [m, n, p, q];
  const described = terms.map((term): TermDescriptor => {
    if (term.kind === 'outer') {
      if (term.U.size !== p * q) throw new ShapeError(`assemble: outer term U is ${fmtShape(term.U.shape)}, needs ${p * q} entries (F is ${p}×${q})`, [term.U.shape, [p, q]]);
      if (term.V.size !== m * n) throw new ShapeError(`assemble: outer term V is ${fmtShape(term.V.shape)}, needs ${m * n} entries (X is ${m}×${n})`, [term.V.shape, [m, n]]);
      const U = { M: reshaped(term.U, p, q), row: K, col: L };
      const V = { M: reshaped(term.V, m, n), row: I, col: J };
      return { alpha: term.alpha, reads: [U, V], deltas: [] };
    }
    if (term.kind !== 'kron') throw new InvalidArgumentError(`assemble: unknown term kind '${String((term as { kind: unknown }).kind)}'`);
    const t = term.transposed;
    const [a, b]: readonly [Coord, Coord] = t ? [J, I] : [I, J];
    const ka = t ? n : m;
    const kb = t ? m : n;
    if ((term.A === null && p !== ka) || (term.B === null && kb !== q)) throw missingIdentity(term, shape);
    checkFactor('A', term.A, p, ka);
    checkFactor('B', term.B, kb, q);
    checkFactor('C', term.C, ka, kb);
    checkFactor('S', term.S, p, q);
    const reads: FactorRead[] = [];
    const deltas: Delta[] = [];
    if (term.S) reads.push({ M: term.S, row: K, col: L });
    if (term.A) reads.push({ M: term.A, row: K, col: a });
    else deltas.push(rowFirst(K, a));
    if (term.C) reads.push({ M: term.C, row: a, col: b });
    if (term.B) reads.push({ M: term.B, row: b, col: L });
    else deltas.push(rowFirst(b, L));
    return { alpha: term.alpha, reads, deltas };
  });
  return { shape, layout, rows, totalCols, col0, count, ext, terms: described, add };
}

/** The coordinates of an entry: (x0, x1, y0, y1) of row `row` and column `col` of the layout. */
export function coordsOf(A: Assembly, row: number, col: number, out: number[] = [0, 0, 0, 0]): number[] {
  const [e0, , e2] = A.ext;
  out[0] = row % e0;
  out[1] = (row - out[0]) / e0;
  out[2] = col % e2;
  out[3] = (col - out[2]) / e2;
  return out;
}

/**
 * The strides of a read over (x0, x1, y0, y1): its entry sits at Σ coord·stride in M's
 * column-major data, or in Mᵀ's when `transposed` (a backend packs a factor transposed so that
 * the coordinate its inner loop walks has stride 1).
 */
export function strides(r: FactorRead, transposed = false): [number, number, number, number] {
  const s: [number, number, number, number] = [0, 0, 0, 0];
  s[r.row] = transposed ? r.M.cols : 1;
  s[r.col] = transposed ? 1 : r.M.rows;
  return s;
}

/** Whether a read must be packed transposed for `fast` to have stride 1 (it reads `fast` as its column). */
export const packTransposed = (r: FactorRead, fast: Coord): boolean => r.col === fast;

/** A read's data, packed as `strides(r, packTransposed(r, fast))` expects: scratch of a writer (an arena view when small), never handed out. */
export function packed(r: FactorRead, fast: Coord): Mat['data'] {
  if (!packTransposed(r, fast)) return r.M.data;
  const { rows: R, cols: C, data: src } = r.M;
  const out = arenaF64(R * C);
  for (let j = 0; j < C; j++) for (let i = 0; i < R; i++) out[j + i * C] = src[i + j * R]!;
  return out;
}

/** Whether coordinate c indexes the output's rows (x0, x1) rather than its columns. */
export const isRowCoord = (c: Coord): boolean => c === X0 || c === X1;

/**
 * The reference value of one entry, straight from the descriptor (for tests and for backends'
 * fallbacks; the kernels compute the same sum in bulk).
 */
export function entryValue(A: Assembly, row: number, col: number): number {
  const c = coordsOf(A, row, col);
  let sum = 0;
  for (const t of A.terms) {
    let v = t.alpha;
    for (const d of t.deltas) if (c[d.a] !== c[d.b]) v = 0;
    for (const r of t.reads) v *= r.M.data[c[r.row]! + c[r.col]! * r.M.rows]!;
    sum += v;
  }
  return sum;
}

/**
 * A bound on every partial product a kernel forms while writing the assembly, and so on every
 * entry: |Σ_t α_t Π_reads M| ≤ Σ_t max(1, |α_t|) Π_reads max(1, max|M|) (a delta is 0 or 1; the
 * max(1, ·) covers partial products in any order, e.g. α·S·A before ·C). Infinity with an `add`
 * tile (its entries are not bounded here); NaN when a factor holds a NaN. A finite bound well
 * below the precision's largest value proves the written result finite without reading it back.
 */
export function entryBound(A: Assembly): number {
  return A.add ? Infinity : termsBound(A.terms);
}

/** `entryBound` of the terms alone (an assembly's `add` tile left out). */
export function termsBound(terms: readonly TermDescriptor[]): number {
  let sum = 0;
  for (const t of terms) {
    let b = Math.max(1, Math.abs(t.alpha));
    for (const r of t.reads) b *= maxAbsOrOne(r.M.data);
    sum += b;
  }
  return sum;
}

/** max(1, max|x|) over the data, NaN if it holds a NaN. */
function maxAbsOrOne(d: Mat['data']): number {
  let m = 1;
  for (let k = 0; k < d.length; k++) {
    const x = d[k]!;
    const a = x < 0 ? -x : x;
    if (a > m) m = a;
    else if (a !== a) return NaN;
  }
  return m;
}

/** `backend.assemble` of the described terms: what plan/execute calls, and tests. */
export function assembleTerms<B extends Backend>(backend: B, terms: readonly Term[], shape: JacobianShape, layout: Layout, opts: AssembleOptions = {}): ReturnType<B['assemble']> {
  return backend.assemble(describeAssembly(terms, shape, layout, opts)) as ReturnType<B['assemble']>;
}

function reshaped(M: Mat, rows: number, cols: number): Mat {
  return M.rows === rows && M.cols === cols ? M : Mat.fromColumnMajor(rows, cols, M.data);
}

/** Deltas name the output-row coordinate first. */
const rowFirst = (u: Coord, v: Coord): Delta => (isRowCoord(u) ? { a: u, b: v } : { a: v, b: u });

const isCount = (d: number): boolean => Number.isInteger(d) && d >= 0;

/** The error of a Kronecker term whose identity factor (A or B null) is not square: A = I needs p = m (n transposed), B = I needs q = n (m). */
function missingIdentity(term: KronTerm, { m, n, p, q }: JacobianShape): ShapeError {
  const t = term.transposed;
  const dims = `(F is ${p}×${q}, X is ${m}×${n}${t ? ', transposed' : ''})`;
  return term.A === null && p !== (t ? n : m) ? new ShapeError(`assemble: A = I needs p = ${t ? 'n' : 'm'} ${dims}`) : new ShapeError(`assemble: B = I needs q = ${t ? 'm' : 'n'} ${dims}`);
}

/** A factor (null: an identity, checked by missingIdentity) must be rows×cols. */
function checkFactor(what: string, M: Mat | null, rows: number, cols: number): void {
  if (M === null) return;
  if (M.rows !== rows || M.cols !== cols) {
    throw new ShapeError(`assemble: ${what} is ${fmtShape(M.shape)}, expected ${rows}×${cols}`, [M.shape, [rows, cols]]);
  }
}
