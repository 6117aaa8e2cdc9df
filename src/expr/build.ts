/**
 * Building expressions in TypeScript. Everything here produces the same `Ast` that `parse`
 * produces for the equivalent text (positions aside), so the two are interchangeable.
 *
 * Two styles, freely mixed:
 *
 * ```ts
 * import { expr } from 'matjac';
 * const { sym, add, mul, t, tr, logdet } = expr;
 * const X = sym('X'), A = sym('A');
 *
 * // functions (variadic add/mul fold left, like `a + b + c`):
 * const f = add(logdet(X), tr(mul(t(X), A, X)));            // logdet(X) + tr(X'*A*X)
 * // fluent methods on the `E` wrapper:
 * const g = X.logdet().add(X.T.mul(A).mul(X).tr());          // the same Ast
 * // text fragments and numbers are accepted anywhere an operand is:
 * const h = add(mul(2, X), "A'");                            // 2*X + A'
 * ```
 *
 * Operands (`Operand`): an `E`, a raw `Ast`, a number (a numeric literal; negative numbers
 * become `-(n)` exactly as the parser reads `-2`), or a string, which is parsed (`'X'` is the
 * name X, `"A'*B"` a whole sub-expression; positions inside fragments are dropped).
 *
 * Operators: `add` (+), `sub` (-), `mul` (* : matrix product, or scalar times matrix),
 * `hadamard` (.*), `ediv` (./), `rdiv` (/), `ldiv` (\), `epow` (.^, numeric exponent), `mpow` (^), `neg` (unary -),
 * `t` (' transpose), `at` (1-based indexing `x(i)` / `X(i,j)`), `concat` (rows of blocks,
 * `[a, b; c, d]`), `hcat`/`vcat` (one row / one column of blocks).
 * Functions, one per grammar function name: `tr det logdet inv kron vec diag sum norm exp log
 * sin cos tanh sigmoid sqrt softmax` (these names live in this module; the package exports the
 * module as the `expr` namespace so they never clash with the numeric `vec`, `kron`, `inv`…).
 * Every elementwise function of the table in src/ops/unary.ts, including ones added later, is
 * also `unary.NAME(x)`, `apply('NAME', x)` and `x.apply('NAME')`.
 * Methods on `E`: the same names (`x.add(y)`, `x.mul(y)`, `x.t()`, `x.T`, `x.at(1, 2)`,
 * `x.inv()`, `x.kron(y)`, …), plus `x.ast` and `x.toString()` (expression text).
 *
 * `toAst(string | Ast | E)` turns anything the API accepts into an `Ast`.
 */
import { InvalidArgumentError, MatjacError } from '../errors.js';
import { UNARY_FNS, isUnaryFn, type UnaryFn } from '../ops/unary.js';
import type { Ast, FnName, IndexSpec } from './ast.js';
import { chain, validateAst } from './limits.js';
import { formatAst, isFnName, parse, parseIndexSpec } from './parse.js';

/** The builder's expression wrapper: an immutable handle on an `Ast`, with fluent methods. */
export class E {
  constructor(readonly ast: Ast) {}

  add(...bs: Operand[]): E {
    return add(this, ...bs);
  }
  sub(b: Operand): E {
    return sub(this, b);
  }
  /** `*`: matrix product (or scalar times matrix). */
  mul(...bs: Operand[]): E {
    return mul(this, ...bs);
  }
  /** `.*` */
  hadamard(b: Operand): E {
    return hadamard(this, b);
  }
  /** `./` */
  ediv(b: Operand): E {
    return ediv(this, b);
  }
  /** `/`: right division, `this·b⁻¹`. */
  rdiv(b: Operand): E {
    return rdiv(this, b);
  }
  /** `\`: left division, `this⁻¹·b` by a solve. */
  ldiv(b: Operand): E {
    return ldiv(this, b);
  }
  /** `.^` */
  epow(p: Operand): E {
    return epow(this, p);
  }
  /** `^` */
  mpow(p: Operand): E {
    return mpow(this, p);
  }
  neg(): E {
    return neg(this);
  }
  /** `'` */
  t(): E {
    return t(this);
  }
  /** `'` as a property: `X.T`. */
  get T(): E {
    return t(this);
  }
  /** Indexing with ranges: `X.index(':', 2)` is `X(:, 2)`. */
  index(...specs: (number | string)[]): E {
    return index(this, ...specs);
  }
  /** 1-based indexing: `x(i)` (linear, column-major) or `X(i, j)`. */
  at(i: number, j?: number): E {
    return at(this, i, j);
  }
  kron(b: Operand): E {
    return kron(this, b);
  }
  tr(): E {
    return tr(this);
  }
  det(): E {
    return det(this);
  }
  logdet(): E {
    return logdet(this);
  }
  inv(): E {
    return inv(this);
  }
  vec(): E {
    return vec(this);
  }
  diag(): E {
    return diag(this);
  }
  sum(): E {
    return sum(this);
  }
  norm(): E {
    return norm(this);
  }
  softmax(): E {
    return softmax(this);
  }
  exp(): E {
    return exp(this);
  }
  log(): E {
    return log(this);
  }
  sin(): E {
    return sin(this);
  }
  cos(): E {
    return cos(this);
  }
  tanh(): E {
    return tanh(this);
  }
  sigmoid(): E {
    return sigmoid(this);
  }
  sqrt(): E {
    return sqrt(this);
  }
  /** Any elementwise function of the table by name: `x.apply('exp')`. */
  apply(fn: UnaryFn): E {
    return apply(fn, this);
  }
  /** Expression text that `parse` reads back to this Ast. */
  toString(): string {
    return formatAst(this.ast);
  }
  toAst(): Ast {
    return this.ast;
  }
}

