#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { evaluate, explain, grad, hessian, jacobian, type TileOptions } from '../api.js';
import { relError } from '../mat/ops.js';
import type { Layout } from '../backend/backend.js';
import { InvalidArgumentError, MatjacError, TooLargeError } from '../errors.js';
import { mergeNpy } from '../io/file.js';
import type { NpyDtype } from '../io/npy.js';
import { saveJacobianNpy } from '../io/save.js';
import type { Mat } from '../mat/mat.js';
import type { BackendChoice, RunReport } from '../plan/backends.js';
import { fmtBytes, type Method } from '../plan/plan.js';
import { parseBindings } from './bindings.js';
import { runDemo } from './demo.js';
import { output, parseBytes } from './output.js';
import { progressBar } from './progress.js';
import { partPath, resolvePart, type TileFlags } from './tiles.js';
import { packageVersion } from './version.js';
import { registerEig } from './eig.js';

interface CommonFlags extends TileFlags {
  wrt?: string;
  at: string;
  layout: Layout;
  method: Method;
  backend: BackendChoice;
  seed: string;
  check?: boolean;
  explain?: boolean;
  json?: boolean;
  full?: boolean;
  out?: string;
  maxBytes?: string;
  dtype?: NpyDtype;
  progress: boolean;
}

const program = new Command()
  .name('matjac')
  .description('Jacobians and Hessians of matrix functions (vec/Kronecker calculus, WebGPU or CPU).\nConventions: column-major vec; denominator layout (mn×pq) by default.')
  .version(packageVersion(), '-V, --version', 'print the version')
  .showHelpAfterError();

function withCommon(cmd: Command): Command {
  return cmd
    .argument('<expr>', "expression, e.g. 'A*X*B' or \"logdet(X) + tr(X'*A*X)\"")
    .option('--at <bindings>', "values: 'X=[1 2;3 4], A=rand(2,2), B=@b.npy' (also randn, randspd, eye, zeros, ones; @file.npy reads a NumPy file)", '')
    .option('--wrt <name>', 'the variable to differentiate with respect to (default: the only name)')
    .addOption(new Option('--layout <layout>', 'derivative layout').choices(['denominator', 'numerator']).default('denominator'))
    .addOption(new Option('--method <method>', 'how to assemble').choices(['auto', 'structured', 'forward', 'reverse', 'fd']).default('auto'))
    .addOption(new Option('--backend <backend>', 'where to run').choices(['auto', 'webgpu', 'gpujs', 'cpu']).default('auto'))
    .option('--seed <n>', 'seed of the rand/randn generators in --at', '1')
    .option('--check', 'compare against central finite differences')
    .option('--explain', 'show how the result is assembled (terms, launches, bytes)')
    .option('--full', 'print every entry (large matrices are elided otherwise)')
    .option('--json', 'print JSON instead of text')
    .option('--out <file.npy>', 'write the result to a NumPy .npy file (column-major, fortran_order True); with --tiles, a {tile} in the name gives each tile its own file')
    .option('--max-bytes <n>', 'largest result held in memory (bytes; k, M, G suffixes); beyond it the result is streamed to --out in column tiles, memory bounded by one tile')
    .option('--tiles <n>', 'split the columns into N tiles and compute only one of them (written into its byte range of --out)')
    .option('--tile <k>', 'which tile (0-based); default: $SLURM_ARRAY_TASK_ID or $JOB_COMPLETION_INDEX')
    .option('--tile-env <var>', 'read the tile index from this environment variable')
    .addOption(new Option('--dtype <dtype>', 'dtype of the --out file (default: float64 on the CPU, float32 on a GPU)').choices(['float32', 'float64']))
    .option('--no-progress', 'no progress bar (it is shown on stderr only when that is a terminal)');
}

