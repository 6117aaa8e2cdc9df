/**
 * The fused Jacobian assembly kernel (shaders/kron_assemble.wgsl) with pipelines specialised on
 * the terms' structure (the default on hardware adapters; software adapters run the generic one,
 * which the backend contract checks on both, see contract-webgpu.test.ts), against the CPU float64
 * reference; relative Frobenius error ≤ 1e-4, outputs poisoned with NaN.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KronTerm, Layout, Term } from '../../src/backend/backend.js';
import { CpuBackend } from '../../src/backend/cpu/index.js';
import type { WebGpuBackend } from '../../src/backend/webgpu/index.js';
import { Mat } from '../../src/mat/index.js';
import { getBackend, relFrobenius } from '../helpers/gpu.js';
import { assembleTerms } from '../../src/plan/assembly.js';
import { randomKronTerm, type FactorPresence } from '../helpers/terms.js';

const cpu = new CpuBackend();
const LAYOUTS: Layout[] = ['numerator', 'denominator'];

let seedCounter = 1000;
const rnd = (r: number, c: number): Mat => Mat.random(r, c, { seed: seedCounter++ });

/** A random Kron term (see test/helpers/terms.ts), with the F shape it implies. */
function kronTerm(m: number, n: number, has: FactorPresence, transposed: boolean, pq: [number, number]): { term: KronTerm; p: number; q: number } {
  const { term, shape } = randomKronTerm(rnd, m, n, has, transposed, 0.5 + (seedCounter % 7) / 4, pq);
  return { term, p: shape.p, q: shape.q };
}

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
