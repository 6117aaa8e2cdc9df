/** Ast → text: expression text that `parse` reads back to the same Ast (positions aside). */
import { PREC, formatNumber } from '../ops/types.js';
import type { Ast, IndexSpec } from './ast.js';


export { formatNumber };

function astPrec(a: Ast): number {
  switch (a.kind) {
    case 'binary':
      return a.op === '+' || a.op === '-' ? PREC.add : a.op === '^' || a.op === '.^' ? PREC.pow : PREC.mul;
    case 'neg':
      return PREC.neg;
    case 'num':
      return a.value < 0 ? PREC.neg : PREC.atom;
    case 'transpose':
    case 'index':
    case 'slice':
      return PREC.postfix;
    default:
      return PREC.atom;
  }
}

/** Formats an Ast back into expression text that `parse` reads back to the same Ast (positions aside). */
export function formatAst(a: Ast): string {
  const wrap = (x: Ast, min: number): string => (astPrec(x) >= min ? formatAst(x) : `(${formatAst(x)})`);
  switch (a.kind) {
    case 'name':
      return a.name;
    case 'num':
      return formatNumber(a.value);
    case 'neg':
      return `-${wrap(a.a, PREC.neg)}`;
    case 'transpose':
      return `${wrap(a.a, PREC.postfix)}'`;
    case 'index':
      return `${wrap(a.a, PREC.postfix)}(${a.i}${a.j !== undefined ? `, ${a.j}` : ''})`;
    case 'slice':
      return `${wrap(a.a, PREC.postfix)}(${a.specs.map(formatIndexSpec).join(', ')})`;
    case 'end':
      return 'end';
    case 'concat':
      return `[${a.rows.map((r) => r.map((x) => formatAst(x)).join(', ')).join('; ')}]`;
    case 'call':
      return `${a.fn}(${a.args.map((x) => formatAst(x)).join(', ')})`;
    case 'binary': {
      const p = astPrec(a);
      if (p === PREC.pow) {
        // the exponent may carry leading signs: `2^-1`
        const b = expOperandOk(a.b) ? formatAst(a.b) : `(${formatAst(a.b)})`;
        return `${wrap(a.a, PREC.pow)}${a.op}${b}`;
      }
      return `${wrap(a.a, p)} ${a.op} ${wrap(a.b, p + 1)}`;
    }
  }
}

/** An index as text: `:`, `e`, `lo:hi`, `lo:step:hi`. */
export function formatIndexSpec(s: IndexSpec): string {
  switch (s.kind) {
    case 'all':
      return ':';
    case 'one':
      return formatAst(s.at);
    case 'range':
      return [s.lo, ...(s.step ? [s.step] : []), s.hi].map((x) => formatAst(x)).join(':');
  }
}

/** `-x` as an exponent reparses as itself only when x is postfix-level or another signed operand. */
function expOperandOk(a: Ast): boolean {
  if (a.kind === 'neg') return expOperandOk(a.a);
  if (a.kind === 'num') return true;
  return astPrec(a) >= PREC.postfix;
}
