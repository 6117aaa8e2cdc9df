/**
 * The demo's inputs: `n = 32` (and optionally `seed = 1`) make X, A, B random n×n matrices
 * (uniform in [−1, 1), seeded, so every run and every test sees the same numbers), X shifted by
 * n·I so that it is well conditioned with det X > 0. Anything else in the box is read in the
 * CLI's `--at` syntax (`C = rand(4,4), X = randspd(4)`) and adds or overrides bindings.
 */
import { InvalidArgumentError, Mat } from '../src/index.js';
import { parseBindings } from '../src/cli/bindings.js';

export const DEFAULT_N = 32;
export const DEFAULT_SEED = 1;
export const MAX_N = 256;

/** X = rand(n, n; seed) + n·I, A = rand(n, n; seed + 1), B = rand(n, n; seed + 2). */
export function defaultInputs(n: number, seed = DEFAULT_SEED): { X: Mat; A: Mat; B: Mat } {
  const X = Mat.random(n, n, { seed });
  for (let i = 0; i < n; i++) X.data[i + i * n] = X.data[i + i * n]! + n;
  return { X, A: Mat.random(n, n, { seed: seed + 1 }), B: Mat.random(n, n, { seed: seed + 2 }) };
}

export interface ParsedInputs {
  readonly n: number;
  readonly seed: number;
  readonly at: Record<string, Mat>;
  /** Names given explicitly in the box (not the defaults). */
  readonly custom: readonly string[];
}

/** Splits on commas, semicolons between bindings and newlines that are outside brackets. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') depth = Math.max(0, depth - 1);
    else if ((c === ',' || c === '\n') && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0 && !p.startsWith('#'));
}

export function parseInputs(text: string): ParsedInputs {
  let n = DEFAULT_N;
  let seed = DEFAULT_SEED;
  const rest: string[] = [];
  for (const part of splitTopLevel(text)) {
    const m = /^(n|seed)\s*=\s*(\S+)$/.exec(part);
    if (m) {
      const v = Number(m[2]);
      if (!Number.isInteger(v)) throw new InvalidArgumentError(`${m[1]} must be an integer, got '${m[2]}'`);
      if (m[1] === 'n') {
        if (v < 1 || v > MAX_N) throw new InvalidArgumentError(`n must be between 1 and ${MAX_N} in the demo, got ${v}`);
        n = v;
      } else seed = v;
    } else rest.push(part);
  }
  const at: Record<string, Mat> = { ...defaultInputs(n, seed) };
  const extra = rest.length > 0 ? parseBindings(rest.join(', '), seed + 100) : {};
  Object.assign(at, extra);
  return { n, seed, at, custom: Object.keys(extra) };
}

/**
 * An order-sensitive checksum of column-major data: Σ_k w_k·x_k with w_k = 1 + (k mod 97)/97,
 * summed in float64 in storage order. `abs` is the same with |x_k| (the scale for comparing a
 * float32 result against a float64 one).
 */
export function checksum(data: ArrayLike<number>): { sum: number; abs: number } {
  let sum = 0;
  let abs = 0;
  for (let k = 0; k < data.length; k++) {
    const w = 1 + (k % 97) / 97;
    sum += w * data[k]!;
    abs += w * Math.abs(data[k]!);
  }
  return { sum, abs };
}
