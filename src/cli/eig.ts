/**
 * `matjac eig EXPR --wrt X --at …`: eigen-analysis of the Hessian H = ∂²f/∂vec(X)∂vec(X)ᵀ of a
 * scalar f (DESIGN.md §1): the kind of point, ‖∇f‖_F, the inertia, λ_min and λ_max, the k
 * smallest and/or largest eigenvalues, optionally the spectral density as a text histogram, and
 * how it was computed, all from one `analyzeHessian`: small Hessians are formed and decomposed
 * once by `eigh`; larger ones are never formed: Lanczos over Hessian-vector products.
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { analyzeHessian } from '../eig/index.js';
import { InvalidArgumentError } from '../errors.js';
import { saveNpy } from '../io/file.js';
import { Mat } from '../mat/mat.js';
import type { BackendChoice } from '../plan/backends.js';
import { parseBindings } from './bindings.js';
import { fmtNum, numberList, textHistogram } from './eig-format.js';

export type Which = 'largest' | 'smallest' | 'both';

export interface EigFlags {
  wrt?: string;
  at: string;
  k: string;
  which: Which;
  density?: boolean;
  denseUpTo?: string;
  tol?: string;
  maxIter?: string;
  json?: boolean;
  backend: BackendChoice;
  seed: string;
  out?: string;
}

/** What `matjac eig --json` prints (one JSON object). */
export interface EigReport {
  expr: string;
  wrt: string;
  /** X is m×n; H is mn×mn. */
  shape: [number, number];
  kind: string;
  gradNorm: number;
  /** X is critical when gradNorm ≤ gradTol. */
  gradTol: number;
  inertia: { positive: number; negative: number; zero: number };
  /** False when only the extreme eigenvalues were computed and they do not settle every sign: the counts are lower bounds. */
  inertiaExact: boolean;
  /** τ: |λ| ≤ τ counts as zero. */
  tol: number;
  lambdaMin: number;
  lambdaMax: number;
  /** Ascending: the k smallest eigenvalues (absent when --which largest). */
  smallest?: number[];
  /** Descending: the k largest eigenvalues (absent when --which smallest). */
  largest?: number[];
  computed: {
    method: 'dense' | 'lanczos';
    backend: string;
    /** Precision of the formed H or of the Hessian-vector products. */
    precision: 'f32' | 'f64';
    /** Lanczos only: Hessian-vector products used. */
    iterations?: number;
    converged: boolean;
    /** max ‖Hv − λv‖₂ over the eigenpairs printed (λ_min and λ_max included). */
    maxResidual: number;
  };
  /** method 'exact': the eigenvalues of the formed H smoothed; 'slq': stochastic Lanczos quadrature (probes × steps). */
  density?: { grid: number[]; density: number[]; trace: number; sigma: number; method: 'exact' | 'slq'; probes: number; steps: number };
}

const PROBES = 8;
const STEPS = 80;

/** Registers the `eig` command on the program. */
export function registerEig(program: Command): void {
  program
    .command('eig')
    .description('eigen-analysis of the Hessian of a scalar f: kind of point, inertia, extreme eigenvalues, spectral density')
    .argument('<expr>', "a scalar expression, e.g. \"logdet(X) + tr(X'*A*X)\"")
    .requiredOption('--at <bindings>', "values: 'X=randspd(4), A=rand(4,4)' (also randn, eye, zeros, ones, [1 2;3 4], @file.npy)")
    .option('--wrt <name>', 'the variable (default: the only name)')
    .option('--k <k>', 'how many eigenvalues (with --which both: the ⌈k/2⌉ largest and ⌊k/2⌋ smallest)', '10')
    .addOption(new Option('--which <end>', 'which end of the spectrum').choices(['largest', 'smallest', 'both']).default('both'))
    .option('--dense-up-to <mn>', 'form H and compute every eigenvalue up to this order mn; Lanczos beyond (default 1024)')
    .option('--tol <tol>', 'Lanczos: a pair is converged when ‖Hv − λv‖ ≤ tol·‖H‖ (default 1e-6 in float64, 1e-4 on a float32 GPU)')
    .option('--max-iter <n>', 'Lanczos: most Hessian-vector products (default max(500, 100k))')
    .option('--density', `draw the spectral density (exact eigenvalues smoothed for mn ≤ 1024; beyond, stochastic Lanczos quadrature, ${PROBES} probes × ${STEPS} steps)`)
    .addOption(new Option('--backend <backend>', 'where Hessian-vector products run').choices(['auto', 'webgpu', 'gpujs', 'cpu']).default('auto'))
    .option('--seed <n>', 'seed of rand/randn in --at and of the random start vectors', '1')
    .option('--json', 'print one JSON object instead of text')
    .option('--out <file.npy>', 'also write the computed eigenvalues (the smallest and largest asked for, ascending) to a NumPy .npy file, a column')
    .action((expr: string, flags: EigFlags) => eigCommand(expr, flags));
}

