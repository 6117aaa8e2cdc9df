/**
 * The plan cache: a repeated jacobian/hessian call reuses the checked expression and its plan
 * (keyed by the expression, the options and the bindings' names and shapes), never a value.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { CpuBackend, expr as E, getBackend, hessian, jacobian, Mat, MatjacError } from '../../src/index.js';
import { clearPlanCache, planCacheSize } from '../../src/plan/cache.js';
import { fdJacobian } from '../../src/plan/fd.js';
import { check } from '../../src/expr/check.js';
import { parse } from '../../src/expr/parse.js';
import { relError, transpose } from '../../src/mat/ops.js';

const point = (n: number, seed: number): Record<string, Mat> => {
  const X = Mat.random(n, n, { seed });
  for (let i = 0; i < n; i++) X.data[i + i * n]! += n;
  return { X, A: Mat.random(n, n, { seed: seed + 1 }) };
};

/** The denominator Jacobian by finite differences (independent of any plan). */
const fdRef = (text: string, env: Record<string, Mat>): Mat => transpose(fdJacobian(check(parse(text), env), 'X', env));

describe('plan cache', () => {
  beforeEach(() => clearPlanCache());

  it('one entry per (text, options, names and shapes); values never cached', async () => {
    const f = 'inv(X)*A + X';
    for (const seed of [1, 2, 3]) {
      const env = point(3, seed);
      const J = await jacobian(f, { wrt: 'X', at: env, backend: 'cpu' });
      expect(relError(J, fdRef(f, env))).toBeLessThan(1e-6);
    }
    expect(planCacheSize()).toBe(1);
    // another shape, another layout, another method: new entries, right answers
    const env4 = point(4, 9);
    expect(relError(await jacobian(f, { wrt: 'X', at: env4, backend: 'cpu' }), fdRef(f, env4))).toBeLessThan(1e-6);
    expect(planCacheSize()).toBe(2);
    const N = await jacobian(f, { wrt: 'X', at: env4, backend: 'cpu', layout: 'numerator' });
    expect(relError(N, transpose(fdRef(f, env4)))).toBeLessThan(1e-6);
    await jacobian(f, { wrt: 'X', at: env4, backend: 'cpu', method: 'forward' });
    expect(planCacheSize()).toBe(4);
    // the same text asked as a Hessian is a different entry
    await hessian('tr(X*A*X)', { wrt: 'X', at: env4, backend: 'cpu' });
    await jacobian('tr(X*A*X)', { wrt: 'X', at: env4, backend: 'cpu' });
    expect(planCacheSize()).toBe(6);
  });

  it('errors are not cached, and every call still checks its values', async () => {
    for (let k = 0; k < 2; k++) await expect(jacobian('A*(X', { wrt: 'X', at: point(2, 1) })).rejects.toMatchObject({ code: 'E_PARSE' });
    expect(planCacheSize()).toBe(0);
    const env = point(3, 4);
    await jacobian('A*X', { wrt: 'X', at: env, backend: 'cpu' });
    const Xbad = Mat.fromColumnMajor(3, 3, Float64Array.from(env.X!.data));
    Xbad.data[4] = NaN;
    const bad = { ...env, X: Xbad };
    const err = await jacobian('A*X', { wrt: 'X', at: bad, backend: 'cpu' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MatjacError);
    expect((err as MatjacError).code).toBe('E_NON_FINITE');
    // a name bound to another shape is a different key: the shape error is found, not a stale plan used
    const wrong = { ...env, A: Mat.zeros(2, 2) };
    await expect(jacobian('A*X', { wrt: 'X', at: wrong, backend: 'cpu' })).rejects.toMatchObject({ code: 'E_SHAPE' });
  });

  it('consecutive calls that differ in one key part (a repeat is recognised without its key) get their own plan', async () => {
    const f = 'inv(X)*A + X';
    const env3 = point(3, 21);
    const env4 = point(4, 22);
    const ref3 = fdRef(f, env3);
    const ref4 = fdRef(f, env4);
    // each call differs from the one before it in exactly one part: shape, layout, method, kind, wrt, names, text
    const calls: [Promise<Mat>, Mat][] = [];
    const run = (p: Promise<Mat>, want: Mat): void => void calls.push([p, want]);
    run(jacobian(f, { wrt: 'X', at: env3, backend: 'cpu' }), ref3);
    run(jacobian(f, { wrt: 'X', at: env3, backend: 'cpu' }), ref3);
    run(jacobian(f, { wrt: 'X', at: env4, backend: 'cpu' }), ref4);
    run(jacobian(f, { wrt: 'X', at: env4, backend: 'cpu', layout: 'numerator' }), transpose(ref4));
    run(jacobian(f, { wrt: 'X', at: env4, backend: 'cpu', method: 'forward' }), ref4);
    run(jacobian(f, { wrt: 'X', at: env4, backend: 'cpu' }), ref4);
    run(jacobian(f, { wrt: 'A', at: env4, backend: 'cpu' }), transpose(fdJacobian(check(parse(f), env4), 'A', env4)));
    run(jacobian(f, { wrt: 'X', at: { A: env4.A!, X: env4.X! }, backend: 'cpu' }), ref4); // names in another order
    run(jacobian(f, { wrt: 'X', at: { ...env4, B: Mat.zeros(2, 2) }, backend: 'cpu' }), ref4); // one name more
    run(jacobian(f, { wrt: 'X', at: env3, backend: 'cpu' }), ref3);
    run(jacobian('inv(X)*A - X', { wrt: 'X', at: env3, backend: 'cpu' }), fdRef('inv(X)*A - X', env3));
    const h = 'tr(X*A*X)';
    run(hessian(h, { wrt: 'X', at: env3, backend: 'cpu' }), fdRef("X'*A' + A'*X'", env3)); // ∇ tr(XAX) = (AX + XA)ᵀ
    run(jacobian(h, { wrt: 'X', at: env3, backend: 'cpu' }), transpose(fdJacobian(check(parse(h), env3), 'X', env3)));
    for (const [p, want] of calls) expect(relError(await p, want)).toBeLessThan(1e-6);
    // a wrong shape right after a cached call is still refused
    await expect(jacobian(f, { wrt: 'X', at: { ...env3, A: Mat.zeros(4, 4) }, backend: 'cpu' })).rejects.toMatchObject({ code: 'E_SHAPE' });
  });

  it('a binding of another dtype, or another backend, is another entry (a repeat of the last call too)', async () => {
    const f = 'inv(X)*A + X';
    const env = point(3, 31);
    const ref = fdRef(f, env);
    const cpu = await getBackend('cpu');
    const own = new CpuBackend();
    const A32 = new Mat(3, 3, Float32Array.from(env.A!.data));
    const env32 = { X: env.X!, A: A32 };
    const ref32 = fdRef(f, { X: env.X!, A: A32.toFloat64() });
    const calls: [Record<string, Mat>, Mat, unknown][] = [
      [env, ref, 'cpu'],
      [env32, ref32, 'cpu'],
      [env, ref, 'cpu'],
      [env, ref, cpu],
      [env, ref, own],
      [env32, ref32, own],
      [env, ref, 'cpu'],
    ];
    for (const [at, want, backend] of calls) {
      const J = await jacobian(f, { wrt: 'X', at, backend: backend as 'cpu' });
      expect(relError(J, want)).toBeLessThan(1e-6);
    }
    // 'cpu' and each backend object, each with float64 and float32 A: 2 + 1 + 2
    expect(planCacheSize()).toBe(5);
  });

  it('a builder expression is compiled once and reused, with right answers at each point', async () => {
    const X = E.sym('X');
    const A = E.sym('A');
    const f = E.add(E.mul(A, X, X), E.t(X));
    for (const seed of [5, 6]) {
      const env = point(3, seed);
      const J = await jacobian(f, { wrt: 'X', at: env, backend: 'cpu' });
      expect(relError(J, fdRef('A*X*X + X\'', env))).toBeLessThan(1e-6);
    }
    expect(planCacheSize()).toBe(0); // builder expressions are keyed by object, not text
  });
});
