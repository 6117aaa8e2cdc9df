/**
 * The one validation layer for the options of every public entry point and the CLI
 * (DESIGN.md §4): each option is checked for its type and range before any work starts, so a
 * wrong option is an `InvalidArgumentError` (or `UnknownOptionError`) naming it — never a raw
 * TypeError, a silently ignored value or a wrong number.
 *
 * Only own properties count: names are looked up with `Object.hasOwn` and maps, never with `in`,
 * so `toString`, `constructor` or `__proto__` are ordinary (unbound) names, not inherited values.
 */
import type { Backend, BackendName } from '../backend/backend.js';
import { InvalidArgumentError, UnknownOptionError } from '../errors.js';
import { Mat } from '../mat/mat.js';

export const BACKEND_CHOICES: readonly string[] = ['auto', 'webgpu', 'gpujs', 'cpu'];
const BACKEND_NAME_SET: ReadonlySet<string> = new Set(['webgpu', 'gpujs', 'cpu']);

/** How a value is shown in a message: short, and never by calling the user's own methods. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string':
      return `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      return 'an object';
  }
}

const bad = (fnName: string, name: string, want: string, v: unknown): InvalidArgumentError =>
  new InvalidArgumentError(`${fnName}: option '${name}' must be ${want}, got ${describeValue(v)}`);

/** A validator for one option: throws InvalidArgumentError naming it. */
type Check = (v: unknown, name: string, fnName: string) => void;

export const oneOf =
  (values: readonly string[]): Check =>
  (v, name, fnName) => {
    if (typeof v !== 'string' || !values.includes(v)) throw bad(fnName, name, `one of ${values.map((s) => `'${s}'`).join(', ')}`, v);
  };

/** A finite number > 0 (`integer`: a positive safe integer; `min`: the smallest allowed). */
export const positive =
  (opts: { integer?: boolean; min?: number } = {}): Check =>
  (v, name, fnName) => {
    const min = opts.min ?? 0;
    const ok = typeof v === 'number' && Number.isFinite(v) && (opts.min === undefined ? v > 0 : v >= min) && (!opts.integer || Number.isSafeInteger(v));
    if (!ok) throw bad(fnName, name, `a finite ${opts.integer ? 'integer' : 'number'} ${opts.min === undefined ? '> 0' : `≥ ${min}`}`, v);
  };

export const finiteNumber: Check = (v, name, fnName) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(fnName, name, 'a finite number', v);
};

export const isFunction: Check = (v, name, fnName) => {
  if (typeof v !== 'function') throw bad(fnName, name, 'a function', v);
};

export const isBoolean: Check = (v, name, fnName) => {
  if (typeof v !== 'boolean') throw bad(fnName, name, 'true or false', v);
};

/** A name of the expression: a non-empty string (whether it is bound is checked against 'at'). */
export const isName: Check = (v, name, fnName) => {
  if (typeof v !== 'string' || v.length === 0) throw bad(fnName, name, 'a string naming a bound matrix', v);
};

export const isObject: Check = (v, name, fnName) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(fnName, name, 'an object binding each name to a value', v);
};

/** A value the bindings accept (a Mat, a number, an array); its contents are checked where it is converted. */
export const isValue: Check = (v, name, fnName) => {
  if (v === null || (typeof v !== 'object' && typeof v !== 'number')) throw bad(fnName, name, 'a Mat, a number or an array of rows', v);
};

const BACKEND_METHODS = ['upload', 'unitBatch', 'matmul', 'elementwise', 'scale', 'transpose', 'gather', 'concat', 'kron', 'sumAll', 'stack', 'assemble', 'read', 'dispose'];

