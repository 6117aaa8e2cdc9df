/**
 * The finiteness scan of a result before its readback (shaders/finite_scan.wgsl): one pass over
 * the tensor on the device counts its ±Inf/NaN entries and finds the first, into an 8-byte flags
 * buffer that travels back with the result, so the host never scans the whole matrix.
 */
import { planChunks } from '../chunks.js';
import { u32s, type GpuQueue } from '../queue.js';
import type { WebGpuTensor } from '../tensor.js';

/** vec4s tested per invocation. */
const SCAN_V = 4;
/** Bytes of the flags: [count of non-finite entries, ~(index of the first)]. */
export const FLAG_BYTES = 8;

/**
 * Records the scan of `t` after everything recorded so far; returns the flags buffer (cleared
 * first), which the caller copies back with the result and then releases to the pool.
 */
export function scanFinite(q: GpuQueue, t: WebGpuTensor): GPUBuffer {
  const flags = q.pool.acquire(FLAG_BYTES);
  q.endPass().clearBuffer(flags, 0, FLAG_BYTES);
  const f = { buffer: flags, offset: 0, size: FLAG_BYTES };
  // chunks start at multiples of 4 (the vec4 window may round its end up into the padding)
  for (const r of planChunks(t.length, t.length, [], q.maxVec4Window)) {
    const w = q.window(t, r.e0, r.e1, true);
    q.linear('finite_scan', { V: SCAN_V }, u32s([r.e1 - r.e0, r.e0, w.base]), [w.resource, f], r.e1 - r.e0, 4 * SCAN_V);
  }
  return flags;
}

/** The flags read back, as a count and the first non-finite entry's vec index (−1 when none). */
export function decodeFlags(words: Uint32Array): { nonFinite: number; first: number } {
  const nonFinite = words[0]!;
  return { nonFinite, first: nonFinite > 0 ? ~words[1]! >>> 0 : -1 };
}
