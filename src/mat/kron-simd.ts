/**
 * Columns of scaled Kronecker products by a WebAssembly SIMD kernel (f64x2: two float64 lanes per
 * instruction):
 *   out[o + c·R + a·yLen + b] = (g_c · X[xo_c + a]) · Y[yo_c + b],   R = xLen·yLen,  c < count,
 * column c being vec(g_c · Y_c X_cᵀ) for the vectors X_c = X[xo_c …], Y_c = Y[yo_c …].
 *
 * Two ways to reach `out`:
 *   - in place, where `out` lies in a kernel area (a WebAssembly memory made for it, `Mat.wasm`):
 *     16-byte stores straight into the output. Beyond the caches this is the one way to get near
 *     the write floor: A·X·B at n = 96 (679 MB), side by side in one process on the 2-core
 *     machine, 34–35 ms against 33–34 ms for `fill` of the same buffer (the JavaScript kernels:
 *     about 40 ms);
 *   - copied out a chunk of columns at a time from the kernel's own memory, for any other `out`
 *     that stays in the caches: there the JavaScript column kernels (columns.ts) are bound by
 *     their instructions (a bounds check, an index and a multiply per store, eight-byte stores),
 *     while this kernel stores 16 bytes an instruction with no checks, and the copy out is a
 *     memcpy. Above the caches the copy costs more than the kernel saves (the copy's stores wait
 *     on memory as the JavaScript ones do), so callers keep the JavaScript kernels there.
 * Optionally each column then receives one block term, a scaled vector added to one of its blocks:
 *   out[o + c·R + p_c·yLen + b] += g2_c · Z[zo_c + b],   b < yLen   (none unless 0 ≤ p_c < xLen),
 * as an identity factor pins x1 to a column's coordinate (the block kernel blockAdd of columns.ts).
 * The values are those of kronWrite and blockAdd, bit for bit: the same products and sums in the
 * same order, each an IEEE float64 operation in both. Where the engine lacks WebAssembly SIMD,
 * `kronColumnsSimd` returns false and writes nothing.
 */
import { KernelInstance, compileKernel, kernelArray, kernelAreaOf } from './wasm-memory.js';
import { I32, Locals, V128, assemble, op, type WasmFunction } from './wasm-asm.js';

/**
 * The module's bytes (under 4 KiB, the most a browser compiles synchronously on its main thread;
 * past it, or without SIMD, the JavaScript kernels run). Its functions: kronCols4 (below), and
 * kronCols(count, xb, y8b, y2b, yb, tab, dst): for each of `count` (≥ 1) columns, a 32-byte entry
 * of the table at `tab`: i32 byte address of X_c, i32 byte address of Y_c, f64 g_c, i32 byte offset
 * of the block term's block within the column (negative: none), i32 byte address of Z_c, f64 g2_c.
 * The column's xLen·yLen entries go to `dst` onwards, the columns one after another. xb = 8·xLen
 * (> 0), yb = 8·yLen, y8b and y2b: yb rounded down to 64 and to 16 bytes (eight and two entries).
 */
export function kronColumnsModule(): Uint8Array<ArrayBuffer> {
  return assemble([kronCols(), kronCols4()]);
}

/** `block … end` left at once when local n ≥ local end (byte addresses: unsigned). */
const unless = (L: Locals, n: string, end: string, body: number[]): number[] => [...op.block, ...L.get(n), ...L.get(end), ...op.geU, ...op.brIf(0), ...body, ...op.end];

/**
 * The block term of the column starting at byte `cs` whose table entry is at `t`: Z_c scaled by
 * g2_c added to the block at byte offset cs + t[16] (none where t[16] < 0). Uses the locals q, zp,
 * z2e, ze (i32) and g2 (v128), and the parameters y2b and yb.
 */
