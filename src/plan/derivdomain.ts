/**
 * Where F is defined but not differentiable (sqrt at 0, norm at the zero matrix, x.^p with p < 1
 * at 0), evaluating the derivative divides by zero inside a node the rules wrote (`./`), which
 * the user never typed. This names the user's own operation and position instead (DESIGN.md §4:
 * messages name what the user wrote).
 */
import { DomainError, MatjacError } from '../errors.js';
import type { Node } from '../expr/ast.js';
import { children } from '../expr/check.js';
import { evaluateNode } from '../expr/eval.js';
import type { Mat } from '../mat/mat.js';

const at = (pos: number | undefined): string => (pos === undefined ? '' : ` at position ${pos}`);
const entry = (k: number, rows: number): string => `(${(k % rows) + 1}, ${Math.floor(k / rows) + 1})`;

/**
 * The first operation of `root` whose derivative of order `order` (1, or 2 for a Hessian) is
 * infinite at these values, as a DomainError; null if none.
 */
export function nonDifferentiableAt(root: Node, env: Readonly<Record<string, Mat>>, order: 1 | 2 = 1): DomainError | null {
  const memo = new Map<Node, Mat>();
  const value = (n: Node): Mat => evaluateNode(n, env, memo);
  const seen = new Set<Node>([root]);
  const stack: Node[] = [root];
  const nodes: Node[] = [];
  while (stack.length) {
    const n = stack.pop()!;
    nodes.push(n);
    for (const c of children(n)) {
      if (!seen.has(c)) {
        seen.add(c);
        stack.push(c);
      }
    }
  }
  // where the user's own operations (those with a position) are undefined, their error is the
  // one to report: this throws it
  for (const n of nodes) if (n.pos !== undefined) value(n);
  for (const n of nodes) {
    if (n.pos === undefined) continue; // a node the rules wrote: not the user's operation
    const zeroEntry = (x: Node): number => value(x).data.findIndex((v) => v === 0);
    if (n.op === 'fn' && n.fn === 'sqrt') {
      const k = zeroEntry(n.a);
      if (k >= 0) return new DomainError(`'sqrt'${at(n.pos)} is not differentiable where its argument is 0 (entry ${entry(k, n.a.shape[0])}): its derivative 1/(2√x) is infinite there`);
    } else if (n.op === 'norm') {
      if (value(n).data[0] === 0) return new DomainError(`'norm'${at(n.pos)} is not differentiable at the zero matrix: its derivative X/‖X‖ divides by 0`);
    } else if (n.op === 'pow' && n.p < order && !Number.isInteger(n.p)) {
      // d^r(x^p) = p(p−1)…(p−r+1) x^(p−r): infinite at 0 when p < r (p not an integer)
      const k = zeroEntry(n.a);
      const op = `${n.written ?? '.^'}${n.p}`;
      const which = n.p < 1 ? `is not differentiable where its base is 0 (entry ${entry(k, n.a.shape[0])}): its derivative ${n.p}·x^${n.p - 1}` : `is not twice differentiable where its base is 0 (entry ${entry(k, n.a.shape[0])}): its second derivative ${n.p * (n.p - 1)}·x^${n.p - 2}`;
      if (k >= 0) return new DomainError(`'${op}'${at(n.pos)} ${which} is infinite there`);
    }
  }
  return null;
}

/**
 * Runs `work` (a derivative evaluation); a DomainError or NonFiniteError from a node the user did
 * not write becomes the error naming the user's non-differentiable operation, when there is one.
 */
export async function naming<T>(root: Node, env: Readonly<Record<string, Mat>>, work: () => Promise<T>, order: 1 | 2 = 1): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof MatjacError && (e.code === 'E_DOMAIN' || e.code === 'E_NON_FINITE')) {
      let better: DomainError | null = null;
      try {
        better = nonDifferentiableAt(root, env, order);
      } catch {
        // the function itself failed to evaluate: the original error says why
      }
      if (better) throw better;
    }
    throw e;
  }
}
