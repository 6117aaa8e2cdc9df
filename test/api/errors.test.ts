/**
 * DESIGN.md §4: bad input gets a clear, typed error (a MatjacError subclass with a `code`),
 * never a wrong number. Every entry point, CPU backend (GPU backends are tested elsewhere).
 * Also: jacobianTiles streams column tiles that concatenate to the full Jacobian.
 */
import { describe, expect, it } from 'vitest';
import {
  DomainError,
  InvalidArgumentError,
  Mat,
  MatjacError,
  NonFiniteError,
  NotSquareError,
  ParseError,
  ShapeError,
  SingularMatrixError,
  TooLargeError,
  UnknownNameError,
  UnknownOptionError,
  checkJacobian,
  derivative,
  evaluate,
  explain,
  grad,
  hessian,
  hvp,
  jacobian,
  jacobianTiles,
  jvp,
  vjp,
  kron,
  transpose,
  relError,
} from '../../src/index.js';

const cpu = 'cpu' as const;
const X = Mat.random(2, 3, { seed: 1 });
const A = Mat.random(3, 3, { seed: 2 });
const sq = Mat.random(3, 3, { seed: 3 });
const singular = Mat.from([
  [1, 2],
  [2, 4],
]);
const negDet = Mat.from([
  [0, 1],
  [1, 0],
]); // det = −1

type Ctor = abstract new (...args: never[]) => MatjacError;

/** Runs f, expects it to throw (sync or async) an instance of `cls` with `code`; returns the error. */
async function expectError<E extends MatjacError>(f: () => unknown, cls: Ctor, code: string): Promise<E> {
  let err: unknown;
  try {
    await f();
  } catch (e) {
    err = e;
  }
  if (err === undefined) throw new Error(`expected ${cls.name} (${code}), but nothing was thrown`);
  if (!(err instanceof cls)) throw new Error(`expected ${cls.name}, got ${(err as Error)?.name}: ${(err as Error)?.message}`);
  expect(err).toBeInstanceOf(MatjacError);
  expect(err).toBeInstanceOf(Error);
  expect((err as MatjacError).code).toBe(code);
  expect((err as Error).name).toBe(cls.name);
  expect((err as Error).message.length).toBeGreaterThan(10);
  return err as E;
}

/** Every derivative entry point on one expression (for errors that all of them must raise). */
function allEntryPoints(e: string, at: Record<string, Mat | number>, wrt?: string, scalar = true): [string, () => Promise<unknown>][] {
  const w = wrt === undefined ? {} : { wrt };
  const x = at[wrt ?? 'X'] as Mat;
  const list: [string, () => Promise<unknown>][] = [
    ['evaluate', () => evaluate(e, { at })],
    ['jacobian auto', () => jacobian(e, { ...w, at, backend: cpu })],
    ['jacobian structured', () => jacobian(e, { ...w, at, backend: cpu, method: 'structured' })],
    ['jacobian forward', () => jacobian(e, { ...w, at, backend: cpu, method: 'forward' })],
    ['jacobian reverse', () => jacobian(e, { ...w, at, backend: cpu, method: 'reverse' })],
    ['jacobian fd', () => jacobian(e, { ...w, at, backend: cpu, method: 'fd' })],
    ['checkJacobian', () => checkJacobian(e, { ...w, at, backend: cpu })],
    ['jvp', () => jvp(e, { ...w, at, backend: cpu, tangent: x })],
    [
      'jacobianTiles',
      async () => {
        for await (const t of jacobianTiles(e, { ...w, at, backend: cpu })) void t;
      },
    ],
  ];
  if (scalar) {
    list.push(
      ['grad', () => grad(e, { ...w, at, backend: cpu })],
      ['vjp', () => vjp(e, { ...w, at, backend: cpu, cotangent: 1 })],
      ['hessian', () => hessian(e, { ...w, at, backend: cpu })],
      ['hessian fd', () => hessian(e, { ...w, at, backend: cpu, method: 'fd' })],
      ['hvp', () => hvp(e, { ...w, at, backend: cpu, v: x })],
    );
  }
  return list;
}

