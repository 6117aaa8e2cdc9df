/**
 * `npm run bench:eig`: Hessian eigen-analysis (src/eig).
 *
 *   node dist/bench/eig.js [--sizes 256,512,1024] [--lanczos 64,96] [--k 10] [--backends cpu]
 *                          [--tol 1e-8] [--reps 3] [--peer-max 1024] [--analysis 32] [--out FILE]
 *
 * 1. Dense: `eigh` (values and vectors, float64) and `eigvalsh` against the JavaScript peer
 *    ml-matrix (`EigenvalueDecomposition`, assumeSymmetric) on the same random symmetric matrix,
 *    in the same run, with each result's accuracy (residual ‖HV − VΛ‖_F/‖H‖_F, largest gap
 *    between the two libraries' eigenvalues).
 * 2. Matrix-free: `hessianEigs` top-k (Lanczos over Hessian-vector products, H never formed) of
 *    logdet(X) + tr(X'*A*X) at the benchmark inputs of run.ts (X shifted by n·I), with the
 *    products used, whether it converged and the largest residual.
 * 3. The whole analysis `matjac eig --density` prints, at the dense size n = 32 (H 1024×1024):
 *    `analyzeHessian` (H formed and decomposed once, eigenvectors for the k pairs only) against
 *    the separate calls it replaces (`criticalPoint`, then `hessian` + `eigh`, then
 *    `spectralDensity`, each forming and decomposing H again), same inputs, same run.
 * Times are medians of wall time after one warm-up call (one timed call when a call takes over
 * 3 s). Prints a table and writes JSON lines.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command, InvalidArgumentError as CliArgumentError } from 'commander';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { hessian } from '../src/api.js';
import { analyzeHessian, criticalPoint, eigh, eigvalsh, hessianEigs, spectralDensity } from '../src/eig/index.js';
import { Mat } from '../src/mat/mat.js';
import { gemm } from '../src/mat/matmul.js';
import type { BackendName } from '../src/backend/backend.js';
import { inputs } from './run.js';
import { fmtMs, median, type BenchRow } from './rows.js';

function sizeList(v: string): number[] {
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (xs.some((x) => !Number.isInteger(x) || x < 1)) throw new CliArgumentError(`expected a comma-separated list of positive integers, got '${v}'`);
  return xs;
}

/** A random symmetric n×n matrix, entries of A + Aᵀ with A uniform in [−1, 1). */
function randomSymmetric(n: number): Mat {
  const A = Mat.random(n, n, { seed: 42 });
  const H = Mat.zeros(n, n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) H.data[i + j * n] = A.data[i + j * n]! + A.data[j + i * n]!;
  return H;
}

/** Median wall ms of `reps` calls after a warm-up call (a single call when one takes over 3 s). */
async function time<T>(reps: number, once: () => T | Promise<T>): Promise<{ ms: number; result: T }> {
  let t0 = performance.now();
  let result = await once();
  const first = performance.now() - t0;
  if (first > 3000) return { ms: first, result };
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) {
    t0 = performance.now();
    result = await once();
    ts.push(performance.now() - t0);
  }
  return { ms: median(ts), result };
}

/** ‖HV − V diag(λ)‖_F / ‖H‖_F. */
function relResidual(H: Mat, values: Float64Array, V: Mat): number {
  const n = H.rows;
  const HV = new Float64Array(n * n);
  gemm(HV, H.data as Float64Array, V.data as Float64Array, n, n, n);
  let r = 0;
  let h = 0;
  for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) r += (HV[i + k * n]! - values[k]! * V.data[i + k * n]!) ** 2;
  for (const x of H.data) h += x * x;
  return Math.sqrt(r / h);
}

