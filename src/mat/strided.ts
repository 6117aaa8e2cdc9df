/**
 * Out-first float64 kernels over slices of flat arrays (an offset, a length, a stride 0 for a
 * broadcast scalar): what the CPU backend runs on each slice of a batch, and what the allocating
 * helpers of ./select.ts and ./elementwise.ts reduce to.
 */
import type { MatData } from './mat.js';

export type EntrywiseOp = 'add' | 'sub' | 'mul' | 'div';

/**
 * `out[o + e] = a[ao + e·da] ∘ b[bo + e·db]` for e < len (∘ = + − ⊙ ⊘); a stride 0 broadcasts
 * that operand's one entry.
 */
export function entrywiseInto(op: EntrywiseOp, out: Float64Array, o: number, a: MatData, ao: number, da: 0 | 1, b: MatData, bo: number, db: 0 | 1, len: number): Float64Array {
  switch (op) {
    case 'add':
      for (let e = 0; e < len; e++) out[o + e] = a[ao + e * da]! + b[bo + e * db]!;
      break;
    case 'sub':
      for (let e = 0; e < len; e++) out[o + e] = a[ao + e * da]! - b[bo + e * db]!;
      break;
    case 'mul':
      for (let e = 0; e < len; e++) out[o + e] = a[ao + e * da]! * b[bo + e * db]!;
      break;
    case 'div':
      for (let e = 0; e < len; e++) out[o + e] = a[ao + e * da]! / b[bo + e * db]!;
      break;
  }
  return out;
}

/** `vec(out)[o + k] = idx[k] ≥ 0 ? a[ao + idx[k]] : 0` for k < idx.length. */
export function gatherInto(out: Float64Array, o: number, a: MatData, ao: number, idx: Int32Array): Float64Array {
  for (let k = 0; k < idx.length; k++) {
    const s = idx[k]!;
    out[o + k] = s >= 0 ? a[ao + s]! : 0;
  }
  return out;
}

/** Places an h×w block (at `bo` in `b`) at rows r0…, columns c0… of an R-row matrix starting at `o` in `out`. */
export function placeBlock(out: Float64Array, o: number, R: number, r0: number, c0: number, b: MatData, bo: number, h: number, w: number): Float64Array {
  for (let j = 0; j < w; j++) {
    const src = bo + j * h;
    const dst = o + r0 + (c0 + j) * R;
    for (let i = 0; i < h; i++) out[dst + i] = b[src + i]!;
  }
  return out;
}

/** Σ a[ao + e] for e < len. */
export function sumRange(a: MatData, ao: number, len: number): number {
  let s = 0;
  for (let e = ao; e < ao + len; e++) s += a[e]!;
  return s;
}
