import { describe, expect, it } from 'vitest';
import { DomainError, InvalidArgumentError, NonFiniteError, ShapeError, SingularMatrixError, UnknownNameError } from '../../src/errors.js';
import { check } from '../../src/expr/check.js';
import { checkEnv, evaluateExpr, evaluateNode } from '../../src/expr/eval.js';
import * as ex from '../../src/expr/build.js';
import { parse } from '../../src/expr/parse.js';
import { Mat } from '../../src/mat/mat.js';

const X = Mat.from([
  [2, 1, 0],
  [1, 3, 1],
  [0, 1, 4],
]); // det = 2(12-1) - 1(4-0) = 18
const A = Mat.from([
  [1, 2, 0],
  [0, 1, 3],
  [4, 0, 1],
]);
const B = Mat.from([
  [1, 2],
  [3, 4],
  [5, 6],
]);
const x = Mat.col([0.5, 2, 3]);
const env = { X, A, B, x, s: Mat.scalar(2) };
const E = (text: string): Mat => evaluateExpr(text, env);
const arr = (text: string): number[][] => E(text).toArray();
const val = (text: string): number => {
  const m = E(text);
  expect(m.shape).toEqual([1, 1]);
  return m.data[0]!;
};
const close = (a: Mat, b: Mat, tol = 1e-12): void => {
  expect(a.shape).toEqual(b.shape);
  for (let k = 0; k < a.size; k++) expect(Math.abs(a.data[k]! - b.data[k]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(b.data[k]!)));
};

describe('evaluate: closed forms', () => {
  it('arithmetic and broadcasting', () => {
    expect(arr('B + 1')).toEqual([
      [2, 3],
      [4, 5],
      [6, 7],
    ]);
    expect(arr('2*B - B')).toEqual(B.toArray());
    expect(arr('B .* B ./ B')).toEqual(B.toArray());
    expect(arr("B' * B")).toEqual([
      [35, 44],
      [44, 56],
    ]);
    expect(arr('-B(2,:)'.replace('(2,:)', '(2, 1)'))).toEqual([[-3]]);
    expect(arr('1 ./ s')).toEqual([[0.5]]);
  });
  it('transpose, indexing (1-based, column-major), vec, diag', () => {
    expect(arr("B'")).toEqual([
      [1, 3, 5],
      [2, 4, 6],
    ]);
    expect(val('B(4)')).toBe(2);
    expect(val('B(3, 2)')).toBe(6);
    expect(arr('vec(B)')).toEqual([[1], [3], [5], [2], [4], [6]]);
    expect(arr('diag(x)')).toEqual([
      [0.5, 0, 0],
      [0, 2, 0],
      [0, 0, 3],
    ]);
    expect(arr('diag(X)')).toEqual([[2], [3], [4]]);
  });
  it('reductions', () => {
    expect(val('tr(X)')).toBe(9);
    expect(val('sum(B)')).toBe(21);
    expect(val('norm(B)')).toBeCloseTo(Math.sqrt(91), 14);
    expect(val('det(X)')).toBeCloseTo(18, 12);
    expect(val('logdet(X)')).toBeCloseTo(Math.log(18), 14);
    expect(val("logdet(X) + tr(X'*A*X)")).toBeCloseTo(Math.log(18) + 68, 10);
  });
  it('inv and matrix powers', () => {
    close(E('X * inv(X)'), Mat.eye(3), 1e-14);
    close(E('X^3'), E('X*X*X'));
    close(E('X^4'), E('(X*X)*(X*X)'));
    close(E('X^-1'), E('inv(X)'));
    close(E('X^-2'), E('inv(X)*inv(X)'));
    close(E('X^0'), Mat.eye(3));
    expect(val('s^-1')).toBe(0.5);
    expect(val('2^-1')).toBe(0.5);
    expect(val('-s^2')).toBe(-4);
  });
  it('kron and concat', () => {
    expect(arr('kron([1, 2], [1; 10])')).toEqual([
      [1, 2],
      [10, 20],
    ]);
    expect(arr('[x, x; 1, 2]')).toEqual([
      [0.5, 0.5],
      [2, 2],
      [3, 3],
      [1, 2],
    ]);
    expect(arr('[x(1)^2 + x(2)^2 + x(3); x(3)^2 + 2*x(1)]')).toEqual([[0.25 + 4 + 3], [9 + 1]]);
    expect(val('log(x(1)) + x(1)*x(2) - sin(x(2))')).toBeCloseTo(Math.log(0.5) + 1 - Math.sin(2), 14);
  });
  it('elementwise functions', () => {
    expect(arr('exp(x)')[1]![0]).toBe(Math.exp(2));
    expect(arr('sqrt(x)')[2]![0]).toBe(Math.sqrt(3));
    expect(arr('tanh(x)')[0]![0]).toBe(Math.tanh(0.5));
    expect(arr('cos(x)')[0]![0]).toBe(Math.cos(0.5));
    expect(arr('x.^0.5')[2]![0]).toBeCloseTo(Math.sqrt(3), 15);
    expect(arr('x.^-1')[1]![0]).toBe(0.5);
  });
  it('sigmoid is numerically stable', () => {
    const big = { z: Mat.col([-1000, -40, 0, 40, 1000]) };
    const s = evaluateExpr('sigmoid(z)', big).data;
    expect(s[0]).toBe(0);
    expect(s[1]! / (1 / (1 + Math.exp(40)))).toBeCloseTo(1, 14); // no underflow to 0, no 1 - 1
    expect(s[2]).toBe(0.5);
    expect(s[3]).toBe(1 / (1 + Math.exp(-40)));
    expect(s[4]).toBe(1);
    expect(Array.from(s).every(Number.isFinite)).toBe(true);
  });
  it('softmax works column by column and survives large entries', () => {
    const S = evaluateExpr('softmax(Z)', { Z: Mat.from([[1, 1000], [2, 1001], [3, 999]]) });
    for (let j = 0; j < 2; j++) expect(S.get(0, j) + S.get(1, j) + S.get(2, j)).toBeCloseTo(1, 15);
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const t = e[0]! + e[1]! + e[2]!;
    expect(S.get(2, 0)).toBeCloseTo(e[2]! / t, 15);
    expect(S.get(1, 1)).toBeCloseTo(e[2]! / t, 15);
  });
  it('builder expressions evaluate the same', () => {
    const Xs = ex.sym('X');
    close(evaluateExpr(Xs.logdet().add(Xs.T.mul('A').mul(Xs).tr()), env), E("logdet(X) + tr(X'*A*X)"));
  });
  it('shared nodes are evaluated once (memoised per call)', () => {
    let reads = 0;
    const counting = new Proxy({ X }, { get: (t, p) => (p === 'X' && reads++, Reflect.get(t, p)) });
    const n = check(parse('X^8'), { X: [3, 3] });
    close(evaluateNode(n, counting), E('X*X*X*X*X*X*X*X'), 1e-12);
    expect(reads).toBe(1);
  });
  it('float32 inputs evaluate in float64', () => {
    const r = evaluateExpr('Y * 2', { Y: new Mat(1, 2, Float32Array.of(0.1, 0.2)) });
    expect(r.data).toBeInstanceOf(Float64Array);
    expect(r.data[0]).toBe(2 * Math.fround(0.1));
  });
});

