/**
 * The fused Jacobian assembly kernel (shaders/kron_assemble.wgsl) against the CPU float64
 * reference: every combination of null/non-null A, B, C, S, transposed, both layouts, outer
 * terms, many terms fused, column ranges, `add`; relative Frobenius error ≤ 1e-4, outputs
 * poisoned with NaN. Both software adapters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JacobianShape, KronTerm, Layout, OuterTerm, Term } from '../../src/backend/backend.js';
import { CpuBackend } from '../../src/backend/cpu/index.js';
import { materializeKronDense } from '../helpers/kron-dense.js';
import type { WebGpuBackend } from '../../src/backend/webgpu/index.js';
import { InvalidArgumentError, ShapeError } from '../../src/errors.js';
import { Mat, commutation, kron, matmul, transpose } from '../../src/mat/index.js';
import { getBackend, relFrobenius, type AdapterName } from '../helpers/gpu.js';
import { assembleTerms } from '../../src/plan/assembly.js';

const cpu = new CpuBackend();
const LAYOUTS: Layout[] = ['numerator', 'denominator'];

let seedCounter = 1000;
const rnd = (r: number, c: number): Mat => Mat.random(r, c, { seed: seedCounter++ });

/** A random Kron term for X m×n with the given factor presence; returns it with the F shape it implies. */
function kronTerm(m: number, n: number, has: { A: boolean; B: boolean; C: boolean; S: boolean }, transposed: boolean, pq?: [number, number]): { term: KronTerm; p: number; q: number } {
  const ka = transposed ? n : m;
  const kb = transposed ? m : n;
  const p = has.A ? (pq?.[0] ?? 5) : ka;
  const q = has.B ? (pq?.[1] ?? 2) : kb;
  return {
    term: {
      kind: 'kron',
      alpha: 0.5 + (seedCounter % 7) / 4,
      A: has.A ? rnd(p, ka) : null,
      B: has.B ? rnd(kb, q) : null,
      C: has.C ? rnd(ka, kb) : null,
      S: has.S ? rnd(p, q) : null,
      transposed,
    },
    p,
    q,
  };
}