/** Anything a builder function takes as an operand. */
export type Operand = E | Ast | number | string;

/** What the API accepts as an expression. */
export type ExprLike = string | Ast | E;

const AST_KINDS: ReadonlySet<string> = new Set(['name', 'num', 'binary', 'neg', 'transpose', 'index', 'slice', 'end', 'concat', 'call']);

function isAst(x: unknown): x is Ast {
  return typeof x === 'object' && x !== null && AST_KINDS.has((x as { kind?: unknown }).kind as string);
}

/** A copy of the Ast without source positions (to compare parsed and built expressions). */
export function stripPos(a: Ast): Ast {
  switch (a.kind) {
    case 'name':
      return { kind: 'name', name: a.name };
    case 'num':
      return { kind: 'num', value: a.value };
    case 'binary':
      return { kind: 'binary', op: a.op, a: stripPos(a.a), b: stripPos(a.b) };
    case 'neg':
      return { kind: 'neg', a: stripPos(a.a) };
    case 'transpose':
      return { kind: 'transpose', a: stripPos(a.a) };
    case 'index':
      return a.j === undefined ? { kind: 'index', a: stripPos(a.a), i: a.i } : { kind: 'index', a: stripPos(a.a), i: a.i, j: a.j };
    case 'slice':
      return { kind: 'slice', a: stripPos(a.a), specs: a.specs.map(stripSpec) };
    case 'end':
      return { kind: 'end' };
    case 'concat':
      return { kind: 'concat', rows: a.rows.map((r) => r.map(stripPos)) };
    case 'call':
      return { kind: 'call', fn: a.fn, args: a.args.map(stripPos) };
  }
}

function stripSpec(s: IndexSpec): IndexSpec {
  if (s.kind === 'all') return s;
  if (s.kind === 'one') return { kind: 'one', at: stripPos(s.at) };
  return s.step ? { kind: 'range', lo: stripPos(s.lo), step: stripPos(s.step), hi: stripPos(s.hi) } : { kind: 'range', lo: stripPos(s.lo), hi: stripPos(s.hi) };
}

/** Turns a string (parsed), an Ast (as is) or an `E` into an `Ast`. */
export function toAst(e: ExprLike): Ast {
  if (e instanceof E) return validateAst(e.ast);
  if (typeof e === 'string') return parse(e);
  if (isAst(e)) return validateAst(e);
  throw new InvalidArgumentError(`expected an expression (string, Ast or builder expression), got ${describeValue(e)}`);
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

function op(x: Operand): Ast {
  if (x instanceof E) return x.ast;
  if (typeof x === 'number') return num(x).ast;
  if (typeof x === 'string') {
    try {
      return stripPos(parse(x));
    } catch (err) {
      if (err instanceof MatjacError) throw new InvalidArgumentError(`builder operand "${x}": ${err.message}`);
      throw err;
    }
  }
  if (isAst(x)) return x;
  throw new InvalidArgumentError(`expected an operand (E, Ast, number or expression text), got ${describeValue(x)}`);
}

/** Wraps an operand as an `E`. */
export function e(x: Operand): E {
  return x instanceof E ? x : new E(op(x));
}

/** A named variable (bound in `at`). */
export function sym(name: string): E {
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new InvalidArgumentError(`sym: '${String(name)}' is not a valid name (letters, digits, _; not starting with a digit)`);
  }
  if (isFnName(name)) throw new InvalidArgumentError(`sym: '${name}' is a function name and cannot name a variable`);
  return new E({ kind: 'name', name });
}

