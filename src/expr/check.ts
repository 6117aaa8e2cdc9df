/**
 * Shape inference: `check(ast, shapes)` turns syntax into the typed IR (`Node`), before any
 * arithmetic, with located errors (DESIGN.md §4):
 * - `*` becomes `matmul` (both operands non-scalar, inner dimensions agree) or elementwise `mul`
 *   (either operand 1×1); `+ - .* ./` need equal shapes or a 1×1 operand (broadcast);
 * - `.^` needs a constant exponent → `pow`; `^` of a 1×1 → `pow`; `^` of a square matrix with an
 *   integer exponent k → balanced, node-sharing matmul chains (k ≥ 1), the identity (k = 0), or
 *   powers of `inv` (k < 0);
 * - indexing, `vec` and `diag` become `gather`; numbers become 1×1 `const`s.
 * The same Ast object always maps to the same Node object (shared subtrees stay shared).
 */
import {
  InvalidArgumentError,
  ParseError,
  ShapeError,
  UnknownNameError,
  fmtShape,
  type Shape,
} from '../errors.js';
import { Mat } from '../mat/mat.js';
import type { Ast, EwOp, IndexSpec, Node, NodeOf } from './ast.js';
import { formatAst, formatIndexSpec, formatNumber, indexConst } from './parse.js';
import { opOf } from '../ops/index.js';
import { at } from '../ops/domain.js';
import { FUNCTIONS, checkArity } from '../ops/functions.js';
import { children } from '../ops/nodes.js';
import { broadcastShape, isScalarShape, requireSquare } from '../ops/shape.js';
import type { FormatCtx } from '../ops/types.js';

export { children };

/** Bindings for `check`: shapes, or the values themselves (only their shapes are read). */
export type ShapeEnv = Readonly<Record<string, Shape | Mat | { readonly rows: number; readonly cols: number }>>;

const isScalar = isScalarShape;

function shapeOf(name: string, v: ShapeEnv[string]): Shape {
  let s: Shape;
  if (v instanceof Mat) s = [v.rows, v.cols];
  else if (Array.isArray(v)) s = [v[0] as number, v[1] as number];
  else if (v && typeof v === 'object' && 'rows' in v) s = [v.rows, v.cols];
  else throw new InvalidArgumentError(`the binding for '${name}' must be a Mat or a [rows, cols] shape`);
  if (!Number.isInteger(s[0]) || !Number.isInteger(s[1]) || s[0] < 1 || s[1] < 1) {
    throw new InvalidArgumentError(`the binding for '${name}' has an invalid shape ${s[0]}×${s[1]} (need positive integers)`);
  }
  return s;
}

/**
 * The value of an Ast that is a compile-time scalar constant (numbers combined by signs,
 * transposes and scalar arithmetic), else undefined.
 */
export function constValue(a: Ast): number | undefined {
  const v = indexConst(a);
  return typeof v === 'number' ? v : undefined;
}

/** Infers shapes and lowers the Ast to the typed IR. Throws ShapeError, UnknownNameError, NotSquareError, … */
export function check(ast: Ast, shapes: ShapeEnv): Node {
  const env = new Map<string, Shape>();
  for (const [k, v] of Object.entries(shapes)) env.set(k, shapeOf(k, v));
  const memo = new Map<Ast, Node>();
  const go = (a: Ast): Node => {
    let n = memo.get(a);
    if (!n) {
      n = lower(a, go, env);
      memo.set(a, n);
    }
    return n;
  };
  return go(ast);
}

function ew(op: EwOp, a: Node, b: Node, pos: number | undefined, sym: string): Node {
  return { op, a, b, shape: broadcastShape(a, b, pos, sym), pos };
}

function matmul(a: Node, b: Node, pos: number | undefined): Node {
  if (isScalar(a.shape) || isScalar(b.shape)) return ew('mul', a, b, pos, '*');
  if (a.shape[1] !== b.shape[0]) {
    throw new ShapeError(
      `'*'${at(pos)}: inner dimensions differ: ${fmtShape(a.shape)} * ${fmtShape(b.shape)}`,
      [a.shape, b.shape],
      pos,
    );
  }
  return { op: 'matmul', a, b, shape: [a.shape[0], b.shape[1]], pos };
}

/**
 * MATLAB's `A/B = A·B⁻¹`: by a 1×1 B entrywise (`X/2`, `1/tr(X)`); by a square B as
 * `(Bᵀ \ Aᵀ)ᵀ`, one solve (a scalar A: `a·B⁻¹`).
 */
