import type { JacobianShape, Layout } from '../backend/backend.js';
import { InvalidArgumentError } from '../errors.js';
import type { Node } from '../expr/ast.js';
import { formatNode } from '../expr/check.js';
import { linearize } from '../diff/jvp.js';
import { children, transpose, variable } from '../diff/nodes.js';
import { opOf } from '../ops/index.js';
import { extractTerms, innerShape, type SymTerm } from '../diff/terms.js';
import { pullback } from '../diff/vjp.js';

export type Method = 'auto' | 'structured' | 'forward' | 'reverse' | 'fd';
export const METHODS: readonly Method[] = ['auto', 'structured', 'forward', 'reverse', 'fd'];

/** Names of the seed variables; they cannot clash with user names (not identifiers of the grammar). */
export const tangentName = (wrt: string): string => `∂${wrt}`;
export const cotangentName = '∂F̄';

/**
 * How a full Jacobian of `fn` with respect to `wrt` will be assembled. In order of preference
 * (DESIGN.md §3): structured terms written straight into the output; forward mode over all mn
 * unit tangents; reverse mode over all pq unit cotangents; central finite differences.
 */
export interface JacobianPlan {
  readonly fn: Node;
  readonly wrt: string;
  readonly shape: JacobianShape;
  readonly layout: Layout;
  /** The method that will run ('auto' resolved). */
  readonly method: Exclude<Method, 'auto'>;
  /** Why this method (for `explain`). */
  readonly reason: string;
  /** structured: the terms; a 'dense' term is evaluated in forward mode and added in the same pass. */
  readonly terms?: readonly SymTerm[];
  /**
   * Subexpressions of the function whose domain is restricted (their op record says so: log,
   * sqrt, logdet, inv, ./, .^ with a negative or fractional exponent):
   * evaluated before anything runs, so a derivative is never returned where F is undefined.
   */
  readonly domainChecks: readonly Node[];
  /** The function the user differentiates (f for a Hessian, whose plan is the Jacobian of ∇f) and how often. */
  readonly differentiates: Node;
  readonly order: 1 | 2;
  /** forward: dF as an expression of the tangent seed. */
  readonly tangent?: Node | null;
  /** reverse: X̄ as an expression of the cotangent seed. */
  readonly adjoint?: Node | null;
}

/**
 * `domainOf`: the function whose domain guards the result (for a Hessian, f itself rather than
 * its gradient, which no longer contains logdet or log).
 */
export function planJacobian(fn: Node, wrt: string, xShape: readonly [number, number], layout: Layout, method: Method, domainOf: Node = fn): JacobianPlan {
  const [m, n] = xShape;
  const [p, q] = fn.shape;
  const shape: JacobianShape = { m, n, p, q };
  const dX = variable(tangentName(wrt), xShape);
  const base = { fn, wrt, shape, layout, domainChecks: domainNodes(domainOf), differentiates: domainOf, order: domainOf === fn ? (1 as const) : (2 as const) };
  switch (method) {
    case 'fd':
      return { ...base, method, reason: 'requested: central finite differences (float64, CPU)' };
    case 'forward':
      return { ...base, method, reason: `requested: forward mode over all ${m * n} unit tangents`, tangent: linearize(fn, wrt, dX) };
    case 'reverse':
      return { ...base, method, reason: `requested: reverse mode over all ${p * q} unit cotangents`, adjoint: pullback(fn, wrt, variable(cotangentName, fn.shape)) };
    case 'structured':
    case 'auto': {
      const tangent = linearize(fn, wrt, dX);
      const key = memoKey();
      const terms = shareFactors(extractTerms(tangent, dX, key), key);
      const denseCount = terms.filter((t) => t.kind === 'dense').length;
      if (method === 'structured' || denseCount === 0) {
        const reason =
          denseCount === 0
            ? `every term of dF has Kronecker/outer structure: one pass over the ${layout === 'denominator' ? `${m * n}×${p * q}` : `${p * q}×${m * n}`} output`
            : 'requested: structured terms, with the unstructured remainder in forward mode (added in the same pass)';
        return { ...base, method: 'structured', reason, terms, tangent };
      }
      if (m * n <= p * q) {
        return { ...base, method: 'forward', reason: `dF is not fully structured and mn = ${m * n} ≤ pq = ${p * q}: forward mode`, tangent };
      }
      return {
        ...base,
        method: 'reverse',
        reason: `dF is not fully structured and pq = ${p * q} < mn = ${m * n}: reverse mode`,
        adjoint: pullback(fn, wrt, variable(cotangentName, fn.shape)),
      };
    }
    default:
      throw new InvalidArgumentError(`unknown method '${String(method)}' (known: ${METHODS.join(', ')})`);
  }
}

