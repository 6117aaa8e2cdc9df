/**
 * The SIMD Kronecker column kernel (src/mat/kron-simd.ts) against the JavaScript column kernel
 * kronWrite, bit for bit, and against the entry formula; the CPU writer with the kernel against
 * the writer without it, against the descriptor's entry formula and against the dense Kronecker
 * product built independently (test/helpers/kron-dense.ts); and the public API with `out` at odd
 * and small n against the closed forms and finite differences.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/mat/mat.js';
import { hessian, jacobian } from '../../src/api.js';
import type { KronTerm } from '../../src/backend/backend.js';
import { writeAssembly } from '../../src/backend/cpu/index.js';
import { blockAdd, kronWrite } from '../../src/mat/columns.js';
import { Mat } from '../../src/mat/index.js';
import { commutation, kron } from '../../src/mat/kron.js';
import { inv } from '../../src/mat/lu.js';
import { matmul } from '../../src/mat/matmul.js';
import { add, scale, transpose } from '../../src/mat/ops.js';
import { kronColumnsModule, kronColumnsSimd } from '../../src/mat/kron-simd.js';
import { describeAssembly, entryValue } from '../../src/plan/assembly.js';
import { materializeKronDense } from '../helpers/kron-dense.js';

/** A small deterministic generator (the library's mulberry32). */
const rng = mulberry32;

/** Random columns of `count` Kronecker products over X and Y, written by the kernel at offset o of a NaN-filled buffer. */
function trialColumns(r: () => number, xLen: number, yLen: number, count: number, o: number) {
  const X = Float64Array.from({ length: xLen * 3 + 5 }, () => r() * 2 - 1);
  const Y = Float64Array.from({ length: yLen * 3 + 5 }, () => r() * 2 - 1);
  const xo = Int32Array.from({ length: count }, () => Math.floor(r() * (X.length - xLen + 1)));
  const yo = Int32Array.from({ length: count }, () => Math.floor(r() * (Y.length - yLen + 1)));
  // scales of every sign, an exact zero and a negative zero among them
  const g = Float64Array.from({ length: count }, (_, c) => (c === 1 ? 0 : c === 2 ? -0 : r() * 6 - 3));
  const R = xLen * yLen;
  const size = o + count * R + 4;
  const out = new Float64Array(size).fill(NaN);
  const chunks: [number, number][] = [];
  const ran = kronColumnsSimd(out, o, X, Y, xLen, yLen, xo, yo, g, count, null, (c0, c1) => chunks.push([c0, c1]));
  return { X, Y, xo, yo, g, R, size, out, chunks, ran };
}

