/**
 * `out = A·op(B)` by a WebAssembly SIMD kernel (f64x2: two float64 lanes per instruction), where
 * the engine has WebAssembly with 128-bit SIMD (Node ≥ 16.4, every current browser); callers fall
 * back to the JavaScript kernel (matmul.ts) when `gemmSimd` returns false.
 *
 * The kernel keeps a 4×4 block of C in eight f64x2 registers and runs down the inner dimension:
 *   C[i..i+3, j..j+3] += A[i..i+3, p] · B(p, j..j+3),  p = 0..k−1,
 * two 128-bit loads of A's column p, four broadcast loads of B(p, j + c) (read through two strides,
 * so Bᵀ costs nothing) and 16 f64x2 multiply/adds per step: 32 flops for 6 loads, C touched once
 * per block. Blocked over rows (MC) and the inner dimension (KC) as the JavaScript kernel is, so
 * the MC×KC panel of A stays in the L2 cache. The operands are copied into the module's memory
 * (rows and columns padded to multiples of 4; the padding only feeds rows and columns of C that
 * are never copied out): O(n²) copies for O(n³) work.
 * Every entry of C is the sum over p in order 0..k−1 of one product each, whatever m and n are.
 */
import { I32, Locals, V128, assemble, op, type WasmFunction } from './wasm-asm.js';
import type { MatData } from './mat.js';
import { KernelInstance, compileKernel } from './wasm-memory.js';

/** C += A·B for m, n multiples of 4 and k ≥ 1; addresses and strides in bytes (A: column stride lda; B(p, j) at b + p·bsp + j·bsj; C: column stride ldc). */
function kernel4x4(): WasmFunction {
  const L = new Locals(['m', 'n', 'k', 'a', 'lda', 'b', 'bsp', 'bsj', 'c', 'ldc']);
  L.declare(I32, 'j', 'i', 'p', 'bj', 'cj', 'c0', 'c1', 'c2', 'c3', 'ap', 'bp', 'bsj2', 'bsj3');
  L.declare(V128, 'x0', 'x1', 'y', 'r00', 'r01', 'r10', 'r11', 'r20', 'r21', 'r30', 'r31');
  const cols = [0, 1, 2, 3];
  const colAddr = ['c0', 'c1', 'c2', 'c3'];
  const bOff: number[][] = [L.get('bp'), [...L.get('bp'), ...L.get('bsj'), ...op.add], [...L.get('bp'), ...L.get('bsj2'), ...op.add], [...L.get('bp'), ...L.get('bsj3'), ...op.add]];
  const body = [
    ...L.get('bsj'), ...L.get('bsj'), ...op.add, ...L.set('bsj2'),
    ...L.get('bsj2'), ...L.get('bsj'), ...op.add, ...L.set('bsj3'),
    ...op.i32(0), ...L.set('j'),
    ...op.loop, // over column blocks j
    ...L.get('b'), ...L.get('j'), ...L.get('bsj'), ...op.mul, ...op.add, ...L.set('bj'),
    ...L.get('c'), ...L.get('j'), ...L.get('ldc'), ...op.mul, ...op.add, ...L.set('cj'),
    ...op.i32(0), ...L.set('i'),
    ...op.loop, // over row blocks i
    ...L.get('cj'), ...L.get('i'), ...op.i32(8), ...op.mul, ...op.add, ...L.set('c0'),
    ...L.get('c0'), ...L.get('ldc'), ...op.add, ...L.set('c1'),
    ...L.get('c1'), ...L.get('ldc'), ...op.add, ...L.set('c2'),
    ...L.get('c2'), ...L.get('ldc'), ...op.add, ...L.set('c3'),
    ...cols.flatMap((c) => [...L.get(colAddr[c]!), ...op.v128Load(0), ...L.set(`r${c}0`), ...L.get(colAddr[c]!), ...op.v128Load(16), ...L.set(`r${c}1`)]),
    ...L.get('a'), ...L.get('i'), ...op.i32(8), ...op.mul, ...op.add, ...L.set('ap'),
    ...L.get('bj'), ...L.set('bp'),
    ...L.get('k'), ...L.set('p'),
    ...op.loop, // down the inner dimension p
    ...L.get('ap'), ...op.v128Load(0), ...L.set('x0'),
    ...L.get('ap'), ...op.v128Load(16), ...L.set('x1'),
    ...cols.flatMap((c) => [
      ...bOff[c]!, ...op.load64Splat(0), ...L.set('y'),
      ...L.get(`r${c}0`), ...L.get('x0'), ...L.get('y'), ...op.f64x2Mul, ...op.f64x2Add, ...L.set(`r${c}0`),
      ...L.get(`r${c}1`), ...L.get('x1'), ...L.get('y'), ...op.f64x2Mul, ...op.f64x2Add, ...L.set(`r${c}1`),
    ]),
    ...L.get('ap'), ...L.get('lda'), ...op.add, ...L.set('ap'),
    ...L.get('bp'), ...L.get('bsp'), ...op.add, ...L.set('bp'),
    ...L.get('p'), ...op.i32(1), ...op.sub, ...L.tee('p'), ...op.brIf(0),
    ...op.end,
    ...cols.flatMap((c) => [...L.get(colAddr[c]!), ...L.get(`r${c}0`), ...op.v128Store(0), ...L.get(colAddr[c]!), ...L.get(`r${c}1`), ...op.v128Store(16)]),
    ...L.get('i'), ...op.i32(4), ...op.add, ...L.tee('i'), ...L.get('m'), ...op.ltS, ...op.brIf(0),
    ...op.end,
    ...L.get('j'), ...op.i32(4), ...op.add, ...L.tee('j'), ...L.get('n'), ...op.ltS, ...op.brIf(0),
    ...op.end,
  ];
  return { name: 'gemm4x4', locals: L, body };
}

