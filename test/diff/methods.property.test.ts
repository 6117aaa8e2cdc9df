/**
 * Property tests over random well-typed expressions covering the whole grammar (the generator of
 * test/expr/arbitrary.ts: + - * .* ./ .^ ^ ' unary minus, indexing, concatenation and every
 * function, shapes 1..4, safe domains): every way of computing a derivative gives the same
 * matrix.
 * - Jacobians: structured, forward, reverse and auto agree (float64, relative Frobenius error
 *   ≤ 1e-7) and match central differences (≤ 1e-5, with an absolute floor scaled by ‖F‖ for
 *   Jacobians that vanish); numerator = transpose of denominator; grad, jvp and vjp agree with
 *   the full matrix.
 * - Scalar trees: Hessians are symmetric (‖H − Hᵀ‖ ≤ 1e-10‖H‖), all exact methods agree, they equal
 *   the Jacobian of the gradient by finite differences, and hvp = H·vec(V).
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  Mat,
  evaluate,
  frobenius,
  grad,
  hessian,
  hvp,
  jacobian,
  jvp,
  matmul,
  transpose,
  vjp,
  type Bindings,
} from '../../src/index.js';
import { arbExpr, type GeneratedExpr } from '../expr/arbitrary.js';

const FC_OPTS = { seed: 42, numRuns: 60 } as const;
const cpu = 'cpu' as const;
const EXACT = ['structured', 'forward', 'reverse'] as const;
const LAYOUTS = ['denominator', 'numerator'] as const;

/** ‖A − B‖_F */
function diffNorm(A: Mat, B: Mat): number {
  let s = 0;
  for (let k = 0; k < A.size; k++) s += (A.data[k]! - B.data[k]!) ** 2;
  return Math.sqrt(s);
}

function close(got: Mat, want: Mat, rel: number, abs: number, what: string): void {
  if (got.rows !== want.rows || got.cols !== want.cols) {
    throw new Error(`${what}: shape ${got.rows}×${got.cols}, expected ${want.rows}×${want.cols}`);
  }
  const d = diffNorm(got, want);
  const bound = rel * Math.max(frobenius(want), frobenius(got)) + abs;
  if (!(d <= bound)) {
    throw new Error(
      `${what}: ‖Δ‖ = ${d} > ${bound} (‖want‖ = ${frobenius(want)})\ngot  = ${got.toString({ maxRows: 10, maxCols: 10 })}\nwant = ${want.toString({ maxRows: 10, maxCols: 10 })}`,
    );
  }
}

/**
 * Central differences computed here (independently of the library), column c of the numerator
 * Jacobian of `f` at env[wrt], step s·ε^(1/3)·max(1, |x_c|) (s = 1 is the library's step).
 */
async function ownFd(f: (env: Record<string, Mat>) => Promise<Mat>, env: Record<string, Mat>, wrt: string, s: number): Promise<Mat> {
  const X = env[wrt]!;
  let J: Mat | null = null;
  for (let c = 0; c < X.size; c++) {
    const h = s * Math.cbrt(Number.EPSILON) * Math.max(1, Math.abs(X.data[c]!));
    const Xp = X.clone();
    const Xm = X.clone();
    Xp.data[c]! += h;
    Xm.data[c]! -= h;
    const fp = await f({ ...env, [wrt]: Xp });
    const fm = await f({ ...env, [wrt]: Xm });
    J ??= Mat.zeros(fp.size, X.size);
    for (let r = 0; r < fp.size; r++) J.data[r + c * fp.size] = (fp.data[r]! - fm.data[r]!) / (2 * h);
  }
  return J!;
}

/**
 * got ≈ fd (the library's central differences): ‖got − fd‖ ≤ 1e-5·‖fd‖ + abs. Where that fails,
 * the bound grows by the measured error of central differences at this point (‖fd_h − fd_h/2‖,
 * computed here, times 10), so an expression on which differencing itself has not converged
 * (sin of a huge argument) does not count against the engine; the exact methods are still
 * compared with each other at 1e-7.
 */
async function closeToFd(got: Mat, fd: Mat, abs: number, f: (env: Record<string, Mat>) => Promise<Mat>, env: Record<string, Mat>, wrt: string, what: string): Promise<void> {
  const d = diffNorm(got, fd);
  const bound = 1e-5 * frobenius(fd) + abs;
  if (d <= bound) return;
  const est = diffNorm(await ownFd(f, env, wrt, 1), await ownFd(f, env, wrt, 0.5));
  if (d <= bound + 10 * est) return;
  throw new Error(
    `${what}: ‖Δ‖ = ${d} > ${bound} + 10·${est} (fd error estimate) (‖fd‖ = ${frobenius(fd)})\ngot = ${got.toString({ maxRows: 10, maxCols: 10 })}\nfd  = ${fd.toString({ maxRows: 10, maxCols: 10 })}`,
  );
}

const vecCol = (X: Mat): Mat => Mat.fromColumnMajor(X.size, 1, Float64Array.from(X.data));
const reshape = (v: Mat, m: number, n: number): Mat => Mat.fromColumnMajor(m, n, Float64Array.from(v.data));

/** A generated expression with a differentiation variable picked among its names. */
const arbCase = (opts: Parameters<typeof arbExpr>[0]): fc.Arbitrary<{ g: GeneratedExpr; wrt: string | null; vSeed: number }> =>
  fc.tuple(arbExpr({ maxDim: 4, ...opts }), fc.nat(), fc.integer({ min: 1, max: 1_000_000 })).map(([g, k, vSeed]) => {
    const names = Object.keys(g.env).sort();
    return { g, wrt: names.length ? names[k % names.length]! : null, vSeed };
  });

