import { describe, expect, it } from 'vitest';
import { Mat, eigh, eigvalsh, hessian, hessianEigs, UnknownOptionError, type LanczosProgress } from '../../src/index.js';

/** A + Aᵀ */
function symPart(A: Mat): Mat {
  const n = A.rows;
  const S = Mat.zeros(n, n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) S.data[i + j * n] = A.data[i + j * n]! + A.data[j + i * n]!;
  return S;
}

/** ‖S v − λ v‖ for a vector given as a Mat (any shape, its vec). */
function residualOf(S: Mat, v: Mat, lambda: number): number {
  const n = S.rows;
  let r = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += S.data[i + j * n]! * v.data[j]!;
    r += (s - lambda * v.data[i]!) ** 2;
  }
  return Math.sqrt(r);
}

function gram(vs: Mat[]): number {
  let worst = 0;
  for (let a = 0; a < vs.length; a++) {
    for (let b = 0; b < vs.length; b++) {
      let s = 0;
      for (let i = 0; i < vs[a]!.size; i++) s += vs[a]!.data[i]! * vs[b]!.data[i]!;
      worst = Math.max(worst, Math.abs(s - (a === b ? 1 : 0)));
    }
  }
  return worst;
}

const normOf = (w: Float64Array): number => Math.max(Math.abs(w[0]!), Math.abs(w[w.length - 1]!));

describe("hessianEigs: closed-form spectra", () => {
  it("x'*A*x + b'*x: the Hessian is A + Aᵀ (largest, smallest, both)", async () => {
    const n = 40;
    const A = Mat.random(n, n, { seed: 3 });
    const S = symPart(A);
    const w = eigvalsh(S);
    const at = { x: Mat.random(n, 1, { seed: 4 }), A, b: Mat.random(n, 1, { seed: 5 }) };
    for (const which of ['largest', 'smallest', 'both'] as const) {
      const r = await hessianEigs("x'*A*x + b'*x", { wrt: 'x', at, k: 6, which, backend: 'cpu' });
      expect(r.converged).toBe(true);
      const want = which === 'largest' ? w.slice(n - 6) : which === 'smallest' ? w.slice(0, 6) : Float64Array.from([...w.slice(0, 3), ...w.slice(n - 3)]);
      for (let i = 0; i < 6; i++) {
        expect(Math.abs(r.values[i]! - want[i]!)).toBeLessThanOrEqual(1e-8 * normOf(w));
        expect([r.vectors[i]!.rows, r.vectors[i]!.cols]).toEqual([n, 1]);
        // the residual is reported truthfully, and small
        expect(residualOf(S, r.vectors[i]!, r.values[i]!)).toBeLessThanOrEqual(r.residuals[i]! * 1.01 + 1e-12 * normOf(w));
        expect(r.residuals[i]!).toBeLessThanOrEqual(r.tol * normOf(w));
        // sign convention: largest-magnitude entry positive, unit norm
        const d = Array.from(r.vectors[i]!.data);
        expect(d.reduce((m, x) => (Math.abs(x) > Math.abs(m) ? x : m), 0)).toBeGreaterThan(0);
      }
      for (let i = 1; i < 6; i++) expect(r.values[i]!).toBeGreaterThanOrEqual(r.values[i - 1]!);
      expect(gram(r.vectors)).toBeLessThanOrEqual(1e-8);
    }
  });

  it("tr(X'*A*X): the Hessian I⊗(A+Aᵀ) has every eigenvalue n times; all copies are found", async () => {
    const m = 7;
    const n = 5;
    const A = Mat.random(m, m, { seed: 8 });
    const w = eigvalsh(symPart(A));
    const at = { X: Mat.random(m, n, { seed: 9 }), A };
    // k = 7 > n: five copies of λ_max and two of the next
    const r = await hessianEigs("tr(X'*A*X)", { wrt: 'X', at, k: 7, which: 'largest', backend: 'cpu' });
    expect(r.converged).toBe(true);
    const want = [w[m - 2]!, w[m - 2]!, w[m - 1]!, w[m - 1]!, w[m - 1]!, w[m - 1]!, w[m - 1]!];
    for (let i = 0; i < 7; i++) expect(Math.abs(r.values[i]! - want[i]!)).toBeLessThanOrEqual(1e-8 * normOf(w));
    expect(gram(r.vectors)).toBeLessThanOrEqual(1e-8);
    for (const v of r.vectors) expect([v.rows, v.cols]).toEqual([m, n]);
    // 'smallest' with k = n + 1 as well
    const s = await hessianEigs("tr(X'*A*X)", { wrt: 'X', at, k: n + 1, which: 'smallest', backend: 'cpu', seed: 3 });
    expect(s.converged).toBe(true);
    for (let i = 0; i < n; i++) expect(Math.abs(s.values[i]! - w[0]!)).toBeLessThanOrEqual(1e-8 * normOf(w));
    expect(Math.abs(s.values[n]! - w[1]!)).toBeLessThanOrEqual(1e-8 * normOf(w));
  });

  it('logdet(X) at X = Q diag(λ) Qᵀ: eigenvalues −1/(λᵢλⱼ) (i ≤ j) and +1/(λᵢλⱼ) (i < j)', async () => {
    const lambda = [0.5, 1, 2, 3];
    const n = lambda.length;
    // Q: a rotation built from a random matrix's symmetric eigenvectors
    const Q = eigh(symPart(Mat.random(n, n, { seed: 21 }))).vectors;
    const X = Mat.zeros(n, n);
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) X.data[i + j * n]! += Q.data[i + k * n]! * lambda[k]! * Q.data[j + k * n]!;
    const want: number[] = [];
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) want.push(-1 / (lambda[i]! * lambda[j]!));
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) want.push(1 / (lambda[i]! * lambda[j]!));
    want.sort((a, b) => a - b);
    const H = await hessian('logdet(X)', { wrt: 'X', at: { X }, backend: 'cpu' });
    const w = eigvalsh(H);
    for (let i = 0; i < n * n; i++) expect(Math.abs(w[i]! - want[i]!)).toBeLessThanOrEqual(1e-12 * n * 4);
    const r = await hessianEigs('logdet(X)', { wrt: 'X', at: { X }, k: 4, which: 'both', backend: 'cpu' });
    expect(r.converged).toBe(true);
    const ends = [want[0]!, want[1]!, want[n * n - 2]!, want[n * n - 1]!];
    for (let i = 0; i < 4; i++) expect(Math.abs(r.values[i]! - ends[i]!)).toBeLessThanOrEqual(1e-8 * 4);
  });
});

