/**
 * The gpujs backend against the CPU float64 reference (CpuBackend) and against the entry formulas
 * of KronTerm/OuterTerm, in the gpu.js modes that work in Node (webasm, cpu), with the launch
 * tiling forced on small outputs through tiny limits.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JacobianShape, KronTerm, Layout, OuterTerm, Tensor, Term } from '../../src/backend/backend.js';
import { CpuBackend, CpuTensor } from '../../src/backend/cpu/index.js';
import { materializeKronDense } from '../helpers/kron-dense.js';
import { createGpuJsBackend, GpuJsBackend, GpuJsTensor, launchFits, outputTextureSize, planGrid, type GridLimits } from '../../src/backend/gpujs/index.js';
import { BackendUnavailableError, InvalidArgumentError, ShapeError, TooLargeError } from '../../src/errors.js';
import { Mat } from '../../src/mat/mat.js';
import { assembleTerms } from '../../src/plan/assembly.js';

const TOL = 1e-4;
/** Pure data movement: only the float32 rounding of the inputs. */
const EXACT = 1e-7;
const cpu = new CpuBackend();

function relFro(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let num = 0;
  let den = 0;
  for (let k = 0; k < want.length; k++) {
    const d = got[k]! - want[k]!;
    num += d * d;
    den += want[k]! * want[k]!;
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

function expectTensorClose(got: Tensor, want: Tensor, tol = TOL): void {
  expect([got.batch, got.rows, got.cols]).toEqual([want.batch, want.rows, want.cols]);
  expect(got).toBeInstanceOf(GpuJsTensor);
  const g = (got as GpuJsTensor).data;
  expect(g).toBeInstanceOf(Float32Array);
  const e = relFro(g, (want as CpuTensor).data);
  if (!(e <= tol)) throw new Error(`relative Frobenius error ${e} > ${tol} for a ${want.batch}×${want.rows}×${want.cols} result`);
}

let seedCounter = 1;
const rnd = (m: number, n: number): Mat => Mat.random(m, n, { seed: seedCounter++ });
const batchOf = (count: number, m: number, n: number): Mat[] => Array.from({ length: count }, () => rnd(m, n));

/** Uploads the same matrices to both backends. */
function pair(g: GpuJsBackend, mats: Mat[]): [Tensor, Tensor] {
  return [g.upload(mats), cpu.upload(mats)];
}

interface Variant {
  readonly label: string;
  readonly make: () => Promise<GpuJsBackend>;
}

const VARIANTS: Variant[] = [
  { label: 'default (webasm)', make: () => createGpuJsBackend() },
  { label: 'cpu mode', make: () => createGpuJsBackend({ mode: 'cpu' }) },
  // Tiny limits: every op is cut into many launches, folded two-layer launches included.
  { label: 'webasm, tiled', make: () => createGpuJsBackend({ mode: 'webasm', limits: { maxTextureSize: 24, maxOutputElements: 300 } }) },
];

describe('createGpuJsBackend', () => {
  it('starts in Node in webasm mode and says so', async () => {
    const g = await createGpuJsBackend();
    expect(g.name).toBe('gpujs');
    expect(g.precision).toBe('f32');
    expect(g.mode).toBe('webasm');
    expect(g.device).toMatch(/^gpu\.js \(webasm mode, Node\)$/);
    expect(g.limits.maxTextureSize).toBe(Infinity);
    g.destroy();
  });

  it('runs in cpu mode when asked', async () => {
    const g = await createGpuJsBackend({ mode: 'cpu' });
    expect(g.mode).toBe('cpu');
    expect(g.device).toContain('cpu mode');
    g.destroy();
  });

  it("'gpu' mode resolves to what gpu.js picks (webasm in Node without headless-gl)", async () => {
    const g = await createGpuJsBackend({ mode: 'gpu' });
    expect(g.mode).toBe('webasm');
    g.destroy();
  });

  it.each(['headlessgl', 'webgl2', 'webgl'] as const)('mode %s is unavailable in Node: BackendUnavailableError', async (mode) => {
    const err = await createGpuJsBackend({ mode }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as BackendUnavailableError).code).toBe('E_BACKEND_UNAVAILABLE');
    expect((err as BackendUnavailableError).backend).toBe('gpujs');
    expect((err as Error).message).toContain(mode);
  });

  it('asynchronous gpu.js modes are refused, unknown modes are an invalid argument', async () => {
    for (const mode of ['webgpu', 'async', 'dev']) {
      await expect(createGpuJsBackend({ mode: mode as never })).rejects.toBeInstanceOf(BackendUnavailableError);
    }
    await expect(createGpuJsBackend({ mode: 'vulkan' as never })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('a gpu.js that cannot start or computes garbage gives BackendUnavailableError', async () => {
    class Throws {
      constructor() {
        throw new Error('no context');
      }
      createKernel(): never {
        throw new Error('unreachable');
      }
    }
    await expect(createGpuJsBackend({ GPU: Throws as never })).rejects.toBeInstanceOf(BackendUnavailableError);
    class Garbage {
      createKernel() {
        const k = () => [[Float32Array.of(0.5, 0.5), Float32Array.of(0.5, 0.5)]];
        return Object.assign(k, { setOutput: () => k });
      }
    }
    const err = await createGpuJsBackend({ GPU: Garbage as never }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as Error).message).toMatch(/start-up check/);
  });
});

describe('planGrid', () => {
  const limitsArb = fc.record({ maxTextureSize: fc.integer({ min: 4, max: 40 }), maxOutputElements: fc.integer({ min: 8, max: 400 }) });
  it('covers every cell exactly once with launches that fit the limits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 6 }), limitsArb, (X, Y, Z, lim: GridLimits) => {
        if (!launchFits(X, 1, 1, lim)) return; // one column must fit (else TooLargeError)
        const seen = new Uint8Array(Y * Z);
        for (const L of planGrid(X, Y, Z, lim)) {
          expect(L.lx).toBe(X);
          expect(L.lx * L.ly * L.lz).toBeLessThanOrEqual(lim.maxOutputElements);
          const [tw, th] = outputTextureSize(L.lx, L.ly, L.lz);
          expect(Math.max(tw, th)).toBeLessThanOrEqual(lim.maxTextureSize);
          for (let tz = 0; tz < L.lz; tz++) {
            for (let ty = 0; ty < L.ly; ty++) {
              const y = ty + tz * L.cy + L.y0;
              if (y >= L.yEnd) continue;
              const z = tz * L.cz + L.z0;
              expect(y).toBeLessThan(Y);
              expect(z).toBeLessThan(Z);
              seen[y + z * Y]!++;
            }
          }
        }
        expect(Array.from(seen).every((s) => s === 1)).toBe(true);
      }),
      { seed: 7, numRuns: 250 },
    );
  });

  it('one whole launch when the grid fits', () => {
    expect(planGrid(7, 5, 3, { maxTextureSize: Infinity, maxOutputElements: 1 << 24 })).toEqual([{ lx: 7, ly: 5, lz: 3, y0: 0, z0: 0, cy: 0, cz: 1, yEnd: 5 }]);
  });

  it('columns taller than a texture row fold into two layers; a column too tall for any launch is TooLargeError', () => {
    const launches = planGrid(144, 50, 1, { maxTextureSize: 24, maxOutputElements: 300 });
    expect(launches.some((L) => L.lz === 2 && L.cy === L.ly)).toBe(true);
    expect(() => planGrid(1000, 2, 1, { maxTextureSize: 24, maxOutputElements: 300 })).toThrow(TooLargeError);
    // The real WebGL2 defaults (8192 textures, 2^22 cells per launch): a 9216² Jacobian tiles.
    const big = planGrid(9216, 9216, 1, { maxTextureSize: 8192, maxOutputElements: 2 ** 22 });
    expect(big.length).toBeGreaterThan(1);
    for (const L of big) expect(L.lx * L.ly * L.lz).toBeLessThanOrEqual(2 ** 22);
  });
});