describe('shape mismatch: ShapeError with the position and both shapes', () => {
  it("'+' of 2×3 and 3×3", async () => {
    const err = await expectError<ShapeError>(() => jacobian('X + A', { at: { X, A }, wrt: 'X', backend: cpu }), ShapeError, 'E_SHAPE');
    expect(err.message).toContain('2×3');
    expect(err.message).toContain('3×3');
    expect(err.message).toMatch(/\bat 2\b/);
    expect(err.pos).toBe(2);
    expect(err.shapes).toEqual([
      [2, 3],
      [3, 3],
    ]);
  });

  it("'*' with inner dimensions that differ", async () => {
    const err = await expectError<ShapeError>(() => grad("sum(X' * X * A * X)", { at: { X, A }, wrt: 'X', backend: cpu }), ShapeError, 'E_SHAPE');
    expect(err.message).toContain('3×3');
    expect(err.message).toContain('2×3');
    expect(err.pos).toBe(15);
    expect(err.message).toMatch(/\bat 15\b/);
  });

  it("'.*', './' and concatenation", async () => {
    const e1 = await expectError<ShapeError>(() => evaluate('X .* A', { at: { X, A } }), ShapeError, 'E_SHAPE');
    expect(e1.message).toMatch(/2×3.*3×3/);
    expect(e1.pos).toBe(2);
    const e2 = await expectError<ShapeError>(() => evaluate('X ./ A', { at: { X, A } }), ShapeError, 'E_SHAPE');
    expect(e2.message).toMatch(/2×3.*3×3/);
    const e3 = await expectError<ShapeError>(() => jacobian('[X, A]', { at: { X, A }, wrt: 'X', backend: cpu }), ShapeError, 'E_SHAPE');
    expect(e3.message).toContain('2×3');
    expect(e3.message).toContain('3×3');
    const e4 = await expectError<ShapeError>(() => jacobian('[X; A(1,1)]', { at: { X, A }, wrt: 'X', backend: cpu }), ShapeError, 'E_SHAPE');
    expect(e4.message).toContain('2×3');
  });

  it('out-of-range index names the operand shape', async () => {
    const err = await expectError<ShapeError>(() => jacobian('X(7)', { at: { X }, backend: cpu }), ShapeError, 'E_SHAPE');
    expect(err.message).toContain('2×3');
    expect(err.message).toContain('7');
    const e2 = await expectError<ShapeError>(() => jacobian('X(3, 1)', { at: { X }, backend: cpu }), ShapeError, 'E_SHAPE');
    expect(e2.message).toContain('2×3');
  });

  it('builder expressions get the same error class', async () => {
    const { expr } = await import('../../src/index.js');
    await expectError(() => jacobian(expr.add(expr.sym('X'), expr.sym('A')), { at: { X, A }, wrt: 'X', backend: cpu }), ShapeError, 'E_SHAPE');
  });
});

describe('unknown names and parse errors', () => {
  it('unknown name: UnknownNameError naming it, with its position', async () => {
    const err = await expectError<UnknownNameError>(() => jacobian('X + Y', { at: { X }, wrt: 'X', backend: cpu }), UnknownNameError, 'E_UNKNOWN_NAME');
    expect(err.message).toContain("'Y'");
    expect(err.nameNotFound).toBe('Y');
    expect(err.pos).toBe(4);
    expect(err.message).toContain('4');
  });

  it('an unknown function name is reported by its name', async () => {
    let err: unknown;
    try {
      await jacobian('foo(X)', { at: { X }, backend: cpu });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MatjacError);
    expect(err instanceof ParseError || err instanceof UnknownNameError).toBe(true);
    // 'foo' is what the user has to fix; a message about index literals alone does not say so
    expect((err as Error).message).toContain('foo');
  });

  it.each([
    ['X + * A', 4, /expected an expression/],
    ['(X + A', 6, /expected '\)'/],
    ['tr(X', 4, /expected/],
    ['X +', 3, /expected an expression/],
    ['X A', 2, /expected an operator or end of input/],
    ['[X, A', 5, /expected/],
    ['X)', 1, /unmatched '\)'/],
  ])('parse error in %j at %i says what was expected', async (src, pos, re) => {
    const err = await expectError<ParseError>(() => jacobian(src, { at: { X, A }, wrt: 'X', backend: cpu }), ParseError, 'E_PARSE');
    expect(err.pos).toBe(pos);
    expect(err.message).toMatch(re);
    expect(err.message).toContain(String(pos));
    expect(typeof err.expected).toBe('string');
    expect(err.expected!.length).toBeGreaterThan(0);
  });

  it('a non-constant exponent of a matrix power ^ and wrong argument counts are parse errors', async () => {
    // (an entrywise power takes any exponent: X.^X is valid)
    const e1 = await expectError<ParseError>(() => jacobian('X^X', { at: { X }, backend: cpu }), ParseError, 'E_PARSE');
    expect(e1.message).toMatch(/exponent/);
    const e2 = await expectError<ParseError>(() => jacobian('kron(X)', { at: { X }, backend: cpu }), ParseError, 'E_PARSE');
    expect(e2.message).toMatch(/2 arguments/);
  });
});

