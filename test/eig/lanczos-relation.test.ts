import { describe, expect, it } from 'vitest';
import { Mat, eigvalsh, hessian, hessianEigs } from '../../src/index.js';
import { lanczos } from '../../src/eig/lanczos.js';
import { mulberry32 } from '../../src/mat/mat.js';

/** A dense symmetric H = Q diag(λ) Qᵀ with Q a product of seeded Householder reflections. */
function symmetricWithSpectrum(lambda: Float64Array, seed: number): Float64Array {
  const N = lambda.length;
  const rand = mulberry32(seed);
  const Q = new Float64Array(N * N);
  for (let i = 0; i < N; i++) Q[i + i * N] = 1;
  for (let h = 0; h < 4; h++) {
    const v = Float64Array.from({ length: N }, () => rand() - 0.5);
    const nv = Math.hypot(...v);
    for (let c = 0; c < N; c++) {
      let s = 0;
      for (let r = 0; r < N; r++) s += v[r]! * Q[r + c * N]!;
      for (let r = 0; r < N; r++) Q[r + c * N] = Q[r + c * N]! - (2 * s * v[r]!) / (nv * nv);
    }
  }
  const H = new Float64Array(N * N);
  for (let c = 0; c < N; c++) {
    for (let r = 0; r <= c; r++) {
      let s = 0;
      for (let t = 0; t < N; t++) s += Q[r + t * N]! * lambda[t]! * Q[c + t * N]!;
      H[r + c * N] = s;
      H[c + r * N] = s;
    }
  }
  return H;
}

function dense(H: Float64Array, N: number): (V: Float64Array, P: number) => Promise<Float64Array> {
  return async (V, P) => {
    const W = new Float64Array(N * P);
    for (let p = 0; p < P; p++) {
      for (let c = 0; c < N; c++) {
        const x = V[p * N + c]!;
        for (let r = 0; r < N; r++) W[p * N + r] = W[p * N + r]! + H[r + c * N]! * x;
      }
    }
    return W;
  };
}

function trueResidual(H: Float64Array, N: number, v: Float64Array, lambda: number): number {
  let s = 0;
  for (let r = 0; r < N; r++) {
    let t = -lambda * v[r]!;
    for (let c = 0; c < N; c++) t += H[r + c * N]! * v[c]!;
    s += t * t;
  }
  return Math.sqrt(s);
}

describe('lanczos: the residuals come from the Krylov relation HV = VT + RZ, exact to rounding', () => {
  // a tight cluster of 12 at the top (width 1e-6), the rest spread over [−9, 8]
  const N = 240;
  const rand = mulberry32(4);
  const lambda = Float64Array.from({ length: N }, (_, i) => (i < 12 ? 10 + 1e-6 * rand() : 17 * rand() - 9));
  const H = symmetricWithSpectrum(lambda, 9);
  const sorted = Float64Array.from(lambda).sort();

  for (const tol of [1e-6, 1e-9]) {
    it(`tol ${tol}: through restarts, locking and the verification cycle, reported = true residuals`, async () => {
      const basis = 40; // small, so the run restarts many times
      const r = await lanczos(dense(H, N), N, { k: 6, which: 'largest', tol, maxIter: 4000, seed: 2, basis });
      expect(r.converged).toBe(true);
      expect(r.iterations).toBeGreaterThan(2 * basis);
      for (let i = 0; i < 6; i++) {
        const t = trueResidual(H, N, r.vectors[i]!, r.values[i]!);
        expect(Math.abs(t - r.residuals[i]!)).toBeLessThanOrEqual(1e-12 * 10 + 1e-3 * t);
        expect(r.residuals[i]!).toBeLessThanOrEqual(tol * r.normEstimate);
        // every value is within its residual of an eigenvalue, here of the top cluster
        expect(r.values[i]!).toBeGreaterThanOrEqual(sorted[N - 12]! - r.residuals[i]!);
        expect(r.values[i]!).toBeLessThanOrEqual(sorted[N - 1]! + r.residuals[i]!);
      }
    });
  }

  it('long cycles with selective full passes (every few steps, as from N = 4096 on): reported = true residuals, the vectors orthonormal', async () => {
    for (const [which, k] of [['largest', 6], ['both', 8]] as const) {
      const r = await lanczos(dense(H, N), N, { k, which, tol: 1e-9, maxIter: 4000, seed: 5, basis: 200, selective: true });
      expect(r.converged).toBe(true);
      for (let i = 0; i < k; i++) {
        const t = trueResidual(H, N, r.vectors[i]!, r.values[i]!);
        expect(Math.abs(t - r.residuals[i]!)).toBeLessThanOrEqual(1e-12 * 10 + 1e-3 * t);
        expect(r.residuals[i]!).toBeLessThanOrEqual(1e-9 * r.normEstimate);
        for (let c = 0; c <= i; c++) {
          let d = 0;
          for (let t2 = 0; t2 < N; t2++) d += r.vectors[i]![t2]! * r.vectors[c]![t2]!;
          expect(Math.abs(d - (c === i ? 1 : 0))).toBeLessThanOrEqual(1e-12);
        }
      }
    }
  });

  it('an unconverged run (maxIter reached) reports true residuals too', async () => {
    const r = await lanczos(dense(H, N), N, { k: 6, which: 'both', tol: 1e-12, maxIter: 90, seed: 3, basis: 40 });
    expect(r.converged).toBe(false);
    for (let i = 0; i < 6; i++) {
      const t = trueResidual(H, N, r.vectors[i]!, r.values[i]!);
      expect(Math.abs(t - r.residuals[i]!)).toBeLessThanOrEqual(1e-12 * 10 + 1e-3 * t);
    }
  });
});

describe("hessianEigs on the bench's clustered Hessian, small: logdet(X) + tr(X'*A*X) at X = rand + n·I", () => {
  it('n = 12 (H 144×144): the top 10 of a 12-fold cluster, against eigvalsh of the formed Hessian', async () => {
    const n = 12;
    const X = Mat.random(n, n, { seed: 11 });
    for (let i = 0; i < n; i++) X.data[i + i * n] = X.data[i + i * n]! + n;
    const at = { X, A: Mat.random(n, n, { seed: 12 }) };
    const f = "logdet(X) + tr(X'*A*X)";
    const w = eigvalsh(await hessian(f, { wrt: 'X', at, backend: 'cpu' }));
    const r = await hessianEigs(f, { wrt: 'X', at, k: 10, backend: 'cpu' });
    expect(r.converged).toBe(true);
    const norm = Math.max(Math.abs(w[0]!), Math.abs(w[w.length - 1]!));
    for (let i = 0; i < 10; i++) {
      expect(r.residuals[i]!).toBeLessThanOrEqual(r.tol * norm);
      // the i-th largest found is within its residual of the i-th largest eigenvalue (all ten lie in one cluster narrower than tol·‖H‖)
      expect(Math.abs(r.values[i]! - w[w.length - 10 + i]!)).toBeLessThanOrEqual(r.tol * norm);
    }
  });
});
