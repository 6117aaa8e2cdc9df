import { describe, expect, it } from 'vitest';
import { gemmSimd, kernelModule, privateKernel, simdAvailable } from '../../src/mat/gemm-simd.js';
import { Mat } from '../../src/mat/mat.js';
import { gemm, gemmBatch, matmulNaive } from '../../src/mat/matmul.js';
import { transpose } from '../../src/mat/ops.js';
import { sleb, uleb } from '../../src/mat/wasm-asm.js';

/**
 * The WebAssembly SIMD gemm kernel (f64x2) against the textbook triple loop, on shapes that hit
 * every edge: rows and columns not multiples of 4 (padding), more rows than one row block (MC = 128),
 * a longer inner dimension than one block (KC = 256), Bᵀ read through strides, offsets into the output.
 */
describe('WebAssembly assembler encodings', () => {
  it('LEB128 as in the WebAssembly spec examples', () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
  });

  it('the kernel module validates and is small enough for a synchronous compile in a browser (< 4 KiB)', () => {
    const bytes = kernelModule();
    expect(WebAssembly.validate(bytes)).toBe(true);
    expect(bytes.length).toBeLessThan(4096);
  });

  it.runIf(simdAvailable())('copyColumns packs columns a stride apart, contiguously, and touches nothing else', () => {
    const k = privateKernel(4096 * 8)!;
    const f = k.f64;
    for (let i = 0; i < 4096; i++) f[i] = i;
    // 3 columns of 5 entries, 100 entries apart from entry 7 on, to entries 3000… (0 columns: nothing)
    k.copyColumns(3000 * 8, 7 * 8, 5 * 8, 3, 100 * 8);
    k.copyColumns(3500 * 8, 0, 8, 0, 8);
    for (let c = 0; c < 3; c++) for (let r = 0; r < 5; r++) expect(f[3000 + c * 5 + r]).toBe(7 + c * 100 + r);
    for (let i = 0; i < 4096; i++) if (i < 3000 || i >= 3015) expect(f[i]).toBe(i);
  });
});

function relMax(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let e = 0;
  let s = 0;
  for (let i = 0; i < want.length; i++) {
    e = Math.max(e, Math.abs(got[i]! - want[i]!));
    s = Math.max(s, Math.abs(want[i]!));
  }
  return e / Math.max(s, 1e-300);
}

