import type { Backend, JacobianShape, Tensor, Term } from '../backend/backend.js';
import { CpuBackend, CpuTensor } from '../backend/cpu/index.js';
import { TooLargeError } from '../errors.js';
import type { Node } from '../expr/ast.js';
import { Mat } from '../mat/mat.js';
import { innerShape, type KronSym, type SymTerm } from '../diff/terms.js';
import { assembleTerms, describeAssembly, termsBound, type AssembleOptions } from './assembly.js';
import { assertFiniteResult, readFinite } from './finite.js';
import { evalLinear } from './linear.js';
import { checkIntermediates } from './sizes.js';
import { dependents } from '../diff/nodes.js';
import { cotangentName, fmtBytes, tangentName, type JacobianPlan } from './plan.js';

/** Evaluates a primal (seed-free) expression in float64, memoised across one plan. */
export type Primal = (n: Node) => Mat;

/**
 * Set by a run: a bound on |entry| of its result (plan/assembly.ts entryBound), Infinity where
 * none is known (forward/reverse modes, a dense part); the finiteness checks of finite.ts skip
 * their pass over the result under it.
 */
export interface ResultBound {
  value: number;
}

/** A range of output columns (of the plan's layout). */
export interface ColumnRange {
  readonly col0: number;
  readonly count: number;
}

/**
 * Runs a plan on a backend and returns the Jacobian in the plan's layout. All GPU work of the
 * plan is enqueued first and read back once at the end. With `into` (a caller's buffer of the
 * result's size and the backend's dtype, checked by the caller), the result is written there:
 * on the CPU a structured plan's writer targets it directly; otherwise it is copied in.
 * A result with a non-finite entry is refused (NonFiniteError, see finite.ts).
 */
export async function executeJacobian(plan: JacobianPlan, backend: Backend, primal: Primal, maxBytes: number, into?: Float64Array | Float32Array): Promise<Mat> {
  checkSize(plan, backend.name, backend.precision === 'f64' ? 8 : 4, maxBytes);
  const { m, n, p, q } = plan.shape;
  const [rows, cols] = plan.layout === 'numerator' ? [p * q, m * n] : [m * n, p * q];
  const target = into instanceof Float64Array && backend instanceof CpuBackend ? new CpuTensor(1, rows, cols, into) : undefined;
  const bound: ResultBound = { value: Infinity };
  const out = runJacobian(plan, backend, primal, undefined, target, bound);
  try {
    if (out === target) return assertFiniteResult(new Mat(rows, cols, into!), backend, plan.fn, 'Jacobian', bound.value);
    const M = await readFinite(backend, out, plan.fn, 'Jacobian', bound.value);
    if (!into) return M;
    into.set(M.data);
    return new Mat(rows, cols, into);
  } finally {
    backend.dispose(out);
  }
}

/**
 * Enqueues a plan's work on the backend; the returned tensor is the Jacobian (or, with `cols`,
 * that column tile of it). The function's domain is checked first (log of a positive argument,
 * logdet of a positive determinant, …): a derivative is never returned where F is undefined.
 * `bound`, if given, receives the bound on the result's entries (Infinity when unknown).
 */
export function runJacobian(plan: JacobianPlan, backend: Backend, primal: Primal, cols?: ColumnRange, into?: CpuTensor, bound?: ResultBound): Tensor {
  if (bound) bound.value = Infinity;
  for (const n of plan.domainChecks) primal(n);
  const denominator = plan.layout === 'denominator';
  const fully = plan.method === 'structured' && !plan.terms!.some((t) => t.kind === 'dense');
  if (cols && !fully) {
    // a column tile of the numerator is a set of tangent directions, of the denominator a set of cotangent directions
    return denominator ? reverse(plan, backend, primal, cols) : forward(plan.tangent ?? null, plan, backend, primal, cols);
  }
  switch (plan.method) {
    case 'structured':
      return structured(plan, backend, primal, cols, into, bound);
    case 'forward':
      return forward(plan.tangent ?? null, plan, backend, primal);
    case 'reverse':
      return reverse(plan, backend, primal);
    case 'fd':
      throw new Error('internal: finite differences run through fdJacobian, not a backend');
  }
}

const NO_OPTIONS: AssembleOptions = {};

/**
 * The structured terms, one fused pass per group of terms that share an inner shape (terms of
 * a reshaped result, e.g. vec(A*X*B), index their output by their own p×q: the vec order is
 * the same). The dense remainder, in forward mode, is added in the first pass. With `into` (CPU
 * only), every pass writes into that tensor, which is returned. `bound` receives Σ of the
 * passes' entry bounds (Infinity with a dense part).
 */
