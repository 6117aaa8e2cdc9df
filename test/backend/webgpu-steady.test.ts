/**
 * The steady state of the WebGPU backend: a structured Jacobian repeated with the same shapes (the
 * benchmark loop `runJacobian; sync; dispose`) creates no GPU objects the second time (no buffer,
 * shader module, pipeline or bind group) and makes exactly one writeBuffer (parameters and factors
 * together) and one submit. Counted by wrapping the device's factory methods. Plus the paths
 * around it: factors staged in the upload arena across a submit in the middle of an assemble,
 * factors too large for the arena, a sync with nothing to wait for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JacobianShape, Layout, Term } from '../../src/backend/backend.js';
import { CpuBackend } from '../../src/backend/cpu/index.js';
import type { WebGpuBackend } from '../../src/backend/webgpu/index.js';
import { preparePlan } from '../../src/api.js';
import { Mat } from '../../src/mat/index.js';
import { runJacobian } from '../../src/plan/execute.js';
import { getBackend, getSwiftShaderBackend, relFrobenius, type AdapterName } from '../helpers/gpu.js';
import { assembleTerms } from '../../src/plan/assembly.js';

const cpu = new CpuBackend();
const rnd = (r: number, c: number, seed: number): Mat => Mat.random(r, c, { seed });

const COUNTED = ['createBuffer', 'createShaderModule', 'createComputePipeline', 'createComputePipelineAsync', 'createBindGroup', 'createBindGroupLayout', 'createCommandEncoder'] as const;
const QUEUE_COUNTED = ['writeBuffer', 'submit', 'onSubmittedWorkDone'] as const;
type Counts = Record<(typeof COUNTED)[number] | (typeof QUEUE_COUNTED)[number], number>;

/** Wraps the device's factories and queue methods; `take()` returns the counts since the last take. */
function countCalls(gpu: WebGpuBackend): { take(): Counts } {
  const dev = gpu.gpuDevice as unknown as Record<string, (...a: unknown[]) => unknown>;
  const queue = gpu.gpuDevice.queue as unknown as Record<string, (...a: unknown[]) => unknown>;
  const zero = (): Counts => Object.fromEntries([...COUNTED, ...QUEUE_COUNTED].map((k) => [k, 0])) as Counts;
  let counts = zero();
  const wrap = (obj: Record<string, (...a: unknown[]) => unknown>, name: keyof Counts): void => {
    const orig = obj[name]!.bind(obj);
    obj[name] = (...a: unknown[]) => {
      counts[name]++;
      return orig(...a);
    };
  };
  for (const k of COUNTED) wrap(dev, k);
  for (const k of QUEUE_COUNTED) wrap(queue, k);
  return {
    take(): Counts {
      const c = counts;
      counts = zero();
      return c;
    },
  };
}

/** What a repeated plan of unchanged shapes may do: record, write once, submit once; create nothing else. */
const STEADY: Partial<Counts> = {
  createBuffer: 0,
  createShaderModule: 0,
  createComputePipeline: 0,
  createComputePipelineAsync: 0,
  createBindGroup: 0,
  createBindGroupLayout: 0,
  createCommandEncoder: 1,
  writeBuffer: 1,
  submit: 1,
  onSubmittedWorkDone: 1,
};

function axbTerms(n: number): Term[] {
  return [{ kind: 'kron', alpha: 1, A: rnd(n, n, 1), B: rnd(n, n, 2), C: null, S: null, transposed: false }];
}
/** The two terms of X*X' (X n×n): X⊗I-like and a transposed one. */
function xxtTerms(n: number): Term[] {
  const X = rnd(n, n, 3);
  return [
    { kind: 'kron', alpha: 1, A: X, B: null, C: null, S: null, transposed: true },
    { kind: 'kron', alpha: 1, A: null, B: Mat.fromColumnMajor(n, n, X.data), C: null, S: null, transposed: false },
  ];
}

async function check(gpu: WebGpuBackend, terms: readonly Term[], shape: JacobianShape, layout: Layout): Promise<void> {
  const g = assembleTerms(gpu, terms, shape, layout);
  const got = await gpu.read(g);
  gpu.dispose(g);
  expect(got.data.findIndex((v) => Number.isNaN(v))).toBe(-1);
  expect(relFrobenius(got.data, assembleTerms(cpu, terms, shape, layout).data)).toBeLessThanOrEqual(1e-5);
}

