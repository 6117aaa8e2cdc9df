/**
 * The hostile-input property suite (DESIGN.md §4), CPU path: random text over the grammar's
 * alphabet and beyond, deep nestings and long chains, option objects of the wrong types with
 * prototype names, sizes near and past the limits, overflow-prone values. Every call must end,
 * within a time bound, in a MatjacError with a code, or in a value that agrees with the float64
 * central-difference reference (or, for evaluate, a finite matrix of the checked shape).
 * Seeds are fixed, so a run is reproducible; HOSTILE_CASES counts the cases of one run.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Mat, checkJacobian, evaluate, grad, hessian, jacobian, jvp, type DiffOptions } from '../../src/index.js';
import { compareWithFd } from '../../src/plan/run.js';
import { check } from '../../src/expr/check.js';
import { parse } from '../../src/expr/parse.js';
import { expectTyped, outcome, relFro } from './helpers.js';

/** Time bound of one call (generous: CI machines are shared). */
const BOUND_MS = 15_000;
const RUNS = { strings: 400, tokens: 400, deep: 120, options: 300, protoNames: 150, sizes: 300, overflow: 200 };
export const HOSTILE_CASES = Object.values(RUNS).reduce((a, b) => a + b, 0);

const X = Mat.random(3, 3, { seed: 11 });
const A = Mat.random(3, 3, { seed: 12 });
const x = Mat.random(3, 1, { seed: 13 });
const at = { X, A, x, s: Mat.scalar(0.7) };

/** Evaluates, and where it succeeds differentiates and compares against finite differences. */
async function judge(text: string, context: string, withJacobian: boolean): Promise<void> {
  const F = await outcome(() => evaluate(text, { at }));
  expect(F.ms, `${context}: evaluate took ${F.ms} ms`).toBeLessThan(BOUND_MS);
  if (!F.ok) return expectTyped(F.error, `${context} evaluate`);
  const node = check(parse(text), at);
  expect([F.value.rows, F.value.cols], context).toEqual([node.shape[0], node.shape[1]]);
  expect(F.value.data.every(Number.isFinite), `${context}: non-finite value`).toBe(true);
  if (!withJacobian) return;
  const J = await outcome(() => jacobian(text, { wrt: 'X', at, backend: 'cpu' }));
  expect(J.ms, `${context}: jacobian took ${J.ms} ms`).toBeLessThan(BOUND_MS);
  if (!J.ok) return expectTyped(J.error, `${context} jacobian`);
  const ref = await outcome(() => compareWithFd(J.value, node, 'X', at, 'denominator'));
  if (!ref.ok) return expectTyped(ref.error, `${context} reference`);
  expect(J.value.data.every(Number.isFinite), `${context}: non-finite Jacobian`).toBe(true);
  // central differences carry O(h²) truncation: agreement to 1e-5 relative (or tiny absolute)
  const scale = Math.max(1, ...Array.from(ref.value.reference.data, Math.abs));
  expect(ref.value.relError < 1e-5 || ref.value.maxAbsError < 1e-7 * scale, `${context}: rel error ${ref.value.relError}`).toBe(true);
}

const ALPHABET = [...'XAxs0123456789.e+-*/\\^\'()[],; \n:=@#${}"`~!&|<>?%_abcdgilmnoqrtuvwz'];
const TOKENS = [
  'X', 'A', 'x', 's', '1', '2.5', '1e3', '1e-3', '0', '1e309', '0x1', '+', '-', '*', '.*', './', '/', '\\', '^', '.^', "'", ".'",
  '(', ')', '[', ']', ',', ';', ' ', '\n', 'sin(', 'exp(', 'log(', 'inv(', 'det(', 'logdet(', 'tr(', 'sum(', 'norm(', 'sqrt(',
  'kron(', 'diag(', 'vec(', 'softmax(', 'tanh(', 'sigmoid(', 'abs(', 'toString', '__proto__', 'constructor', 'end', ':', '@',
  '...', '%', 'X(1)', 'X(2,3)', 'x(3)', 'X(0)', 'X(4,4)', '[X, X]', '[X; A]', 'X^2', 'X^-1', 'X^1e300', 'X^100000',
];

