/**
 * The functions of the grammar (DESIGN.md §2), one entry each: its arity and its shape rule,
 * which lowers a call to the typed IR with errors that name the function as written. The
 * elementwise functions come from the unary table (unary.ts), so adding one there is enough.
 */
import { InvalidArgumentError, ParseError, ShapeError, fmtShape } from '../errors.js';
import { Mat } from '../mat/mat.js';
import * as N from './nodes.js';
import type { Ast, Node } from '../expr/ast.js';
import { at } from './domain.js';
import { broadcastShape, requireSquare } from './shape.js';
import { UNARY_FNS, type UnaryFn } from './unary.js';

export interface LowerCtx {
  /** The name as written and its position. */
  readonly fn: string;
  readonly pos: number | undefined;
  /** Lowers an argument. */
  go(a: Ast): Node;
  /** The value of an argument that is a numeric constant, else undefined. */
  constant(a: Ast): number | undefined;
}

export interface FnRecord {
  /** Fewest and most arguments. */
  readonly arity: readonly [min: number, max: number];
  /** The shape rule: the call's node in the typed IR. */
  readonly lower: (args: readonly Ast[], c: LowerCtx) => Node;
}

const unary = (fn: UnaryFn): FnRecord => ({
  arity: [1, 1],
  lower: ([a], c) => {
    const x = c.go(a!);
    return { op: 'fn', fn, a: x, shape: x.shape, pos: c.pos };
  },
});

/** A scalar-valued function of one matrix; `square` when it needs a square argument. */
const scalarOf = (op: 'tr' | 'det' | 'logdet', square: boolean): FnRecord => ({
  arity: [1, 1],
  lower: ([a], c) => {
    const x = c.go(a!);
    if (square) requireSquare(c.fn, x, c.pos);
    return { op, a: x, shape: [1, 1], pos: c.pos };
  },
});

/** max(A, B) / min(A, B): entrywise, a 1×1 operand broadcast. */
const extremum = (op: 'max' | 'min'): FnRecord => ({
  arity: [2, 2],
  lower: ([a, b], c) => {
    const x = c.go(a!);
    const y = c.go(b!);
    return { op, a: x, b: y, shape: broadcastShape(x, y, c.pos, c.fn), pos: c.pos };
  },
});

/** A numeric-constant argument: a positive integer, or one of `allowed`; the error names the function. */
function intArg(a: Ast, c: LowerCtx, what: string, allowed?: readonly number[]): number {
  const v = c.constant(a);
  const ok = v !== undefined && Number.isInteger(v) && (allowed ? allowed.includes(v) : v >= 1);
  if (!ok) {
    const want = allowed ? allowed.join(' or ') : 'a positive integer';
    throw new InvalidArgumentError(`'${c.fn}'${at(a.pos ?? c.pos)}: ${what} must be ${want} (a numeric constant), got ${v === undefined ? 'a non-constant expression' : v}`);
  }
  return v;
}

/** Marks a rewrite's root with the function as written (messages name it, not the rewrite). */
const written = (n: Node, c: LowerCtx): Node => ({ ...n, pos: c.pos, written: c.fn });

/** sum(X, 1) = 1ᵀX (a row of column sums), sum(X, 2) = X·1: products, so their derivatives are Kronecker terms. */
function sumAlong(x: Node, dim: number): Node {
  const [m, n] = x.shape;
  return dim === 1 ? N.matmul(N.ones(1, m), x)! : N.matmul(x, N.ones(n, 1))!;
}

/** A constant matrix from numeric size arguments: eye(n), eye(m, n), ones(m, n), zeros(n). */
const constantMatrix = (make: (m: number, n: number) => Mat): FnRecord => ({
  arity: [1, 2],
  lower: (args, c) => {
    const m = intArg(args[0]!, c, 'the row count');
    const n = args[1] ? intArg(args[1], c, 'the column count') : m;
    return { op: 'const', value: make(m, n), shape: [m, n], pos: c.pos, written: c.fn };
  },
});

const identity = (size: number): Int32Array => Int32Array.from({ length: size }, (_, k) => k);