async function denseRows(n: number, reps: number, peerMax: number): Promise<BenchRow[]> {
  const H = randomSymmetric(n);
  const rows: BenchRow[] = [];
  const full = await time(reps, () => eigh(H));
  const vals = await time(reps, () => eigvalsh(H));
  rows.push({ lib: 'matjac', map: 'eigh', mode: 'values+vectors', n, ms: full.ms, residual: relResidual(H, full.result.values, full.result.vectors) });
  rows.push({ lib: 'matjac', map: 'eigh', mode: 'values', n, ms: vals.ms });
  if (n <= peerMax) {
    const rowsArr = H.toArray();
    const M = new Matrix(rowsArr);
    const peer = await time(n >= 512 ? 1 : reps, () => new EigenvalueDecomposition(M, { assumeSymmetric: true }));
    const pv = [...peer.result.realEigenvalues].sort((a, b) => a - b);
    let gap = 0;
    pv.forEach((v, i) => (gap = Math.max(gap, Math.abs(v - full.result.values[i]!))));
    rows.push({ lib: 'ml-matrix', map: 'eigh', mode: 'values+vectors', n, ms: peer.ms, maxValueGap: gap });
  }
  return rows;
}

async function lanczosRows(n: number, k: number, backend: BackendName, reps: number, tol: number | undefined): Promise<BenchRow> {
  const at = inputs(n);
  const f = "logdet(X) + tr(X'*A*X)";
  try {
    const r = await time(reps, () => hessianEigs(f, { wrt: 'X', at: { X: at.X!, A: at.A! }, k, which: 'largest', backend, ...(tol === undefined ? {} : { tol }) }));
    const res = r.result;
    return {
      lib: `matjac(${backend})`,
      map: `hessianEigs top-${k} ${f}`,
      mode: 'lanczos',
      n,
      N: n * n,
      ms: r.ms,
      products: res.iterations,
      converged: res.converged,
      maxResidual: Math.max(...res.residuals),
      tol: res.tol,
      lambdaMax: res.values[res.values.length - 1],
    };
  } catch (e) {
    return { lib: `matjac(${backend})`, map: `hessianEigs top-${k}`, mode: 'lanczos', n, error: e instanceof Error ? `${e.name}: ${e.message}`.slice(0, 200) : String(e) };
  }
}

/** `analyzeHessian` with the density against the calls it replaces (all on the CPU, float64), at X = rand + n·I. */
async function analysisRows(n: number, k: number, reps: number): Promise<BenchRow[]> {
  const at = inputs(n);
  const f = "logdet(X) + tr(X'*A*X)";
  const o = { wrt: 'X', at: { X: at.X!, A: at.A! }, backend: 'cpu' as const };
  const separate = await time(reps, async () => {
    const cp = await criticalPoint(f, o);
    const e = eigh(await hessian(f, o));
    const sd = await spectralDensity(f, { ...o, probes: 8, steps: 80 });
    return { kind: cp.kind, top: e.values[e.values.length - 1]!, trace: sd.trace };
  });
  const one = await time(reps, () => analyzeHessian(f, { ...o, k, which: 'both', density: { probes: 8, steps: 80 } }));
  const same = one.result.kind === separate.result.kind && one.result.lambdaMax === separate.result.top && Math.abs(one.result.density!.trace - separate.result.trace) <= 1e-9 * Math.abs(separate.result.trace);
  const row = { map: `eigen-analysis ${f} (kind, ${k} pairs, density)`, n, N: n * n };
  return [
    { lib: 'matjac', mode: 'separate calls', ...row, ms: separate.ms },
    { lib: 'matjac', mode: 'analyzeHessian', ...row, ms: one.ms, method: one.result.method, sameAsSeparate: same, stages: one.result.ms },
  ];
}