function structured(plan: JacobianPlan, backend: Backend, primal: Primal, cols?: ColumnRange, into?: CpuTensor, bound?: ResultBound): Tensor {
  const { m, n } = plan.shape;
  const dense = plan.terms!.find((t) => t.kind === 'dense');
  let acc = dense ? forward(dense.tangent, plan, backend, primal) : undefined;
  // groups in order of first appearance
  const groups: { shape: JacobianShape; terms: Term[] }[] = [];
  for (const t of plan.terms!) {
    if (t.kind === 'dense') continue;
    const [p, q] = t.kind === 'kron' ? innerShape(t, m, n) : [plan.shape.p, plan.shape.q];
    let g = groups.find((x) => x.shape.p === p && x.shape.q === q);
    if (!g) groups.push((g = { shape: { m, n, p, q }, terms: [] }));
    g.terms.push(materialize(t, primal, m, n));
  }
  if (groups.length === 0) groups.push({ shape: plan.shape, terms: [] });
  let sum = dense ? Infinity : 0;
  for (const { shape, terms } of groups) {
    const opts: AssembleOptions = acc || cols ? { ...(acc && { add: acc }), ...(cols && { cols }) } : NO_OPTIONS;
    // On the CPU every pass writes into one buffer: the caller's, else the running sum itself
    // (accumulating in place), so a plan of several passes touches one output, not one per pass.
    const target = backend instanceof CpuBackend ? (into ?? (acc as CpuTensor | undefined)) : undefined;
    const A = describeAssembly(terms, shape, plan.layout, opts);
    // the passes add up: each bounds its own terms (the previous passes are its add tile)
    if (bound) sum += termsBound(A.terms);
    const out = target ? (backend as CpuBackend).assembleInto(A, target) : backend.assemble(A);
    if (acc && acc !== out) backend.dispose(acc);
    acc = out;
  }
  if (bound) bound.value = sum;
  return acc!;
}

/** Forward mode: dX bound to the unit matrices (all mn, or those of a column tile), stacked into the layout. */
function forward(tangent: Node | null, plan: JacobianPlan, backend: Backend, primal: Primal, cols?: ColumnRange): Tensor {
  const { m, n } = plan.shape;
  if (!tangent) return assembleTerms(backend, [], plan.shape, plan.layout, cols && { cols });
  const seed = cols ? unitSubset(backend, m, n, cols) : backend.unitBatch(m, n);
  const pushed = evalLinear(tangent, tangentName(plan.wrt), seed, backend, primal);
  // slice t is column t of the numerator Jacobian
  const out = backend.stack(pushed, plan.layout === 'denominator');
  if (pushed !== seed) backend.dispose(pushed);
  backend.dispose(seed);
  return out;
}

/** Reverse mode: F̄ bound to the unit cotangents (all pq, or those of a column tile). */
function reverse(plan: JacobianPlan, backend: Backend, primal: Primal, cols?: ColumnRange): Tensor {
  const { p, q } = plan.shape;
  if (!plan.adjoint) return assembleTerms(backend, [], plan.shape, plan.layout, cols && { cols });
  const seed = cols ? unitSubset(backend, p, q, cols) : backend.unitBatch(p, q);
  const pulled = evalLinear(plan.adjoint, cotangentName, seed, backend, primal);
  // slice r is row r of the numerator Jacobian, i.e. column r of the denominator one
  const out = backend.stack(pulled, plan.layout === 'numerator');
  if (pulled !== seed) backend.dispose(pulled);
  backend.dispose(seed);
  return out;
}

/** The unit matrices E_t for t in a column range (a tile's seeds). */
function unitSubset(backend: Backend, rows: number, cols: number, range: ColumnRange): Tensor {
  const units: Mat[] = [];
  for (let t = range.col0; t < range.col0 + range.count; t++) {
    const E = Mat.zeros(rows, cols);
    E.data[t] = 1;
    units.push(E);
  }
  return backend.upload(units);
}

/** A symbolic term's factors evaluated (float64) into a backend term. */
export function materialize(t: Exclude<SymTerm, { kind: 'dense' }>, primal: Primal, m: number, n: number): Term {
  const alpha = t.alpha * (t.gamma ? primal(t.gamma).data[0]! : 1);
  const val = (x: Node | null): Mat | null => (x ? primal(x) : null);
  if (t.kind === 'outer') return { kind: 'outer', alpha, U: primal(t.U), V: primal(t.V) };
  return kronTerm(t, alpha, val, m, n);
}

function kronTerm(t: KronSym, alpha: number, val: (x: Node | null) => Mat | null, m: number, n: number): Term {
  const [p, q] = innerShape(t, m, n);
  const S = val(t.S);
  return { kind: 'kron', alpha, A: val(t.A), B: val(t.B), C: val(t.C), S: S && (S.rows !== p || S.cols !== q) ? Mat.fromColumnMajor(p, q, S.data) : S, transposed: t.transposed };
}

/** Refuses a Jacobian that does not fit, saying how large it is and what to do instead. */
export function checkSize(plan: JacobianPlan, where: string, bytesPerEntry: number, maxBytes: number): void {
  const { m, n, p, q } = plan.shape;
  const bytes = m * n * p * q * bytesPerEntry;
  // forward/reverse modes hold a second copy (the batch before stacking)
  const need = plan.method === 'fd' || (plan.method === 'structured' && !plan.terms!.some((t) => t.kind === 'dense')) ? bytes : 2 * bytes;
  if (need > maxBytes) {
    throw new TooLargeError(
      `the ${m * n}×${p * q} Jacobian needs ${fmtBytes(need)} on the ${where} backend, more than the ${fmtBytes(maxBytes)} allowed (option maxBytes); ` +
        'stream it in column tiles with jacobianTiles() instead',
      need,
    );
  }
  // the intermediates too: batched modes hold each seed-dependent one for every direction
  const seeded = (root: Node | null | undefined, seed: string, batch: number): void => {
    if (!root) return;
    const dep = dependents(root, seed);
    checkIntermediates(root, { batch, batched: (x) => dep.has(x), bytesPerEntry, maxBytes, what: `${plan.method} mode on the ${where} backend` });
  };
  if (plan.method === 'forward') seeded(plan.tangent, tangentName(plan.wrt), m * n);
  if (plan.method === 'reverse') seeded(plan.adjoint, cotangentName, p * q);
  if (plan.method === 'structured') for (const t of plan.terms!) if (t.kind === 'dense') seeded(t.tangent, tangentName(plan.wrt), m * n);
}