/**
 * Packs `cols` columns of `bytes` bytes each, `stride` bytes apart from `src` on, contiguously
 * from `dst` on (one memory.copy a column): a panel of a matrix whose columns are far apart (the
 * Lanczos basis, N = 9216 rows) becomes one the kernel reads without a new page at every step.
 */
function copyColumns(): WasmFunction {
  const L = new Locals(['dst', 'src', 'bytes', 'cols', 'stride']);
  const body = [
    ...op.block,
    ...L.get('cols'), ...op.i32(1), ...op.ltS, ...op.brIf(0),
    ...op.loop,
    ...L.get('dst'), ...L.get('src'), ...L.get('bytes'), ...op.memoryCopy,
    ...L.get('dst'), ...L.get('bytes'), ...op.add, ...L.set('dst'),
    ...L.get('src'), ...L.get('stride'), ...op.add, ...L.set('src'),
    ...L.get('cols'), ...op.i32(1), ...op.sub, ...L.tee('cols'), ...op.brIf(0),
    ...op.end,
    ...op.end,
  ];
  return { name: 'copyColumns', locals: L, body };
}

/**
 * The module's bytes (under 4 KiB, the most a browser compiles synchronously on its main thread;
 * past it, or without SIMD, the JavaScript kernel runs).
 */
export function kernelModule(): Uint8Array<ArrayBuffer> {
  return assemble([kernel4x4(), copyColumns()]);
}

/** `C += A·B` in the module's memory: m, n multiples of 4, k ≥ 1; addresses and strides in bytes (see kernel4x4). */
export type Kernel = (m: number, n: number, k: number, a: number, lda: number, b: number, bsp: number, bsj: number, c: number, ldc: number) => void;

/** Inner-dimension and row blocks (as in matmul.ts). */
const KC = 256;
const MC = 128;
/** The most bytes the kernel's memory may grow to; larger products stay in JavaScript. */
const MAX_BYTES = 256 * 2 ** 20;
const PAGE = 65536;

let state: KernelInstance | null | undefined;

/** The shared instance of the kernel (its memory starts at 1 MiB), or null where WebAssembly SIMD is unavailable (compiled on first use). */
function instance(): KernelInstance | null {
  if (state === undefined) {
    const module = compileKernel(kernelModule());
    try {
      state = module && new KernelInstance(module, 16 * PAGE, MAX_BYTES);
    } catch {
      state = null;
    }
  }
  return state;
}

const gemm4x4 = (s: KernelInstance): Kernel => s.exports.gemm4x4 as Kernel;

/** Whether this engine runs the SIMD kernel. */
export function simdAvailable(): boolean {
  return instance() !== null;
}

const up4 = (x: number): number => (x + 3) & ~3;

/** Columns of B and C per chunk: B's k×NC and C's m×NC blocks together about 256 KiB, so they stay in L2 next to A. */
const chunkCols = (k: number, mp: number): number => Math.max(4, Math.floor(32768 / (k + mp)) & ~3);

/**
 * `out[oOff …] = op(A)·op(B)`, m×n column-major (leading dimension m): A stored m×k at `a[aOff …]`
 * (k×m when `transA`); B stored k×n at `b[bOff …]` (n×k when `transB`). Returns false (and writes
 * nothing) where the kernel is unavailable or the operands are too large for its memory.
 * A is copied into the kernel's memory once (transposed there when `transA`); B and C travel in
 * chunks of columns, so a wide product A·[B₁ … B_P] keeps its working set in cache.
 */
