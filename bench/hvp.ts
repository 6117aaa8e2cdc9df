/**
 * Hessian-vector products on the CPU: ms per product of the matrix-free Hessian operator
 * (src/eig/operator.ts, the one Lanczos and SLQ run on), alone (P = 1) and in batches of P.
 *
 *   npm run bench:hvp -- [--sizes 32,64,96] [--batches 1,10] [--expr "logdet(X) + tr(X'*A*X)"]
 *                          [--products 200] [--show] [--out FILE]
 *
 * f is evaluated at the benchmark inputs of run.ts (X shifted by n·I, A and B random). Each figure
 * is the median over 5 rounds of `products` products (after one warm-up round), divided by the
 * products done, in wall time and in this process's CPU time (user + system: steadier than wall
 * time on a loaded machine; the code is single-threaded); the GFLOP/s column (per CPU time) counts the tangent's n×n·n×n products (given by `--flops`,
 * default 4 for the default f: −X⁻ᵀ dXᵀ X⁻ᵀ + A dX + Aᵀ dX). `--show` prints the linear
 * expression each product evaluates.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command, InvalidArgumentError as CliArgumentError } from 'commander';
import { compileScalar } from '../src/api.js';
import { CpuBackend } from '../src/backend/cpu/backend.js';
import { linearize } from '../src/diff/jvp.js';
import { variable } from '../src/diff/nodes.js';
import { simplifyLinear } from '../src/diff/simplify.js';
import { hessianOperator } from '../src/eig/operator.js';
import { formatNode } from '../src/expr/check.js';
import { inputs } from './run.js';
import { fmtMs, median } from './rows.js';

function intList(v: string): number[] {
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (xs.some((x) => !Number.isInteger(x) || x < 1)) throw new CliArgumentError(`expected a comma-separated list of positive integers, got '${v}'`);
  return xs;
}

const cmd = new Command('hvp')
  .option('--sizes <list>', 'n of X (n×n)', intList, [32, 64, 96])
  .option('--batches <list>', 'products per batch P', intList, [1, 10])
  .option('--expr <f>', 'the scalar function', "logdet(X) + tr(X'*A*X)")
  .option('--products <k>', 'products per timed round', (v) => intList(v)[0]!, 200)
  .option('--flops <c>', 'n×n·n×n products in one Hessian-vector product (for GFLOP/s)', (v) => intList(v)[0]!, 4)
  .option('--show', 'print the linear expression of the products')
  .option('--out <file>', 'append JSON lines here')
  .parse();
const o = cmd.opts<{ sizes: number[]; batches: number[]; expr: string; products: number; flops: number; show?: boolean; out?: string }>();

const b = new CpuBackend();
console.log(`Hessian-vector products of ${o.expr} on the cpu backend (float64), ms per product`);
console.log('n     P    ms/product  cpu ms/product  GFLOP/s (per cpu time)');
for (const n of o.sizes) {
  const c = compileScalar(o.expr, inputs(n), 'X', 'bench');
  if (o.show && n === o.sizes[0]) {
    const t = linearize(c.grad, c.wrt, variable('dX', [n, n]));
    console.log(`  tangent: ${t ? formatNode(t) : '0'}`);
    console.log(`  simplified: ${t ? formatNode(simplifyLinear(t, 'dX')) : '0'}`);
  }
  const H = hessianOperator(c.grad, c.fn, c.wrt, c.env, b);
  const N = n * n;
  for (const P of o.batches) {
    const V = new Float64Array(N * P).map((_, i) => Math.sin(i * 0.7 + 1));
    const rounds = Math.max(1, Math.round(o.products / P));
    const round = async (): Promise<[number, number]> => {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      for (let r = 0; r < rounds; r++) await H.applyBatch(V, P);
      const c = process.cpuUsage(c0);
      return [(performance.now() - t0) / (rounds * P), (c.user + c.system) / 1000 / (rounds * P)];
    };
    await round();
    const ts: [number, number][] = [];
    for (let r = 0; r < 5; r++) ts.push(await round());
    const ms = median(ts.map((t) => t[0]));
    const cpuMs = median(ts.map((t) => t[1]));
    const gflops = (o.flops * 2 * n ** 3) / (cpuMs * 1e6);
    console.log(`${String(n).padEnd(5)} ${String(P).padEnd(4)} ${fmtMs(ms).padStart(10)}  ${fmtMs(cpuMs).padStart(10)}  ${gflops.toFixed(2).padStart(7)}`);
    if (o.out) {
      mkdirSync(dirname(o.out), { recursive: true });
      appendFileSync(o.out, JSON.stringify({ bench: 'hvp', expr: o.expr, backend: 'cpu', n, P, msPerProduct: ms, cpuMsPerProduct: cpuMs, gflops }) + '\n');
    }
  }
}