describe('kronColumnsSimd: out[o + c·R + a·yLen + b] = (g_c · X[xo_c + a]) · Y[yo_c + b]', () => {
  it('the module validates and is small enough for a synchronous compile in a browser (< 4 KiB)', () => {
    const bytes = kronColumnsModule();
    expect(WebAssembly.validate(bytes)).toBe(true);
    expect(bytes.length).toBeLessThan(4096);
  });

  it('runs here (Node has WebAssembly SIMD), so the tests below exercise the kernel', () => {
    const out = new Float64Array(4);
    expect(kronColumnsSimd(out, 0, Float64Array.of(2, 3), Float64Array.of(5, 7), 2, 2, Int32Array.of(0), Int32Array.of(0), Float64Array.of(-1), 1, null, () => {})).toBe(true);
    expect(Array.from(out)).toEqual([-10, -14, -15, -21]);
  });

  it('random lengths (every remainder of 8 in yLen), offsets and scales: the values of kronWrite bit for bit, the entries around untouched, every column handed to `then` once, in order', () => {
    const r = rng(7);
    for (let trial = 0; trial < 400; trial++) {
      const xLen = 1 + Math.floor(r() * 12);
      const yLen = 1 + (trial % 27);
      const count = 1 + Math.floor(r() * 9);
      const o = Math.floor(r() * 5);
      const t = trialColumns(r, xLen, yLen, count, o);
      expect(t.ran).toBe(true);
      const want = new Float64Array(t.size).fill(NaN);
      for (let c = 0; c < count; c++) kronWrite(want, o + c * t.R, t.X, t.xo[c]!, xLen, t.Y, t.yo[c]!, yLen, t.g[c]!);
      // Object.is: the signs of zeros agree too
      for (let k = 0; k < t.size; k++) if (!Object.is(t.out[k], want[k])) expect([k, t.out[k]]).toEqual([k, want[k]]);
      for (let c = 0; c < count; c++) {
        for (let a = 0; a < xLen; a++) for (let b = 0; b < yLen; b++) expect(t.out[o + c * t.R + a * yLen + b]).toBe(t.g[c]! * t.X[t.xo[c]! + a]! * t.Y[t.yo[c]! + b]!);
      }
      expect(t.chunks.flat()).toEqual([0, ...t.chunks.slice(1).flatMap(([c0]) => [c0, c0]), count]);
    }
  });

  it('with a block term a column: out[o + c·R + p_c·yLen + b] += g2_c · Z[zo_c + b], the values of kronWrite then blockAdd bit for bit; no block where p_c < 0 or p_c ≥ xLen', () => {
    const r = rng(11);
    for (let trial = 0; trial < 300; trial++) {
      const xLen = 1 + Math.floor(r() * 9);
      const yLen = 1 + (trial % 19);
      const count = 1 + Math.floor(r() * 7);
      const o = Math.floor(r() * 4);
      const X = Float64Array.from({ length: xLen * 2 + 3 }, () => r() * 2 - 1);
      const Y = Float64Array.from({ length: yLen * 2 + 3 }, () => r() * 2 - 1);
      const Z = Float64Array.from({ length: yLen * 3 + 2 }, () => r() * 2 - 1);
      const xo = Int32Array.from({ length: count }, () => Math.floor(r() * (X.length - xLen + 1)));
      const yo = Int32Array.from({ length: count }, () => Math.floor(r() * (Y.length - yLen + 1)));
      const g = Float64Array.from({ length: count }, () => r() * 4 - 2);
      // blocks anywhere in the column, none (negative), past the column (ignored)
      const p = Int32Array.from({ length: count }, (_, c) => (c === 1 ? -1 : c === 2 ? xLen : Math.floor(r() * xLen)));
      const zo = Int32Array.from({ length: count }, () => Math.floor(r() * (Z.length - yLen + 1)));
      const g2 = Float64Array.from({ length: count }, (_, c) => (c === 3 ? 0 : r() * 4 - 2));
      const R = xLen * yLen;
      const size = o + count * R + 3;
      const out = new Float64Array(size).fill(NaN);
      expect(kronColumnsSimd(out, o, X, Y, xLen, yLen, xo, yo, g, count, { Z, p, zo, g: g2 }, () => {})).toBe(true);
      const want = new Float64Array(size).fill(NaN);
      for (let c = 0; c < count; c++) {
        kronWrite(want, o + c * R, X, xo[c]!, xLen, Y, yo[c]!, yLen, g[c]!);
        if (p[c]! >= 0 && p[c]! < xLen) blockAdd(want, o + c * R + p[c]! * yLen, Z, zo[c]!, yLen, g2[c]!);
      }
      for (let k = 0; k < size; k++) if (!Object.is(out[k], want[k])) expect([trial, k, out[k]]).toEqual([trial, k, want[k]]);
    }
  });

  it('columns larger than a chunk (odd lengths): four columns a chunk, the least the four-column kernel takes; every chunk handed over, the values of kronWrite', () => {
    const r = rng(8);
    for (const [xLen, yLen] of [
      [181, 181],
      [256, 129],
    ] as const) {
      const t = trialColumns(r, xLen, yLen, 9, 1);
      expect(t.ran).toBe(true);
      expect(t.chunks).toEqual([
        [0, 4],
        [4, 8],
        [8, 9],
      ]);
      const want = new Float64Array(t.size).fill(NaN);
      for (let c = 0; c < 9; c++) kronWrite(want, 1 + c * t.R, t.X, t.xo[c]!, xLen, t.Y, t.yo[c]!, yLen, t.g[c]!);
      expect(t.out.every((v, k) => Object.is(v, want[k]))).toBe(true);
    }
  });

  it('nothing to write (no columns, an empty column): false, the buffer untouched', () => {
    const out = new Float64Array(3).fill(NaN);
    const X = Float64Array.of(1, 2);
    expect(kronColumnsSimd(out, 0, X, X, 2, 2, new Int32Array(0), new Int32Array(0), new Float64Array(0), 0, null, () => {})).toBe(false);
    expect(kronColumnsSimd(out, 0, X, X, 0, 2, Int32Array.of(0), Int32Array.of(0), Float64Array.of(1), 1, null, () => {})).toBe(false);
    expect(out.every(Number.isNaN)).toBe(true);
  });
});

