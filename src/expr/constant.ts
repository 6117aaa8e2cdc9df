/** Constant folding of the grammar's scalar arithmetic (exponents, indices with `end`). */
import type { Ast } from './ast.js';

/**
 * The value of a constant expression: numbers combined by signs, transposes and scalar
 * arithmetic, and inside an index `end` (its value `end` when given). Undefined when it uses
 * `end` without a value (known only with the operand's shape); null when it is not constant.
 */
export function indexConst(a: Ast, end?: number): number | null | undefined {
  switch (a.kind) {
    case 'num':
      return a.value;
    case 'end':
      return end;
    case 'neg': {
      const v = indexConst(a.a, end);
      return v == null ? v : -v;
    }
    case 'transpose':
      return indexConst(a.a, end);
    case 'binary': {
      const x = indexConst(a.a, end);
      const y = indexConst(a.b, end);
      if (x === null || y === null) return null;
      if (x === undefined || y === undefined) return undefined;
      return scalarOp(a.op, x, y);
    }
    default:
      return null;
  }
}

/** A binary operator of the grammar applied to two numbers. */
function scalarOp(op: Extract<Ast, { kind: 'binary' }>['op'], x: number, y: number): number {
  switch (op) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
    case '.*':
      return x * y;
    case './':
    case '/':
      return x / y;
    case '\\':
      return y / x;
    case '^':
    case '.^':
      return Math.pow(x, y);
  }
}