function blockTerm(L: Locals, t: string, cs: string): number[] {
  /** q[k] += g2 · zp[k] for the pair at byte offset 0. */
  const pairAdd = [...L.get('q'), ...L.get('q'), ...op.v128Load(0), ...L.get('g2'), ...L.get('zp'), ...op.v128Load(0), ...op.f64x2Mul, ...op.f64x2Add, ...op.v128Store(0)];
  return [
    ...op.block,
    ...L.get(t), ...op.i32Load(16), ...L.tee('q'), ...op.i32(0), ...op.ltS, ...op.brIf(0),
    ...L.get(cs), ...L.get('q'), ...op.add, ...L.set('q'),
    ...L.get(t), ...op.i32Load(20), ...L.set('zp'),
    ...L.get(t), ...op.load64Splat(24), ...L.set('g2'),
    ...L.get('zp'), ...L.get('y2b'), ...op.add, ...L.set('z2e'),
    ...L.get('zp'), ...L.get('yb'), ...op.add, ...L.set('ze'),
    ...unless(L, 'zp', 'z2e', [...op.loop, ...pairAdd, ...L.bump('q', 16), ...L.bump('zp', 16), ...L.get('zp'), ...L.get('z2e'), ...op.ltU, ...op.brIf(0), ...op.end]),
    ...unless(L, 'zp', 'ze', [...L.get('q'), ...L.get('q'), ...op.f64Load(0), ...L.get('g2'), ...op.f64x2Lane0, ...L.get('zp'), ...op.f64Load(0), ...op.f64Mul, ...op.f64Add, ...op.f64Store(0)]),
    ...op.end,
  ];
}

/** kronCols(count, xb, y8b, y2b, yb, tab, dst): the columns one at a time, each with its block term. */
function kronCols(): WasmFunction {
  const L = new Locals(['count', 'xb', 'y8b', 'y2b', 'yb', 'tab', 'dst']);
  L.declare(I32, 'c', 't', 'd', 'xp', 'xe', 'yo', 'yp', 'y8e', 'y2e', 'ye', 'cs', 'q', 'zp', 'z2e', 'ze');
  L.declare(V128, 'g', 'h', 'g2');
  /** d[k] = h · yp[k] for the pair at byte offset 16k. */
  const pair = (k: number): number[] => [...L.get('d'), ...L.get('h'), ...L.get('yp'), ...op.v128Load(16 * k), ...op.f64x2Mul, ...op.v128Store(16 * k)];
  const body = [
    ...L.get('tab'), ...L.set('t'),
    ...L.get('dst'), ...L.set('d'),
    ...L.get('count'), ...L.set('c'),
    ...op.loop, // over the columns
    ...L.get('t'), ...op.load64Splat(8), ...L.set('g'),
    ...L.get('t'), ...op.i32Load(0), ...L.set('xp'),
    ...L.get('xp'), ...L.get('xb'), ...op.add, ...L.set('xe'),
    ...L.get('t'), ...op.i32Load(4), ...L.set('yo'),
    ...L.get('yo'), ...L.get('y8b'), ...op.add, ...L.set('y8e'),
    ...L.get('yo'), ...L.get('y2b'), ...op.add, ...L.set('y2e'),
    ...L.get('yo'), ...L.get('yb'), ...op.add, ...L.set('ye'),
    ...L.get('d'), ...L.set('cs'),
    ...op.loop, // over the blocks a: h = g·X[a] in both lanes, then the block h·Y
    ...L.get('g'), ...L.get('xp'), ...op.load64Splat(0), ...op.f64x2Mul, ...L.set('h'),
    ...L.get('yo'), ...L.set('yp'),
    ...unless(L, 'yp', 'y8e', [...op.loop, ...pair(0), ...pair(1), ...pair(2), ...pair(3), ...L.bump('d', 64), ...L.bump('yp', 64), ...L.get('yp'), ...L.get('y8e'), ...op.ltU, ...op.brIf(0), ...op.end]),
    ...unless(L, 'yp', 'y2e', [...op.loop, ...pair(0), ...L.bump('d', 16), ...L.bump('yp', 16), ...L.get('yp'), ...L.get('y2e'), ...op.ltU, ...op.brIf(0), ...op.end]),
    ...unless(L, 'yp', 'ye', [...L.get('d'), ...L.get('h'), ...op.f64x2Lane0, ...L.get('yp'), ...op.f64Load(0), ...op.f64Mul, ...op.f64Store(0), ...L.bump('d', 8)]),
    ...L.bump('xp', 8),
    ...L.get('xp'), ...L.get('xe'), ...op.ltU, ...op.brIf(0),
    ...op.end,
    ...blockTerm(L, 't', 'cs'),
    ...L.bump('t', 32),
    ...L.get('c'), ...op.i32(1), ...op.sub, ...L.tee('c'), ...op.brIf(0),
    ...op.end,
  ];
  return { name: 'kronCols', locals: L, body };
}

