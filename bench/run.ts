/**
 * `npm run bench`: Jacobian and Hessian assembly of the benchmark maps of DESIGN.md §6 on every
 * backend found, by every method, next to the peers measured in the same run (jax-js on wasm or
 * WebGPU, PyTorch on the CPU) and the write floor of each size. Prints tables and writes JSON
 * lines; with `--results DIR`, also the factor bench and SVG charts into DIR.
 *
 *   node dist/bench/run.js --help
 *   npm run bench:cpu        # the documented CPU run (bench/README.md)
 *
 * Timing: median wall time of one full derivative with the result ready (on the device for a
 * GPU: the plan's factor evaluation, uploads, kernels and `sync()`; no readback), as for the
 * peers, after the same warm-up for every library (`warmUp` in rows.ts). On the CPU each map is
 * timed through the public API with a new output each call (what `jacobian()` returns) and with
 * one output reused (`out`), each next to its write floor (first-touch and `fill`, bench/floor.ts),
 * as the time per call of a loop (`loopTime` in rows.ts: the median of `--reps` batches of
 * back-to-back calls, each batch's wall time over its calls);
 * with `--per-call`, also the per-call cost at n = 4 and 8 (bench/percall.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, InvalidArgumentError as CliArgumentError, Option } from 'commander';
import { hessian, jacobian, preparePlan } from '../src/api.js';
import type { Backend, BackendName } from '../src/backend/backend.js';
import { Mat } from '../src/mat/mat.js';
import { getBackend } from '../src/plan/backends.js';
import { materialize, runJacobian } from '../src/plan/execute.js';
import type { Method } from '../src/plan/plan.js';
import { OUTPUT_KINDS, floorRatios, peers, speedups, writeCharts, type OutputKind } from './charts.js';
import { factorTable, runFactors } from './factors.js';
import { floorCall, floorRows } from './floor.js';
import { runJaxJs } from './peer-jaxjs.js';
import { runTorch } from './peer-torch.js';
import { loopTimes, median, table, warmUp, type BenchRow, type LoopTime } from './rows.js';

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

/**
 * Times matjac on the CPU through the public API, as a user calls it (a repeated call, so the
 * plan comes from the plan cache): `new`, a new output each call (`jacobian()` / `hessian()`
 * return a new Mat), `reused`, one Float64Array written in place each call (`out`), or `wasm`, one
 * `Mat.wasm` as `out` (stored into in place by the SIMD kernel). The time
 * per call of a loop (`loopTimes`: the median of `reps` batches; `callMs`, the median single call;
 * `faults`, page faults per call), its batches taking turns with those of its floor (first-touch
 * for `new`, fill of the very same `out` otherwise: `floorMs`, `floorFaults`), so that both meet
 * the same state of the allocator and the same physical pages. `outs`: the reused outputs by kind,
 * shared by the rows of one n (a buffer of the wrong length is replaced).
 */
export async function timeMatjacCpu(map: string, n: number, method: Method, reps: number, output: OutputKind, outs = new Map<OutputKind, Float64Array>()): Promise<BenchRow> {
  const { expr, hessian: isHessian } = MAPS[map]!;
  const at = inputs(n);
  const f = isHessian ? hessian : jacobian;
  const base = { lib: 'matjac(cpu)', map, output, n };
  try {
    const mode = preparePlan(expr, { wrt: 'X', at, method, hessian: isHessian }).plan.method;
    if (output !== 'new' && outs.get(output)?.length !== n ** 4) outs.set(output, output === 'reused' ? new Float64Array(n ** 4) : (Mat.wasm(n * n, n * n).data as Float64Array));
    const out = output === 'new' ? undefined : outs.get(output);
    const opts = { wrt: 'X', at, backend: 'cpu' as const, method, ...(out && { out }) };
    const once = (): Promise<Mat> => f(expr, opts);
    const floor = floorCall(output === 'new' ? 'first-touch' : 'fill', n ** 4, out);
    await warmUp(once);
    floor(0);
    const [t, fl] = (await loopTimes([once, floor], reps)) as [LoopTime, LoopTime];
    return {
      ...base,
      mode: `${mode}/${output}`,
      ms: t.ms,
      calls: t.calls,
      callMs: t.callMs,
      faults: t.faults,
      cpuMs: t.cpuMs,
      floorMs: fl.ms,
      floorFaults: fl.faults,
      floorCpuMs: fl.cpuMs,
      outBytes: 8 * n ** 4,
      device: 'cpu (float64)',
    };
  } catch (e) {
    return { ...base, mode: `${method}/${output}`, error: e instanceof Error ? `${e.name}: ${e.message}`.slice(0, 200) : String(e) };
  }
}

/**
 * Times one (backend, map, n, method) at the plan level: the result left on the device and
 * disposed after each call (the next call reuses its buffer). Returns a row (or a row with `error`).
 */
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