describe('the writer with the SIMD kernel: the same values as the JavaScript kernels', () => {
  it('a lead Kronecker term, plain or times the commutation (as in inv(X) and the Hessian of logdet), both layouts, a per-column scale, an identity and a second dense term, n not a multiple of 8, random tiles, fresh and NaN-filled', () => {
    const r = rng(9);
    let seed = 60;
    const rnd = (rows: number, cols: number): Mat => Mat.random(rows, cols, { seed: seed++ });
    for (const n of [1, 3, 4, 7, 9, 13, 16]) {
      for (const layout of ['numerator', 'denominator'] as const) {
        for (const transposed of [false, true]) {
          // C scales the columns of a numerator Jacobian, S those of a denominator one: the lead's g
          const scale = layout === 'numerator' ? { C: rnd(n, n), S: null } : { C: null, S: rnd(n, n) };
          const lead: KronTerm = { kind: 'kron', alpha: -0.75, A: rnd(n, n), B: rnd(n, n), ...scale, transposed };
          // an identity term adds to one block of each column (x1 pinned), the SIMD kernel's block term;
          // with a per-column scale holding zeros, where nothing is added
          const ident: KronTerm = { kind: 'kron', alpha: 2, A: rnd(n, n), B: null, C: null, S: null, transposed: false };
          const zeros = rnd(n, n);
          zeros.data.forEach((_, k) => k % 3 === 0 && (zeros.data[k] = 0));
          const scaled: KronTerm = { kind: 'kron', alpha: -0.5, A: rnd(n, n), B: null, ...(layout === 'numerator' ? { C: zeros, S: null } : { C: null, S: zeros }), transposed: false };
          const dense: KronTerm = { kind: 'kron', alpha: 1.25, A: rnd(n, n), B: rnd(n, n), C: null, S: null, transposed: !transposed };
          const shape = { m: n, n, p: n, q: n };
          for (const terms of [[lead], [lead, ident], [lead, scaled], [lead, ident, dense, scaled], [lead, dense, ident]]) {
            const whole = describeAssembly(terms, shape, layout);
            for (let trial = 0; trial < 4; trial++) {
              const col0 = trial === 0 ? 0 : Math.floor(r() * whole.totalCols);
              const count = trial === 0 ? whole.totalCols : 1 + Math.floor(r() * (whole.totalCols - col0));
              const asm = describeAssembly(terms, shape, layout, { cols: { col0, count } });
              const len = asm.rows * count;
              for (const fresh of [true, false]) {
                const buf = (): Float64Array => (fresh ? new Float64Array(len) : new Float64Array(len).fill(NaN));
                const got = writeAssembly(asm, buf(), fresh, null);
                const js = writeAssembly(asm, buf(), fresh, null, false);
                expect(got.every((v, k) => Object.is(v, js[k]))).toBe(true);
                // against the descriptor's formula: every entry up to n = 7, 300 random ones above
                const every = len <= 7 ** 4;
                for (let s = 0; s < (every ? len : 300); s++) {
                  const k = every ? s : Math.floor(r() * len);
                  const row = k % asm.rows;
                  expect(got[k]).toBeCloseTo(entryValue(asm, row, col0 + (k - row) / asm.rows), 13);
                }
              }
            }
          }
        }
      }
    }
  });

  it('the whole Jacobian of one Kronecker term equals the dense α·diag(vec S)(Bᵀ⊗A)diag(vec C), rectangular factors', () => {
    let seed = 90;
    const rnd = (rows: number, cols: number): Mat => Mat.random(rows, cols, { seed: seed++ });
    for (const [m, n, p, q] of [
      [3, 5, 4, 7],
      [6, 2, 9, 3],
      [8, 8, 8, 8],
      [5, 11, 10, 6],
    ] as const) {
      const term: KronTerm = { kind: 'kron', alpha: 1.5, A: rnd(p, m), B: rnd(n, q), C: rnd(m, n), S: null, transposed: false };
      const asm = describeAssembly([term], { m, n, p, q }, 'numerator');
      const got = writeAssembly(asm, new Float64Array(asm.rows * asm.count).fill(NaN), false, null);
      const ref = materializeKronDense(term, { m, n, p, q });
      expect([asm.rows, asm.count]).toEqual([ref.rows, ref.cols]);
      for (let k = 0; k < got.length; k++) expect(got[k]).toBeCloseTo(ref.data[k]!, 13);
    }
  });
});