describe.each(VARIANTS)('gpujs backend, $label', ({ make }) => {
  let g: GpuJsBackend;
  beforeAll(async () => {
    g = await make();
  });
  afterAll(() => g.destroy());

  it('upload / read round-trip in float32; read rejects a batch', async () => {
    const X = rnd(7, 3);
    const t = g.upload(X);
    expect([t.batch, t.rows, t.cols]).toEqual([1, 7, 3]);
    const back = await g.read(t);
    expect(back.data).toBeInstanceOf(Float32Array);
    expect(relFro(back.data, X.data)).toBeLessThan(1e-7);
    await expect(g.read(g.upload(batchOf(2, 2, 2)))).rejects.toBeInstanceOf(ShapeError);
    expect(() => g.upload([rnd(2, 2), rnd(2, 3)])).toThrow(ShapeError);
    expect(() => g.upload([])).toThrow(InvalidArgumentError);
    expect(() => g.matmul(cpu.upload(X), g.upload(X), true)).toThrow(InvalidArgumentError);
  });

  it('unitBatch', () => {
    for (const [m, n] of [
      [1, 1],
      [2, 3],
      [4, 1],
    ] as const) {
      expectTensorClose(g.unitBatch(m, n), cpu.unitBatch(m, n), 0);
    }
  });

  it('matmul: all transposes, awkward sizes, batch broadcasting', () => {
    const shapes: [number, number, number][] = [
      [1, 1, 1],
      [7, 33, 2],
      [33, 7, 1],
      [2, 1, 33],
      [5, 3, 4],
    ];
    for (const [m, k, n] of shapes) {
      for (const [ba, bb] of [
        [1, 1],
        [3, 3],
        [1, 4],
        [5, 1],
      ] as const) {
        for (const tA of [false, true]) {
          for (const tB of [false, true]) {
            const [ga, ca] = pair(g, batchOf(ba, tA ? k : m, tA ? m : k));
            const [gb, cb] = pair(g, batchOf(bb, tB ? n : k, tB ? k : n));
            expectTensorClose(g.matmul(ga, gb, tA, tB), cpu.matmul(ca, cb, tA, tB));
          }
        }
      }
    }
    expect(() => g.matmul(g.upload(rnd(2, 3)), g.upload(rnd(2, 3)))).toThrow(ShapeError);
    expect(() => g.matmul(g.upload(batchOf(2, 2, 2)), g.upload(batchOf(3, 2, 2)))).toThrow(ShapeError);
  });

  it('matmul: many slices (the batched JVP shape)', () => {
    const [ga, ca] = pair(g, batchOf(1, 6, 5));
    const gu = g.unitBatch(5, 4);
    const cu = cpu.unitBatch(5, 4);
    expectTensorClose(g.matmul(ga, gu), cpu.matmul(ca, cu));
    const [gx, cx] = pair(g, batchOf(40, 3, 3));
    expectTensorClose(g.matmul(gx, gx, false, true), cpu.matmul(cx, cx, false, true));
  });

  it('elementwise: ops, batch broadcast, 1×1 broadcast', () => {
    for (const op of ['add', 'sub', 'mul', 'div'] as const) {
      for (const [ra, ca, rb, cb] of [
        [7, 3, 7, 3],
        [1, 1, 4, 5],
        [33, 2, 1, 1],
        [1, 1, 1, 1],
      ] as const) {
        for (const [ba, bb] of [
          [1, 1],
          [3, 1],
          [1, 2],
          [4, 4],
        ] as const) {
          const A = batchOf(ba, ra, ca);
          // Keep divisors away from zero.
          const B = batchOf(bb, rb, cb).map((M) => (op === 'div' ? new Mat(M.rows, M.cols, M.data.map((v) => (v >= 0 ? v + 0.5 : v - 0.5))) : M));
          const [gA, cA] = pair(g, A);
          const [gB, cB] = pair(g, B);
          expectTensorClose(g.elementwise(op, gA, gB), cpu.elementwise(op, cA, cB));
        }
      }
    }
    expect(() => g.elementwise('add', g.upload(rnd(2, 3)), g.upload(rnd(3, 2)))).toThrow(ShapeError);
    expect(() => g.elementwise('pow' as never, g.upload(rnd(2, 3)), g.upload(rnd(2, 3)))).toThrow(InvalidArgumentError);
  });

  it('scale and transpose', () => {
    for (const [b, r, c] of [
      [1, 1, 1],
      [1, 7, 33],
      [5, 33, 7],
      [3, 1, 4],
    ] as const) {
      const [gA, cA] = pair(g, batchOf(b, r, c));
      expectTensorClose(g.scale(gA, -0.37), cpu.scale(cA, -0.37));
      expectTensorClose(g.scale(gA, 3), cpu.scale(cA, 3));
      expectTensorClose(g.transpose(gA), cpu.transpose(cA));
    }
  });

  it('gather (with -1 holes) and its index checks', () => {
    const [gA, cA] = pair(g, batchOf(3, 4, 5));
    const idx = Int32Array.from({ length: 6 * 7 }, (_, k) => (k % 5 === 3 ? -1 : (k * 7) % 20));
    expectTensorClose(g.gather(gA, idx, 6, 7), cpu.gather(cA, idx, 6, 7));
    const vecT = Int32Array.from({ length: 20 }, (_, k) => (k % 5) * 4 + Math.floor(k / 5)); // transpose as a gather
    expectTensorClose(g.gather(gA, vecT, 5, 4), cpu.transpose(cA));
    expect(() => g.gather(gA, Int32Array.of(20), 1, 1)).toThrow(ShapeError);
    expect(() => g.gather(gA, Int32Array.of(0, 1), 1, 1)).toThrow(ShapeError);
  });

  it('concat: blocks and batch broadcast', () => {
    const a = batchOf(1, 2, 3);
    const b = batchOf(3, 2, 1);
    const c = batchOf(3, 4, 3);
    const d = batchOf(1, 4, 1);
    const G = [a, b, c, d].map((x) => g.upload(x));
    const C = [a, b, c, d].map((x) => cpu.upload(x));
    expectTensorClose(
      g.concat([
        [G[0]!, G[1]!],
        [G[2]!, G[3]!],
      ]),
      cpu.concat([
        [C[0]!, C[1]!],
        [C[2]!, C[3]!],
      ]),
      EXACT,
    );
    expectTensorClose(g.concat([[G[0]!], [G[2]!]]), cpu.concat([[C[0]!], [C[2]!]]), EXACT);
    expect(() => g.concat([[G[0]!, G[2]!]])).toThrow(ShapeError);
  });

  it('kron, batched and broadcast, awkward sizes', () => {
    for (const [ra, ca, rb, cb] of [
      [1, 1, 1, 1],
      [2, 3, 7, 1],
      [1, 7, 3, 2],
      [4, 2, 2, 5],
    ] as const) {
      for (const [ba, bb] of [
        [1, 1],
        [3, 3],
        [1, 2],
        [2, 1],
      ] as const) {
        const [gA, cA] = pair(g, batchOf(ba, ra, ca));
        const [gB, cB] = pair(g, batchOf(bb, rb, cb));
        expectTensorClose(g.kron(gA, gB), cpu.kron(cA, cB));
      }
    }
  });

  it('sumAll and stack', () => {
    for (const [b, r, c] of [
      [1, 1, 1],
      [1, 33, 7],
      [6, 7, 1],
      [2, 1, 33],
      [3, 20, 20],
    ] as const) {
      const [gA, cA] = pair(g, batchOf(b, r, c));
      expectTensorClose(g.sumAll(gA), cpu.sumAll(cA));
      expectTensorClose(g.stack(gA, false), cpu.stack(cA, false), EXACT);
      expectTensorClose(g.stack(gA, true), cpu.stack(cA, true), EXACT);
    }
  });

  describe('assemble', () => {
    const factor = (present: boolean, r: number, c: number): Mat | null => (present ? rnd(r, c) : null);

    /** A Kron term for shape (m, n, p, q) with the chosen factors present. */
    function kronTerm(shape: JacobianShape, transposed: boolean, has: { A: boolean; B: boolean; C: boolean; S: boolean }, alpha = 1.25): KronTerm {
      const { m, n, p, q } = shape;
      const ka = transposed ? n : m;
      const kb = transposed ? m : n;
      return {
        kind: 'kron',
        alpha,
        transposed,
        A: factor(has.A, p, ka),
        B: factor(has.B, kb, q),
        C: factor(has.C, transposed ? n : m, transposed ? m : n),
        S: factor(has.S, p, q),
      };
    }

    const combos: { A: boolean; B: boolean; C: boolean; S: boolean }[] = [];
    for (let bits = 0; bits < 16; bits++) combos.push({ A: !!(bits & 1), B: !!(bits & 2), C: !!(bits & 4), S: !!(bits & 8) });

    async function checkAgainstReference(terms: Term[], shape: JacobianShape, layout: Layout, opts: { col0?: number; count?: number; add?: boolean } = {}): Promise<void> {
      const R = layout === 'numerator' ? shape.p * shape.q : shape.m * shape.n;
      const total = layout === 'numerator' ? shape.m * shape.n : shape.p * shape.q;
      const col0 = opts.col0 ?? 0;
      const count = opts.count ?? total - col0;
      const cols = opts.col0 !== undefined || opts.count !== undefined ? { col0, count } : undefined;
      const addMat = opts.add ? rnd(R, count) : undefined;
      const got = assembleTerms(g, terms, shape, layout, { ...(cols ? { cols } : {}), ...(addMat ? { add: g.upload(addMat) } : {}) });
      const want = assembleTerms(cpu, terms, shape, layout, { ...(cols ? { cols } : {}), ...(addMat ? { add: cpu.upload(addMat) } : {}) });
      expectTensorClose(got, want);
      // And against the dense formula α·diag(vec S)(Bᵀ⊗A)diag(vec C)[K_mn], independent of assembleCpu.
      const dense = terms.map((t) => materializeKronDense(t as KronTerm | OuterTerm, shape));
      const J = new Float64Array(shape.p * shape.q * shape.m * shape.n);
      for (const D of dense) for (let e = 0; e < J.length; e++) J[e]! += D.data[e]!;
      const pq = shape.p * shape.q;
      const mn = shape.m * shape.n;
      const ref = new Float64Array(R * count);
      for (let y = 0; y < count; y++) {
        for (let x = 0; x < R; x++) {
          // numerator: J[x, col0 + y]; denominator: J[col0 + y, x].
          const v = layout === 'numerator' ? J[x + (col0 + y) * pq]! : J[col0 + y + x * pq]!;
          ref[x + y * R] = v + (addMat ? addMat.data[x + y * R]! : 0);
        }
      }
      void mn;
      const e = relFro((await g.read(got)).data, ref);
      if (!(e <= TOL)) throw new Error(`assemble vs dense formula: relative error ${e}`);
    }

    it('every combination of null factors × transposed × layout, one term', async () => {
      for (const transposed of [false, true]) {
        for (const has of combos) {
          // Identity factors pin p (A = I) and q (B = I); otherwise rectangular.
          const m = 3;
          const n = 4;
          const ka = transposed ? n : m;
          const kb = transposed ? m : n;
          const shape = { m, n, p: has.A ? 5 : ka, q: has.B ? 2 : kb };
          const term = kronTerm(shape, transposed, has, -0.75);
          for (const layout of ['numerator', 'denominator'] as const) await checkAgainstReference([term], shape, layout);
        }
      }
    });

    it('outer terms, and sums of mixed terms', async () => {
      const shape = { m: 3, n: 3, p: 3, q: 3 };
      const outer: OuterTerm = { kind: 'outer', alpha: 0.5, U: rnd(3, 3), V: rnd(9, 1) };
      const all: Term[] = [outer];
      for (const transposed of [false, true]) for (const has of combos) all.push(kronTerm(shape, transposed, has, 0.1 + all.length * 0.05));
      for (const layout of ['numerator', 'denominator'] as const) {
        await checkAgainstReference([outer], shape, layout);
        await checkAgainstReference(all, shape, layout);
      }
      const rect = { m: 2, n: 5, p: 7, q: 1 };
      const outer2: OuterTerm = { kind: 'outer', alpha: -2, U: rnd(7, 1), V: rnd(2, 5) };
      const k1 = kronTerm(rect, false, { A: true, B: true, C: true, S: true });
      const k2 = kronTerm(rect, true, { A: true, B: true, C: false, S: true });
      for (const layout of ['numerator', 'denominator'] as const) await checkAgainstReference([outer2, k1, k2], rect, layout);
    });

    it('column ranges and add, both layouts', async () => {
      const shape = { m: 4, n: 3, p: 5, q: 2 };
      const terms: Term[] = [
        kronTerm(shape, false, { A: true, B: true, C: true, S: true }),
        kronTerm(shape, true, { A: true, B: true, C: true, S: false }),
        { kind: 'outer', alpha: 1, U: rnd(5, 2), V: rnd(4, 3) },
      ];
      for (const layout of ['numerator', 'denominator'] as const) {
        const total = layout === 'numerator' ? 12 : 10;
        for (const [col0, count] of [
          [0, total],
          [0, 1],
          [3, 4],
          [total - 1, 1],
          [2, 0],
        ] as const) {
          await checkAgainstReference(terms, shape, layout, { col0, count });
          await checkAgainstReference(terms, shape, layout, { col0, count, add: true });
        }
        await checkAgainstReference(terms, shape, layout, { add: true });
        await checkAgainstReference([], shape, layout, { add: true });
        await checkAgainstReference([], shape, layout, { col0: 1, count: 2 });
      }
    });

    it('a larger structured Jacobian (B⊗Aᵀ of A·X·B, n = 12) in both layouts', async () => {
      const n = 12;
      const shape = { m: n, n, p: n, q: n };
      const term: KronTerm = { kind: 'kron', alpha: 1, A: rnd(n, n), B: rnd(n, n), C: null, S: null, transposed: false };
      for (const layout of ['numerator', 'denominator'] as const) {
        expectTensorClose(assembleTerms(g, [term], shape, layout), assembleTerms(cpu, [term], shape, layout));
        expectTensorClose(assembleTerms(g, [term], shape, layout, { cols: { col0: 17, count: 50 } }), assembleTerms(cpu, [term], shape, layout, { cols: { col0: 17, count: 50 } }));
      }
    });

    it('rejects bad shapes, ranges and adds', () => {
      const shape = { m: 3, n: 4, p: 5, q: 2 };
      const ok = kronTerm(shape, false, { A: true, B: true, C: true, S: true });
      expect(() => assembleTerms(g, [{ ...ok, A: null }], shape, 'numerator')).toThrow(ShapeError);
      expect(() => assembleTerms(g, [{ ...ok, B: null }], shape, 'numerator')).toThrow(ShapeError);
      expect(() => assembleTerms(g, [{ ...ok, C: rnd(4, 3) }], shape, 'numerator')).toThrow(ShapeError);
      expect(() => assembleTerms(g, [{ ...ok, S: rnd(2, 5) }], shape, 'numerator')).toThrow(ShapeError);
      expect(() => assembleTerms(g, [{ kind: 'outer', alpha: 1, U: rnd(3, 3), V: rnd(3, 4) }], shape, 'numerator')).toThrow(ShapeError);
      expect(() => assembleTerms(g, [ok], shape, 'numerator', { cols: { col0: 10, count: 3 } })).toThrow(InvalidArgumentError);
      expect(() => assembleTerms(g, [ok], shape, 'numerator', { add: g.upload(rnd(10, 11)) })).toThrow(ShapeError);
      expect(() => assembleTerms(g, [ok], shape, 'sideways' as never)).toThrow(InvalidArgumentError);
    });
  });
});
