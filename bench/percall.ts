/**
 * Per-call cost at small n, where the Jacobian itself is a few hundred entries: parsing, checking,
 * planning (skipped by the plan cache on a repeated call), factor evaluation, assembly and
 * allocation. For each map: µs per `jacobian()` / `hessian()` call with a new output each call and
 * with `out`, best of 5 rounds of back-to-back calls (a round is ~0.1 s), after warm-up: wall time
 * (`us`) and CPU time of the process (`cpuUs`, all its threads, the garbage collector's included;
 * the figure to read on a machine shared with other work).
 *
 *   node dist/bench/percall.js [--sizes 4,8]
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { hessian, jacobian } from '../src/api.js';
import { Mat } from '../src/mat/mat.js';
import type { BenchRow } from './rows.js';

const MAPS: Record<string, { expr: string; hessian: boolean }> = {
  'A*X*B': { expr: 'A*X*B', hessian: false },
  "X*X'": { expr: "X*X'", hessian: false },
  'inv(X)': { expr: 'inv(X)', hessian: false },
  'sigmoid(A*X)': { expr: 'sigmoid(A*X)', hessian: false },
  "logdet(X)+tr(X'*A*X)": { expr: "logdet(X) + tr(X'*A*X)", hessian: true },
};

async function perCallUs(call: () => Promise<unknown>): Promise<{ us: number; cpuUs: number }> {
  const w0 = performance.now();
  while (performance.now() - w0 < 200) await call();
  let us = Infinity;
  let cpuUs = Infinity;
  for (let round = 0; round < 5; round++) {
    let k = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    while (k < 50 || performance.now() - t0 < 100) {
      await call();
      k++;
    }
    const c = process.cpuUsage(c0);
    us = Math.min(us, ((performance.now() - t0) / k) * 1000);
    cpuUs = Math.min(cpuUs, (c.user + c.system) / k);
  }
  return { us, cpuUs };
}

export async function runPerCall(sizes: readonly number[] = [4, 8], log: (r: BenchRow) => void = (r) => console.log(JSON.stringify(r))): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const n of sizes) {
    const X = Mat.random(n, n, { seed: 11 });
    for (let i = 0; i < n; i++) X.data[i + i * n]! += n;
    const at = { X, A: Mat.random(n, n, { seed: 12 }), B: Mat.random(n, n, { seed: 13 }) };
    for (const [map, { expr, hessian: isH }] of Object.entries(MAPS)) {
      const f = isH ? hessian : jacobian;
      const out = new Float64Array(n ** 4);
      for (const output of ['new', 'out'] as const) {
        const opts = output === 'out' ? { wrt: 'X', at, backend: 'cpu' as const, out } : { wrt: 'X', at, backend: 'cpu' as const };
        const { us, cpuUs } = await perCallUs(() => f(expr, opts));
        const row: BenchRow = { lib: 'matjac(cpu)', map, mode: `per-call/${output}`, n, ms: us / 1000, us, cpuUs };
        rows.push(row);
        log(row);
      }
    }
  }
  return rows;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sizes: { type: 'string', default: '4,8' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log('usage: node dist/bench/percall.js [--sizes 4,8]');
    return;
  }
  const rows = await runPerCall(values.sizes!.split(',').map(Number), () => {});
  for (const r of rows) console.log(`${r.map.padEnd(22)} n=${r.n}  ${String(r.mode).padEnd(13)} ${(r.us as number).toFixed(1)} µs (CPU ${(r.cpuUs as number).toFixed(1)} µs)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
