/**
 * The paths that write outputs larger than one storage binding: `maxBindingBytes` forces a
 * 4 KiB binding (960 usable floats), so every op below runs as many dispatches over aligned
 * windows of its buffers. Outputs poisoned with NaN; CPU float64 reference. Plus the pure
 * chunk-planning arithmetic.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tensor, Term } from '../../src/backend/backend.js';
import { CpuBackend, type CpuTensor } from '../../src/backend/cpu/index.js';
import { grid2D, planChunks, sizeClass, type WebGpuBackend } from '../../src/backend/webgpu/index.js';
import { TooLargeError } from '../../src/errors.js';
import { Mat } from '../../src/mat/index.js';
import { getBackend, relFrobenius, type AdapterName } from '../helpers/gpu.js';
import { assembleTerms } from '../../src/plan/assembly.js';

const cpu = new CpuBackend();
const rnd = (r: number, c: number, seed: number): Mat => Mat.random(r, c, { seed });
const batchOf = (k: number, r: number, c: number, seed: number): Mat[] => Array.from({ length: k }, (_, t) => rnd(r, c, seed * 31 + t));

describe('chunk planning (pure)', () => {
  it('one chunk when everything fits; slice-aligned or within-slice chunks otherwise', () => {
    expect(planChunks(100, 10, [], 1000)).toEqual([{ e0: 0, e1: 100 }]);
    expect(planChunks(0, 10, [], 1000)).toEqual([]);
    const c = planChunks(100, 10, [{ kind: 'slices', sliceLen: 30, length: 300, what: 'x' }], 95);
    // 3 slices of the input per chunk (90 ≤ 95) → 30 output elements per chunk
    expect(c).toEqual([0, 30, 60, 90].map((e0) => ({ e0, e1: Math.min(100, e0 + 30) })));
    const w = planChunks(250, 125, [], 100);
    expect(w).toEqual([
      { e0: 0, e1: 100 },
      { e0: 100, e1: 125 },
      { e0: 125, e1: 225 },
      { e0: 225, e1: 250 },
    ]);
    expect(() => planChunks(10, 10, [{ kind: 'whole', sliceLen: 500, length: 500, what: 'a big operand' }], 100)).toThrow(TooLargeError);
  });

  it('grids and size classes', () => {
    expect(grid2D(10, 65535)).toEqual([10, 1]);
    const [x, y] = grid2D(200000, 65535);
    expect(x * y).toBeGreaterThanOrEqual(200000);
    expect(x).toBeLessThanOrEqual(65535);
    expect(sizeClass(1, 2 ** 30)).toBe(256);
    expect(sizeClass(1000, 2 ** 30)).toBe(1024);
    expect(sizeClass(100000, 2 ** 30)).toBeGreaterThanOrEqual(100000);
    expect(sizeClass(100000, 2 ** 30)).toBeLessThanOrEqual(131072);
    expect(sizeClass(2 ** 30 - 4, 2 ** 30)).toBeLessThanOrEqual(2 ** 30);
  });
});

describe.each<AdapterName>(['swiftshader', 'llvmpipe'])('outputs larger than one binding on %s (maxBindingBytes = 4 KiB)', (adapter) => {
  let gpu: WebGpuBackend;
  beforeAll(async () => {
    gpu = await getBackend(adapter, { poison: NaN, maxBindingBytes: 4096 });
  });
  afterAll(() => gpu?.destroy());

  async function same(g: Tensor, c: CpuTensor, tol = 1e-5): Promise<void> {
    expect([g.batch, g.rows, g.cols]).toEqual([c.batch, c.rows, c.cols]);
    const s = g.batch === 1 ? g : gpu.stack(g, false);
    const data = (await gpu.read(s)).data;
    const nan = data.findIndex((v) => Number.isNaN(v));
    expect(nan, `entry ${nan} never written`).toBe(-1);
    expect(relFrobenius(data, c.data)).toBeLessThanOrEqual(tol);
  }

  it('binding limit is applied', () => {
    expect(gpu.maxWindowElems).toBe(1024 - gpu.limits.minStorageBufferOffsetAlignment / 4);
  });

  it('assemble: a 36² … 48² Jacobian in ~50 windows, both layouts, with add and column range', async () => {
    const [m, n, p, q] = [6, 6, 8, 6];
    const terms: Term[] = [
      { kind: 'kron', alpha: 1, A: rnd(p, m, 1), B: rnd(n, q, 2), C: rnd(m, n, 3), S: rnd(p, q, 4), transposed: false },
      { kind: 'kron', alpha: -0.5, A: rnd(p, n, 5), B: null, C: null, S: null, transposed: true },
      { kind: 'outer', alpha: 2, U: rnd(p, q, 6), V: rnd(m, n, 7) },
    ];
    for (const layout of ['numerator', 'denominator'] as const) {
      const R = layout === 'numerator' ? p * q : m * n;
      await same(assembleTerms(gpu, terms, { m, n, p, q }, layout), assembleTerms(cpu, terms, { m, n, p, q }, layout), 1e-4);
      const add = rnd(R, 29, 8);
      const cols = { col0: 3, count: 29 };
      await same(assembleTerms(gpu, terms, { m, n, p, q }, layout, { cols, add: gpu.upload(add) }), assembleTerms(cpu, terms, { m, n, p, q }, layout, { cols, add: cpu.upload(add) }), 1e-4);
    }
  });

  it('matmul: batches split by slices, and one slice split by columns', async () => {
    const A = rnd(40, 20, 9);
    const B = rnd(20, 40, 10); // C is 40×40 = 1600 > 960 floats: column ranges
    await same(gpu.matmul(gpu.upload(A), gpu.upload(B)), cpu.matmul(cpu.upload(A), cpu.upload(B)));
    await same(gpu.matmul(gpu.upload(B), gpu.upload(A), true, true), cpu.matmul(cpu.upload(B), cpu.upload(A), true, true));
    const As = batchOf(30, 9, 7, 11);
    const Bs = batchOf(30, 7, 11, 12);
    await same(gpu.matmul(gpu.upload(As), gpu.upload(Bs)), cpu.matmul(cpu.upload(As), cpu.upload(Bs)));
    await same(gpu.matmul(gpu.upload(As[0]!), gpu.upload(Bs)), cpu.matmul(cpu.upload(As[0]!), cpu.upload(Bs)));
    expect(() => gpu.matmul(gpu.upload(rnd(40, 40, 1)), gpu.upload(rnd(40, 1, 1)))).toThrow(TooLargeError);
  });

  it('elementwise, scale, kron, unitBatch, commute, gather, sumAll across windows', async () => {
    const X = batchOf(6, 20, 30, 13);
    const Y = batchOf(6, 20, 30, 14);
    const y1 = rnd(20, 30, 15);
    await same(gpu.elementwise('mul', gpu.upload(X), gpu.upload(Y)), cpu.elementwise('mul', cpu.upload(X), cpu.upload(Y)));
    await same(gpu.elementwise('sub', gpu.upload(X), gpu.upload(y1)), cpu.elementwise('sub', cpu.upload(X), cpu.upload(y1)));
    await same(gpu.elementwise('add', gpu.upload(Mat.scalar(2)), gpu.upload(X)), cpu.elementwise('add', cpu.upload(Mat.scalar(2)), cpu.upload(X)));
    await same(gpu.scale(gpu.upload(X), 3), cpu.scale(cpu.upload(X), 3));
    await same(gpu.kron(gpu.upload(rnd(7, 6, 16)), gpu.upload(rnd(5, 9, 17))), cpu.kron(cpu.upload(rnd(7, 6, 16)), cpu.upload(rnd(5, 9, 17))));
    await same(gpu.kron(gpu.upload(batchOf(4, 3, 4, 18)), gpu.upload(rnd(5, 9, 19))), cpu.kron(cpu.upload(batchOf(4, 3, 4, 18)), cpu.upload(rnd(5, 9, 19))));
    await same(gpu.unitBatch(6, 7), cpu.unitBatch(6, 7));
    const V = batchOf(3, 24, 50, 20);
    await same(gpu.commute(gpu.upload(V), 4, 6), cpu.matmul(cpu.upload(commutationOf(4, 6)), cpu.upload(V)));
    const idx = Int32Array.from({ length: 600 }, (_, k) => (k % 11 === 0 ? -1 : (k * 7) % 600));
    await same(gpu.gather(gpu.upload(X), idx, 30, 20), cpu.gather(cpu.upload(X), idx, 30, 20));
    await same(gpu.sumAll(gpu.upload(batchOf(5, 70, 40, 21))), cpu.sumAll(cpu.upload(batchOf(5, 70, 40, 21))), 1e-5);
  });

  it('transpose and stack (2-D blocks when one slice exceeds a binding), concat', async () => {
    const X = rnd(70, 45, 22); // 3150 floats: 2-D blocks
    await same(gpu.transpose(gpu.upload(X)), cpu.transpose(cpu.upload(X)));
    const Xs = batchOf(9, 13, 17, 23);
    await same(gpu.transpose(gpu.upload(Xs)), cpu.transpose(cpu.upload(Xs)));
    await same(gpu.stack(gpu.upload(Xs), true), cpu.stack(cpu.upload(Xs), true));
    await same(gpu.stack(gpu.upload(Xs), false), cpu.stack(cpu.upload(Xs), false));
    const a = rnd(30, 40, 24);
    const b = rnd(30, 3, 25);
    const c = rnd(12, 40, 26);
    const d = rnd(12, 3, 27);
    const G = (x: Mat): Tensor => gpu.upload(x);
    const C = (x: Mat): CpuTensor => cpu.upload(x);
    await same(gpu.concat([[G(a), G(b)], [G(c), G(d)]]), cpu.concat([[C(a), C(b)], [C(c), C(d)]]));
    const as = batchOf(4, 10, 30, 28);
    await same(gpu.concat([[gpu.upload(as)], [G(rnd(5, 30, 29))]]), cpu.concat([[cpu.upload(as)], [C(rnd(5, 30, 29))]]));
  });
});

function commutationOf(m: number, n: number): Mat {
  const K = Mat.zeros(m * n, m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) K.set(j + i * n, i + j * m, 1);
  return K;
}

describe('small dispatch grids (maxWorkgroupsPerDimension = 8: 2-D grids, split batches and transposes), SwiftShader', () => {
  let gpu: WebGpuBackend;
  beforeAll(async () => {
    gpu = await getBackend('swiftshader', { poison: NaN, tuning: { maxWorkgroupsPerDimension: 8 } });
  });
  afterAll(() => gpu?.destroy());

  async function same(g: Tensor, c: CpuTensor, tol = 1e-5): Promise<void> {
    const s = g.batch === 1 ? g : gpu.stack(g, false);
    const data = (await gpu.read(s)).data;
    expect(data.findIndex((v) => Number.isNaN(v))).toBe(-1);
    expect(relFrobenius(data, c.data)).toBeLessThanOrEqual(tol);
  }

  it('element-parallel kernels, assemble, matmul batches, transposes and reductions', async () => {
    const X = batchOf(6, 20, 30, 31); // 3600 entries: 15 workgroups of 256 → an 8×2 grid
    const Y = batchOf(6, 20, 30, 32);
    await same(gpu.elementwise('div', gpu.upload(X), gpu.upload(Y)), cpu.elementwise('div', cpu.upload(X), cpu.upload(Y)), 1e-4);
    const terms: Term[] = [
      { kind: 'kron', alpha: 1, A: rnd(9, 9, 33), B: rnd(9, 9, 34), C: null, S: null, transposed: false },
      { kind: 'kron', alpha: 1, A: rnd(9, 9, 35), B: null, C: rnd(9, 9, 36), S: null, transposed: true },
    ];
    const shape = { m: 9, n: 9, p: 9, q: 9 };
    for (const layout of ['numerator', 'denominator'] as const) await same(assembleTerms(gpu, terms, shape, layout), assembleTerms(cpu, terms, shape, layout), 1e-4);
    const As = batchOf(20, 5, 6, 37); // 20 slices > 8: split along z
    await same(gpu.matmul(gpu.upload(As), gpu.upload(rnd(6, 7, 38))), cpu.matmul(cpu.upload(As), cpu.upload(rnd(6, 7, 38))));
    const T = rnd(300, 40, 39); // 300 rows > 32·8: transposed in blocks
    await same(gpu.transpose(gpu.upload(T)), cpu.transpose(cpu.upload(T)));
    const Ts = batchOf(12, 3, 5, 40);
    await same(gpu.transpose(gpu.upload(Ts)), cpu.transpose(cpu.upload(Ts)));
    await same(gpu.sumAll(gpu.upload(batchOf(40, 3, 3, 41))), cpu.sumAll(cpu.upload(batchOf(40, 3, 3, 41))));
    await same(gpu.unitBatch(5, 6), cpu.unitBatch(5, 6));
  });
});
