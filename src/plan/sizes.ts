/**
 * Size checks before allocation (DESIGN.md §4): every intermediate of an expression has a shape
 * known after `check`, so the largest one is found before anything runs. One that does not fit
 * (`x*x'` with x 100000×1, `kron(X, X)` with X 400×400) is a TooLargeError saying how large and
 * what to do, never a RangeError from a typed-array allocation halfway through.
 */
import { TooLargeError } from '../errors.js';
import type { Node } from '../expr/ast.js';
import { children } from '../expr/check.js';
import { MAX_ENTRIES } from '../mat/mat.js';
import { fmtBytes } from './plan.js';

/** The operator as the user wrote it, for messages. */
function opText(n: Node): string {
  switch (n.op) {
    case 'matmul':
      return '*';
    case 'mul':
      return n.a.shape[0] * n.a.shape[1] === 1 || n.b.shape[0] * n.b.shape[1] === 1 ? '*' : '.*';
    case 'add':
      return '+';
    case 'sub':
      return '-';
    case 'div':
      return './';
    case 'fn':
      return n.fn;
    case 'gather':
      return 'indexing/vec/diag';
    default:
      return n.op;
  }
}

/** The node of `root` (a DAG, walked without recursion) with the most entries, among those `only` admits. */
export function largestNode(root: Node, only?: (n: Node) => boolean): Node {
  let best = root;
  const seen = new Set<Node>([root]);
  const stack: Node[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.shape[0] * n.shape[1] > best.shape[0] * best.shape[1] && (!only || only(n))) best = n;
    for (const c of children(n)) {
      if (!seen.has(c)) {
        seen.add(c);
        stack.push(c);
      }
    }
  }
  return best;
}

/**
 * Throws TooLargeError when an intermediate of `root`, held `batch` times (batched forward or
 * reverse mode holds one copy per unit tangent or cotangent), exceeds one matrix's limit
 * (MAX_ENTRIES) or `maxBytes`. `what` says what is being computed.
 */
export function checkIntermediates(
  root: Node,
  opts: { batch?: number; batched?: (n: Node) => boolean; bytesPerEntry?: number; maxBytes?: number; what?: string } = {},
): void {
  const batch = opts.batch ?? 1;
  const bytesPerEntry = opts.bytesPerEntry ?? 8;
  if (batch > 1) checkIntermediates(root, { ...opts, batch: 1 });
  const n = largestNode(root, batch > 1 ? opts.batched : undefined);
  const entries = n.shape[0] * n.shape[1] * batch;
  const bytes = entries * bytesPerEntry;
  const limitBytes = Math.min(MAX_ENTRIES * bytesPerEntry, opts.maxBytes ?? Infinity);
  if (bytes <= limitBytes) return;
  const where = n.pos === undefined ? '' : ` at position ${n.pos}`;
  const held = batch > 1 ? `, held for ${batch} directions at once,` : '';
  throw new TooLargeError(
    `${opts.what ? `${opts.what}: ` : ''}the intermediate '${opText(n)}'${where} is ${n.shape[0]}×${n.shape[1]}${held} which needs ${fmtBytes(bytes)}, ` +
      `more than the ${fmtBytes(limitBytes)} allowed${opts.maxBytes !== undefined && opts.maxBytes < MAX_ENTRIES * bytesPerEntry ? ' (option maxBytes)' : ' for one matrix'}; ` +
      (batch > 1 ? "use method 'structured' or 'reverse', jacobianTiles(), or smaller inputs" : 'rewrite the expression so that it does not form this matrix (x\'*x instead of x*x\', tr(A*B) as sum(A.*B\')), or use smaller inputs'),
    bytes,
  );
}