async function derivativeCommand(kind: 'jacobian' | 'grad' | 'hessian', expr: string, flags: CommonFlags): Promise<void> {
  const at = parseBindings(flags.at, seedOf(flags.seed), readFileSync);
  const part = resolvePart(flags);
  const maxBytes = flags.maxBytes === undefined ? undefined : parseBytes(flags.maxBytes);
  if (part && kind === 'grad') throw new InvalidArgumentError('--tiles splits the columns of a Jacobian or Hessian; grad returns one matrix the shape of X');
  if (part && !flags.out) throw new InvalidArgumentError('--tiles needs --out FILE.npy: each tile is written into its byte range of that file');
  let report: RunReport | undefined;
  const opts = { at, wrt: flags.wrt, layout: flags.layout, method: flags.method, backend: flags.backend, onReport: (r: RunReport) => (report = r), ...(maxBytes !== undefined && { maxBytes }) };
  if (flags.explain && !flags.json) {
    if (kind === 'grad') console.log('grad runs reverse mode: one pullback of the scalar f, no Jacobian is formed.');
    else console.log(explain(expr, { at, wrt: flags.wrt, layout: flags.layout, method: flags.method, backend: flags.backend, hessian: kind === 'hessian' }).text);
  }
  const label = kind === 'jacobian' ? `∂(${expr})/∂${flags.wrt ?? 'X'}, ${flags.layout} layout` : kind === 'grad' ? `gradient of ${expr}` : `Hessian of ${expr}`;
  if (part) return streamCommand(kind as 'jacobian' | 'hessian', expr, label, opts, flags, part);
  const run = kind === 'jacobian' ? jacobian : kind === 'grad' ? grad : hessian;
  const bar = progressBar(kind, flags.progress);
  let M: Mat;
  try {
    M = await run(expr, { ...opts, ...(bar.onProgress && { onProgress: bar.onProgress }) });
  } catch (e) {
    if (!(e instanceof TooLargeError) || kind === 'grad') throw e;
    if (flags.out) return streamCommand(kind, expr, label, opts, flags);
    throw new TooLargeError(`${e.message}; from the command line: --out FILE.npy streams it to disk in tiles (memory bounded by --max-bytes)`, e.bytes);
  } finally {
    bar.stop();
  }
  await output(label, M, flags, report);
  if (flags.check) {
    // the same derivative by central finite differences (float64), an independent reference
    const reference = await run(expr, { ...opts, method: 'fd', backend: 'cpu', onReport: undefined });
    reportCheck(relError(M, reference), M.data instanceof Float32Array ? 1e-3 : 1e-6, flags);
  }
}

/** Streams the Jacobian (or Hessian), or one part of it, into --out in column tiles. */
async function streamCommand(
  kind: 'jacobian' | 'hessian',
  expr: string,
  label: string,
  opts: Omit<TileOptions, 'hessian' | 'part'>,
  flags: CommonFlags,
  part?: { count: number; index: number },
): Promise<void> {
  if (flags.check) throw new InvalidArgumentError('--check compares the whole result in memory; it cannot run while streaming to --out (lower the size or drop --check)');
  const own = part && partPath(flags.out!, part);
  const file = own ?? flags.out!;
  const bar = progressBar(part ? `tile ${part.index}/${part.count}` : kind, flags.progress);
  let saved;
  try {
    saved = await saveJacobianNpy(file, expr, {
      ...opts,
      hessian: kind === 'hessian',
      ...(part && { part, partFile: own !== undefined }),
      ...(flags.dtype && { dtype: flags.dtype }),
      ...(bar.onProgress && { onProgress: bar.onProgress }),
    });
  } finally {
    bar.stop();
  }
  const what = part ? `tile ${part.index} of ${part.count} (columns ${saved.col0}..${saved.col0 + saved.count - 1})` : `${saved.tiles} column tile${saved.tiles === 1 ? '' : 's'}`;
  const shape = own ? `${saved.rows}×${saved.count} block of the ${saved.rows}×${saved.cols}` : `${saved.rows}×${saved.cols}`;
  if (flags.json) console.log(JSON.stringify({ label, out: file, rows: saved.rows, cols: saved.cols, col0: saved.col0, count: saved.count, tiles: saved.tiles, dtype: saved.dtype, created: saved.created }));
  else console.log(`${label}: wrote ${what} to ${file}: ${shape} ${saved.dtype} (${fmtBytes(saved.rows * saved.count * (saved.dtype === 'float64' ? 8 : 4))})`);
}