const MATRIX_FNS = {
  tr: scalarOf('tr', true),
  det: scalarOf('det', true),
  logdet: scalarOf('logdet', true),
  sum: {
    arity: [1, 2],
    lower: (args, c) => {
      const x = c.go(args[0]!);
      if (args.length === 1) return { op: 'sum', a: x, shape: [1, 1], pos: c.pos };
      return written(sumAlong(x, intArg(args[1]!, c, 'the dimension', [1, 2])), c);
    },
  },
  /** mean of all entries (as sum), or along a dimension */
  mean: {
    arity: [1, 2],
    lower: (args, c) => {
      const x = c.go(args[0]!);
      const [m, n] = x.shape;
      if (args.length === 1) return written(N.mul(N.num(1 / (m * n)), { op: 'sum', a: x, shape: [1, 1], pos: c.pos })!, c);
      const dim = intArg(args[1]!, c, 'the dimension', [1, 2]);
      return written(N.mul(N.num(1 / (dim === 1 ? m : n)), sumAlong(x, dim))!, c);
    },
  },
  /** dot(a, b) = Σ a_k b_k of two vectors of one length (either orientation) */
  dot: {
    arity: [2, 2],
    lower: ([a, b], c) => {
      const x = c.go(a!);
      const y = c.go(b!);
      const len = (s: readonly [number, number]): number => (s[0] === 1 || s[1] === 1 ? s[0] * s[1] : -1);
      if (len(x.shape) < 0 || len(x.shape) !== len(y.shape)) {
        throw new ShapeError(`'dot'${at(c.pos)} needs two vectors of one length, got ${fmtShape(x.shape)} and ${fmtShape(y.shape)}`, [x.shape, y.shape], c.pos);
      }
      const row = x.shape[0] === 1 ? x : N.transpose(x)!;
      const col = y.shape[1] === 1 ? y : N.transpose(y)!;
      return written(N.matmul(row, col)!, c);
    },
  },
  /** norm(X): Frobenius; norm(x, 1) = Σ|x_k| and norm(x, 2) of a vector */
  norm: {
    arity: [1, 2],
    lower: (args, c) => {
      const x = c.go(args[0]!);
      const p = args[1] ? intArg(args[1], c, 'p', [1, 2]) : 2;
      const vector = x.shape[0] === 1 || x.shape[1] === 1;
      if (args[1] && !vector) {
        throw new ShapeError(`'norm'${at(c.pos)}: norm(X, ${p}) is defined here for vectors only, got ${fmtShape(x.shape)} (norm(X) is the Frobenius norm)`, [x.shape], c.pos);
      }
      if (p === 2) return { op: 'norm', a: x, shape: [1, 1], pos: c.pos };
      return written({ op: 'sum', a: { op: 'fn', fn: 'abs', a: x, shape: x.shape }, shape: [1, 1] }, c);
    },
  },
  eye: constantMatrix((m, n) => {
    const E = Mat.zeros(m, n);
    for (let i = 0; i < Math.min(m, n); i++) E.data[i + i * m] = 1;
    return E;
  }),
  ones: constantMatrix((m, n) => Mat.fromColumnMajor(m, n, new Float64Array(m * n).fill(1))),
  zeros: constantMatrix((m, n) => Mat.zeros(m, n)),
  inv: {
    arity: [1, 1],
    lower: ([a], c) => {
      const x = c.go(a!);
      requireSquare(c.fn, x, c.pos);
      return { op: 'inv', a: x, shape: x.shape, pos: c.pos };
    },
  },
  adj: {
    arity: [1, 1],
    lower: ([a], c) => {
      const x = c.go(a!);
      requireSquare(c.fn, x, c.pos);
      return { op: 'adj', a: x, shape: x.shape, pos: c.pos };
    },
  },
  expm: {
    arity: [1, 1],
    lower: ([a], c) => {
      const x = c.go(a!);
      requireSquare(c.fn, x, c.pos);
      return { op: 'expm', a: x, shape: x.shape, pos: c.pos };
    },
  },
  logsumexp: {
    arity: [1, 1],
    lower: ([a], c) => ({ op: 'logsumexp', a: c.go(a!), shape: [1, 1], pos: c.pos }),
  },
  softmax: {
    arity: [1, 1],
    lower: ([a], c) => {
      const x = c.go(a!);
      return { op: 'softmax', a: x, shape: x.shape, pos: c.pos };
    },
  },
  max: extremum('max'),
  min: extremum('min'),
  kron: {
    arity: [2, 2],
    lower: ([a, b], c) => {
      const x = c.go(a!);
      const y = c.go(b!);
      return { op: 'kron', a: x, b: y, shape: [x.shape[0] * y.shape[0], x.shape[1] * y.shape[1]], pos: c.pos };
    },
  },
  vec: {
    arity: [1, 1],
    lower: ([a], c) => {
      const x = c.go(a!);
      const size = x.shape[0] * x.shape[1];
      return { op: 'gather', a: x, idx: identity(size), shape: [size, 1], pos: c.pos };
    },
  },
  diag: {
    arity: [1, 1],
    lower: ([a], c) => {
      const x = c.go(a!);
      const [m, n] = x.shape;
      if (m === 1 || n === 1) {
        const k = m * n;
        const idx = new Int32Array(k * k).fill(-1);
        for (let i = 0; i < k; i++) idx[i + i * k] = i;
        return { op: 'gather', a: x, idx, shape: [k, k], pos: c.pos };
      }
      if (m === n) {
        const idx = Int32Array.from({ length: n }, (_, i) => i + i * n);
        return { op: 'gather', a: x, idx, shape: [n, 1], pos: c.pos };
      }
      throw new ShapeError(`'${c.fn}'${at(c.pos)} needs a vector or a square matrix, got ${fmtShape(x.shape)}`, [x.shape], c.pos);
    },
  },
} as const satisfies Record<string, FnRecord>;

/** Every function name the grammar knows. */
export type FnName = UnaryFn | keyof typeof MATRIX_FNS;

export const FUNCTIONS: { readonly [F in FnName]: FnRecord } = {
  ...(Object.fromEntries(UNARY_FNS.map((f) => [f, unary(f)])) as { [F in UnaryFn]: FnRecord }),
  ...MATRIX_FNS,
};

export const FN_NAMES = Object.keys(FUNCTIONS) as readonly FnName[];

export const isFnName = (s: string): s is FnName => Object.prototype.hasOwnProperty.call(FUNCTIONS, s);

/** Throws a ParseError unless `count` arguments fit the function (message names it as written). */
export function checkArity(fn: FnName, count: number, pos: number | undefined): void {
  const [lo, hi] = FUNCTIONS[fn].arity;
  if (count >= lo && count <= hi) return;
  const w = lo === hi ? `${lo} argument${lo === 1 ? '' : 's'}` : `${lo} to ${hi} arguments`;
  throw new ParseError(`'${fn}'${at(pos)} takes ${w}, got ${count}`, pos ?? 0, w);
}
