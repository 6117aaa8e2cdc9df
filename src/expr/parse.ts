/**
 * The expression parser (DESIGN.md §2): a recursive-descent / precedence-climbing parser over
 * the tokens of tokenize.ts. No `eval`, no `new Function`.
 *
 * Precedence, tightest first:
 *   postfix `'` (also `.'`) and indexing `x(i)`, `X(i,j)`  >  `^ .^`  >  unary `- +`
 *   >  `* .* ./ / \`  >  `+ -`;   all binary operators are left-associative.
 * A unary sign right after `^`/`.^` binds to the exponent (`2^-1`, `x.^-2`), so `-x^2` is
 * `-(x^2)` and `2^-2^2` is `(2^-2)^2`, as in MATLAB. Note the contract puts `'` above `^`, so
 * `A.^2'` is `A.^(2')` (MATLAB would read `(A.^2)'`).
 *
 * Inside `[ ]`, whitespace separates elements the MATLAB way: `[a -b]` has two elements,
 * `[a - b]` and `[a-b]` one; `[a (b)]` has two, `[a(1)]` one. `,` or whitespace joins
 * horizontally, `;` or a newline stacks. Outside brackets whitespace and newlines are ignored.
 *
 * Every Ast node carries `pos` (0-based offset): operators carry the operator's position,
 * calls the function name's, index nodes their `(`, concatenations their `[`.
 */
import { ParseError } from '../errors.js';
import { FN_NAMES, checkArity, isFnName, type FnName } from '../ops/functions.js';
import type { Ast, IndexSpec } from './ast.js';
import { indexConst } from './constant.js';
import { formatNumber } from './format.js';
import { CHAIN_COLLAPSE, MAX_DEPTH, chain, validateAst } from './limits.js';
import { describe, tokenize, type Tok } from './tokenize.js';

export { isFnName };

export { tokenize, type Tok } from './tokenize.js';
export { indexConst } from './constant.js';
export { formatAst, formatIndexSpec, formatNumber } from './format.js';


/** Parses MATLAB-like expression text into an `Ast` (DESIGN.md §2). Throws `ParseError`. */
export function parse(text: string): Ast {
  if (typeof text !== 'string') throw new ParseError(`expected the expression as a string, got ${typeof text}`, 0, 'a string');
  // bounded: long chains are built balanced, and the depth is checked (expr/limits.ts)
  return validateAst(new Parser(text).parseTop());
}

class Parser {
  private readonly toks: Tok[];
  private i = 0;
  /** grouping context stack: whitespace is significant only when the innermost group is '[' */
  private readonly ctx: ('(' | '[')[] = [];
  /** > 0 inside an index, where `end` is a value */
  private indexDepth = 0;
  /** Nesting depth of the recursive descent (parentheses, brackets, calls). */
  private depth = 0;

  constructor(src: string) {
    this.toks = tokenize(src);
  }

  private get inBracket(): boolean {
    return this.ctx[this.ctx.length - 1] === '[';
  }

  /** The current token; newlines are skipped unless directly inside brackets. */
  private peek(): Tok {
    if (!this.inBracket) while (this.toks[this.i]!.kind === 'nl') this.i++;
    return this.toks[this.i]!;
  }

  /** The token after the current one (raw: no newline skipping). */
  private peek2(): Tok {
    this.peek();
    return this.toks[Math.min(this.i + 1, this.toks.length - 1)]!;
  }