describe('non-square input to inv / det / logdet / tr (and ^)', () => {
  it.each(['inv', 'det', 'logdet', 'tr'])('%s(X) with X 2×3', async (fn) => {
    for (const [name, f] of allEntryPoints(`sum(${fn}(X))`, { X })) {
      const err = await expectError<NotSquareError>(f, NotSquareError, 'E_NOT_SQUARE').catch((e: Error) => {
        throw new Error(`${name}: ${e.message}`);
      });
      expect(err.message, name).toContain(fn);
      expect(err.message, name).toContain('2×3');
      expect(err.message, name).toMatch(/square/);
    }
  });

  it('X^2 with X 2×3', async () => {
    const err = await expectError<NotSquareError>(() => jacobian('X^2', { at: { X }, backend: cpu }), NotSquareError, 'E_NOT_SQUARE');
    expect(err.message).toContain('2×3');
  });
});

describe('singular and out-of-domain inputs', () => {
  it('inv of a singular matrix: SingularMatrixError from every entry point', async () => {
    for (const [name, f] of allEntryPoints('sum(inv(X))', { X: singular })) {
      const err = await expectError<SingularMatrixError>(f, SingularMatrixError, 'E_SINGULAR').catch((e: Error) => {
        throw new Error(`${name}: ${e.message}`);
      });
      expect(err.message, name).toMatch(/singular/);
    }
    // and for the matrix-valued inv(X) itself
    for (const [name, f] of allEntryPoints('inv(X)', { X: singular }, undefined, false)) {
      await expectError(f, SingularMatrixError, 'E_SINGULAR').catch((e: Error) => {
        throw new Error(`${name}: ${e.message}`);
      });
    }
  });

  it('logdet with det < 0: DomainError from every entry point (the function is undefined there)', async () => {
    for (const [name, f] of allEntryPoints('logdet(X)', { X: negDet })) {
      const err = await expectError<DomainError>(f, DomainError, 'E_DOMAIN').catch((e: Error) => {
        throw new Error(`${name}: ${e.message}`);
      });
      expect(err.message, name).toMatch(/logdet/);
      expect(err.message, name).toMatch(/det/);
    }
  });

  it('logdet with det = 0: DomainError (or SingularMatrixError), never a number', async () => {
    for (const [name, f] of allEntryPoints('logdet(X)', { X: singular })) {
      let err: unknown;
      try {
        await f();
      } catch (e) {
        err = e;
      }
      expect(err instanceof DomainError || err instanceof SingularMatrixError, `${name}: ${String(err)}`).toBe(true);
    }
  });

  it('log of a non-positive entry: DomainError from every entry point', async () => {
    const x = Mat.from([[1, -1]]);
    for (const [name, f] of allEntryPoints('sum(log(X))', { X: x })) {
      const err = await expectError<DomainError>(f, DomainError, 'E_DOMAIN').catch((e: Error) => {
        throw new Error(`${name}: ${e.message}`);
      });
      expect(err.message, name).toMatch(/log/);
    }
  });

  it('sqrt of a negative entry and division by zero: DomainError', async () => {
    const x = Mat.from([[1, -1]]);
    await expectError(() => jacobian('sqrt(X)', { at: { X: x }, backend: cpu }), DomainError, 'E_DOMAIN');
    await expectError(() => grad('sum(sqrt(X))', { at: { X: x }, backend: cpu }), DomainError, 'E_DOMAIN');
    await expectError(() => jacobian('1 ./ X', { at: { X: Mat.from([[1, 0]]) }, backend: cpu }), DomainError, 'E_DOMAIN');
  });

  it('overflow inside the derivative: NonFiniteError, never Infinity in a result', async () => {
    const big = Mat.from([[1000]]);
    await expectError(() => jacobian('exp(X)', { at: { X: big }, backend: cpu }), NonFiniteError, 'E_NON_FINITE');
    await expectError(() => grad('sum(exp(X))', { at: { X: big }, backend: cpu }), NonFiniteError, 'E_NON_FINITE');
  });

  it('a structured Jacobian that overflows with finite factors (B⊗Aᵀ, 1e200·1e200): NonFiniteError, also into out and in tiles', async () => {
    const A = Mat.from([
      [1e200, 1],
      [2, 3],
    ]);
    const at = { A, B: A, X: Mat.from([[1e-300, 0], [0, 1e-300]]) };
    await expectError(() => jacobian('A*X*B', { at, wrt: 'X', backend: cpu, method: 'structured' }), NonFiniteError, 'E_NON_FINITE');
    await expectError(() => jacobian('A*X*B', { at, wrt: 'X', backend: cpu, method: 'structured', out: new Float64Array(16) }), NonFiniteError, 'E_NON_FINITE');
    await expectError(async () => {
      for await (const t of jacobianTiles('A*X*B', { at, wrt: 'X', backend: cpu, method: 'structured', tileCols: 1 })) void t;
    }, NonFiniteError, 'E_NON_FINITE');
  });

  it('entries near the largest double with finite factors: the exact values, not an overflow error', async () => {
    // the entry bound (1e154·1e154·… > MAX/4) cannot prove the result finite: it is read and passes
    const A = Mat.from([
      [1e154, 1],
      [2, 3],
    ]);
    const at = { A, B: A, X: Mat.from([[1e-300, 0], [0, 1e-300]]) };
    const D = await jacobian('A*X*B', { at, wrt: 'X', backend: cpu, method: 'structured' });
    expect(D.get(0, 0)).toBe(1e154 * 1e154);
    expect(D.data.every(Number.isFinite)).toBe(true);
  });
});

