/**
 * Every WebGPU tensor op against the CPU float64 reference backend, on both software adapters
 * (Dawn + SwiftShader, core; Dawn + llvmpipe OpenGL ES, compatibility), on awkward shapes
 * (1, 7, 33, 65, 129, non-square, batch 1 and many, broadcasting). Every output buffer is
 * poisoned with NaN before its kernel runs, so an element a kernel does not write fails the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/backend/backend.js';
import { CpuBackend, type CpuTensor } from '../../src/backend/cpu/index.js';
import type { WebGpuBackend } from '../../src/backend/webgpu/index.js';
import { InvalidArgumentError, ShapeError } from '../../src/errors.js';
import { Mat, commutation, matmul } from '../../src/mat/index.js';
import { getBackend, relFrobenius, type AdapterName } from '../helpers/gpu.js';

const cpu = new CpuBackend();
const rnd = (r: number, c: number, seed: number): Mat => Mat.random(r, c, { seed });
const batchOf = (k: number, r: number, c: number, seed: number): Mat[] => Array.from({ length: k }, (_, t) => rnd(r, c, seed * 101 + t));

/** All entries of a GPU tensor (any batch) in storage order. */
async function readAll(gpu: WebGpuBackend, t: Tensor): Promise<Float32Array> {
  if (t.batch === 1) return (await gpu.read(t)).data as Float32Array;
  const s = gpu.stack(t, false);
  const m = await gpu.read(s);
  gpu.dispose(s);
  return m.data as Float32Array;
}

async function expectMatches(gpu: WebGpuBackend, g: Tensor, c: CpuTensor, tol = 1e-5): Promise<void> {
  expect([g.batch, g.rows, g.cols]).toEqual([c.batch, c.rows, c.cols]);
  const data = await readAll(gpu, g);
  const bad = data.findIndex((v) => Number.isNaN(v));
  expect(bad, `element ${bad} was never written (still NaN poison)`).toBe(-1);
  expect(relFrobenius(data, c.data)).toBeLessThanOrEqual(tol);
}

/** Exact agreement for data-movement ops (entries are float32-rounded copies). */
async function expectExact(gpu: WebGpuBackend, g: Tensor, c: CpuTensor): Promise<void> {
  expect([g.batch, g.rows, g.cols]).toEqual([c.batch, c.rows, c.cols]);
  const data = await readAll(gpu, g);
  const want = Float32Array.from(c.data);
  for (let k = 0; k < want.length; k++) {
    if (!Object.is(data[k], want[k]) && !(data[k] === 0 && want[k] === 0)) {
      throw new Error(`entry ${k}: got ${data[k]}, want ${want[k]}`);
    }
  }
}

const DIMS = [1, 7, 33, 65, 129];