describe.each<[AdapterName, boolean]>([
  ['swiftshader', false],
  ['swiftshader', true],
  ['llvmpipe', false],
])('steady state on %s (specialised pipelines: %s)', (adapter, specialize) => {
  let gpu: WebGpuBackend;
  let calls: { take(): Counts };
  beforeAll(async () => {
    gpu = await getBackend(adapter, { poison: NaN, tuning: { specialize } });
    calls = countCalls(gpu);
  });
  afterAll(() => gpu?.destroy());

  const cases: [string, Term[], JacobianShape, Layout][] = [
    ['A*X*B, denominator', axbTerms(6), { m: 6, n: 6, p: 6, q: 6 }, 'denominator'],
    ["X*X', numerator", xxtTerms(5), { m: 5, n: 5, p: 5, q: 5 }, 'numerator'],
  ];

  it.each(cases)('%s: the second identical assemble creates no buffers, pipelines or bind groups', async (_, terms, shape, layout) => {
    const once = async (): Promise<void> => {
      const out = assembleTerms(gpu, terms, shape, layout);
      await gpu.sync();
      gpu.dispose(out);
    };
    calls.take();
    await once();
    const first = calls.take();
    await once();
    const second = calls.take();
    await once();
    const third = calls.take();
    expect(second).toMatchObject(STEADY);
    expect(third).toMatchObject(STEADY);
    // (the first call is allowed to create; with poison it also fills the output once)
    expect(first.submit).toBe(1);
    await check(gpu, terms, shape, layout);
  });

  it('whole plans through runJacobian (A*X*B, inv(X), sigmoid(A*X)): nothing created on repeat', async () => {
    const n = 5;
    const X = rnd(n, n, 9);
    for (let i = 0; i < n; i++) X.data[i + i * n]! += n;
    const at = { X, A: rnd(n, n, 10), B: rnd(n, n, 11) };
    for (const expr of ['A*X*B', 'inv(X)', 'sigmoid(A*X)']) {
      const { plan, primal } = preparePlan(expr, { wrt: 'X', at, method: 'structured' });
      const once = async (): Promise<void> => {
        const out = runJacobian(plan, gpu, primal());
        await gpu.sync();
        gpu.dispose(out);
      };
      await once();
      calls.take();
      await once();
      expect(calls.take(), expr).toMatchObject({ ...STEADY, createCommandEncoder: 1 });
    }
  });
});

describe('around the steady state (SwiftShader)', () => {
  it('a sync with nothing submitted since the last one makes no round trip', async () => {
    const gpu = await getSwiftShaderBackend();
    const calls = countCalls(gpu);
    const out = assembleTerms(gpu, axbTerms(4), { m: 4, n: 4, p: 4, q: 4 }, 'denominator');
    await gpu.sync();
    calls.take();
    await gpu.sync();
    await gpu.sync();
    expect(calls.take()).toMatchObject({ submit: 0, onSubmittedWorkDone: 0, createCommandEncoder: 0 });
    gpu.dispose(out);
    gpu.destroy();
  });

  it('factors staged in the arena are staged again when a submit falls inside an assemble (flushEvery = 1, tiled)', async () => {
    const gpu = await getSwiftShaderBackend({ poison: NaN, maxBindingBytes: 4096, tuning: { flushEvery: 1 } });
    const calls = countCalls(gpu);
    const [m, n, p, q] = [7, 8, 9, 8];
    const terms: Term[] = [
      { kind: 'kron', alpha: 1, A: rnd(p, m, 1), B: rnd(n, q, 2), C: rnd(m, n, 3), S: rnd(p, q, 4), transposed: false },
      { kind: 'kron', alpha: -0.5, A: rnd(p, n, 5), B: rnd(m, q, 8), C: null, S: null, transposed: true },
      { kind: 'outer', alpha: 2, U: rnd(p, q, 6), V: rnd(m, n, 7) },
    ];
    // 9 terms: two term groups per window, so submits fall between groups and between windows
    // (889 packed floats: within the 960 of one binding)
    for (let k = 0; k < 6; k++) terms.push({ kind: 'kron', alpha: 0.25 * (k + 1), A: rnd(p, m, 20 + k), B: null, C: null, S: null, transposed: false });
    for (const layout of ['numerator', 'denominator'] as const) {
      calls.take();
      const g = assembleTerms(gpu, terms, { m, n, p, q }, layout);
      // (4032 entries in windows of < 1024: ≥ 5 windows × 2 groups, one submit each, plus the poison fills)
      expect(calls.take().submit).toBeGreaterThanOrEqual(10);
      const got = await gpu.read(g);
      gpu.dispose(g);
      expect(got.data.findIndex((v) => Number.isNaN(v))).toBe(-1);
      expect(relFrobenius(got.data, assembleTerms(cpu, terms, { m, n, p, q }, layout).data)).toBeLessThanOrEqual(1e-4);
    }
    gpu.destroy();
  });

  it('factors larger than the arena limit travel in a pooled buffer of their own (maxStagedBytes = 0), still reused', async () => {
    const gpu = await getSwiftShaderBackend({ poison: NaN, tuning: { maxStagedBytes: 0 } });
    const calls = countCalls(gpu);
    const terms = xxtTerms(5);
    const shape = { m: 5, n: 5, p: 5, q: 5 };
    await check(gpu, terms, shape, 'numerator');
    await check(gpu, axbTerms(5), shape, 'denominator');
    const once = async (): Promise<void> => {
      const out = assembleTerms(gpu, terms, shape, 'numerator');
      await gpu.sync();
      gpu.dispose(out);
    };
    await once();
    calls.take();
    await once();
    // the factors' own writeBuffer, and the parameters'
    expect(calls.take()).toMatchObject({ ...STEADY, writeBuffer: 2 });
    gpu.destroy();
  });
});