describe.each<AdapterName>(['swiftshader', 'llvmpipe'])('assemble on %s', (adapter) => {
  let gpu: WebGpuBackend;
  beforeAll(async () => {
    gpu = await getBackend(adapter, { poison: NaN });
  });
  afterAll(() => gpu?.destroy());

  async function check(terms: readonly Term[], shape: JacobianShape, layout: Layout, cols?: { col0: number; count: number }, addMat?: Mat): Promise<number> {
    const gOpts = { ...(cols ? { cols } : {}), ...(addMat ? { add: gpu.upload(addMat) } : {}) };
    const cOpts = { ...(cols ? { cols } : {}), ...(addMat ? { add: cpu.upload(addMat) } : {}) };
    const g = assembleTerms(gpu, terms, shape, layout, gOpts);
    const want = assembleTerms(cpu, terms, shape, layout, cOpts);
    expect([g.batch, g.rows, g.cols]).toEqual([1, want.rows, want.cols]);
    const got = await gpu.read(g);
    gpu.dispose(g);
    const nan = got.data.findIndex((v) => Number.isNaN(v));
    expect(nan, `entry ${nan} of the ${layout} Jacobian was never written`).toBe(-1);
    const err = relFrobenius(got.data, want.data);
    expect(err, `${layout} ${JSON.stringify(shape)}`).toBeLessThanOrEqual(1e-4);
    return err;
  }

  it('every combination of null/non-null A, B, C, S × transposed × layout (single term)', async () => {
    const [m, n] = [3, 4];
    for (let mask = 0; mask < 16; mask++) {
      const has = { A: !!(mask & 1), B: !!(mask & 2), C: !!(mask & 4), S: !!(mask & 8) };
      for (const transposed of [false, true]) {
        const { term, p, q } = kronTerm(m, n, has, transposed);
        for (const layout of LAYOUTS) await check([term], { m, n, p, q }, layout);
      }
    }
  });

  it('matches the closed forms: A*X*B → Bᵀ⊗A (numerator), B⊗Aᵀ (denominator); X\' → K_mn', async () => {
    const [m, n, p, q] = [4, 3, 5, 2];
    const A = rnd(p, m);
    const B = rnd(n, q);
    const term: KronTerm = { kind: 'kron', alpha: 1, A, B, C: null, S: null, transposed: false };
    const J = await gpu.read(assembleTerms(gpu, [term], { m, n, p, q }, 'numerator'));
    expect(relFrobenius(J.data, kron(transpose(B), A).data)).toBeLessThan(1e-6);
    const D = await gpu.read(assembleTerms(gpu, [term], { m, n, p, q }, 'denominator'));
    expect(relFrobenius(D.data, kron(B, transpose(A)).data)).toBeLessThan(1e-6);
    const K = await gpu.read(assembleTerms(gpu, [{ kind: 'kron', alpha: 1, A: null, B: null, C: null, S: null, transposed: true }], { m, n, p: n, q: m }, 'numerator'));
    expect(Array.from(K.data)).toEqual(Array.from(commutation(m, n).data));
  });

  it('awkward sizes (1, 7, 33) incl. non-square, transposed and scaled terms', async () => {
    for (const [m, n, pA, qB] of [
      [1, 1, 1, 1],
      [7, 1, 3, 7],
      [1, 7, 7, 1],
      [7, 7, 7, 7],
      [33, 7, 5, 9],
      [7, 33, 33, 3],
    ] as const) {
      for (const transposed of [false, true]) {
        const { term, p, q } = kronTerm(m, n, { A: true, B: true, C: true, S: true }, transposed, [pA, qB]);
        for (const layout of LAYOUTS) await check([term], { m, n, p, q }, layout);
      }
    }
  });

  it('outer terms, alone and mixed with Kron terms', async () => {
    const [m, n, p, q] = [7, 5, 3, 6];
    const U = rnd(p, q);
    const V = rnd(m, n);
    const outer: OuterTerm = { kind: 'outer', alpha: -1.25, U, V };
    const { term } = kronTerm(m, n, { A: true, B: true, C: false, S: true }, false, [p, q]);
    const { term: tT } = kronTerm(m, n, { A: true, B: true, C: true, S: false }, true, [p, q]);
    for (const layout of LAYOUTS) {
      await check([outer], { m, n, p, q }, layout);
      await check([term, outer, tT], { m, n, p, q }, layout);
    }
    // vectors of other orientations (any reshape with pq / mn entries)
    await check([{ kind: 'outer', alpha: 2, U: rnd(1, p * q), V: rnd(m * n, 1) }], { m, n, p, q }, 'numerator');
  });

  it('many terms fused (more than one dispatch worth), incl. the X*X\' pattern with K', async () => {
    const n = 6;
    const X = rnd(n, n);
    // d(XXᵀ) = dX Xᵀ + X dXᵀ  →  J = (X⊗I) + (I⊗X) K_nn
    const xxT: Term[] = [
      { kind: 'kron', alpha: 1, A: null, B: transpose(X), C: null, S: null, transposed: false },
      { kind: 'kron', alpha: 1, A: X, B: null, C: null, S: null, transposed: true },
    ];
    const shape = { m: n, n, p: n, q: n };
    const J = await gpu.read(assembleTerms(gpu, xxT, shape, 'numerator'));
    const I = Mat.eye(n);
    const want = kron(X, I).data.map((v, k) => v + matmul(kron(I, X), commutation(n, n)).data[k]!);
    expect(relFrobenius(J.data, want)).toBeLessThan(1e-5);
    const many: Term[] = [];
    for (let k = 0; k < 19; k++) {
      const mask = (k * 5) % 16;
      const t = kronTerm(n, n, { A: !!(mask & 1), B: !!(mask & 2), C: !!(mask & 4), S: !!(mask & 8) }, k % 3 === 0, [n, n]).term;
      many.push(k % 7 === 6 ? { kind: 'outer', alpha: 0.3, U: rnd(n, n), V: rnd(n, n) } : t);
    }
    for (const layout of LAYOUTS) await check(many, shape, layout);
    // terms agree with their dense materialisation summed
    const dense = many.map((t) => materializeKronDense(t, shape));
    const sum = dense.reduce((acc, D) => acc.map((v, k) => v + D.data[k]!), new Float64Array(n ** 4));
    expect(relFrobenius((await gpu.read(assembleTerms(gpu, many, shape, 'numerator'))).data, sum)).toBeLessThan(1e-4);
  });

  it('column ranges and the add tile, both layouts', async () => {
    const [m, n, p, q] = [5, 7, 6, 3];
    const { term } = kronTerm(m, n, { A: true, B: true, C: true, S: true }, false, [p, q]);
    const { term: t2 } = kronTerm(m, n, { A: true, B: true, C: false, S: false }, true, [p, q]);
    const outer: OuterTerm = { kind: 'outer', alpha: 0.7, U: rnd(p, q), V: rnd(m, n) };
    const terms = [term, t2, outer];
    for (const layout of LAYOUTS) {
      const R = layout === 'numerator' ? p * q : m * n;
      const total = layout === 'numerator' ? m * n : p * q;
      for (const cols of [
        { col0: 0, count: total },
        { col0: 0, count: 1 },
        { col0: 3, count: 7 },
        { col0: total - 2, count: 2 },
      ]) {
        await check(terms, { m, n, p, q }, layout, cols);
        await check(terms, { m, n, p, q }, layout, cols, rnd(R, cols.count));
      }
      // no terms: the add tile alone, and zeros
      await check([], { m, n, p, q }, layout, { col0: 1, count: 4 }, rnd(R, 4));
      await check([], { m, n, p, q }, layout);
      // tiles glue to the whole
      const whole = await gpu.read(assembleTerms(gpu, terms, { m, n, p, q }, layout));
      const a = await gpu.read(assembleTerms(gpu, terms, { m, n, p, q }, layout, { cols: { col0: 0, count: 4 } }));
      const b = await gpu.read(assembleTerms(gpu, terms, { m, n, p, q }, layout, { cols: { col0: 4, count: total - 4 } }));
      expect(Array.from(whole.data)).toEqual([...Array.from(a.data), ...Array.from(b.data)]);
    }
  });

  it('a 20×20 map (400² Jacobian): A*X*B and a transposed scaled term', async () => {
    const n = 20;
    const A = rnd(n, n);
    const B = rnd(n, n);
    const shape = { m: n, n, p: n, q: n };
    const terms: Term[] = [
      { kind: 'kron', alpha: 1, A, B, C: null, S: null, transposed: false },
      { kind: 'kron', alpha: -0.5, A: B, B: A, C: rnd(n, n), S: rnd(n, n), transposed: true },
    ];
    for (const layout of LAYOUTS) await check(terms, shape, layout);
  });

  it('bad input is rejected with clear errors', () => {
    const shape = { m: 3, n: 4, p: 5, q: 2 };
    const bad: KronTerm = { kind: 'kron', alpha: 1, A: rnd(5, 4), B: null, C: null, S: null, transposed: false };
    expect(() => assembleTerms(gpu, [bad], shape, 'numerator')).toThrow(ShapeError);
    expect(() => assembleTerms(gpu, [], shape, 'numerator', { cols: { col0: 10, count: 5 } })).toThrow(InvalidArgumentError);
    expect(() => assembleTerms(gpu, [], shape, 'numerator', { add: gpu.upload(rnd(2, 2)) })).toThrow(ShapeError);
    expect(() => assembleTerms(gpu, [], shape, 'sideways' as Layout)).toThrow(InvalidArgumentError);
    const outer: OuterTerm = { kind: 'outer', alpha: 1, U: rnd(3, 3), V: rnd(3, 4) };
    expect(() => assembleTerms(gpu, [outer], shape, 'numerator')).toThrow(ShapeError);
  });
});

