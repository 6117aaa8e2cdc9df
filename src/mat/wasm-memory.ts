/**
 * WebAssembly memories that are replaced, never grown. `WebAssembly.Memory.grow` detaches the
 * memory's old ArrayBuffer, and in V8 the first detach anywhere in a process makes typed-array
 * loops slower in the whole process from then on (the engine's "array buffer detaching" protector
 * is invalidated, so optimised code checks every access for a detached buffer again). Measured:
 * the JavaScript Jacobian writer, A·X·B at n = 96 into a reused output, 38 → 52 ms after a single
 * grow of an unrelated 64 KiB memory. So a kernel that needs more memory gets a new, larger memory
 * and a new instance of its (compiled once) module; the old one is left to the garbage collector.
 */

const PAGE = 65536;

/** A module's instance on a memory of its own of at least `bytes` bytes (whole 64 KiB pages). */
export function instanceWithMemory(module: WebAssembly.Module, bytes: number): { memory: WebAssembly.Memory; exports: WebAssembly.Exports } {
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
  const inst = new WebAssembly.Instance(module, { env: { memory } });
  return { memory, exports: inst.exports };
}

/** The size to replace a memory of `have` bytes with when `need` are asked for: at least doubling, so replacements stay rare. */
export function replacementBytes(have: number, need: number, max: number): number {
  return Math.min(max, Math.max(need, 2 * have));
}