/**
 * kronCols4(groups, xb, y8b, y2b, yb, tab, dst, cb): the columns four at a time (groups ≥ 1 of
 * four table entries; cb = 8·R, the bytes of a column), block by block, the four columns'
 * stores interleaved: four output streams at once, which memory serves faster than one (into a
 * 679 MB output, side by side, a test kernel of this inner loop with 4 streams 32.5 ms, with one
 * 38.7 ms, `fill` 32.3 ms). Then the block
 * terms of the four, in column order. The same values as kronCols.
 */
function kronCols4(): WasmFunction {
  const L = new Locals(['groups', 'xb', 'y8b', 'y2b', 'yb', 'tab', 'dst', 'cb']);
  const J = [0, 1, 2, 3];
  const e = J.map((j) => `e${j}`);
  const x = J.map((j) => `x${j}`);
  const p = J.map((j) => `p${j}`);
  const y = J.map((j) => `y${j}`);
  const g = J.map((j) => `g${j}`);
  const h = J.map((j) => `h${j}`);
  L.declare(I32, 'n', 't', 'd', ...e, ...x, ...y, ...p, 'xe', 'y8e', 'y2e', 'ye', 'j', 'bt', 'cs', 'q', 'zp', 'z2e', 'ze');
  L.declare(V128, ...g, ...h, 'g2');
  const each = (f: (j: number) => number[]): number[] => J.flatMap(f);
  /** e_j[k] = h_j · p_j[k] for the pair at byte offset 16k, the four columns in turn. */
  const pairs = (k: number): number[] => each((j) => [...L.get(e[j]!), ...L.get(h[j]!), ...L.get(p[j]!), ...op.v128Load(16 * k), ...op.f64x2Mul, ...op.v128Store(16 * k)]);
  const bumpAll = (by: number): number[] => [...each((j) => L.bump(e[j]!, by)), ...each((j) => L.bump(p[j]!, by))];
  const body = [
    ...L.get('tab'), ...L.set('t'),
    ...L.get('dst'), ...L.set('d'),
    ...L.get('groups'), ...L.set('n'),
    ...op.loop, // over the groups of four columns
    ...each((j) => [...L.get('t'), ...op.i32Load(32 * j), ...L.set(x[j]!), ...L.get('t'), ...op.i32Load(32 * j + 4), ...L.set(y[j]!), ...L.get('t'), ...op.load64Splat(32 * j + 8), ...L.set(g[j]!)]),
    ...L.get('d'), ...L.set('e0'),
    ...L.get('e0'), ...L.get('cb'), ...op.add, ...L.set('e1'),
    ...L.get('e1'), ...L.get('cb'), ...op.add, ...L.set('e2'),
    ...L.get('e2'), ...L.get('cb'), ...op.add, ...L.set('e3'),
    ...L.get('x0'), ...L.get('xb'), ...op.add, ...L.set('xe'),
    ...op.loop, // over the blocks a: h_j = g_j·X_j[a], then the four blocks h_j·Y_j
    ...each((j) => [...L.get(g[j]!), ...L.get(x[j]!), ...op.load64Splat(0), ...op.f64x2Mul, ...L.set(h[j]!), ...L.get(y[j]!), ...L.set(p[j]!)]),
    ...L.get('p0'), ...L.get('y8b'), ...op.add, ...L.set('y8e'),
    ...L.get('p0'), ...L.get('y2b'), ...op.add, ...L.set('y2e'),
    ...L.get('p0'), ...L.get('yb'), ...op.add, ...L.set('ye'),
    ...unless(L, 'p0', 'y8e', [...op.loop, ...pairs(0), ...pairs(1), ...pairs(2), ...pairs(3), ...bumpAll(64), ...L.get('p0'), ...L.get('y8e'), ...op.ltU, ...op.brIf(0), ...op.end]),
    ...unless(L, 'p0', 'y2e', [...op.loop, ...pairs(0), ...bumpAll(16), ...L.get('p0'), ...L.get('y2e'), ...op.ltU, ...op.brIf(0), ...op.end]),
    ...unless(L, 'p0', 'ye', [...each((j) => [...L.get(e[j]!), ...L.get(h[j]!), ...op.f64x2Lane0, ...L.get(p[j]!), ...op.f64Load(0), ...op.f64Mul, ...op.f64Store(0), ...L.bump(e[j]!, 8)])]),
    ...each((j) => L.bump(x[j]!, 8)),
    ...L.get('x0'), ...L.get('xe'), ...op.ltU, ...op.brIf(0),
    ...op.end,
    // the block terms of the four columns, in column order
    ...L.get('t'), ...L.set('bt'),
    ...L.get('d'), ...L.set('cs'),
    ...op.i32(4), ...L.set('j'),
    ...op.loop,
    ...blockTerm(L, 'bt', 'cs'),
    ...L.bump('bt', 32),
    ...L.bump('cs', 'cb'),
    ...L.get('j'), ...op.i32(1), ...op.sub, ...L.tee('j'), ...op.brIf(0),
    ...op.end,
    ...L.bump('t', 128),
    ...L.get('e3'), ...L.set('d'), // the fourth column's end: the next group's start
    ...L.get('n'), ...op.i32(1), ...op.sub, ...L.tee('n'), ...op.brIf(0),
    ...op.end,
  ];
  return { name: 'kronCols4', locals: L, body };
}

