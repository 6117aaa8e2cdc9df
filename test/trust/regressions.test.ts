/**
 * Every example of issue 10 (DESIGN.md §4), on the CPU path: each ends in a typed error (a
 * MatjacError with a code) or in a correct value — never a silent wrong number, a hang, or a raw
 * TypeError/RangeError. The WebGPU examples are in hostile-webgpu.test.ts, the CLI's in cli.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  Mat,
  checkJacobian,
  evaluate,
  expr,
  grad,
  hessian,
  jacobian,
  jacobianTiles,
  kron,
  type RunReport,
} from '../../src/index.js';
import { expectCode, relFro } from './helpers.js';

const cpu = 'cpu' as const;
const X = Mat.random(3, 3, { seed: 1 });
const A = Mat.random(3, 3, { seed: 2 });
const B = Mat.random(3, 3, { seed: 3 });

describe('options of the wrong type are refused, never a silent wrong number', () => {
  it("a non-string wrt (['X'], 1, {}, null-ish objects) is E_INVALID_ARGUMENT in every entry point", async () => {
    for (const wrt of [['X'], 1, {}, true, Symbol.iterator] as unknown[]) {
      const o = { wrt, at: { X, A }, backend: cpu } as never;
      await expectCode(() => jacobian('A*X', o), 'E_INVALID_ARGUMENT', `jacobian wrt=${String(wrt)}`);
      await expectCode(() => grad('tr(A*X)', o), 'E_INVALID_ARGUMENT', 'grad');
      await expectCode(() => hessian('tr(A*X*X)', o), 'E_INVALID_ARGUMENT', 'hessian');
      await expectCode(() => checkJacobian('A*X', o), 'E_INVALID_ARGUMENT', 'checkJacobian');
    }
  });

  it('prototype names as wrt name the problem (no "shape must be non-negative integers")', async () => {
    for (const wrt of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      const e = await expectCode(() => jacobian('A*X', { wrt, at: { X, A }, backend: cpu }), 'E_INVALID_ARGUMENT', wrt);
      expect(e.message).toContain(`'${wrt}' has no value in 'at'`);
    }
  });

  it('__proto__, toString and constructor are ordinary names when bound in at', async () => {
    const at = JSON.parse('{"__proto__": [[2]], "toString": [[3]], "constructor": [[5]]}') as Record<string, number[][]>;
    const F = await evaluate('__proto__ * toString + constructor', { at });
    expect(F.data[0]).toBe(11);
    const G = await grad('__proto__ * toString', { wrt: '__proto__', at, backend: cpu });
    expect(G.data[0]).toBe(3);
    // unbound, they are unknown names, not Object.prototype's members
    await expectCode(() => evaluate('toString + X', { at: { X } }), 'E_UNKNOWN_NAME');
  });

  it("checkJacobian's tolerance is validated ('x', -1, NaN, 0 refused; a correct Jacobian is ok)", async () => {
    for (const tolerance of ['x', -1, NaN, 0, Infinity, null] as unknown[]) {
      await expectCode(() => checkJacobian('A*X', { wrt: 'X', at: { X, A }, backend: cpu, tolerance } as never), 'E_INVALID_ARGUMENT', String(tolerance));
    }
    const r = await checkJacobian('A*X', { wrt: 'X', at: { X, A }, backend: cpu, tolerance: 1e-6 });
    expect(r.ok).toBe(true);
  });

  it('maxBytes NaN, negative, a string, Infinity are refused', async () => {
    for (const maxBytes of [NaN, -1, 0, '1e9', Infinity] as unknown[]) {
      await expectCode(() => jacobian('A*X', { wrt: 'X', at: { X, A }, backend: cpu, maxBytes } as never), 'E_INVALID_ARGUMENT', String(maxBytes));
    }
  });

  it('backend null, {}, a number, an unknown name are E_INVALID_ARGUMENT', async () => {
    for (const backend of [null, {}, 3, 'metal', { name: 'cpu' }] as unknown[]) {
      await expectCode(() => jacobian('A*X', { wrt: 'X', at: { X, A }, backend } as never), 'E_INVALID_ARGUMENT', JSON.stringify(backend));
    }
  });

  it("onReport: 'x' is refused before any work is done", async () => {
    let ran = false;
    const at = {
      get X() {
        ran = true;
        return X;
      },
      A,
    };
    await expectCode(() => jacobian('A*X', { wrt: 'X', at, backend: cpu, onReport: 'x' } as never), 'E_INVALID_ARGUMENT');
    expect(ran).toBe(false);
  });

  it('options that are not an object, and an at that is not one', async () => {
    for (const opts of [null, undefined, 'X', 3, []] as unknown[]) {
      await expectCode(() => jacobian('A*X', opts as never), 'E_INVALID_ARGUMENT', String(opts));
    }
    for (const at of [null, 'X', 3, [X]] as unknown[]) {
      await expectCode(() => evaluate('X', { at } as never), 'E_INVALID_ARGUMENT', String(at));
    }
    await expectCode(() => evaluate('X', { at: { X: 'abc' } } as never), 'E_INVALID_ARGUMENT');
    await expectCode(() => evaluate('X', { at: { X: [[1, 'a']] } } as never), 'E_INVALID_ARGUMENT');
  });

  it("evaluate('X') returns a copy, not the caller's object", async () => {
    const F = await evaluate('X', { at: { X } });
    expect(F).not.toBe(X);
    expect(F.data).not.toBe(X.data);
    expect(Array.from(F.data)).toEqual(Array.from(X.data));
  });
});

describe('Mat constructors validate their data and sizes', () => {
  it('new Mat(2, 2, null), wrong lengths, bad dimensions', async () => {
    await expectCode(() => new Mat(2, 2, null as never), 'E_INVALID_ARGUMENT');
    await expectCode(() => new Mat(2, 2, [1, 2, 3, 4] as never), 'E_INVALID_ARGUMENT');
    await expectCode(() => new Mat(2, 2, new Float64Array(3)), 'E_INVALID_ARGUMENT');
    await expectCode(() => new Mat(-1, 2, new Float64Array(0)), 'E_INVALID_ARGUMENT');
    await expectCode(() => Mat.fromColumnMajor(2, 2, [1, 2, 'x', 4] as never), 'E_INVALID_ARGUMENT');
    await expectCode(() => Mat.from([[1, 2], [3]]), 'E_INVALID_ARGUMENT');
    await expectCode(() => Mat.from([[1, {}]] as never), 'E_INVALID_ARGUMENT');
    await expectCode(() => Mat.from('ab' as never), 'E_INVALID_ARGUMENT');
  });

  it('Mat.zeros(1e6, 1e6) is E_TOO_LARGE saying how much; Mat.random(-1, 2), NaN, 1.5 are E_INVALID_ARGUMENT', async () => {
    const e = await expectCode(() => Mat.zeros(1e6, 1e6), 'E_TOO_LARGE');
    expect(e.message).toMatch(/1000000×1000000/);
    expect(e.message).toMatch(/GiB/);
    await expectCode(() => Mat.random(-1, 2), 'E_INVALID_ARGUMENT');
    await expectCode(() => Mat.random(NaN, 2), 'E_INVALID_ARGUMENT');
    await expectCode(() => Mat.zeros(1.5, 2), 'E_INVALID_ARGUMENT');
    await expectCode(() => Mat.eye(Infinity), 'E_INVALID_ARGUMENT');
    await expectCode(() => Mat.random(2, 2, { seed: NaN }), 'E_INVALID_ARGUMENT');
    await expectCode(() => Mat.random(2, 2, { lo: 1, hi: -1 }), 'E_INVALID_ARGUMENT');
    await expectCode(() => Mat.random(2, 2, null as never), 'E_INVALID_ARGUMENT');
  });
});

describe('sizes are checked before allocation (intermediates too)', () => {
  it("x*x' with x 100000×1 is E_TOO_LARGE naming the '*' and its size", async () => {
    const x = Mat.zeros(100000, 1);
    const e = await expectCode(() => evaluate("x*x'", { at: { x } }), 'E_TOO_LARGE');
    expect(e.message).toContain("'*' at position 1");
    expect(e.message).toContain('100000×100000');
    // x'*x is fine
    expect((await evaluate("x'*x", { at: { x } })).data[0]).toBe(0);
  });

  it('kron(X, X) with X 400×400 is E_TOO_LARGE (expression and CPU helper)', async () => {
    const Y = Mat.zeros(400, 400);
    await expectCode(() => evaluate('kron(X, X)', { at: { X: Y } }), 'E_TOO_LARGE');
    await expectCode(() => kron(Y, Y), 'E_TOO_LARGE');
  });

  it('batched forward mode: an intermediate held for every direction is refused before it is allocated', async () => {
    const x = Mat.random(3000, 1, { seed: 4 });
    // forward mode would hold x*x' (3000×3000) for each of the 3000 unit tangents
    await expectCode(() => jacobian("sum(x*x')", { wrt: 'x', at: { x }, backend: cpu, method: 'forward' }), 'E_TOO_LARGE');
  });
});

describe('text nested or long enough to exhaust the stack', () => {
  it('1,300 nested parentheses are a ParseError at the position where the limit is crossed', async () => {
    const text = '('.repeat(1300) + 'X' + ')'.repeat(1300);
    const e = await expectCode(() => evaluate(text, { at: { X } }), 'E_PARSE');
    expect((e as unknown as { pos: number }).pos).toBe(128);
    await expectCode(() => evaluate('sin('.repeat(1000) + 'X' + ')'.repeat(1000), { at: { X } }), 'E_PARSE');
    await expectCode(() => evaluate('['.repeat(1000) + 'X' + ']'.repeat(1000), { at: { X } }), 'E_PARSE');
  });

  it('a sum of 2,500 terms is computed (value and derivative by every method)', async () => {
    const terms = Array.from({ length: 2500 }, (_, k) => (k % 3 === 0 ? 'A*X' : k % 3 === 1 ? 'X' : '2*X'));
    const text = terms.join(' + ');
    const F = await evaluate(text, { at: { X, A } });
    // closed form: 834·A·X + 833·X + 2·833·X
    const ref = await evaluate('834*A*X + 2499*X', { at: { X, A } });
    expect(relFro(F.data, ref.data)).toBeLessThan(1e-12);
    const Jref = await jacobian('834*A*X + 2499*X', { wrt: 'X', at: { X, A }, backend: cpu });
    for (const method of ['auto', 'forward', 'reverse'] as const) {
      const J = await jacobian(text, { wrt: 'X', at: { X, A }, backend: cpu, method });
      expect(relFro(J.data, Jref.data), method).toBeLessThan(1e-12);
    }
  });

  it('long chains of -, +, \' and alternating +/- are computed', async () => {
    expect((await evaluate('-'.repeat(5001) + 'X', { at: { X } })).data[0]).toBe(-X.data[0]!);
    expect((await evaluate('-+'.repeat(3000) + 'X', { at: { X } })).data[0]).toBe(X.data[0]);
    const T = await evaluate('X' + "'".repeat(5001), { at: { X } });
    expect(T.data[1]).toBe(X.data[3]);
    const alt = Array.from({ length: 2500 }, (_, k) => (k % 2 ? '- X' : '+ 2*X')).join(' ');
    const G = await grad(`sum(${alt})`, { wrt: 'X', at: { X }, backend: cpu, method: 'reverse' });
    expect(G.data.every((v) => Math.abs(v - 1250) < 1e-9)).toBe(true);
  });

  it('a builder expression grown one operand at a time is refused with a typed error; add(...2500) is balanced', async () => {
    let e = expr.sym('X');
    for (let k = 0; k < 2500; k++) e = e.add('X');
    await expectCode(() => evaluate(e, { at: { X } }), 'E_INVALID_ARGUMENT');
    const all = expr.add(expr.sym('X'), ...Array.from({ length: 2499 }, () => expr.sym('X')));
    const F = await evaluate(all, { at: { X } });
    expect(F.data[0]).toBeCloseTo(2500 * X.data[0]!, 9);
  });

  it('a malformed Ast (missing operands, unknown kinds, cycles) is E_INVALID_ARGUMENT', async () => {
    await expectCode(() => evaluate({ kind: 'binary', op: '+' } as never, { at: { X } }), 'E_INVALID_ARGUMENT');
    await expectCode(() => evaluate({ kind: 'call', fn: 'nope', args: [] } as never, { at: { X } }), 'E_INVALID_ARGUMENT');
    await expectCode(() => evaluate({ kind: 'num', value: NaN } as never, { at: { X } }), 'E_INVALID_ARGUMENT');
    const cyc: Record<string, unknown> = { kind: 'neg' };
    cyc.a = cyc;
    await expectCode(() => evaluate(cyc as never, { at: { X } }), 'E_INVALID_ARGUMENT');
  });
});

describe('integer matrix powers', () => {
  it('X^100000 ends quickly (repeated squaring, no k² term expansion), and matches the closed form', async () => {
    // a rotation: R^k is the rotation by k·θ, and d(R^k) is finite
    const th = 0.3;
    const R = Mat.from([
      [Math.cos(th), -Math.sin(th)],
      [Math.sin(th), Math.cos(th)],
    ]);
    const t0 = performance.now();
    const F = await evaluate('X^100000', { at: { X: R } });
    const J = await jacobian('X^100000', { wrt: 'X', at: { X: R }, backend: cpu });
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(F.data[0]).toBeCloseTo(Math.cos(100000 * th), 6);
    expect(J.rows).toBe(4);
    expect(J.data.every(Number.isFinite)).toBe(true);
    // d(R^k)[dX] against central differences, in one direction
    const r = await checkJacobian('X^1000', { wrt: 'X', at: { X: R }, backend: cpu, tolerance: 1e-5 });
    expect(r.ok).toBe(true);
  });

  it('X^1e300 and X^(2^21) are refused with a typed error', async () => {
    await expectCode(() => evaluate('X^1e300', { at: { X } }), 'E_INVALID_ARGUMENT');
    await expectCode(() => jacobian('X^2097152', { wrt: 'X', at: { X }, backend: cpu }), 'E_INVALID_ARGUMENT');
  });
});

describe('results that overflow', () => {
  it('float64: a derivative that overflows while F does not (A = B = 1e200·I, X = 0) is E_NON_FINITE', async () => {
    const big = Mat.from([
      [1e200, 0],
      [0, 1e200],
    ]);
    const at = { X: Mat.zeros(2, 2), A: big, B: big };
    expect((await evaluate('A*X*B', { at })).data.every((v) => v === 0)).toBe(true);
    for (const method of ['auto', 'structured', 'forward', 'reverse'] as const) {
      const e = await expectCode(() => jacobian('A*X*B', { wrt: 'X', at, backend: cpu, method }), 'E_NON_FINITE', method);
      expect(e.message).toContain('A * X * B');
    }
    await expectCode(async () => {
      for await (const t of jacobianTiles('A*X*B', { wrt: 'X', at, backend: cpu, tileCols: 2 })) void t;
    }, 'E_NON_FINITE');
  });

  it('an overflowing primal is E_NON_FINITE with the position', async () => {
    const e = await expectCode(() => evaluate('exp(X)', { at: { X: Mat.scalar(1000) } }), 'E_NON_FINITE');
    expect(e.message).toMatch(/exp/);
  });
});

describe('messages name what the user wrote', () => {
  it("grad('norm(X)') at 0 and sqrt at 0 name 'norm' / 'sqrt' and the position, not an internal './'", async () => {
    const Z = Mat.zeros(2, 2);
    for (const [e, name, pos] of [
      ['norm(X)', 'norm', 0],
      ['sum(sqrt(X))', 'sqrt', 4],
      ['2 + sum(X.^0.5)', '.^0.5', 9],
    ] as const) {
      for (const run of [
        () => grad(e, { wrt: 'X', at: { X: Z }, backend: cpu }),
        () => jacobian(e, { wrt: 'X', at: { X: Z }, backend: cpu }),
        () => hessian(e, { wrt: 'X', at: { X: Z }, backend: cpu }),
      ]) {
        const err = await expectCode(run, 'E_DOMAIN', e);
        expect(err.message, e).toContain(`'${name}' at position ${pos}`);
        expect(err.message, e).not.toContain("'./'");
      }
    }
    // once differentiable but not twice: the Hessian names the user's power and its second derivative
    const twice = await expectCode(() => hessian('sum(X.^1.5)', { wrt: 'X', at: { X: Z }, backend: cpu }), 'E_DOMAIN');
    expect(twice.message).toContain("'.^1.5' at position 5 is not twice differentiable where its base is 0");
    expect((await jacobian('sum(X.^1.5)', { wrt: 'X', at: { X: Z }, backend: cpu })).data.every((v) => v === 0)).toBe(true);
    // where F itself is undefined, F's own error stands
    const err = await expectCode(() => grad('sum(log(X)) + norm(X)', { wrt: 'X', at: { X: Z }, backend: cpu }), 'E_DOMAIN');
    expect(err.message).toContain('log');
  });
});

describe('reports', () => {
  it('near-singular inputs to inv, \\ and logdet get a condition warning in the run report; well-conditioned ones none', async () => {
    const near = Mat.from([
      [1, 1],
      [1, 1 + 1e-12],
    ]);
    for (const [e, what] of [
      ['inv(X)', 'jacobian'],
      ['X \\ B', 'jacobian'],
      ['logdet(X)', 'grad'],
    ] as const) {
      const reports: RunReport[] = [];
      const at = { X: near, B: Mat.from([[1], [2]]) };
      const onReport = (r: RunReport): number => reports.push(r);
      if (what === 'grad') await grad(e, { wrt: 'X', at, backend: cpu, onReport });
      else await jacobian(e, { wrt: 'X', at, backend: cpu, onReport });
      const w = reports[0]!.warnings ?? [];
      expect(w.length, e).toBe(1);
      expect(w[0], e).toMatch(/condition number ≈ [45]\.\de\+12/);
      expect(w[0], e).toContain('at position');
    }
    const reports: RunReport[] = [];
    await jacobian('inv(X)', { wrt: 'X', at: { X: Mat.from([[2, 1], [1, 3]]) }, backend: cpu, onReport: (r) => reports.push(r) });
    expect(reports[0]!.warnings).toBeUndefined();
  });

  it('onReport is called once with the backend that ran', async () => {
    const reports: RunReport[] = [];
    await jacobian('A*X*B', { wrt: 'X', at: { X, A, B }, backend: cpu, onReport: (r) => reports.push(r) });
    expect(reports.map((r) => r.backend)).toEqual(['cpu']);
  });
});
