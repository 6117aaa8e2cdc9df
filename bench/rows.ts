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
