/**
 * `matjac eig` end to end: the built CLI (dist/src/cli/main.js, `npm run build` first, which
 * `npm test` does) is spawned and its output checked against closed forms and against the
 * library run here on the same seeded inputs (parseBindings is what the CLI uses to read --at).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Mat, eigvalsh, grad, hessian } from '../../src/index.js';
import { parseBindings } from '../../src/cli/bindings.js';
import { binDensity, textHistogram } from '../../src/cli/eig-format.js';
import type { EigReport } from '../../src/cli/eig.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');

function matjac(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, MATJAC_BACKEND: '' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function eigJson(...args: string[]): EigReport {
  const r = matjac('eig', ...args, '--json');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as EigReport;
}

const frobenius = (data: ArrayLike<number>): number => Math.sqrt(Array.from(data).reduce((s, x) => s + x * x, 0));

describe('matjac eig: numbers', () => {
  it("x'*A*x + b'*x (2×2): the eigenvalues of A + Aᵀ in closed form, kind and gradient norm", () => {
    // A + Aᵀ = [[4, 3], [3, -2]]: λ = 1 ± √(9 + 9) = 1 ± 3√2 (a saddle once ∇f = 0, i.e. at x = −(A + Aᵀ)⁻¹b)
    const S = [
      [4, 3],
      [3, -2],
    ];
    const b = [1, -2];
    const det = S[0]![0]! * S[1]![1]! - S[0]![1]! * S[1]![0]!;
    const x = [-(S[1]![1]! * b[0]! - S[0]![1]! * b[1]!) / det, -(-S[1]![0]! * b[0]! + S[0]![0]! * b[1]!) / det];
    const at = `x=[${x[0]}; ${x[1]}], A=[2 1; 2 -1], b=[${b[0]}; ${b[1]}]`;
    const r = eigJson("x'*A*x + b'*x", '--wrt', 'x', '--at', at, '--backend', 'cpu');
    const lo = 1 - 3 * Math.SQRT2;
    const hi = 1 + 3 * Math.SQRT2;
    expect(r.shape).toEqual([2, 1]);
    expect(r.computed.method).toBe('dense');
    // k = min(10, mn) = 2 in all, --which both: one from each end
    expect(r.smallest!.length).toBe(1);
    expect(r.largest!.length).toBe(1);
    expect(r.smallest![0]).toBeCloseTo(lo, 12);
    expect(r.largest![0]).toBeCloseTo(hi, 12);
    expect(r.lambdaMin).toBeCloseTo(lo, 12);
    expect(r.lambdaMax).toBeCloseTo(hi, 12);
    expect(r.inertia).toEqual({ positive: 1, negative: 1, zero: 0 });
    expect(r.gradNorm).toBeLessThan(1e-12);
    expect(r.gradNorm).toBeLessThanOrEqual(r.gradTol);
    expect(r.inertiaExact).toBe(true);
    expect(r.kind).toBe('saddle');
    expect(r.computed.maxResidual).toBeLessThan(1e-12);
  });

  it('a diagonal quadratic with chosen signs: inertia and kind at its critical point, not critical elsewhere', () => {
    const f = "x'*D*x";
    const D = 'D=[3 0 0 0; 0 -1 0 0; 0 0 2 0; 0 0 0 -5]';
    const at0 = eigJson(f, '--wrt', 'x', '--at', `x=zeros(4,1), ${D}`, '--backend', 'cpu');
    expect(at0.inertia).toEqual({ positive: 2, negative: 2, zero: 0 });
    expect(at0.kind).toBe('saddle');
    expect(at0.smallest).toEqual([-10, -2]);
    expect(at0.largest).toEqual([6, 4]);
    const min = eigJson(f, '--wrt', 'x', '--at', 'x=zeros(3,1), D=[3 0 0; 0 1 0; 0 0 2]', '--backend', 'cpu');
    expect([min.kind, min.lambdaMin, min.lambdaMax]).toEqual(['minimum', 2, 6]);
    const away = eigJson(f, '--wrt', 'x', '--at', `x=ones(4,1), ${D}`, '--backend', 'cpu');
    expect(away.kind).toBe('not critical');
    // ∇f = 2Dx = 2·diag(D) at x = 1
    expect(away.gradNorm).toBeCloseTo(2 * Math.sqrt(9 + 1 + 4 + 25), 12);
  });

  it("logdet(X) + tr(X'*A*X) at X = randspd(4): the library's eigvalsh of the Hessian, ‖∇f‖_F from grad()", async () => {
    const f = "logdet(X) + tr(X'*A*X)";
    const atText = 'X=randspd(4), A=rand(4,4)';
    const r = eigJson(f, '--wrt', 'X', '--at', atText, '--k', '5', '--backend', 'cpu');
    const at = parseBindings(atText, 1);
    const H = await hessian(f, { wrt: 'X', at, backend: 'cpu' });
    const w = eigvalsh(H);
    const scale = Math.max(Math.abs(w[0]!), Math.abs(w[15]!));
    // --k 5 --which both: the 3 largest and the 2 smallest (as hessianEigs splits k)
    expect(r.smallest!.length).toBe(2);
    expect(r.largest!.length).toBe(3);
    r.smallest!.forEach((v, i) => expect(Math.abs(v - w[i]!)).toBeLessThanOrEqual(1e-12 * scale));
    r.largest!.forEach((v, i) => expect(Math.abs(v - w[15 - i]!)).toBeLessThanOrEqual(1e-12 * scale));
    const G = await grad(f, { wrt: 'X', at, backend: 'cpu' });
    expect(r.gradNorm).toBeCloseTo(frobenius(G.data), 9);
    expect(r.inertia.positive + r.inertia.negative + r.inertia.zero).toBe(16);
    expect(r.inertia.negative).toBe(w.filter((v) => v < 0).length);
  });

  it('--which smallest / largest print one end only', () => {
    const args = ["x'*D*x", '--wrt', 'x', '--at', 'x=zeros(4,1), D=[3 0 0 0; 0 -1 0 0; 0 0 2 0; 0 0 0 -5]', '--k', '2', '--backend', 'cpu'];
    const s = eigJson(...args, '--which', 'smallest');
    expect(s.smallest).toEqual([-10, -2]);
    expect(s.largest).toBeUndefined();
    const l = eigJson(...args, '--which', 'largest');
    expect(l.largest).toEqual([6, 4]);
    expect(l.smallest).toBeUndefined();
  });

  it("beyond --dense-up-to (X 21×21, H 441×441): Lanczos; tr(X'*A*X) has the eigenvalues of A + Aᵀ, each 21 times", () => {
    // H = I ⊗ (A + Aᵀ): every eigenvalue repeated n times, a test of the degenerate case
    const atText = 'X=rand(21,21), A=rand(21,21)';
    const r = eigJson("tr(X'*A*X)", '--wrt', 'X', '--at', atText, '--k', '6', '--dense-up-to', '400', '--backend', 'cpu');
    expect(r.computed.method).toBe('lanczos');
    expect(r.computed.converged).toBe(true);
    expect(r.computed.iterations).toBeGreaterThan(0);
    const A = parseBindings(atText, 1).A!;
    const S = Mat.zeros(21, 21);
    for (let j = 0; j < 21; j++) for (let i = 0; i < 21; i++) S.data[i + j * 21] = A.get(i, j) + A.get(j, i);
    const w = eigvalsh(S);
    const scale = Math.max(Math.abs(w[0]!), Math.abs(w[20]!));
    // the three smallest are copies of λ_min(A + Aᵀ), the three largest of λ_max
    expect(r.smallest!.length).toBe(3);
    expect(r.largest!.length).toBe(3);
    for (const v of r.smallest!) expect(Math.abs(v - w[0]!)).toBeLessThanOrEqual(1e-7 * scale);
    for (const v of r.largest!) expect(Math.abs(v - w[20]!)).toBeLessThanOrEqual(1e-7 * scale);
    expect(Math.abs(r.lambdaMin - w[0]!)).toBeLessThanOrEqual(1e-7 * scale);
    expect(Math.abs(r.lambdaMax - w[20]!)).toBeLessThanOrEqual(1e-7 * scale);
    // converged: every residual within the default tolerance, 1e-6·‖H‖ (‖H‖ estimated from below by the Ritz values)
    expect(r.computed.maxResidual).toBeLessThanOrEqual(1e-6 * scale);
    // both signs at the ends: only "at least one of each" is known without the interior
    expect(w[0]! < 0 && w[20]! > 0).toBe(true);
    expect(r.inertiaExact).toBe(false);
    expect(r.inertia).toEqual({ positive: 1, negative: 1, zero: 0 });
    expect(r.kind).toBe('not critical');
  });

  it('Lanczos stopped by --max-iter says so: converged false, exit 2, the residuals, a hint on stderr', () => {
    const r = matjac('eig', "x'*A*x", '--wrt', 'x', '--at', 'x=rand(441,1), A=rand(441,441)', '--k', '4', '--dense-up-to', '400', '--max-iter', '20', '--backend', 'cpu', '--json');
    expect(r.code).toBe(2);
    const j = JSON.parse(r.stdout) as EigReport;
    expect(j.computed.method).toBe('lanczos');
    expect(j.computed.converged).toBe(false);
    expect(j.computed.iterations).toBeLessThanOrEqual(20 + 8); // one block may finish past the limit
    expect(j.computed.maxResidual).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/Lanczos did not converge within \d+ Hessian-vector products.*--max-iter/);
    const text = matjac('eig', "x'*A*x", '--wrt', 'x', '--at', 'x=rand(441,1), A=rand(441,441)', '--k', '4', '--dense-up-to', '400', '--max-iter', '20', '--backend', 'cpu');
    expect(text.code).toBe(2);
    expect(text.stdout).toMatch(/NOT converged, max ‖Hv − λv‖ = /);
  });

  it('without --dense-up-to, mn = 441 is still formed and decomposed (the library default is mn ≤ 1024)', () => {
    const r = eigJson("logdet(X) + tr(X'*A*X)", '--wrt', 'X', '--at', 'X=randspd(21), A=rand(21,21)', '--k', '2', '--backend', 'cpu');
    expect(r.computed.method).toBe('dense');
    expect(r.inertiaExact).toBe(true);
    expect(r.inertia.positive + r.inertia.negative + r.inertia.zero).toBe(441);
  });

  it('--density: a density that integrates to 1 with mean tr(H)/mn', async () => {
    const f = "logdet(X) + tr(X'*A*X)";
    const atText = 'X=randspd(3), A=rand(3,3)';
    const r = eigJson(f, '--wrt', 'X', '--at', atText, '--density', '--backend', 'cpu');
    const d = r.density!;
    let mass = 0;
    let first = 0;
    for (let k = 0; k + 1 < d.grid.length; k++) {
      const h = d.grid[k + 1]! - d.grid[k]!;
      mass += (h * (d.density[k]! + d.density[k + 1]!)) / 2;
      first += (h * (d.grid[k]! * d.density[k]! + d.grid[k + 1]! * d.density[k + 1]!)) / 2;
    }
    const H = await hessian(f, { wrt: 'X', at: parseBindings(atText, 1), backend: 'cpu' });
    let trace = 0;
    for (let i = 0; i < 9; i++) trace += H.get(i, i);
    expect(d.method).toBe('exact');
    expect(mass).toBeCloseTo(1, 3);
    expect(Math.abs(first - trace / 9)).toBeLessThanOrEqual(1e-2 * Math.max(1, Math.abs(trace / 9)));
    expect(Math.abs(d.trace - trace)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(trace)));
  });

  it('--density beyond --dense-up-to: stochastic Lanczos quadrature, integral 1, trace within Hutchinson error bounds', async () => {
    const f = "tr(X'*A*X) + sum(X.^4)";
    const atText = 'X=rand(21,21), A=rand(21,21)';
    const r = eigJson(f, '--wrt', 'X', '--at', atText, '--k', '2', '--which', 'largest', '--dense-up-to', '400', '--density', '--backend', 'cpu');
    const d = r.density!;
    expect(d.method).toBe('slq');
    let mass = 0;
    for (let k = 0; k + 1 < d.grid.length; k++) mass += ((d.grid[k + 1]! - d.grid[k]!) * (d.density[k]! + d.density[k + 1]!)) / 2;
    expect(mass).toBeCloseTo(1, 2);
    // Hutchinson with Rademacher probes: Var(zᵀHz) = 2(‖H‖_F² − Σ H_ii²); the estimate averages d.probes of them
    const H = await hessian(f, { wrt: 'X', at: parseBindings(atText, 1), backend: 'cpu' });
    let trace = 0;
    let diag2 = 0;
    for (let i = 0; i < 441; i++) {
      trace += H.get(i, i);
      diag2 += H.get(i, i) ** 2;
    }
    const sd = Math.sqrt((2 * (frobenius(H.data) ** 2 - diag2)) / d.probes);
    expect(Math.abs(d.trace - trace)).toBeLessThanOrEqual(4 * sd);
  });
});

describe('matjac eig: text output', () => {
  it('prints kind, gradient norm, inertia, extremes, the eigenvalues, the method and a 16-bin histogram', () => {
    const r = matjac('eig', "x'*D*x", '--wrt', 'x', '--at', 'x=zeros(4,1), D=[3 0 0 0; 0 -1 0 0; 0 0 2 0; 0 0 0 -5]', '--density', '--backend', 'cpu');
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/H is 4×4/);
    expect(out).toMatch(/point\s+saddle\s+\(‖∇f‖_F = 0, critical when ≤ \S+\)/);
    expect(out).toMatch(/inertia\s+2 positive, 2 negative, 0 zero/);
    expect(out).toMatch(/λ_min, λ_max\s+-10, 6/);
    expect(out).toMatch(/all 4\s+-10\s+-2\s+4\s+6/);
    expect(out).toMatch(/computed by\s+dense: H formed/);
    const bars = out.split('\n').filter((l) => /│/.test(l));
    expect(bars.length).toBe(16);
    const shares = bars.map((l) => Number(/(\d+\.\d) %$/.exec(l)![1]));
    expect(Math.abs(shares.reduce((s, x) => s + x, 0) - 100)).toBeLessThanOrEqual(0.8);
    // four eigenvalues (−10, −2, 4, 6), each a quarter of the mass: the fullest bins are near them
    expect(bars.some((l) => l.includes('█'))).toBe(true);
  });

  it('says Lanczos, products used and residuals beyond --dense-up-to', () => {
    const r = matjac('eig', "tr(X'*A*X)", '--wrt', 'X', '--at', 'X=rand(21,21), A=rand(21,21)', '--k', '3', '--dense-up-to', '400', '--backend', 'cpu');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/inertia\s+at least a positive and a negative eigenvalue \(only the extremes are computed/);
    expect(r.stdout).toMatch(/H is 441×441/);
    expect(r.stdout).toMatch(/Lanczos over Hessian-vector products on cpu \(H never formed\): \d+ products, converged, max ‖Hv − λv‖ = /);
    expect(r.stdout).toMatch(/smallest 1 /);
    expect(r.stdout).toMatch(/largest 2 /);
  });
});

describe('matjac eig: errors', () => {
  const cases: [string, string[], string][] = [
    ['--k 0', ["x'*x", '--at', 'x=[1;2]', '--k', '0'], "E_INVALID_ARGUMENT: --k must be a positive integer, got '0'"],
    ['--k abc', ["x'*x", '--at', 'x=[1;2]', '--k', 'abc'], 'E_INVALID_ARGUMENT: --k must be a positive integer'],
    ['--tol 0', ["x'*x", '--at', 'x=[1;2]', '--tol', '0'], "E_INVALID_ARGUMENT: --tol must be a positive number, got '0'"],
    ['--max-iter 1.5', ["x'*x", '--at', 'x=[1;2]', '--max-iter', '1.5'], "E_INVALID_ARGUMENT: --max-iter must be a positive integer, got '1.5'"],
    ['--dense-up-to -1', ["x'*x", '--at', 'x=[1;2]', '--dense-up-to', '-1'], "E_INVALID_ARGUMENT: --dense-up-to must be a positive integer, got '-1'"],
    ['a parse error', ["x'*", '--at', 'x=[1;2]'], 'E_PARSE'],
    ['a matrix-valued f', ['A*x', '--wrt', 'x', '--at', 'x=[1;2], A=[1 2;3 4]'], 'E_SHAPE'],
    ['--wrt naming nothing', ["x'*x", '--wrt', 'y', '--at', 'x=[1;2]'], "E_INVALID_ARGUMENT: --wrt: 'y' has no value in --at"],
    ['two names and no --wrt', ["x'*A*x", '--at', 'x=[1;2], A=eye(2)'], 'E_INVALID_ARGUMENT: say which variable with --wrt'],
    ['logdet outside its domain', ['logdet(X)', '--at', 'X=[-1 0;0 1]'], 'E_DOMAIN'],
  ];
  it.each(cases)('%s: exit 1 and a typed message', (_name, args, expected) => {
    const r = matjac('eig', ...args, '--backend', 'cpu');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`matjac: ${expected}`);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
    expect(r.stdout).toBe('');
  });

  it('--which with an unknown end is refused by the argument parser', () => {
    const r = matjac('eig', "x'*x", '--at', 'x=[1;2]', '--which', 'middle');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--which/);
  });
});

describe('text histogram (src/cli/eig-format.ts)', () => {
  it('bins a uniform density on [0, 4] into equal masses that sum to 1', () => {
    const grid = Array.from({ length: 101 }, (_, i) => (4 * i) / 100);
    const bins = binDensity(grid, grid.map(() => 0.25), 8);
    expect(bins.length).toBe(8);
    for (const b of bins) expect(b.mass).toBeCloseTo(0.125, 12);
    expect(bins[0]!.lo).toBe(0);
    expect(bins[7]!.hi).toBe(4);
  });

  it('integrates a density between grid points exactly for linear pieces (a triangle)', () => {
    // ρ(x) = x/2 on [0, 2]: ∫ over [0, 1) = 1/4, over [1, 2] = 3/4; the grid does not hit x = 1
    const grid = [0, 0.3, 1.7, 2];
    const bins = binDensity(grid, grid.map((x) => x / 2), 2);
    expect(bins[0]!.mass).toBeCloseTo(0.25, 12);
    expect(bins[1]!.mass).toBeCloseTo(0.75, 12);
  });

  it('draws the fullest bin at full width and labels shares in percent', () => {
    const text = textHistogram([0, 1, 2, 3], [0, 1, 0, 0], { bins: 3, width: 10 });
    const lines = text.split('\n');
    expect(lines.length).toBe(3);
    expect(lines[0]).toContain('██████████');
    expect(lines[0]).toMatch(/50\.0 %$/);
    expect(lines[1]).toMatch(/50\.0 %$/);
    expect(lines[2]).toMatch(/ 0\.0 %$/);
  });
});
