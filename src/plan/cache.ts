/**
 * The plan cache: a repeated call with the same expression and the same kind of inputs skips
 * parsing, shape checking, differentiation and planning. A plan depends only on the expression,
 * the names and shapes of the bound values (never on the values themselves: those are evaluated
 * per call by the plan's primal evaluator) and the options that shape it, so those form the key:
 *
 *   - the expression: its text, or a builder expression / Ast by identity (compiled once);
 *   - what is asked (a Jacobian, a Hessian), wrt, layout, method and the backend choice (a
 *     name, or a backend object by identity);
 *   - the name, shape and dtype of every binding, in the order given.
 *
 * Least recently used entries are evicted beyond MAX_ENTRIES (per object key, and for all text
 * keys together).
 */
import type { Node } from '../expr/ast.js';
import type { Mat } from '../mat/mat.js';
import type { JacobianPlan } from './plan.js';

/** What a cached call reuses: the checked expression (or its gradient, for a Hessian) and its plan. */
export interface CachedPlan {
  /** The shape-checked expression as the caller wrote it (its domain guards the result). */
  readonly fn: Node;
  /** The function whose Jacobian the plan assembles (fn, or fn's gradient for a Hessian). */
  readonly target: Node;
  readonly wrt: string;
  readonly plan: JacobianPlan;
}

export const MAX_ENTRIES = 256;

/** The options that shape a plan. */
type KeyOptions = { readonly wrt?: string; readonly layout?: string; readonly method?: string; readonly backend?: unknown };

const byText = new Map<string, CachedPlan>();
const byObject = new WeakMap<object, Map<string, CachedPlan>>();

/** Backend objects (a caller's own, or one from getBackend) numbered for the key, by identity. */
const backendIds = new WeakMap<object, number>();
let nextBackendId = 0;

function backendKey(b: unknown): string {
  if (typeof b === 'string') return b;
  if (b === null || typeof b !== 'object') return '';
  let id = backendIds.get(b);
  if (id === undefined) backendIds.set(b, (id = nextBackendId++));
  return `#${id}`;
}

/** 'd' for float64 data, 's' for float32. */
const dtypeOf = (M: Mat): string => (M.data instanceof Float64Array ? 'd' : 's');

/**
 * The part of the key besides the expression: the call, its options and the bindings' names,
 * shapes and dtypes (`names`: env's names in order, `mats`: their values).
 */
export function planKey(kind: string, opts: KeyOptions, names: readonly string[], mats: readonly Mat[]): string {
  let key = `${kind}|${opts.wrt ?? ''}|${opts.layout ?? ''}|${opts.method ?? ''}|${backendKey(opts.backend)}|`;
  for (let i = 0; i < names.length; i++) key += `${names[i]}:${mats[i]!.rows}x${mats[i]!.cols}${dtypeOf(mats[i]!)};`;
  return key;
}

/**
 * The last call's key parts and entry, so a call repeating it (the common loop) is recognised
 * field by field, without building and hashing its key string.
 */
let last: { expr: unknown; kind: string; wrt?: string; layout?: string; method?: string; backend: unknown; names: string[]; shapes: number[]; f64: boolean[]; entry: CachedPlan } | undefined;

function repeatsLast(expr: unknown, kind: string, opts: KeyOptions, names: readonly string[], mats: readonly Mat[]): CachedPlan | undefined {
  const l = last;
  if (!l || l.expr !== expr || l.kind !== kind || l.wrt !== opts.wrt || l.layout !== opts.layout || l.method !== opts.method || l.backend !== opts.backend) return undefined;
  if (names.length !== l.names.length) return undefined;
  for (let i = 0; i < names.length; i++) {
    const M = mats[i]!;
    if (l.names[i] !== names[i] || l.shapes[2 * i] !== M.rows || l.shapes[2 * i + 1] !== M.cols || l.f64[i] !== M.data instanceof Float64Array) return undefined;
  }
  return l.entry;
}

/**
 * The cached plan of a call (`kind`: what is asked, e.g. 'jacobian'; `names` and `mats`: the
 * bindings in order), or `build()`'s, remembered (only when it succeeds); the key is `planKey`'s.
 */
export function cachedPlanFor(expr: unknown, kind: string, opts: KeyOptions, names: readonly string[], mats: readonly Mat[], build: () => CachedPlan): CachedPlan {
  const again = repeatsLast(expr, kind, opts, names, mats);
  if (again) return again;
  const entry = cachedPlan(expr, planKey(kind, opts, names, mats), build);
  if (typeof expr === 'string' || (expr !== null && typeof expr === 'object')) {
    const shapes = mats.flatMap((M) => [M.rows, M.cols]);
    last = { expr, kind, wrt: opts.wrt, layout: opts.layout, method: opts.method, backend: opts.backend, names: [...names], shapes, f64: mats.map((M) => M.data instanceof Float64Array), entry };
  }
  return entry;
}

/** The cached plan for (expr, key), or `build()`'s, remembered (only when it succeeds). */
export function cachedPlan(expr: unknown, key: string, build: () => CachedPlan): CachedPlan {
  if (typeof expr === 'string') return lookup(byText, `${expr}\u0000${key}`, build);
  if (expr !== null && typeof expr === 'object') {
    let m = byObject.get(expr);
    if (!m) byObject.set(expr, (m = new Map()));
    return lookup(m, key, build);
  }
  return build();
}

/** The map and key of the last lookup: a repeated call finds its entry already the most recent. */
let lastMap: Map<string, CachedPlan> | undefined;
let lastKey = '';

function lookup(m: Map<string, CachedPlan>, key: string, build: () => CachedPlan): CachedPlan {
  const hit = m.get(key);
  if (hit) {
    if (m !== lastMap || key !== lastKey) {
      // most recently used last
      m.delete(key);
      m.set(key, hit);
      lastMap = m;
      lastKey = key;
    }
    return hit;
  }
  const made = build();
  m.set(key, made);
  lastMap = m;
  lastKey = key;
  if (m.size > MAX_ENTRIES) m.delete(m.keys().next().value!);
  return made;
}

/** Forgets every cached plan keyed by text (tests; builder expressions go with their objects). */
export function clearPlanCache(): void {
  byText.clear();
  lastMap = undefined;
  last = undefined;
}

/** How many text-keyed plans are cached (tests). */
export function planCacheSize(): number {
  return byText.size;
}