const list = (v: string): string[] => v.split(',').map((x) => x.trim()).filter(Boolean);
function sizeList(v: string): number[] {
  const xs = list(v).map(Number);
  if (!xs.length || xs.some((x) => !Number.isInteger(x) || x < 1 || x > 512)) throw new CliArgumentError(`expected sizes like 16,32,64 (integers 1…512), got '${v}'`);
  return xs;
}
function positiveInt(v: string): number {
  const x = Number(v);
  if (!Number.isInteger(x) || x < 1) throw new CliArgumentError(`expected a positive integer, got '${v}'`);
  return x;
}
function oneOf<T extends string>(allowed: readonly T[]) {
  return (v: string): T[] => {
    const xs = list(v);
    const bad = xs.filter((x) => !(allowed as readonly string[]).includes(x));
    if (bad.length) throw new CliArgumentError(`unknown ${bad.join(', ')}; expected some of ${allowed.join(', ')}`);
    return xs as T[];
  };
}

export interface BenchOptions {
  backends: BackendName[];
  sizes?: number[];
  peerSizes?: number[];
  maps: string[];
  methods: Method[];
  outputs: OutputKind[];
  reps: number;
  peers: string[];
  out: string;
  results?: string;
  charts?: string;
  core: boolean;
  factors: boolean;
  floor: boolean;
  perCall: boolean;
  quick: boolean;
  profile: boolean;
  maxDenseN: number;
}

/** A comma-separated list option whose default shows as it is typed. */
function listOption<T extends string>(flags: string, desc: string, parse: (v: string) => T[], def: readonly T[]): Option {
  return new Option(flags, desc).argParser(parse).default([...def], def.join(','));
}

export function benchProgram(): Command {
  return new Command('run.js')
    .description('Jacobian/Hessian assembly of the benchmark maps on each backend, next to jax-js and PyTorch and the write floor, measured in one run.')
    .addOption(listOption('--backends <list>', 'backends to time: cpu, webgpu, gpujs', oneOf<BackendName>(['cpu', 'webgpu', 'gpujs']), ['cpu', 'webgpu', 'gpujs']))
    .option('--sizes <list>', 'n of the matjac runs (default: 16,32,48,64,96)', sizeList)
    .option('--peer-sizes <list>', 'n of the peer runs (default: jax-js wasm 16,32,48; PyTorch 16,32,64; jax-js webgpu 16…96)', sizeList)
    .addOption(listOption('--maps <list>', 'maps to time', oneOf(Object.keys(MAPS)), Object.keys(MAPS)))
    .addOption(listOption('--methods <list>', 'assembly methods: auto, structured, forward, reverse', oneOf<Method>(['auto', 'structured', 'forward', 'reverse']), ['structured', 'forward', 'reverse']))
    .addOption(listOption('--outputs <list>', 'CPU outputs: new (a new Mat each call, as jacobian() returns), reused (one Float64Array as out), wasm (one Mat.wasm as out)', oneOf<OutputKind>(OUTPUT_KINDS), [...OUTPUT_KINDS]))
    .option('--reps <k>', 'timed repetitions after warm-up (median reported)', positiveInt, 5)
    .addOption(listOption('--peers <list>', 'peers: wasm and webgpu (jax-js), torch (PyTorch CPU via /usr/bin/python3), none', oneOf(['wasm', 'webgpu', 'torch', 'none']), ['wasm', 'torch']))
    .option('--out <file>', 'JSON lines of every row', 'bench/out/bench.jsonl')
    .option('--results <dir>', 'write bench.jsonl, factors.jsonl and the SVG charts into DIR ({date}: the UTC date; overrides --out and --charts)')
    .option('--charts <dir>', 'write SVG charts (ratio to the write floor, speed-up over each peer) into DIR')
    .option('--core', 'also run the CPU core bench (matmul, Kronecker GB/s)', false)
    .option('--factors', 'also run the factor bench (GFLOP/s of matmul, LU, inv, solve at n = 32…256)', false)
    .option('--no-floor', 'skip measuring the write floor')
    .option('--per-call', 'also the per-call cost at n = 4 and 8 (µs, cached plan, new output and out)', false)
    .option('--quick', 'two smallest sizes only (smoke test)', false)
    .option('--profile', 'where the time of one structured Jacobian goes (factors, device work, sync), per backend', false)
    .option('--max-dense-n <n>', 'largest n for the batched forward/reverse methods', positiveInt, 64);
}

