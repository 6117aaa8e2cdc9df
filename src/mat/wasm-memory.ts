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