function positiveNumber(flag: string, text: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v <= 0) throw new InvalidArgumentError(`${flag} must be a positive number, got '${text}'`);
  return v;
}

function positiveInt(flag: string, text: string): number {
  const v = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(v) || v < 1) throw new InvalidArgumentError(`${flag} must be a positive integer, got '${text}'`);
  return v;
}

/** The name differentiated with respect to: --wrt, or the one bound name. */
function wrtName(flags: EigFlags, at: Record<string, Mat>): string {
  if (flags.wrt !== undefined) {
    if (!Object.hasOwn(at, flags.wrt)) throw new InvalidArgumentError(`--wrt: '${flags.wrt}' has no value in --at`);
    return flags.wrt;
  }
  const names = Object.keys(at);
  if (names.length === 1) return names[0]!;
  throw new InvalidArgumentError(`say which variable with --wrt (--at binds ${names.join(', ')})`);
}

export async function runEig(expr: string, flags: EigFlags): Promise<EigReport> {
  const seed = Number(flags.seed);
  if (!Number.isSafeInteger(seed)) throw new InvalidArgumentError(`--seed must be an integer, got '${flags.seed}'`);
  const kWanted = positiveInt('--k', flags.k);
  const at = parseBindings(flags.at, seed, readFileSync);
  const wrt = wrtName(flags, at);
  const X = at[wrt]!;
  const mn = X.rows * X.cols;
  const k = Math.min(kWanted, mn);
  const which = flags.which;
  const backend = flags.backend;

  const denseUpTo = flags.denseUpTo === undefined ? undefined : positiveInt('--dense-up-to', flags.denseUpTo);
  // one analysis: H formed and decomposed once (mn ≤ dense-up-to), or one Lanczos run beyond;
  // the density reuses the eigenvalues where H was formed
  const a = await analyzeHessian(expr, {
    wrt,
    at,
    k,
    which,
    seed,
    backend,
    ...(denseUpTo !== undefined ? { denseUpTo } : {}),
    ...(flags.tol !== undefined ? { lanczosTol: positiveNumber('--tol', flags.tol) } : {}),
    ...(flags.maxIter !== undefined ? { maxIter: positiveInt('--max-iter', flags.maxIter) } : {}),
    ...(flags.density ? { density: { probes: PROBES, steps: STEPS } } : {}),
  });
  const smallest = a.smallest.length > 0 ? a.smallest.map((p) => p.value) : undefined;
  const largest = a.largest.length > 0 ? a.largest.map((p) => p.value) : undefined;
  const out: EigReport = {
    expr,
    wrt,
    shape: [X.rows, X.cols],
    kind: a.kind,
    gradNorm: a.gradNorm,
    gradTol: a.gradTol,
    inertia: { positive: a.inertia.positive, negative: a.inertia.negative, zero: a.inertia.zero },
    inertiaExact: a.inertiaExact,
    tol: a.tol,
    lambdaMin: a.lambdaMin,
    lambdaMax: a.lambdaMax,
    ...(smallest ? { smallest } : {}),
    ...(largest ? { largest } : {}),
    computed: {
      method: a.method,
      backend: a.solver.backend,
      precision: a.solver.precision,
      ...(a.solver.iterations !== undefined ? { iterations: a.solver.iterations } : {}),
      converged: a.solver.converged,
      maxResidual: a.solver.maxResidual,
    },
  };
  if (a.density) {
    const sd = a.density;
    out.density = { grid: Array.from(sd.grid), density: Array.from(sd.density), trace: sd.trace, sigma: sd.sigma, method: sd.method, probes: PROBES, steps: STEPS };
  }
  return out;
}

