/**
 * Storage for the small float64 intermediates of one derivative evaluation.
 *
 * In V8 a Float64Array of more than 64 bytes gets a backing store of its own, outside the heap:
 * an allocation, two bookkeeping objects and a sweep by the garbage collector, 0.3–1 µs each on
 * the 2-core machines, several times the arithmetic of a 4×4 inverse. A view on an ArrayBuffer
 * that already exists costs about 20 ns. So arrays of at most ARENA_MAX_LENGTH entries can be
 * views on a shared chunk, handed out by a bump pointer and never handed out twice: a view stays
 * valid for as long as it is referenced, fresh views read as zeros (a new chunk is zero-filled and
 * no region is reused), and the garbage collector frees a chunk with its last view.
 *
 * A view's `.buffer` is the whole chunk, shared with other views (transferring it to a worker
 * would detach them all), so a value from the arena never reaches a caller of the library:
 *   - `arenaF64` always takes from the arena: scratch of an internal step (a writer's packed factor);
 *   - `newF64` takes from it only inside `withArena` (the primal evaluation of a Jacobian or
 *     Hessian, whose values are factors read by the writer or copied to a backend), and
 *     allocates a buffer of its own everywhere else (`evaluate`, a kernel called by a user).
 */

/** Longest array (entries) taken from the arena: 1 KiB, e.g. an 11×11 matrix. */
export const ARENA_MAX_LENGTH = 128;

/** Bytes of one chunk: 16 such arrays, 32 4×4 ones. */
const CHUNK_BYTES = 16 * 1024;

let chunk: ArrayBuffer | null = null;
/** Every chunk handed out (for `inArena`). */
const chunks = new WeakSet<ArrayBuffer>();
/** Bytes of `chunk` handed out. */
let used = 0;
/** How many `withArena` scopes are open. */
let depth = 0;

/** A zero-filled Float64Array of `len` entries: a view on the arena when `len` ≤ ARENA_MAX_LENGTH. */
export function arenaF64(len: number): Float64Array {
  if (len > ARENA_MAX_LENGTH) return new Float64Array(len);
  const bytes = len * 8;
  if (chunk === null || used + bytes > CHUNK_BYTES) {
    chunk = new ArrayBuffer(CHUNK_BYTES);
    chunks.add(chunk);
    used = 0;
  }
  const view = new Float64Array(chunk, used, len);
  used += bytes;
  return view;
}

/** A zero-filled Float64Array of `len` entries: from the arena inside `withArena`, else a buffer of its own. */
export function newF64(len: number): Float64Array {
  return depth > 0 ? arenaF64(len) : new Float64Array(len);
}

/** `f(arg)` with `newF64` taking from the arena: only for work whose arrays stay inside the library. */
export function withArena<A, T>(f: (arg: A) => T, arg: A): T {
  depth++;
  try {
    return f(arg);
  } finally {
    depth--;
  }
}

/** Whether `d` is a view on an arena chunk rather than a buffer of its own (tests). */
export const inArena = (d: Float64Array | Float32Array): boolean => d.buffer instanceof ArrayBuffer && chunks.has(d.buffer);