describe('evaluate: errors', () => {
  const fails = (text: string, values: Record<string, Mat>, cls: new (...a: never[]) => Error, re: RegExp): void => {
    let err: unknown;
    try {
      evaluateExpr(text, values);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(cls);
    expect((err as Error).message).toMatch(re);
  };
  it('log of a non-positive entry, sqrt of a negative one', () => {
    fails('1 + log(v)', { v: Mat.col([1, -2]) }, DomainError, /'log' at 4: entry \(2, 1\) of its 2×1 argument is -2/);
    fails('log(v)', { v: Mat.col([0]) }, DomainError, /entry \(1, 1\)/);
    fails('sqrt(v)', { v: Mat.col([1, 4, -1]) }, DomainError, /'sqrt' at 0: entry \(3, 1\)/);
    expect(evaluateExpr('sqrt(v)', { v: Mat.col([0]) }).data[0]).toBe(0);
  });
  it('pow outside its domain, division by zero', () => {
    fails('v.^0.5', { v: Mat.col([-1]) }, DomainError, /'\.\^' at 1/);
    fails('v.^-1', { v: Mat.col([0]) }, DomainError, /zero to the negative power/);
    fails('1 ./ v', { v: Mat.col([1, 0]) }, DomainError, /'\.\/' at 2: entry \(2, 1\).*division by zero/);
  });
  it('logdet with det ≤ 0, inv of a singular matrix', () => {
    fails('logdet(M)', { M: Mat.from([[0, 1], [1, 0]]) }, DomainError, /'logdet' at 0: .*det X > 0/);
    fails('logdet(M)', { M: Mat.from([[1, 2], [2, 4]]) }, DomainError, /'logdet' at 0/);
    fails('2 * inv(M)', { M: Mat.from([[1, 2], [2, 4]]) }, SingularMatrixError, /'inv' at 4: .*singular/);
    fails('M^-1', { M: Mat.from([[1, 2], [2, 4]]) }, SingularMatrixError, /'inv' at 1/);
    expect(evaluateExpr('det(M)', { M: Mat.from([[1, 2], [2, 4]]) }).data[0]).toBeCloseTo(0, 14);
  });
  it('overflow is reported, not returned', () => {
    fails('exp(v)', { v: Mat.col([1, 1000]) }, NonFiniteError, /'exp' at 0 produced a non-finite value Infinity at entry \(2, 1\)/);
  });
  it('bad bindings', () => {
    fails('v + 1', { v: Mat.col([1, NaN]) }, NonFiniteError, /input 'v' \(2×1\) has a non-finite entry NaN at \(2, 1\)/);
    expect(() => checkEnv({ v: [[1, 2]] })).toThrow(InvalidArgumentError);
    expect(() => checkEnv({ v: 3 })).toThrow(/Mat.scalar/);
    expect(() => checkEnv({ W: Mat.col([Infinity]) })).toThrow(NonFiniteError);
    expect(() => checkEnv(null as never)).toThrow(InvalidArgumentError);
    checkEnv({ A, B });
  });
  it('evaluateNode checks bindings against the checked shapes', () => {
    const n = check(parse('A * v'), { A: [3, 3], v: [3, 1] });
    expect(() => evaluateNode(n, { A })).toThrow(UnknownNameError);
    expect(() => evaluateNode(n, { A, v: Mat.col([1, 2]) })).toThrow(ShapeError);
  });
});
