/**
 * The instance of a SIMD kernel module on a memory of its own, replaced, never grown.
 * `WebAssembly.Memory.grow` detaches the memory's old ArrayBuffer, and in V8 the first detach
 * anywhere in a process makes typed-array loops slower in the whole process from then on (the
 * engine's "array buffer detaching" protector is invalidated, so optimised code checks every
 * access for a detached buffer again). Measured: the JavaScript Jacobian writer, A·X·B at n = 96
 * into a reused output, 38 → 52 ms after a single grow of an unrelated 64 KiB memory. So a kernel
 * that needs more memory gets a new, larger memory and a new instance of its (compiled once)
 * module; the old one is left to the garbage collector.
 */

const PAGE = 65536;

/** The module compiled from `bytes`, or null where the engine cannot (no WebAssembly, or no SIMD). */
export function compileKernel(bytes: Uint8Array<ArrayBuffer>): WebAssembly.Module | null {
  try {
    if (typeof WebAssembly !== 'object' || !WebAssembly.validate(bytes)) return null;
    return new WebAssembly.Module(bytes);
  } catch {
    return null;
  }
}

export class KernelInstance {
  memory!: WebAssembly.Memory;
  exports!: WebAssembly.Exports;
  /** Views of the whole memory from address 0 (new ones after a replacement). */
  f64!: Float64Array;
  i32!: Int32Array;

  /** An instance of `module` on a memory of at least `bytes` (whole 64 KiB pages), never more than `maxBytes` by `reserve`. */
  constructor(
    readonly module: WebAssembly.Module,
    bytes: number,
    readonly maxBytes: number,
  ) {
    this.instantiate(bytes);
  }

  /**
   * A memory of at least `bytes`: if this one has less, a new memory (at least doubling, so
   * replacements stay rare, at most maxBytes) and a new instance on it; the contents do not carry over.
   */
  reserve(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (have < bytes) this.instantiate(Math.min(this.maxBytes, Math.max(bytes, 2 * have)));
  }

  private instantiate(bytes: number): void {
    this.memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
    this.exports = new WebAssembly.Instance(this.module, { env: { memory: this.memory } }).exports;
    this.f64 = new Float64Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
  }
}

/** The most 64 KiB pages a WebAssembly (32-bit) memory has: 4 GiB. */
const MAX_PAGES = 65536;

/**
 * Where a SIMD kernel writes in place: a float64 array at byte 0 of a WebAssembly memory of its
 * own, followed by a head region for the kernel's inputs (its factors and column table). A
 * kernel called on such an array stores into it directly, 16 bytes an instruction; the
 * JavaScript kernels store 8 bytes at a time into any Float64Array. The memory is made once, at
 * its full size, and never grown (see KernelInstance).
 */
export class KernelArea {
  /** Views of the whole memory from address 0. */
  readonly f64: Float64Array;
  readonly i32: Int32Array;
  private readonly instances = new Map<WebAssembly.Module, WebAssembly.Exports>();

  constructor(
    readonly memory: WebAssembly.Memory,
    /** Byte offset of the head region (a multiple of 64) and its length in bytes. */
    readonly head: number,
    readonly headBytes: number,
  ) {
    this.f64 = new Float64Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
  }

  /** The exports of an instance of `module` on this memory (instantiated once per module). */
  exportsOf(module: WebAssembly.Module): WebAssembly.Exports {
    let e = this.instances.get(module);
    if (!e) {
      e = new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports;
      this.instances.set(module, e);
    }
    return e;
  }
}

/** Kernel areas by their memory's buffer (the buffer of every view of the array). */
const areas = new WeakMap<ArrayBuffer, KernelArea>();

/**
 * A zero-filled Float64Array of `len` entries at the start of a kernel area with `headBytes` of
 * head, or null where the engine has no WebAssembly or the two exceed 4 GiB or the allocation
 * fails (the caller then takes an ordinary Float64Array).
 */
export function kernelArray(len: number, headBytes: number): Float64Array | null {
  const head = Math.ceil((8 * len) / 64) * 64;
  const pages = Math.max(1, Math.ceil((head + headBytes) / PAGE));
  if (typeof WebAssembly !== 'object' || !(pages <= MAX_PAGES)) return null;
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  } catch {
    return null;
  }
  const area = new KernelArea(memory, head, pages * PAGE - head);
  areas.set(memory.buffer, area);
  return new Float64Array(memory.buffer, 0, len);
}

/** The kernel area `a` lies in (kernelArray), or null for any other array. */
export function kernelAreaOf(a: Float64Array): KernelArea | null {
  return a.buffer instanceof ArrayBuffer ? (areas.get(a.buffer) ?? null) : null;
}