describe('gemmSimd against the triple loop', () => {
  it('runs here (Node ≥ 16.4 has WebAssembly SIMD)', () => {
    expect(simdAvailable()).toBe(true);
  });

  it.each([
    [1, 1, 1],
    [4, 4, 4],
    [5, 7, 3],
    [9, 8, 5],
    [33, 17, 9],
    [96, 96, 96],
    [130, 300, 13],
    [257, 520, 6],
    [12, 600, 40],
    [96, 96, 960],
    [50, 130, 333],
  ])('%i×%i · %i×… (A or Aᵀ, B or Bᵀ, at an offset)', (m, k, n) => {
    const A = Mat.random(m, k, { seed: m + 1 });
    const B = Mat.random(k, n, { seed: k + 2 });
    const want = matmulNaive(A, B).data;
    const Bt = transpose(B);
    const At = transpose(A);
    for (const [a, transA, b, transB] of [
      [A, false, B, false],
      [A, false, Bt, true],
      [At, true, B, false],
      [At, true, Bt, true],
    ] as const) {
      const off = 3;
      const out = new Float64Array(off + m * n + 2).fill(7);
      expect(gemmSimd(out, off, a.data, 0, b.data, 0, m, k, n, transA, transB)).toBe(true);
      expect(relMax(out.subarray(off, off + m * n), want)).toBeLessThanOrEqual(1e-14 * Math.sqrt(k));
      // nothing outside the block is written
      expect([...out.subarray(0, off), ...out.subarray(off + m * n)]).toEqual([7, 7, 7, 7, 7]);
    }
  });

  it('float32 operands, operands at offsets, and repeated calls of different sizes reuse its memory', () => {
    for (const [m, k, n] of [
      [40, 30, 20],
      [8, 8, 4],
      [200, 64, 100],
      [40, 30, 20],
    ] as const) {
      const A = Mat.random(m, k, { seed: 5 });
      const B = Mat.random(k, n, { seed: 6 });
      const a32 = new Float32Array(2 + m * k);
      a32.set(A.data, 2);
      const want = matmulNaive(Mat.fromColumnMajor(m, k, Float64Array.from(a32.subarray(2))), B).data;
      const out = new Float64Array(m * n);
      expect(gemmSimd(out, 0, a32, 2, B.data, 0, m, k, n, false, false)).toBe(true);
      expect(relMax(out, want)).toBeLessThanOrEqual(1e-14 * Math.sqrt(k));
    }
  });

  it('stale NaNs left in the padding by an earlier call never reach the result', () => {
    const [k, n] = [13, 10];
    const nan = new Float64Array(44 * k * 2).fill(NaN);
    gemmSimd(new Float64Array(44 * 12), 0, nan, 0, nan, 0, 44, k, 12, false, false);
    const A = Mat.random(41, k, { seed: 11 });
    const B = Mat.random(k, n, { seed: 12 });
    const out = new Float64Array(41 * n);
    for (const transB of [false, true]) {
      gemmSimd(new Float64Array(44 * 12), 0, nan, 0, nan, 0, 44, k, 12, false, transB);
      gemmSimd(out, 0, A.data, 0, (transB ? transpose(B) : B).data, 0, 41, k, n, false, transB);
      expect(relMax(out, matmulNaive(A, B).data)).toBeLessThanOrEqual(1e-14 * Math.sqrt(k));
    }
  });

  it('an empty product is left to the caller', () => {
    expect(gemmSimd(new Float64Array(0), 0, new Float64Array(0), 0, new Float64Array(0), 0, 0, 3, 0, false, false)).toBe(false);
  });

  it('gemm (matmul.ts) takes the kernel above 8 rows and inner steps and agrees with it bit for bit', () => {
    const [m, k, n] = [24, 16, 10];
    const A = Mat.random(m, k, { seed: 9 });
    const B = Mat.random(k, n, { seed: 10 });
    const viaGemm = gemm(new Float64Array(m * n), A.data, B.data, m, k, n);
    const direct = new Float64Array(m * n);
    gemmSimd(direct, 0, A.data, 0, B.data, 0, m, k, n, false, false);
    expect(viaGemm).toEqual(direct);
  });

  it('gemmBatch through the kernel: a shared factor on either side, each operand transposed or not', () => {
    const [m, k, n, T] = [18, 13, 11, 3];
    const As = Array.from({ length: T }, (_, t) => Mat.random(m, k, { seed: 30 + t }));
    const Bs = Array.from({ length: T }, (_, t) => Mat.random(k, n, { seed: 40 + t }));
    const pack = (ms: Mat[], tr: boolean): Float64Array => {
      const out = new Float64Array(ms.length * ms[0]!.size);
      ms.forEach((M, t) => out.set((tr ? transpose(M) : M).data, t * M.size));
      return out;
    };
    for (const [aBatch, bBatch] of [
      [1, T],
      [T, 1],
      [T, T],
    ] as const) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const out = new Float64Array(T * m * n);
          gemmBatch(out, pack(As.slice(0, aBatch), transA), aBatch, pack(Bs.slice(0, bBatch), transB), bBatch, m, k, n, transA, transB);
          for (let t = 0; t < T; t++) {
            const want = matmulNaive(As[aBatch === 1 ? 0 : t]!, Bs[bBatch === 1 ? 0 : t]!).data;
            expect(relMax(out.subarray(t * m * n, (t + 1) * m * n), want), `batches ${aBatch}/${bBatch}, transA ${transA}, transB ${transB}, slice ${t}`).toBeLessThanOrEqual(1e-14 * Math.sqrt(k));
          }
        }
      }
    }
  });
});
