import fc from 'fast-check';
import { expect } from 'vitest';
import { Mat, relError } from '../../src/mat/index.js';

/** Fixed seed for every property test, so failures reproduce. */
export const FC = { seed: 20240611, numRuns: 120 } as const;

export const dim = fc.integer({ min: 1, max: 6 });
export const seedArb = fc.integer({ min: 1, max: 2 ** 31 - 1 });

/** A random m×n matrix with entries in [-1, 1), from a seed (shrinks by dimension). */
export const matOf = (m: number, n: number, seed: number): Mat => Mat.random(m, n, { seed });
export const matArb = (m?: number, n?: number): fc.Arbitrary<Mat> =>
  fc.tuple(m === undefined ? dim : fc.constant(m), n === undefined ? dim : fc.constant(n), seedArb).map(([r, c, s]) => matOf(r, c, s));

/** Asserts shapes equal and relative Frobenius error ≤ tol (B the reference). */
export function expectClose(A: Mat, B: Mat, tol = 1e-12): void {
  expect([A.rows, A.cols]).toEqual([B.rows, B.cols]);
  const e = relError(A, B);
  if (!(e <= tol)) throw new Error(`relative error ${e} > ${tol}\nA = ${A.toString()}\nB = ${B.toString()}`);
}
