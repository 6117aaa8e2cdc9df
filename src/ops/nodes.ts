import { InvalidArgumentError, ShapeError, fmtShape, type Shape } from '../errors.js';
import type { EwOp, Node } from '../expr/ast.js';
import { Mat } from '../mat/mat.js';
import type { UnaryFn } from './unary.js';

/**
 * Node constructors for the derivative engine. They compute shapes and fold the trivial cases
 * (x·1, x+0, (xᵀ)ᵀ, I·x, −(−x)) so that derivatives come out as small expressions: the
 * derivative of `A*X*B` is literally `A*dX*B`, whose structure the term extractor then reads.
 * `null` stands for an identically zero tangent/cotangent throughout diff/.
 */

export const isScalar = (n: { shape: Shape }): boolean => n.shape[0] === 1 && n.shape[1] === 1;
const sameShape = (a: Shape, b: Shape): boolean => a[0] === b[0] && a[1] === b[1];

export function variable(name: string, shape: Shape): Node {
  return { op: 'var', name, shape };
}

export function constant(value: Mat): Node {
  return { op: 'const', value, shape: [value.rows, value.cols] };
}

export const num = (v: number): Node => constant(Mat.scalar(v));
export const ones = (m: number, n: number): Node => constant(Mat.fromColumnMajor(m, n, new Float64Array(m * n).fill(1)));
export const eye = (n: number): Node => constant(Mat.eye(n));

/** The value of a 1×1 constant, else undefined. */
function scalarConst(n: Node): number | undefined {
  return n.op === 'const' && n.value.rows === 1 && n.value.cols === 1 ? n.value.data[0] : undefined;
}

function isIdentityConst(n: Node): boolean {
  if (n.op !== 'const' || n.shape[0] !== n.shape[1]) return false;
  const { rows, data } = n.value;
  for (let k = 0; k < data.length; k++) if (data[k] !== (k % (rows + 1) === 0 ? 1 : 0)) return false;
  return true;
}

function ewShape(op: string, a: Node, b: Node): Shape {
  if (sameShape(a.shape, b.shape) || isScalar(b)) return a.shape;
  if (isScalar(a)) return b.shape;
  throw new ShapeError(`'${op}': shapes differ: ${fmtShape(a.shape)} vs ${fmtShape(b.shape)}`, [a.shape, b.shape]);
}

export function elementwise(op: EwOp, a: Node, b: Node): Node {
  const shape = ewShape(op, a, b);
  return { op, a, b, shape } as Node;
}

export function add(a: Node | null, b: Node | null): Node | null {
  if (!a) return b;
  if (!b) return a;
  if (b.op === 'neg') return sub(a, b.a);
  return elementwise('add', a, b);
}

export function sub(a: Node | null, b: Node | null): Node | null {
  if (!b) return a;
  if (!a) return neg(b);
  if (b.op === 'neg') return add(a, b.a);
  return elementwise('sub', a, b);
}

/** Entrywise (Hadamard) product, or a scalar times a matrix. */
export function mul(a: Node | null, b: Node | null): Node | null {
  if (!a || !b) return null;
  const ca = scalarConst(a);
  const cb = scalarConst(b);
  // A 1×1 constant factor: the result has the other operand's shape.
  if (ca === 1) return b;
  if (cb === 1) return a;
  if (ca === -1) return neg(b);
  if (cb === -1) return neg(a);
  if (ca !== undefined && cb !== undefined) return num(ca * cb);
  if (a.op === 'neg') return neg(mul(a.a, b));
  if (b.op === 'neg') return neg(mul(a, b.a));
  return elementwise('mul', a, b);
}

export function div(a: Node | null, b: Node): Node | null {
  if (!a) return null;
  if (scalarConst(b) === 1) return a;
  if (a.op === 'neg') return neg(div(a.a, b));
  return elementwise('div', a, b);
}

export function scaleBy(alpha: number, a: Node | null): Node | null {
  if (!a || alpha === 0) return null;
  if (alpha === 1) return a;
  if (alpha === -1) return neg(a);
  return mul(num(alpha), a);
}

export function neg(a: Node | null): Node | null {
  if (!a) return null;
  if (a.op === 'neg') return a.a;
  const c = scalarConst(a);
  if (c !== undefined) return num(-c);
  return { op: 'neg', a, shape: a.shape };
}

export function matmul(a: Node | null, b: Node | null): Node | null {
  if (!a || !b) return null;
  if (a.shape[1] !== b.shape[0]) {
    throw new ShapeError(`'*': inner dimensions differ: ${fmtShape(a.shape)} * ${fmtShape(b.shape)}`, [a.shape, b.shape]);
  }
  if (isIdentityConst(a)) return b;
  if (isIdentityConst(b)) return a;
  if (a.op === 'neg') return neg(matmul(a.a, b));
  if (b.op === 'neg') return neg(matmul(a, b.a));
  return { op: 'matmul', a, b, shape: [a.shape[0], b.shape[1]] };
}

export function transpose(a: Node | null): Node | null {
  if (!a) return null;
  if (a.op === 'transpose') return a.a;
  if (a.op === 'neg') return neg(transpose(a.a));
  if (isScalar(a) || isIdentityConst(a)) return a;
  return { op: 'transpose', a, shape: [a.shape[1], a.shape[0]] };
}

export function pow(a: Node, p: number): Node {
  if (p === 1) return a;
  return { op: 'pow', a, p, shape: a.shape };
}

