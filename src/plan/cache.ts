/**
 * The plan cache: a repeated call with the same expression and the same kind of inputs skips
 * parsing, shape checking, differentiation and planning. A plan depends only on the expression,
 * the names and shapes of the bound values (never on the values themselves: those are evaluated
 * per call by the plan's primal evaluator) and the options that shape it, so those form the key:
 *
 *   - the expression: its text, or a builder expression / Ast by identity (compiled once);
 *   - what is asked (a Jacobian, a Hessian), wrt, layout, method and the backend choice;
 *   - the name and shape of every binding, in the order given.
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

const byText = new Map<string, CachedPlan>();
const byObject = new WeakMap<object, Map<string, CachedPlan>>();

/** The part of the key besides the expression: the call, its options and the bindings' names and shapes. */
export function planKey(kind: string, opts: { readonly wrt?: string; readonly layout?: string; readonly method?: string; readonly backend?: unknown }, env: Readonly<Record<string, Mat>>): string {
  const b = opts.backend;
  let key = `${kind}|${opts.wrt ?? ''}|${opts.layout ?? ''}|${opts.method ?? ''}|${typeof b === 'string' ? b : b === undefined ? '' : 'object'}|`;
  for (const name in env) {
    const M = env[name]!;
    key += `${name}:${M.rows}x${M.cols};`;
  }
  return key;
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

function lookup(m: Map<string, CachedPlan>, key: string, build: () => CachedPlan): CachedPlan {
  const hit = m.get(key);
  if (hit) {
    // most recently used last
    m.delete(key);
    m.set(key, hit);
    return hit;
  }
  const made = build();
  m.set(key, made);
  if (m.size > MAX_ENTRIES) m.delete(m.keys().next().value!);
  return made;
}

/** Forgets every cached plan keyed by text (tests; builder expressions go with their objects). */
export function clearPlanCache(): void {
  byText.clear();
}

/** How many text-keyed plans are cached (tests). */
export function planCacheSize(): number {
  return byText.size;
}