/** Several variables at once: `const [X, A] = syms('X', 'A')`. */
export function syms(...names: string[]): E[] {
  return names.map(sym);
}

/** A numeric literal; a negative value is built as `-(|v|)`, exactly as the parser reads `-2`. */
export function num(v: number): E {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidArgumentError(`num: ${String(v)} is not a finite number`);
  if (v < 0) return new E({ kind: 'neg', a: { kind: 'num', value: -v } });
  return new E({ kind: 'num', value: Object.is(v, -0) ? 0 : v });
}

type BinOp = Extract<Ast, { kind: 'binary' }>['op'];

function fold(o: BinOp, a: Operand, bs: Operand[], what: string): E {
  if (bs.length === 0) throw new InvalidArgumentError(`${what} needs at least two operands`);
  // folded left like `a + b + c`; a long list is built balanced (expr/limits.ts)
  const xs = [op(a), ...bs.map(op)];
  return new E(chain(xs, bs.map(() => o), []));
}

/** `a + b (+ c …)`, left to right. */
export function add(a: Operand, ...bs: Operand[]): E {
  return fold('+', a, bs, 'add');
}
/** `a - b` */
export function sub(a: Operand, b: Operand): E {
  return fold('-', a, [b], 'sub');
}
/** `a * b (* c …)`: matrix product (or scalar times matrix), left to right. */
export function mul(a: Operand, ...bs: Operand[]): E {
  return fold('*', a, bs, 'mul');
}
/** `a .* b (.* c …)` */
export function hadamard(a: Operand, ...bs: Operand[]): E {
  return fold('.*', a, bs, 'hadamard');
}
/** `a ./ b` */
export function ediv(a: Operand, b: Operand): E {
  return fold('./', a, [b], 'ediv');
}
/** `a / b`: MATLAB's right division, `a·b⁻¹` (entrywise by a 1×1 b). */
export function rdiv(a: Operand, b: Operand): E {
  return fold('/', a, [b], 'rdiv');
}
/** `a \ b`: MATLAB's left division, `a⁻¹b` by a solve (entrywise when a is 1×1). */
export function ldiv(a: Operand, b: Operand): E {
  return fold('\\', a, [b], 'ldiv');
}
/** `a .^ p` (p numeric). */
export function epow(a: Operand, p: Operand): E {
  return fold('.^', a, [p], 'epow');
}
/** `a ^ p`: integer power of a square matrix, any power of a scalar. */
export function mpow(a: Operand, p: Operand): E {
  return fold('^', a, [p], 'mpow');
}
/** `-a` */
export function neg(a: Operand): E {
  return new E({ kind: 'neg', a: op(a) });
}
/** `a'` */
export function t(a: Operand): E {
  return new E({ kind: 'transpose', a: op(a) });
}
/** `a(i)` or `a(i, j)`, 1-based. */
export function at(a: Operand, i: number, j?: number): E {
  for (const k of j === undefined ? [i] : [i, j]) {
    if (!Number.isInteger(k) || k < 1) throw new InvalidArgumentError(`at: index ${String(k)} must be a positive integer (indices are 1-based)`);
  }
  return new E(j === undefined ? { kind: 'index', a: op(a), i } : { kind: 'index', a: op(a), i, j });
}
/**
 * MATLAB indexing with ranges: `index(X, ':', 2)` is `X(:, 2)`, `index(X, '2:end', '1:3')` is
 * `X(2:end, 1:3)`; numbers are single indices (all numbers give the same Ast as `at`).
 */
export function index(a: Operand, ...specs: (number | string)[]): E {
  if (specs.length < 1 || specs.length > 2) throw new InvalidArgumentError(`index takes 1 or 2 indices, got ${specs.length}`);
  if (specs.every((s) => typeof s === 'number')) return at(a, specs[0] as number, specs[1] as number | undefined);
  const parsed = specs.map((s) => {
    try {
      return stripSpec(parseIndexSpec(String(s)));
    } catch (err) {
      if (err instanceof MatjacError) throw new InvalidArgumentError(`index "${String(s)}": ${err.message}`);
      throw err;
    }
  });
  return new E({ kind: 'slice', a: op(a), specs: parsed });
}
/** `[r1c1, r1c2; r2c1, r2c2]` from rows of blocks. */
export function concat(rows: readonly (readonly Operand[])[]): E {
  if (!Array.isArray(rows) || rows.length === 0 || rows.some((r) => !Array.isArray(r) || r.length === 0)) {
    throw new InvalidArgumentError('concat needs a non-empty array of non-empty rows of blocks');
  }
  return new E({ kind: 'concat', rows: rows.map((r) => r.map(op)) });
}
/** `[a, b, …]` */
export function hcat(...xs: Operand[]): E {
  return concat([xs]);
}
/** `[a; b; …]` */
export function vcat(...xs: Operand[]): E {
  return concat(xs.map((x) => [x]));
}

