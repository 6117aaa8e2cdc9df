/**
 * CPU core benchmark: the float64 reference kernels of src/mat.
 *  - matmul GFLOP/s (2n³ flops), the blocked kernel against the textbook triple loop;
 *  - Kronecker materialisation GB/s: A⊗B for A, B n×n, output n²×n² = n⁴ doubles written.
 * Median wall time over several repetitions (`performance.now()`), after warm-up.
 * Prints an aligned table and appends JSON lines to bench/out/cpu-core.jsonl.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/cpu-core.js [--quick]
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { kronInto } from '../src/mat/kron.js';
import { Mat } from '../src/mat/mat.js';
import { matmul, matmulNaive } from '../src/mat/matmul.js';
import { relError } from '../src/mat/ops.js';

export interface CpuCoreOptions {
  /** Smaller sizes and fewer repetitions (for smoke tests). */
  quick?: boolean;
  /** JSON-lines file to append to (default bench/out/cpu-core.jsonl under the working directory); null: write nothing. */
  outFile?: string | null;
  /** Print the table (default true). */
  print?: boolean;
}

export interface CpuCoreRecord {
  bench: 'cpu-core';
  kind: 'matmul' | 'kron';
  impl: 'blocked' | 'naive' | 'kronInto';
  n: number;
  /** Median wall time of one call, ms. */
  ms: number;
  reps: number;
  /** matmul: 2n³/time. */
  gflops?: number;
  /** kron: bytes written (n⁴ · 8) / time. */
  gbps?: number;
  /** blocked vs naive, on the matmul rows of the blocked kernel. */
  speedup?: number;
  node: string;
  cpu: string;
  time: string;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
};

/** Median ms of `f`, after `warm` calls; at least `minReps` repetitions, more while under `budgetMs`. */
function timeIt(f: () => void, minReps: number, maxReps: number, budgetMs: number, warm = 2): { ms: number; reps: number } {
  for (let w = 0; w < warm; w++) f();
  const ts: number[] = [];
  const start = performance.now();
  while (ts.length < minReps || (ts.length < maxReps && performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    f();
    ts.push(performance.now() - t0);
  }
  return { ms: median(ts), reps: ts.length };
}

export async function runCpuCore(opts: CpuCoreOptions = {}): Promise<CpuCoreRecord[]> {
  const quick = opts.quick ?? false;
  const print = opts.print ?? true;
  const outFile = opts.outFile === undefined ? resolve(process.cwd(), 'bench/out/cpu-core.jsonl') : opts.outFile;
  const common = { bench: 'cpu-core' as const, node: process.version, cpu: `${cpus()[0]?.model ?? 'unknown'} ×${cpus().length}`, time: new Date().toISOString() };
  const records: CpuCoreRecord[] = [];

  const mmSizes = quick ? [64, 128] : [64, 128, 256, 512];
  for (const n of mmSizes) {
    const A = Mat.random(n, n, { seed: 1 });
    const B = Mat.random(n, n, { seed: 2 });
    const err = relError(matmul(A, B), matmulNaive(A, B));
    if (!(err < 1e-12)) throw new Error(`cpu-core: blocked matmul disagrees with the triple loop at n=${n} (relative error ${err})`);
    const flops = 2 * n ** 3;
    const budget = quick ? 100 : 1500;
    const blocked = timeIt(() => void matmul(A, B), 3, quick ? 5 : 50, budget);
    const naive = timeIt(() => void matmulNaive(A, B), 3, quick ? 5 : 50, budget, n >= 512 ? 1 : 2);
    records.push(
      { ...common, kind: 'matmul', impl: 'blocked', n, ms: blocked.ms, reps: blocked.reps, gflops: flops / blocked.ms / 1e6, speedup: naive.ms / blocked.ms },
      { ...common, kind: 'matmul', impl: 'naive', n, ms: naive.ms, reps: naive.reps, gflops: flops / naive.ms / 1e6 },
    );
    await new Promise((r) => setImmediate(r));
  }

  const kronSizes = quick ? [16, 32] : [16, 32, 48, 64];
  for (const n of kronSizes) {
    const A = Mat.random(n, n, { seed: 3 });
    const B = Mat.random(n, n, { seed: 4 });
    const out = new Float64Array(n ** 4);
    const bytes = 8 * n ** 4;
    const t = timeIt(() => void kronInto(out, A, B), 5, quick ? 10 : 200, quick ? 100 : 1000);
    records.push({ ...common, kind: 'kron', impl: 'kronInto', n, ms: t.ms, reps: t.reps, gbps: bytes / t.ms / 1e6 });
    await new Promise((r) => setImmediate(r));
  }

  if (print) printTable(records);
  if (outFile) {
    mkdirSync(dirname(outFile), { recursive: true });
    appendFileSync(outFile, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }
  return records;
}

function printTable(records: CpuCoreRecord[]): void {
  const header = ['kind', 'impl', 'n', 'median ms', 'reps', 'GFLOP/s', 'GB/s', 'speedup'];
  const rows = records.map((r) => [
    r.kind,
    r.impl,
    String(r.n),
    r.ms.toFixed(3),
    String(r.reps),
    r.gflops !== undefined ? r.gflops.toFixed(2) : '',
    r.gbps !== undefined ? r.gbps.toFixed(2) : '',
    r.speedup !== undefined ? `${r.speedup.toFixed(1)}×` : '',
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]): string => cells.map((s, c) => (c < 2 ? s.padEnd(widths[c]!) : s.padStart(widths[c]!))).join('  ');
  console.log(`cpu-core (${records[0]?.cpu ?? ''}, node ${process.version})`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  runCpuCore({ quick: process.argv.includes('--quick') }).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
