import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  MatjacError,
  NotSquareError,
  ParseError,
  ShapeError,
  UnknownNameError,
  type Shape,
} from '../../src/errors.js';
import type { Node, NodeOf } from '../../src/expr/ast.js';
import { check, formatNode, freeVars } from '../../src/expr/check.js';
import { parse } from '../../src/expr/parse.js';
import { Mat } from '../../src/mat/mat.js';

const env: Record<string, Shape> = {
  X: [3, 3],
  A: [3, 3],
  B: [3, 2],
  C: [2, 4],
  x: [3, 1],
  r: [1, 3],
  s: [1, 1],
};
const C = (text: string): Node => check(parse(text), env);

function fails<T extends MatjacError>(text: string, cls: new (...args: never[]) => T): T {
  try {
    C(text);
  } catch (e) {
    expect(e).toBeInstanceOf(cls);
    return e as T;
  }
  throw new Error(`no error for ${text}`);
}

describe('check: shapes and lowering', () => {
  it('variables and numbers', () => {
    expect(C('X')).toMatchObject({ op: 'var', name: 'X', shape: [3, 3], pos: 0 });
    const k = C('2.5') as NodeOf<'const'>;
    expect(k.op).toBe('const');
    expect(k.shape).toEqual([1, 1]);
    expect(k.value.data[0]).toBe(2.5);
  });
  it('values can be bound instead of shapes', () => {
    expect(check(parse('A*B'), { A: Mat.zeros(2, 3), B: Mat.zeros(3, 5) }).shape).toEqual([2, 5]);
  });
  it("'*' resolves to matmul or a scalar broadcast", () => {
    expect(C('A*B')).toMatchObject({ op: 'matmul', shape: [3, 2] });
    expect(C('2*B')).toMatchObject({ op: 'mul', shape: [3, 2] });
    expect(C('B*s')).toMatchObject({ op: 'mul', shape: [3, 2] });
    expect(C('s*s')).toMatchObject({ op: 'mul', shape: [1, 1] });
    expect(C('r*x')).toMatchObject({ op: 'matmul', shape: [1, 1] });
    expect(C('x*r')).toMatchObject({ op: 'matmul', shape: [3, 3] });
    expect(C("x(1)*x'")).toMatchObject({ op: 'mul', shape: [1, 3] });
  });
  it('+ - .* ./ with equal shapes or scalar broadcast', () => {
    expect(C('A + X')).toMatchObject({ op: 'add', shape: [3, 3] });
    expect(C('1 - B')).toMatchObject({ op: 'sub', shape: [3, 2] });
    expect(C('B .* B')).toMatchObject({ op: 'mul', shape: [3, 2] });
    expect(C('B ./ 2')).toMatchObject({ op: 'div', shape: [3, 2] });
  });
  it('neg, transpose, elementwise functions keep or swap shapes', () => {
    expect(C('-B')).toMatchObject({ op: 'neg', shape: [3, 2] });
    expect(C("B'")).toMatchObject({ op: 'transpose', shape: [2, 3] });
    for (const f of ['exp', 'log', 'sin', 'cos', 'tanh', 'sigmoid', 'sqrt']) expect(C(`${f}(B)`)).toMatchObject({ op: 'fn', fn: f, shape: [3, 2] });
    expect(C('softmax(B)')).toMatchObject({ op: 'softmax', shape: [3, 2] });
  });
  it('reductions are 1×1', () => {
    for (const f of ['tr', 'det', 'logdet']) expect(C(`${f}(X)`)).toMatchObject({ op: f, shape: [1, 1] });
    expect(C('sum(B)')).toMatchObject({ op: 'sum', shape: [1, 1] });
    expect(C('norm(B)')).toMatchObject({ op: 'norm', shape: [1, 1] });
    expect(C("logdet(X) + tr(X'*A*X)").shape).toEqual([1, 1]);
  });
  it('inv and kron', () => {
    expect(C('inv(X)')).toMatchObject({ op: 'inv', shape: [3, 3] });
    expect(C('kron(B, C)')).toMatchObject({ op: 'kron', shape: [6, 8] });
  });
  it('.^ needs a constant exponent and gives pow; constants fold', () => {
    expect(C('B.^2')).toMatchObject({ op: 'pow', p: 2, shape: [3, 2] });
    expect(C('B.^-0.5')).toMatchObject({ op: 'pow', p: -0.5 });
    expect(C("B.^2'")).toMatchObject({ op: 'pow', p: 2 });
    expect(C('B.^(1./2)')).toMatchObject({ op: 'pow', p: 0.5 });
  });
  it('^ of a scalar is pow with any numeric exponent', () => {
    expect(C('s^0.5')).toMatchObject({ op: 'pow', p: 0.5, shape: [1, 1] });
    expect(C('x(1)^2')).toMatchObject({ op: 'pow', p: 2, a: { op: 'gather' } });
    expect(C('2^-1')).toMatchObject({ op: 'pow', p: -1, a: { op: 'const' } });
  });
  it('^ of a square matrix: balanced products sharing nodes', () => {
    const x2 = C('X^2') as NodeOf<'matmul'>;
    expect(x2).toMatchObject({ op: 'matmul', a: { op: 'var' }, b: { op: 'var' } });
    const x4 = C('X^4') as NodeOf<'matmul'>;
    expect(x4.op).toBe('matmul');
    expect(x4.a).toBe(x4.b); // (X*X)*(X*X) shares X*X
    expect(x4.a).toMatchObject({ op: 'matmul', a: { name: 'X' }, b: { name: 'X' } });
    const x3 = C('X^3') as NodeOf<'matmul'>;
    expect(x3).toMatchObject({ op: 'matmul', a: { op: 'matmul' }, b: { op: 'var' } });
    expect(formatNode(C('X^5'))).toBe('X * X * (X * X) * X');
    expect(C('X^1')).toMatchObject({ op: 'var', name: 'X' });
  });
  it('X^0 is the identity constant, X^-k powers of inv(X)', () => {
    const i = C('X^0') as NodeOf<'const'>;
    expect(i.op).toBe('const');
    expect(i.value.toArray()).toEqual(Mat.eye(3).toArray());
    const m = C('X^-2') as NodeOf<'matmul'>;
    expect(m.op).toBe('matmul');
    expect(m.a).toBe(m.b);
    expect(m.a).toMatchObject({ op: 'inv', a: { name: 'X' } });
    expect(C('X^-1')).toMatchObject({ op: 'inv' });
  });
  it('indexing becomes a gather (1-based in, 0-based column-major idx out)', () => {
    expect(C('x(2)')).toMatchObject({ op: 'gather', shape: [1, 1], idx: Int32Array.of(1) });
    expect(C('X(2, 3)')).toMatchObject({ op: 'gather', shape: [1, 1], idx: Int32Array.of(1 + 2 * 3) });
    expect(C('B(6)')).toMatchObject({ op: 'gather', idx: Int32Array.of(5) });
  });
  it('vec and diag are gathers', () => {
    expect(C('vec(B)')).toMatchObject({ op: 'gather', shape: [6, 1], idx: Int32Array.of(0, 1, 2, 3, 4, 5) });
    expect(C('diag(x)')).toMatchObject({ op: 'gather', shape: [3, 3], idx: Int32Array.of(0, -1, -1, -1, 1, -1, -1, -1, 2) });
    expect(C('diag(r)')).toMatchObject({ op: 'gather', shape: [3, 3] });
    expect(C('diag(X)')).toMatchObject({ op: 'gather', shape: [3, 1], idx: Int32Array.of(0, 4, 8) });
    expect(C('diag(s)')).toMatchObject({ op: 'gather', shape: [1, 1], idx: Int32Array.of(0) });
  });
  it('concatenation', () => {
    expect(C('[A, B; r, s, s]')).toMatchObject({ op: 'concat', shape: [4, 5] });
    expect(C("[B', C; C, B']")).toMatchObject({ op: 'concat', shape: [4, 7] });
    expect(C('[x; 1]')).toMatchObject({ op: 'concat', shape: [4, 1] });
    expect(C('[x(1)^2 + x(2)^2 + x(3); x(3)^2 + 2*x(1)]').shape).toEqual([2, 1]);
  });
  it('shared Ast objects map to shared nodes', () => {
    const X = parse('X*X');
    const n = check({ kind: 'binary', op: '+', a: X, b: X }, env) as NodeOf<'add'>;
    expect(n.a).toBe(n.b);
  });
  it('freeVars lists each variable once, in order of appearance', () => {
    expect(freeVars(C("logdet(X) + tr(X'*A*X) + sum(B)"))).toEqual(['X', 'A', 'B']);
    expect(freeVars(C('2 + 3'))).toEqual([]);
  });
});