/** The nodes of f whose evaluation checks a domain restriction. */
export function domainNodes(f: Node): Node[] {
  const out: Node[] = [];
  const seen = new Set<Node>();
  const visit = (x: Node): void => {
    if (seen.has(x)) return;
    seen.add(x);
    children(x).forEach(visit);
    if (opOf(x).restricted(x)) out.push(x);
  };
  visit(f);
  return out;
}

/** One line per step: what is written, its cost. */
export interface ExplainStep {
  readonly step: string;
  readonly formula: string;
  readonly launches: number;
  readonly bytesWritten: number;
  readonly flops: number;
}

export interface Explanation {
  readonly method: JacobianPlan['method'];
  readonly reason: string;
  readonly jacobian: string;
  readonly steps: readonly ExplainStep[];
  readonly text: string;
}

/** A readable account of a plan: its terms, their cost, and bytes written (bytes per entry: 4 on GPUs, 8 on the CPU). */
export function explainPlan(plan: JacobianPlan, bytesPerEntry = 4): Explanation {
  const { m, n, p, q } = plan.shape;
  const out = m * n * p * q;
  const dims = plan.layout === 'denominator' ? `${m * n}×${p * q}` : `${p * q}×${m * n}`;
  const steps: ExplainStep[] = [];
  if (plan.method === 'structured') {
    const structured = plan.terms!.filter((t) => t.kind !== 'dense');
    for (const t of plan.terms!) {
      if (t.kind === 'dense') {
        steps.push({ step: 'forward mode (dense remainder)', formula: `dF ∋ ${formatNode(t.tangent)}`, launches: countOps(t.tangent), bytesWritten: out * bytesPerEntry, flops: 0 });
      }
    }
    const formulas = structured.map((t) => termFormula(t, plan.layout, m, n));
    steps.push({
      step: `assemble ${structured.length} term${structured.length === 1 ? '' : 's'} in one fused pass`,
      formula: `${plan.layout === 'denominator' ? 'D' : 'J'} = ${formulas.join(' + ') || '0'}`,
      launches: 1,
      bytesWritten: out * bytesPerEntry,
      flops: out * Math.max(1, structured.length) * 3,
    });
  } else if (plan.method === 'forward') {
    steps.push({ step: `forward mode: dX bound to the ${m * n} unit matrices`, formula: `dF = ${plan.tangent ? formatNode(plan.tangent) : '0'}`, launches: countOps(plan.tangent) + 1, bytesWritten: out * bytesPerEntry * 2, flops: 0 });
  } else if (plan.method === 'reverse') {
    steps.push({ step: `reverse mode: F̄ bound to the ${p * q} unit cotangents`, formula: `X̄ = ${plan.adjoint ? formatNode(plan.adjoint) : '0'}`, launches: countOps(plan.adjoint) + 1, bytesWritten: out * bytesPerEntry * 2, flops: 0 });
  } else {
    steps.push({ step: `central differences: ${2 * m * n} evaluations`, formula: 'J[:, c] = (F(X + h e_c) − F(X − h e_c)) / 2h', launches: 0, bytesWritten: out * 8, flops: 0 });
  }
  const jacobian = `${plan.layout} layout, ${dims}${plan.layout === 'denominator' ? ' (Jᵀ)' : ''}`;
  const text = [
    `method: ${plan.method} — ${plan.reason}`,
    `output: ${jacobian}, ${fmtBytes(out * bytesPerEntry)}`,
    ...steps.map((s) => `  • ${s.step}: ${s.formula}\n    launches ${s.launches}, writes ${fmtBytes(s.bytesWritten)}`),
  ].join('\n');
  return { method: plan.method, reason: plan.reason, jacobian, steps, text };
}