describe.each<AdapterName>(['swiftshader', 'llvmpipe'])('WebGPU ops on %s', (adapter) => {
  let gpu: WebGpuBackend;
  beforeAll(async () => {
    gpu = await getBackend(adapter, { poison: NaN });
  });
  afterAll(() => gpu?.destroy());

  it('reports its adapter and feature level', () => {
    expect(gpu.name).toBe('webgpu');
    expect(gpu.precision).toBe('f32');
    expect(gpu.device).toMatch(adapter === 'swiftshader' ? /swiftshader/i : /mesa|llvmpipe/i);
    expect(gpu.featureLevel).toBe(adapter === 'swiftshader' ? 'core' : 'compatibility');
    expect(gpu.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
  });

  it('upload / read round trip; batch > 1 cannot be read', async () => {
    const X = rnd(7, 3, 1);
    const m = await gpu.read(gpu.upload(X));
    expect(m.data).toBeInstanceOf(Float32Array);
    expect([m.rows, m.cols]).toEqual([7, 3]);
    expect(relFrobenius(m.data, X.data)).toBeLessThan(1e-7);
    await expect(gpu.read(gpu.upload([X, X]))).rejects.toThrow(InvalidArgumentError);
    expect(() => gpu.upload([X, rnd(3, 7, 2)])).toThrow(ShapeError);
  });

  it('matmul: awkward shapes, transposes, batch broadcasting', async () => {
    let seed = 10;
    const cases: [number, number, number][] = [];
    for (const M of DIMS) for (const K of [1, 7, 65]) for (const N of [1, 33, 129]) if (M * K * N <= 129 * 65 * 129) cases.push([M, K, N]);
    cases.push([129, 129, 129], [16, 16, 16], [64, 64, 64], [2, 300, 3]);
    for (const [M, K, N] of cases) {
      for (const [tA, tB] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        if ((tA || tB) && M * K * N > 7 * 65 * 129) continue;
        const A = tA ? rnd(K, M, seed++) : rnd(M, K, seed++);
        const B = tB ? rnd(N, K, seed++) : rnd(K, N, seed++);
        await expectMatches(gpu, gpu.matmul(gpu.upload(A), gpu.upload(B), tA, tB), cpu.matmul(cpu.upload(A), cpu.upload(B), tA, tB));
      }
    }
  });

  it('matmul: batched (many slices, broadcast either side)', async () => {
    for (const [k, M, K, N] of [
      [9, 7, 7, 7],
      [5, 33, 17, 65],
      [40, 3, 2, 5],
    ] as const) {
      const As = batchOf(k, M, K, 3);
      const Bs = batchOf(k, K, N, 4);
      const A1 = rnd(M, K, 5);
      const B1 = rnd(K, N, 6);
      await expectMatches(gpu, gpu.matmul(gpu.upload(As), gpu.upload(Bs)), cpu.matmul(cpu.upload(As), cpu.upload(Bs)));
      await expectMatches(gpu, gpu.matmul(gpu.upload(A1), gpu.upload(Bs)), cpu.matmul(cpu.upload(A1), cpu.upload(Bs)));
      await expectMatches(gpu, gpu.matmul(gpu.upload(As), gpu.upload(B1)), cpu.matmul(cpu.upload(As), cpu.upload(B1)));
      // transposed operands with a batch
      const Ats = batchOf(k, K, M, 7);
      await expectMatches(gpu, gpu.matmul(gpu.upload(Ats), gpu.upload(B1), true, false), cpu.matmul(cpu.upload(Ats), cpu.upload(B1), true, false));
    }
    // the plain kernel agrees too (independent of the CPU backend)
    const A = rnd(33, 7, 8);
    const B = rnd(7, 65, 9);
    const g = await gpu.read(gpu.matmul(gpu.upload(A), gpu.upload(B)));
    expect(relFrobenius(g.data, matmul(A, B).data)).toBeLessThan(1e-5);
    expect(() => gpu.matmul(gpu.upload(A), gpu.upload(A))).toThrow(ShapeError);
    expect(() => gpu.matmul(gpu.upload(batchOf(2, 2, 2, 1)), gpu.upload(batchOf(3, 2, 2, 1)))).toThrow(ShapeError);
  });

  it('elementwise add/sub/mul/div and scale with batch and scalar broadcasting', async () => {
    const shapes: [number, number][] = [
      [1, 1],
      [7, 33],
      [65, 1],
      [1, 129],
    ];
    let seed = 100;
    for (const [r, c] of shapes) {
      const A = rnd(r, c, seed++);
      const B = Mat.random(r, c, { seed: seed++, lo: 0.5, hi: 2 });
      const As = batchOf(4, r, c, seed++);
      const S = Mat.random(1, 1, { seed: seed++, lo: 0.5, hi: 2 });
      const Ss = [S, Mat.scalar(1.5), Mat.scalar(-0.75), Mat.scalar(3)];
      for (const op of ['add', 'sub', 'mul', 'div'] as const) {
        const pairs: [Mat | Mat[], Mat | Mat[]][] = [
          [A, B],
          [As, B],
          [B, As],
          [A, S],
          [S, B],
          [As, Ss],
          [Ss, As],
          [As, As],
        ];
        for (const [x, y] of pairs) {
          await expectMatches(gpu, gpu.elementwise(op, gpu.upload(x), gpu.upload(y)), cpu.elementwise(op, cpu.upload(x), cpu.upload(y)));
        }
      }
      await expectMatches(gpu, gpu.scale(gpu.upload(As), -2.5), cpu.scale(cpu.upload(As), -2.5));
    }
    expect(() => gpu.elementwise('add', gpu.upload(rnd(2, 3, 1)), gpu.upload(rnd(3, 2, 1)))).toThrow(ShapeError);
  });

  it('transpose (batched, tile edges)', async () => {
    let seed = 200;
    for (const r of DIMS) {
      for (const c of [1, 7, 33, 65]) {
        const X = batchOf(r * c > 2000 ? 1 : 3, r, c, seed++);
        await expectExact(gpu, gpu.transpose(gpu.upload(X)), cpu.transpose(cpu.upload(X)));
      }
    }
  });

  it('gather with −1 → 0 (vec/unvec, indexing), batched', async () => {
    const X = batchOf(3, 7, 5, 300);
    const idx = new Int32Array(6 * 4);
    for (let k = 0; k < idx.length; k++) idx[k] = k % 5 === 0 ? -1 : (k * 13) % 35;
    await expectExact(gpu, gpu.gather(gpu.upload(X), idx, 6, 4), cpu.gather(cpu.upload(X), idx, 6, 4));
    const v = Int32Array.from({ length: 35 }, (_, k) => k);
    await expectExact(gpu, gpu.gather(gpu.upload(X[0]!), v, 35, 1), cpu.gather(cpu.upload(X[0]!), v, 35, 1));
    expect(() => gpu.gather(gpu.upload(X), Int32Array.of(35), 1, 1)).toThrow(ShapeError);
  });

  it('concat: block matrices, batched and broadcast blocks', async () => {
    const a = batchOf(3, 7, 5, 1);
    const b = rnd(7, 33, 2);
    const c = batchOf(3, 1, 5, 3);
    const d = batchOf(3, 1, 33, 4);
    const G = (x: Mat | Mat[]): Tensor => gpu.upload(x);
    const C = (x: Mat | Mat[]): Tensor => cpu.upload(x);
    await expectExact(gpu, gpu.concat([[G(a), G(b)], [G(c), G(d)]]), cpu.concat([[C(a), C(b)], [C(c), C(d)]]));
    await expectExact(gpu, gpu.concat([[G(b)], [G(rnd(65, 33, 5))]]), cpu.concat([[C(b)], [C(rnd(65, 33, 5))]]));
    await expectExact(gpu, gpu.concat([[G(rnd(1, 1, 6)), G(rnd(1, 129, 7))]]), cpu.concat([[C(rnd(1, 1, 6)), C(rnd(1, 129, 7))]]));
    expect(() => gpu.concat([[G(a), G(rnd(6, 2, 1))]])).toThrow(ShapeError);
  });

  it('kron per slice (batched, broadcast)', async () => {
    const pairs: [Mat | Mat[], Mat | Mat[]][] = [
      [rnd(3, 2, 1), rnd(4, 5, 2)],
      [rnd(1, 7, 3), rnd(33, 1, 4)],
      [batchOf(3, 2, 3, 5), rnd(7, 2, 6)],
      [rnd(2, 2, 7), batchOf(4, 3, 3, 8)],
      [batchOf(2, 7, 7, 9), batchOf(2, 7, 7, 10)],
    ];
    for (const [x, y] of pairs) await expectMatches(gpu, gpu.kron(gpu.upload(x), gpu.upload(y)), cpu.kron(cpu.upload(x), cpu.upload(y)));
  });

  it('commute: K_mn applied to a batch of vectors as a permutation', async () => {
    for (const [m, n] of [
      [3, 4],
      [7, 1],
      [1, 7],
      [33, 5],
    ] as const) {
      const V = batchOf(2, m * n, 3, m + n);
      const K = commutation(m, n);
      const want = cpu.matmul(cpu.upload(K), cpu.upload(V));
      await expectExact(gpu, gpu.commute(gpu.upload(V), m, n), want);
    }
  });

  it('sumAll per slice (small, multi-stage, batched)', async () => {
    for (const [k, r, c] of [
      [1, 1, 1],
      [3, 7, 33],
      [2, 129, 129],
      [1, 300, 129],
      [70, 1, 5],
    ] as const) {
      const X = batchOf(k, r, c, r + c);
      await expectMatches(gpu, gpu.sumAll(gpu.upload(X)), cpu.sumAll(cpu.upload(X)), 1e-5);
    }
  });

  it('unitBatch and stack (both orientations)', async () => {
    for (const [m, n] of [
      [1, 1],
      [2, 3],
      [7, 5],
      [33, 2],
    ] as const) {
      await expectExact(gpu, gpu.unitBatch(m, n), cpu.unitBatch(m, n));
      const X = batchOf(5, m, n, m * n);
      await expectExact(gpu, gpu.stack(gpu.upload(X), false), cpu.stack(cpu.upload(X), false));
      await expectExact(gpu, gpu.stack(gpu.upload(X), true), cpu.stack(cpu.upload(X), true));
    }
    const I = await gpu.read(gpu.stack(gpu.unitBatch(3, 4), true));
    for (let i = 0; i < 12; i++) for (let j = 0; j < 12; j++) expect(I.get(i, j)).toBe(i === j ? 1 : 0);
  });

  it('a chain of ops is one plan: one readback, intermediates disposed', async () => {
    const A = rnd(33, 33, 1);
    const X = rnd(33, 33, 2);
    const a = gpu.upload(A);
    const x = gpu.upload(X);
    const ax = gpu.matmul(a, x);
    const axt = gpu.transpose(ax);
    gpu.dispose(ax);
    const s = gpu.elementwise('add', axt, gpu.scale(x, 2));
    const r = await gpu.read(s);
    const ca = cpu.upload(A);
    const cx = cpu.upload(X);
    const want = cpu.elementwise('add', cpu.transpose(cpu.matmul(ca, cx)), cpu.scale(cx, 2));
    expect(relFrobenius(r.data, want.data)).toBeLessThan(1e-5);
    expect(() => gpu.transpose(ax)).toThrow(/disposed/);
    expect(() => gpu.transpose(cpu.upload(A))).toThrow(InvalidArgumentError);
  });
});
