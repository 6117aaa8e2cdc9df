/**
 * The functions of the grammar (DESIGN.md §2), one entry each: its arity and its shape rule,
 * which lowers a call to the typed IR with errors that name the function as written. The
 * elementwise functions come from the unary table (unary.ts), so adding one there is enough.
 */
import { ParseError, ShapeError, fmtShape } from '../errors.js';
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
const scalarOf = (op: 'tr' | 'det' | 'logdet' | 'sum' | 'norm', square: boolean): FnRecord => ({
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

const identity = (size: number): Int32Array => Int32Array.from({ length: size }, (_, k) => k);

const MATRIX_FNS = {
  tr: scalarOf('tr', true),
  det: scalarOf('det', true),
  logdet: scalarOf('logdet', true),
  sum: scalarOf('sum', false),
  norm: scalarOf('norm', false),
  inv: {
    arity: [1, 1],
    lower: ([a], c) => {
      const x = c.go(a!);
      requireSquare(c.fn, x, c.pos);
      return { op: 'inv', a: x, shape: x.shape, pos: c.pos };
    },
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
