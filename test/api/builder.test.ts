/**
 * Builder expressions (the `expr` namespace: functions and fluent methods) give the same results
 * as the equivalent strings, through every entry point; raw Asts are accepted too. Also over
 * random expressions of the whole grammar (rebuilt through the builder functions only).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Mat,
  MatjacError,
  checkJacobian,
  derivative,
  evaluate,
  explain,
  expr,
  grad,
  hessian,
  hvp,
  jacobian,
  jacobianTiles,
  jvp,
  parse,
  relError,
  vjp,
  type ExprLike,
} from '../../src/index.js';
import { arbExpr, rebuild } from '../expr/arbitrary.js';

const cpu = 'cpu' as const;
const { sym, add, sub, mul, hadamard, ediv, epow, mpow, neg, t, at, concat, hcat, vcat } = expr;

const X = Mat.random(3, 3, { seed: 1 });
for (let i = 0; i < 3; i++) X.data[i * 4]! += 3; // well conditioned, det > 0
const A = Mat.random(3, 3, { seed: 2 });
const B = Mat.random(3, 2, { seed: 3 });
const y = Mat.random(3, 1, { seed: 4 });
const x = Mat.random(3, 1, { seed: 5 });
const W = Mat.random(4, 3, { seed: 6 });
const yy = Mat.col([0.1, 0.2, 0.3, 0.4]);
const env = { X, A, B, y, x, W, yy, t: 0.4 };

const Xs = sym('X');
const As = sym('A');
const Bs = sym('B');
const ys = sym('y');
const xs = sym('x');
const Ws = sym('W');

/** [text, builder (function style), builder (fluent style), wrt] */
const CASES: [string, ExprLike, ExprLike, string][] = [
  ['A*X*B', mul(As, Xs, Bs), As.mul(Xs).mul(Bs), 'X'],
  ['inv(X)', expr.inv(Xs), Xs.inv(), 'X'],
  ["X*X'", mul(Xs, t(Xs)), Xs.mul(Xs.T), 'X'],
  ['sigmoid(A*X)', expr.sigmoid(mul(As, Xs)), As.mul(Xs).sigmoid(), 'X'],
  ["logdet(X) + tr(X'*A*X)", add(expr.logdet(Xs), expr.tr(mul(t(Xs), As, Xs))), Xs.logdet().add(Xs.T.mul(As).mul(Xs).tr()), 'X'],
  ["y'*A*y", mul(t(ys), As, ys), ys.t().mul(As, ys), 'y'],
  [
    '[x(1)^2 + x(2)^2 + x(3); x(3)^2 + 2*x(1)]',
    vcat(add(mpow(at(xs, 1), 2), mpow(at(xs, 2), 2), at(xs, 3)), add(mpow(at(xs, 3), 2), mul(2, at(xs, 1)))),
    concat([[xs.at(1).mpow(2).add(xs.at(2).mpow(2), xs.at(3))], [xs.at(3).mpow(2).add(mul(2, xs.at(1)))]]),
    'x',
  ],
  ['log(x(1)) + x(1)*x(2) - sin(x(2))', sub(add(expr.log(at(xs, 1)), mul(at(xs, 1), at(xs, 2))), expr.sin(at(xs, 2))), xs.at(1).log().add(xs.at(1).mul(xs.at(2))).sub(xs.at(2).sin()), 'x'],
  ["-yy'*log(softmax(W*x))", mul(neg(t('yy')), expr.log(expr.softmax(mul(Ws, xs)))), sym('yy').T.neg().mul(Ws.mul(xs).softmax().log()), 'W'],
  ['norm(X)^2 + det(X) - sum(exp(X) ./ (2 + X.^2))', sub(add(mpow(expr.norm(Xs), 2), expr.det(Xs)), expr.sum(ediv(expr.exp(Xs), add(2, epow(Xs, 2))))), Xs.norm().mpow(2).add(Xs.det()).sub(Xs.exp().ediv(add(2, Xs.epow(2))).sum()), 'X'],
  ['kron(X, B) .* kron(A, B)', hadamard(expr.kron(Xs, Bs), expr.kron(As, Bs)), Xs.kron(Bs).hadamard(As.kron(Bs)), 'X'],
  ["[X, A; A', X] * [B; B] * diag(vec(X(2, 3)))", mul(concat([[Xs, As], [t(As), Xs]]), vcat(Bs, Bs), expr.diag(expr.vec(at(Xs, 2, 3)))), concat([[Xs, As], [As.T, Xs]]).mul(vcat(Bs, Bs)).mul(Xs.at(2, 3).vec().diag()), 'X'],
  ['tanh(X) - cos(X) + sqrt(X .* X + 1) + X^-2', add(sub(expr.tanh(Xs), expr.cos(Xs)), expr.sqrt(add(hadamard(Xs, Xs), 1)), mpow(Xs, -2)), Xs.tanh().sub(Xs.cos()).add(Xs.hadamard(Xs).add(1).sqrt(), Xs.mpow(-2)), 'X'],
  ['[diag(X), sum(X)*y]', hcat(expr.diag(Xs), mul(expr.sum(Xs), ys)), hcat(Xs.diag(), Xs.sum().mul(ys)), 'X'],
  ["2*X + A'", add(mul(2, 'X'), "A'"), add(mul(2, Xs), As.T), 'X'],
];