describe('NaN / Inf in inputs: NonFiniteError naming the variable', () => {
  it.each([NaN, Infinity, -Infinity])('%s in the differentiated variable', async (bad) => {
    const Xb = X.clone();
    Xb.data[3] = bad;
    for (const [name, f] of allEntryPoints('sum(X .* X)', { X: Xb })) {
      const err = await expectError<NonFiniteError>(f, NonFiniteError, 'E_NON_FINITE').catch((e: Error) => {
        throw new Error(`${name}: ${e.message}`);
      });
      expect(err.message, name).toContain("'X'");
      expect(err.message, name).toContain(String(bad));
      expect(err.message, name).toContain('(2, 2)');
    }
  });

  it('in another bound variable, in a row-array binding, and in a tangent', async () => {
    const e1 = await expectError(() => jacobian('X*Y', { at: { X: Mat.from([[1, 2]]), Y: Mat.from([[Infinity]]) }, wrt: 'X', backend: cpu }), NonFiniteError, 'E_NON_FINITE');
    expect(e1.message).toContain("'Y'");
    const e2 = await expectError(() => jacobian('X*2', { at: { X: [[1, NaN]] }, backend: cpu }), NonFiniteError, 'E_NON_FINITE');
    expect(e2.message).toContain("'X'");
    const e3 = await expectError(() => jvp('X*2', { at: { X }, backend: cpu, tangent: Mat.from([[1, 2, NaN], [1, 1, 1]]) }), NonFiniteError, 'E_NON_FINITE');
    expect(e3.message).toContain('tangent');
    await expectError(() => hvp('sum(X.*X)', { at: { X }, backend: cpu, v: Mat.from([[1, 2, Infinity], [1, 1, 1]]) }), NonFiniteError, 'E_NON_FINITE');
    await expectError(() => vjp('X*2', { at: { X }, backend: cpu, cotangent: Mat.from([[1, 2, NaN], [1, 1, 1]]) }), NonFiniteError, 'E_NON_FINITE');
  });
});