/** 'auto', a backend name, or a Backend instance (an object with the Backend contract's methods). */
export const isBackendChoice: Check = (v, name, fnName) => {
  if (typeof v === 'string') {
    if (!BACKEND_CHOICES.includes(v)) throw new InvalidArgumentError(`${fnName}: unknown backend ${describeValue(v)} (known: ${BACKEND_CHOICES.join(', ')}, or a Backend object)`);
    return;
  }
  if (typeof v === 'object' && v !== null) {
    const b = v as Partial<Record<string, unknown>>;
    const missing = BACKEND_METHODS.filter((k) => typeof b[k] !== 'function');
    if (typeof b.name === 'string' && BACKEND_NAME_SET.has(b.name) && (b.precision === 'f32' || b.precision === 'f64') && missing.length === 0) return;
    throw new InvalidArgumentError(
      `${fnName}: option '${name}' is an object but not a Backend (needs name, precision and ${missing.length ? missing.join(', ') : 'the Backend methods'}); ` +
        `pass one of ${BACKEND_CHOICES.map((s) => `'${s}'`).join(', ')} or a backend from getBackend()`,
    );
  }
  throw bad(fnName, name, `one of ${BACKEND_CHOICES.map((s) => `'${s}'`).join(', ')} or a Backend`, v);
};

/** `part: { count, index }` of a tiled Jacobian (the numbers are checked where the range is split). */
export const isPart: Check = (v, name, fnName) => {
  if (typeof v !== 'object' || v === null || !Object.hasOwn(v, 'count') || !Object.hasOwn(v, 'index')) throw bad(fnName, name, 'an object { count, index }', v);
};

/** The checks of the options the entry points share; entry points add their own. */
export const COMMON_CHECKS: Readonly<Record<string, Check>> = {
  at: isObject,
  wrt: isName,
  layout: oneOf(['denominator', 'numerator']),
  method: oneOf(['auto', 'structured', 'forward', 'reverse', 'fd']),
  backend: isBackendChoice,
  maxBytes: positive({ min: 1 }),
  onReport: isFunction,
  onProgress: isFunction,
  form: oneOf(['gradient', 'jacobian']),
  tolerance: positive(),
  tileCols: positive({ integer: true }),
  hessian: isBoolean,
  tangent: isValue,
  cotangent: isValue,
  v: isValue,
  out: (v, name, fnName) => {
    if (!(v instanceof Mat || v instanceof Float64Array || v instanceof Float32Array)) throw bad(fnName, name, 'a Mat, Float64Array or Float32Array', v);
  },
};

/**
 * Validates the options object of `fnName`: a plain object whose own keys are all in `allowed`,
 * each present value of the right type and range (`checks` adds or overrides validators).
 * `required` names options that must be present. Returns a copy holding only the own,
 * defined values, so nothing inherited is ever read afterwards.
 */
export function validateOptions<T extends object>(
  opts: unknown,
  allowed: readonly string[],
  fnName: string,
  extra: { readonly checks?: Readonly<Record<string, Check>>; readonly required?: readonly string[] } = {},
): T {
  const required = extra.required ?? ['at'];
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
    throw new InvalidArgumentError(`${fnName}: expected an options object${required.includes('at') ? " with 'at' (the values of the names)" : ''}, got ${describeValue(opts)}`);
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(opts)) {
    if (!allowed.includes(k)) throw new UnknownOptionError(k, allowed);
    const v = (opts as Record<string, unknown>)[k];
    if (v === undefined) continue;
    const check = (extra.checks && Object.hasOwn(extra.checks, k) ? extra.checks[k] : Object.hasOwn(COMMON_CHECKS, k) ? COMMON_CHECKS[k] : undefined);
    check?.(v, k, fnName);
    out[k] = v;
  }
  for (const k of required) {
    if (!Object.hasOwn(out, k)) throw new InvalidArgumentError(`${fnName}: option '${k}' is required${k === 'at' ? ' (the values of the names)' : ''}`);
  }
  return out as T;
}

/** A backend name as a string option (the CLI, the environment): validated, typed. */
export function backendName(v: unknown, where: string): 'auto' | BackendName {
  isBackendChoice(v, 'backend', where);
  if (typeof v !== 'string') throw new InvalidArgumentError(`${where}: backend must be a name`);
  return v as 'auto' | BackendName;
}

/** Whether a Backend-contract object was passed (rather than a name). */
export const isBackendObject = (v: unknown): v is Backend => typeof v === 'object' && v !== null;