describe('check: errors name the operator, position and shapes', () => {
  it('inner dimensions differ', () => {
    const e = fails('A + B * X', ShapeError);
    expect(e.message).toBe("'*' at 6: inner dimensions differ: 3×2 * 3×3");
    expect(e.pos).toBe(6);
    expect(e.shapes).toEqual([
      [3, 2],
      [3, 3],
    ]);
    expect(e.code).toBe('E_SHAPE');
  });
  it('elementwise shape mismatch', () => {
    for (const op of ['+', '-', '.*', './']) {
      const e = fails(`A ${op} B`, ShapeError);
      expect(e.message).toContain(`'${op}' at 2: shapes differ: 3×3 ${op} 3×2`);
      expect(e.pos).toBe(2);
    }
  });
  it('unknown names', () => {
    const e = fails('A + Y', UnknownNameError);
    expect(e.pos).toBe(4);
    expect(e.nameNotFound).toBe('Y');
    expect(e.message).toMatch(/unknown name 'Y' at position 4/);
  });
  it('non-square arguments', () => {
    for (const f of ['tr', 'det', 'logdet', 'inv']) {
      const e = fails(`1 + ${f}(B)`, NotSquareError);
      expect(e.pos).toBe(4);
      expect(e.message).toBe(`'${f}' at 4 needs a square matrix, got 3×2`);
    }
    const e = fails('B^2', NotSquareError);
    expect(e.pos).toBe(1);
    expect(e.message).toBe("'^' at 1 needs a square matrix, got 3×2");
  });
  it('bad matrix and elementwise exponents', () => {
    expect(fails('X^0.5', InvalidArgumentError).message).toMatch(/'\^' at 1: a matrix power needs an integer exponent, got 0.5/);
    // an expression exponent is entrywise: its shape must broadcast
    const e = fails('B.^x', ShapeError);
    expect(e.pos).toBe(1);
    expect(e.message).toMatch(/'\.\^' at 1: shapes differ: 3×2 \.\^ 3×1/);
    expect(fails('X^s', ParseError).pos).toBe(2);
  });
  it('indices out of bounds name the index and the shape', () => {
    const e = fails('x(4)', ShapeError);
    expect(e.pos).toBe(1);
    expect(e.message).toBe('index (4) at 1 is out of bounds for a 3×1 operand (linear indices run 1..3)');
    const f = fails('1 + B(2, 3)', ShapeError);
    expect(f.pos).toBe(5);
    expect(f.message).toMatch(/index \(2, 3\) at 5 is out of bounds for a 3×2 operand/);
    expect(f.shapes).toEqual([[3, 2]]);
  });
  it('diag of a non-square matrix', () => {
    const e = fails('diag(B)', ShapeError);
    expect(e.message).toBe("'diag' at 0 needs a vector or a square matrix, got 3×2");
  });
  it('concatenation mismatches name both shapes', () => {
    const h = fails('[A, C]', ShapeError);
    expect(h.message).toMatch(/'\[' at 0: blocks joined horizontally must have equal row counts: block \(1, 1\) is 3×3, block \(1, 2\) at 4 is 2×4/);
    expect(h.shapes).toEqual([
      [3, 3],
      [2, 4],
    ]);
    expect(h.pos).toBe(4);
    const v = fails('[A; B]', ShapeError);
    expect(v.message).toMatch(/'\[' at 0: block rows stacked vertically must have equal column counts: row 1 is 3×3, row 2 is 3×2/);
    expect(v.pos).toBe(0);
  });
  it('invalid bindings', () => {
    expect(() => check(parse('X'), { X: [0, 2] })).toThrow(InvalidArgumentError);
    expect(() => check(parse('X'), { X: 3 as unknown as Shape })).toThrow(InvalidArgumentError);
  });
  it('builder-made Asts (no positions) still get clear messages', () => {
    expect(() =>
      check({ kind: 'binary', op: '*', a: { kind: 'name', name: 'B' }, b: { kind: 'name', name: 'X' } }, env),
    ).toThrow("'*': inner dimensions differ: 3×2 * 3×3");
  });
});

