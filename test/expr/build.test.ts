import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, ParseError } from '../../src/errors.js';
import type { Ast } from '../../src/expr/ast.js';
import * as ex from '../../src/expr/build.js';
import { E, stripPos, sym, toAst } from '../../src/expr/build.js';
import { formatAst, parse } from '../../src/expr/parse.js';
import { rebuild } from './arbitrary.js';

const P = (s: string): Ast => stripPos(parse(s));

describe('builder ≡ parser', () => {
  const X = sym('X');
  const A = sym('A');
  it('logdet(X) + tr(X\'*A*X), three ways', () => {
    const want = P("logdet(X) + tr(X'*A*X)");
    expect(ex.add(ex.logdet(X), ex.tr(ex.mul(ex.t(X), A, X))).ast).toEqual(want);
    expect(X.logdet().add(X.T.mul(A).mul(X).tr()).ast).toEqual(want);
    expect(ex.add(ex.logdet('X'), ex.tr("X'*A*X")).ast).toEqual(want);
  });
  it('operators', () => {
    expect(ex.sub(X, A).ast).toEqual(P('X - A'));
    expect(ex.add(X, A, 1).ast).toEqual(P('X + A + 1'));
    expect(X.hadamard(A).ediv(2).ast).toEqual(P('X .* A ./ 2'));
    expect(X.epow(-2).ast).toEqual(P('X.^-2'));
    expect(X.mpow(3).ast).toEqual(P('X^3'));
    expect(ex.mpow(2, -1).ast).toEqual(P('2^-1'));
    expect(X.neg().ast).toEqual(P('-X'));
    expect(X.t().ast).toEqual(P("X'"));
    expect(X.at(2, 1).ast).toEqual(P('X(2, 1)'));
    expect(sym('x').at(3).ast).toEqual(P('x(3)'));
    expect(ex.neg(ex.mpow('x', 2)).ast).toEqual(P('-x^2'));
  });
  it('numbers: negatives read like the parser reads them', () => {
    expect(ex.num(2).ast).toEqual(P('2'));
    expect(ex.num(-2).ast).toEqual(P('-2'));
    expect(ex.mul(-0.5, X).ast).toEqual(P('-0.5*X'));
  });
  it('concatenation', () => {
    expect(ex.concat([[X, A], ['B', 'C']]).ast).toEqual(P('[X, A; B, C]'));
    expect(ex.hcat('a', ex.neg('b')).ast).toEqual(P('[a -b]'));
    expect(ex.vcat('a', 'b').ast).toEqual(P('[a; b]'));
  });
  it('every function, as a function and as a method', () => {
    for (const f of ['tr', 'det', 'logdet', 'inv', 'vec', 'diag', 'sum', 'norm', 'softmax', 'exp', 'log', 'sin', 'cos', 'tanh', 'sigmoid', 'sqrt'] as const) {
      expect((ex[f] as (x: E) => E)(X).ast).toEqual(P(`${f}(X)`));
      expect((X[f] as () => E).call(X).ast).toEqual(P(`${f}(X)`));
    }
    expect(ex.kron(X, A).ast).toEqual(P('kron(X, A)'));
    expect(X.kron(A).ast).toEqual(P('kron(X, A)'));
    expect(ex.apply('exp', X).ast).toEqual(P('exp(X)'));
  });
  it('the notes’ vector example', () => {
    const x = sym('x');
    const built = ex.vcat(ex.add(x.at(1).mpow(2), x.at(2).mpow(2), x.at(3)), ex.add(x.at(3).mpow(2), ex.mul(2, x.at(1))));
    expect(built.ast).toEqual(P('[x(1)^2 + x(2)^2 + x(3); x(3)^2 + 2*x(1)]'));
  });
  it.each([
    "logdet(X) + tr(X'*A*X)",
    '[x(1)^2 + x(2)^2 + x(3); x(3)^2 + 2*x(1)]',
    "A.^2' - 2^-1 * -x(1)^2",
    'kron(A, B)(2, 3) ./ sigmoid(softmax(X))',
    '[a -b; c, d]',
  ])('rebuild(parse(%j)) through the builder gives the same Ast', (s) => {
    expect(rebuild(P(s)).ast).toEqual(P(s));
  });
  it('toString gives parseable text', () => {
    const e = X.T.mul(A).add(ex.num(-1)).epow(2);
    expect(String(e)).toBe("(X' * A + -1).^2");
    expect(P(String(e))).toEqual(e.ast);
    expect(formatAst(e.ast)).toBe(String(e));
  });
});

describe('toAst', () => {
  it('accepts text, Ast and builder expressions', () => {
    const a = parse('A*X');
    expect(toAst(a)).toBe(a);
    expect(stripPos(toAst('A*X'))).toEqual(stripPos(a));
    expect(toAst(ex.mul('A', 'X'))).toEqual(stripPos(a));
  });
  it('rejects anything else', () => {
    expect(() => toAst(42 as never)).toThrow(InvalidArgumentError);
    expect(() => toAst({ kind: 'nope' } as never)).toThrow(InvalidArgumentError);
    expect(() => toAst('A +')).toThrow(ParseError);
  });
});

describe('builder input validation', () => {
  it('names, numbers, indices', () => {
    expect(() => sym('2x')).toThrow(InvalidArgumentError);
    expect(() => sym('exp')).toThrow(/function name/);
    expect(() => ex.num(NaN)).toThrow(InvalidArgumentError);
    expect(() => ex.num(Infinity)).toThrow(InvalidArgumentError);
    expect(() => sym('x').at(0)).toThrow(/positive integer/);
    expect(() => sym('x').at(1, 1.5)).toThrow(InvalidArgumentError);
    expect(() => ex.concat([])).toThrow(InvalidArgumentError);
    expect(() => ex.concat([[]])).toThrow(InvalidArgumentError);
    expect(() => ex.add('X')).toThrow(/at least two/);
    expect(() => ex.add('X', 'A +')).toThrow(InvalidArgumentError);
    expect(() => ex.add('X', null as never)).toThrow(InvalidArgumentError);
    expect(ex.syms('X', 'A').map(String)).toEqual(['X', 'A']);
  });
});
