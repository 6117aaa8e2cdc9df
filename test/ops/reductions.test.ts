/**
 * sum(X, dim), mean, dot, norm(x, 1), and the constants pi, eye, ones, zeros inside expressions:
 * values against loops written here, derivatives by every method in both layouts against
 * closed forms (sum(X, 1) = 1ᵀX is the Kronecker term I ⊗ 1ᵀ), errors naming the function.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, Mat, ShapeError, evaluate, expr, kron, relError, scale } from '../../src/index.js';
import { expectGradAllMethods, expectJacobianAllMethods } from '../diff/helpers.js';

const X = Mat.random(3, 4, { seed: 31 });
const x = Mat.col([0.5, -1.5, 2]);
const y = Mat.col([2, 1, -0.25]);
const ones = (m: number, n: number): Mat => Mat.fromColumnMajor(m, n, new Float64Array(m * n).fill(1));
const colSums = (M: Mat): number[] => Array.from({ length: M.cols }, (_, j) => Array.from({ length: M.rows }, (_, i) => M.get(i, j)).reduce((s, v) => s + v, 0));
const rowSums = (M: Mat): number[] => Array.from({ length: M.rows }, (_, i) => Array.from({ length: M.cols }, (_, j) => M.get(i, j)).reduce((s, v) => s + v, 0));
const close = (got: Mat, want: Mat): void => {
  expect([got.rows, got.cols]).toEqual([want.rows, want.cols]);
  expect(relError(got, want)).toBeLessThan(1e-14);
};

describe('sum(X, dim), mean', () => {
  it('values', async () => {
    const at = { X };
    close(await evaluate('sum(X, 1)', { at }), Mat.from([colSums(X)]));
    close(await evaluate('sum(X, 2)', { at }), Mat.col(rowSums(X)));
    close(await evaluate('mean(X, 1)', { at }), Mat.from([colSums(X).map((v) => v / 3)]));
    close(await evaluate('mean(X, 2)', { at }), Mat.col(rowSums(X).map((v) => v / 4)));
    close(await evaluate('mean(X)', { at }), Mat.scalar(Array.from(X.data).reduce((s, v) => s + v, 0) / 12));
    expect((await evaluate(expr.sum('X', 2), { at })).data).toEqual((await evaluate('sum(X, 2)', { at })).data);
  });

  it('derivatives: sum(X,1) ↦ D = I ⊗ 1, sum(X,2) ↦ 1 ⊗ I, means scaled, by every method', async () => {
    const at = { X };
    await expectJacobianAllMethods('sum(X, 1)', { at }, kron(Mat.eye(4), ones(3, 1)), 'sum(X, 1)');
    await expectJacobianAllMethods('sum(X, 2)', { at }, kron(ones(4, 1), Mat.eye(3)), 'sum(X, 2)');
    await expectJacobianAllMethods('mean(X, 1)', { at }, scale(kron(Mat.eye(4), ones(3, 1)), 1 / 3), 'mean(X, 1)');
    await expectGradAllMethods('mean(X)', { at }, scale(ones(3, 4), 1 / 12), 'mean(X)');
  });
});

describe('dot, norm(x, 1)', () => {
  it('values and gradients: ∇ₓ dot(x, y) = y, ∇ norm(x, 1) = sign(x)', async () => {
    close(await evaluate('dot(x, y)', { at: { x, y } }), Mat.scalar(0.5 * 2 - 1.5 + 2 * -0.25));
    close(await evaluate("dot(x', y)", { at: { x, y } }), Mat.scalar(0.5 * 2 - 1.5 + 2 * -0.25));
    close(await evaluate('norm(x, 1)', { at: { x } }), Mat.scalar(4));
    close(await evaluate('norm(x, 2)', { at: { x } }), Mat.scalar(Math.hypot(0.5, 1.5, 2)));
    await expectGradAllMethods('dot(x, y)', { wrt: 'x', at: { x, y } }, y, 'dot(x, y)');
    await expectGradAllMethods('norm(x, 1)', { wrt: 'x', at: { x } }, Mat.col([1, -1, 1]), 'norm(x, 1)');
  });

  it('errors name the function', async () => {
    await expect(evaluate('dot(X, y)', { at: { X, y } })).rejects.toThrow(/'dot' at 0 needs two vectors of one length, got 3×4 and 3×1/);
    await expect(evaluate('norm(X, 1)', { at: { X } })).rejects.toThrow(ShapeError);
    await expect(evaluate('norm(x, 3)', { at: { x } })).rejects.toThrow(/'norm' at 8: p must be 1 or 2/);
    await expect(evaluate('sum(X, 3)', { at: { X } })).rejects.toThrow(/'sum' at 7: the dimension must be 1 or 2/);
    await expect(evaluate('mean(X, x)', { at: { X, x } })).rejects.toThrow(InvalidArgumentError);
  });
});

describe('constants in expressions: pi, eye, ones, zeros', () => {
  it('values, a bound pi shadows π, and d(X + pi·eye(3))/dX = I', async () => {
    const S = Mat.random(3, 3, { seed: 32 });
    const want = Mat.fromColumnMajor(3, 3, S.data.map((v, k) => v + (k % 4 === 0 ? Math.PI : 0) + 2));
    close(await evaluate('S + pi*eye(3) + 2*ones(3, 3) + zeros(3)', { at: { S } }), want);
    close(await evaluate('pi', { at: { pi: Mat.scalar(3) } }), Mat.scalar(3));
    close(await evaluate('eye(2, 3)', { at: {} }), Mat.from([[1, 0, 0], [0, 1, 0]]));
    await expectJacobianAllMethods('S + pi*eye(3)', { at: { S } }, Mat.eye(9), 'S + pi*eye(3)');
    await expect(evaluate('eye(0)', { at: {} })).rejects.toThrow(/'eye' at 4: the row count must be a positive integer/);
  });
});
