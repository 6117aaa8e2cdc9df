import { describe, expect, it } from 'vitest';
import { compileScalar } from '../../src/api.js';
import { linearize } from '../../src/diff/jvp.js';
import { topoOrder, variable } from '../../src/diff/nodes.js';
import { simplifyLinear } from '../../src/diff/simplify.js';
import type { Node } from '../../src/expr/ast.js';
import { check, formatNode } from '../../src/expr/check.js';
import { evaluateNode } from '../../src/expr/eval.js';
import { parse } from '../../src/expr/parse.js';
import { Mat } from '../../src/mat/mat.js';
import { wellConditioned } from './helpers.js';

/**
 * simplifyLinear rewrites a linear expression L(dX) into one with fewer products and passes. It must
 * keep L's value for every dX: checked on random dX (fixed seeds) against the expression as written,
 * in float64 (the rewrites are exact in exact arithmetic: differences are rounding only).
 */
const n = 5;
const at: Record<string, Mat> = {
  A: Mat.random(n, n, { seed: 1 }),
  B: Mat.random(n, n, { seed: 2 }),
  C: Mat.random(n, n, { seed: 3 }),
  s: Mat.scalar(1.7),
  X: wellConditioned(n, 4),
};

function rel(a: Mat, b: Mat): number {
  let num = 0;
  let den = 0;
  for (let k = 0; k < a.data.length; k++) {
    num += (a.data[k]! - b.data[k]!) ** 2;
    den += b.data[k]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}

/** L and its rewrite agree at three random dX. */
function expectSameMap(L: Node, S: Node, seedShape: [number, number], env: Record<string, Mat>): void {
  for (const seed of [11, 12, 13]) {
    const e = { ...env, dX: Mat.random(seedShape[0], seedShape[1], { seed }) };
    expect(rel(evaluateNode(S, e), evaluateNode(L, e)), `${formatNode(L)} → ${formatNode(S)}`).toBeLessThanOrEqual(1e-13);
  }
}

const products = (x: Node): number => topoOrder(x).filter((y) => y.op === 'matmul').length;
/** Passes over the batch that are neither products nor the seed: what the rewrite removes. */
const seedTransposesAtTop = (x: Node): boolean => x.op === 'transpose' || x.op === 'neg';

describe('simplifyLinear: same linear map, fewer products and passes', () => {
  it.each([
    ["(A*dX)' + (B*dX)'", 1],
    ["(A*dX)' + (dX'*B)'", 2],
    ["(dX'*A')' + (dX'*A)'", 1],
    ['A*dX + B*dX - C*dX', 1],
    ['dX*A - dX*B + dX*C', 1],
    ["-(A*dX*B)' - (C*dX*B)'", 2],
    ['-(A*dX) - B*dX', 1],
    ['s*(A*dX) + 2*(B*dX)', 1],
    ["(dX' + dX)'", 0],
    ["-(dX*A)'", 1],
    ["A*dX + dX'*B + C*dX'", 3],
    ["A*dX*B + A*dX*C", 2],
    ["(A*(dX + dX')*B)'", 2],
    ['(A .* dX)\' + B*dX', 1],
    ["tr(A*dX) + sum(dX'*B)", 2],
  ] as const)('%s (products after: %i)', (text, after) => {
    const L = check(parse(text), { ...at, dX: [n, n] });
    const S = simplifyLinear(L, 'dX');
    expectSameMap(L, S, [n, n], at);
    expect(products(S)).toBe(after);
    expect(products(S)).toBeLessThanOrEqual(products(L));
  });

  it('leaves an expression without the seed, and the seed alone, as they are', () => {
    const P = check(parse("A*B'"), at);
    expect(simplifyLinear(P, 'dX')).toBe(P);
    const d = variable('dX', [n, n]);
    expect(simplifyLinear(d, 'dX')).toBe(d);
  });

  it('rectangular operands and scalar broadcasts', () => {
    const env = { ...at, R: Mat.random(3, n, { seed: 5 }), Q: Mat.random(3, n, { seed: 6 }), c: Mat.scalar(-0.5) };
    for (const text of ["(R*dX)' + (Q*dX)'", "R*dX*R' - Q*dX*Q' + c", "(R*dX + Q*dX)' .* (dX'*R')", 'c*(R*dX) + sum(dX)']) {
      const L = check(parse(text), { ...env, dX: [n, n] });
      // (R*dX + Q*dX)' .* (dX'*R') is not linear, but the rewrite is a rewrite of any expression in dX
      expectSameMap(L, simplifyLinear(L, 'dX'), [n, n], env);
    }
  });

  it.each([
    "logdet(X) + tr(X'*A*X)",
    "tr(X'*A*X)",
    'logdet(X)',
    'sum(inv(X))',
    'sum(sigmoid(A*X))',
    "norm(X*X')",
    "sum(kron(X, X') .* kron(A, B))",
    "3*tr(X'*A*X) - 2*logdet(X) + tr(X*B*X*C)",
    "sum((A*X - X'*B).^2)",
  ])('the Hessian tangent of %s (forward over reverse) keeps its value', (f) => {
    const c = compileScalar(f, at, 'X', 'test');
    const L = linearize(c.grad, 'X', variable('dX', [n, n]))!;
    const S = simplifyLinear(L, 'dX');
    expectSameMap(L, S, [n, n], c.env);
    expect(products(S)).toBeLessThanOrEqual(products(L));
  });

  it("logdet(X) + tr(X'*A*X): 4 products, 3 transposes and a negation become 3 products and one sum", () => {
    const c = compileScalar("logdet(X) + tr(X'*A*X)", at, 'X', 'test');
    const L = linearize(c.grad, 'X', variable('dX', [n, n]))!;
    const S = simplifyLinear(L, 'dX');
    expect(products(L)).toBe(4);
    expect(products(S)).toBe(3);
    expect(seedTransposesAtTop(S)).toBe(false);
    expect(S.op === 'add' || S.op === 'sub').toBe(true);
  });
});