function rightDivide(a: Node, b: Node, pos: number | undefined): Node {
  if (isScalar(b.shape)) return { ...ew('div', a, b, pos, '/'), written: '/' };
  requireSquare('/', b, pos);
  if (isScalar(a.shape)) return { op: 'mul', a, b: { op: 'inv', a: b, shape: b.shape, pos, written: '/' }, shape: b.shape, pos, written: '/' };
  if (a.shape[1] !== b.shape[0]) {
    throw new ShapeError(`'/'${at(pos)}: A/B needs as many columns in A as B has rows: ${fmtShape(a.shape)} / ${fmtShape(b.shape)}`, [a.shape, b.shape], pos);
  }
  const t = (x: Node): Node => ({ op: 'transpose', a: x, shape: [x.shape[1], x.shape[0]], pos, written: '/' });
  return t({ op: 'solve', a: t(b), b: t(a), shape: [a.shape[1], a.shape[0]], pos, written: '/' });
}

/** MATLAB's `A\B = A⁻¹B` by a solve (A square); a 1×1 A divides entrywise (`2\X = X/2`). */
function leftDivide(a: Node, b: Node, pos: number | undefined): Node {
  if (isScalar(a.shape)) return { ...ew('div', b, a, pos, '\\'), written: '\\' };
  requireSquare('\\', a, pos);
  if (isScalar(b.shape)) return { op: 'mul', a: b, b: { op: 'inv', a, shape: a.shape, pos, written: '\\' }, shape: a.shape, pos, written: '\\' };
  if (a.shape[0] !== b.shape[0]) {
    throw new ShapeError(`'\\'${at(pos)}: A\\B needs as many rows in B as A has: ${fmtShape(a.shape)} \\ ${fmtShape(b.shape)}`, [a.shape, b.shape], pos);
  }
  return { op: 'solve', a, b, shape: b.shape, pos, written: '\\' };
}

/** X^k for k ≥ 1 by repeated squaring; equal powers are one shared node. */
/** The largest |k| accepted in X^k (2^20: twenty squarings). */
export const MAX_MATRIX_POWER = 2 ** 20;

function matPower(x: Node, k: number, pos: number | undefined): Node {
  const cache = new Map<number, Node>([[1, x]]);
  const p = (e: number): Node => {
    const hit = cache.get(e);
    if (hit) return hit;
    const h = Math.floor(e / 2);
    const half = p(h);
    let r: Node = { op: 'matmul', a: half, b: half, shape: x.shape, pos };
    if (e % 2 === 1) r = { op: 'matmul', a: r, b: x, shape: x.shape, pos };
    cache.set(e, r);
    return r;
  };
  return p(k);
}

function gather(a: Node, idx: Int32Array, shape: Shape, pos: number | undefined): NodeOf<'gather'> {
  return { op: 'gather', a, idx, shape, pos };
}

