/**
 * The CPU float64 primal evaluator of the typed IR (the reference the backends are checked
 * against). Shared nodes are evaluated once per call. Undefined inputs raise located errors:
 * `log` of a non-positive entry, `sqrt` of a negative one, `logdet` with det ≤ 0 (DomainError),
 * `inv` of a singular matrix (SingularMatrixError); a non-finite intermediate result
 * (overflow, division by zero) raises NonFiniteError instead of returning a wrong number.
 */
import {
  DomainError,
  InvalidArgumentError,
  NonFiniteError,
  ShapeError,
  SingularMatrixError,
  UnknownNameError,
  fmtShape,
} from '../errors.js';
import { Mat, det, frobenius, inv, kron, logdet, matmul, sumAll, trace, transpose } from '../mat/index.js';
import type { Node, NodeOf, UnaryFn } from './ast.js';
import { check } from './check.js';
import { toAst, type ExprLike } from './build.js';

const at = (pos: number | undefined): string => (pos === undefined ? '' : ` at ${pos}`);
const entry = (k: number, rows: number): string => `(${(k % rows) + 1}, ${Math.floor(k / rows) + 1})`;

/** Validates bound values: each must be a Mat with finite entries (NonFiniteError names the variable and entry). */
export function checkEnv(env: Readonly<Record<string, unknown>>): asserts env is Record<string, Mat> {
  if (typeof env !== 'object' || env === null || Array.isArray(env)) {
    throw new InvalidArgumentError(`the bindings ('at') must be an object mapping names to Mat values`);
  }
  for (const [name, v] of Object.entries(env)) checkValue(name, v);
}

function checkValue(name: string, v: unknown): Mat {
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
  return go(node);
}

function assertFiniteResult(n: Node, r: Mat): void {
  if (n.op === 'var' || n.op === 'const') return;
  const d = r.data;
  for (let k = 0; k < d.length; k++) {
    if (!Number.isFinite(d[k]!)) {
      throw new NonFiniteError(`'${opName(n)}'${at(n.pos)} produced a non-finite value ${d[k]} at entry ${entry(k, r.rows)} of its ${fmtShape(r.shape)} result`);
    }
  }
}

function opName(n: Node): string {
  return n.op === 'fn' ? n.fn : n.op;
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

/** Elementwise binary op with 1×1 broadcasting. */
function ew(a: Mat, b: Mat, f: (x: number, y: number) => number): Mat {
  const rows = a.size === 1 ? b.rows : a.rows;
  const cols = a.size === 1 ? b.cols : a.cols;
  const out = new Float64Array(rows * cols);
  const ad = a.data;
  const bd = b.data;
  if (a.size === out.length && b.size === out.length) for (let k = 0; k < out.length; k++) out[k] = f(ad[k]!, bd[k]!);
  else if (a.size === 1) {
    const x = ad[0]!;
    for (let k = 0; k < out.length; k++) out[k] = f(x, bd[k]!);
  } else {
    const y = bd[0]!;
    for (let k = 0; k < out.length; k++) out[k] = f(ad[k]!, y);
  }
  return new Mat(rows, cols, out);
}

function mapData(a: Mat, f: (x: number) => number): Mat {
  const out = new Float64Array(a.size);
  const d = a.data;
  for (let k = 0; k < out.length; k++) out[k] = f(d[k]!);
  return new Mat(a.rows, a.cols, out);
}

export function sigmoidScalar(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

function domainCheck(n: Node, fn: string, a: Mat, bad: (x: number) => boolean, need: string): void {
  const d = a.data;
  for (let k = 0; k < d.length; k++) {
    if (bad(d[k]!)) {
      throw new DomainError(`'${fn}'${at(n.pos)}: entry ${entry(k, a.rows)} of its ${fmtShape(a.shape)} argument is ${d[k]} (${need})`);
    }
  }
}

function applyFn(n: Node, fn: UnaryFn, a: Mat): Mat {
  switch (fn) {
    case 'exp':
      return mapData(a, Math.exp);
    case 'log':
      domainCheck(n, fn, a, (x) => !(x > 0), 'log needs positive entries');
      return mapData(a, Math.log);
    case 'sqrt':
      domainCheck(n, fn, a, (x) => x < 0, 'sqrt needs non-negative entries');
      return mapData(a, Math.sqrt);
    case 'sin':
      return mapData(a, Math.sin);
    case 'cos':
      return mapData(a, Math.cos);
    case 'tanh':
      return mapData(a, Math.tanh);
    case 'sigmoid':
      return mapData(a, sigmoidScalar);
  }
}

/** Column-wise softmax with the column maximum subtracted first. */
export function softmaxCols(a: Mat): Mat {
  const { rows: m, cols: n } = a;
  const d = a.data;
  const out = new Float64Array(m * n);
  for (let j = 0; j < n; j++) {
    const o = j * m;
    let mx = -Infinity;
    for (let i = 0; i < m; i++) mx = Math.max(mx, d[o + i]!);
    let s = 0;
    for (let i = 0; i < m; i++) {
      const e = Math.exp(d[o + i]! - mx);
      out[o + i] = e;
      s += e;
    }
    for (let i = 0; i < m; i++) out[o + i]! /= s;
  }
  return new Mat(m, n, out);
}

function gatherMat(a: Mat, idx: Int32Array, rows: number, cols: number): Mat {
  const out = new Float64Array(rows * cols);
  const d = a.data;
  for (let k = 0; k < out.length; k++) {
    const s = idx[k]!;
    out[k] = s >= 0 ? d[s]! : 0;
  }
  return new Mat(rows, cols, out);
}

function concatMats(blocks: Mat[][], rows: number, cols: number): Mat {
  const out = new Float64Array(rows * cols);
  let r0 = 0;
  for (const row of blocks) {
    let c0 = 0;
    for (const b of row) {
      const bd = b.data;
      for (let j = 0; j < b.cols; j++) {
        for (let i = 0; i < b.rows; i++) out[r0 + i + (c0 + j) * rows] = bd[i + j * b.rows]!;
      }
      c0 += b.cols;
    }
    r0 += row[0]!.rows;
  }
  return new Mat(rows, cols, out);
}

function locate<T>(n: Node, what: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof SingularMatrixError) throw new SingularMatrixError(`'${what}'${at(n.pos)}: ${err.message}`);
    if (err instanceof DomainError) throw new DomainError(`'${what}'${at(n.pos)}: ${err.message}`);
    throw err;
  }
}

