/**
 * GPU memory reuse. Storage buffers are pooled by size class. A buffer freed while commands that
 * use it are still being recorded is quarantined until the next submit: until then it may be
 * reused only as a kernel output recorded after those commands (commands of one queue execute in
 * order), never as the target of `queue.writeBuffer` (which executes before not-yet-submitted
 * commands), and it is destroyed only after the submit.
 * Small host data of one command buffer (dispatch parameters, the factors of `assemble`) lives in
 * a few arena buffers written once, with one `writeBuffer` each, right before the submit.
 */

export const STORAGE_USAGE = 0x80 | 0x04 | 0x08; // STORAGE | COPY_SRC | COPY_DST (GPUBufferUsage values)
/** GPUBufferUsage / GPUMapMode values (the globals may be absent where a custom `gpu` is passed). */
export const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, QUERY_RESOLVE: 0x200 } as const;
export const MAP_MODE_READ = 0x1;

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
    /** Called before a pooled buffer is destroyed (cached bind groups that name it are dropped). */
    private readonly onDestroy: (buf: GPUBuffer) => void = () => undefined,
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
        this.onDestroy(old);
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

/** A slot of an arena: bytes [offset, offset + size) of `buffer`; element views of the chunk's host copy. */
export interface ArenaSlot {
  readonly buffer: GPUBuffer;
  readonly offset: number;
  readonly size: number;
  /** Host copy of the whole chunk; the slot starts at element `offset / 4`. */
  readonly u32: Uint32Array<ArrayBuffer>;
  readonly f32: Float32Array<ArrayBuffer>;
}

interface ArenaChunk {
  buf: GPUBuffer;
  cap: number;
  u8: Uint8Array<ArrayBuffer>;
  u32: Uint32Array<ArrayBuffer>;
  f32: Float32Array<ArrayBuffer>;
  used: number;
}

/**
 * Host data for one command buffer: dispatch parameters (bound as uniforms) and small read-only
 * inputs such as the packed factors of `assemble` (bound as storage). Slots are filled in place in
 * a host copy and written to the GPU with one `writeBuffer` per chunk at submit time (in queue
 * order, before the command buffer that reads them; the previous command buffer has already read
 * its contents). Chunks are reused from one submit to the next, so a steady sequence of identical
 * plans binds identical (buffer, offset, size) triples and creates no GPU objects.
 */
export class UploadArena {
  static readonly CHUNK = 65536;
  static readonly USAGE = 0x40 | 0x80 | 0x08; // UNIFORM | STORAGE | COPY_DST
  private readonly chunks: ArenaChunk[] = [];
  private current = 0;

  constructor(
    private readonly device: GPUDevice,
    /** Offset alignment of every slot (the larger of the uniform and storage alignments). */
    private readonly align: number,
    /** Called before a chunk's buffer is destroyed. */
    private readonly onDestroy: (buf: GPUBuffer) => void = () => undefined,
  ) {}

  /** A slot of `bytes` (rounded up to 16). Its contents must be written before the next flush. */
  alloc(bytes: number): ArenaSlot {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    for (;;) {
      let chunk = this.chunks[this.current];
      if (!chunk) {
        chunk = this.newChunk(size);
        this.chunks.push(chunk);
      }
      const offset = Math.ceil(chunk.used / this.align) * this.align;
      if (offset + size <= chunk.cap) {
        chunk.used = offset + size;
        return { buffer: chunk.buf, offset, size, u32: chunk.u32, f32: chunk.f32 };
      }
      if (chunk.used === 0) {
        // too small even when empty (and unused by the commands being recorded): replace it
        this.onDestroy(chunk.buf);
        chunk.buf.destroy();
        this.chunks[this.current] = this.newChunk(size);
        continue;
      }
      this.current++;
    }
  }

  private newChunk(minBytes: number): ArenaChunk {
    let cap = UploadArena.CHUNK;
    while (cap < minBytes) cap *= 2;
    const u8 = new Uint8Array(cap);
    return {
      buf: this.device.createBuffer({ size: cap, usage: UploadArena.USAGE, label: 'matjac-arena' }),
      cap,
      u8,
      u32: new Uint32Array(u8.buffer),
      f32: new Float32Array(u8.buffer),
      used: 0,
    };
  }

  /** Writes the used slots (before the submit that reads them) and starts over for the next one. */
  flush(queue: GPUQueue): void {
    for (let c = 0; c <= this.current && c < this.chunks.length; c++) {
      const chunk = this.chunks[c]!;
      if (chunk.used > 0) queue.writeBuffer(chunk.buf, 0, chunk.u8, 0, chunk.used);
      chunk.used = 0;
    }
    this.current = 0;
  }

  /** Bytes of GPU memory held by the arena. */
  get bytes(): number {
    return this.chunks.reduce((s, c) => s + c.cap, 0);
  }

  destroy(): void {
    for (const c of this.chunks) c.buf.destroy();
    this.chunks.length = 0;
  }
}