describe('hessianEigs against eigh of the formed Hessian (CPU, float64)', () => {
  it('sum(sigmoid(A*X*C)) + sum(D.*X.^2), mn = 1600: 5 largest and 5 smallest', async () => {
    const n = 40;
    const at = { X: Mat.random(n, n, { seed: 1 }), A: Mat.random(n, n, { seed: 2 }), C: Mat.random(n, n, { seed: 3 }), D: Mat.random(n, n, { seed: 4 }) };
    const f = 'sum(sigmoid(A*X*C)) + sum(D.*X.^2)';
    const w = eigvalsh(await hessian(f, { wrt: 'X', at, backend: 'cpu' }));
    const N = n * n;
    const r = await hessianEigs(f, { wrt: 'X', at, k: 10, which: 'both', backend: 'cpu' });
    expect(r.converged).toBe(true);
    const want = [...w.slice(0, 5), ...w.slice(N - 5)];
    for (let i = 0; i < 10; i++) {
      // a Ritz value is within its residual of an eigenvalue; these are the extreme ones
      expect(Math.abs(r.values[i]! - want[i]!)).toBeLessThanOrEqual(Math.max(r.residuals[i]!, 1e-10 * normOf(w)));
    }
    expect(gram(r.vectors)).toBeLessThanOrEqual(1e-8);
  });
});

