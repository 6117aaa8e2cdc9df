import { describe, expect, it } from 'vitest';
import { Mat, criticalPoint, hessian, UnknownOptionError, type PointKind } from '../../src/index.js';

/** The notes' two-variable rule: det H > 0 and f_xx > 0 → minimum, det H > 0 and f_xx < 0 → maximum, det H < 0 → saddle, det H = 0 → inconclusive. */
function twoVariableRule(H: Mat): PointKind | 'inconclusive' {
  const [fxx, fxy, fyy] = [H.get(0, 0), H.get(0, 1), H.get(1, 1)];
  const det = fxx * fyy - fxy * fxy;
  const scale = Math.max(1, fxx * fxx, fyy * fyy, fxy * fxy);
  if (Math.abs(det) <= 1e-12 * scale) return 'inconclusive';
  if (det < 0) return 'saddle';
  return fxx > 0 ? 'minimum' : 'maximum';
}

describe('criticalPoint: two-variable examples agree with the det H / f_xx rule', () => {
  const cases: [string, number[]][] = [
    ['x(1)^2 + x(2)^2', [0, 0]],
    ['-x(1)^2 - 3*x(2)^2 + x(1)*x(2)', [0, 0]],
    ['x(1)^2 - x(2)^2', [0, 0]],
    ['x(1)^2 + 3*x(1)*x(2) + x(2)^2', [0, 0]],
    ['x(1)^3 - 3*x(1) + x(2)^2', [1, 0]], // minimum at (1, 0)
    ['x(1)^3 - 3*x(1) + x(2)^2', [-1, 0]], // saddle at (−1, 0)
    ['sin(x(1)) * sin(x(2))', [Math.PI / 2, Math.PI / 2]], // maximum
    ['sin(x(1)) * sin(x(2))', [0, 0]], // saddle
    ['exp(x(1)*x(2))', [0, 0]], // saddle
    ['log(x(1)) - x(1) + x(2)^2', [1, 0]], // log x − x has a maximum at 1, x(2)^2 a minimum: saddle
  ];
  it.each(cases)('%s at %j', async (f, p) => {
    const at = { x: Mat.col(p) };
    const cp = await criticalPoint(f, { wrt: 'x', at, backend: 'cpu' });
    const rule = twoVariableRule(await hessian(f, { wrt: 'x', at, backend: 'cpu' }));
    expect(rule).not.toBe('inconclusive');
    expect(cp.kind).toBe(rule);
    expect(cp.method).toBe('dense');
    expect(cp.inertia.positive + cp.inertia.negative + cp.inertia.zero).toBe(2);
    expect(cp.gradNorm).toBeLessThanOrEqual(cp.gradTol);
  });

  it('degenerate points: x³ − 3xy² (monkey saddle) and x⁴ + y⁴ at 0, where the rule is inconclusive', async () => {
    for (const f of ['x(1)^3 - 3*x(1)*x(2)^2', 'x(1)^4 + x(2)^4']) {
      const at = { x: Mat.col([0, 0]) };
      const cp = await criticalPoint(f, { wrt: 'x', at, backend: 'cpu' });
      expect(twoVariableRule(await hessian(f, { wrt: 'x', at, backend: 'cpu' }))).toBe('inconclusive');
      expect(cp.kind).toBe('degenerate');
      expect(cp.inertia).toEqual({ positive: 0, negative: 0, zero: 2 });
    }
    // x² + y⁴ at 0: one positive, one zero eigenvalue — still degenerate
    const cp = await criticalPoint('x(1)^2 + x(2)^4', { wrt: 'x', at: { x: Mat.col([0, 0]) }, backend: 'cpu' });
    expect(cp.kind).toBe('degenerate');
    expect(cp.inertia).toEqual({ positive: 1, negative: 0, zero: 1 });
  });

  it('non-critical points', async () => {
    const cp = await criticalPoint('x(1)^2 + x(2)', { wrt: 'x', at: { x: Mat.col([0, 0]) }, backend: 'cpu' });
    expect(cp.kind).toBe('not critical');
    expect(cp.gradNorm).toBeCloseTo(1, 14);
    // the inertia is still reported (here a positive and a zero eigenvalue)
    expect(cp.inertia).toEqual({ positive: 1, negative: 0, zero: 1 });
    const near = await criticalPoint('x(1)^2 + x(2)^2', { wrt: 'x', at: { x: Mat.col([1e-3, 0]) }, backend: 'cpu' });
    expect(near.kind).toBe('not critical');
    const loose = await criticalPoint('x(1)^2 + x(2)^2', { wrt: 'x', at: { x: Mat.col([1e-3, 0]) }, gradTol: 1e-2, backend: 'cpu' });
    expect(loose.kind).toBe('minimum');
  });
});

