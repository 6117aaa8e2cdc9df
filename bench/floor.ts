/**
 * The write floor, measured in the same run as the Jacobians it is compared with: how fast this
 * machine can write a buffer of the Jacobian's size at all.
 *
 *   - `fill`: `Float64Array.fill` into a buffer already touched (the floor of a reused output:
 *     `out`, a pooled buffer, a tile buffer);
 *   - `first-touch`: a new `Float64Array` of that size, filled once (allocation plus the page
 *     faults of memory touched for the first time: the floor of a new output each call).
 *
 * Both as the median wall time of at least 15 calls (more within 0.3 s) after one warm-up call.
 */
import { median, type BenchRow } from './rows.js';

export type FloorKind = 'fill' | 'first-touch';

/** Median ms of writing `len` doubles, reused (`fill`) or new each call (`first-touch`). */
export function measureFloor(kind: FloorKind, len: number, reps: number): number {
  const ts: number[] = [];
  const t0 = performance.now();
  const more = (r: number): boolean => r < reps || (r < 4 * reps && performance.now() - t0 < 300);
  if (kind === 'fill') {
    const buf = new Float64Array(len);
    buf.fill(1);
    for (let r = 0; more(r); r++) {
      const t0 = performance.now();
      buf.fill(r);
      ts.push(performance.now() - t0);
    }
  } else {
    let keep: Float64Array | null = new Float64Array(len).fill(1);
    for (let r = 0; more(r); r++) {
      keep = null; // the previous buffer is garbage, as a caller's discarded result would be
      const t0 = performance.now();
      keep = new Float64Array(len);
      keep.fill(r);
      ts.push(performance.now() - t0);
    }
    if (keep.length !== len) throw new Error('unreachable');
  }
  return median(ts);
}

/** Floor rows for a Jacobian of n⁴ float64 entries (an n×n input and output). */
export function floorRows(n: number, reps: number): BenchRow[] {
  const len = n ** 4;
  return (['fill', 'first-touch'] as const).map((kind) => ({
    lib: 'floor',
    map: '*',
    mode: kind,
    n,
    ms: measureFloor(kind, len, Math.max(reps, 15)),
    outBytes: 8 * len,
  }));
}
