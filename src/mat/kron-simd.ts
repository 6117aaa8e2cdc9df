/**
 * Columns of scaled Kronecker products by a WebAssembly SIMD kernel (f64x2: two float64 lanes per
 * instruction) in a memory of its own, copied out a chunk of columns at a time:
 *   out[o + c·R + a·yLen + b] = (g_c · X[xo_c + a]) · Y[yo_c + b],   R = xLen·yLen,  c < count,
 * column c being vec(g_c · Y_c X_cᵀ) for the vectors X_c = X[xo_c …], Y_c = Y[yo_c …].
 *
 * For an output that stays in the caches: there the JavaScript column kernels (columns.ts) are
 * bound by their instructions (a bounds check, an index and a multiply per store, eight-byte
 * stores), while this kernel stores 16 bytes an instruction with no checks, and the copy out is a
 * memcpy. Above the caches the copy costs more than the kernel saves (the copy's stores wait on
 * memory as the JavaScript ones do), so callers keep the JavaScript kernels there.
 * Optionally each column then receives one block term, a scaled vector added to one of its blocks:
 *   out[o + c·R + p_c·yLen + b] += g2_c · Z[zo_c + b],   b < yLen   (none unless 0 ≤ p_c < xLen),
 * as an identity factor pins x1 to a column's coordinate (the block kernel blockAdd of columns.ts).
 * The values are those of kronWrite and blockAdd, bit for bit: the same products and sums in the
 * same order, each an IEEE float64 operation in both. Where the engine lacks WebAssembly SIMD,
 * `kronColumnsSimd` returns false and writes nothing.
 */
import { KernelInstance, compileKernel } from './wasm-memory.js';
import { I32, Locals, V128, assemble, op } from './wasm-asm.js';

/**
 * The module's bytes (under 4 KiB, the most a browser compiles synchronously on its main thread;
 * past it, or without SIMD, the JavaScript kernels run). Its one function,
 * kronCols(count, xb, y8b, y2b, yb, tab, dst): for each of `count` (≥ 1) columns, a 32-byte entry
 * of the table at `tab`: i32 byte address of X_c, i32 byte address of Y_c, f64 g_c, i32 byte offset
 * of the block term's block within the column (negative: none), i32 byte address of Z_c, f64 g2_c.
 * The column's xLen·yLen entries go to `dst` onwards, the columns one after another. xb = 8·xLen
 * (> 0), yb = 8·yLen, y8b and y2b: yb rounded down to 64 and to 16 bytes (eight and two entries).
 */
export function kronColumnsModule(): Uint8Array<ArrayBuffer> {
  const L = new Locals(['count', 'xb', 'y8b', 'y2b', 'yb', 'tab', 'dst']);
  L.declare(I32, 'c', 't', 'd', 'xp', 'xe', 'yo', 'yp', 'y8e', 'y2e', 'ye', 'cs', 'q', 'zp', 'z2e', 'ze');
  L.declare(V128, 'g', 'h', 'g2');
  const get = (n: string): number[] => op.get(L.at(n));
  const set = (n: string): number[] => op.set(L.at(n));
  const bump = (n: string, by: number): number[] => [...get(n), ...op.i32(by), ...op.add, ...set(n)];
  /** d[k] = h · yp[k] for the pair at byte offset 16k. */
  const pair = (k: number): number[] => [...get('d'), ...get('h'), ...get('yp'), ...op.v128Load(16 * k), ...op.f64x2Mul, ...op.v128Store(16 * k)];
  /** `block … end` left at once when `n >= end`. */
  const unless = (n: string, end: string, body: number[]): number[] => [...op.block, ...get(n), ...get(end), ...op.geS, ...op.brIf(0), ...body, ...op.end];
  /** q[k] += g2 · zp[k] for the pair at byte offset 0. */
  const pairAdd = [...get('q'), ...get('q'), ...op.v128Load(0), ...get('g2'), ...get('zp'), ...op.v128Load(0), ...op.f64x2Mul, ...op.f64x2Add, ...op.v128Store(0)];
  const body = [
    ...get('tab'), ...set('t'),
    ...get('dst'), ...set('d'),
    ...get('count'), ...set('c'),
    ...op.loop, // over the columns
    ...get('t'), ...op.load64Splat(8), ...set('g'),
    ...get('t'), ...op.i32Load(0), ...set('xp'),
    ...get('xp'), ...get('xb'), ...op.add, ...set('xe'),
    ...get('t'), ...op.i32Load(4), ...set('yo'),
    ...get('yo'), ...get('y8b'), ...op.add, ...set('y8e'),
    ...get('yo'), ...get('y2b'), ...op.add, ...set('y2e'),
    ...get('yo'), ...get('yb'), ...op.add, ...set('ye'),
    ...get('d'), ...set('cs'),
    ...op.loop, // over the blocks a: h = g·X[a] in both lanes, then the block h·Y
    ...get('g'), ...get('xp'), ...op.load64Splat(0), ...op.f64x2Mul, ...set('h'),
    ...get('yo'), ...set('yp'),
    ...unless('yp', 'y8e', [...op.loop, ...pair(0), ...pair(1), ...pair(2), ...pair(3), ...bump('d', 64), ...bump('yp', 64), ...get('yp'), ...get('y8e'), ...op.ltS, ...op.brIf(0), ...op.end]),
    ...unless('yp', 'y2e', [...op.loop, ...pair(0), ...bump('d', 16), ...bump('yp', 16), ...get('yp'), ...get('y2e'), ...op.ltS, ...op.brIf(0), ...op.end]),
    ...unless('yp', 'ye', [...get('d'), ...get('h'), ...op.f64x2Lane0, ...get('yp'), ...op.f64Load(0), ...op.f64Mul, ...op.f64Store(0), ...bump('d', 8)]),
    ...bump('xp', 8),
    ...get('xp'), ...get('xe'), ...op.ltS, ...op.brIf(0),
    ...op.end,
    // the block term: Z_c scaled by g2_c added to the block at byte offset cs + t[16]
    ...op.block,
    ...get('t'), ...op.i32Load(16), ...op.tee(L.at('q')), ...op.i32(0), ...op.ltS, ...op.brIf(0),
    ...get('cs'), ...get('q'), ...op.add, ...set('q'),
    ...get('t'), ...op.i32Load(20), ...set('zp'),
    ...get('t'), ...op.load64Splat(24), ...set('g2'),
    ...get('zp'), ...get('y2b'), ...op.add, ...set('z2e'),
    ...get('zp'), ...get('yb'), ...op.add, ...set('ze'),
    ...unless('zp', 'z2e', [...op.loop, ...pairAdd, ...bump('q', 16), ...bump('zp', 16), ...get('zp'), ...get('z2e'), ...op.ltS, ...op.brIf(0), ...op.end]),
    ...unless('zp', 'ze', [...get('q'), ...get('q'), ...op.f64Load(0), ...get('g2'), ...op.f64x2Lane0, ...get('zp'), ...op.f64Load(0), ...op.f64Mul, ...op.f64Add, ...op.f64Store(0)]),
    ...op.end,
    ...bump('t', 32),
    ...get('c'), ...op.i32(1), ...op.sub, ...op.tee(L.at('c')), ...op.brIf(0),
    ...op.end,
  ];
  return assemble([{ name: 'kronCols', locals: L, body }]);
}

