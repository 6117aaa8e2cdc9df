/**
 * A tiny WebAssembly assembler: just what the SIMD kernels of this folder need (i32 arithmetic,
 * structured loops, 128-bit loads and stores, f64x2 arithmetic, scalar f64 loads, stores and
 * products, one imported memory, exported functions). Instructions are byte arrays; a module is
 * built once, at load time, from code in this repository (never from user text).
 */

/** Unsigned LEB128. */
export function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const simd = (op: number): number[] => [0xfd, ...uleb(op)];
/** memarg: log2 of the alignment hint, then a static byte offset. */
const memarg = (align: number, offset: number): number[] => [...uleb(align), ...uleb(offset)];

export const I32 = 0x7f;
export const V128 = 0x7b;

/** Instructions (each a byte array; concatenate them into a function body). */
export const op = {
  get: (l: number): number[] => [0x20, ...uleb(l)],
  set: (l: number): number[] => [0x21, ...uleb(l)],
  tee: (l: number): number[] => [0x22, ...uleb(l)],
  i32: (v: number): number[] => [0x41, ...sleb(v)],
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  ltS: [0x48],
  gtS: [0x4a],
  geS: [0x4e],
  /** Unsigned comparisons: of byte addresses, which in a memory of more than 2 GiB pass 2³¹. */
  ltU: [0x49],
  geU: [0x4f],
  /** `block` / `loop` with no result, `end`, branches by label depth. */
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number): number[] => [0x0c, ...uleb(depth)],
  brIf: (depth: number): number[] => [0x0d, ...uleb(depth)],
  i32Load: (offset = 0): number[] => [0x28, ...memarg(2, offset)],
  f64Load: (offset = 0): number[] => [0x2b, ...memarg(3, offset)],
  f64Store: (offset = 0): number[] => [0x39, ...memarg(3, offset)],
  f64Add: [0xa0],
  f64Mul: [0xa2],
  v128Load: (offset = 0): number[] => [...simd(0x00), ...memarg(4, offset)],
  v128Store: (offset = 0): number[] => [...simd(0x0b), ...memarg(4, offset)],
  /** f64 at the address, in both lanes. */
  load64Splat: (offset = 0): number[] => [...simd(0x0a), ...memarg(3, offset)],
  /** Lane 0 of an f64x2, as an f64. */
  f64x2Lane0: [...simd(0x21), 0],
  /** memory.copy (bulk memory): dst, src, byte count on the stack; memory 0 to memory 0. */
  memoryCopy: [0xfc, ...uleb(10), 0x00, 0x00],
  f64x2Add: simd(0xf0),
  f64x2Mul: simd(0xf2),
};

/** Locals of a function: parameters first (all i32 here), then the declared ones, by name. */
export class Locals {
  private readonly index = new Map<string, number>();
  readonly declared: number[] = [];
  constructor(readonly params: readonly string[]) {
    params.forEach((p, i) => this.index.set(p, i));
  }
  declare(type: number, ...names: string[]): void {
    for (const n of names) {
      this.index.set(n, this.index.size);
      this.declared.push(type);
    }
  }
  /** The index of a local by name. */
  at(name: string): number {
    const i = this.index.get(name);
    if (i === undefined) throw new Error(`internal: no local '${name}'`);
    return i;
  }
  /** local.get, local.set and local.tee of a local by name. */
  get(name: string): number[] {
    return op.get(this.at(name));
  }
  set(name: string): number[] {
    return op.set(this.at(name));
  }
  tee(name: string): number[] {
    return op.tee(this.at(name));
  }
  /** name += by, an i32 constant or another local. */
  bump(name: string, by: number | string): number[] {
    return [...this.get(name), ...(typeof by === 'number' ? op.i32(by) : this.get(by)), ...op.add, ...this.set(name)];
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

export interface WasmFunction {
  readonly name: string;
  readonly locals: Locals;
  readonly body: number[];
}

/**
 * A module importing one memory as `env.memory` and exporting the functions (all parameters i32,
 * no results).
 */
export function assemble(fns: readonly WasmFunction[]): Uint8Array<ArrayBuffer> {
  const types = vec(fns.map((f) => [0x60, ...vec(f.locals.params.map(() => [I32])), 0]));
  const imports = vec([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]]);
  const funcs = vec(fns.map((_, i) => uleb(i)));
  const exports = vec(fns.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]));
  const codes = vec(
    fns.map((f) => {
      // runs of equal types, as the format wants them
      const groups: number[][] = [];
      for (const t of f.locals.declared) {
        const last = groups[groups.length - 1];
        if (last && last[1] === t) last[0]!++;
        else groups.push([1, t]);
      }
      const body = [...vec(groups.map(([count, t]) => [...uleb(count!), t!])), ...f.body, ...op.end];
      return [...uleb(body.length), ...body];
    }),
  );
  const bytes = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...section(1, types), ...section(2, imports), ...section(3, funcs), ...section(7, exports), ...section(10, codes)];
  return new Uint8Array(bytes);
}
