/** eigResidual(H, v, λ) = ‖Hv − λv‖₂, checked against closed forms and eigh's own pairs. */
import { describe, expect, it } from 'vitest';
import { Mat, eigResidual, eigh } from '../../src/index.js';

describe('eigResidual', () => {
  it('is 0 for an exact eigenpair and |δ|·‖v‖ for an eigenvalue shifted by δ', () => {
    // H = [2 1; 1 2]: eigenpairs (3, [1;1]/√2) and (1, [1;−1]/√2)
    const H = Mat.from([[2, 1], [1, 2]]);
    const v = [Math.SQRT1_2, Math.SQRT1_2];
    expect(eigResidual(H, v, 3)).toBeLessThan(1e-15);
    expect(eigResidual(H, v, 3.25)).toBeCloseTo(0.25, 14);
    // not an eigenvector: H e1 − 2 e1 = [0; 1]
    expect(eigResidual(H, [1, 0], 2)).toBeCloseTo(1, 14);
  });

  it('agrees with ‖HV − VΛ‖ column by column for eigh of a random symmetric matrix', () => {
    const n = 37;
    const A = Mat.random(n, n, { seed: 5 });
    const H = Mat.zeros(n, n);
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) H.data[i + j * n] = A.data[i + j * n]! + A.data[j + i * n]!;
    const { values, vectors } = eigh(H);
    for (let k = 0; k < n; k++) {
      const v = vectors.data.subarray(k * n, (k + 1) * n);
      expect(eigResidual(H, v, values[k]!)).toBeLessThan(1e-12 * n);
      expect(eigResidual(H, v, values[k]! + 1e-3)).toBeCloseTo(1e-3, 9);
    }
  });
});
