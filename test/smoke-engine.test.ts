import { describe, expect, it } from 'vitest';
import { Mat, jacobian, kron, transpose, relError, hessian, grad, explain, inv } from '../src/index.js';

describe('engine smoke', () => {
  it('A*X*B', async () => {
    const A = Mat.random(3, 4, { seed: 1 }), X = Mat.random(4, 2, { seed: 2 }), B = Mat.random(2, 5, { seed: 3 });
    for (const method of ['structured', 'forward', 'reverse', 'fd'] as const) {
      const J = await jacobian('A*X*B', { wrt: 'X', at: { A, X, B }, backend: 'cpu', method });
      expect(relError(J, kron(B, transpose(A)))).toBeLessThan(1e-7);
    }
    console.log(explain('A*X*B', { wrt: 'X', at: { A, X, B } }).text);
  });
  it('inv, X*X\', sigmoid', async () => {
    const X = Mat.random(3, 3, { seed: 5 });
    const A = Mat.random(3, 3, { seed: 6 });
    for (const e of ['inv(X)', "X*X'", 'sigmoid(A*X)', "logdet(X'*X) + tr(X'*A*X)", 'softmax(A*X)', '[X, A; A*X, X.^2]', 'kron(X, A)', 'X(2,3)*X', 'det(X)*inv(X)']) {
      const ref = await jacobian(e, { wrt: 'X', at: { X, A }, backend: 'cpu', method: 'fd' });
      for (const method of ['structured', 'forward', 'reverse', 'auto'] as const) {
        const J = await jacobian(e, { wrt: 'X', at: { X, A }, backend: 'cpu', method });
        expect(relError(J, ref), `${e} ${method}`).toBeLessThan(1e-6);
      }
      console.log(e, explain(e, { wrt: 'X', at: { X, A } }).text);
    }
    const Xi = inv(X);
    const J = await jacobian('inv(X)', { wrt: 'X', at: { X }, backend: 'cpu' });
    expect(relError(J, kron(Xi, transpose(Xi)).clone() as Mat)).toBeGreaterThan(0);
  });
  it('hessian', async () => {
    const X = Mat.random(3, 3, { seed: 5 });
    const A = Mat.random(3, 3, { seed: 6 });
    const e = "logdet(X'*X) + tr(X'*A*X)";
    const H = await hessian(e, { wrt: 'X', at: { X, A }, backend: 'cpu' });
    const Hf = await hessian(e, { wrt: 'X', at: { X, A }, backend: 'cpu', method: 'fd' });
    expect(relError(H, Hf)).toBeLessThan(1e-6);
    const G = await grad(e, { wrt: 'X', at: { X, A }, backend: 'cpu' });
    expect(G.rows).toBe(3);
    console.log(explain(e, { wrt: 'X', at: { X, A }, hessian: true }).text);
  });
});