type Kernel = (count: number, xb: number, y8b: number, y2b: number, yb: number, tab: number, dst: number) => void;
type Kernel4 = (groups: number, xb: number, y8b: number, y2b: number, yb: number, tab: number, dst: number, cb: number) => void;

/** The most bytes the copy-out kernel's memory may grow to (factors, table and one chunk). */
const MAX_BYTES = 64 * 2 ** 20;
/** Bytes of one chunk of columns: it stays in the L2 cache between the kernel and the copy (or the terms added after it). */
const CHUNK_BYTES = 256 * 1024;
/**
 * Columns longer than this many bytes are written four at a time (kronCols4), shorter ones one
 * at a time. Into a reused output beyond the caches, side by side in one process on the 2-core
 * machine, test kernels of the two inner loops (shared X) against `fill` of the same buffer (ms): n = 48 (18 KiB columns) one 2.0, four 2.7,
 * fill 1.9; n = 64 (32 KiB) 6.8, 7.3, 6.5; n = 72 (40.5 KiB) 11.3, 10.2, 9.0; n = 88 31.8, 25.0,
 * 23.4; n = 96 39.2, 31.4, 31.7: four streams pay once a column outgrows the 32 KiB L1 cache.
 */
const FOUR_MIN_COLUMN_BYTES = 32 * 1024;
/** The most columns of one chunk: the table holds theirs, 32 bytes each. */
const TABLE_COLS = 2048;
const PAGE = 65536;

let compiled: WebAssembly.Module | null | undefined;
let state: KernelInstance | null | undefined;

/** The compiled module, or null where WebAssembly SIMD is unavailable (compiled on first use). */
function kronModule(): WebAssembly.Module | null {
  if (compiled === undefined) compiled = compileKernel(kronColumnsModule());
  return compiled;
}

/** The copy-out kernel's instance on a memory of its own, or null (made on first use). */
function instance(): KernelInstance | null {
  if (state === undefined) {
    const module = kronModule();
    try {
      state = module && new KernelInstance(module, PAGE, MAX_BYTES);
    } catch {
      state = null;
    }
  }
  return state;
}

/**
 * A zero-filled Float64Array of rows·cols entries the kernel writes in place (a kernel area of
 * wasm-memory.ts), or null where the kernel does not run here or the area cannot be made. Its head
 * holds 4·(rows + cols) float64 entries of factors (a Jacobian of an n×n map at n = 96: three
 * n×n factors of 9,216 entries against 73,728) and one table; a call whose factors need more
 * writes by the JavaScript kernels.
 */
export function kronArray(rows: number, cols: number): Float64Array | null {
  return kronModule() ? kernelArray(rows * cols, 8 * 4 * (rows + cols) + 32 * TABLE_COLS) : null;
}

/** The optional block term of each column (see the file's header), over the vector store Z. */
export interface BlockTerms {
  readonly Z: Float64Array;
  /** The block of each column that receives the term (none where negative or not below xLen). */
  readonly p: Int32Array;
  /** Where Z_c starts in Z (its yLen entries all within Z). */
  readonly zo: Int32Array;
  readonly g: Float64Array;
}