describe('options', () => {
  it('an unknown option: UnknownOptionError naming it and the known ones, on every entry point', async () => {
    const calls: [string, () => unknown][] = [
      ['jacobian', () => jacobian('X', { at: { X }, backend: cpu, foo: 1 } as never)],
      ['grad', () => grad('sum(X)', { at: { X }, backend: cpu, layot: 'numerator' } as never)],
      ['hessian', () => hessian('sum(X)', { at: { X }, backend: cpu, foo: 1 } as never)],
      ['derivative', () => derivative('t*A', { at: { t: 1, A }, backend: cpu, layout: 'numerator' } as never)],
      ['jvp', () => jvp('X', { at: { X }, backend: cpu, tangent: X, foo: 1 } as never)],
      ['vjp', () => vjp('X', { at: { X }, backend: cpu, cotangent: X, foo: 1 } as never)],
      ['hvp', () => hvp('sum(X)', { at: { X }, backend: cpu, v: X, foo: 1 } as never)],
      ['checkJacobian', () => checkJacobian('X', { at: { X }, backend: cpu, tol: 1 } as never)],
      ['explain', () => explain('X', { at: { X }, backend: cpu, foo: 1 } as never)],
      ['evaluate', () => evaluate('X', { at: { X }, wrt: 'X' } as never)],
      [
        'jacobianTiles',
        async () => {
          for await (const t of jacobianTiles('X', { at: { X }, backend: cpu, foo: 1 } as never)) void t;
        },
      ],
    ];
    for (const [name, f] of calls) {
      const err = await expectError(f, UnknownOptionError, 'E_UNKNOWN_OPTION').catch((e: Error) => {
        throw new Error(`${name}: ${e.message}`);
      });
      expect(err.message, name).toMatch(/'(foo|layot|tol|wrt|layout)'/);
      expect(err.message, name).toContain('at');
    }
  });

  it("bad layout / method / form / backend values: InvalidArgumentError naming the value", async () => {
    const e1 = await expectError(() => jacobian('X', { at: { X }, backend: cpu, layout: 'row' } as never), InvalidArgumentError, 'E_INVALID_ARGUMENT');
    expect(e1.message).toContain("'row'");
    expect(e1.message).toContain('denominator');
    expect(e1.message).toContain('numerator');
    const e2 = await expectError(() => jacobian('X', { at: { X }, backend: cpu, method: 'magic' } as never), InvalidArgumentError, 'E_INVALID_ARGUMENT');
    expect(e2.message).toContain("'magic'");
    for (const m of ['structured', 'forward', 'reverse', 'fd']) expect(e2.message).toContain(m);
    await expectError(() => hessian('sum(X)', { at: { X }, backend: cpu, layout: 'Denominator' } as never), InvalidArgumentError, 'E_INVALID_ARGUMENT');
    await expectError(() => grad('sum(X)', { at: { X }, backend: cpu, method: 'backward' } as never), InvalidArgumentError, 'E_INVALID_ARGUMENT');
    const e3 = await expectError(() => grad('sum(X)', { at: { X }, backend: cpu, form: 'row' } as never), InvalidArgumentError, 'E_INVALID_ARGUMENT');
    expect(e3.message).toContain("'row'");
    const e4 = await expectError(() => jacobian('X', { at: { X }, backend: 'tpu' } as never), InvalidArgumentError, 'E_INVALID_ARGUMENT');
    expect(e4.message).toContain("'tpu'");
  });

  it("missing or malformed 'at', and a non-expression", async () => {
    await expectError(() => jacobian('X', {} as never), InvalidArgumentError, 'E_INVALID_ARGUMENT');
    await expectError(() => jacobian('X', undefined as never), InvalidArgumentError, 'E_INVALID_ARGUMENT');
    await expectError(() => jacobian('X', { at: { X: 'hello' } } as never), InvalidArgumentError, 'E_INVALID_ARGUMENT');
    await expectError(() => jacobian(42 as never, { at: { X }, backend: cpu }), InvalidArgumentError, 'E_INVALID_ARGUMENT');
  });
});

describe('wrt', () => {
  it('missing wrt with several names: InvalidArgumentError listing them', async () => {
    for (const f of [
      () => jacobian('X*A', { at: { X: sq, A }, backend: cpu }),
      () => grad('sum(X*A)', { at: { X: sq, A }, backend: cpu }),
      () => hessian('sum(X*A)', { at: { X: sq, A }, backend: cpu }),
      () => jvp('X*A', { at: { X: sq, A }, backend: cpu, tangent: sq }),
    ]) {
      const err = await expectError(f, InvalidArgumentError, 'E_INVALID_ARGUMENT');
      expect(err.message).toContain('wrt');
      expect(err.message).toContain('X');
      expect(err.message).toContain('A');
    }
  });

  it('wrt naming a variable with no value', async () => {
    const err = await expectError(() => jacobian('X', { at: { X }, wrt: 'Z', backend: cpu }), InvalidArgumentError, 'E_INVALID_ARGUMENT');
    expect(err.message).toContain("'Z'");
  });

  it('one name: wrt may be left out', async () => {
    const J = await jacobian('sin(X)', { at: { X }, backend: cpu });
    expect([J.rows, J.cols]).toEqual([6, 6]);
  });
});

