import type { Backend, Tensor, Term } from '../backend/backend.js';
import { TooLargeError } from '../errors.js';
import type { Node } from '../expr/ast.js';
import { Mat } from '../mat/mat.js';
import { innerShape, type SymTerm } from '../diff/terms.js';
import { evalLinear } from './linear.js';
import { cotangentName, tangentName, type JacobianPlan } from './plan.js';

/** Evaluates a primal (seed-free) expression in float64, memoised across one plan. */
export type Primal = (n: Node) => Mat;

/**
 * Runs a plan on a backend and returns the Jacobian in the plan's layout. All GPU work of the
 * plan is enqueued first and read back once at the end.
 */
export async function executeJacobian(plan: JacobianPlan, backend: Backend, primal: Primal, maxBytes: number): Promise<Mat> {
  checkSize(plan, backend, maxBytes);
  const out = runJacobian(plan, backend, primal);
  try {
    return await backend.read(out);
  } finally {
    backend.dispose(out);
  }
}

/** Enqueues a plan's work on the backend; the returned tensor is the whole Jacobian. */
export function runJacobian(plan: JacobianPlan, backend: Backend, primal: Primal, cols?: { col0: number; count: number }): Tensor {
  const { m, n, p, q } = plan.shape;
  const denominator = plan.layout === 'denominator';
  switch (plan.method) {
    case 'structured': {
      const dense = plan.terms!.find((t) => t.kind === 'dense');
      const add = dense && stackForward(dense.tangent, plan, backend, primal);
      const terms = plan.terms!.filter((t) => t.kind !== 'dense').map((t) => materialize(t, primal, m, n));
      const out = backend.assemble(terms, plan.shape, plan.layout, { ...(add && { add }), ...(cols && { cols }) });
      if (add) backend.dispose(add);
      return out;
    }
    case 'forward':
      return stackForward(plan.tangent ?? null, plan, backend, primal);
    case 'reverse': {
      if (!plan.adjoint) return backend.assemble([], plan.shape, plan.layout);
      const seed = backend.unitBatch(p, q);
      const pulled = evalLinear(plan.adjoint, cotangentName, seed, backend, primal);
      // slice r is row r of the numerator Jacobian, i.e. column r of the denominator one
      const out = backend.stack(pulled, !denominator);
      backend.dispose(pulled);
      backend.dispose(seed);
      return out;
    }
    case 'fd':
      throw new Error('internal: finite differences run through fdJacobian, not a backend');
  }
}

/** Forward mode: dX bound to all mn unit matrices, stacked into the Jacobian's layout. */
function stackForward(tangent: Node | null, plan: JacobianPlan, backend: Backend, primal: Primal): Tensor {
  const { m, n } = plan.shape;
  if (!tangent) return backend.assemble([], plan.shape, plan.layout);
  const seed = backend.unitBatch(m, n);
  const pushed = evalLinear(tangent, tangentName(plan.wrt), seed, backend, primal);
  // slice t is column t of the numerator Jacobian
  const out = backend.stack(pushed, plan.layout === 'denominator');
  if (pushed !== seed) backend.dispose(pushed);
  backend.dispose(seed);
  return out;
}

/** A symbolic term's factors evaluated (float64) into a backend term. */
export function materialize(t: Exclude<SymTerm, { kind: 'dense' }>, primal: Primal, m: number, n: number): Term {
  const alpha = t.alpha * (t.gamma ? primal(t.gamma).data[0]! : 1);
  const val = (x: Node | null): Mat | null => (x ? primal(x) : null);
  if (t.kind === 'outer') return { kind: 'outer', alpha, U: primal(t.U), V: primal(t.V) };
  const inner = innerShape(t, m, n);
  // S multiplies the inner product A·Y·B entrywise; a reshaped term keeps S in the inner shape
  const S = val(t.S);
  return { kind: 'kron', alpha, A: val(t.A), B: val(t.B), C: val(t.C), S: S && S.rows !== inner[0] ? Mat.fromColumnMajor(inner[0], inner[1], S.data) : S, transposed: t.transposed };
}

/** Refuses a Jacobian that does not fit, saying how large it is and what to do instead. */
export function checkSize(plan: JacobianPlan, backend: Backend, maxBytes: number): void {
  const { m, n, p, q } = plan.shape;
  const bytes = m * n * p * q * (backend.precision === 'f64' ? 8 : 4);
  // forward/reverse modes hold a second copy (the batch before stacking)
  const need = plan.method === 'structured' && !plan.terms!.some((t) => t.kind === 'dense') ? bytes : 2 * bytes;
  if (need > maxBytes) {
    throw new TooLargeError(
      `the ${m * n}×${p * q} Jacobian needs ${(need / 2 ** 30).toFixed(2)} GiB on the ${backend.name} backend, more than the ${(maxBytes / 2 ** 30).toFixed(2)} GiB allowed (option maxBytes); ` +
        'stream it in column tiles with jacobianTiles() instead',
      need,
    );
  }
}
