/** Option checks shared by the eigen-analysis entry points: unknown names and bad values get typed errors. */
import { InvalidArgumentError, UnknownOptionError } from '../errors.js';

export function checkKnown(opts: unknown, allowed: readonly string[], fnName: string): void {
  if (!opts || typeof opts !== 'object') throw new InvalidArgumentError(`${fnName}: options with 'at' (the values of the names) are required`);
  for (const key of Object.keys(opts)) if (!allowed.includes(key)) throw new UnknownOptionError(key, allowed);
}

/** A positive integer option (or its default). */
export function positiveInt(name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got ${String(v)}`);
  return v;
}

/** A finite number ≥ 0 (or its default). */
export function nonNegative(name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new InvalidArgumentError(`${name} must be a finite number ≥ 0, got ${String(v)}`);
  return v;
}

/** An integer seed (or its default). */
export function seedOf(v: unknown, dflt = 1): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new InvalidArgumentError(`seed must be an integer, got ${String(v)}`);
  return v;
}

export function oneOf<T extends string>(name: string, v: unknown, allowed: readonly T[], dflt: T): T {
  if (v === undefined) return dflt;
  if (!allowed.includes(v as T)) throw new InvalidArgumentError(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got '${String(v)}'`);
  return v as T;
}

export function callback<F>(name: string, v: unknown): F | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'function') throw new InvalidArgumentError(`${name} must be a function, got ${typeof v}`);
  return v as F;
}
