/**
 * The `out` option of jacobian and hessian: the result written into the caller's buffer (same
 * values as without it, every method and layout), returned as that Mat, reused across calls; and
 * a typed error for every wrong `out`.
 */
import { describe, expect, it } from 'vitest';
import { hessian, jacobian, grad, Mat, MatjacError } from '../../src/index.js';

const at = (n: number, seed: number): Record<string, Mat> => {
  const X = Mat.random(n, n, { seed });
  for (let i = 0; i < n; i++) X.data[i + i * n]! += n;
  return { X, A: Mat.random(n, n, { seed: seed + 1 }), B: Mat.random(n, n, { seed: seed + 2 }) };
};

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    expect(e).toBeInstanceOf(MatjacError);
    return (e as MatjacError).code;
  }
}

describe('out: the result in the caller’s buffer', () => {
  for (const expr of ['A*X*B', "X*X'", 'inv(X)', 'sigmoid(A*X) + X', "X'*A"])
    for (const layout of ['denominator', 'numerator'] as const)
      for (const method of ['structured', 'forward', 'reverse', 'fd'] as const) {
        it(`${expr}, ${layout}, ${method}: same values, the same Mat returned, every entry overwritten`, async () => {
          const vals = at(5, 3);
          const want = await jacobian(expr, { wrt: 'X', at: vals, layout, method, backend: 'cpu' });
          const out = new Mat(want.rows, want.cols, new Float64Array(want.size).fill(NaN));
          const got = await jacobian(expr, { wrt: 'X', at: vals, layout, method, backend: 'cpu', out });
          expect(got).toBe(out);
          expect(Array.from(out.data)).toEqual(Array.from(want.data));
        });
      }

  it('one buffer reused across calls at different points (never accumulated), and a bare Float64Array', async () => {
    const buf = new Float64Array(36 * 36);
    for (const seed of [1, 2, 3]) {
      const vals = at(6, seed);
      const want = await jacobian('A*X*B + inv(X)', { wrt: 'X', at: vals, backend: 'cpu' });
      const got = await jacobian('A*X*B + inv(X)', { wrt: 'X', at: vals, out: buf });
      expect(got.data).toBe(buf);
      expect([got.rows, got.cols]).toEqual([36, 36]);
      expect(Array.from(buf)).toEqual(Array.from(want.data));
    }
  });

  it('hessian into out; a float64 out under backend auto runs on the CPU', async () => {
    const vals = at(4, 7);
    const f = "logdet(X) + tr(X'*A*X)";
    const want = await hessian(f, { wrt: 'X', at: vals, backend: 'cpu' });
    const out = Mat.zeros(16, 16);
    let ran = '';
    const got = await hessian(f, { wrt: 'X', at: vals, out, onReport: (r) => (ran = r.backend) });
    expect(got).toBe(out);
    expect(ran).toBe('cpu');
    expect(Array.from(out.data)).toEqual(Array.from(want.data));
  });

  it('a float32 out on gpu.js (its dtype) gets the float32 result', async () => {
    const vals = at(3, 9);
    const want = await jacobian('A*X*B', { wrt: 'X', at: vals, backend: 'cpu' });
    const out = new Float32Array(81);
    const got = await jacobian('A*X*B', { wrt: 'X', at: vals, backend: 'gpujs', out });
    expect(got.data).toBe(out);
    for (let i = 0; i < 81; i++) expect(out[i]).toBeCloseTo(want.data[i]!, 4);
  });

  it('typed errors for a wrong out', async () => {
    const vals = at(3, 5);
    const o = { wrt: 'X', at: vals, backend: 'cpu' as const };
    expect(await code(jacobian('A*X*B', { ...o, out: Mat.zeros(9, 8) }))).toBe('E_SHAPE');
    expect(await code(jacobian('A*X*B', { ...o, out: new Float64Array(80) }))).toBe('E_SHAPE');
    expect(await code(jacobian('A*X*B', { ...o, layout: 'numerator', out: Mat.zeros(3, 27) }))).toBe('E_SHAPE');
    for (const bad of [null, 3, 'buf', [1, 2], {}, new Int32Array(81), new Float64Array(81).buffer]) {
      expect(await code(jacobian('A*X*B', { ...o, out: bad as never }))).toBe('E_INVALID_ARGUMENT');
    }
    // dtype of the backend: float64 on the CPU
    expect(await code(jacobian('A*X*B', { ...o, out: new Float32Array(81) }))).toBe('E_INVALID_ARGUMENT');
    expect(await code(jacobian('A*X*B', { ...o, method: 'fd', out: new Float32Array(81) }))).toBe('E_INVALID_ARGUMENT');
    // sharing memory with an input
    const big = new Float64Array(81 + 9);
    const X = new Mat(3, 3, big.subarray(81));
    X.data.set(vals.X!.data);
    expect(await code(jacobian('A*X*B', { ...o, at: { ...vals, X }, out: big.subarray(0, 81) }))).toBe('resolved');
    expect(await code(jacobian('A*X*B', { ...o, at: { ...vals, X }, out: big.subarray(9, 90) }))).toBe('E_INVALID_ARGUMENT');
    // functions without out refuse it by name
    expect(await code(grad('tr(X)', { wrt: 'X', at: vals, out: Mat.zeros(3, 3) } as never))).toBe('E_UNKNOWN_OPTION');
  });

  it('an output larger than the caches, with terms that each touch one block of a column (zeroed at once, then added to), over a buffer full of garbage', async () => {
    // n = 40: 20 MB, past the in-cache size; sigmoid(A*X) = diag(σ′) (I⊗A), n of n² entries a column
    const n = 40;
    const vals = at(n, 21);
    for (const map of ['sigmoid(A*X)', "X*X'"]) {
      const want = await jacobian(map, { wrt: 'X', at: vals, backend: 'cpu' });
      const out = new Mat(n * n, n * n, new Float64Array(n ** 4).fill(7));
      const got = await jacobian(map, { wrt: 'X', at: vals, backend: 'cpu', out });
      expect(got).toBe(out);
      let diff = 0;
      for (let i = 0; i < n ** 4; i++) if (got.data[i] !== want.data[i]) diff++;
      expect(diff).toBe(0);
    }
  });

  it("an output of more than 256 MiB whose terms touch one entry a block (X*X' at n = 80, 328 MB: zeroed by one memset, then added to), over garbage: the new output's values bit for bit", async () => {
    const n = 80;
    const vals = at(n, 22);
    const want = await jacobian("X*X'", { wrt: 'X', at: vals, backend: 'cpu' });
    const out = new Float64Array(n ** 4).fill(-3);
    const got = await jacobian("X*X'", { wrt: 'X', at: vals, backend: 'cpu', out });
    expect(got.data).toBe(out);
    let diff = 0;
    for (let i = 0; i < n ** 4; i++) if (!Object.is(got.data[i], want.data[i])) diff++;
    expect(diff).toBe(0);
    // the two entries of column (k, l) of D (denominator layout): ∂(XXᵀ)_kl/∂X_ij = δ_ik X_lj + δ_il X_kj
    const X = vals.X!;
    const col = 3 + 7 * n;
    for (let j = 0; j < n; j++) expect(got.data[col * n * n + 3 + j * n]).toBeCloseTo(X.get(7, j), 14);
  });
});