const ctx = (g: GeneratedExpr, wrt: string): string => `expr ${g.text} (seed ${g.seed}), wrt ${wrt}`;

describe('Jacobians of random expressions: all methods, both layouts', () => {
  it('structured = forward = reverse = auto ≈ fd; numerator = denominatorᵀ; grad/jvp/vjp consistent', async () => {
    await fc.assert(
      fc.asyncProperty(arbCase({}), async ({ g, wrt, vSeed }) => {
        fc.pre(wrt !== null);
        const w = wrt!;
        const at: Bindings = g.env;
        const where = ctx(g, w);
        const X = g.env[w]!;
        const F = await evaluate(g.text, { at });
        const [m, n] = [X.rows, X.cols];
        const [p, q] = [F.rows, F.cols];
        const scaleF = 1 + frobenius(F);

        const fdN = await jacobian(g.text, { wrt: w, at, backend: cpu, method: 'fd', layout: 'numerator' });
        const fdD = await jacobian(g.text, { wrt: w, at, backend: cpu, method: 'fd', layout: 'denominator' });
        close(fdD, transpose(fdN), 0, 0, `${where}: fd numerator = denominatorᵀ`);

        const ref = await jacobian(g.text, { wrt: w, at, backend: cpu, method: 'forward', layout: 'numerator' });
        if (ref.rows !== p * q || ref.cols !== m * n) throw new Error(`${where}: numerator Jacobian is ${ref.rows}×${ref.cols}, expected ${p * q}×${m * n}`);
        const Fof = (env: Record<string, Mat>): Promise<Mat> => evaluate(g.text, { at: env });
        await closeToFd(ref, fdN, 1e-7 * scaleF, Fof, g.env, w, `${where}: forward vs fd`);

        for (const method of [...EXACT, 'auto'] as const) {
          const J = await jacobian(g.text, { wrt: w, at, backend: cpu, method, layout: 'numerator' });
          const D = await jacobian(g.text, { wrt: w, at, backend: cpu, method, layout: 'denominator' });
          close(J, ref, 1e-7, 1e-10 * scaleF, `${where}: ${method} numerator vs forward`);
          close(D, transpose(J), 1e-12, 1e-12 * scaleF, `${where}: ${method} denominator = numeratorᵀ`);
          await closeToFd(J, fdN, 1e-7 * scaleF, Fof, g.env, w, `${where}: ${method} vs fd`);
        }

        // jvp / vjp against the full matrix
        const V = Mat.random(m, n, { seed: vSeed });
        const W = Mat.random(p, q, { seed: vSeed + 1 });
        close(await jvp(g.text, { wrt: w, at, backend: cpu, tangent: V }), reshape(matmul(ref, vecCol(V)), p, q), 1e-9, 1e-10 * scaleF, `${where}: jvp`);
        close(await vjp(g.text, { wrt: w, at, backend: cpu, cotangent: W }), reshape(matmul(transpose(ref), vecCol(W)), m, n), 1e-9, 1e-10 * scaleF, `${where}: vjp`);

        // scalar trees: grad is the reshaped Jacobian
        if (p === 1 && q === 1) {
          const G = await grad(g.text, { wrt: w, at, backend: cpu });
          close(G, reshape(ref, m, n), 1e-9, 1e-10 * scaleF, `${where}: grad`);
        }
      }),
      FC_OPTS,
    );
  });
});

describe('Hessians of random scalar expressions', () => {
  it('symmetric; structured = forward = reverse = auto; ≈ Jacobian of the gradient by fd; hvp = H·v', async () => {
    await fc.assert(
      fc.asyncProperty(arbCase({ shape: [1, 1] }), async ({ g, wrt, vSeed }) => {
        fc.pre(wrt !== null);
        const w = wrt!;
        const at: Bindings = g.env;
        const where = ctx(g, w);
        const X = g.env[w]!;
        const [m, n] = [X.rows, X.cols];
        const H = await hessian(g.text, { wrt: w, at, backend: cpu });
        if (H.rows !== m * n || H.cols !== m * n) throw new Error(`${where}: Hessian is ${H.rows}×${H.cols}, expected ${m * n}×${m * n}`);
        const nH = frobenius(H);
        const scaleG = 1 + frobenius(await evaluate(g.text, { at })) + frobenius(await grad(g.text, { wrt: w, at, backend: cpu }));
        close(H, transpose(H), 1e-10, 1e-11 * scaleG, `${where}: H symmetric`);

        for (const method of EXACT) {
          for (const layout of LAYOUTS) {
            close(await hessian(g.text, { wrt: w, at, backend: cpu, method, layout }), H, 1e-7, 1e-10 * scaleG, `${where}: hessian ${method} ${layout}`);
          }
        }
        // the Jacobian of the gradient, by central differences of the (exact) gradient
        const Hfd = await hessian(g.text, { wrt: w, at, backend: cpu, method: 'fd' });
        const Gof = (env: Record<string, Mat>): Promise<Mat> => grad(g.text, { wrt: w, at: env, backend: cpu });
        await closeToFd(H, Hfd, 1e-7 * scaleG, Gof, g.env, w, `${where}: hessian vs fd of the gradient (‖H‖ = ${nH})`);

        const V = Mat.random(m, n, { seed: vSeed });
        close(await hvp(g.text, { wrt: w, at, backend: cpu, v: V }), reshape(matmul(H, vecCol(V)), m, n), 1e-9, 1e-10 * scaleG, `${where}: hvp`);
      }),
      FC_OPTS,
    );
  });
});