describe('assemble, pipelines specialised on the term structure (the default on hardware adapters), SwiftShader', () => {
  let gpu: WebGpuBackend;
  beforeAll(async () => {
    gpu = await getBackend('swiftshader', { poison: NaN, tuning: { specialize: true } });
  });
  afterAll(() => gpu?.destroy());

  it('single terms, mixed sums, more than 8 terms, both layouts', async () => {
    const [m, n] = [4, 3];
    const sets: Term[][] = [];
    for (const mask of [0, 5, 10, 15]) {
      const has = { A: !!(mask & 1), B: !!(mask & 2), C: !!(mask & 4), S: !!(mask & 8) };
      sets.push([kronTerm(m, n, has, mask % 2 === 1, [n, n]).term]);
    }
    const [p, q] = [5, 2];
    const mixed: Term[] = [];
    for (let k = 0; k < 11; k++) {
      mixed.push(
        k % 4 === 3
          ? { kind: 'outer', alpha: 0.5, U: rnd(p, q), V: rnd(m, n) }
          : kronTerm(m, n, { A: true, B: true, C: k % 2 === 0, S: k % 3 === 0 }, k % 2 === 1, [p, q]).term,
      );
    }
    for (const layout of LAYOUTS) {
      for (const terms of sets) {
        const t = terms[0] as KronTerm;
        const shape = { m, n, p: t.A ? t.A.rows : t.transposed ? n : m, q: t.B ? t.B.cols : t.transposed ? m : n };
        const got = await gpu.read(assembleTerms(gpu, terms, shape, layout));
        expect(relFrobenius(got.data, assembleTerms(cpu, terms, shape, layout).data)).toBeLessThanOrEqual(1e-4);
      }
      const add = rnd(layout === 'numerator' ? p * q : m * n, 5);
      const got = await gpu.read(assembleTerms(gpu, mixed, { m, n, p, q }, layout, { cols: { col0: 2, count: 5 }, add: gpu.upload(add) }));
      const want = assembleTerms(cpu, mixed, { m, n, p, q }, layout, { cols: { col0: 2, count: 5 }, add: cpu.upload(add) });
      expect(got.data.some(Number.isNaN)).toBe(false);
      expect(relFrobenius(got.data, want.data)).toBeLessThanOrEqual(1e-4);
    }
  });
});