describe('hostile text (CPU)', () => {
  it(`random strings over the grammar's alphabet and beyond (${RUNS.strings} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...ALPHABET), { minLength: 0, maxLength: 40 }), async (chars) => {
        await judge(chars.join(''), JSON.stringify(chars.join('')), false);
      }),
      { numRuns: RUNS.strings, seed: 1001 },
    );
  });

  it(`random token sequences: errors are typed, values agree with finite differences (${RUNS.tokens} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...TOKENS), { minLength: 1, maxLength: 14 }), async (toks) => {
        const text = toks.join('');
        await judge(text, JSON.stringify(text), true);
      }),
      { numRuns: RUNS.tokens, seed: 1002 },
    );
  });

  it(`deep nestings and long chains (${RUNS.deep} cases)`, async () => {
    const wrappers: [string, string][] = [['(', ')'], ['sin(', ')'], ['-(', ')'], ['[', ']'], ['X*(', ')'], ['tr(', ')*X'], ['(', ")'"], ['0.5*(X+', ')']];
    const ops = [' + ', ' - ', '*', '.*', "'*", ' - -', ' + +'];
    const deep = fc.record({
      depth: fc.integer({ min: 0, max: 1500 }),
      wrap: fc.constantFrom(...wrappers),
      len: fc.integer({ min: 1, max: 3000 }),
      op: fc.constantFrom(...ops),
      prefix: fc.constantFrom('', '-'.repeat(3001), "'", '+-'.repeat(100)),
    });
    await fc.assert(
      fc.asyncProperty(deep, async ({ depth, wrap, len, op, prefix }) => {
        const chain = Array.from({ length: len }, () => 'X').join(op);
        const text = prefix + wrap[0].repeat(depth) + chain + wrap[1].repeat(depth);
        const context = `depth ${depth} of ${wrap.join('…')}, chain of ${len} '${op}'`;
        // values only for the long ones (their derivatives are checked in regressions.test.ts)
        await judge(text, context, depth * len < 400);
        // scaled so the chain's value stays finite; the gradient ends in a value or a typed error
        const g = await outcome(() => grad(`sum(${text})`, { wrt: 'X', at: { X: Mat.random(3, 3, { seed: 5, lo: -0.3, hi: 0.3 }) }, backend: 'cpu' }));
        expect(g.ms, `${context}: grad took ${g.ms} ms`).toBeLessThan(BOUND_MS);
        if (!g.ok) expectTyped(g.error, `${context} grad`);
        else expect(g.value.data.every(Number.isFinite) && g.value.rows === 3, context).toBe(true);
      }),
      { numRuns: RUNS.deep, seed: 1003 },
    );
  });
});

/** Values no option should accept blindly. */
const HOSTILE_VALUES: unknown[] = [
  null, undefined, {}, [], ['X'], '', 'toString', '__proto__', 'constructor', 'X', NaN, -1, 0, 1.5, Infinity, -Infinity, 2 ** 60,
  '1e9', true, false, () => 1, Symbol('s'), { name: 'cpu' }, new Date(0), Object.create(null), 'cpu', 'auto', 'metal',
  'numerator', 'denominator', 'forward', 'reverse', 'fd', 'structured', 'gradient', 1e-6, 1e9,
];
const OPTION_KEYS = ['wrt', 'layout', 'method', 'backend', 'maxBytes', 'onReport', 'tolerance', 'form', 'tileCols', 'toString', '__proto__', 'constructor', 'bogus'];

