/**
 * Central finite differences (method 'fd', and the reference of checkJacobian) at tiny and huge
 * scales of X: the step follows the scale of X, so the result agrees with the closed-form
 * Jacobian from |X| ~ 1e-15 to 1e15, entries of mixed size and zeros included. An absolute
 * step (ε^(1/3) ≈ 6e-6 at |X| ≤ 1) failed here: log and sqrt left their domain, inv was swamped.
 */
import { describe, expect, it } from 'vitest';
import { Mat, checkJacobian, jacobian } from '../../src/index.js';
import { relFro } from '../trust/helpers.js';

const SCALES = [1e-15, 1e-8, 1, 1e8, 1e15];

/** The numerator Jacobian J[k + l·m, i + j·m] = d(i, j, k, l) of an m×n → m×n map (X square here when coupled). */
function numerator(m: number, n: number, d: (i: number, j: number, k: number, l: number) => number): Mat {
  const J = Mat.zeros(m * n, m * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) for (let l = 0; l < n; l++) for (let k = 0; k < m; k++) J.data[k + l * m + (i + j * m) * m * n] = d(i, j, k, l);
  return J;
}

/** inv of a 2×2 in closed form: [a c; b d]⁻¹ = [d −c; −b a] / (ad − bc) (column-major a, b, c, d). */
function inv2(X: Mat): Mat {
  const [a, b, c, d] = X.data as unknown as [number, number, number, number];
  const det = a * d - b * c;
  return Mat.fromColumnMajor(2, 2, [d / det, -b / det, -c / det, a / det]);
}

const fd = (e: string, X: Mat): Promise<Mat> => jacobian(e, { wrt: 'X', at: { X }, method: 'fd', layout: 'numerator', backend: 'cpu' });

describe("method 'fd' across scales of X, against closed forms", () => {
  it.each(SCALES)('inv(X) at |X| ~ %s (with a zero entry): d(X⁻¹)_kl/dX_ij = −(X⁻¹)_ki (X⁻¹)_jl', async (s) => {
    for (const base of [[2, 0.3, 0.5, 1.5], [2, 0.3, 0, 1.5]]) {
      const X = Mat.fromColumnMajor(2, 2, base.map((v) => v * s));
      const Y = inv2(X);
      const ref = numerator(2, 2, (i, j, k, l) => -Y.get(k, i) * Y.get(j, l));
      expect(relFro((await fd('inv(X)', X)).data, ref.data), `${base} · ${s}`).toBeLessThan(1e-7);
    }
  });

  it.each(SCALES)('log(X), sqrt(X), X.*X elementwise at |X| ~ %s: diagonal Jacobians', async (s) => {
    const X = Mat.random(3, 2, { seed: 9, lo: 0.5, hi: 2 });
    for (let k = 0; k < X.size; k++) X.data[k]! *= s;
    const diagOf = (f: (x: number) => number): Mat => numerator(3, 2, (i, j, k, l) => (i === k && j === l ? f(X.get(i, j)) : 0));
    expect(relFro((await fd('log(X)', X)).data, diagOf((x) => 1 / x).data), `log at ${s}`).toBeLessThan(1e-7);
    expect(relFro((await fd('sqrt(X)', X)).data, diagOf((x) => 0.5 / Math.sqrt(x)).data), `sqrt at ${s}`).toBeLessThan(1e-7);
    expect(relFro((await fd('X.*X', X)).data, diagOf((x) => 2 * x).data), `X.*X at ${s}`).toBeLessThan(1e-7);
  });

  it.each(SCALES)('X*X at |X| ~ %s, with a zero entry: d(X²)_kl/dX_ij = δ_ki X_jl + X_ki δ_jl', async (s) => {
    const X = Mat.random(3, 3, { seed: 4, lo: -1, hi: 1 });
    X.data[4] = 0;
    for (let k = 0; k < X.size; k++) X.data[k]! *= s;
    const ref = numerator(3, 3, (i, j, k, l) => (k === i ? X.get(j, l) : 0) + (j === l ? X.get(k, i) : 0));
    expect(relFro((await fd('X*X', X)).data, ref.data)).toBeLessThan(1e-7);
  });

  it('entries of very different sizes: log of [1, 1e-9] (the floored step would leave the domain) and inv with a 1e-12 entry', async () => {
    const X = Mat.fromColumnMajor(2, 1, [1, 1e-9]);
    const ref = numerator(2, 1, (i, j, k, l) => (i === k && j === l ? 1 / X.get(i, j) : 0));
    expect(relFro((await fd('log(X)', X)).data, ref.data)).toBeLessThan(1e-7);
    const Z = Mat.fromColumnMajor(2, 2, [2, 1e-12, 0.5, 1.5]);
    const Y = inv2(Z);
    const refInv = numerator(2, 2, (i, j, k, l) => -Y.get(k, i) * Y.get(j, l));
    expect(relFro((await fd('inv(X)', Z)).data, refInv.data)).toBeLessThan(1e-7);
  });

  it('checkJacobian (finite differences as the reference) accepts correct Jacobians at tiny scales', async () => {
    for (const [e, X] of [
      ['inv(X)', Mat.fromColumnMajor(2, 2, [2e-15, 3e-16, 5e-16, 1.5e-15])],
      ['log(X)', Mat.fromColumnMajor(2, 2, [1e-15, 2e-15, 3e-15, 4e-15])],
      ['X*X', Mat.fromColumnMajor(2, 2, [1e-15, -2e-15, 3e-15, 0])],
    ] as const) {
      const r = await checkJacobian(e, { wrt: 'X', at: { X }, backend: 'cpu' });
      expect(r.ok, `${e}: relError ${r.relError}`).toBe(true);
    }
  });
});
