/** One measurement: a JSON line of the benchmark output. */
export interface BenchRow {
  readonly lib: string;
  readonly map: string;
  readonly mode: string;
  readonly n: number;
  readonly ms?: number;
  /** Bytes of the derivative matrix written (for GB/s). */
  readonly outBytes?: number;
  readonly device?: string;
  readonly error?: string;
  readonly [extra: string]: unknown;
}

export const gbps = (r: BenchRow): number | undefined => (r.ms && r.outBytes ? r.outBytes / (r.ms * 1e6) : undefined);

/** Median of a sample (sorted copy). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** Rows as an aligned text table, one line per (map, n), one column per lib/mode. */
export function table(rows: readonly BenchRow[]): string {
  const ok = rows.filter((r) => r.ms !== undefined);
  const cols = [...new Set(ok.map((r) => `${r.lib} ${r.mode}`))];
  const keys = [...new Set(ok.map((r) => `${r.map}|${r.n}`))];
  const cell = (key: string, col: string): string => {
    const r = ok.find((x) => `${x.map}|${x.n}` === key && `${x.lib} ${x.mode}` === col);
    if (!r) return '–';
    const g = gbps(r);
    return `${fmtMs(r.ms!)}${g !== undefined && r.lib.startsWith('matjac') ? ` (${g.toFixed(g < 10 ? 2 : 0)} GB/s)` : ''}`;
  };
  const header = ['map', 'n', ...cols];
  const body = keys.map((k) => {
    const [map, n] = k.split('|');
    return [map!, n!, ...cols.map((c) => cell(k, c))];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function fmtMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(0)} µs`;
}

/**
 * Warm-up before timing, the same policy for matjac and its JavaScript peer: `min` runs, then
 * more until 300 ms or 50 runs have passed, so V8 has compiled the hot loops (as JAX's jit has
 * compiled its program before anchors.py times it). A single run longer than 300 ms ends it.
 */
export async function warmUp(once: () => Promise<unknown>, min = 1): Promise<void> {
  const t0 = performance.now();
  for (let k = 0; k < 50 && (k < min || performance.now() - t0 < 300); k++) await once();
}

/** Shortest timed batch of a loop (ms): long enough to span a few collections of the garbage collector at the sizes where they are frequent. */
export const BATCH_MS = 50;

/** Time per call of a loop: the median batch, the calls timed, and the median single call. */
export interface LoopTime {
  /** Median over the batches of (batch wall time / its calls), ms. */
  readonly ms: number;
  readonly calls: number;
  /** Median of the single calls, ms (the figure of a run of isolated calls). */
  readonly callMs: number;
  /** Minor page faults per call over the batches (a first touch of n⁴ doubles is n⁴/512 of them with 4 KiB pages). */
  readonly faults: number;
  /**
   * CPU time of the process per call, ms: the median batch of (user + system time of all its
   * threads) / calls. Next to `ms` on a machine shared with other work, whose waits it leaves out.
   */
  readonly cpuMs: number;
}

/** A timed call: synchronous, or a promise awaited before the next call. */
export type Call = (r: number) => unknown;

/** Minor page faults of this process so far. */
const minorFaults = (): number => process.resourceUsage().minorPageFault;

const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';

/**
 * What one call costs in a loop, as a user's loop gets it: `reps` batches of back-to-back calls
 * of each function, each batch running until BATCH_MS have passed (at least one call), each
 * batch's wall time over its calls; the median batch. With several functions their batches take
 * turns (a, b, a, b, …), so that each meets the same state of the process (see below).
 *
 * A loop pays now and then for what a single call may or may not meet: a collection of the
 * garbage collector, and a new output that lands on memory the C allocator gave back to the
 * system rather than on memory freed by earlier calls. glibc serves buffers of up to 32 MiB
 * (n ≤ 45 here) from its heap once one such buffer has been freed, and trims the top of the heap
 * when the garbage collector frees a few of them at once; the next ones are then faulted in afresh
 * (first-touch page faults), until freed memory is at hand again. So at n = 32 a new output of
 * `A*X*B` took 0.8–1.2 ms on reused memory and 4–5 ms faulted in, in one loop, in spells that
 * last from a few calls to a whole row: the median of five single calls lands on either, and a
 * floor measured apart from the row on either too. A batch's mean holds both in the proportion
 * the loop meets them, `faults` says how many it met, and a floor taking turns with the row meets
 * the same spells.
 */
export async function loopTimes(calls: readonly Call[], reps: number): Promise<LoopTime[]> {
  const batches = calls.map((): number[] => []);
  const cpu = calls.map((): number[] => []);
  const single = calls.map((): number[] => []);
  const faults = calls.map(() => 0);
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < calls.length; i++) {
      const call = calls[i]!;
      let k = 0;
      const f0 = minorFaults();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      let t = t0;
      do {
        const v = call(k);
        if (isThenable(v)) await v;
        const t1 = performance.now();
        single[i]!.push(t1 - t);
        t = t1;
        k++;
      } while (t - t0 < BATCH_MS);
      const c = process.cpuUsage(c0);
      faults[i]! += minorFaults() - f0;
      batches[i]!.push((t - t0) / k);
      cpu[i]!.push((c.user + c.system) / 1000 / k);
    }
  }
  return calls.map((_, i) => ({ ms: median(batches[i]!), calls: single[i]!.length, callMs: median(single[i]!), faults: faults[i]! / single[i]!.length, cpuMs: median(cpu[i]!) }));
}
