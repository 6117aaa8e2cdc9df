/**
 * `npm run bench`: Jacobian and Hessian assembly of the benchmark maps of DESIGN.md §6 on every
 * backend found, by every method, next to the JavaScript peer jax-js measured in the same run.
 * Prints a table and writes JSON lines (bench/out/bench.jsonl by default).
 *
 *   node dist/bench/run.js [--backends cpu,webgpu,gpujs] [--sizes 16,32,48,64] [--maps 'A*X*B,inv(X)']
 *                          [--methods structured,forward,reverse] [--reps 5] [--peers wasm,webgpu|none]
 *                          [--core] [--out FILE] [--quick]
 *
 * Timing: median wall time of one full derivative with the result left on the device (the
 * plan's factor evaluation, uploads, kernels and `sync()`; no readback), as for the peers,
 * after the same warm-up for every library (`warmUp` in rows.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { preparePlan } from '../src/api.js';
import type { Backend, BackendName } from '../src/backend/backend.js';
import { Mat } from '../src/mat/mat.js';
import { getBackend } from '../src/plan/backends.js';
import { materialize, runJacobian } from '../src/plan/execute.js';
import type { Method } from '../src/plan/plan.js';
import { runJaxJs } from './peer-jaxjs.js';
import { median, table, warmUp, type BenchRow } from './rows.js';

export const MAPS: Record<string, { expr: string; hessian: boolean }> = {
  'A*X*B': { expr: 'A*X*B', hessian: false },
  "X*X'": { expr: "X*X'", hessian: false },
  'inv(X)': { expr: 'inv(X)', hessian: false },
  'sigmoid(A*X)': { expr: 'sigmoid(A*X)', hessian: false },
  "logdet(X)+tr(X'*A*X)": { expr: "logdet(X) + tr(X'*A*X)", hessian: true },
};

/** The inputs of size n: X shifted by n·I (well conditioned, positive determinant), A and B random. */
export function inputs(n: number): Record<string, Mat> {
  const X = Mat.random(n, n, { seed: 11 });
  for (let i = 0; i < n; i++) X.data[i + i * n]! += n;
  return { X, A: Mat.random(n, n, { seed: 12 }), B: Mat.random(n, n, { seed: 13 }) };
}

/** Times one (backend, map, n, method); returns a row (or a row with `error`). */
export async function timeMatjac(b: Backend, map: string, n: number, method: Method, reps: number): Promise<BenchRow> {
  const { expr, hessian } = MAPS[map]!;
  const lib = `matjac(${b.name})`;
  try {
    const { plan, primal } = preparePlan(expr, { wrt: 'X', at: inputs(n), method, hessian });
    const once = async (): Promise<number> => {
      const t0 = performance.now();
      const out = runJacobian(plan, b, primal());
      await b.sync();
      const t = performance.now() - t0;
      b.dispose(out);
      return t;
    };
    await warmUp(once);
    const ts: number[] = [];
    for (let r = 0; r < reps; r++) ts.push(await once());
    const mode = method === 'auto' ? `auto→${plan.method}` : plan.method;
    return { lib, map, mode, n, ms: median(ts), outBytes: n ** 4 * (b.precision === 'f64' ? 8 : 4), device: b.device };
  } catch (e) {
    return { lib, map, mode: method, n, error: e instanceof Error ? `${e.name}: ${e.message}`.slice(0, 200) : String(e) };
  }
}

/**
 * Where the time of one structured Jacobian goes: float64 factor evaluation on the host, the
 * GPU work alone (factors already evaluated), and an empty sync (the floor of one round trip).
 */