function reportCheck(err: number, tol: number, flags: CommonFlags): void {
  const ok = err <= tol;
  if (flags.json) console.log(JSON.stringify({ check: 'finite differences', relError: err, tolerance: tol, ok }));
  else console.log(`check against central finite differences: relative error ${err.toExponential(2)} (tolerance ${tol}) ${ok ? 'OK' : 'FAILED'}`);
  if (!ok) process.exitCode = 2;
}

for (const kind of ['jacobian', 'grad', 'hessian'] as const) {
  withCommon(program.command(kind))
    .description(
      kind === 'jacobian'
        ? 'the derivative matrix of F (p×q) by X (m×n): mn×pq (denominator) or pq×mn (numerator)'
        : kind === 'grad'
          ? 'the gradient matrix of a scalar f (same shape as X)'
          : 'the Hessian ∂²f/∂vec(X)∂vec(X)ᵀ of a scalar f (mn×mn)',
    )
    .action((expr: string, flags: CommonFlags) => derivativeCommand(kind, expr, flags));
}

program
  .command('eval')
  .description('evaluate an expression (CPU, float64)')
  .argument('<expr>')
  .option('--at <bindings>', 'values of the names (@file.npy reads a NumPy file)', '')
  .option('--seed <n>', 'seed of rand/randn', '1')
  .option('--json', 'print JSON')
  .option('--full', 'print every entry')
  .option('--out <file.npy>', 'write the result to a NumPy .npy file')
  .action(async (expr: string, flags: CommonFlags) => output(expr, await evaluate(expr, { at: parseBindings(flags.at, seedOf(flags.seed), readFileSync) }), flags));

program
  .command('merge')
  .description('join per-tile .npy files (each rows × kᵢ, in the order given) into one file, like numpy.hstack')
  .argument('<out>', 'the merged .npy file')
  .argument('<parts...>', "the tiles' files, in column order (zero-padded names sort in order: J-*.npy)")
  .option('--json', 'print JSON')
  .action(async (out: string, parts: string[], flags: { json?: boolean }) => {
    const r = await mergeNpy(out, parts);
    if (flags.json) console.log(JSON.stringify({ out, parts: parts.length, ...r }));
    else console.log(`merged ${parts.length} file${parts.length === 1 ? '' : 's'} into ${out}: ${r.rows}×${r.cols} ${r.dtype}`);
  });

registerEig(program);

program
  .command('demo', { isDefault: true })
  .description('a worked example: the Jacobian of A*X*B in both layouts next to its closed form')
  .addOption(new Option('--backend <backend>', 'where to run').choices(['auto', 'webgpu', 'gpujs', 'cpu']).default('auto'))
  .action((flags: { backend: BackendChoice }) => runDemo(flags.backend));

/** `--seed`: a non-negative integer (the generators of --at are seeded with it). */
function seedOf(text: string): number {
  const v = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(v)) throw new InvalidArgumentError(`--seed must be a non-negative integer, got '${text}'`);
  return v;
}

/**
 * Every failure ends in one line on stderr (and one JSON object on stdout with --json) and a non-zero exit status,
 * never a stack trace: a MatjacError with its code; anything else as an internal error.
 */
function fail(e: unknown): void {
  const json = process.argv.includes('--json');
  const code = e instanceof MatjacError ? e.code : 'E_INTERNAL';
  const message = e instanceof Error ? e.message : String(e);
  // with --json the error is also one JSON object on stdout, for scripts that read it
  if (json) console.log(JSON.stringify({ error: { code, message } }));
  console.error(`matjac: ${code}: ${message}${code === 'E_INTERNAL' ? ' (this is a bug in matjac; please report it with the command line)' : ''}`);
  process.exitCode = code === 'E_INTERNAL' ? 70 : 1;
}

program.parseAsync(process.argv).catch(fail);