async function main(): Promise<void> {
  const program = benchProgram();
  program.parse();
  const o = program.opts<BenchOptions>();
  if (o.results) o.results = o.results.replace('{date}', new Date().toISOString().slice(0, 10));
  const outFile = o.results ? join(o.results, 'bench.jsonl') : o.out;
  const chartDir = o.results ?? o.charts;
  const rows: BenchRow[] = [];
  const time = new Date().toISOString();
  const log = (r: BenchRow): void => {
    const row = { ...r, time };
    rows.push(row);
    console.log(JSON.stringify(row));
  };
  const reps = o.reps;
  const trim = <T>(xs: T[]): T[] => (o.quick ? xs.slice(0, 2) : xs);

  if (o.core) {
    const { runCpuCore } = await import('./cpu-core.js');
    for (const r of await runCpuCore({ quick: o.quick })) log(r as unknown as BenchRow);
  }
  if (o.perCall) {
    const { runPerCall } = await import('./percall.js');
    await runPerCall(o.quick ? [4] : [4, 8], log);
  }
  const factorRows = o.factors ? runFactors(o.quick ? [32, 96] : undefined) : [];
  if (factorRows.length) console.log(`\n${factorTable(factorRows)}\n`);

  for (const name of o.profile ? [] : o.backends) {
    let b: Backend;
    try {
      b = await getBackend(name);
    } catch (e) {
      log({ lib: `matjac(${name})`, map: '*', mode: '*', n: 0, error: e instanceof Error ? e.message : String(e) });
      continue;
    }
    for (const n of trim(o.sizes ?? [16, 32, 48, 64, 96])) {
      if (name === 'cpu' && o.floor) for (const r of await floorRows(n, reps)) log(r);
      // one reused output of each kind for every map of this n (all have n⁴ entries), as a caller
      // reusing a buffer has it: no row pays for freeing the previous row's 679 MB (n = 96) while it is timed
      const outs = new Map<OutputKind, Float64Array>();
      for (const map of o.maps)
        for (const method of o.methods) {
          // batched forward/reverse modes hold the whole Jacobian twice and cost mn·(n³) work: cap their size
          if (method !== 'structured' && method !== 'auto' && n > o.maxDenseN) continue;
          if (name === 'cpu') for (const output of o.outputs) log(await timeMatjacCpu(map, n, method, reps, output, outs));
          else log(await timeMatjac(b, map, n, method, reps));
        }
    }
  }

  if (o.profile) {
    for (const name of o.backends) {
      const b = await getBackend(name);
      for (const map of o.maps) for (const n of o.sizes ?? [64, 96]) log(await profileMatjac(b, map, n, reps));
    }
  }

  for (const peer of o.peers.filter((p) => p !== 'none')) {
    if (peer === 'torch') {
      await runTorch(trim(o.peerSizes ?? [16, 32, 64]), o.maps, Math.min(reps, 3), log);
      continue;
    }
    const sizes = trim(o.peerSizes ?? (peer === 'wasm' ? [16, 32, 48] : [16, 32, 48, 64, 96]));
    await runJaxJs(peer as 'wasm' | 'webgpu', sizes, o.maps, Math.max(1, Math.min(reps, peer === 'wasm' ? 3 : reps)), log);
  }

  console.log(`\n${table(rows.filter((r) => r.map in MAPS))}`);
  printRatios(rows);
  for (const r of rows.filter((x) => x.error)) console.log(`! ${r.lib} ${r.map} ${r.mode} n=${r.n}: ${r.error}`);
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  console.log(`\nwrote ${rows.length} rows to ${outFile}`);
  if (o.results && factorRows.length) {
    writeFileSync(join(o.results, 'factors.jsonl'), factorRows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    console.log(`wrote ${factorRows.length} rows to ${join(o.results, 'factors.jsonl')}`);
  }
  if (chartDir) for (const p of writeCharts(rows, chartDir, time.slice(0, 10))) console.log(`wrote ${p}`);
  process.exit(0);
}

/** The derived figures: matjac over the write floor, and its speed-up over each peer. */
function printRatios(rows: readonly BenchRow[]): void {
  const fr = floorRatios(rows);
  const lines: string[] = [];
  const key = (r: { map: string; n: number; output: string }): string => `${r.map}|${r.n}|${r.output}`;
  const peerList = peers(rows);
  const sp = new Map(peerList.map((p) => [p, new Map(speedups(rows, p).map((r) => [key(r), r.value]))]));
  const head = ['map', 'n', 'output', 'matjac', 'vs floor', ...peerList.map((p) => `× ${p}`)];
  const body = fr.map((r) => [r.map, String(r.n), r.output, `${r.ms.toFixed(2)} ms`, `${r.value.toFixed(2)}×`, ...peerList.map((p) => (sp.get(p)!.has(key(r)) ? `${sp.get(p)!.get(key(r))!.toFixed(1)}×` : '–'))]);
  if (!body.length) return;
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (c: string[]): string => c.map((x, i) => x.padEnd(w[i]!)).join('  ');
  lines.push(line(head), w.map((x) => '-'.repeat(x)).join('  '), ...body.map(line));
  console.log(`\nmatjac (cpu) over the write floor (new: first-touch, reused and wasm: fill) and speed-up over the peers:\n${lines.join('\n')}`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/.*\/dist\//, 'dist/'))) await main();
else if (process.argv[1]?.endsWith('run.js')) await main();