describe('hostile options (CPU)', () => {
  it(`random option objects with wrong types and prototype names (${RUNS.options} cases)`, async () => {
    const entry = fc.constantFrom('jacobian', 'grad', 'hessian', 'checkJacobian', 'jvp', 'evaluate');
    const opts = fc.dictionary(fc.constantFrom(...OPTION_KEYS), fc.constantFrom(...HOSTILE_VALUES), { maxKeys: 4 });
    await fc.assert(
      fc.asyncProperty(entry, opts, fc.boolean(), async (fn, o, atAsProto) => {
        // 'cpu' unless the option says otherwise; `at` itself may be replaced by a hostile value
        const options: Record<string, unknown> = { backend: 'cpu', ...o };
        Object.defineProperty(options, 'at', { value: atAsProto ? Object.create({ X, A }) : { X, A }, enumerable: true });
        const e = 'tr(A*X*X)';
        const call = {
          jacobian: () => jacobian(e, options as never),
          grad: () => grad(e, options as never),
          hessian: () => hessian(e, options as never),
          checkJacobian: () => checkJacobian(e, options as never),
          jvp: () => jvp(e, { ...options, tangent: X } as never),
          evaluate: () => evaluate(e, options as never),
        }[fn];
        const r = await outcome<unknown>(call);
        const context = `${fn}(${Object.keys(o).map((k) => `${k}: ${show(o[k])}`).join(', ')})`;
        expect(r.ms, context).toBeLessThan(BOUND_MS);
        if (!r.ok) return expectTyped(r.error, context);
        // a value: only when every option was valid, and then the right one
        expect(atAsProto, `${context}: inherited bindings were used`).toBe(false);
        const v = r.value as Mat | { ok: boolean; jacobian: Mat };
        if (fn === 'checkJacobian') expect((v as { ok: boolean }).ok, context).toBe(true);
        else expect((v as Mat).data.every(Number.isFinite), context).toBe(true);
        if (fn === 'jacobian') {
          const layout = (o.layout as DiffOptions['layout']) ?? 'denominator';
          const ref = await jacobian(e, { wrt: 'X', at: { X, A }, backend: 'cpu', method: 'fd', layout });
          expect(relFro((v as Mat).data, ref.data), context).toBeLessThan(1e-6);
        }
      }),
      { numRuns: RUNS.options, seed: 1004 },
    );
  });

  it(`prototype names bound in 'at' and used as wrt (${RUNS.protoNames} cases)`, async () => {
    const names = ['__proto__', 'toString', 'constructor', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'Y'];
    await fc.assert(
      fc.asyncProperty(fc.subarray(names), fc.constantFrom(...names), fc.constantFrom(...names), async (bound, u, v) => {
        const atObj: Record<string, Mat> = {};
        bound.forEach((k, i) => Object.defineProperty(atObj, k, { value: Mat.scalar(i + 2), enumerable: true }));
        const text = `${u} * ${v} + ${u}`;
        const context = `${text} with ${bound.join(',')} bound`;
        const F = await outcome(() => evaluate(text, { at: atObj }));
        const G = await outcome(() => grad(text, { wrt: u, at: atObj, backend: 'cpu' }));
        if (!bound.includes(u) || !bound.includes(v)) {
          expect(F.ok, context).toBe(false);
          expectTyped(F.ok ? null : F.error, context);
          expect((F as { error: { code: string } }).error.code, context).toBe('E_UNKNOWN_NAME');
          if (!G.ok) expectTyped(G.error, context);
          else throw new Error(`${context}: grad returned a value`);
          return;
        }
        const uv = bound.indexOf(u) + 2;
        const vv = bound.indexOf(v) + 2;
        expect(F.ok && F.value.data[0], context).toBe(uv * vv + uv);
        // d/du (u·v + u) = v + 1, or 2u + 1 when v is u
        expect(G.ok && G.value.data[0], context).toBe(u === v ? 2 * uv + 1 : vv + 1);
      }),
      { numRuns: RUNS.protoNames, seed: 1005 },
    );
  });
});

describe('hostile sizes', () => {
  it(`Mat constructors with sizes near and past the limits (${RUNS.sizes} cases)`, async () => {
    const SIZES: unknown[] = [-1, 0, 1, 2, 1.5, NaN, Infinity, -Infinity, 1e5, 1e6, 2 ** 31, 2 ** 53, '3', null, undefined, 3n];
    const ctor = fc.constantFrom('zeros', 'random', 'eye', 'fromColumnMajor', 'new');
    await fc.assert(
      fc.asyncProperty(ctor, fc.constantFrom(...SIZES), fc.constantFrom(...SIZES), async (c, m, n) => {
        const r = await outcome(() => {
          switch (c) {
            case 'zeros':
              return Mat.zeros(m as number, n as number);
            case 'random':
              return Mat.random(m as number, n as number, { seed: 1 });
            case 'eye':
              return Mat.eye(m as number);
            case 'fromColumnMajor':
              return Mat.fromColumnMajor(m as number, n as number, [1, 2, 3, 4]);
            default:
              return new Mat(m as number, n as number, new Float64Array(4));
          }
        });
        const context = `${c}(${String(m)}, ${String(n)})`;
        expect(r.ms, context).toBeLessThan(BOUND_MS);
        if (!r.ok) return expectTyped(r.error, context);
        const M = r.value;
        const rows = m as number;
        const cols = c === 'eye' ? rows : n === undefined && c !== 'fromColumnMajor' && c !== 'new' ? rows : (n as number);
        expect([M.rows, M.cols], context).toEqual([rows, cols]);
        expect(M.data.length, context).toBe(rows * cols);
      }),
      { numRuns: RUNS.sizes, seed: 1006 },
    );
  });
});

