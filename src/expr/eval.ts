/**
 * The CPU float64 primal evaluator of the typed IR (the reference the backends are checked
 * against): each op's record (src/ops) evaluates it with the kernels of src/mat. Shared nodes
 * are evaluated once per call. Undefined inputs raise located errors:
 * `log` of a non-positive entry, `sqrt` of a negative one, `logdet` with det ≤ 0 (DomainError),
 * `inv` of a singular matrix (SingularMatrixError); a non-finite intermediate result
 * (overflow, division by zero) raises NonFiniteError instead of returning a wrong number.
 */
import { InvalidArgumentError, NonFiniteError, ShapeError, UnknownNameError, fmtShape } from '../errors.js';
import { Mat } from '../mat/mat.js';
import { at, entry } from '../ops/domain.js';
import { opOf } from '../ops/index.js';
import { children } from '../ops/nodes.js';
import type { Node, NodeOf } from './ast.js';
import { check } from './check.js';
import { toAst, type ExprLike } from './build.js';

export { sigmoidScalar, softmaxCols } from '../mat/elementwise.js';

/** Validates bound values: each must be a Mat with finite entries (NonFiniteError names the variable and entry). */
export function checkEnv(env: Readonly<Record<string, unknown>>): asserts env is Record<string, Mat> {
  if (typeof env !== 'object' || env === null || Array.isArray(env)) {
    throw new InvalidArgumentError(`the bindings ('at') must be an object mapping names to Mat values`);
  }
  for (const [name, v] of Object.entries(env)) checkValue(name, v);
}

/** One bound value checked as `checkEnv` checks it: a Mat with finite entries (returned). */
export function checkValue(name: string, v: unknown): Mat {
  if (!(v instanceof Mat)) {
    const what = v === null ? 'null' : Array.isArray(v) ? 'an array (use Mat.from(rows))' : typeof v === 'number' ? 'a number (use Mat.scalar(v))' : typeof v;
    throw new InvalidArgumentError(`'${name}' must be a Mat, got ${what}`);
  }
  const d = v.data;
  for (let k = 0; k < d.length; k++) {
    if (!Number.isFinite(d[k]!)) {
      throw new NonFiniteError(`input '${name}' (${fmtShape(v.shape)}) has a non-finite entry ${d[k]} at ${entry(k, v.rows)}`);
    }
  }
  return v;
}

/** Parses (if needed), checks and evaluates an expression on the CPU in float64. */
export function evaluateExpr(e: ExprLike, env: Readonly<Record<string, Mat>>): Mat {
  checkEnv(env);
  return evaluateNode(check(toAst(e), env), env);
}

/**
 * Evaluates a checked node with the bound values, in float64; shared nodes are computed once.
 * Pass the same `memo` to several calls to share their common subexpressions.
 */
export function evaluateNode(node: Node, env: Readonly<Record<string, Mat>>, memo: Map<Node, Mat> = new Map()): Mat {
  return evaluator(env, memo)(node);
}

/** `evaluateNode` as a function of the node, for many nodes evaluated with one `memo`. */
export function evaluator(env: Readonly<Record<string, Mat>>, memo: Map<Node, Mat>): (node: Node) => Mat {
  const vars = new Map<string, Mat>();
  const go = (n: Node): Mat => {
    let r = memo.get(n);
    if (!r) {
      r = evalOne(n, go, vars, env);
      assertFiniteResult(n, r);
      memo.set(n, r);
    }
    return r;
  };
  return go;
}

function assertFiniteResult(n: Node, r: Mat): void {
  if (n.op === 'var' || n.op === 'const') return;
  const d = r.data;
  for (let k = 0; k < d.length; k++) {
    if (!Number.isFinite(d[k]!)) {
      throw new NonFiniteError(`'${opOf(n).label(n)}'${at(n.pos)} produced a non-finite value ${d[k]} at entry ${entry(k, r.rows)} of its ${fmtShape(r.shape)} result`);
    }
  }
}

function lookup(n: NodeOf<'var'>, vars: Map<string, Mat>, env: Readonly<Record<string, Mat>>): Mat {
  let v = vars.get(n.name);
  if (v) return v;
  if (!Object.prototype.hasOwnProperty.call(env, n.name)) throw new UnknownNameError(n.name, n.pos);
  v = checkValue(n.name, env[n.name]).toFloat64();
  if (v.rows !== n.shape[0] || v.cols !== n.shape[1]) {
    throw new ShapeError(
      `'${n.name}' is bound to a ${fmtShape(v.shape)} matrix, but the expression was checked with ${fmtShape(n.shape)}`,
      [v.shape, n.shape],
      n.pos,
    );
  }
  vars.set(n.name, v);
  return v;
}

function evalOne(n: Node, go: (n: Node) => Mat, vars: Map<string, Mat>, env: Readonly<Record<string, Mat>>): Mat {
  if (n.op === 'var') return lookup(n, vars, env);
  return opOf(n).eval(n, children(n).map(go));
}
