import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import type { Ast } from '../../src/expr/ast.js';
import { stripPos } from '../../src/expr/build.js';
import { formatAst, parse } from '../../src/expr/parse.js';

// compact Ast constructors (no positions)
const n = (name: string): Ast => ({ kind: 'name', name });
const k = (value: number): Ast => ({ kind: 'num', value });
const b = (op: Extract<Ast, { kind: 'binary' }>['op'], a: Ast, c: Ast): Ast => ({ kind: 'binary', op, a, b: c });
const ng = (a: Ast): Ast => ({ kind: 'neg', a });
const tp = (a: Ast): Ast => ({ kind: 'transpose', a });
const ix = (a: Ast, i: number, j?: number): Ast => (j === undefined ? { kind: 'index', a, i } : { kind: 'index', a, i, j });
const cat = (...rows: Ast[][]): Ast => ({ kind: 'concat', rows });
const call = (fn: Extract<Ast, { kind: 'call' }>['fn'], ...args: Ast[]): Ast => ({ kind: 'call', fn, args });

const P = (s: string): Ast => stripPos(parse(s));

function parseError(s: string): ParseError {
  try {
    parse(s);
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return e as ParseError;
  }
  throw new Error(`no ParseError for ${JSON.stringify(s)}`);
}

describe('parse: atoms', () => {
  it('names and numbers', () => {
    expect(P('X')).toEqual(n('X'));
    expect(P('x_1')).toEqual(n('x_1'));
    expect(P('42')).toEqual(k(42));
    expect(P('1e-3')).toEqual(k(0.001));
    expect(P('.5')).toEqual(k(0.5));
    expect(P('2.')).toEqual(k(2));
    expect(P('1.5E+2')).toEqual(k(150));
    expect(P('  ( ( X ) ) ')).toEqual(n('X'));
  });
  it('a number glued to an elementwise operator keeps the operator: 1.*x, 1./x, 2.^x', () => {
    expect(P('1.*x')).toEqual(b('.*', k(1), n('x')));
    expect(P('1./x')).toEqual(b('./', k(1), n('x')));
    expect(P('x.^2.')).toEqual(b('.^', n('x'), k(2)));
  });
  it('positions are 0-based offsets: operators at the operator, calls at the name', () => {
    const a = parse('a + tr(X)');
    expect(a).toMatchObject({ kind: 'binary', pos: 2, a: { kind: 'name', pos: 0 }, b: { kind: 'call', pos: 4, args: [{ pos: 7 }] } });
    expect(parse("  X'")).toMatchObject({ kind: 'transpose', pos: 3, a: { pos: 2 } });
    expect(parse('x(2)')).toMatchObject({ kind: 'index', pos: 1, i: 2 });
    expect(parse(' [a]')).toMatchObject({ kind: 'concat', pos: 1 });
    expect(parse(' -a')).toMatchObject({ kind: 'neg', pos: 1 });
  });
});

