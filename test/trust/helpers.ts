/**
 * Helpers of the hostile-input suites (DESIGN.md §4): a call must end, within a time bound, in a
 * MatjacError with a code, or in a value that agrees with an independent reference.
 */
import { expect } from 'vitest';
import { MatjacError, type ErrorCode } from '../../src/index.js';

/** The outcome of one call: its value, or the error it ended in, and how long it took. */
export type Outcome<T> = { ok: true; value: T; ms: number } | { ok: false; error: unknown; ms: number };

export async function outcome<T>(f: () => T | Promise<T>): Promise<Outcome<T>> {
  const t0 = performance.now();
  try {
    const value = await f();
    return { ok: true, value, ms: performance.now() - t0 };
  } catch (error) {
    return { ok: false, error, ms: performance.now() - t0 };
  }
}

/** Fails unless the error is a MatjacError with a code and a message (never a raw TypeError/RangeError). */
export function expectTyped(error: unknown, context: string): asserts error is MatjacError {
  if (!(error instanceof MatjacError)) {
    const e = error as Error;
    throw new Error(`${context}: expected a MatjacError, got ${e?.name ?? typeof error}: ${e?.message ?? String(error)}`);
  }
  expect(typeof error.code, context).toBe('string');
  expect(error.code.startsWith('E_'), context).toBe(true);
  expect(error.message.length, context).toBeGreaterThan(5);
}

/** Runs f; expects a MatjacError with `code` (returns it). */
export async function expectCode(f: () => unknown, code: ErrorCode, context = ''): Promise<MatjacError> {
  const r = await outcome(f);
  if (r.ok) throw new Error(`${context}: expected ${code}, but it returned a value`);
  expectTyped(r.error, context);
  expect(r.error.code, `${context}: ${r.error.message}`).toBe(code);
  return r.error;
}

/** ‖a − b‖_F / max(‖b‖_F, tiny). */
export function relFro(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let k = 0; k < a.length; k++) {
    num += (a[k]! - b[k]!) ** 2;
    den += b[k]! ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-300);
}
