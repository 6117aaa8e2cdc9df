/**
 * The write floor, measured in the same run as the Jacobians it is compared with: how fast this
 * machine can write a buffer of the Jacobian's size at all.
 *
 *   - `fill`: `Float64Array.fill` (a non-zero value) into a buffer already touched (the floor of a reused output:
 *     `out`, a pooled buffer, a tile buffer);
 *   - `first-touch`: a new `Float64Array` of that size each call, filled once and dropped
 *     (allocation, and the page faults of memory touched for the first time wherever the
 *     allocator hands out such memory: the floor of a new output each call).
 *
 * Timed like matjac's rows (`loopTimes` in rows.ts): the median of `reps` batches of back-to-back
 * calls, each batch's time per call. A row of run.ts also times its floor in turns with itself
 * (`floorMs`), which is the floor its ratio is taken over; the rows here are the floor of each n
 * on its own.
 */
import { loopTimes, type BenchRow, type Call } from './rows.js';

export type FloorKind = 'fill' | 'first-touch';

/**
 * One call of the floor of `len` doubles: a fill of one buffer, or a new buffer filled (and dropped
 * by the caller). Filled with a non-zero value, r + 1 for the r-th call of a batch: a fill with 0 is
 * a memset, which for a buffer larger than the caches writes with non-temporal stores (no read of
 * the lines it overwrites) — a path no Jacobian, whose entries are arbitrary doubles, can take from
 * JavaScript or WebAssembly (at n = 96, 679 MB: 18 ms for fill(0) against 31 ms for fill(1) on the
 * 2-core machine of the README, quiet). Earlier runs passed r itself, so the first call of every
 * batch was a memset and the floor a mixture of the two.
 * `into`: the buffer `fill` writes (a reused output's own `out`, so that the row and its floor write
 * the same physical pages: two buffers of 679 MB, each touched, filled at rates up to 10 % apart
 * in one process at n = 96, which is where a floor of its own put a row's ratio).
 */
export function floorCall(kind: FloorKind, len: number, into?: Float64Array): Call {
  if (kind === 'first-touch') return (r) => new Float64Array(len).fill(r + 1);
  const buf = into ?? new Float64Array(len).fill(1);
  return (r) => void buf.fill(r + 1, 0, len);
}

/** Floor rows for a Jacobian of n⁴ float64 entries (an n×n input and output). */
export async function floorRows(n: number, reps: number): Promise<BenchRow[]> {
  const len = n ** 4;
  const rows: BenchRow[] = [];
  for (const kind of ['fill', 'first-touch'] as const) {
    const call = floorCall(kind, len);
    call(0); // warm-up
    const { ms, calls, callMs, faults, cpuMs } = (await loopTimes([call], reps))[0]!;
    rows.push({ lib: 'floor', map: '*', mode: kind, n, ms, calls, callMs, faults, cpuMs, outBytes: 8 * len });
  }
  return rows;
}
