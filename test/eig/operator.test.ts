import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileScalar } from '../../src/api.js';
import type { Backend } from '../../src/backend/backend.js';
import { CpuBackend } from '../../src/backend/cpu/backend.js';
import type { WebGpuBackend } from '../../src/backend/webgpu/index.js';
import { hessianOperator } from '../../src/eig/operator.js';
import { Mat, hessian, resetBackends } from '../../src/index.js';
import { gemm } from '../../src/mat/matmul.js';
import { getSwiftShaderBackend, relFrobenius } from '../helpers/gpu.js';
import { wellConditioned } from '../diff/helpers.js';

/**
 * The matrix-free Hessian operator (linearised gradient, simplified, evaluated on a batch of P
 * seeds) against the dense Hessian from `hessian()` (an independent plan: structured terms or the
 * unsimplified forward-over-reverse batch) times the same random vectors, P = 1, 3, 10.
 */
const n = 6;
const at = {
  X: wellConditioned(n, 21),
  A: Mat.random(n, n, { seed: 22 }),
  B: Mat.random(n, n, { seed: 23 }),
  C: Mat.random(n, n, { seed: 24 }),
  K: Mat.random(n * n, n * n, { seed: 25 }),
};
const FUNCTIONS = [
  "logdet(X) + tr(X'*A*X)",
  "tr(X'*A*X)",
  'logdet(X)',
  'sum(inv(X))',
  'tr(inv(X)*A)',
  'sum(sigmoid(A*X))',
  "norm(X*X')",
  "sum(sum((X*X').^2))",
  "sum(kron(X, A) .* K)",
  "sum(kron(X, X') .* K)",
  "3*tr(X'*A*X) - 2*logdet(X) + tr(X*B*X*C)",
  "sum((A*X - X'*B).^2)",
  "tr(X'*A*X*B)",
];

async function expectProducts(f: string, P: number, b: Backend, tol: number): Promise<void> {
  const H = await hessian(f, { wrt: 'X', at, backend: 'cpu' });
  const N = n * n;
  const c = compileScalar(f, at, 'X', 'test');
  const op = hessianOperator(c.grad, c.fn, c.wrt, c.env, b);
  const V = Mat.random(N, P, { seed: 100 + P }).data as Float64Array;
  const want = gemm(new Float64Array(N * P), H.data as Float64Array, V, N, N, P);
  const before = op.products;
  const got = await op.applyBatch(V, P);
  expect(op.products - before).toBe(P);
  expect(got.length).toBe(N * P);
  expect(relFrobenius(got, want), `${f}, P = ${P}`).toBeLessThanOrEqual(tol);
  if (P === 1) expect(relFrobenius(await op.apply(V), want)).toBeLessThanOrEqual(tol);
}

describe('Hessian operator on the cpu backend: H·V against the dense Hessian', () => {
  const b = new CpuBackend();
  it.each(FUNCTIONS.flatMap((f) => [1, 3, 10].map((P) => [f, P] as const)))('%s, P = %i', async (f, P) => {
    await expectProducts(f, P, b, 1e-12);
  });

  it('primal factors are uploaded by the first product only, and again after dispose', async () => {
    const counting = new CpuBackend();
    let uploads = 0;
    let disposed = 0;
    const upload = counting.upload.bind(counting);
    const dispose = counting.dispose.bind(counting);
    counting.upload = (m) => (uploads++, upload(m));
    counting.dispose = (t) => (disposed++, dispose(t));
    const c = compileScalar(FUNCTIONS[0]!, at, 'X', 'test');
    const op = hessianOperator(c.grad, c.fn, c.wrt, c.env, counting);
    const V = Mat.random(n * n, 3, { seed: 6 }).data as Float64Array;
    const first = await op.applyBatch(V, 3);
    const perFirst = uploads;
    // the seed and (A + Aᵀ), X⁻¹ (read transposed), its negation or the like: more than the seed alone
    expect(perFirst).toBeGreaterThan(1);
    const second = await op.applyBatch(V, 3);
    expect(uploads - perFirst).toBe(1); // the seed only
    expect(second).toEqual(first);
    const before = disposed;
    op.dispose();
    expect(disposed - before).toBe(perFirst - 1);
    const third = await op.applyBatch(V, 3);
    expect(uploads - perFirst - 1).toBe(perFirst);
    expect(third).toEqual(first);
  });

  it('V is left unchanged and each batch gets its own output', async () => {
    const c = compileScalar(FUNCTIONS[0]!, at, 'X', 'test');
    const op = hessianOperator(c.grad, c.fn, c.wrt, c.env, b);
    const V = Mat.random(n * n, 3, { seed: 5 }).data as Float64Array;
    const copy = Float64Array.from(V);
    const r1 = await op.applyBatch(V, 3);
    const keep = Float64Array.from(r1);
    const r2 = await op.applyBatch(V, 3);
    expect(V).toEqual(copy);
    expect(r1).toEqual(keep);
    expect(r2).toEqual(keep);
    expect(r2).not.toBe(r1);
  });
});

describe('Hessian operator on WebGPU (SwiftShader, float32)', () => {
  let gpu: WebGpuBackend;
  beforeAll(async () => {
    gpu = await getSwiftShaderBackend();
  });
  afterAll(() => resetBackends());
  it.each(["logdet(X) + tr(X'*A*X)", 'sum(sigmoid(A*X))', "sum(kron(X, X') .* K)", "3*tr(X'*A*X) - 2*logdet(X) + tr(X*B*X*C)"].flatMap((f) =>
    [1, 3, 10].map((P) => [f, P] as const),
  ))('%s, P = %i', async (f, P) => {
    await expectProducts(f, P, gpu, 1e-4);
  });
});