describe('hessianEigs: reporting', () => {
  const at = { x: Mat.random(30, 1, { seed: 1 }), A: Mat.random(30, 30, { seed: 2 }) };

  it('never silently unconverged: too few products gives converged = false with the residuals', async () => {
    const r = await hessianEigs("x'*A*x", { wrt: 'x', at, k: 3, maxIter: 3, backend: 'cpu' });
    expect(r.converged).toBe(false);
    expect(r.iterations).toBeLessThanOrEqual(3);
    expect(Math.max(...r.residuals)).toBeGreaterThan(r.tol * 1);
  });

  it('onProgress sees the products grow; the same seed gives the same answer', async () => {
    const seen: LanczosProgress[] = [];
    const a = await hessianEigs("x'*A*x", { wrt: 'x', at, k: 2, seed: 7, backend: 'cpu', onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThan(0);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.iterations).toBeGreaterThanOrEqual(seen[i - 1]!.iterations);
    expect(seen[seen.length - 1]!.iterations).toBe(a.iterations);
    const b = await hessianEigs("x'*A*x", { wrt: 'x', at, k: 2, seed: 7, backend: 'cpu' });
    expect(Array.from(b.values)).toEqual(Array.from(a.values));
  });

  it('k = mn gives the whole spectrum exactly', async () => {
    const small = { x: Mat.random(5, 1, { seed: 1 }), A: Mat.random(5, 5, { seed: 2 }) };
    const r = await hessianEigs("x'*A*x", { wrt: 'x', at: small, k: 5, backend: 'cpu' });
    const w = eigvalsh(symPart(small.A));
    expect(r.converged).toBe(true);
    for (let i = 0; i < 5; i++) expect(Math.abs(r.values[i]! - w[i]!)).toBeLessThanOrEqual(1e-12 * 10);
  });

  it('a zero Hessian (a linear f)', async () => {
    const r = await hessianEigs("b'*x", { wrt: 'x', at: { x: Mat.random(6, 1), b: Mat.random(6, 1) }, k: 2, backend: 'cpu' });
    expect(Array.from(r.values)).toEqual([0, 0]);
    expect(r.converged).toBe(true);
  });

  it('bad options get typed errors', async () => {
    await expect(hessianEigs("x'*A*x", { wrt: 'x', at, k: 2, nope: 1 } as never)).rejects.toBeInstanceOf(UnknownOptionError);
    await expect(hessianEigs("x'*A*x", { wrt: 'x', at, k: 31, backend: 'cpu' })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    await expect(hessianEigs("x'*A*x", { wrt: 'x', at, k: 0, backend: 'cpu' })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    await expect(hessianEigs("x'*A*x", { wrt: 'x', at, which: 'middle' as never, backend: 'cpu' })).rejects.toThrow(/which must be one of/);
    await expect(hessianEigs("x'*A*x", { wrt: 'x', at, tol: -1, backend: 'cpu' })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    await expect(hessianEigs('A*x', { wrt: 'x', at, backend: 'cpu' })).rejects.toMatchObject({ code: 'E_SHAPE' });
    await expect(hessianEigs('logdet(X)', { wrt: 'X', at: { X: Mat.from([[-1, 0], [0, 1]]) }, backend: 'cpu' })).rejects.toMatchObject({ code: 'E_DOMAIN' });
  });
});

describe("hessianEigs: the demo's default analysis converges within the default product limit", () => {
  it("logdet(X) + tr(X'*A*X) at n = 32 (H 1024×1024, every eigenvalue a 32-fold cluster), 5 at each end", async () => {
    const n = 32;
    const X = Mat.random(n, n, { seed: 1 });
    for (let i = 0; i < n; i++) X.data[i + i * n] = X.data[i + i * n]! + n;
    const at = { X, A: Mat.random(n, n, { seed: 2 }) };
    const r = await hessianEigs("logdet(X) + tr(X'*A*X)", { wrt: 'X', at, k: 10, which: 'both', backend: 'cpu' });
    expect(r.converged).toBe(true);
    expect(r.iterations).toBeLessThanOrEqual(1000);
    const w = eigvalsh(await hessian("logdet(X) + tr(X'*A*X)", { wrt: 'X', at, backend: 'cpu' }));
    const norm = Math.max(Math.abs(w[0]!), Math.abs(w[w.length - 1]!));
    const want = [...w.slice(0, 5), ...w.slice(w.length - 5)];
    for (let i = 0; i < 10; i++) expect(Math.abs(r.values[i]! - want[i]!)).toBeLessThanOrEqual(r.tol * norm);
  });
});
