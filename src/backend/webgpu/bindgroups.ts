/**
 * Bind groups cached by what they bind: (pipeline, and for each binding its buffer, offset, size).
 * Pooled buffers and arena chunks keep their identity from one plan to the next, so a repeated
 * plan of the same shapes finds all its bind groups here and creates none. An entry is dropped
 * when a buffer it names is destroyed (the owner calls `forget` first), and the whole cache is
 * cleared when it grows past `maxEntries` (tiled plans bind many distinct windows).
 */

export interface CachedPipeline {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
  /** Distinct per pipeline (part of the cache key). */
  readonly id: number;
}

export class BindGroupCache {
  private readonly ids = new WeakMap<GPUBuffer, number>();
  private nextId = 1;
  private readonly groups = new Map<string, GPUBindGroup>();
  /** buffer id → keys of the cached groups that bind it */
  private readonly byBuffer = new Map<number, string[]>();

  constructor(
    private readonly device: GPUDevice,
    private readonly maxEntries = 4096,
  ) {}

  private id(buf: GPUBuffer): number {
    let id = this.ids.get(buf);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(buf, id);
    }
    return id;
  }

  /** The bind group for `bindings` (binding k ← bindings[k]) of group 0 of `p`. */
  get(p: CachedPipeline, bindings: readonly GPUBufferBinding[]): GPUBindGroup {
    let key = String(p.id);
    for (const b of bindings) key += `|${this.id(b.buffer)}:${b.offset ?? 0}:${b.size ?? -1}`;
    const hit = this.groups.get(key);
    if (hit) return hit;
    if (this.groups.size >= this.maxEntries) this.clear();
    const entries: GPUBindGroupEntry[] = bindings.map((resource, binding) => ({ binding, resource }));
    const bg = this.device.createBindGroup({ layout: p.layout, entries });
    this.groups.set(key, bg);
    for (const b of bindings) {
      const id = this.id(b.buffer);
      const keys = this.byBuffer.get(id);
      if (keys) keys.push(key);
      else this.byBuffer.set(id, [key]);
    }
    return bg;
  }

  /** Drops every cached group that binds `buf` (call before destroying it). */
  forget(buf: GPUBuffer): void {
    const id = this.ids.get(buf);
    if (id === undefined) return;
    const keys = this.byBuffer.get(id);
    if (!keys) return;
    this.byBuffer.delete(id);
    for (const k of keys) this.groups.delete(k);
  }

  clear(): void {
    this.groups.clear();
    this.byBuffer.clear();
  }

  get size(): number {
    return this.groups.size;
  }
}