type Kernel = (count: number, xb: number, y8b: number, y2b: number, yb: number, tab: number, dst: number) => void;

/** The most bytes the kernel's memory may grow to (factors, table and one chunk). */
const MAX_BYTES = 64 * 2 ** 20;
/** Bytes of one chunk of columns: it stays in the L2 cache between the kernel and the copy. */
const CHUNK_BYTES = 256 * 1024;
const PAGE = 65536;

let state: KernelInstance | null | undefined;

/** The compiled kernel's instance, or null where WebAssembly SIMD is unavailable (compiled on first use). */
function instance(): KernelInstance | null {
  if (state === undefined) {
    const module = compileKernel(kronColumnsModule());
    try {
      state = module && new KernelInstance(module, PAGE, MAX_BYTES);
    } catch {
      state = null;
    }
  }
  return state;
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
 * columns are still in cache. Returns false, writing nothing, where the kernel is unavailable,
 * there is nothing to write, or the vectors and a chunk are over its memory limit.
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
  if (count <= 0 || R === 0) return false;
  const s = instance();
  if (!s) return false;
  const chunk = Math.min(count, Math.max(1, Math.floor(CHUNK_BYTES / (8 * R))));
  // layout in float64 units: X, Y, Z, the table (four units a column), one chunk of columns
  const xAt = 0;
  const yAt = X.length;
  const zAt = yAt + Y.length;
  const tabAt = zAt + (blocks ? blocks.Z.length : 0);
  const dAt = tabAt + 4 * count;
  const bytes = (dAt + chunk * R) * 8;
  if (bytes > MAX_BYTES) return false;
  s.reserve(bytes);
  const { f64, i32 } = s;
  const kernel = s.exports.kronCols as Kernel;
  f64.set(X, xAt);
  f64.set(Y, yAt);
  if (blocks) f64.set(blocks.Z, zAt);
  for (let c = 0; c < count; c++) {
    const e = tabAt + 4 * c;
    i32[2 * e] = (xAt + xo[c]!) * 8;
    i32[2 * e + 1] = (yAt + yo[c]!) * 8;
    f64[e + 1] = g[c]!;
    const b = blocks ? blocks.p[c]! : -1;
    const p = b < xLen ? b : -1;
    i32[2 * e + 4] = p < 0 ? -1 : p * yLen * 8;
    i32[2 * e + 5] = p < 0 ? 0 : (zAt + blocks!.zo[c]!) * 8;
    f64[e + 3] = p < 0 ? 0 : blocks!.g[c]!;
  }
  const yb = 8 * yLen;
  for (let c0 = 0; c0 < count; c0 += chunk) {
    const k = Math.min(chunk, count - c0);
    kernel(k, 8 * xLen, yb & ~63, yb & ~15, yb, (tabAt + 4 * c0) * 8, dAt * 8);
    out.set(f64.subarray(dAt, dAt + k * R), o + c0 * R);
    then(c0, c0 + k);
  }
  return true;
}