describe('parse: operators and precedence', () => {
  it('binary operators', () => {
    for (const op of ['+', '-', '*', '.*', './', '.^', '^'] as const) expect(P(`a ${op} b`)).toEqual(b(op, n('a'), n('b')));
  });
  it('left associativity', () => {
    expect(P('a - b - c')).toEqual(b('-', b('-', n('a'), n('b')), n('c')));
    expect(P('a * b * c')).toEqual(b('*', b('*', n('a'), n('b')), n('c')));
    expect(P('a ./ b .* c')).toEqual(b('.*', b('./', n('a'), n('b')), n('c')));
    expect(P('a^2^3')).toEqual(b('^', b('^', n('a'), k(2)), k(3)));
  });
  it('* binds tighter than +', () => {
    expect(P('a + b * c')).toEqual(b('+', n('a'), b('*', n('b'), n('c'))));
    expect(P('a * b + c')).toEqual(b('+', b('*', n('a'), n('b')), n('c')));
    expect(P('(a + b) * c')).toEqual(b('*', b('+', n('a'), n('b')), n('c')));
  });
  it('-x^2 is -(x^2); unary minus binds tighter than *', () => {
    expect(P('-x^2')).toEqual(ng(b('^', n('x'), k(2))));
    expect(P('-a*b')).toEqual(b('*', ng(n('a')), n('b')));
    expect(P('a*-b')).toEqual(b('*', n('a'), ng(n('b'))));
    expect(P('a - -b')).toEqual(b('-', n('a'), ng(n('b'))));
    expect(P('--a')).toEqual(ng(ng(n('a'))));
    expect(P('+a')).toEqual(n('a'));
    expect(P('-2')).toEqual(ng(k(2)));
  });
  it("postfix ' binds tightest: a*b', -x', x'' ", () => {
    expect(P("a*b'")).toEqual(b('*', n('a'), tp(n('b'))));
    expect(P("-x'")).toEqual(ng(tp(n('x'))));
    expect(P("x''")).toEqual(tp(tp(n('x'))));
    expect(P("(a*b)'")).toEqual(tp(b('*', n('a'), n('b'))));
    expect(P("x.'")).toEqual(tp(n('x')));
    expect(P("2'")).toEqual(tp(k(2)));
  });
  it("A.^2' is A.^(2') (the contract: ' above .^)", () => {
    expect(P("A.^2'")).toEqual(b('.^', n('A'), tp(k(2))));
    expect(P("A'.^2")).toEqual(b('.^', tp(n('A')), k(2)));
  });
  it('2^-1: a sign right after ^ or .^ belongs to the exponent', () => {
    expect(P('2^-1')).toEqual(b('^', k(2), ng(k(1))));
    expect(P('x.^-2')).toEqual(b('.^', n('x'), ng(k(2))));
    expect(P('x^+2')).toEqual(b('^', n('x'), k(2)));
    expect(P('2^-2^2')).toEqual(b('^', b('^', k(2), ng(k(2))), k(2)));
    expect(P("x^-y'")).toEqual(b('^', n('x'), ng(tp(n('y')))));
  });
  it('indexing binds like postfix: x(1)^2, x(1)\', X(2,3)', () => {
    expect(P('x(1)^2')).toEqual(b('^', ix(n('x'), 1), k(2)));
    expect(P("x(1)'")).toEqual(tp(ix(n('x'), 1)));
    expect(P('X(2, 3)')).toEqual(ix(n('X'), 2, 3));
    expect(P('-x(2)')).toEqual(ng(ix(n('x'), 2)));
    expect(P('(A*B)(3)')).toEqual(ix(b('*', n('A'), n('B')), 3));
    expect(P('x (1)')).toEqual(ix(n('x'), 1));
  });
  it('function calls', () => {
    expect(P('tr(X)')).toEqual(call('tr', n('X')));
    expect(P('kron(A, B)')).toEqual(call('kron', n('A'), n('B')));
    expect(P("logdet(X) + tr(X'*A*X)")).toEqual(
      b('+', call('logdet', n('X')), call('tr', b('*', b('*', tp(n('X')), n('A')), n('X')))),
    );
    expect(P('exp(x)^2')).toEqual(b('^', call('exp', n('x')), k(2)));
    expect(P('sum(x)(1)')).toEqual(ix(call('sum', n('x')), 1));
    expect(P('sigmoid (A*X)')).toEqual(call('sigmoid', b('*', n('A'), n('X'))));
  });
  it('the design examples', () => {
    expect(P('[x(1)^2 + x(2)^2 + x(3); x(3)^2 + 2*x(1)]')).toEqual(
      cat(
        [b('+', b('+', b('^', ix(n('x'), 1), k(2)), b('^', ix(n('x'), 2), k(2))), ix(n('x'), 3))],
        [b('+', b('^', ix(n('x'), 3), k(2)), b('*', k(2), ix(n('x'), 1)))],
      ),
    );
    expect(P('log(x(1)) + x(1)*x(2) - sin(x(2))')).toEqual(
      b('-', b('+', call('log', ix(n('x'), 1)), b('*', ix(n('x'), 1), ix(n('x'), 2))), call('sin', ix(n('x'), 2))),
    );
  });
  it('whitespace and newlines outside brackets are insignificant', () => {
    expect(P('a\n+\nb')).toEqual(b('+', n('a'), n('b')));
    expect(P('a + ...\n b')).toEqual(b('+', n('a'), n('b')));
    expect(P('a % comment')).toEqual(n('a'));
  });
});