describe('criticalPoint: inertia of a diagonal quadratic with chosen signs', () => {
  const signs = [2, -3, 0.5, -1, 4, 1e-3, -7];
  const D = Mat.zeros(7, 7);
  signs.forEach((s, i) => D.set(i, i, s));
  const at = { x: Mat.zeros(7, 1), D };

  it("x'*D*x: dense and Lanczos agree", async () => {
    const dense = await criticalPoint("x'*D*x", { wrt: 'x', at, backend: 'cpu' });
    expect(dense.inertia).toEqual({ positive: 4, negative: 3, zero: 0 });
    expect(dense.kind).toBe('saddle');
    expect(dense.lambdaMin).toBeCloseTo(-14, 12);
    expect(dense.lambdaMax).toBeCloseTo(8, 12);
    const lz = await criticalPoint("x'*D*x", { wrt: 'x', at, backend: 'cpu', denseUpTo: 0 });
    expect(lz.method).toBe('lanczos');
    expect(lz.kind).toBe('saddle');
    expect(lz.inertiaExact).toBe(false);
    expect(lz.inertia).toEqual({ positive: 1, negative: 1, zero: 0 });
    expect(lz.lambdaMin).toBeCloseTo(-14, 8);
    expect(lz.lambdaMax).toBeCloseTo(8, 8);
  });

  it('tol decides what counts as zero', async () => {
    const cp = await criticalPoint("x'*D*x", { wrt: 'x', at, backend: 'cpu', tol: 0.01 });
    expect(cp.inertia).toEqual({ positive: 3, negative: 3, zero: 1 });
    expect(cp.tol).toBe(0.01);
  });

  it('definite: minimum and maximum, dense and Lanczos (exact inertia both ways)', async () => {
    const P = Mat.zeros(7, 7);
    signs.forEach((s, i) => P.set(i, i, Math.abs(s)));
    for (const [f, kind] of [["x'*P*x", 'minimum'], ["-(x'*P*x)", 'maximum']] as const) {
      for (const denseUpTo of [1024, 0]) {
        const cp = await criticalPoint(f, { wrt: 'x', at: { x: Mat.zeros(7, 1), P }, backend: 'cpu', denseUpTo });
        expect(cp.kind).toBe(kind);
        expect(cp.inertiaExact).toBe(true);
        expect(cp.inertia).toEqual(kind === 'minimum' ? { positive: 7, negative: 0, zero: 0 } : { positive: 0, negative: 7, zero: 0 });
      }
    }
  });

  it('degenerate on the Lanczos path: a semidefinite quadratic', async () => {
    const P = Mat.zeros(6, 6);
    [3, 1, 0, 2, 0, 5].forEach((s, i) => P.set(i, i, s));
    const cp = await criticalPoint("x'*P*x", { wrt: 'x', at: { x: Mat.zeros(6, 1), P }, backend: 'cpu', denseUpTo: 0 });
    expect(cp.kind).toBe('degenerate');
    expect(cp.inertia).toEqual({ positive: 1, negative: 0, zero: 1 });
    expect(cp.inertiaExact).toBe(false);
  });
});

describe('criticalPoint on the Lanczos path: an end whose sign the first residual leaves open', () => {
  it('λ_min = 1e-8 next to ‖H‖ = 20 (N = 300): a minimum, with exact inertia', async () => {
    const N = 300;
    const D = Mat.zeros(N, N);
    D.set(0, 0, 5e-9);
    for (let i = 1; i < N; i++) D.set(i, i, 0.1 + (9.9 * (i - 1)) / (N - 2));
    const cp = await criticalPoint("x'*D*x", { wrt: 'x', at: { x: Mat.zeros(N, 1), D }, backend: 'cpu', denseUpTo: 0 });
    expect(cp.method).toBe('lanczos');
    expect(cp.kind).toBe('minimum');
    expect(cp.inertiaExact).toBe(true);
    expect(cp.inertia).toEqual({ positive: N, negative: 0, zero: 0 });
    expect(Math.abs(cp.lambdaMin - 1e-8)).toBeLessThanOrEqual(2e-9);
    expect(Math.abs(cp.lambdaMax - 20)).toBeLessThanOrEqual(1e-9);
  });
});

describe('criticalPoint: matrices and errors', () => {
  it('logdet(X) at an SPD X is not critical (∇ = X⁻ᵀ), and its Hessian is indefinite', async () => {
    const X = Mat.from([[2, 0.5], [0.5, 1]]);
    const cp = await criticalPoint('logdet(X)', { wrt: 'X', at: { X }, backend: 'cpu' });
    expect(cp.kind).toBe('not critical');
    // eigenvalues −1/(λᵢλⱼ) (i ≤ j, three of them) and +1/(λ₁λ₂) (one)
    expect(cp.inertia).toEqual({ positive: 1, negative: 3, zero: 0 });
  });

  it("a minimum of a matrix function: ‖A*X − B‖² at X = A⁻¹B", async () => {
    const A = Mat.from([[2, 1], [0, 1]]);
    const B = Mat.from([[1, 2], [3, 4]]);
    const X = Mat.from([[-1, -1], [3, 4]]); // A X = B
    const cp = await criticalPoint('sum((A*X - B).^2)', { wrt: 'X', at: { X, A, B }, backend: 'cpu' });
    expect(cp.kind).toBe('minimum');
    expect(cp.inertia).toEqual({ positive: 4, negative: 0, zero: 0 });
  });

  it('bad options get typed errors', async () => {
    const at = { x: Mat.col([0, 0]) };
    await expect(criticalPoint('x(1)^2', { wrt: 'x', at, backend: 'cpu', foo: 1 } as never)).rejects.toBeInstanceOf(UnknownOptionError);
    await expect(criticalPoint('x(1)^2', { wrt: 'x', at, backend: 'cpu', tol: NaN })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    await expect(criticalPoint('x', { wrt: 'x', at, backend: 'cpu' })).rejects.toMatchObject({ code: 'E_SHAPE' });
  });
});
