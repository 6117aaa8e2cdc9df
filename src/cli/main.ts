#!/usr/bin/env node
import { Command, Option } from 'commander';
import { evaluate, explain, grad, hessian, jacobian } from '../api.js';
import { relError } from '../mat/ops.js';
import type { Layout } from '../backend/backend.js';
import { MatjacError } from '../errors.js';
import type { Mat } from '../mat/mat.js';
import type { BackendChoice, RunReport } from '../plan/backends.js';
import type { Method } from '../plan/plan.js';
import { parseBindings } from './bindings.js';
import { runDemo } from './demo.js';

interface CommonFlags {
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
}

const program = new Command()
  .name('matjac')
  .description('Jacobians and Hessians of matrix functions (vec/Kronecker calculus, WebGPU or CPU).\nConventions: column-major vec; denominator layout (mn×pq) by default.')
  .showHelpAfterError();

function withCommon(cmd: Command): Command {
  return cmd
    .argument('<expr>', "expression, e.g. 'A*X*B' or \"logdet(X) + tr(X'*A*X)\"")
    .requiredOption('--at <bindings>', "values: 'X=[1 2;3 4], A=rand(2,2)' (also randn, randspd, eye, zeros, ones)")
    .option('--wrt <name>', 'the variable to differentiate with respect to (default: the only name)')
    .addOption(new Option('--layout <layout>', 'derivative layout').choices(['denominator', 'numerator']).default('denominator'))
    .addOption(new Option('--method <method>', 'how to assemble').choices(['auto', 'structured', 'forward', 'reverse', 'fd']).default('auto'))
    .addOption(new Option('--backend <backend>', 'where to run').choices(['auto', 'webgpu', 'gpujs', 'cpu']).default('auto'))
    .option('--seed <n>', 'seed of the rand/randn generators in --at', '1')
    .option('--check', 'compare against central finite differences')
    .option('--explain', 'show how the result is assembled (terms, launches, bytes)')
    .option('--full', 'print every entry (large matrices are elided otherwise)')
    .option('--json', 'print JSON instead of text');
}

function print(label: string, M: Mat, flags: CommonFlags, report?: RunReport): void {
  if (flags.json) {
    console.log(JSON.stringify({ label, rows: M.rows, cols: M.cols, data: M.toArray(), backend: report?.backend, device: report?.device }));
    return;
  }
  console.log(`${label}${report ? `   [${report.backend}: ${report.device}]` : ''}`);
  console.log(M.toString(flags.full ? { maxRows: Infinity, maxCols: Infinity } : {}));
  if (report?.skipped.length) for (const s of report.skipped) console.log(`  (skipped ${s.backend}: ${s.reason})`);
}

async function derivativeCommand(kind: 'jacobian' | 'grad' | 'hessian', expr: string, flags: CommonFlags): Promise<void> {
  const at = parseBindings(flags.at, Number(flags.seed));
  let report: RunReport | undefined;
  const opts = { at, wrt: flags.wrt, layout: flags.layout, method: flags.method, backend: flags.backend, onReport: (r: RunReport) => (report = r) };
  if (flags.explain && !flags.json) {
    if (kind === 'grad') console.log('grad runs reverse mode: one pullback of the scalar f, no Jacobian is formed.');
    else console.log(explain(expr, { at, wrt: flags.wrt, layout: flags.layout, method: flags.method, backend: flags.backend, hessian: kind === 'hessian' }).text);
  }
  const run = kind === 'jacobian' ? jacobian : kind === 'grad' ? grad : hessian;
  const M = await run(expr, opts);
  const label = kind === 'jacobian' ? `∂(${expr})/∂${flags.wrt ?? 'X'}, ${flags.layout} layout` : kind === 'grad' ? `gradient of ${expr}` : `Hessian of ${expr}`;
  print(label, M, flags, report);
  if (flags.check) {
    // the same derivative by central finite differences (float64), an independent reference
    const reference = await run(expr, { ...opts, method: 'fd', backend: 'cpu', onReport: undefined });
    reportCheck(relError(M, reference), M.data instanceof Float32Array ? 1e-3 : 1e-6, flags);
  }
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
  .requiredOption('--at <bindings>', 'values of the names')
  .option('--seed <n>', 'seed of rand/randn', '1')
  .option('--json', 'print JSON')
  .action(async (expr: string, flags: CommonFlags) => print(expr, await evaluate(expr, { at: parseBindings(flags.at, Number(flags.seed)) }), flags));

program
  .command('demo', { isDefault: true })
  .description('a worked example: the Jacobian of A*X*B in both layouts next to its closed form')
  .addOption(new Option('--backend <backend>', 'where to run').choices(['auto', 'webgpu', 'gpujs', 'cpu']).default('auto'))
  .action((flags: { backend: BackendChoice }) => runDemo(flags.backend));

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof MatjacError) {
    console.error(`matjac: ${e.code}: ${e.message}`);
    process.exitCode = 1;
  } else throw e;
});
