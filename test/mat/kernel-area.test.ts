/**
 * Kernel areas (src/mat/wasm-memory.ts) and `Mat.wasm`: a float64 array in a WebAssembly memory of
 * its own that the SIMD Kronecker kernel (src/mat/kron-simd.ts) stores into in place. Checked
 * against the JavaScript column kernels bit for bit (random lengths, offsets, block terms), at
 * byte addresses past 2³¹ (the kernel's unsigned comparisons), through the public API against
 * an ordinary `out` and the closed forms, and through reused Jacobian tiles.
 */
import { describe, expect, it } from 'vitest';
import { hessian, jacobian, jacobianTiles } from '../../src/api.js';
import { blockAdd, kronWrite } from '../../src/mat/columns.js';
import { kron } from '../../src/mat/kron.js';
import { kronArray, kronColumnsSimd } from '../../src/mat/kron-simd.js';
import { inv } from '../../src/mat/lu.js';
import { Mat, mulberry32 } from '../../src/mat/mat.js';
import { scale, transpose } from '../../src/mat/ops.js';
import { kernelAreaOf, kernelArray } from '../../src/mat/wasm-memory.js';

const rand = (r: () => number, len: number): Float64Array => Float64Array.from({ length: len }, () => r() * 2 - 1);

describe('kernel areas', () => {
  it('a zero-filled array at byte 0 of its memory, the head after it; found from the array and any view of it, not from other arrays', () => {
    const a = kernelArray(1000, 4096)!;
    expect(a.length).toBe(1000);
    expect(a.byteOffset).toBe(0);
    expect(a.every((v) => v === 0)).toBe(true);
    const area = kernelAreaOf(a)!;
    expect(area.head).toBeGreaterThanOrEqual(8000);
    expect(area.head % 64).toBe(0);
    expect(area.head + area.headBytes).toBe(a.buffer.byteLength);
    expect(area.headBytes).toBeGreaterThanOrEqual(4096);
    expect(kernelAreaOf(a.subarray(10, 20))).toBe(area);
    expect(kernelAreaOf(new Float64Array(1000))).toBeNull();
    expect(kernelAreaOf(new Float64Array(new SharedArrayBuffer(64)))).toBeNull();
    // more than a 32-bit memory holds
    expect(kernelArray(2 ** 29, 8)).toBeNull();
  });

  it('the kernel in place: the values of kronWrite (and blockAdd) bit for bit, at any offset and view; the entries around and the rest of the array untouched', () => {
    const r = mulberry32(21);
    for (let trial = 0; trial < 200; trial++) {
      const xLen = 1 + Math.floor(r() * 11);
      const yLen = 1 + (trial % 23);
      const count = 1 + Math.floor(r() * 8);
      const R = xLen * yLen;
      const X = rand(r, 3 * xLen + 2);
      const Y = rand(r, 3 * yLen + 2);
      const Z = rand(r, 2 * yLen + 1);
      const xo = Int32Array.from({ length: count }, () => Math.floor(r() * (X.length - xLen + 1)));
      const yo = Int32Array.from({ length: count }, () => Math.floor(r() * (Y.length - yLen + 1)));
      const g = Float64Array.from({ length: count }, (_, c) => (c === 1 ? -0 : r() * 6 - 3));
      const withBlocks = trial % 2 === 1;
      const p = Int32Array.from({ length: count }, (_, c) => (c === 2 ? -1 : Math.floor(r() * (xLen + 1))));
      const zo = Int32Array.from({ length: count }, () => Math.floor(r() * (Z.length - yLen + 1)));
      const g2 = Float64Array.from({ length: count }, () => r() * 4 - 2);
      const blocks = withBlocks ? { Z, p, zo, g: g2 } : null;
      // out: a view into the middle of a kernel array filled with NaN
      const lead = Math.floor(r() * 5);
      const o = Math.floor(r() * 4);
      const size = o + count * R + 3;
      const whole = kronArray(lead + size + 2, 64)!;
      whole.fill(NaN);
      const out = whole.subarray(lead, lead + size);
      const chunks: number[] = [];
      expect(kronColumnsSimd(out, o, X, Y, xLen, yLen, xo, yo, g, count, blocks, (c0, c1) => chunks.push(c0, c1))).toBe(true);
      const want = new Float64Array(size).fill(NaN);
      for (let c = 0; c < count; c++) {
        kronWrite(want, o + c * R, X, xo[c]!, xLen, Y, yo[c]!, yLen, g[c]!);
        if (withBlocks && p[c]! >= 0 && p[c]! < xLen) blockAdd(want, o + c * R + p[c]! * yLen, Z, zo[c]!, yLen, g2[c]!);
      }
      for (let k = 0; k < size; k++) if (!Object.is(out[k], want[k])) expect([trial, k, out[k]]).toEqual([trial, k, want[k]]);
      expect(whole.subarray(0, lead).every(Number.isNaN) && whole.subarray(lead + size).every(Number.isNaN)).toBe(true);
      expect(chunks[0]).toBe(0);
      expect(chunks[chunks.length - 1]).toBe(count);
    }
  });

  it('columns over 32 KiB (written four at a time, the rest one at a time), with block terms, every count 1–9, in place and copied out: the values of kronWrite and blockAdd bit for bit', () => {
    const r = mulberry32(33);
    for (const [xLen, yLen] of [
      [3, 1501],
      [7, 611],
      [2, 2053],
    ] as const) {
      const R = xLen * yLen;
      expect(8 * R).toBeGreaterThan(32 * 1024);
      for (let count = 1; count <= 9; count++) {
        const X = rand(r, 4 * xLen);
        const Y = rand(r, 3 * yLen);
        const Z = rand(r, 2 * yLen);
        const xo = Int32Array.from({ length: count }, () => Math.floor(r() * (X.length - xLen + 1)));
        const yo = Int32Array.from({ length: count }, () => Math.floor(r() * (Y.length - yLen + 1)));
        const g = Float64Array.from({ length: count }, () => r() * 6 - 3);
        const p = Int32Array.from({ length: count }, (_, c) => (c % 3 === 2 ? -1 : Math.floor(r() * xLen)));
        const zo = Int32Array.from({ length: count }, () => Math.floor(r() * (Z.length - yLen + 1)));
        const g2 = Float64Array.from({ length: count }, () => r() * 4 - 2);
        const o = 1 + (count % 3);
        const size = o + count * R + 2;
        const want = new Float64Array(size).fill(NaN);
        for (let c = 0; c < count; c++) {
          kronWrite(want, o + c * R, X, xo[c]!, xLen, Y, yo[c]!, yLen, g[c]!);
          if (p[c]! >= 0) blockAdd(want, o + c * R + p[c]! * yLen, Z, zo[c]!, yLen, g2[c]!);
        }
        for (const out of [kronArray(size, 8)!.fill(NaN), new Float64Array(size).fill(NaN)]) {
          expect(kronColumnsSimd(out, o, X, Y, xLen, yLen, xo, yo, g, count, { Z, p, zo, g: g2 }, () => {})).toBe(true);
          for (let k = 0; k < size; k++) if (!Object.is(out[k], want[k])) expect([xLen, count, k, out[k]]).toEqual([xLen, count, k, want[k]]);
        }
      }
    }
  });

  it('refuses (false, nothing written: the writer then takes the JavaScript kernels) a view reaching into the head, and factors larger than the head', () => {
    const a = kronArray(64, 4)!;
    const area = kernelAreaOf(a)!;
    const X = Float64Array.of(1, 2);
    const one = [Int32Array.of(0), Int32Array.of(0), Float64Array.of(3)] as const;
    const all = new Float64Array(a.buffer, 0, area.head / 8 + 4).fill(NaN);
    expect(kronColumnsSimd(all, area.head / 8 - 2, X, X, 2, 2, ...one, 1, null, () => {})).toBe(false);
    expect(all.every(Number.isNaN)).toBe(true);
    const big = new Float64Array(area.headBytes / 8);
    const out = a.fill(NaN);
    expect(kronColumnsSimd(out, 0, big, X, 2, 2, ...one, 1, null, () => {})).toBe(false);
    expect(out.every(Number.isNaN)).toBe(true);
  });

  it('byte addresses past 2³¹ (2.1 GB arrays, touched only where written): factors straddling 2³¹, and output columns above it; the same values', () => {
    // len 2²⁸ − 8: the head (X first) starts 64 bytes below 2³¹, so X_c runs across it;
    // len 2²⁸ + 2²⁰: the columns written lie above 2³¹
    for (const len of [2 ** 28 - 8, 2 ** 28 + 2 ** 20]) {
      const a = kernelArray(len, 1 << 16);
      if (a === null) throw new Error('could not reserve a 2.1 GB WebAssembly memory here');
      const r = mulberry32(5);
      const xLen = 5;
      const yLen = 13;
      const count = 4;
      const X = rand(r, 20);
      const Y = rand(r, 40);
      const xo = Int32Array.of(0, 3, 7, 15);
      const yo = Int32Array.of(1, 0, 20, 27);
      const g = Float64Array.of(1, -2, 0.5, 3);
      const o = len - count * xLen * yLen - 7;
      a.fill(NaN, o - 4, len);
      expect(kronColumnsSimd(a, o, X, Y, xLen, yLen, xo, yo, g, count, null, () => {})).toBe(true);
      const want = new Float64Array(len - o + 4).fill(NaN);
      for (let c = 0; c < count; c++) kronWrite(want, 4 + c * xLen * yLen, X, xo[c]!, xLen, Y, yo[c]!, yLen, g[c]!);
      expect(Array.from(a.subarray(o - 4))).toEqual(Array.from(want));
    }
    expect(kernelAreaOf(kernelArray(2 ** 28 - 8, 8)!)!.head).toBe(2 ** 31 - 64);
  });
});