/** Counts by sign; when only the extremes are known, what they establish. */
export function formatInertia(r: Pick<EigReport, 'inertia' | 'inertiaExact' | 'tol'>): string {
  const { positive, negative, zero } = r.inertia;
  if (r.inertiaExact) return `${positive} positive, ${negative} negative, ${zero} zero (|λ| ≤ τ = ${fmtNum(r.tol, 3)})`;
  const known = [positive ? 'a positive' : '', negative ? 'a negative' : '', zero ? 'a zero' : ''].filter(Boolean).join(' and ');
  return `at least ${known} eigenvalue (only the extremes are computed; |λ| ≤ τ = ${fmtNum(r.tol, 3)} counts as zero)`;
}

/** The report as the text `matjac eig` prints. */
export function formatEig(r: EigReport): string {
  const [m, n] = r.shape;
  const mn = m * n;
  const label = (s: string): string => `  ${s.padEnd(16)}`;
  const pad = ' '.repeat(18);
  const lines = [
    `Hessian eigen-analysis of f = ${r.expr} with respect to ${r.wrt} (${m}×${n}): H is ${mn}×${mn}`,
    `${label('point')}${r.kind}   (‖∇f‖_F = ${fmtNum(r.gradNorm)}, critical when ≤ ${fmtNum(r.gradTol, 3)})`,
    `${label('inertia')}${formatInertia(r)}`,
    `${label('λ_min, λ_max')}${fmtNum(r.lambdaMin)}, ${fmtNum(r.lambdaMax)}`,
  ];
  const list = (title: string, values: readonly number[]): void => {
    lines.push(label(title) + numberList(values, pad).slice(pad.length));
  };
  if (r.smallest && r.largest && r.smallest.length + r.largest.length === mn) list(`all ${mn}`, [...r.smallest, ...[...r.largest].reverse()]);
  else {
    if (r.smallest) list(`smallest ${r.smallest.length}`, r.smallest);
    if (r.largest) list(`largest ${r.largest.length}`, r.largest);
  }
  const c = r.computed;
  lines.push(
    c.method === 'dense'
      ? `${label('computed by')}dense: H formed once (${c.backend}, ${c.precision === 'f64' ? 'float64' : 'float32'}) and decomposed by eigh; max ‖Hv − λv‖ = ${fmtNum(c.maxResidual)}`
      : `${label('computed by')}Lanczos over Hessian-vector products on ${c.backend} (H never formed): ${c.iterations} products, ` +
          `${c.converged ? 'converged' : 'NOT converged'}, max ‖Hv − λv‖ = ${fmtNum(c.maxResidual)}`,
  );
  if (r.density) {
    const d = r.density;
    lines.push(
      d.method === 'exact'
        ? `${label('density')}the ${mn} eigenvalues of H, Gaussian-smoothed (σ = ${fmtNum(d.sigma, 3)}); tr H = ${fmtNum(d.trace)}`
        : `${label('density')}stochastic Lanczos quadrature (${d.probes} probes × ${d.steps} steps), Gaussian-smoothed (σ = ${fmtNum(d.sigma, 3)}); tr H ≈ ${fmtNum(d.trace)}`,
    );
    lines.push(textHistogram(d.grid, d.density, { indent: pad, bins: 16, width: 36 }));
  }
  return lines.join('\n');
}

async function eigCommand(expr: string, flags: EigFlags): Promise<void> {
  const r = await runEig(expr, flags);
  if (flags.out) await saveNpy(flags.out, Mat.col([...(r.smallest ?? []), ...[...(r.largest ?? [])].reverse()]));
  if (flags.json) console.log(JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
  else console.log(formatEig(r));
  if (!r.computed.converged) {
    console.error(`matjac: Lanczos did not converge within ${r.computed.iterations} Hessian-vector products: the eigenvalues above are approximations (max residual ${fmtNum(r.computed.maxResidual)}); try a larger --max-iter or a looser --tol`);
    process.exitCode = 2;
  }
}