function evalOne(n: Node, go: (n: Node) => Mat, vars: Map<string, Mat>, env: Readonly<Record<string, Mat>>): Mat {
  switch (n.op) {
    case 'var':
      return lookup(n, vars, env);
    case 'const':
      return n.value.toFloat64();
    case 'add':
      return ew(go(n.a), go(n.b), (x, y) => x + y);
    case 'sub':
      return ew(go(n.a), go(n.b), (x, y) => x - y);
    case 'mul':
      return ew(go(n.a), go(n.b), (x, y) => x * y);
    case 'div': {
      const b = go(n.b);
      domainCheck(n, './', b, (x) => x === 0, 'division by zero');
      return ew(go(n.a), b, (x, y) => x / y);
    }
    case 'matmul':
      return matmul(go(n.a), go(n.b));
    case 'neg':
      return mapData(go(n.a), (x) => -x);
    case 'transpose':
      return transpose(go(n.a));
    case 'pow': {
      const a = go(n.a);
      const p = n.p;
      if (!Number.isInteger(p)) domainCheck(n, '.^', a, (x) => x < 0, `a negative number to the non-integer power ${p}`);
      if (p < 0) domainCheck(n, '.^', a, (x) => x === 0, `zero to the negative power ${p}`);
      return p === 2 ? mapData(a, (x) => x * x) : mapData(a, (x) => Math.pow(x, p));
    }
    case 'fn':
      return applyFn(n, n.fn, go(n.a));
    case 'gather':
      return gatherMat(go(n.a), n.idx, n.shape[0], n.shape[1]);
    case 'concat':
      return concatMats(
        n.blocks.map((r) => r.map(go)),
        n.shape[0],
        n.shape[1],
      );
    case 'kron':
      return kron(go(n.a), go(n.b));
    case 'tr':
      return Mat.scalar(trace(go(n.a)));
    case 'sum':
      return Mat.scalar(sumAll(go(n.a)));
    case 'norm':
      return Mat.scalar(frobenius(go(n.a)));
    case 'det': {
      const a = go(n.a);
      return Mat.scalar(locate(n, 'det', () => det(a)));
    }
    case 'logdet': {
      const a = go(n.a);
      return Mat.scalar(
        locate(n, 'logdet', () => {
          try {
            return logdet(a);
          } catch (err) {
            // det X = 0: log undefined there
            if (err instanceof SingularMatrixError) throw new DomainError(`needs det X > 0, but X is singular: ${err.message}`);
            throw err;
          }
        }),
      );
    }
    case 'inv': {
      const a = go(n.a);
      return locate(n, 'inv', () => inv(a));
    }
    case 'softmax':
      return softmaxCols(go(n.a));
  }
}
