/**
 * Ill-conditioned inputs get a warning (DESIGN.md §4): every matrix a function inverts (`inv`,
 * `\`, `/`, `logdet`, `det`) has its 1-norm condition number estimated from its LU factors
 * (mat/cond.ts); when κ·ε of the result's precision exceeds COND_WARN the run report says so,
 * with the operation as the user wrote it and its position. The result is still returned: it is
 * the exact derivative of a computation whose inputs are barely invertible.
 */
import type { Node } from '../expr/ast.js';
import { children } from '../expr/check.js';
import { cond1 } from '../mat/cond.js';
import { evaluateNode } from '../expr/eval.js';
import type { Mat } from '../mat/mat.js';
import type { RunReport } from './backends.js';
import type { Primal } from './execute.js';

/** Warn when κ₁ · ε(precision) exceeds this: the result's relative accuracy may be worse than 1e-4. */
export const COND_WARN = 1e-4;

export interface ConditionEstimate {
  /** The operation as written (`inv`, `\`, `logdet`, …) and its position in the text, when known. */
  readonly op: string;
  readonly pos?: number;
  /** Estimated κ₁ of the matrix it inverts. */
  readonly cond: number;
}

/** The inverted matrix of a node, or null (the operand of inv/logdet/det, the left operand of a solve). */
function invertedOperand(n: Node): Node | null {
  switch (n.op) {
    case 'inv':
    case 'logdet':
    case 'det':
      return n.a;
    case 'solve':
      return n.a;
    default:
      return null;
  }
}

/**
 * Condition estimates of every matrix the function inverts (walking `roots`: the function, or its
 * domain-checked nodes, so the operations are the user's own), from their float64 primal values;
 * a matrix inverted twice (`logdet(X) + tr(inv(X))`) is reported once.
 */
export function conditionEstimates(roots: Node | readonly Node[], primal: Primal): ConditionEstimate[] {
  const out: ConditionEstimate[] = [];
  const stack: Node[] = Array.isArray(roots) ? [...(roots as readonly Node[])] : [roots as Node];
  const seen = new Set<Node>(stack);
  const inverted = new Set<Node>();
  while (stack.length) {
    const n = stack.pop()!;
    const m = invertedOperand(n);
    if (m && !inverted.has(m) && m.shape[0] === m.shape[1] && m.shape[0] > 0) {
      inverted.add(m);
      const op = (n as { written?: string }).written ?? (n.op === 'solve' ? '\\' : n.op);
      out.push({ op, ...(n.pos !== undefined && { pos: n.pos }), cond: cond1(primal(m)) });
    }
    for (const c of children(n)) {
      if (!seen.has(c)) {
        seen.add(c);
        stack.push(c);
      }
    }
  }
  return out;
}

/** Warnings for the estimates that make a result in `precision` doubtful. */
export function conditionWarnings(estimates: readonly ConditionEstimate[], precision: 'f32' | 'f64'): string[] {
  const eps = precision === 'f32' ? 2 ** -23 : 2 ** -52;
  return estimates
    .filter((e) => !(e.cond * eps <= COND_WARN))
    .map(
      (e) =>
        `ill-conditioned input: the matrix inverted by '${e.op}'${e.pos !== undefined ? ` at position ${e.pos}` : ''} has condition number ≈ ${e.cond.toExponential(1)} (1-norm estimate); ` +
        `in ${precision === 'f32' ? 'float32' : 'float64'} the result may carry relative errors up to ~${Math.min(e.cond * eps, 1).toExponential(0)}` +
        (precision === 'f32' ? " (backend 'cpu' computes in float64)" : ''),
    );
}

/**
 * `onReport`, wrapped so that the report carries the condition warnings of the matrices `root`
 * inverts, for the precision of the backend that ran. Estimated only when someone listens.
 */
export function withConditionReport(root: Node | readonly Node[], env: Readonly<Record<string, Mat>>, onReport?: (r: RunReport) => void): ((r: RunReport) => void) | undefined {
  if (!onReport) return undefined;
  return (r) => {
    const memo = new Map<Node, Mat>();
    let warnings: string[] = [];
    try {
      warnings = conditionWarnings(conditionEstimates(root, (n) => evaluateNode(n, env, memo)), r.backend === 'cpu' ? 'f64' : 'f32');
    } catch {
      // the estimate is advice: a matrix the run could invert but the estimate cannot is left unreported
    }
    onReport(warnings.length ? { ...r, warnings } : r);
  };
}