/**
 * Writes `count` columns (see the file's header) into out[o …], X_c at X[xo[c] …] and Y_c at
 * Y[yo[c] …] (each whole vector within X and Y), each then receiving its block term (`blocks`, if
 * given), and after each chunk of columns [c0, c1) is in `out` calls `then(c0, c1)`, while those
 * columns are still in cache.
 * Where `out` lies in a kernel area (kernelArray of wasm-memory.ts) the kernel stores into it in
 * place, the factors and the table in the area's head; any other `out` receives each chunk by a
 * copy from the kernel's own memory, up to MAX_BYTES of factors and chunk. Returns false, writing
 * nothing, where the kernel is unavailable, there is nothing to write, or the inputs exceed the
 * head (or the copy-out memory).
 */
export function kronColumnsSimd(
  out: Float64Array,
  o: number,
  X: Float64Array,
  Y: Float64Array,
  xLen: number,
  yLen: number,
  xo: Int32Array,
  yo: Int32Array,
  g: Float64Array,
  count: number,
  blocks: BlockTerms | null,
  then: (c0: number, c1: number) => void,
): boolean {
  const R = xLen * yLen;
  // a block term's offset within a column is a signed 32-bit entry of the table
  if (count <= 0 || R === 0 || 8 * R >= 2 ** 31) return false;
  const module = kronModule();
  if (!module) return false;
  // at least four columns a chunk, for kronCols4
  const chunk = Math.min(count, TABLE_COLS, Math.max(4, Math.floor(CHUNK_BYTES / (8 * R))));
  const zLen = blocks ? blocks.Z.length : 0;
  // inputs in float64 units from `at`: X, Y, Z, the table of one chunk (four units a column)
  const inputs = X.length + Y.length + zLen + 4 * chunk;
  const area = kernelAreaOf(out);
  let f64: Float64Array;
  let i32: Int32Array;
  let exports: WebAssembly.Exports;
  let at: number;
  if (area) {
    // the head lies past the array: a view of `out` reaching into it would be overwritten
    if (8 * inputs > area.headBytes || out.byteOffset + 8 * (o + count * R) > area.head) return false;
    ({ f64, i32 } = area);
    exports = area.exportsOf(module);
    at = area.head / 8;
  } else {
    const bytes = (inputs + chunk * R) * 8;
    const s = bytes <= MAX_BYTES ? instance() : null;
    if (!s) return false;
    s.reserve(bytes);
    ({ f64, i32 } = s);
    exports = s.exports;
    at = 0;
  }
  const xAt = at;
  const yAt = xAt + X.length;
  const zAt = yAt + Y.length;
  const tabAt = zAt + zLen;
  const dAt = tabAt + 4 * chunk;
  f64.set(X, xAt);
  f64.set(Y, yAt);
  if (blocks) f64.set(blocks.Z, zAt);
  const yb = 8 * yLen;
  const one = exports.kronCols as Kernel;
  const four = exports.kronCols4 as Kernel4;
  /** The k columns of the table at tabAt into byte dst on: long columns in groups of four, then the rest one at a time. */
  const columns = (k: number, dst: number): void => {
    const groups = 8 * R > FOUR_MIN_COLUMN_BYTES ? k >> 2 : 0;
    if (groups > 0) four(groups, 8 * xLen, yb & ~63, yb & ~15, yb, tabAt * 8, dst, 8 * R);
    if (k > 4 * groups) one(k - 4 * groups, 8 * xLen, yb & ~63, yb & ~15, yb, (tabAt + 16 * groups) * 8, dst + 32 * R * groups);
  };
  for (let c0 = 0; c0 < count; c0 += chunk) {
    const k = Math.min(chunk, count - c0);
    for (let j = 0; j < k; j++) {
      const c = c0 + j;
      const e = tabAt + 4 * j;
      i32[2 * e] = (xAt + xo[c]!) * 8;
      i32[2 * e + 1] = (yAt + yo[c]!) * 8;
      f64[e + 1] = g[c]!;
      const b = blocks ? blocks.p[c]! : -1;
      const p = b < xLen ? b : -1;
      i32[2 * e + 4] = p < 0 ? -1 : p * yLen * 8;
      i32[2 * e + 5] = p < 0 ? 0 : (zAt + blocks!.zo[c]!) * 8;
      f64[e + 3] = p < 0 ? 0 : blocks!.g[c]!;
    }
    if (area) columns(k, out.byteOffset + 8 * (o + c0 * R));
    else {
      columns(k, dAt * 8);
      out.set(f64.subarray(dAt, dAt + k * R), o + c0 * R);
    }
    then(c0, c0 + k);
  }
  return true;
}
