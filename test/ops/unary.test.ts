/**
 * The elementwise-function table (src/ops/unary.ts) is all a new function needs: for every entry,
 * the text `f(…)` parses, evaluates (against an independent reference computed here), and its
 * Jacobian agrees by every method (structured, forward, reverse, auto, central differences) in
 * both layouts with the closed form (I⊗Aᵀ)·diag(f′(vec AX)) — so an entry added to the table is
 * covered here the moment it exists (`REF` is typed over the table: an entry without a reference
 * is a compile error).
 */
import { describe, expect, it } from 'vitest';
import { Mat, evaluate, expr, relError, type Bindings } from '../../src/index.js';
import { UNARY_FNS, type UnaryFn } from '../../src/ops/unary.js';
import { expectJacobianAllMethods } from '../diff/helpers.js';

interface Ref {
  /** f and f′ of one entry, written independently of the library. */
  readonly f: (x: number) => number;
  readonly df: (x: number) => number;
  /** Sample entries: 'positive' in [0.2, 0.9], 'real' in ±[0.2, 0.9] (away from kinks at 0). */
  readonly domain: 'positive' | 'real';
}

const REF: { readonly [F in UnaryFn]: Ref } = {
  exp: { f: Math.exp, df: Math.exp, domain: 'real' },
  log: { f: Math.log, df: (x) => 1 / x, domain: 'positive' },
  sin: { f: Math.sin, df: Math.cos, domain: 'real' },
  cos: { f: Math.cos, df: (x) => -Math.sin(x), domain: 'real' },
  tan: { f: (x) => Math.sin(x) / Math.cos(x), df: (x) => 1 / Math.cos(x) ** 2, domain: 'real' },
  sinh: { f: (x) => (Math.exp(x) - Math.exp(-x)) / 2, df: (x) => (Math.exp(x) + Math.exp(-x)) / 2, domain: 'real' },
  cosh: { f: (x) => (Math.exp(x) + Math.exp(-x)) / 2, df: (x) => (Math.exp(x) - Math.exp(-x)) / 2, domain: 'real' },
  atan: { f: (x) => Math.asin(x / Math.sqrt(1 + x * x)), df: (x) => 1 / (1 + x * x), domain: 'real' },
  tanh: { f: Math.tanh, df: (x) => 1 / Math.cosh(x) ** 2, domain: 'real' },
  sigmoid: { f: (x) => 1 / (1 + Math.exp(-x)), df: (x) => Math.exp(-x) / (1 + Math.exp(-x)) ** 2, domain: 'real' },
  sqrt: { f: Math.sqrt, df: (x) => 0.5 / Math.sqrt(x), domain: 'positive' },
  abs: { f: (x) => (x < 0 ? -x : x), df: (x) => (x < 0 ? -1 : 1), domain: 'real' },
  relu: { f: (x) => (x > 0 ? x : 0), df: (x) => (x > 0 ? 1 : 0), domain: 'real' },
  sign: { f: (x) => (x < 0 ? -1 : x > 0 ? 1 : 0), df: () => 0, domain: 'real' },
};

/** m×n sample in the function's domain, away from 0. */
function sample(m: number, n: number, domain: Ref['domain'], seed: number): Mat {
  const U = Mat.random(m, n, { seed, lo: 0.2, hi: 0.9 });
  if (domain === 'real') for (let k = 0; k < U.size; k++) if (k % 2 === 1) U.data[k] = -U.data[k]!;
  return U;
}

describe('every entry of the elementwise table', () => {
  it.each(UNARY_FNS)('%s: parse → evaluate → every derivative method, both layouts', async (f) => {
    const ref = REF[f];
    const X = sample(2, 3, ref.domain, 7);
    const want = Mat.fromColumnMajor(2, 3, X.data.map(ref.f));
    const got = await evaluate(`${f}(X)`, { at: { X } });
    expect(relError(got, want)).toBeLessThanOrEqual(1e-15);
    // the builder reaches every entry too
    expect((await evaluate(expr.unary[f](expr.sym('X')), { at: { X } })).data).toEqual(got.data);

    // F = f(A X), A a 2×2 scaling that keeps A X in the domain: D[i + j·m, k + l·p] = f′((AX)_kl) A_ki δ_jl
    const A = Mat.from([
      [0.9, 0],
      [0, 0.8],
    ]);
    const AX = Mat.fromColumnMajor(2, 3, Float64Array.from({ length: 6 }, (_, k) => A.data[(k % 2) * 3]! * X.data[k]!));
    const D = Mat.zeros(6, 6);
    for (let j = 0; j < 3; j++)
      for (let i = 0; i < 2; i++)
        for (let k = 0; k < 2; k++) D.data[i + j * 2 + (k + j * 2) * 6] = ref.df(AX.data[k + j * 2]!) * A.data[k + i * 2]!;
    const at: Bindings = { X, A };
    await expectJacobianAllMethods(`${f}(A*X)`, { wrt: 'X', at }, D, `${f}(A*X)`);
  });
});

describe('kinks: the one-sided convention of JAX', () => {
  it('abs at 0 has derivative sign(0) = 0 by every method', async () => {
    const x = Mat.col([-1.5, 0, 2]);
    const G = Mat.col([-1, 0, 1]);
    await expectJacobianAllMethods('abs(x)', { wrt: 'x', at: { x } }, Mat.from([[-1, 0, 0], [0, 0, 0], [0, 0, 1]]), 'abs(x) at 0');
    expect((await evaluate('sign(x)', { at: { x } })).data).toEqual(G.data);
  });
});