export function gemmSimd(
  out: Float64Array,
  oOff: number,
  a: MatData,
  aOff: number,
  b: MatData,
  bOff: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
): boolean {
  const s = instance();
  if (!s || m <= 0 || n <= 0 || k <= 0) return false;
  const mp = up4(m);
  const nc = Math.min(up4(n), chunkCols(k, mp));
  // layout in float64 units: A (mp×k), then a chunk of op(B) (k×nc), then a chunk of C (mp×nc)
  const aAt = 0;
  const bAt = mp * k;
  const cAt = bAt + k * nc;
  const bytes = (cAt + mp * nc) * 8;
  if (bytes > MAX_BYTES) return false;
  s.reserve(bytes);
  const f = s.f64;
  const kernel = gemm4x4(s);
  if (transA) {
    // A(i, p) = a[aOff + p + i·k], written with leading dimension mp, in 32×32 tiles
    for (let i0 = 0; i0 < m; i0 += 32) {
      const i1 = Math.min(m, i0 + 32);
      for (let p0 = 0; p0 < k; p0 += 32) {
        const p1 = Math.min(k, p0 + 32);
        for (let i = i0; i < i1; i++) {
          const src = aOff + i * k;
          for (let p = p0; p < p1; p++) f[aAt + i + p * mp] = a[src + p]!;
        }
      }
    }
  } else if (mp === m) f.set(a.subarray(aOff, aOff + m * k), aAt);
  else for (let p = 0; p < k; p++) f.set(a.subarray(aOff + p * m, aOff + (p + 1) * m), aAt + p * mp);
  for (let j0 = 0; j0 < n; j0 += nc) {
    const w = Math.min(nc, n - j0);
    const wp = up4(w);
    let bsp: number;
    let bsj: number;
    if (!transB) {
      // op(B)(p, j) = b[bOff + p + j·k]: the chunk's columns are contiguous (padding columns follow, never read into kept entries)
      f.set(b.subarray(bOff + j0 * k, bOff + (j0 + w) * k), bAt);
      bsp = 1;
      bsj = k;
    } else if (w === n) {
      // one chunk: B as stored (n×k), read through strides, op(B)(p, j) = b[j + p·n]; the padding
      // columns j ≥ n read neighbouring entries of the region into columns of C that are never kept
      f.set(b.subarray(bOff, bOff + n * k), bAt);
      bsp = n;
      bsj = 1;
    } else {
      // op(B)(p, j) = b[bOff + j + p·n]: kept as wp×k
      for (let p = 0; p < k; p++) {
        const src = bOff + j0 + p * n;
        const dst = bAt + p * wp;
        for (let j = 0; j < w; j++) f[dst + j] = b[src + j]!;
      }
      bsp = wp;
      bsj = 1;
    }
    f.fill(0, cAt, cAt + mp * wp);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = Math.min(KC, k - p0);
      for (let i0 = 0; i0 < mp; i0 += MC) {
        const mc = Math.min(MC, mp - i0);
        kernel(mc, wp, kc, (aAt + i0 + p0 * mp) * 8, mp * 8, (bAt + p0 * bsp) * 8, bsp * 8, bsj * 8, (cAt + i0) * 8, mp * 8);
      }
    }
    const o = oOff + j0 * m;
    if (mp === m) out.set(f.subarray(cAt, cAt + m * w), o);
    else for (let j = 0; j < w; j++) out.set(f.subarray(cAt + j * mp, cAt + j * mp + m), o + j * m);
  }
  return true;
}

/**
 * The kernel with a memory of at least `bytes`, for a caller that keeps its operands there
 * (the blocked LU, lu-factor.ts): `f64` views the whole memory from address 0. Null where the
 * kernel is unavailable or `bytes` is over its limit. The view and the contents are the caller's
 * only until its next call here or to `gemmSimd` (which uses the same memory).
 */
export function simdWorkspace(bytes: number): { readonly f64: Float64Array; readonly kernel: Kernel } | null {
  const s = instance();
  if (!s || bytes > MAX_BYTES) return null;
  s.reserve(bytes);
  return { f64: s.f64, kernel: gemm4x4(s) };
}

/** `copyColumns` of the module (addresses, sizes and stride in bytes). */
export type CopyColumns = (dst: number, src: number, bytes: number, cols: number, stride: number) => void;

/**
 * A kernel with a memory of its own of at least `bytes` (never grown, so `f64` stays valid), for a
 * caller that keeps large operands resident there across many products (the Lanczos basis,
 * eig/simd-basis.ts). Null where the kernel is unavailable or `bytes` is over its limit.
 */
export function privateKernel(bytes: number): { readonly f64: Float64Array; readonly kernel: Kernel; readonly copyColumns: CopyColumns } | null {
  const s = instance();
  if (!s || bytes > MAX_BYTES) return null;
  try {
    const k = new KernelInstance(s.module, bytes, bytes);
    return { f64: k.f64, kernel: gemm4x4(k), copyColumns: k.exports.copyColumns as CopyColumns };
  } catch {
    return null;
  }
}
