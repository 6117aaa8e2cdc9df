/**
 * GPU memory reuse. Storage buffers are pooled by size class. A buffer freed while commands that
 * use it are still being recorded is quarantined until the next submit: until then it may be
 * reused only as a kernel output recorded after those commands (commands of one queue execute in
 * order), never as the target of `queue.writeBuffer` (which executes before not-yet-submitted
 * commands), and it is destroyed only after the submit.
 * Uniform parameters of all dispatches of one command buffer live in a few arena buffers written
 * once, right before the submit.
 */

export const STORAGE_USAGE = 0x80 | 0x04 | 0x08; // STORAGE | COPY_SRC | COPY_DST (GPUBufferUsage values)

/** Size classes: multiples of 256 bytes up to 64 KiB, then four steps per power of two. */
export function sizeClass(bytes: number, maxBytes: number): number {
  const b = Math.max(256, bytes);
  let c: number;
  if (b <= 65536) c = Math.ceil(b / 256) * 256;
  else {
    const e = Math.floor(Math.log2(b));
    const step = 2 ** (e - 2);
    c = Math.ceil(b / step) * step;
  }
  return Math.min(c, Math.max(bytes, Math.floor(maxBytes / 4) * 4));
}

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private quarantine: GPUBuffer[] = [];
  /** Pooled buffers in the order they were released (stale entries are skipped). */
  private order: GPUBuffer[] = [];
  private pooledBytes = 0;
  private readonly live = new Set<GPUBuffer>();

  constructor(
    private readonly device: GPUDevice,
    private readonly maxBufferSize: number,
    /** Freed memory kept for reuse beyond this is destroyed. */
    private readonly keepBytes = 512 * 1024 * 1024,
  ) {}

  /** `forUpload`: the caller will `queue.writeBuffer` into it, so quarantined buffers are not eligible. */
  acquire(bytes: number, forUpload = false): GPUBuffer {
    const size = sizeClass(bytes, this.maxBufferSize);
    const list = this.free.get(size);
    const reused = list?.pop();
    if (reused) {
      this.pooledBytes -= size;
      this.live.add(reused);
      return reused;
    }
    if (!forUpload) {
      const k = this.quarantine.findIndex((b) => b.size === size);
      if (k >= 0) {
        const b = this.quarantine.splice(k, 1)[0]!;
        this.live.add(b);
        return b;
      }
    }
    const buf = this.device.createBuffer({ size, usage: STORAGE_USAGE });
    this.live.add(buf);
    return buf;
  }

  /**
   * The buffer may still be used by commands not yet submitted: reuse waits for `afterSubmit`,
   * unless `idle` says that nothing has been recorded since the last submit.
   */
  release(buf: GPUBuffer, idle = false): void {
    if (!this.live.delete(buf)) return;
    this.quarantine.push(buf);
    if (idle) this.afterSubmit();
  }

  afterSubmit(): void {
    for (const buf of this.quarantine) {
      const size = buf.size;
      // Keep up to keepBytes, evicting the oldest pooled buffers to make room for the newest
      // (a large output released now is the likeliest to be needed again at once; a fresh buffer
      // would also cost Dawn's lazy zero-initialisation pass).
      while (this.pooledBytes > 0 && this.pooledBytes + size > this.keepBytes) {
        const old = this.order.shift();
        if (!old) break;
        const list = this.free.get(old.size);
        const k = list ? list.indexOf(old) : -1;
        if (k < 0) continue; // already reused
        list!.splice(k, 1);
        this.pooledBytes -= old.size;
        old.destroy();
      }
      let list = this.free.get(size);
      if (!list) this.free.set(size, (list = []));
      list.push(buf);
      this.order.push(buf);
      this.pooledBytes += size;
    }
    this.quarantine = [];
    if (this.order.length > 4096) this.order = this.order.filter((b) => this.free.get(b.size)?.includes(b));
  }

  destroyAll(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    for (const b of this.quarantine) b.destroy();
    for (const b of this.live) b.destroy();
    this.free.clear();
    this.quarantine = [];
    this.order = [];
    this.live.clear();
    this.pooledBytes = 0;
  }
}

/** Slots for dispatch parameters, written to the GPU in one `writeBuffer` per arena at submit time. */
export class UniformArena {
  private static readonly CHUNK = 65536;
  private readonly chunks: { buf: GPUBuffer; data: Uint8Array<ArrayBuffer>; used: number }[] = [];
  private current = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly align: number,
  ) {}

  /** Copies `params` into a slot; returns the binding for it. */
  alloc(params: ArrayBuffer): GPUBufferBinding {
    const size = Math.ceil(params.byteLength / 16) * 16;
    let chunk = this.chunks[this.current];
    if (chunk && chunk.used + size > UniformArena.CHUNK) {
      this.current++;
      chunk = this.chunks[this.current];
    }
    if (!chunk) {
      chunk = {
        buf: this.device.createBuffer({ size: UniformArena.CHUNK, usage: 0x40 | 0x08 }), // UNIFORM | COPY_DST
        data: new Uint8Array(UniformArena.CHUNK),
        used: 0,
      };
      this.chunks.push(chunk);
    }
    const offset = chunk.used;
    chunk.data.set(new Uint8Array(params), offset);
    chunk.used = Math.ceil((offset + size) / this.align) * this.align;
    return { buffer: chunk.buf, offset, size };
  }

  /** Writes the used slots (before the submit that reads them) and starts over for the next one. */
  flush(queue: GPUQueue): void {
    for (let c = 0; c <= this.current && c < this.chunks.length; c++) {
      const chunk = this.chunks[c]!;
      if (chunk.used > 0) queue.writeBuffer(chunk.buf, 0, chunk.data, 0, Math.min(chunk.used, UniformArena.CHUNK));
      chunk.used = 0;
    }
    this.current = 0;
  }

  destroy(): void {
    for (const c of this.chunks) c.buf.destroy();
    this.chunks.length = 0;
  }
}