describe('formatNode', () => {
  const cases = [
    "logdet(X) + tr(X'*A*X)",
    'A*B',
    '2*B - 1',
    '-s^2 - x.^2',
    'X^4',
    'X^-2 + X^0',
    '(A + X) * B',
    'A - (X - A)',
    "(A*B)'",
    '[x(1)^2 + x(2)^2 + x(3); x(3)^2 + 2*x(1)]',
    'diag(x) + diag(diag(X))',
    "vec(B)' * vec(B)",
    'kron(B, C)(2, 3)',
    'softmax(B) ./ exp(B)',
    'B.^-0.5 .* sqrt(B)',
    '[A, B; r, s s]',
    '-2 * X',
    'X(2, 3) * (-x)',
    'x(3)^0.5',
    'sum(B) * norm(C) + det(X) ./ logdet(A)',
  ];
  it.each(cases)('%s: text → node → text → node → the same text', (s) => {
    const n1 = C(s);
    const t1 = formatNode(n1);
    const n2 = C(t1);
    expect(n2.shape).toEqual(n1.shape);
    expect(formatNode(n2)).toBe(t1);
  });
  it('reads like the source', () => {
    expect(formatNode(C("logdet(X)+tr(X'*A*X)"))).toBe("logdet(X) + tr(X' * A * X)");
    expect(formatNode(C('x(1)^2'))).toBe('x(1).^2');
    expect(formatNode(C('B .* B'))).toBe('B .* B');
    expect(formatNode(C('2 .* B'))).toBe('2 * B');
    expect(formatNode(C('X(2,1)'))).toBe('X(2, 1)');
    expect(formatNode(C('X^0'))).toBe('[1, 0, 0; 0, 1, 0; 0, 0, 1]');
  });
});
