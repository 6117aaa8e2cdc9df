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
 * The values are those of kronWrite, bit for bit: the same two products in the same order, each
 * an IEEE float64 product in both. Where the engine lacks WebAssembly SIMD, `kronColumnsSimd`
 * returns false and writes nothing.
 */
import { I32, Locals, V128, assemble, op } from './wasm-asm.js';

/**
 * kronCols(count, xb, y8b, y2b, yb, tab, dst): for each of `count` (≥ 1) columns, a 16-byte entry
 * of the table at `tab` (i32 byte address of X_c, i32 byte address of Y_c, f64 g_c); the column's
 * xLen·yLen entries go to `dst` onwards, the columns one after another. xb = 8·xLen (> 0),
 * yb = 8·yLen, y8b and y2b: yb rounded down to 64 and to 16 bytes (eight and two entries).
 */
function kronColumnsKernel(): Uint8Array<ArrayBuffer> {
  const L = new Locals(['count', 'xb', 'y8b', 'y2b', 'yb', 'tab', 'dst']);
  L.declare(I32, 'c', 't', 'd', 'xp', 'xe', 'yo', 'yp', 'y8e', 'y2e', 'ye');
  L.declare(V128, 'g', 'h');
  const get = (n: string): number[] => op.get(L.at(n));
  const set = (n: string): number[] => op.set(L.at(n));
  const bump = (n: string, by: number): number[] => [...get(n), ...op.i32(by), ...op.add, ...set(n)];
  /** d[k] = h · yp[k] for the pair at byte offset 16k. */
  const pair = (k: number): number[] => [...get('d'), ...get('h'), ...get('yp'), ...op.v128Load(16 * k), ...op.f64x2Mul, ...op.v128Store(16 * k)];
  /** `block … end` left at once when `n >= end`. */
  const unless = (n: string, end: string, body: number[]): number[] => [...op.block, ...get(n), ...get(end), ...op.geS, ...op.brIf(0), ...body, ...op.end];
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
    ...op.loop, // over the blocks a: h = g·X[a] in both lanes, then the block h·Y
    ...get('g'), ...get('xp'), ...op.load64Splat(0), ...op.f64x2Mul, ...set('h'),
    ...get('yo'), ...set('yp'),
    ...unless('yp', 'y8e', [...op.loop, ...pair(0), ...pair(1), ...pair(2), ...pair(3), ...bump('d', 64), ...bump('yp', 64), ...get('yp'), ...get('y8e'), ...op.ltS, ...op.brIf(0), ...op.end]),
    ...unless('yp', 'y2e', [...op.loop, ...pair(0), ...bump('d', 16), ...bump('yp', 16), ...get('yp'), ...get('y2e'), ...op.ltS, ...op.brIf(0), ...op.end]),
    ...unless('yp', 'ye', [...get('d'), ...get('h'), ...op.f64x2Lane0, ...get('yp'), ...op.f64Load(0), ...op.f64Mul, ...op.f64Store(0), ...bump('d', 8)]),
    ...bump('xp', 8),
    ...get('xp'), ...get('xe'), ...op.ltS, ...op.brIf(0),
    ...op.end,
    ...bump('t', 16),
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

let state: { memory: WebAssembly.Memory; kernel: Kernel; f64: Float64Array; i32: Int32Array } | null | undefined;

/** The compiled kernel, or null where WebAssembly SIMD is unavailable (compiled on first use). */
function instance(): typeof state {
  if (state !== undefined) return state;
  state = null;
  try {
    if (typeof WebAssembly !== 'object') return state;
    const bytes = kronColumnsKernel();
    if (!WebAssembly.validate(bytes)) return state;
    const memory = new WebAssembly.Memory({ initial: 1 });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    state = { memory, kernel: inst.exports.kronCols as Kernel, f64: new Float64Array(memory.buffer), i32: new Int32Array(memory.buffer) };
  } catch {
    state = null;
  }
  return state;
}

/**
 * Writes `count` columns (see the file's header) into out[o …], X_c at X[xo[c] …] and Y_c at
 * Y[yo[c] …] (each whole vector within X and Y), and after each chunk of columns [c0, c1) is in
 * `out` calls `then(c0, c1)`, while those columns are still in cache. Returns false, writing
 * nothing, where the kernel is unavailable, there is nothing to write, or X, Y and a chunk are
 * over its memory limit.
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
  then: (c0: number, c1: number) => void,
): boolean {
  const R = xLen * yLen;
  if (count <= 0 || R === 0) return false;
  const s = instance();
  if (!s) return false;
  const chunk = Math.min(count, Math.max(1, Math.floor(CHUNK_BYTES / (8 * R))));
  // layout in float64 units: X, Y, the table (two units a column), one chunk of columns
  const xAt = 0;
  const yAt = X.length;
  const tabAt = yAt + Y.length;
  const dAt = tabAt + 2 * count;
  const bytes = (dAt + chunk * R) * 8;
  if (bytes > MAX_BYTES) return false;
  if (s.memory.buffer.byteLength < bytes) {
    s.memory.grow(Math.ceil((bytes - s.memory.buffer.byteLength) / PAGE));
    s.f64 = new Float64Array(s.memory.buffer);
    s.i32 = new Int32Array(s.memory.buffer);
  }
  const { f64, i32, kernel } = s;
  f64.set(X, xAt);
  f64.set(Y, yAt);
  for (let c = 0; c < count; c++) {
    const e = tabAt + 2 * c;
    i32[2 * e] = (xAt + xo[c]!) * 8;
    i32[2 * e + 1] = (yAt + yo[c]!) * 8;
    f64[e + 1] = g[c]!;
  }
  const yb = 8 * yLen;
  for (let c0 = 0; c0 < count; c0 += chunk) {
    const k = Math.min(chunk, count - c0);
    kernel(k, 8 * xLen, yb & ~63, yb & ~15, yb, (tabAt + 2 * c0) * 8, dAt * 8);
    out.set(f64.subarray(dAt, dAt + k * R), o + c0 * R);
    then(c0, c0 + k);
  }
  return true;
}
