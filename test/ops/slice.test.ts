/**
 * Colon ranges and `end` in indices (MATLAB): values against entries read one by one,
 * derivatives by every method (a submatrix is a structured term P_I dX P_J), the text form, the
 * builder, and located errors.
 */
import { describe, expect, it } from 'vitest';
import { Mat, ParseError, ShapeError, check, evaluate, expr, formatNode, kron, matmul, parse, transpose } from '../../src/index.js';
import { expectJacobianAllMethods } from '../diff/helpers.js';

const X = Mat.random(3, 4, { seed: 21 });
const x = Mat.col([0.5, -1, 2, 3]);
/** The matrix of entries (rows I, columns J, 1-based) of M. */
const pick = (M: Mat, I: number[], J: number[]): Mat => Mat.from(I.map((i) => J.map((j) => M.get(i - 1, j - 1))));
/** D of a pure selection F = M(picks) (picks: 0-based entries of vec M, in vec F order): D[src, k] = 1. */
function selectionD(size: number, picks: number[]): Mat {
  const D = Mat.zeros(size, picks.length);
  picks.forEach((src, k) => (D.data[src + k * size] = 1));
  return D;
}
/** Selection matrix, |I|×size, rows of the identity (1-based picks). */
const P = (I: number[], size: number): Mat => Mat.from(I.map((i) => Array.from({ length: size }, (_, c) => (c === i - 1 ? 1 : 0))));

describe('ranges and end', () => {
  it('values: X(:, j), X(2:end, 1:3), X(end, :), X(1:2:end, end), x(end-1:end), X(:)', async () => {
    const at = { X, x };
    const ev = async (s: string): Promise<Mat> => evaluate(s, { at });
    expect((await ev('X(:, 2)')).data).toEqual(pick(X, [1, 2, 3], [2]).data);
    expect((await ev('X(2:end, 1:3)')).data).toEqual(pick(X, [2, 3], [1, 2, 3]).data);
    expect((await ev('X(end, :)')).data).toEqual(pick(X, [3], [1, 2, 3, 4]).data);
    expect((await ev('X(1:2:end, end)')).data).toEqual(pick(X, [1, 3], [4]).data);
    expect((await ev('X(end:-1:1, 1)')).data).toEqual(pick(X, [3, 2, 1], [1]).data);
    const tail = await ev('x(end-1:end)');
    expect([tail.rows, tail.cols, ...tail.data]).toEqual([2, 1, 2, 3]);
    const all = await ev('X(:)');
    expect([all.rows, all.cols]).toEqual([12, 1]);
    expect(all.data).toEqual(X.data);
    // a matrix indexed linearly by a range gives a row (MATLAB)
    const lin = await ev('X(2:4)');
    expect([lin.rows, lin.cols, ...lin.data]).toEqual([1, 3, ...X.data.slice(1, 4)]);
  });

  it('derivatives by every method: selections, and A·X(I,J)·B = (P_J B) ⊗ (A P_I)ᵀ (denominator)', async () => {
    await expectJacobianAllMethods('X(:, 2)', { wrt: 'X', at: { X } }, selectionD(12, [3, 4, 5]), 'X(:, 2)');
    await expectJacobianAllMethods('X(end, 2:end)', { wrt: 'X', at: { X } }, selectionD(12, [5, 8, 11]), 'X(end, 2:end)');
    await expectJacobianAllMethods('x(end-1:end)', { wrt: 'x', at: { x } }, selectionD(4, [2, 3]), 'x(end-1:end)');
    await expectJacobianAllMethods('X(2:4)', { wrt: 'X', at: { X } }, selectionD(12, [1, 2, 3]), 'X(2:4)');
    const A = Mat.random(2, 2, { seed: 22 });
    const B = Mat.random(2, 3, { seed: 23 });
    const PI = P([2, 3], 3);
    const PJ = transpose(P([1, 2], 4));
    const D = kron(matmul(PJ, B), transpose(matmul(A, PI)));
    await expectJacobianAllMethods('A*X(2:end, 1:2)*B', { wrt: 'X', at: { X, A, B } }, D, 'A*X(2:end,1:2)*B');
  });

  it('text form round-trips; the builder gives the parsed Ast', () => {
    const n = check(parse('X(2:end, 1:2:end)'), { X: [3, 4] });
    expect(formatNode(n)).toBe('X(2:3, 1:2:3)');
    expect(formatNode(check(parse('X(:, end)'), { X: [3, 4] }))).toBe('X(:, 4)');
    expect(expr.index('X', ':', 2).toString()).toBe('X(:, 2)');
    expect(expr.sym('X').index('2:end', 'end').toString()).toBe('X(2:end, end)');
    expect(expr.index('X', 1, 2).ast).toEqual(expr.at('X', 1, 2).ast);
  });

  it('errors: out of bounds, empty or zero-step ranges, non-constant indices, end outside an index', async () => {
    const at = { X, x };
    await expect(evaluate('X(1, end+1)', { at })).rejects.toThrow(ShapeError);
    await expect(evaluate('X(1, end+1)', { at })).rejects.toThrow(/index 5 at 1 is out of bounds for a 3×4 operand \(columns run 1\.\.4\)/);
    await expect(evaluate('X(3:2, 1)', { at })).rejects.toThrow(/index range 3:2 at 1 is empty/);
    await expect(evaluate('X(1:0:3, 1)', { at })).rejects.toThrow(ParseError);
    await expect(evaluate('X(1:x, 1)', { at })).rejects.toThrow(/index at 4 must be a numeric constant/);
    await expect(evaluate('X(0:2, 1)', { at })).rejects.toThrow(/index 0 at 2 must be a positive integer/);
    await expect(evaluate('end + X', { at })).rejects.toThrow(/unknown name 'end'|'end'/);
    expect(() => expr.index('X', '2:')).toThrow(/index "2:"/);
  });
});