describe('Mat.wasm as out', () => {
  const n = 7;
  const X = Mat.random(n, n, { seed: 3 });
  for (let i = 0; i < n; i++) X.data[i + i * n]! += n;
  const A = Mat.random(n, n, { seed: 4 });
  const B = Mat.random(n, n, { seed: 5 });
  const at = { X, A, B };

  it('a zero matrix in a kernel area; invalid sizes are refused like Mat.zeros', () => {
    const M = Mat.wasm(6, 4);
    expect([M.rows, M.cols, M.data.length]).toEqual([6, 4, 24]);
    expect(M.data.every((v) => v === 0)).toBe(true);
    expect(kernelAreaOf(M.data as Float64Array)).not.toBeNull();
    expect(Mat.wasm(5).cols).toBe(5);
    expect(() => Mat.wasm(-1, 2)).toThrow(/Mat.wasm: dimensions must be non-negative integers/);
  });

  it('every bench map, both layouts, over garbage: the same matrix bit for bit as with a Float64Array out, written in place', async () => {
    const maps = [
      ['A*X*B', false],
      ["X*X'", false],
      ['inv(X)', false],
      ['sigmoid(A*X)', false],
      ["logdet(X) + tr(X'*A*X)", true],
    ] as const;
    for (const [expr, isHessian] of maps) {
      for (const layout of ['numerator', 'denominator'] as const) {
        const plain = new Float64Array(n ** 4).fill(NaN);
        const W = Mat.wasm(n * n, n * n);
        W.data.fill(NaN);
        const opts = { wrt: 'X', at, backend: 'cpu' as const, layout };
        const P = isHessian ? await hessian(expr, { ...opts, out: plain }) : await jacobian(expr, { ...opts, out: plain });
        const Q = isHessian ? await hessian(expr, { ...opts, out: W }) : await jacobian(expr, { ...opts, out: W });
        expect(Q.data).toBe(W.data);
        for (let k = 0; k < plain.length; k++) if (!Object.is(P.data[k], Q.data[k])) expect([expr, layout, k, Q.data[k]]).toEqual([expr, layout, k, P.data[k]]);
      }
    }
  });

  it('an input anywhere in the memory of a Mat.wasm out (the writer keeps its factors past the matrix) is refused by name', async () => {
    const W = Mat.wasm(n * n, n * n);
    const inHead = new Mat(n, n, new Float64Array(W.data.buffer, W.data.byteLength + 64 * 1024, n * n));
    inHead.data.set(X.data);
    await expect(jacobian('A*X*B', { wrt: 'X', at: { ...at, X: inHead }, backend: 'cpu', out: W })).rejects.toThrow(/out shares memory with the value of 'X' \(out is a Mat.wasm/);
    expect(Array.from(inHead.data)).toEqual(Array.from(X.data));
  });

  it('against the closed forms: A*X*B → Bᵀ⊗A (numerator), inv(X) → −X⁻ᵀ⊗X⁻¹ (numerator)', async () => {
    const W = Mat.wasm(n * n, n * n);
    const J = await jacobian('A*X*B', { wrt: 'X', at, backend: 'cpu', layout: 'numerator', out: W });
    const K = kron(transpose(B), A);
    for (let k = 0; k < K.data.length; k++) expect(J.data[k]).toBeCloseTo(K.data[k]!, 12);
    const Xi = inv(X);
    const Ji = await jacobian('inv(X)', { wrt: 'X', at, backend: 'cpu', layout: 'numerator', out: W });
    const Ki = scale(kron(transpose(Xi), Xi), -1);
    for (let k = 0; k < Ki.data.length; k++) expect(Math.abs(Ji.data[k]! - Ki.data[k]!)).toBeLessThan(1e-12);
  });

  it('reused Jacobian tiles live in a kernel area and hold the columns of the whole Jacobian', async () => {
    const J = await jacobian('A*X*B', { wrt: 'X', at, backend: 'cpu' });
    let col = 0;
    for await (const { col0, count, tile } of jacobianTiles('A*X*B', { wrt: 'X', at, backend: 'cpu', tileCols: 10, reuse: true })) {
      expect(kernelAreaOf(tile.data as Float64Array)).not.toBeNull();
      expect(col0).toBe(col);
      expect(Array.from(tile.data)).toEqual(Array.from(J.data.subarray(col0 * J.rows, (col0 + count) * J.rows)));
      col += count;
    }
    expect(col).toBe(n * n);
  });
});
