/**
 * `/` and `\` (MATLAB's right and left division, DESIGN.md §2): values against the float64
 * kernels (inv, matmul), derivatives by every method in both layouts against closed forms
 * built from the kernels only, and errors that name the operator as written.
 */
import { describe, expect, it } from 'vitest';
import { DomainError, Mat, ParseError, ShapeError, SingularMatrixError, det, evaluate, expr, inv, kron, matmul, relError, scale, trace, transpose } from '../../src/index.js';
import { formatAst, parse } from '../../src/expr/parse.js';
import { expectGradAllMethods, expectJacobianAllMethods, wellConditioned } from '../diff/helpers.js';

const X = wellConditioned(3, 11);
const A = Mat.random(2, 3, { seed: 12 });
const B = Mat.random(3, 2, { seed: 13 });
const W = wellConditioned(3, 14);
const I2 = Mat.eye(2);
const I3 = Mat.eye(3);
const close = (got: Mat, want: Mat): void => expect(relError(got, want)).toBeLessThan(1e-12);

describe('right division /', () => {
  it('by a scalar is entrywise: X/2, 1/tr(X), det(X)^(1/3)', async () => {
    close(await evaluate('X/2', { at: { X } }), scale(X, 0.5));
    close(await evaluate('1/tr(X)', { at: { X } }), Mat.scalar(1 / trace(X)));
    close(await evaluate('det(X)^(1/3)', { at: { X } }), Mat.scalar(Math.cbrt(det(X))));
    await expectJacobianAllMethods('X/2', { at: { X } }, scale(Mat.eye(9), 0.5), 'X/2');
    // ∇(1/tr X) = −I/tr², ∇ det^(1/3) = det^(1/3)/3 · X⁻ᵀ
    await expectGradAllMethods('1/tr(X)', { at: { X } }, scale(I3, -1 / trace(X) ** 2), '1/tr(X)');
    await expectGradAllMethods('det(X)^(1/3)', { at: { X } }, scale(transpose(inv(X)), Math.cbrt(det(X)) / 3), 'det(X)^(1/3)');
  });

  it('A/X = A·X⁻¹ by a solve: J = −(X⁻ᵀ ⊗ A X⁻¹)', async () => {
    const AXi = matmul(A, inv(X));
    close(await evaluate('A/X', { at: { A, X } }), AXi);
    // denominator D = Jᵀ = −(X⁻¹ ⊗ (A X⁻¹)ᵀ)
    await expectJacobianAllMethods('A/X', { wrt: 'X', at: { A, X } }, scale(kron(inv(X), transpose(AXi)), -1), 'A/X');
  });

  it('X/W: J = W⁻ᵀ ⊗ I', async () => {
    const Y = Mat.random(2, 3, { seed: 15 });
    close(await evaluate('Y/W', { at: { Y, W } }), matmul(Y, inv(W)));
    await expectJacobianAllMethods('Y/W', { wrt: 'Y', at: { Y, W } }, kron(inv(W), I2), 'Y/W');
  });

  it('a scalar by a matrix is a·X⁻¹', async () => {
    close(await evaluate('2/X', { at: { X } }), scale(inv(X), 2));
  });
});

describe('left division \\', () => {
  it('X\\B = X⁻¹B: J = −((X⁻¹B)ᵀ ⊗ X⁻¹)', async () => {
    const XiB = matmul(inv(X), B);
    close(await evaluate('X\\B', { at: { X, B } }), XiB);
    await expectJacobianAllMethods('X\\B', { wrt: 'X', at: { X, B } }, scale(kron(XiB, transpose(inv(X))), -1), 'X\\B');
  });

  it('W\\Y: J = I ⊗ W⁻¹; a scalar divides entrywise (2\\X = X/2)', async () => {
    const Y = Mat.random(3, 2, { seed: 16 });
    await expectJacobianAllMethods('W\\Y', { wrt: 'Y', at: { W, Y } }, kron(I2, transpose(inv(W))), 'W\\Y');
    close(await evaluate('2\\X', { at: { X } }), scale(X, 0.5));
  });

  it('/ and \\ bind like * and are left-associative', () => {
    const t = (s: string): string => formatAst(parse(s));
    expect(t('a/b*c')).toBe('a / b * c');
    expect(t('a/(b*c)')).toBe('a / (b * c)');
    expect(parse('a + b\\c')).toMatchObject({ op: '+', b: { op: '\\' } });
    expect(parse('-a/b^2')).toMatchObject({ op: '/', a: { kind: 'neg' }, b: { op: '^' } });
  });

  it('builder: rdiv and ldiv give the parsed Ast', () => {
    const [a, x] = [expr.sym('A'), expr.sym('X')];
    expect(a.rdiv(x).toString()).toBe('A / X');
    expect(expr.ldiv(x, a).toString()).toBe('X \\ A');
  });
});

describe('errors name the operator as written', () => {
  const Z = Mat.zeros(3, 3);
  it('singular divisors, division by zero, shapes', async () => {
    await expect(evaluate('A/Z', { at: { A, Z } })).rejects.toThrow(SingularMatrixError);
    await expect(evaluate('A/Z', { at: { A, Z } })).rejects.toThrow(/^'\/' at 1: the 3×3 matrix is singular/);
    await expect(evaluate('Z\\B', { at: { Z, B } })).rejects.toThrow(/^'\\' at 1/);
    await expect(evaluate('X/0', { at: { X } })).rejects.toThrow(DomainError);
    await expect(evaluate('X/0', { at: { X } })).rejects.toThrow(/^'\/' at 1: .*division by zero/);
    await expect(evaluate('B/X', { at: { B, X } })).rejects.toThrow(ShapeError);
    await expect(evaluate('A\\X', { at: { A, X } })).rejects.toThrow(/'\\' at 1 needs a square matrix, got 2×3/);
    await expect(evaluate('X /', { at: { X } })).rejects.toThrow(ParseError);
  });
});