describe('jacobian and hessian with out (the SIMD writer) against closed forms and finite differences', () => {
  const point = (n: number): Record<string, Mat> => {
    const X = Mat.random(n, n, { seed: 100 + n });
    for (let i = 0; i < n; i++) X.data[i + i * n]! += n;
    return { X, A: Mat.random(n, n, { seed: 200 + n }), B: Mat.random(n, n, { seed: 300 + n }) };
  };
  const close = (got: Mat, want: Mat, tol: number): void => {
    expect([got.rows, got.cols]).toEqual([want.rows, want.cols]);
    const scaleOf = Math.max(1, ...Array.from(want.data, Math.abs));
    for (let k = 0; k < want.size; k++) if (Math.abs(got.data[k]! - want.data[k]!) > tol * scaleOf) expect([k, got.data[k]]).toEqual([k, want.data[k]]);
  };
  for (const n of [1, 5, 8, 13]) {
    it(`n = ${n}: A·X·B is Bᵀ⊗A, inv(X) is −X⁻ᵀ⊗X⁻¹, the Hessian of logdet(X) + tr(XᵀAX) is −K(X⁻ᵀ⊗X⁻¹) + I⊗(A + Aᵀ); each also against finite differences`, async () => {
      const at = point(n);
      const { X, A, B } = at as { X: Mat; A: Mat; B: Mat };
      const Xi = inv(X);
      const buf = (): Mat => new Mat(n * n, n * n, new Float64Array(n ** 4).fill(NaN));
      const cases: [string, boolean, Mat][] = [
        ['A*X*B', false, kron(transpose(B), A)],
        ['inv(X)', false, scale(kron(transpose(Xi), Xi), -1)],
        ["logdet(X) + tr(X'*A*X)", true, add(scale(matmul(commutation(n, n), kron(transpose(Xi), Xi)), -1), kron(Mat.eye(n), add(A, transpose(A))))],
      ];
      for (const [expr, isHessian, closed] of cases) {
        const opts = { wrt: 'X', at, backend: 'cpu' as const, ...(isHessian ? {} : { layout: 'numerator' as const }) };
        const got = isHessian ? await hessian(expr, { ...opts, out: buf() }) : await jacobian(expr, { ...opts, out: buf() });
        close(got, closed, 1e-12);
        const fd = isHessian ? await hessian(expr, { ...opts, method: 'fd' }) : await jacobian(expr, { ...opts, method: 'fd' });
        close(got, fd, 1e-5);
      }
    });
  }
});
