/**
 * expm (scaling and squaring Padé in src/mat/expm.ts) and its exact derivative through the
 * block-triangular Fréchet identity: values against closed forms and an independent Taylor
 * series; derivatives by every method in both layouts against the divided-difference closed
 * form at a diagonal X (commuting case), d/dt e^{At} = A e^{At}, and Hessians against finite
 * differences of the gradient.
 */
import { describe, expect, it } from 'vitest';
import { Mat, NotSquareError, derivative, evaluate, expm, hessian, jacobian, matmul, relError, scale, transpose } from '../../src/index.js';
import { diagOf, expectJacobianAllMethods } from '../diff/helpers.js';

/** Σ_{k<terms} X^k / k!, independently (fine for ‖X‖ ≲ 1). */
function taylor(X: Mat, terms = 40): Mat {
  const n = X.rows;
  let term = Mat.eye(n);
  const sum = Mat.eye(n);
  for (let k = 1; k < terms; k++) {
    term = scale(matmul(term, X), 1 / k);
    for (let i = 0; i < sum.size; i++) sum.data[i]! += term.data[i]!;
  }
  return sum;
}

describe('expm values', () => {
  it('closed forms: rotations (also at large norm), diagonal, nilpotent; a Taylor series', async () => {
    for (const t of [0.3, 2, 40]) {
      const R = expm(Mat.from([[0, -t], [t, 0]]));
      expect(relError(R, Mat.from([[Math.cos(t), -Math.sin(t)], [Math.sin(t), Math.cos(t)]]))).toBeLessThan(1e-12);
    }
    expect(relError(expm(Mat.from([[1, 0], [0, -2]])), Mat.from([[Math.E, 0], [0, Math.exp(-2)]]))).toBeLessThan(1e-15);
    expect(expm(Mat.from([[0, 1], [0, 0]])).data).toEqual(Float64Array.from([1, 0, 1, 1]));
    const X = Mat.random(4, 4, { seed: 41, lo: -0.3, hi: 0.3 });
    expect(relError(await evaluate('expm(X)', { at: { X } }), taylor(X))).toBeLessThan(1e-14);
    await expect(evaluate('expm(Y)', { at: { Y: Mat.zeros(2, 3) } })).rejects.toThrow(NotSquareError);
  });
});

describe('expm derivatives', () => {
  it('at a diagonal X: ∂e^X = diag of divided differences (e^{dᵢ} − e^{dⱼ})/(dᵢ − dⱼ), every method', async () => {
    const d = [0.3, -0.8, 1.1];
    const X = Mat.from([[d[0]!, 0, 0], [0, d[1]!, 0], [0, 0, d[2]!]]);
    const phi = Mat.zeros(3, 3);
    for (let j = 0; j < 3; j++) for (let i = 0; i < 3; i++) phi.data[i + j * 3] = i === j ? Math.exp(d[i]!) : (Math.exp(d[i]!) - Math.exp(d[j]!)) / (d[i]! - d[j]!);
    await expectJacobianAllMethods('expm(X)', { at: { X } }, diagOf(phi), 'expm(X) at a diagonal X');
  });

  it('d/dt e^{At} = A e^{At} (the linear ODE), every method', async () => {
    const A = Mat.random(3, 3, { seed: 42 });
    const t = Mat.scalar(0.7);
    const want = matmul(A, expm(scale(A, 0.7)));
    expect(relError(await derivative('expm(A*t)', { wrt: 't', at: { A, t }, backend: 'cpu' }), want)).toBeLessThan(1e-12);
    await expectJacobianAllMethods('expm(A*t)', { wrt: 't', at: { A, t } }, Mat.fromColumnMajor(1, 9, want.data), 'expm(A*t) wrt t');
  });

  it('a general X, and Hessians of tr(expm(X)) (= ∂ vec e^{Xᵀ}) by every exact method vs central differences', async () => {
    const X = Mat.random(3, 3, { seed: 43 });
    const fd = await jacobian('expm(X)', { at: { X }, method: 'fd', backend: 'cpu' });
    for (const method of ['structured', 'forward', 'reverse'] as const) {
      expect(relError(await jacobian('expm(X)', { at: { X }, method, backend: 'cpu' }), fd), method).toBeLessThan(1e-8);
    }
    const Hfd = await jacobian("expm(X)'", { at: { X }, method: 'fd', backend: 'cpu' });
    for (const method of ['structured', 'forward', 'reverse'] as const) {
      const H = await hessian('tr(expm(X))', { at: { X }, method, backend: 'cpu' });
      expect(relError(H, Hfd), method).toBeLessThan(1e-7);
      expect(relError(H, transpose(H)), `${method}: symmetric`).toBeLessThan(1e-12);
    }
  });
});