/**
 * A term in the notation of the notes, in the requested layout:
 *   numerator    α·diag(vec S)·(Bᵀ ⊗ A)·diag(vec C)·K_mn
 *   denominator  α·K_nm·diag(vec C)·(B ⊗ Aᵀ)·diag(vec S)      (the transpose)
 */
function termFormula(t: Exclude<SymTerm, { kind: 'dense' }>, layout: Layout, m: number, n: number): string {
  const f = (x: Node | null, size: number): string => {
    if (!x) return `I${size}`;
    const s = formatNode(x);
    return /^[\w.()']+$/.test(s) ? s : `(${s})`;
  };
  const a = t.alpha === 1 ? '' : t.alpha === -1 ? '−' : `${t.alpha}·`;
  const g = t.gamma ? `${f(t.gamma, 1)}·` : '';
  if (t.kind === 'outer') {
    const v = (x: Node): string => `vec(${formatNode(x)})`;
    return layout === 'numerator' ? `${a}${g}${v(t.U)}·${v(t.V)}ᵀ` : `${a}${g}${v(t.V)}·${v(t.U)}ᵀ`;
  }
  const [p, q] = innerShape(t, m, n);
  const K = t.transposed ? (layout === 'numerator' ? `K${m},${n}` : `K${n},${m}`) : '';
  const S = t.S ? `diag(vec ${f(t.S, 0)})` : '';
  const C = t.C ? `diag(vec ${f(t.C, 0)})` : '';
  const parts =
    layout === 'numerator'
      ? [S, `(${f(transpose(t.B), q)} ⊗ ${f(t.A, p)})`, C, K]
      : [K, C, `(${f(t.B, q)} ⊗ ${f(transpose(t.A), p)})`, S];
  return a + g + parts.filter(Boolean).join('·');
}

function countOps(n: Node | null | undefined): number {
  if (!n) return 0;
  let k = 0;
  const seen = new Set<Node>();
  const visit = (x: Node): void => {
    if (seen.has(x) || x.op === 'var' || x.op === 'const') return;
    seen.add(x);
    k++;
    for (const c of children(x)) visit(c);
  };
  visit(n);
  return k;
}

/**
 * The terms with structurally equal factors (same shape and text) made one node, so a call
 * evaluates each once: the Hessian of logdet has `X⁻ᵀ ⊗ X⁻¹`-type terms whose two `inv(X)'`
 * come from different rules.
 */
function shareFactors(terms: readonly SymTerm[], key: (x: Node) => string): SymTerm[] {
  const canon = new Map<string, Node>();
  const share = (x: Node | null): Node | null => {
    if (!x) return x;
    const k = `${x.shape[0]}x${x.shape[1]}:${key(x)}`;
    const c = canon.get(k);
    if (c) return c;
    canon.set(k, x);
    return x;
  };
  return terms.map((t) => {
    if (t.kind === 'kron') return { ...t, gamma: share(t.gamma), A: share(t.A), B: share(t.B), C: share(t.C), S: share(t.S) };
    if (t.kind === 'outer') return { ...t, gamma: share(t.gamma), U: share(t.U)!, V: share(t.V)! };
    return t;
  });
}

/** A structural key for factors: their text, memoised per node. */
function memoKey(): (x: Node) => string {
  const memo = new Map<Node, string>();
  return (x) => {
    let s = memo.get(x);
    if (s === undefined) memo.set(x, (s = formatNode(x)));
    return s;
  };
}

export function fmtBytes(b: number): string {
  if (b >= 2 ** 30) return `${(b / 2 ** 30).toFixed(2)} GiB`;
  if (b >= 2 ** 20) return `${(b / 2 ** 20).toFixed(1)} MiB`;
  if (b >= 2 ** 10) return `${(b / 2 ** 10).toFixed(1)} KiB`;
  return `${b} B`;
}
