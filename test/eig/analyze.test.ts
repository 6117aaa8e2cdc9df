import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  Mat,
  UnknownOptionError,
  analyzeHessian,
  criticalPoint,
  eigh,
  eigvalsh,
  hessian,
  spectralDensity,
  type EigenPair,
  type HessianAnalysisProgress,
} from '../../src/index.js';

/** ‖Hv − λv‖₂ with H formed independently (the test's own product, not eigResidual). */
function residual(H: Mat, p: EigenPair): number {
  const N = H.rows;
  const v = p.vector.data;
  let s = 0;
  for (let i = 0; i < N; i++) {
    let hv = 0;
    for (let j = 0; j < N; j++) hv += H.get(i, j) * v[j]!;
    s += (hv - p.value * v[i]!) ** 2;
  }
  return Math.sqrt(s);
}

const norm = (a: ArrayLike<number>): number => Math.sqrt(Array.from(a).reduce((s, x) => s + x * x, 0));

/** A random m×m matrix A (seeded) and A + Aᵀ's eigenvalues: tr(X'AX) has H = I⊗(A + Aᵀ), each of them n times. */
function quadratic(m: number, n: number, seed: number): { at: { X: Mat; A: Mat }; spectrum: number[] } {
  const A = Mat.random(m, m, { seed });
  const S = Mat.zeros(m, m);
  for (let j = 0; j < m; j++) for (let i = 0; i < m; i++) S.data[i + j * m] = A.get(i, j) + A.get(j, i);
  const w = Array.from(eigvalsh(S));
  return { at: { X: Mat.random(m, n, { seed: seed + 1 }), A }, spectrum: w.flatMap((x) => Array<number>(n).fill(x)).sort((a, b) => a - b) };
}

