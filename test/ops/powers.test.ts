/**
 * `.^` with an expression or matrix exponent, and logsumexp (stable): values against loops
 * written here, derivatives by every method in both layouts against closed forms, domain errors.
 */
import { describe, expect, it } from 'vitest';
import { DomainError, Mat, ShapeError, evaluate, expr, relError } from '../../src/index.js';
import { diagOf, expectGradAllMethods, expectJacobianAllMethods } from '../diff/helpers.js';

const X = Mat.from([
  [1.2, 0.7, 2.0],
  [0.4, 1.5, 0.9],
]);
const Y = Mat.from([
  [0.5, -1.5, 2.0],
  [3.0, 0.25, -0.5],
]);
const zip = (f: (x: number, y: number) => number): Mat => Mat.fromColumnMajor(2, 3, X.data.map((x, k) => f(x, Y.data[k]!)));
const close = (got: Mat, want: Mat, tol = 1e-14): void => {
  expect([got.rows, got.cols]).toEqual([want.rows, want.cols]);
  expect(relError(got, want)).toBeLessThan(tol);
};

describe('.^ with an expression exponent', () => {
  it('values: X.^Y, 2.^X, X.^(2*Y), a scalar x^y', async () => {
    close(await evaluate('X.^Y', { at: { X, Y } }), zip((x, y) => x ** y));
    close(await evaluate('2.^X', { at: { X } }), zip((x) => 2 ** x));
    close(await evaluate('X.^(2*Y)', { at: { X, Y } }), zip((x, y) => x ** (2 * y)));
    close(await evaluate('x^y', { at: { x: Mat.scalar(2), y: Mat.scalar(0.5) } }), Mat.scalar(Math.SQRT2));
    expect((await evaluate(expr.epow('X', 'Y'), { at: { X, Y } })).data).toEqual((await evaluate('X.^Y', { at: { X, Y } })).data);
  });

  it('derivatives by every method: ∂/∂X = diag(Y ⊙ X.^(Y−1)), ∂/∂Y = diag(X.^Y ⊙ log X)', async () => {
    const at = { X, Y };
    await expectJacobianAllMethods('X.^Y', { wrt: 'X', at }, diagOf(zip((x, y) => y * x ** (y - 1))), 'X.^Y wrt X');
    await expectJacobianAllMethods('X.^Y', { wrt: 'Y', at }, diagOf(zip((x, y) => x ** y * Math.log(x))), 'X.^Y wrt Y');
    await expectJacobianAllMethods('2.^X', { wrt: 'X', at }, diagOf(zip((x) => 2 ** x * Math.LN2)), '2.^X');
    const y = Mat.scalar(0.5);
    await expectGradAllMethods('x^y', { wrt: 'y', at: { x: Mat.scalar(3), y } }, Mat.scalar(Math.sqrt(3) * Math.log(3)), 'x^y wrt y');
  });

  it('errors: a negative base to a non-integer power, shapes, a matrix power with a matrix exponent', async () => {
    await expect(evaluate('(-X).^Y', { at: { X, Y } })).rejects.toThrow(DomainError);
    await expect(evaluate('(-X).^Y', { at: { X, Y } })).rejects.toThrow(/^'\.\^' at 4: /);
    await expect(evaluate("X.^Y'", { at: { X, Y } })).rejects.toThrow(ShapeError);
    const S = Mat.eye(2);
    await expect(evaluate('S^S', { at: { S } })).rejects.toThrow(/'\^' at 1: a matrix power needs a numeric constant exponent/);
    // an integer exponent of a negative base is fine
    close(await evaluate('(-X).^(Y.*0 + 3)', { at: { X, Y } }), zip((x) => (-x) ** 3));
  });
});

describe('logsumexp', () => {
  const lse = (v: number[]): number => {
    const m = Math.max(...v);
    return m + Math.log(v.reduce((s, x) => s + Math.exp(x - m), 0));
  };
  it('value (stable where exp overflows) and gradient = softmax of all entries, by every method', async () => {
    close(await evaluate('logsumexp(X)', { at: { X } }), Mat.scalar(Math.log(Array.from(X.data).reduce((s, x) => s + Math.exp(x), 0))));
    close(await evaluate('logsumexp(1000*X)', { at: { X } }), Mat.scalar(lse(Array.from(X.data, (x) => 1000 * x))));
    const l = lse(Array.from(X.data));
    await expectGradAllMethods('logsumexp(X)', { at: { X } }, Mat.fromColumnMajor(2, 3, X.data.map((x) => Math.exp(x - l))), 'logsumexp(X)');
    const l2 = lse(Array.from(X.data, (x) => 300 * x));
    await expectGradAllMethods('logsumexp(300*X)', { at: { X } }, Mat.fromColumnMajor(2, 3, X.data.map((x) => 300 * Math.exp(300 * x - l2))), 'logsumexp(300*X)', );
  });
});
