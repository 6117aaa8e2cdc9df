/**
 * The CPU backend's buffer pool: Float64Arrays given back by disposed tensors, kept for the next
 * op of the same length. Writing a fresh multi-megabyte Float64Array costs its first-touch page
 * faults (about 2 GB/s on the 2-core machines, against 20 GB/s into memory already touched), which
 * dominated assembling a Jacobian.
 *
 * Bounded two ways, evicting the least recently given buffer first: a byte budget over all
 * buffers held, and a count per length. So a long run over growing sizes keeps the buffers it is
 * using now, not the first gigabyte it ever freed.
 */

/** Buffers shorter than this are left to the garbage collector (young-generation allocation is cheap). */
export const POOL_MIN_LENGTH = 512;

export class BufferPool {
  /** Free buffers by length, most recently given last. */
  private readonly free = new Map<number, Float64Array[]>();
  /** Every free buffer, in the order given (a Map keeps insertion order): the eviction order. */
  private readonly lru = new Map<Float64Array, number>();
  private heldBytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly perSize: number,
    private readonly poison: boolean,
  ) {}

  /** The most recently given free buffer of exactly `len` entries (contents arbitrary), or null. */
  take(len: number): Float64Array | null {
    const d = this.free.get(len)?.pop();
    if (!d) return null;
    this.lru.delete(d);
    this.heldBytes -= d.byteLength;
    return d;
  }

  /** Keeps `d` for reuse, evicting the least recently given buffers over the caps; the caller guarantees nothing else references it. */
  give(d: Float64Array): void {
    if (d.length < POOL_MIN_LENGTH || d.byteLength > this.maxBytes || this.perSize === 0 || this.lru.has(d)) return;
    let list = this.free.get(d.length);
    if (!list) this.free.set(d.length, (list = []));
    if (list.length >= this.perSize) this.evict(list[0]!);
    if (this.poison) d.fill(NaN);
    list.push(d);
    this.lru.set(d, d.length);
    this.heldBytes += d.byteLength;
    while (this.heldBytes > this.maxBytes) this.evict(this.lru.keys().next().value!);
  }

  private evict(d: Float64Array): void {
    const list = this.free.get(d.length)!;
    list.splice(list.indexOf(d), 1);
    if (list.length === 0) this.free.delete(d.length);
    this.lru.delete(d);
    this.heldBytes -= d.byteLength;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  get buffers(): number {
    return this.lru.size;
  }

  clear(): void {
    this.free.clear();
    this.lru.clear();
    this.heldBytes = 0;
  }
}