export function fn(f: UnaryFn, a: Node): Node {
  return { op: 'fn', fn: f, a, shape: a.shape };
}

export function reduce(op: 'tr' | 'sum' | 'norm' | 'det' | 'logdet', a: Node | null): Node | null {
  if (!a) return null;
  if (isScalar(a) && (op === 'tr' || op === 'sum' || op === 'det')) return a;
  return { op, a, shape: [1, 1] };
}

export function inv(a: Node): Node {
  return { op: 'inv', a, shape: a.shape };
}

export function softmax(a: Node): Node {
  return { op: 'softmax', a, shape: a.shape };
}

export function kron(a: Node | null, b: Node | null): Node | null {
  if (!a || !b) return null;
  return { op: 'kron', a, b, shape: [a.shape[0] * b.shape[0], a.shape[1] * b.shape[1]] };
}

/** `vec(out)[k] = idx[k] >= 0 ? vec(a)[idx[k]] : 0`, out rows×cols. */
export function gather(a: Node | null, idx: Int32Array, rows: number, cols: number): Node | null {
  if (!a) return null;
  if (idx.length !== rows * cols) throw new InvalidArgumentError(`gather: ${idx.length} indices for a ${rows}×${cols} result`);
  if (isIdentityMap(idx, a.shape[0] * a.shape[1])) {
    if (a.shape[0] === rows && a.shape[1] === cols) return a;
    if (a.op === 'gather' && isIdentityMap(a.idx, a.a.shape[0] * a.a.shape[1])) return reshape(a.a, rows, cols);
  }
  if (a.op === 'gather') {
    // gather ∘ gather is one gather.
    const inner = a.idx;
    const composed = new Int32Array(idx.length);
    for (let k = 0; k < idx.length; k++) composed[k] = idx[k]! >= 0 ? inner[idx[k]!]! : -1;
    return gather(a.a, composed, rows, cols);
  }
  return { op: 'gather', a, idx, shape: [rows, cols] };
}

function isIdentityMap(idx: Int32Array, size: number): boolean {
  if (idx.length !== size) return false;
  for (let k = 0; k < idx.length; k++) if (idx[k] !== k) return false;
  return true;
}

export function identityMap(size: number): Int32Array {
  const idx = new Int32Array(size);
  for (let k = 0; k < size; k++) idx[k] = k;
  return idx;
}

/** Same column-major data, new shape (vec is invariant). */
export function reshape(a: Node | null, rows: number, cols: number): Node | null {
  if (!a) return null;
  if (a.shape[0] === rows && a.shape[1] === cols) return a;
  return gather(a, identityMap(rows * cols), rows, cols);
}

/** The diagonal of a square matrix as a column. */
export function diagOf(a: Node): Node {
  const n = a.shape[0];
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i + i * n;
  return gather(a, idx, n, 1)!;
}

/** diag(diag(S)): keeps the diagonal of a square matrix, zeros elsewhere. */
export function diagPart(a: Node): Node {
  const n = a.shape[0];
  const idx = new Int32Array(n * n).fill(-1);
  for (let i = 0; i < n; i++) idx[i + i * n] = i + i * n;
  return gather(a, idx, n, n)!;
}

export function concat(blocks: (Node | null)[][], shapes: Shape[][]): Node | null {
  if (blocks.every((row) => row.every((b) => b === null))) return null;
  const filled = blocks.map((row, i) => row.map((b, j) => b ?? constant(Mat.zeros(shapes[i]![j]![0], shapes[i]![j]![1]))));
  const rows = filled.reduce((s, row) => s + row[0]!.shape[0], 0);
  const cols = filled[0]!.reduce((s, b) => s + b.shape[1], 0);
  return { op: 'concat', blocks: filled, shape: [rows, cols] };
}

/** The operands of a node, in order (`a`, then `b`; the blocks of a concatenation row by row). */
export function children(n: Node): readonly Node[] {
  if ('blocks' in n) return n.blocks.flat();
  if ('b' in n) return [n.a, n.b];
  if ('a' in n) return [n.a];
  return [];
}

/** Nodes of the DAG under `root` in topological order (children before parents), each once. */
export function topoOrder(root: Node): Node[] {
  const order: Node[] = [];
  const seen = new Set<Node>();
  const stack: [Node, boolean][] = [[root, false]];
  while (stack.length) {
    const [n, expanded] = stack.pop()!;
    if (expanded) {
      order.push(n);
      continue;
    }
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push([n, true]);
    for (const c of children(n)) if (!seen.has(c)) stack.push([c, false]);
  }
  return order;
}

/** The set of nodes under `root` whose value depends on the variable `name`. */
export function dependents(root: Node, name: string): Set<Node> {
  const dep = new Set<Node>();
  for (const n of topoOrder(root)) {
    if (n.op === 'var' ? n.name === name : children(n).some((c) => dep.has(c))) dep.add(n);
  }
  return dep;
}

/** A tangent of a 1×1 operand broadcast to the shape of the result. */
export function broadcastTo(t: Node | null, shape: Shape): Node | null {
  if (!t || (t.shape[0] === shape[0] && t.shape[1] === shape[1])) return t;
  return mul(t, ones(shape[0], shape[1]));
}

/** Sum over a broadcast: the adjoint of a 1×1 operand that was broadcast to a matrix. */
export function unbroadcast(c: Node | null, operand: Node): Node | null {
  if (!c) return null;
  if (isScalar(operand) && !isScalar(c)) return reduce('sum', c);
  return c;
}