describe('parse: concatenation', () => {
  it(', or whitespace joins horizontally; ; or newline stacks', () => {
    expect(P('[a, b; c, d]')).toEqual(cat([n('a'), n('b')], [n('c'), n('d')]));
    expect(P('[a b; c d]')).toEqual(cat([n('a'), n('b')], [n('c'), n('d')]));
    expect(P('[a b\n c d]')).toEqual(cat([n('a'), n('b')], [n('c'), n('d')]));
    expect(P('[\n a b\n\n c d\n]')).toEqual(cat([n('a'), n('b')], [n('c'), n('d')]));
    expect(P('[a; b;]')).toEqual(cat([n('a')], [n('b')]));
    expect(P('[a, ]')).toEqual(cat([n('a')]));
  });
  it('[a -b] is two elements, [a - b] and [a-b] one', () => {
    expect(P('[a -b]')).toEqual(cat([n('a'), ng(n('b'))]));
    expect(P('[a - b]')).toEqual(cat([b('-', n('a'), n('b'))]));
    expect(P('[a-b]')).toEqual(cat([b('-', n('a'), n('b'))]));
    expect(P('[a- b]')).toEqual(cat([b('-', n('a'), n('b'))]));
    expect(P('[a +b]')).toEqual(cat([n('a'), n('b')]));
    expect(P('[1 -2]')).toEqual(cat([k(1), ng(k(2))]));
    expect(P('[a * -b]')).toEqual(cat([b('*', n('a'), ng(n('b')))]));
    expect(P('[a^-1 b]')).toEqual(cat([b('^', n('a'), ng(k(1))), n('b')]));
  });
  it("inside brackets, (…) after a space starts a new element; x' and x(1) stay postfix", () => {
    expect(P('[a (b)]')).toEqual(cat([n('a'), n('b')]));
    expect(P('[x(1) x(2)]')).toEqual(cat([ix(n('x'), 1), ix(n('x'), 2)]));
    expect(P("[a' b']")).toEqual(cat([tp(n('a')), tp(n('b'))]));
    expect(P('[exp(a) b]')).toEqual(cat([call('exp', n('a')), n('b')]));
  });
  it('whitespace is insignificant again inside parentheses within brackets', () => {
    expect(P('[(a -b)]')).toEqual(cat([b('-', n('a'), n('b'))]));
    expect(P('[tr(a -b) c]')).toEqual(cat([call('tr', b('-', n('a'), n('b'))), n('c')]));
    expect(P('[(a\n+ b)]')).toEqual(cat([b('+', n('a'), n('b'))]));
  });
  it('nested brackets', () => {
    expect(P('[[a b]; c]')).toEqual(cat([cat([n('a'), n('b')])], [n('c')]));
  });
});