/**
 * Equal up to rounding: a builder expression that reuses one `sym('X')` object is one shared node
 * where the parser makes one node per occurrence, so sums may be accumulated in another order.
 */
const sameMat = (a: Mat, b: Mat, what: string): void => {
  expect([a.rows, a.cols], what).toEqual([b.rows, b.cols]);
  const e = relError(a, b);
  if (!(e <= 1e-13)) expect(Array.from(a.data), `${what}: relative error ${e}`).toEqual(Array.from(b.data));
};

describe('builder ≡ string, case by case', () => {
  it('the builder and the parser give the same Ast (positions aside)', () => {
    for (const [text, f, g] of CASES) {
      const fromText = expr.stripPos(parse(text));
      expect(expr.stripPos(expr.toAst(f)), text).toEqual(fromText);
      expect(expr.stripPos(expr.toAst(g)), text).toEqual(fromText);
      // the builder's text reads back to the same Ast
      expect(expr.stripPos(parse(String(f))), text).toEqual(fromText);
    }
  });

  it.each(CASES.map((c) => [c[0], c] as const))('%s: evaluate, jacobian (every method, both layouts), jvp, vjp, explain', async (_, c) => {
    const [text, f, g, wrt] = c;
    const F = await evaluate(text, { at: env });
    sameMat(await evaluate(f, { at: env }), F, `${text} evaluate`);
    sameMat(await evaluate(g, { at: env }), F, `${text} evaluate (fluent)`);
    for (const method of ['auto', 'structured', 'forward', 'reverse', 'fd'] as const) {
      for (const layout of ['denominator', 'numerator'] as const) {
        const o = { wrt, at: env, backend: cpu, method, layout };
        let ref: Mat | MatjacError;
        try {
          ref = await jacobian(text, o);
        } catch (e) {
          ref = e as MatjacError;
        }
        for (const e of [f, g, parse(text)]) {
          if (ref instanceof Mat) sameMat(await jacobian(e, o), ref, `${text} ${method} ${layout}`);
          else await expect(jacobian(e, o), `${text} ${method} ${layout}`).rejects.toThrow(ref.constructor as new () => Error);
        }
      }
    }
    const X0 = env[wrt as keyof typeof env] as Mat;
    const V = Mat.random(X0.rows, X0.cols, { seed: 7 });
    const Wc = Mat.random(F.rows, F.cols, { seed: 8 });
    const jv = await jvp(text, { wrt, at: env, backend: cpu, tangent: V });
    const vj = await vjp(text, { wrt, at: env, backend: cpu, cotangent: Wc });
    const ex = explain(text, { wrt, at: env, backend: cpu });
    for (const e of [f, g]) {
      sameMat(await jvp(e, { wrt, at: env, backend: cpu, tangent: V }), jv, `${text} jvp`);
      sameMat(await vjp(e, { wrt, at: env, backend: cpu, cotangent: Wc }), vj, `${text} vjp`);
      const e2 = explain(e, { wrt, at: env, backend: cpu });
      expect(e2.method).toBe(ex.method);
      expect(e2.steps.map((s) => s.formula)).toEqual(ex.steps.map((s) => s.formula));
    }
    const chk = await checkJacobian(f, { wrt, at: env, backend: cpu, method: 'reverse' });
    expect(chk.ok, `${text} checkJacobian: ${chk.relError}`).toBe(true);
  });

  it.each(CASES.filter((c) => c[0].startsWith('logdet') || c[0].startsWith('norm') || c[0].startsWith("y'") || c[0].startsWith('log(') || c[0].startsWith('-yy')).map((c) => [c[0], c] as const))(
    '%s (scalar): grad (both forms), hessian, hvp',
    async (_, c) => {
      const [text, f, g, wrt] = c;
      const X0 = env[wrt as keyof typeof env] as Mat;
      const V = Mat.random(X0.rows, X0.cols, { seed: 9 });
      const G = await grad(text, { wrt, at: env, backend: cpu });
      const Gj = await grad(text, { wrt, at: env, backend: cpu, form: 'jacobian' });
      const H = await hessian(text, { wrt, at: env, backend: cpu });
      const Hv = await hvp(text, { wrt, at: env, backend: cpu, v: V });
      for (const e of [f, g]) {
        sameMat(await grad(e, { wrt, at: env, backend: cpu }), G, `${text} grad`);
        sameMat(await grad(e, { wrt, at: env, backend: cpu, form: 'jacobian' }), Gj, `${text} grad form jacobian`);
        sameMat(await hessian(e, { wrt, at: env, backend: cpu }), H, `${text} hessian`);
        sameMat(await hvp(e, { wrt, at: env, backend: cpu, v: V }), Hv, `${text} hvp`);
        expect(explain(e, { wrt, at: env, backend: cpu, hessian: true }).method).toBe(explain(text, { wrt, at: env, backend: cpu, hessian: true }).method);
      }
    },
  );

  it('derivative of a matrix function of a scalar t', async () => {
    const text = 't^2*A + sin(t)*B*B\'';
    const f = add(mul(mpow('t', 2), As), mul(expr.sin('t'), Bs, t(Bs)));
    const g = sym('t').mpow(2).mul(As).add(sym('t').sin().mul(Bs).mul(Bs.T));
    const d = await derivative(text, { wrt: 't', at: env, backend: cpu });
    sameMat(await derivative(f, { wrt: 't', at: env, backend: cpu }), d, 'derivative');
    sameMat(await derivative(g, { wrt: 't', at: env, backend: cpu }), d, 'derivative (fluent)');
  });

  it('jacobianTiles', async () => {
    const collect = async (e: ExprLike): Promise<number[]> => {
      const out: number[] = [];
      for await (const tl of jacobianTiles(e, { wrt: 'X', at: env, backend: cpu, tileCols: 4 })) out.push(...tl.tile.data);
      return out;
    };
    expect(await collect(mul(As, Xs, Bs))).toEqual(await collect('A*X*B'));
  });

  it('errors: the same class and code from a builder expression', async () => {
    const bad: [string, ExprLike][] = [
      ['X*y + A', add(mul(Xs, ys), As)],
      ['inv(B)', expr.inv(Bs)],
      ['Z + X', add(sym('Z'), Xs)],
    ];
    for (const [text, e] of bad) {
      let e1: MatjacError | undefined;
      let e2: MatjacError | undefined;
      try {
        await jacobian(text, { wrt: 'X', at: env, backend: cpu });
      } catch (err) {
        e1 = err as MatjacError;
      }
      try {
        await jacobian(e, { wrt: 'X', at: env, backend: cpu });
      } catch (err) {
        e2 = err as MatjacError;
      }
      expect(e1, text).toBeInstanceOf(MatjacError);
      expect(e2?.constructor, text).toBe(e1!.constructor);
      expect(e2!.code, text).toBe(e1!.code);
    }
  });
});

describe('builder ≡ string over random expressions of the whole grammar', () => {
  it('rebuilt through the builder functions: the same value and the same Jacobian (or the same error)', async () => {
    await fc.assert(
      fc.asyncProperty(arbExpr({ maxDim: 4 }), fc.nat(), async (g, k) => {
        const names = Object.keys(g.env).sort();
        fc.pre(names.length > 0);
        const wrt = names[k % names.length]!;
        const built = rebuild(expr.stripPos(parse(g.text)));
        sameMat(await evaluate(built, { at: g.env }), await evaluate(g.text, { at: g.env }), `${g.text} evaluate`);
        for (const method of ['auto', 'reverse'] as const) {
          const o = { wrt, at: g.env, backend: cpu, method };
          let ref: Mat | Error;
          try {
            ref = await jacobian(g.text, o);
          } catch (e) {
            ref = e as Error;
          }
          if (ref instanceof Mat) sameMat(await jacobian(built, o), ref, `${g.text} wrt ${wrt} ${method}`);
          else await expect(jacobian(built, o), `${g.text} wrt ${wrt} ${method}`).rejects.toThrow(ref.constructor as new () => Error);
        }
      }),
      { seed: 42, numRuns: 60 },
    );
  });
});