describe('scalar requirements', () => {
  it('grad / hessian / hvp of a non-scalar: ShapeError with the shape', async () => {
    for (const f of [
      () => grad('X*2', { at: { X }, backend: cpu }),
      () => hessian('X*2', { at: { X }, backend: cpu }),
      () => hvp('X*2', { at: { X }, backend: cpu, v: X }),
      () => explain('X*2', { at: { X }, backend: cpu, hessian: true }),
    ]) {
      const err = await expectError(f, ShapeError, 'E_SHAPE');
      expect(err.message).toContain('2×3');
      expect(err.message).toMatch(/scalar/);
    }
  });

  it('derivative with respect to a non-scalar: ShapeError naming the variable and its shape', async () => {
    const err = await expectError(() => derivative('X*2', { at: { X }, backend: cpu }), ShapeError, 'E_SHAPE');
    expect(err.message).toContain("'X'");
    expect(err.message).toContain('2×3');
    expect(err.message).toContain('jacobian');
  });
});

describe('seeds of the wrong shape', () => {
  it('jvp tangent, vjp cotangent, hvp v', async () => {
    const e1 = await expectError(() => jvp('X*2', { at: { X }, backend: cpu, tangent: Mat.random(3, 2) }), ShapeError, 'E_SHAPE');
    expect(e1.message).toContain('tangent');
    expect(e1.message).toContain('2×3');
    expect(e1.message).toContain('3×2');
    const e2 = await expectError(() => vjp('A*X\'', { at: { X, A }, wrt: 'X', backend: cpu, cotangent: Mat.random(2, 3) }), ShapeError, 'E_SHAPE');
    expect(e2.message).toContain('cotangent');
    expect(e2.message).toContain('3×2');
    expect(e2.message).toContain('2×3');
    const e3 = await expectError(() => hvp('sum(X.*X)', { at: { X }, backend: cpu, v: Mat.random(3, 2) }), ShapeError, 'E_SHAPE');
    expect(e3.message).toContain('2×3');
    expect(e3.message).toContain('3×2');
  });
});

describe('a Jacobian larger than maxBytes', () => {
  const X9 = Mat.random(3, 3, { seed: 4 });
  it('TooLargeError with the size, the limit and a pointer to jacobianTiles, for every method', async () => {
    for (const method of ['auto', 'structured', 'forward', 'reverse', 'fd'] as const) {
      const err = await expectError<TooLargeError>(() => jacobian('A*X', { at: { X: X9, A }, wrt: 'X', backend: cpu, method, maxBytes: 100 }), TooLargeError, 'E_TOO_LARGE').catch((e: Error) => {
        throw new Error(`${method}: ${e.message}`);
      });
      expect(err.message, method).toContain('9×9');
      expect(err.message, method).toContain('jacobianTiles');
      expect(err.message, method).toContain('maxBytes');
      expect(err.bytes, method).toBeGreaterThanOrEqual(9 * 9 * 8);
    }
    await expectError(() => hessian('sum(sin(X))', { at: { X: X9 }, backend: cpu, maxBytes: 100 }), TooLargeError, 'E_TOO_LARGE');
  });

  it('the message states the size in readable units (not "0.00 GiB")', async () => {
    // a 512×512 float64 Jacobian: 2 MiB, refused under a 1 MiB limit
    const Xb = Mat.random(16, 32, { seed: 5 });
    const err = await expectError<TooLargeError>(() => jacobian('X*2', { at: { X: Xb }, backend: cpu, method: 'structured', maxBytes: 2 ** 20 }), TooLargeError, 'E_TOO_LARGE');
    expect(err.message).toContain('512×512');
    expect(err.bytes).toBe(512 * 512 * 8);
    expect(err.message).not.toMatch(/\b0\.00 GiB/);
    expect(err.message).toMatch(/2(\.0+)? MiB|2097152/);
  });
  it('the tiles it offers exist: a refused Jacobian of any expression streams through jacobianTiles', async () => {
    // kron, concatenation and exp(A*X)*A are assembled in forward mode; jacobianTiles refuses them
    // (NotDifferentiableError, though they are differentiable) while TooLargeError points there
    for (const [e, at] of [
      ['kron(X, A)', { X: X9, A: Mat.random(2, 2, { seed: 10 }) }],
      ['[X, A]', { X: X9, A }],
      ['exp(A*X)*A', { X: X9, A }],
    ] as const) {
      const err = await expectError<TooLargeError>(() => jacobian(e, { at, wrt: 'X', backend: cpu, maxBytes: 64 }), TooLargeError, 'E_TOO_LARGE');
      expect(err.message, e).toContain('jacobianTiles');
      for (const layout of ['denominator', 'numerator'] as const) {
        const full = await jacobian(e, { at, wrt: 'X', backend: cpu, layout });
        const cols: number[] = [];
        try {
          for await (const t of jacobianTiles(e, { at, wrt: 'X', backend: cpu, layout, tileCols: 2, maxBytes: 64 })) cols.push(...t.tile.data);
        } catch (x) {
          throw new Error(`${e} (${layout}): jacobianTiles threw ${(x as Error).name}: ${(x as Error).message}`);
        }
        expect(relError(Mat.fromColumnMajor(full.rows, full.cols, cols), full), e).toBeLessThanOrEqual(1e-12);
      }
    }
  });
});