describe('parse: errors carry the position and what was expected', () => {
  it('unclosed parenthesis', () => {
    const e = parseError('a*(b+c');
    expect(e.message).toBe("expected ')' to close '(' at 2, found end of input at 6");
    expect(e.pos).toBe(6);
    expect(e.expected).toBe("')'");
    expect(e.code).toBe('E_PARSE');
  });
  it('unclosed bracket and call', () => {
    expect(parseError('[a, b').message).toMatch(/expected '\]' to close '\[' at 0, found end of input at 5/);
    expect(parseError('tr(X').message).toMatch(/expected ',' or '\)' to close 'tr\(' at 2, found end of input at 4/);
  });
  it('missing operand', () => {
    const e = parseError('a + ');
    expect(e.message).toBe('expected an expression, found end of input at 4');
    expect(e.pos).toBe(4);
    expect(parseError('a * * b').pos).toBe(4);
    expect(parseError('').pos).toBe(0);
    expect(parseError('()').pos).toBe(1);
  });
  it('unexpected token after a complete expression', () => {
    const e = parseError('a b');
    expect(e.pos).toBe(2);
    expect(e.message).toMatch(/expected an operator or end of input, found name 'b' at 2/);
    expect(parseError('a)').message).toMatch(/unmatched '\)' at 1/);
    expect(parseError('2x').pos).toBe(1);
  });
  it('wrong arity', () => {
    const e = parseError('1 + kron(A)');
    expect(e.pos).toBe(4);
    expect(e.message).toBe("'kron' at 4 takes 2 arguments, got 1");
    expect(e.expected).toBe('2 arguments');
    expect(parseError('tr(A, B)').message).toBe("'tr' at 0 takes 1 argument, got 2");
    expect(parseError('exp()').message).toBe("'exp' at 0 takes 1 argument, got 0");
  });
  it('a function name without a call', () => {
    const e = parseError('exp + 1');
    expect(e.pos).toBe(4);
    expect(e.message).toMatch(/expected '\(' after function 'exp' at 0/);
  });
  it('bad indices', () => {
    expect(parseError('x(0)').pos).toBe(2);
    expect(parseError('x(0)').message).toMatch(/index 0 at 2 must be a positive integer/);
    expect(parseError('x(1.5)').pos).toBe(2);
    expect(parseError('x(i)').pos).toBe(2);
    expect(parseError('x(-1)').pos).toBe(2);
    expect(parseError('X(1, 2, 3)').pos).toBe(6);
    expect(parseError('x(1').message).toMatch(/expected '\)' to close '\(' at 1, found end of input at 3/);
  });
  it('quotes, unsupported operators and characters', () => {
    expect(parseError("'a'").pos).toBe(0);
    expect(parseError("[a 'b']").pos).toBe(3);
    expect(parseError('a / ').pos).toBe(4);
    expect(parseError('a \\ * b').pos).toBe(4);
    expect(parseError('a # b').pos).toBe(2);
    expect(parseError('1e+').pos).toBe(3);
    expect(parseError('1e999').message).toMatch(/out of range/);
  });
  it('empty brackets and stray commas', () => {
    expect(parseError('[]').pos).toBe(0);
    expect(parseError('[ ; ]').pos).toBe(0);
    expect(parseError('[, a]').pos).toBe(1);
    expect(parseError('[a,, b]').pos).toBe(3);
  });
  it('no eval: text that looks like JavaScript is rejected', () => {
    expect(() => parse('process.exit(1)')).toThrow(ParseError);
    expect(() => parse('a; b')).toThrow(ParseError);
    expect(() => parse('`x`')).toThrow(ParseError);
  });
});

describe('formatAst', () => {
  const cases = [
    '-x^2',
    "a*b'",
    'x(1)^2',
    '[a -b]',
    '[a - b]',
    '2^-1',
    "A.^2'",
    '(a + b) * c',
    'a - (b - c)',
    'a - (b + c)',
    'a ./ (b .* c)',
    '(-x)^2',
    '(x^2)^3',
    'x^(2^3)',
    "(a*b)'",
    "logdet(X) + tr(X'*A*X)",
    '[x(1)^2 + x(2)^2 + x(3); x(3)^2 + 2*x(1)]',
    'kron(A, B)(2, 1)',
    'x^-y(1)',
    '-(a + b)',
    '--a',
    '2^-2^2',
    '[a, -b; c d]',
  ];
  it.each(cases)('parse(formatAst(parse(%j))) is the same Ast', (s) => {
    const a = P(s);
    expect(P(formatAst(a))).toEqual(a);
  });
});