/** Any grammar function by name: `call('sum', X, 1)` is `sum(X, 1)`. */
export function call(fn: FnName, ...args: Operand[]): E {
  if (!isFnName(fn)) throw new InvalidArgumentError(`unknown function '${String(fn)}'`);
  return new E({ kind: 'call', fn, args: args.map(op) });
}

export const tr = (a: Operand): E => call('tr', a);
export const det = (a: Operand): E => call('det', a);
export const logdet = (a: Operand): E => call('logdet', a);
export const inv = (a: Operand): E => call('inv', a);
export const kron = (a: Operand, b: Operand): E => call('kron', a, b);
export const vec = (a: Operand): E => call('vec', a);
export const diag = (a: Operand): E => call('diag', a);
/** `sum(a)`: all entries; `sum(a, 1)` column sums, `sum(a, 2)` row sums. */
export const sum = (a: Operand, dim?: 1 | 2): E => (dim === undefined ? call('sum', a) : call('sum', a, dim));
/** `norm(a)`: Frobenius; `norm(x, 1)`, `norm(x, 2)` of a vector. */
export const norm = (a: Operand, p?: 1 | 2): E => (p === undefined ? call('norm', a) : call('norm', a, p));
/** `mean(a)`: of all entries; `mean(a, 1)`, `mean(a, 2)` along a dimension. */
export const mean = (a: Operand, dim?: 1 | 2): E => (dim === undefined ? call('mean', a) : call('mean', a, dim));
export const dot = (a: Operand, b: Operand): E => call('dot', a, b);
/** `adj(a)`: the adjugate (a square). */
export const adj = (a: Operand): E => call('adj', a);
/** `expm(a)`: the matrix exponential e^a (a square). */
export const expm = (a: Operand): E => call('expm', a);
/** `logsumexp(a)` = log Σ exp(a_ij), stable. */
export const logsumexp = (a: Operand): E => call('logsumexp', a);
/** Constant matrices: `eye(n)`, `eye(m, n)`, `ones(m, n)`, `zeros(m, n)`. */
export const eye = (m: number, n?: number): E => (n === undefined ? call('eye', m) : call('eye', m, n));
export const ones = (m: number, n?: number): E => (n === undefined ? call('ones', m) : call('ones', m, n));
export const zeros = (m: number, n?: number): E => (n === undefined ? call('zeros', m) : call('zeros', m, n));
export const softmax = (a: Operand): E => call('softmax', a);
/** `max(a, b)` / `min(a, b)`: entrywise, a 1×1 operand broadcast. */
export const max = (a: Operand, b: Operand): E => call('max', a, b);
export const min = (a: Operand, b: Operand): E => call('min', a, b);
export const abs = (a: Operand): E => call('abs', a);
export const sign = (a: Operand): E => call('sign', a);
export const relu = (a: Operand): E => call('relu', a);
export const tan = (a: Operand): E => call('tan', a);
export const sinh = (a: Operand): E => call('sinh', a);
export const cosh = (a: Operand): E => call('cosh', a);
export const atan = (a: Operand): E => call('atan', a);
export const exp = (a: Operand): E => call('exp', a);
export const log = (a: Operand): E => call('log', a);
export const sin = (a: Operand): E => call('sin', a);
export const cos = (a: Operand): E => call('cos', a);
export const tanh = (a: Operand): E => call('tanh', a);
export const sigmoid = (a: Operand): E => call('sigmoid', a);
export const sqrt = (a: Operand): E => call('sqrt', a);

/** Applies an elementwise function by name (`apply('exp', X)`). */
export function apply(fn: UnaryFn, a: Operand): E {
  if (!isUnaryFn(fn)) throw new InvalidArgumentError(`unknown elementwise function '${String(fn)}' (known: ${UNARY_FNS.join(' ')})`);
  return call(fn, a);
}

/** One builder per elementwise function of the table (src/ops/unary.ts): `unary.exp(X)`. */
export const unary = Object.fromEntries(UNARY_FNS.map((f) => [f, (a: Operand): E => call(f, a)])) as { readonly [F in UnaryFn]: (a: Operand) => E };