describe('overflow-prone values (CPU, float64)', () => {
  // X is scaled up to 1e300 (down to 1e-2 only: below, no finite-difference step suits both
  // norm(X), whose scale is ‖X‖, and exp(X), whose scale is 1, so the reference is not trusted)
  it(`scaled inputs: a typed error or agreement with finite differences (${RUNS.overflow} cases)`, async () => {
    const exprs = ['exp(X)', 'A*X*B', 'X.*X', 'inv(X)', 'logdet(X)', '1e39*X', 'X^3', 'sum(X.^2)', 'norm(X)', 'sqrt(X.*X + 1)', 'det(X)', 'tr(X*X)'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...exprs), fc.integer({ min: -2, max: 300 }), fc.integer({ min: -300, max: 300 }), fc.integer({ min: 1, max: 1000 }), async (e, kx, ka, seed) => {
        const env = { X: scaled(seed, kx, true), A: scaled(seed + 1, ka, false), B: scaled(seed + 2, ka, false) };
        const context = `${e} at X·1e${kx}, A = B·1e${ka}`;
        const J = await outcome(() => jacobian(e, { wrt: 'X', at: env, backend: 'cpu' }));
        expect(J.ms, context).toBeLessThan(BOUND_MS);
        if (!J.ok) return expectTyped(J.error, context);
        expect(J.value.data.every(Number.isFinite), `${context}: non-finite entries returned`).toBe(true);
        const ref = await outcome(() => scaledFd(e, env));
        if (!ref.ok) return expectTyped(ref.error, `${context} (reference)`);
        const { D, errorBound } = ref.value;
        if (!D.every(Number.isFinite)) return; // the reference itself overflowed: no verdict on the value
        // agreement within 1e-5 relative, plus the reference's own error estimate
        const diff = Math.hypot(...J.value.data.map((v, k) => v - D[k]!));
        expect(diff, `${context}: ‖J − J_fd‖ = ${diff}, ‖J_fd‖ = ${Math.hypot(...D)}, fd error ≈ ${errorBound}`).toBeLessThanOrEqual(1e-5 * Math.hypot(...D) + 10 * errorBound);
      }),
      { numRuns: RUNS.overflow, seed: 1007 },
    );
  });
});

/**
 * The denominator Jacobian by central differences, built on `evaluate` alone. No one step suits
 * every scale (ε^(1/3)·max(1, |x|) loses everything for norm(X) at 1e-4, ε^(1/3)·|x| for exp(X)
 * at 1e-8), so each column takes, of the two, the step with the smaller error estimate:
 * truncation |D(h) − D(2h)| (Richardson) plus rounding ε·max|F(X ± h)|/h; returns that estimate too.
 */
async function scaledFd(e: string, env: Record<string, Mat>): Promise<{ D: Float64Array; errorBound: number }> {
  const X0 = env.X!;
  const xs = X0.data;
  const scale = Math.max(...Array.from(xs, Math.abs)) || 1;
  const pq = (await evaluate(e, { at: env })).size;
  const D = new Float64Array(X0.size * pq);
  let err2 = 0;
  const column = async (c: number, h: number): Promise<{ d: Float64Array; rounding: number }> => {
    const Xp = X0.clone();
    const Xm = X0.clone();
    Xp.data[c] = xs[c]! + h;
    Xm.data[c] = xs[c]! - h;
    const step = Xp.data[c]! - Xm.data[c]!;
    const Fp = await evaluate(e, { at: { ...env, X: Xp } });
    const Fm = await evaluate(e, { at: { ...env, X: Xm } });
    const d = Float64Array.from(Fp.data, (v, r) => (v - Fm.data[r]!) / step);
    const size = Math.max(...Array.from(Fp.data, Math.abs), ...Array.from(Fm.data, Math.abs));
    // rounding of F to ε relative, and never finer than the smallest subnormal (underflow)
    return { d, rounding: (Number.EPSILON * size + Number.MIN_VALUE) / step };
  };
  for (let c = 0; c < X0.size; c++) {
    let best: Float64Array | undefined;
    let bestErr = Infinity;
    for (const base of [Math.max(1, Math.abs(xs[c]!)), Math.max(scale, Math.abs(xs[c]!))]) {
      const h = Math.cbrt(Number.EPSILON) * base;
      const { d: d1, rounding } = await column(c, h);
      const { d: d2 } = await column(c, 2 * h);
      // absolute error estimates of the same column, so comparable across steps
      const err = Math.hypot(...d1.map((v, r) => v - d2[r]!)) + rounding;
      if (err < bestErr || best === undefined) [best, bestErr] = [d1, err];
    }
    // denominator layout: row c (entry c of vec X), column r (entry r of vec F)
    for (let r = 0; r < pq; r++) D[c + r * X0.size] = best![r]!;
    err2 += bestErr ** 2;
  }
  return { D, errorBound: Math.sqrt(err2) };
}

/** A value in a message (never calls the value's own methods). */
function show(v: unknown): string {
  if (typeof v === 'symbol') return 'symbol';
  if (typeof v === 'function') return 'function';
  if (typeof v === 'object' && v !== null) return Object.getPrototypeOf(v) === null ? 'null-prototype object' : Array.isArray(v) ? `[${v.length}]` : 'object';
  return String(v);
}

/** A 3×3 random matrix times 10^k (diagonally dominant when `spd`, so inv/logdet are defined). */
function scaled(seed: number, k: number, spd: boolean): Mat {
  const M = Mat.random(3, 3, { seed });
  if (spd) for (let i = 0; i < 3; i++) M.data[i * 4] = 3 + Math.abs(M.data[i * 4]!);
  const s = 10 ** k;
  for (let t = 0; t < 9; t++) M.data[t] = M.data[t]! * s;
  return M;
}
