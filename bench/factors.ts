/**
 * Factor benchmark: GFLOP/s of the float64 factors of src/mat that the plans evaluate on the host
 * (matmul, LU with partial pivoting, inverse, solve with n right-hand sides) at n = 32…256, and
 * the textbook triple loop for scale. Flop counts are the conventional ones: matmul 2n³, LU ⅔n³,
 * inverse 2n³ (LU and U⁻¹L⁻¹P), solve with n right-hand sides ⅔n³ + 2n³. Inputs: random plus
 * n·I (well conditioned). Time: the best and the median of repeated calls after warm-up.
 *
 *   npm run build && node dist/bench/factors.js [--sizes 32,64,96,128,192,256] [--out FILE]
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { inv, lu, solve } from '../src/mat/lu.js';
import { Mat } from '../src/mat/mat.js';
import { matmul, matmulNaive } from '../src/mat/matmul.js';

export interface FactorRecord {
  bench: 'factors';
  kind: 'matmul' | 'matmul-naive' | 'lu' | 'inv' | 'solve';
  n: number;
  /** Best and median wall time of one call, ms. */
  bestMs: number;
  ms: number;
  reps: number;
  /** Conventional flops / median time. */
  gflops: number;
  gflopsBest: number;
  node: string;
  cpu: string;
  time: string;
}

export const DEFAULT_FACTOR_SIZES = [32, 48, 64, 96, 128, 192, 256];

/** Best and median ms of `f` after warm-up (0.1 s or 20 calls); at least 5 repetitions, more up to `budgetMs`. */
function timeIt(f: () => unknown, budgetMs: number): { best: number; median: number; reps: number } {
  const w0 = performance.now();
  for (let k = 0; k < 20 && performance.now() - w0 < 100; k++) f();
  const ts: number[] = [];
  const t0 = performance.now();
  while (ts.length < 5 || (ts.length < 400 && performance.now() - t0 < budgetMs)) {
    const s = performance.now();
    f();
    ts.push(performance.now() - s);
  }
  ts.sort((a, b) => a - b);
  return { best: ts[0]!, median: ts[ts.length >> 1]!, reps: ts.length };
}

export function runFactors(sizes: readonly number[] = DEFAULT_FACTOR_SIZES, budgetMs = 300): FactorRecord[] {
  const common = { bench: 'factors' as const, node: process.version, cpu: `${cpus()[0]?.model ?? 'unknown'} ×${cpus().length}`, time: new Date().toISOString() };
  const out: FactorRecord[] = [];
  for (const n of sizes) {
    const X = Mat.random(n, n, { seed: 21 });
    for (let i = 0; i < n; i++) X.data[i + i * n]! += n;
    const B = Mat.random(n, n, { seed: 22 });
    const cases: [FactorRecord['kind'], number, () => unknown][] = [
      ['matmul', 2 * n ** 3, () => matmul(X, B)],
      ['lu', (2 / 3) * n ** 3, () => lu(X)],
      ['inv', 2 * n ** 3, () => inv(X)],
      ['solve', (2 / 3) * n ** 3 + 2 * n ** 3, () => solve(X, B)],
    ];
    if (n <= 128) cases.push(['matmul-naive', 2 * n ** 3, () => matmulNaive(X, B)]);
    for (const [kind, flops, f] of cases) {
      const t = timeIt(f, budgetMs);
      out.push({ ...common, kind, n, bestMs: t.best, ms: t.median, reps: t.reps, gflops: flops / t.median / 1e6, gflopsBest: flops / t.best / 1e6 });
    }
  }
  return out;
}

/** The records as an aligned table: one line per n, GFLOP/s (median) per kind. */
export function factorTable(rows: readonly FactorRecord[]): string {
  const kinds = ['matmul', 'lu', 'inv', 'solve', 'matmul-naive'] as const;
  const sizes = [...new Set(rows.map((r) => r.n))];
  const head = ['n', ...kinds.map((k) => `${k} GFLOP/s`)];
  const body = sizes.map((n) => [
    String(n),
    ...kinds.map((k) => {
      const r = rows.find((x) => x.n === n && x.kind === k);
      return r ? `${r.gflops.toFixed(2)} (best ${r.gflopsBest.toFixed(2)})` : '–';
    }),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (c: string[]): string => c.map((s, i) => s.padEnd(w[i]!)).join('  ');
  return [line(head), w.map((x) => '-'.repeat(x)).join('  '), ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: DEFAULT_FACTOR_SIZES.join(',') },
      out: { type: 'string', default: 'bench/out/factors.jsonl' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log('usage: node dist/bench/factors.js [--sizes 32,48,64,96,128,192,256] [--out FILE]');
    return;
  }
  const rows = runFactors(values.sizes!.split(',').map(Number));
  console.log(factorTable(rows));
  const file = resolve(values.out!);
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  console.log(`\nappended ${rows.length} rows to ${values.out}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