export async function profileMatjac(b: Backend, map: string, n: number, reps: number): Promise<BenchRow> {
  const { expr, hessian } = MAPS[map]!;
  const { plan, primal } = preparePlan(expr, { wrt: 'X', at: inputs(n), method: 'structured', hessian });
  const { m } = plan.shape;
  const factors: number[] = [];
  const total: number[] = [];
  const gpuOnly: number[] = [];
  const emptySync: number[] = [];
  for (let r = 0; r <= reps; r++) {
    let t0 = performance.now();
    const pr = primal();
    for (const d of plan.domainChecks) pr(d);
    for (const t of plan.terms!) if (t.kind !== 'dense') materialize(t, pr, m, m);
    const tf = performance.now() - t0;
    t0 = performance.now();
    let out = runJacobian(plan, b, primal());
    await b.sync();
    const tt = performance.now() - t0;
    b.dispose(out);
    t0 = performance.now();
    out = runJacobian(plan, b, pr);
    await b.sync();
    const tg = performance.now() - t0;
    b.dispose(out);
    t0 = performance.now();
    await b.sync();
    const te = performance.now() - t0;
    if (r > 0) {
      factors.push(tf);
      total.push(tt);
      gpuOnly.push(tg);
      emptySync.push(te);
    }
  }
  return { lib: `matjac(${b.name})`, map, mode: 'profile', n, ms: median(total), factorsMs: median(factors), gpuOnlyMs: median(gpuOnly), emptySyncMs: median(emptySync), device: b.device };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      backends: { type: 'string', default: 'cpu,webgpu,gpujs' },
      sizes: { type: 'string' },
      maps: { type: 'string', default: Object.keys(MAPS).join(',') },
      methods: { type: 'string', default: 'structured,forward,reverse' },
      reps: { type: 'string', default: '5' },
      peers: { type: 'string', default: 'wasm' },
      out: { type: 'string', default: 'bench/out/bench.jsonl' },
      core: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'max-dense-n': { type: 'string', default: '64' },
    },
  });
  const rows: BenchRow[] = [];
  const log = (r: BenchRow): void => {
    rows.push(r);
    console.log(JSON.stringify(r));
  };
  const reps = Number(values.reps);
  const maps = values.maps!.split(',').filter((m) => m in MAPS);
  const methods = values.methods!.split(',') as Method[];
  const maxDenseN = Number(values['max-dense-n']);

  if (values.core) {
    const { runCpuCore } = await import('./cpu-core.js');
    for (const r of await runCpuCore({ quick: values.quick })) log(r as unknown as BenchRow);
  }

  for (const name of values.profile ? [] : (values.backends!.split(',') as BackendName[])) {
    let b: Backend;
    try {
      b = await getBackend(name);
    } catch (e) {
      log({ lib: `matjac(${name})`, map: '*', mode: '*', n: 0, error: e instanceof Error ? e.message : String(e) });
      continue;
    }
    const sizes = (values.sizes ?? (b.name === 'cpu' ? '16,32,48,64' : '16,32,48,64,96')).split(',').map(Number);
    for (const map of maps)
      for (const n of values.quick ? sizes.slice(0, 2) : sizes)
        for (const method of methods) {
          // batched forward/reverse modes hold the whole Jacobian twice and cost mn·(n³) work: cap their size
          if (method !== 'structured' && method !== 'auto' && n > maxDenseN) continue;
          log(await timeMatjac(b, map, n, method, reps));
        }
  }

  if (values.profile) {
    for (const name of values.backends!.split(',') as BackendName[]) {
      const b = await getBackend(name);
      for (const map of maps) for (const n of (values.sizes ?? '64,96').split(',').map(Number)) log(await profileMatjac(b, map, n, reps));
    }
  }

  for (const peer of values.peers === 'none' ? [] : values.peers!.split(',')) {
    const sizes = (values.sizes ?? (peer === 'wasm' ? '16,32,48' : '16,32,48,64,96')).split(',').map(Number);
    await runJaxJs(peer as 'wasm' | 'webgpu', values.quick ? sizes.slice(0, 2) : sizes, maps, Math.max(1, Math.min(reps, peer === 'wasm' ? 3 : reps)), log);
  }

  console.log(`\n${table(rows.filter((r) => r.map in MAPS))}`);
  for (const r of rows.filter((x) => x.error)) console.log(`! ${r.lib} ${r.map} ${r.mode} n=${r.n}: ${r.error}`);
  mkdirSync(dirname(values.out!), { recursive: true });
  writeFileSync(values.out!, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  console.log(`\nwrote ${rows.length} rows to ${values.out}`);
  process.exit(0);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/.*\/dist\//, 'dist/'))) await main();
else if (process.argv[1]?.endsWith('run.js')) await main();
