/**
 * max(X, Y), min(X, Y) (entrywise, a scalar broadcast) and relu: values against loops written
 * here, derivatives by every method in both layouts, and the kink conventions of JAX: a tie in
 * max/min splits the derivative equally (as central differences do), relu′(0) = 0.
 */
import { describe, expect, it } from 'vitest';
import { Mat, ParseError, ShapeError, evaluate, expr, grad, jacobian, type Bindings } from '../../src/index.js';
import { diagOf, expectGradAllMethods, expectJacobianAllMethods, vecOf } from '../diff/helpers.js';

const X = Mat.from([
  [0.5, -1.2, 2.0],
  [-0.3, 0.8, -2.5],
]);
const Y = Mat.from([
  [0.1, -0.7, 2.4],
  [0.6, 0.8, -3.0],
]); // entry (2, 2) ties with X
const entries = (M: Mat, f: (x: number, k: number) => number): Mat => Mat.fromColumnMajor(M.rows, M.cols, M.data.map(f));

describe('max / min', () => {
  it('values: entrywise, a scalar broadcast on either side', async () => {
    const at = { X, Y };
    expect((await evaluate('max(X, Y)', { at })).data).toEqual(entries(X, (x, k) => (x > Y.data[k]! ? x : Y.data[k]!)).data);
    expect((await evaluate('min(X, Y)', { at })).data).toEqual(entries(X, (x, k) => (x < Y.data[k]! ? x : Y.data[k]!)).data);
    expect((await evaluate('max(X, 0)', { at })).data).toEqual(entries(X, (x) => (x > 0 ? x : 0)).data);
    expect((await evaluate('min(1, X)', { at })).data).toEqual(entries(X, (x) => (x < 1 ? x : 1)).data);
    expect((await evaluate(expr.max('X', 'Y'), { at })).data).toEqual((await evaluate('max(X, Y)', { at })).data);
  });

  it('derivatives by every method: diag of the selector, ties split ½–½ (central differences agree)', async () => {
    const at: Bindings = { X, Y };
    // ∂max(X,Y)/∂X = diag(vec M), M = 1 where X > Y, ½ at a tie, 0 elsewhere
    const mx = entries(X, (x, k) => (x > Y.data[k]! ? 1 : x === Y.data[k]! ? 0.5 : 0));
    await expectJacobianAllMethods('max(X, Y)', { wrt: 'X', at }, diagOf(mx), 'max(X, Y) wrt X');
    await expectJacobianAllMethods('max(X, Y)', { wrt: 'Y', at }, diagOf(entries(mx, (v) => 1 - v)), 'max(X, Y) wrt Y');
    const mn = entries(X, (x, k) => (x < Y.data[k]! ? 1 : x === Y.data[k]! ? 0.5 : 0));
    await expectJacobianAllMethods('min(X, Y)', { wrt: 'X', at }, diagOf(mn), 'min(X, Y) wrt X');
  });

  it('a broadcast scalar collects the entries it wins: ∂ sum(max(X, s))/∂s = #{X < s}', async () => {
    const s = Mat.scalar(0.55);
    const at: Bindings = { X, s };
    await expectGradAllMethods('sum(max(X, s))', { wrt: 's', at }, Mat.scalar(X.data.filter((x) => x < 0.55).length), 'sum(max(X, s)) wrt s');
    await expectGradAllMethods('sum(min(X, s).^2)', { wrt: 'X', at }, entries(X, (x) => (x < 0.55 ? 2 * x : 0)), 'sum(min(X, s).^2) wrt X');
  });

  it('errors: two arguments of broadcastable shapes', async () => {
    await expect(evaluate('max(X)', { at: { X } })).rejects.toThrow(ParseError);
    await expect(evaluate('max(X)', { at: { X } })).rejects.toThrow(/'max' at 0 takes 2 arguments, got 1/);
    await expect(evaluate("max(X, X')", { at: { X } })).rejects.toThrow(ShapeError);
    await expect(evaluate("max(X, X')", { at: { X } })).rejects.toThrow(/'max' at 0: shapes differ: 2×3 max 3×2/);
  });
});

describe('relu', () => {
  it('relu(x) = max(x, 0) in value; relu′(0) = 0 (JAX), where max(x, 0) splits the tie', async () => {
    const x = Mat.col([-1, 0, 2]);
    expect((await evaluate('relu(x)', { at: { x } })).data).toEqual(Float64Array.from([0, 0, 2]));
    for (const method of ['structured', 'forward', 'reverse'] as const) {
      expect((await jacobian('relu(x)', { wrt: 'x', at: { x }, method, backend: 'cpu' })).data).toEqual(diagOf(Mat.col([0, 0, 1])).data);
      expect((await jacobian('max(x, 0)', { wrt: 'x', at: { x }, method, backend: 'cpu' })).data).toEqual(diagOf(Mat.col([0, 0.5, 1])).data);
    }
    // away from the kink relu and max(x, 0) agree by every method
    const z = Mat.col([-1, 0.5, 2]);
    await expectJacobianAllMethods('relu(z)', { wrt: 'z', at: { z } }, diagOf(Mat.col([0, 1, 1])), 'relu(z)');
    expect((await grad('sum(relu(z))', { wrt: 'z', at: { z }, backend: 'cpu' })).data).toEqual(vecOf(Mat.col([0, 1, 1])).data);
  });
});