describe('analyzeHessian: the dense path agrees with criticalPoint, eigh and spectralDensity', () => {
  const f = "logdet(X) + tr(X'*A*X)";
  const n = 5;
  const X = Mat.random(n, n, { seed: 3 });
  for (let i = 0; i < n; i++) X.data[i + i * n] = X.data[i + i * n]! + n; // well away from singular
  const at = { X, A: Mat.random(n, n, { seed: 4 }) };

  it('classification, values, eigen-directions and density from one decomposition', async () => {
    const stages: string[] = [];
    const a = await analyzeHessian(f, { wrt: 'X', at, k: 6, density: { points: 64 }, backend: 'cpu', onProgress: (p) => stages.push(p.stage) });
    const cp = await criticalPoint(f, { wrt: 'X', at, backend: 'cpu' });
    const H = await hessian(f, { wrt: 'X', at, backend: 'cpu' });
    const ref = eigh(H);
    const N = n * n;
    expect(a.method).toBe('dense');
    expect(stages).toEqual(['gradient', 'hessian', 'eigh', 'density']);
    expect({ kind: a.kind, inertia: a.inertia, inertiaExact: a.inertiaExact, method: a.method }).toEqual({ kind: cp.kind, inertia: cp.inertia, inertiaExact: true, method: cp.method });
    expect(a.gradNorm).toBe(cp.gradNorm);
    expect(a.gradTol).toBe(cp.gradTol);
    const scale = Math.max(Math.abs(cp.lambdaMin), Math.abs(cp.lambdaMax));
    expect(Math.abs(a.lambdaMin - cp.lambdaMin)).toBeLessThanOrEqual(1e-12 * scale);
    expect(Math.abs(a.lambdaMax - cp.lambdaMax)).toBeLessThanOrEqual(1e-12 * scale);
    expect(a.values).toHaveLength(N);
    expect(Array.from(a.indices)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    for (let i = 0; i < N; i++) expect(Math.abs(a.values[i]! - ref.values[i]!)).toBeLessThanOrEqual(1e-12 * scale);
    // k = 6, 'both': the 3 largest (descending) and the 3 smallest (ascending)
    expect(a.smallest.map((p) => p.index)).toEqual([1, 2, 3]);
    expect(a.largest.map((p) => p.index)).toEqual([N, N - 1, N - 2]);
    for (const p of [...a.smallest, ...a.largest]) {
      expect([p.vector.rows, p.vector.cols]).toEqual([n, n]);
      expect(Math.abs(norm(p.vector.data) - 1)).toBeLessThan(1e-12);
      expect(p.vector.data).toEqual(ref.vectors.data.slice((p.index - 1) * N, p.index * N));
      expect(Math.abs(p.residual - residual(H, p))).toBeLessThan(1e-13 * scale);
      expect(p.residual).toBeLessThan(1e-12 * N * scale);
    }
    expect(a.solver).toMatchObject({ backend: 'cpu', precision: 'f64', converged: true });
    expect(a.solver.maxResidual).toBe(Math.max(...[...a.smallest, ...a.largest].map((p) => p.residual)));
    // the density: spectralDensity's exact path on the same grid size gives the same numbers
    const sd = await spectralDensity(f, { wrt: 'X', at, points: 64, method: 'exact', backend: 'cpu' });
    expect(a.density!.method).toBe('exact');
    expect(Math.abs(a.density!.trace - sd.trace)).toBeLessThan(1e-12 * N * scale);
    expect(Math.abs(a.density!.sigma - sd.sigma)).toBeLessThan(1e-12 * scale);
    for (let i = 0; i < 64; i++) {
      expect(Math.abs(a.density!.grid[i]! - sd.grid[i]!)).toBeLessThan(1e-11 * scale);
      expect(Math.abs(a.density!.density[i]! - sd.density[i]!)).toBeLessThan(1e-9 * Math.max(...sd.density));
    }
    expect(Object.keys(a.ms)).toEqual(expect.arrayContaining(['gradient', 'hessian', 'eigh', 'density', 'total']));
  });

  it("tr(X'*A*X): every eigenvalue of A + Aᵀ, n times (closed form); which 'largest' and 'smallest'", async () => {
    const q = quadratic(4, 3, 11);
    const scale = Math.max(...q.spectrum.map(Math.abs));
    const a = await analyzeHessian("tr(X'*A*X)", { wrt: 'X', at: q.at, k: 4, which: 'largest', backend: 'cpu' });
    q.spectrum.forEach((x, i) => expect(Math.abs(a.values[i]! - x)).toBeLessThan(1e-13 * scale));
    expect(a.smallest).toEqual([]);
    expect(a.largest.map((p) => p.value)).toEqual(Array.from(a.values.slice(8)).reverse());
    const s = await analyzeHessian("tr(X'*A*X)", { wrt: 'X', at: q.at, k: 3, which: 'smallest', backend: 'cpu' });
    expect(s.largest).toEqual([]);
    expect(s.smallest.map((p) => p.index)).toEqual([1, 2, 3]);
  });

  it('kinds: degenerate (monkey saddle, x⁴ + y⁴ at 0), saddle, minimum, not critical', async () => {
    const kind = async (f: string, p: number[], denseUpTo?: number): Promise<string> =>
      (await analyzeHessian(f, { wrt: 'x', at: { x: Mat.col(p) }, backend: 'cpu', ...(denseUpTo !== undefined ? { denseUpTo } : {}) })).kind;
    expect(await kind('x(1)^3 - 3*x(1)*x(2)^2', [0, 0])).toBe('degenerate');
    expect(await kind('x(1)^4 + x(2)^4', [0, 0])).toBe('degenerate');
    expect(await kind('x(1)^2 - x(2)^2', [0, 0])).toBe('saddle');
    expect(await kind('x(1)^2 + 2*x(2)^2 + x(3)^2', [0, 0, 0])).toBe('minimum');
    expect(await kind('-x(1)^2 - 2*x(2)^2 - x(3)^2', [0, 0, 0], 0)).toBe('maximum');
    expect(await kind('x(1)^2 + x(2)', [0, 0])).toBe('not critical');
  });
});

describe('analyzeHessian: the Lanczos path (H never formed) agrees with the formed Hessian', () => {
  it("tr(X'*A*X) with clustered eigenvalues: both ends, positions, directions, kind as criticalPoint's", async () => {
    const q = quadratic(6, 5, 21); // H is 30×30, each eigenvalue of A + Aᵀ 5 times
    q.at.X = Mat.zeros(6, 5); // ∇f = (A + Aᵀ)X = 0: critical
    const f = "tr(X'*A*X)";
    const progress: HessianAnalysisProgress[] = [];
    const a = await analyzeHessian(f, { wrt: 'X', at: q.at, k: 4, denseUpTo: 10, backend: 'cpu', onProgress: (p) => progress.push(p) });
    const H = await hessian(f, { wrt: 'X', at: q.at, backend: 'cpu' });
    const scale = Math.max(...q.spectrum.map(Math.abs));
    const N = 30;
    expect(a.method).toBe('lanczos');
    expect(a.solver.converged).toBe(true);
    expect(a.solver.iterations).toBeGreaterThan(0);
    expect(progress[0]).toEqual({ stage: 'gradient' });
    expect(progress.some((p) => p.stage === 'lanczos' && p.lanczos !== undefined)).toBe(true);
    // 2 smallest and 2 largest, at positions 1, 2 and N − 1, N
    expect(Array.from(a.indices)).toEqual([1, 2, N - 1, N]);
    expect(a.smallest.map((p) => p.index)).toEqual([1, 2]);
    expect(a.largest.map((p) => p.index)).toEqual([N, N - 1]);
    for (const p of [...a.smallest, ...a.largest]) {
      // the reported residual is the true one; converged means within tolerance; and a Ritz value
      // lies within its residual of an eigenvalue (here the cluster at its position)
      expect(Math.abs(residual(H, p) - p.residual)).toBeLessThan(1e-12 * scale + 1e-6 * p.residual);
      expect(p.residual).toBeLessThanOrEqual(a.solver.lanczosTol! * scale);
      expect(Math.abs(p.value - q.spectrum[p.index - 1]!)).toBeLessThanOrEqual(p.residual + 1e-12 * scale);
      expect([p.vector.rows, p.vector.cols]).toEqual([6, 5]);
    }
    expect(a.lambdaMin).toBe(a.values[0]);
    expect(a.lambdaMax).toBe(a.values[3]);
    const cp = await criticalPoint(f, { wrt: 'X', at: q.at, denseUpTo: 10, backend: 'cpu' });
    expect(a.kind).toBe(cp.kind);
    expect(a.inertia).toEqual(cp.inertia);
    expect(a.inertiaExact).toBe(cp.inertiaExact);
    // A + Aᵀ has eigenvalues of both signs (checked): a saddle whose inertia only the extremes bound
    expect([q.spectrum[0]! < 0, q.spectrum[N - 1]! > 0]).toEqual([true, true]);
    expect(a.kind).toBe('saddle');
    expect(a.inertia).toEqual({ positive: 1, negative: 1, zero: 0 });
    expect(a.inertiaExact).toBe(false);
  });

  it("which 'largest': the smallest eigenvalue still comes (a second run of one pair) for the kind", async () => {
    const q = quadratic(5, 4, 31);
    const a = await analyzeHessian("tr(X'*A*X)", { wrt: 'X', at: q.at, k: 3, which: 'largest', denseUpTo: 0, backend: 'cpu' });
    const scale = Math.max(...q.spectrum.map(Math.abs));
    expect(a.smallest).toEqual([]);
    expect(a.largest.map((p) => p.index)).toEqual([20, 19, 18]);
    expect(Array.from(a.indices)).toEqual([1, 18, 19, 20]);
    expect(a.solver.converged).toBe(true);
    expect(Math.abs(a.lambdaMin - q.spectrum[0]!)).toBeLessThanOrEqual(a.solver.maxResidual + 1e-12 * scale);
    expect(Math.abs(a.lambdaMax - q.spectrum[19]!)).toBeLessThanOrEqual(a.solver.maxResidual + 1e-12 * scale);
  });

  it('a minimum beyond denseUpTo: exact inertia (mn, 0, 0); SLQ density as spectralDensity gives it', async () => {
    // tr(X'AX) with A = BBᵀ + I at X = 0: ∇f = (A + Aᵀ)X = 0, H = I⊗2A positive definite
    const m = 6;
    const B = Mat.random(m, m, { seed: 5 });
    const A = Mat.zeros(m, m);
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
      let s = i === j ? 1 : 0;
      for (let l = 0; l < m; l++) s += B.get(i, l) * B.get(j, l);
      A.data[i + j * m] = s;
    }
    const f = "tr(X'*A*X)";
    const at = { X: Mat.zeros(m, 4), A };
    const a = await analyzeHessian(f, { wrt: 'X', at, k: 2, denseUpTo: 0, density: { probes: 4, steps: 20 }, seed: 7, backend: 'cpu' });
    const w = eigvalsh(await hessian(f, { wrt: 'X', at, backend: 'cpu' }));
    expect(w[0]).toBeGreaterThan(0);
    expect(a.kind).toBe('minimum');
    expect(a.inertia).toEqual({ positive: 24, negative: 0, zero: 0 });
    expect(a.inertiaExact).toBe(true);
    expect(a.solver.converged).toBe(true);
    expect(Math.abs(a.lambdaMin - w[0]!)).toBeLessThanOrEqual(a.smallest[0]!.residual + 1e-12 * w[23]!);
    expect(Math.abs(a.lambdaMax - w[23]!)).toBeLessThanOrEqual(a.largest[0]!.residual + 1e-12 * w[23]!);
    const sd = await spectralDensity(f, { wrt: 'X', at, probes: 4, steps: 20, seed: 7, method: 'slq', backend: 'cpu' });
    expect(a.density!.method).toBe('slq');
    expect(Array.from(a.density!.density)).toEqual(Array.from(sd.density));
    expect(a.density!.trace).toBe(sd.trace);
  });
});

describe('analyzeHessian: bad options get typed errors', () => {
  const at = { x: Mat.col([1, 2]) };
  it.each([
    [{ at, kk: 3 }, UnknownOptionError],
    [{ at, k: 0 }, InvalidArgumentError],
    [{ at, which: 'middle' }, InvalidArgumentError],
    [{ at, tol: -1 }, InvalidArgumentError],
    [{ at, density: { probes: 0 } }, InvalidArgumentError],
    [{ at, density: { bins: 3 } }, UnknownOptionError],
    [{ at, density: { grid: [0, 1], points: 3 } }, InvalidArgumentError],
    [{ at, density: 'yes' }, InvalidArgumentError],
    [{ at, onProgress: 3 }, InvalidArgumentError],
  ])('%j', async (opts, type) => {
    await expect(analyzeHessian('x(1)^2 + x(2)^2', opts as never)).rejects.toBeInstanceOf(type);
  });
});