function lower(a: Ast, go: (a: Ast) => Node, env: Map<string, Shape>): Node {
  const pos = a.pos;
  switch (a.kind) {
    case 'name': {
      const s = env.get(a.name);
      // pi is π unless the bindings name a variable pi (as in MATLAB)
      if (!s && a.name === 'pi') return { op: 'const', value: Mat.scalar(Math.PI), shape: [1, 1], pos };
      if (!s) throw new UnknownNameError(a.name, pos);
      return { op: 'var', name: a.name, shape: s, pos };
    }
    case 'num':
      if (!Number.isFinite(a.value)) throw new InvalidArgumentError(`number ${a.value}${at(pos)} is not finite`);
      return { op: 'const', value: Mat.scalar(a.value), shape: [1, 1], pos };
    case 'neg': {
      const x = go(a.a);
      return { op: 'neg', a: x, shape: x.shape, pos };
    }
    case 'transpose': {
      const x = go(a.a);
      return { op: 'transpose', a: x, shape: [x.shape[1], x.shape[0]], pos };
    }
    case 'index': {
      const x = go(a.a);
      const [m, n] = x.shape;
      if (a.j === undefined) {
        if (!Number.isInteger(a.i) || a.i < 1 || a.i > m * n) {
          throw new ShapeError(
            `index (${a.i})${at(pos)} is out of bounds for a ${fmtShape(x.shape)} operand (linear indices run 1..${m * n})`,
            [x.shape],
            pos,
          );
        }
        return gather(x, Int32Array.of(a.i - 1), [1, 1], pos);
      }
      const { i, j } = a;
      if (!Number.isInteger(i) || !Number.isInteger(j) || i < 1 || i > m || j < 1 || j > n) {
        throw new ShapeError(
          `index (${i}, ${j})${at(pos)} is out of bounds for a ${fmtShape(x.shape)} operand (rows 1..${m}, columns 1..${n})`,
          [x.shape],
          pos,
        );
      }
      return gather(x, Int32Array.of(i - 1 + (j - 1) * m), [1, 1], pos);
    }
    case 'slice':
      return lowerSlice(a, go(a.a));
    case 'end':
      throw new ParseError(`'end'${at(pos)} is only a value inside an index`, pos ?? 0, 'an expression');
    case 'concat':
      return lowerConcat(a, go);
    case 'call':
      return lowerCall(a, go);
    case 'binary': {
      switch (a.op) {
        case '+':
          return ew('add', go(a.a), go(a.b), pos, '+');
        case '-':
          return ew('sub', go(a.a), go(a.b), pos, '-');
        case '.*':
          return ew('mul', go(a.a), go(a.b), pos, '.*');
        case './':
          return ew('div', go(a.a), go(a.b), pos, './');
        case '*':
          return matmul(go(a.a), go(a.b), pos);
        case '/':
          return rightDivide(go(a.a), go(a.b), pos);
        case '\\':
          return leftDivide(go(a.a), go(a.b), pos);
        case '.^':
        case '^': {
          const x = go(a.a);
          const p = constValue(a.b);
          const bpos = a.b.pos ?? pos;
          if (p === undefined) {
            // an expression or matrix exponent: entrywise A.^B (or a scalar's x^y)
            const y = go(a.b);
            if (a.op === '.^' || (isScalar(x.shape) && isScalar(y.shape))) {
              return { op: 'epow', a: x, b: y, shape: broadcastShape(x, y, pos, a.op), pos, written: a.op };
            }
            throw new ParseError(
              `'${a.op}'${at(pos)}: a matrix power needs a numeric constant exponent${at(a.b.pos)} (use '.^' for an entrywise power)`,
              bpos ?? 0,
              'a numeric exponent',
            );
          }
          if (!Number.isFinite(p)) throw new InvalidArgumentError(`'${a.op}'${at(pos)}: the exponent ${p} is not finite`);
          if (a.op === '.^' || isScalar(x.shape)) return { op: 'pow', a: x, p, shape: x.shape, pos };
          requireSquare('^', x, pos);
          if (!Number.isInteger(p)) {
            throw new InvalidArgumentError(
              `'^'${at(pos)}: a matrix power needs an integer exponent, got ${formatNumber(p)} (use '.^' for an elementwise power)`,
            );
          }
          if (Math.abs(p) > MAX_MATRIX_POWER) {
            throw new InvalidArgumentError(
              `'^'${at(pos)}: the matrix power ${formatNumber(p)} is beyond the limit ±${MAX_MATRIX_POWER} (X^k is computed by repeated squaring; use expm or a scalar power instead)`,
            );
          }
          if (p === 0) return { op: 'const', value: Mat.eye(x.shape[0]), shape: x.shape, pos };
          if (p > 0) return matPower(x, p, pos);
          const xi: Node = { op: 'inv', a: x, shape: x.shape, pos };
          return matPower(xi, -p, pos);
        }
      }
    }
  }
}

function lowerCall(a: Extract<Ast, { kind: 'call' }>, go: (a: Ast) => Node): Node {
  checkArity(a.fn, a.args.length, a.pos);
  return FUNCTIONS[a.fn].lower(a.args, { fn: a.fn, pos: a.pos, go, constant: constValue });
}

/**
 * `X(I)`, `X(I, J)` with ranges as a gather. Two indices select rows I and columns J (|I|×|J|);
 * one index is linear (column-major): `X(:)` is a column, a vector keeps its orientation, and a
 * matrix indexed by a range gives a row, as in MATLAB.
 */
function lowerSlice(a: Extract<Ast, { kind: 'slice' }>, x: Node): Node {
  const pos = a.pos;
  const [m, n] = x.shape;
  if (a.specs.length === 1) {
    const I = resolveIndex(a.specs[0]!, m * n, x, pos, 'linear indices');
    const k = I.length;
    const shape: Shape = a.specs[0]!.kind === 'all' ? [k, 1] : n === 1 && m > 1 ? [k, 1] : [1, k];
    return gather(x, Int32Array.from(I, (v) => v - 1), shape, pos);
  }
  const I = resolveIndex(a.specs[0]!, m, x, pos, 'rows');
  const J = resolveIndex(a.specs[1]!, n, x, pos, 'columns');
  const idx = new Int32Array(I.length * J.length);
  for (let c = 0; c < J.length; c++) for (let r = 0; r < I.length; r++) idx[r + c * I.length] = I[r]! - 1 + (J[c]! - 1) * m;
  return gather(x, idx, [I.length, J.length], pos);
}

