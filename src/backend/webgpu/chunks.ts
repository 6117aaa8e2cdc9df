/**
 * Splitting work so that every storage binding stays within the device's binding limit.
 * A tensor lives in one buffer; a kernel sees a *window* of it: the binding starts at an element
 * `base` (aligned down to minStorageBufferOffsetAlignment) and the kernel subtracts `base` from
 * the global element index it computes. Pure arithmetic, no GPU objects (unit-testable).
 */
import { TooLargeError } from '../../errors.js';

export interface Range {
  readonly e0: number;
  readonly e1: number;
}

/** How an input is indexed relative to the output of an output-driven kernel. */
export type InputKind =
  /** the same element index as the output (same shape and batch) */
  | 'same'
  /** slice s of the output reads slice s of the input (sliceLen entries each) */
  | 'slices'
  /** any output element may read any input element (broadcast or small inputs) */
  | 'whole';

export interface InputSpec {
  readonly kind: InputKind;
  readonly sliceLen: number;
  /** total entries of the input tensor */
  readonly length: number;
  readonly what: string;
}

export function tooLargeForBinding(what: string, elems: number, maxWinElems: number): TooLargeError {
  const bytes = elems * 4;
  return new TooLargeError(
    `${what} needs a ${bytes} byte storage binding, more than this device allows (${(maxWinElems + 0) * 4} bytes usable); ` +
      `assemble large results in column tiles (assemble's cols option) or stream them`,
    bytes,
  );
}

/**
 * Chunks [0, total) of an output with slices of `outSliceLen` entries so that the output window
 * and every input window of each chunk fit in `maxWin` elements.
 */
export function planChunks(total: number, outSliceLen: number, inputs: readonly InputSpec[], maxWin: number): Range[] {
  if (total === 0) return [];
  for (const inp of inputs) {
    if (inp.kind === 'whole' && inp.length > maxWin) throw tooLargeForBinding(inp.what, inp.length, maxWin);
    if (inp.kind === 'slices' && inp.sliceLen > maxWin) throw tooLargeForBinding(`one slice of ${inp.what}`, inp.sliceLen, maxWin);
  }
  const fitsAll = total <= maxWin && inputs.every((i) => i.length <= maxWin);
  if (fitsAll) return [{ e0: 0, e1: total }];
  const out: Range[] = [];
  if (outSliceLen <= maxWin) {
    let k = Math.floor(maxWin / outSliceLen);
    for (const inp of inputs) if (inp.kind === 'slices') k = Math.min(k, Math.floor(maxWin / Math.max(1, inp.sliceLen)));
    k = Math.max(1, k);
    const step = k * outSliceLen;
    for (let e0 = 0; e0 < total; e0 += step) out.push({ e0, e1: Math.min(total, e0 + step) });
  } else {
    for (let s0 = 0; s0 < total; s0 += outSliceLen) {
      const s1 = Math.min(total, s0 + outSliceLen);
      for (let e0 = s0; e0 < s1; e0 += maxWin) out.push({ e0, e1: Math.min(s1, e0 + maxWin) });
    }
  }
  return out;
}

/** The element range of an input that a chunk [e0, e1) of the output reads. */
export function inputRange(inp: InputSpec, r: Range, outSliceLen: number): Range {
  switch (inp.kind) {
    case 'same':
      return r;
    case 'whole':
      return { e0: 0, e1: inp.length };
    case 'slices': {
      const s0 = Math.floor(r.e0 / outSliceLen);
      const s1 = Math.floor((r.e1 - 1) / outSliceLen);
      return { e0: s0 * inp.sliceLen, e1: Math.min(inp.length, (s1 + 1) * inp.sliceLen) };
    }
  }
}

/** Splits [0, n) into pieces of at most `step`. */
export function* pieces(n: number, step: number): Generator<[number, number]> {
  for (let a = 0; a < n; a += step) yield [a, Math.min(n, a + step)];
}

/** A grid for `n` workgroups under the per-dimension limit: x·y ≥ n (kernels skip the surplus). */
export function grid2D(n: number, maxPerDim: number): [number, number] {
  if (n <= maxPerDim) return [n, 1];
  const y = Math.ceil(n / maxPerDim);
  if (y > maxPerDim) throw new TooLargeError(`a dispatch of ${n} workgroups exceeds ${maxPerDim}² workgroups`, n);
  return [Math.ceil(n / y), y];
}
