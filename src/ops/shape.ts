/** Shape rules shared by the lowering of operators and functions (DESIGN.md §4: located errors). */
import { NotSquareError, ShapeError, fmtShape, type Shape } from '../errors.js';
import type { Node } from '../expr/ast.js';
import { at } from './domain.js';

export const isScalarShape = (s: Shape): boolean => s[0] === 1 && s[1] === 1;
export const sameShape = (a: Shape, b: Shape): boolean => a[0] === b[0] && a[1] === b[1];

/** The shape of an entrywise op: equal shapes, or a 1×1 operand broadcast to the other's. */
export function broadcastShape(a: Node, b: Node, pos: number | undefined, sym: string): Shape {
  if (sameShape(a.shape, b.shape)) return a.shape;
  if (isScalarShape(a.shape)) return b.shape;
  if (isScalarShape(b.shape)) return a.shape;
  throw new ShapeError(
    `'${sym}'${at(pos)}: shapes differ: ${fmtShape(a.shape)} ${sym} ${fmtShape(b.shape)} (need equal shapes, or a 1×1 operand)`,
    [a.shape, b.shape],
    pos,
  );
}

/** Throws NotSquareError naming the function as written unless `a` is square. */
export function requireSquare(what: string, a: Node, pos: number | undefined): void {
  if (a.shape[0] !== a.shape[1]) throw new NotSquareError(`'${what}'${at(pos)}`, a.shape, pos);
}