async function main(): Promise<void> {
  const opts = new Command('bench-eig')
    .description('Hessian eigen-analysis: eigh vs ml-matrix, and matrix-free Lanczos top-k')
    .option('--sizes <list>', 'n of the dense eigh runs', sizeList, [256, 512, 1024])
    .option('--lanczos <list>', 'n of the Lanczos runs (Hessians of order n²)', sizeList, [64, 96])
    .option('--k <k>', 'eigenvalues for Lanczos', (v) => sizeList(v)[0]!, 10)
    .option('--backends <list>', 'backends for the Hessian-vector products (cpu, webgpu, gpujs)', (v) => v.split(',') as BackendName[], ['cpu'] as BackendName[])
    .option('--tol <x>', 'Lanczos tolerance (relative residual; default: the library default)', (v) => Number(v))
    .option('--reps <k>', 'timed repetitions after a warm-up (median)', (v) => sizeList(v)[0]!, 3)
    .option('--peer-max <n>', 'largest n for ml-matrix', (v) => sizeList(v)[0]!, 1024)
    .option('--analysis <list>', 'n of the whole-analysis runs (analyzeHessian vs separate calls; dense up to n = 32)', sizeList, [32])
    .option('--out <file>', 'JSON lines of every row', `bench/results/eig-${new Date().toISOString().slice(0, 10)}/eig.jsonl`)
    .parse()
    .opts<{ sizes: number[]; lanczos: number[]; k: number; backends: BackendName[]; tol?: number; reps: number; peerMax: number; analysis: number[]; out: string }>();

  const rows: BenchRow[] = [];
  for (const n of opts.sizes) {
    const r = await denseRows(n, opts.reps, opts.peerMax);
    rows.push(...r);
    for (const x of r) console.log(`${x.lib.padEnd(10)} ${String(x.mode).padEnd(15)} n=${String(n).padEnd(5)} ${fmtMs(x.ms!).padStart(9)}${x.residual !== undefined ? `  residual ${(x.residual as number).toExponential(1)}` : ''}${x.maxValueGap !== undefined ? `  |λ − λ_matjac| ≤ ${(x.maxValueGap as number).toExponential(1)}` : ''}`);
  }
  for (const b of opts.backends) {
    for (const n of opts.lanczos) {
      const r = await lanczosRows(n, opts.k, b, opts.reps, opts.tol);
      rows.push(r);
      console.log(
        r.error
          ? `${r.lib} lanczos n=${n}: ${r.error}`
          : `${r.lib.padEnd(10)} lanczos top-${opts.k} n=${n} (H ${n * n}×${n * n}, never formed) ${fmtMs(r.ms!).padStart(9)}  ${r.products} products, converged ${r.converged}, max residual ${(r.maxResidual as number).toExponential(1)}`,
      );
    }
  }
  for (const n of opts.analysis) {
    const [sep, one] = await analysisRows(n, opts.k, opts.reps);
    rows.push(sep!, one!);
    console.log(
      `matjac     eigen-analysis n=${n} (H ${n * n}×${n * n}, ${one!.method}): separate calls ${fmtMs(sep!.ms!)}, analyzeHessian ${fmtMs(one!.ms!)} ` +
        `(${(sep!.ms! / one!.ms!).toFixed(2)}×), same kind, λ_max and trace: ${String(one!.sameAsSeparate)}`,
    );
  }
  // the ratio table
  console.log('\nn      eigh (matjac)  ml-matrix   speed-up   eigvalsh');
  for (const n of opts.sizes) {
    const m = rows.find((r) => r.lib === 'matjac' && r.n === n && r.mode === 'values+vectors');
    const p = rows.find((r) => r.lib === 'ml-matrix' && r.n === n);
    const v = rows.find((r) => r.lib === 'matjac' && r.n === n && r.mode === 'values');
    console.log(`${String(n).padEnd(6)} ${fmtMs(m!.ms!).padStart(12)}  ${p ? fmtMs(p.ms!).padStart(9) : '–'.padStart(9)}  ${p ? `${(p.ms! / m!.ms!).toFixed(1)}×`.padStart(8) : '–'.padStart(8)}  ${fmtMs(v!.ms!).padStart(9)}`);
  }
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, rows.map((r) => JSON.stringify({ ...r, date: new Date().toISOString() })).join('\n') + '\n');
  console.log(`\nwrote ${rows.length} rows to ${opts.out}`);
}

await main();