/** The 1-based positions an index selects in a dimension of `size` (`end` = size), checked. */
function resolveIndex(s: IndexSpec, size: number, x: Node, pos: number | undefined, what: string): number[] {
  if (s.kind === 'all') return Array.from({ length: size }, (_, k) => k + 1);
  const val = (e: Ast): number => {
    const v = indexConst(e, size);
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      throw new ParseError(`index ${formatAst(e)}${at(e.pos ?? pos)} must be an integer, got ${v === undefined || v === null ? 'no constant' : formatNumber(v)}`, e.pos ?? pos ?? 0, 'an integer index');
    }
    return v;
  };
  let out: number[];
  if (s.kind === 'one') out = [val(s.at)];
  else {
    const lo = val(s.lo);
    const step = s.step ? val(s.step) : 1;
    const hi = val(s.hi);
    if (step === 0) throw new ParseError(`index range ${formatIndexSpec(s)}${at(pos)} has step 0`, pos ?? 0, 'a non-zero step');
    const count = Math.floor((hi - lo) / step) + 1;
    if (count < 1) throw new ShapeError(`index range ${formatIndexSpec(s)}${at(pos)} is empty (${lo}:${step}:${hi})`, [x.shape], pos);
    if (count > size) {
      throw new ShapeError(`index range ${formatIndexSpec(s)}${at(pos)} selects ${count} entries, more than the ${size} ${what} of a ${fmtShape(x.shape)} operand`, [x.shape], pos);
    }
    out = Array.from({ length: count }, (_, k) => lo + k * step);
  }
  for (const v of out) {
    if (v < 1 || v > size) {
      throw new ShapeError(`index ${v}${at(pos)} is out of bounds for a ${fmtShape(x.shape)} operand (${what} run 1..${size})`, [x.shape], pos);
    }
  }
  return out;
}

function lowerConcat(a: Extract<Ast, { kind: 'concat' }>, go: (a: Ast) => Node): Node {
  const pos = a.pos;
  if (a.rows.length === 0 || a.rows.some((r) => r.length === 0)) {
    throw new ShapeError(`concatenation${at(pos)} has an empty block row`, [], pos);
  }
  const blocks = a.rows.map((r) => r.map(go));
  let totalRows = 0;
  let cols = -1;
  let firstRowShape: Shape = [0, 0];
  blocks.forEach((row, r) => {
    const h = row[0]!.shape[0];
    let w = 0;
    row.forEach((b, c) => {
      if (b.shape[0] !== h) {
        throw new ShapeError(
          `'['${at(pos)}: blocks joined horizontally must have equal row counts: block (${r + 1}, 1) is ${fmtShape(row[0]!.shape)}, block (${r + 1}, ${c + 1})${at(b.pos)} is ${fmtShape(b.shape)}`,
          [row[0]!.shape, b.shape],
          b.pos ?? pos,
        );
      }
      w += b.shape[1];
    });
    if (cols < 0) {
      cols = w;
      firstRowShape = [h, w];
    } else if (w !== cols) {
      throw new ShapeError(
        `'['${at(pos)}: block rows stacked vertically must have equal column counts: row 1 is ${fmtShape(firstRowShape)}, row ${r + 1} is ${fmtShape([h, w])}`,
        [firstRowShape, [h, w]],
        pos,
      );
    }
    totalRows += h;
  });
  return { op: 'concat', blocks, shape: [totalRows, cols], pos };
}

/** Names of the variables a node depends on, in order of first appearance (depth-first, left to right). */
export function freeVars(node: Node): string[] {
  const out: string[] = [];
  const seen = new Set<Node>();
  const names = new Set<string>();
  const visit = (n: Node): void => {
    if (seen.has(n)) return;
    seen.add(n);
    if (n.op === 'var') {
      if (!names.has(n.name)) {
        names.add(n.name);
        out.push(n.name);
      }
      return;
    }
    for (const c of children(n)) visit(c);
  };
  visit(node);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Node → text

/**
 * MATLAB-like text for a node (for `explain` output and tests). `parse` + `check` of the text give
 * a node that formats to the same text; `gather`s print as the indexing, `vec` or `diag` that made them.
 */
export function formatNode(node: Node): string {
  return opOf(node).format(node, FORMAT);
}

const FORMAT: FormatCtx = {
  wrap: (x, min) => (opOf(x).prec(x) >= min ? formatNode(x) : `(${formatNode(x)})`),
  text: (x) => formatNode(x),
};