describe('jacobianTiles', () => {
  async function collect(e: string, opts: Parameters<typeof jacobianTiles>[1]): Promise<{ M: Mat; counts: number[] }> {
    const tiles: { col0: number; count: number; tile: Mat }[] = [];
    for await (const t of jacobianTiles(e, opts)) tiles.push(t);
    const rows = tiles[0]!.tile.rows;
    const cols = tiles.reduce((s, t) => s + t.count, 0);
    const M = Mat.zeros(rows, cols);
    let next = 0;
    for (const t of tiles) {
      expect(t.col0).toBe(next);
      expect(t.tile.rows).toBe(rows);
      expect(t.tile.cols).toBe(t.count);
      M.data.set(t.tile.data, t.col0 * rows);
      next += t.count;
    }
    return { M, counts: tiles.map((t) => t.count) };
  }

  const Aa = Mat.random(3, 2, { seed: 6 });
  const Xx = Mat.random(2, 4, { seed: 7 });
  const Bb = Mat.random(4, 5, { seed: 8 });

  it.each(['denominator', 'numerator'] as const)('tiles concatenate to the full Jacobian (%s)', async (layout) => {
    const at = { A: Aa, X: Xx, B: Bb };
    const full = await jacobian('A*X*B', { at, wrt: 'X', backend: cpu, layout });
    for (const tileCols of [1, 3, 4, 7, 100]) {
      const { M, counts } = await collect('A*X*B', { at, wrt: 'X', backend: cpu, layout, tileCols });
      expect([M.rows, M.cols]).toEqual([full.rows, full.cols]);
      expect(relError(M, full)).toBeLessThanOrEqual(1e-15);
      expect(counts.every((c, i) => c === tileCols || i === counts.length - 1)).toBe(true);
    }
    const D = kron(Bb, transpose(Aa));
    expect(relError(full, layout === 'denominator' ? D : transpose(D))).toBeLessThanOrEqual(1e-12);
  });

  it.each(['denominator', 'numerator'] as const)('tiles of inv(X) and X*X\' (several terms, commutation) (%s)', async (layout) => {
    const S = Mat.random(3, 3, { seed: 9 });
    for (let i = 0; i < 3; i++) S.data[i * 4]! += 3;
    for (const [e, at] of [
      ['inv(X)', { X: S }],
      ["X*X'", { X: Xx }],
      ["X' + 2*X", { X: S }],
    ] as const) {
      const full = await jacobian(e, { at, backend: cpu, layout, method: 'forward' });
      const { M } = await collect(e, { at, backend: cpu, layout, tileCols: 2 });
      expect(relError(M, full), e).toBeLessThanOrEqual(1e-12);
    }
  });
});