  private next(): Tok {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private skipNewlines(): void {
    while (this.toks[this.i]!.kind === 'nl') this.i++;
  }

  private fail(expected: string, t: Tok, context = ''): never {
    throw new ParseError(`expected ${expected}${context}, found ${describe(t)} at ${t.pos}`, t.pos, expected);
  }

  private isOp(t: Tok, ...ops: string[]): boolean {
    return t.kind === 'op' && ops.includes(t.text);
  }

  private nested(t: Tok, f: () => Ast): Ast {
    if (++this.depth > MAX_DEPTH) {
      throw new ParseError(`the expression is nested more than ${MAX_DEPTH} levels deep at ${t.pos}; split it into parts`, t.pos, 'a shallower expression');
    }
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  /** For `parseIndexSpec`: the text is `_(spec)`. */
  parseIndexOnly(): IndexSpec {
    this.next();
    this.next();
    this.ctx.push('(');
    this.indexDepth++;
    const spec = this.parseIndexSpec();
    const close = this.peek();
    if (close.kind !== ')' || this.toks[this.i + 1]!.kind !== 'eof') this.fail('one index', close);
    return spec;
  }

  parseTop(): Ast {
    this.skipNewlines();
    const t = this.peek();
    if (t.kind === 'eof') this.fail('an expression', t);
    const e = this.parseAdditive();
    const end = this.peek();
    if (end.kind !== 'eof') {
      if (end.kind === ')' || end.kind === ']') {
        throw new ParseError(`unmatched '${end.text}' at ${end.pos}`, end.pos, 'an operator or end of input');
      }
      this.fail('an operator or end of input', end);
    }
    return e;
  }

  /** In brackets, `a -b` starts a new element: the sign has space before it and none after. */
  private startsNewElement(t: Tok): boolean {
    if (!this.inBracket || !t.spaceBefore) return false;
    const after = this.toks[this.i + 1];
    return after !== undefined && !after.spaceBefore && after.kind !== 'eof';
  }

  /** Left-associative operands and operators of one level, built by `chain` (balanced when long). */
  private parseAdditive(): Ast {
    const xs = [this.parseMultiplicative()];
    const ops: ('+' | '-')[] = [];
    const pos: number[] = [];
    for (;;) {
      const t = this.peek();
      if (!this.isOp(t, '+', '-') || this.startsNewElement(t)) return chain(xs, ops, pos);
      this.next();
      ops.push(t.text as '+' | '-');
      pos.push(t.pos);
      xs.push(this.parseMultiplicative());
    }
  }

  private parseMultiplicative(): Ast {
    const xs = [this.parseUnary()];
    const ops: ('*' | '.*' | './' | '/' | '\\')[] = [];
    const pos: number[] = [];
    for (;;) {
      const t = this.peek();
      if (!this.isOp(t, '*', '.*', './', '/', '\\')) return chain(xs, ops, pos);
      this.next();
      ops.push(t.text as '*' | '.*' | './' | '/' | '\\');
      pos.push(t.pos);
      xs.push(this.parseUnary());
    }
  }

  /** Leading signs, read in a loop (a long run counts by parity); `operand` parses what follows. */
  private signs(operand: () => Ast): Ast {
    if (this.inBracket) this.skipNewlines();
    const minus: Tok[] = [];
    for (let t = this.peek(); this.isOp(t, '-', '+'); t = this.peek()) {
      this.next();
      if (t.text === '-') minus.push(t);
      if (this.inBracket) this.skipNewlines();
    }
    let a = operand();
    if (minus.length > CHAIN_COLLAPSE) return minus.length % 2 === 1 ? { kind: 'neg', a, pos: minus[0]!.pos } : a;
    for (let k = minus.length - 1; k >= 0; k--) a = { kind: 'neg', a, pos: minus[k]!.pos };
    return a;
  }

  private parseUnary(): Ast {
    return this.signs(() => this.parsePower());
  }

  private parsePower(): Ast {
    let left = this.parsePostfix();
    for (;;) {
      const t = this.peek();
      if (!this.isOp(t, '^', '.^')) return left;
      this.next();
      const right = this.parseExponent();
      left = { kind: 'binary', op: t.text as '^' | '.^', a: left, b: right, pos: t.pos };
    }
  }

  /** The operand of `^`/`.^`: postfix-level, with optional leading signs (`2^-1`). */
  private parseExponent(): Ast {
    return this.signs(() => this.parsePostfix());
  }

  private parsePostfix(): Ast {
    let e = this.parsePrimary();
    // a run of transposes longer than CHAIN_COLLAPSE counts by parity (X'''' is X)
    let run: Tok[] = [];
    let base = e;
    for (;;) {
      const t = this.peek();
      if (this.isOp(t, "'", ".'")) {
        if (this.inBracket && t.spaceBefore) {
          throw new ParseError(
            `ambiguous "${t.text}" after whitespace at ${t.pos} inside [ ]: write the transpose without the space`,
            t.pos,
            'an element',
          );
        }
        this.next();
        if (run.length === 0) base = e;
        run.push(t);
        e = run.length > CHAIN_COLLAPSE ? (run.length % 2 === 1 ? { kind: 'transpose', a: base, pos: run[0]!.pos } : base) : { kind: 'transpose', a: e, pos: t.pos };
        continue;
      }
      run = [];
      if (t.kind === '(' && !(this.inBracket && t.spaceBefore)) {
        this.next();
        e = this.parseIndex(e, t);
        continue;
      }
      return e;
    }
  }

  private parseIndex(a: Ast, open: Tok): Ast {
    this.ctx.push('(');
    this.indexDepth++;
    try {
      const first = this.peek();
      if (a.kind === 'name' && ((first.kind === 'name' && first.text !== 'end') || first.kind === '(' || first.kind === '[')) {
        // `foo(X)`: either a function the grammar does not know, or a non-numeric index
        throw new ParseError(
          `expected a numeric index at ${first.pos}, found '${first.text}': '${a.name}' is not a function (known: ${FN_NAMES.join(' ')}), and indices are numeric constants`,
          first.pos,
          'a positive integer index (a numeric literal)',
        );
      }
      if (first.kind === ')' || first.kind === 'eof') this.fail('a positive integer index', first, ` in the index '(' at ${open.pos}`);
      const specs = [this.parseIndexSpec()];
      let t = this.peek();
      if (t.kind === ',') {
        this.next();
        specs.push(this.parseIndexSpec());
        t = this.peek();
        if (t.kind === ',') throw new ParseError(`too many indices at ${t.pos}: at most 2 (X(i, j))`, t.pos, "')'");
      }
      if (t.kind !== ')') this.fail("')'", t, ` to close '(' at ${open.pos}`);
      this.next();
      const lits = specs.map((s) => (s.kind === 'one' && s.at.kind === 'num' ? s.at.value : undefined));
      if (lits.every((v) => v !== undefined)) {
        const [i, j] = lits as number[];
        return j === undefined ? { kind: 'index', a, i: i!, pos: open.pos } : { kind: 'index', a, i: i!, j, pos: open.pos };
      }
      return { kind: 'slice', a, specs, pos: open.pos };
    } finally {
      this.indexDepth--;
      this.ctx.pop();
    }
  }

  /** `:`, `e`, `lo:hi` or `lo:step:hi`; constant parts (no `end`) are checked here. */
  parseIndexSpec(): IndexSpec {
    const t = this.peek();
    if (t.kind === ':') {
      const n = this.peek2();
      if (n.kind === ',' || n.kind === ')') {
        this.next();
        return { kind: 'all' };
      }
    }
    const parts = [this.parseIndexPart(true)];
    while (this.peek().kind === ':' && parts.length < 3) {
      this.next();
      parts.push(this.parseIndexPart(false));
    }
    if (parts.length === 1) return { kind: 'one', at: parts[0]! };
    if (parts.length === 2) return { kind: 'range', lo: parts[0]!, hi: this.checkPositive(parts[1]!) };
    return { kind: 'range', lo: parts[0]!, step: parts[1]!, hi: this.checkPositive(parts[2]!) };
  }

  /** A constant part of an index; `positive` for values (a range's step may be negative). */
  private parseIndexPart(positive: boolean): Ast {
    const t = this.peek();
    const e = this.parseAdditive();
    const v = indexConst(e);
    if (v === null) {
      throw new ParseError(`index at ${t.pos} must be a numeric constant (numbers, 'end', + - * /)`, t.pos, 'a positive integer index (a numeric literal)');
    }
    if (v !== undefined && !Number.isInteger(v)) throw new ParseError(`index ${formatNumber(v)} at ${t.pos} must be an integer`, t.pos, 'an integer index');
    return positive ? this.checkPositive(e, t.pos) : e;
  }

  private checkPositive(e: Ast, pos = e.pos ?? 0): Ast {
    const v = indexConst(e);
    if (typeof v === 'number' && v < 1) throw new ParseError(`index ${formatNumber(v)} at ${pos} must be a positive integer (indices are 1-based)`, pos, 'a positive integer index');
    return e;
  }

  private parsePrimary(): Ast {
    if (this.inBracket) this.skipNewlines();
    const t = this.peek();
    switch (t.kind) {
      case 'num':
        this.next();
        return { kind: 'num', value: t.value, pos: t.pos };
      case 'name': {
        this.next();
        if (t.text === 'end' && this.indexDepth > 0) return { kind: 'end', pos: t.pos };
        if (isFnName(t.text)) return this.nested(t, () => this.parseCall(t, t.text as FnName));
        return { kind: 'name', name: t.text, pos: t.pos };
      }
      case '(': {
        this.next();
        this.ctx.push('(');
        try {
          const e = this.nested(t, () => this.parseAdditive());
          const close = this.peek();
          if (close.kind !== ')') this.fail("')'", close, ` to close '(' at ${t.pos}`);
          this.next();
          return e;
        } finally {
          this.ctx.pop();
        }
      }
      case '[':
        this.next();
        return this.nested(t, () => this.parseConcat(t));
      default:
        return this.fail('an expression', t);
    }
  }

  private parseCall(nameTok: Tok, fn: FnName): Ast {
    const open = this.peek();
    if (open.kind !== '(') this.fail("'('", open, ` after function '${fn}' at ${nameTok.pos}`);
    this.next();
    const args: Ast[] = [];
    this.ctx.push('(');
    try {
      if (this.peek().kind !== ')') {
        for (;;) {
          args.push(this.parseAdditive());
          const t = this.peek();
          if (t.kind === ',') {
            this.next();
            continue;
          }
          if (t.kind === ')') break;
          this.fail("',' or ')'", t, ` to close '${fn}(' at ${open.pos}`);
        }
      }
      this.next(); // ')'
    } finally {
      this.ctx.pop();
    }
    checkArity(fn, args.length, nameTok.pos);
    return { kind: 'call', fn, args, pos: nameTok.pos };
  }

  private parseConcat(open: Tok): Ast {
    this.ctx.push('[');
    const rows: Ast[][] = [];
    let row: Ast[] = [];
    try {
      for (;;) {
        const t = this.peek();
        if (t.kind === ']') {
          this.next();
          break;
        }
        if (t.kind === 'eof') this.fail("']'", t, ` to close '[' at ${open.pos}`);
        if (t.kind === ';' || t.kind === 'nl') {
          this.next();
          if (row.length) rows.push(row);
          row = [];
          continue;
        }
        if (t.kind === ',') {
          if (row.length === 0) this.fail('an element', t, ` in '[' at ${open.pos}`);
          this.next();
          // `[a, ]` and `[a,; b]` are allowed (MATLAB), `[a,, b]` is not
          const n = this.peek();
          if (n.kind === ',') this.fail('an element', n, ` in '[' at ${open.pos}`);
          continue;
        }
        if (row.length > 0) {
          // a new element without ',' must be separated by whitespace
          const prev = this.toks[this.i - 1]!;
          if (!t.spaceBefore && prev.kind !== ',') this.fail("',', ';' or ']'", t, ` in '[' at ${open.pos}`);
        }
        row.push(this.parseAdditive());
      }
    } finally {
      this.ctx.pop();
    }
    if (row.length) rows.push(row);
    if (rows.length === 0) throw new ParseError(`empty brackets '[]' at ${open.pos}: expected at least one element`, open.pos, 'an element');
    return { kind: 'concat', rows, pos: open.pos };
  }
}

/** Parses one index (`:`, `2:end`, `end-1`) on its own, for the builder. */
export function parseIndexSpec(text: string): IndexSpec {
  if (typeof text !== 'string') throw new ParseError(`expected an index as text, got ${typeof text}`, 0, 'an index');
  return new Parser(`_(${text})`).parseIndexOnly();
}
