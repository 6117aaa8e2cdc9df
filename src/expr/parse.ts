/**
 * The expression parser (DESIGN.md §2): a hand-written tokenizer and a recursive-descent /
 * precedence-climbing parser. No `eval`, no `new Function`.
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
import { PREC, formatNumber } from '../ops/types.js';
import type { Ast, IndexSpec } from './ast.js';
import { CHAIN_COLLAPSE, MAX_DEPTH, chain, validateAst } from './limits.js';

export { isFnName };

type TokKind = 'num' | 'name' | 'op' | '(' | ')' | '[' | ']' | ',' | ';' | ':' | 'nl' | 'eof';

export interface Tok {
  kind: TokKind;
  /** operator text, name, or the number's source text */
  text: string;
  value: number;
  pos: number;
  end: number;
  /** whitespace (or a newline) directly before this token */
  spaceBefore: boolean;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isIdStart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z_]/.test(c);
const isIdChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);

/** Kinds after which `'` is the transpose operator. */
function endsOperand(t: Tok | undefined): boolean {
  if (!t) return false;
  return t.kind === 'name' || t.kind === 'num' || t.kind === ')' || t.kind === ']' || (t.kind === 'op' && (t.text === "'" || t.text === ".'"));
}

function describe(t: Tok): string {
  switch (t.kind) {
    case 'eof':
      return 'end of input';
    case 'nl':
      return 'a newline';
    case 'num':
      return `number ${t.text}`;
    case 'name':
      return `name '${t.text}'`;
    default:
      return `'${t.text}'`;
  }
}

export function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let space = false;
  const push = (kind: TokKind, text: string, pos: number, end: number, value = NaN): void => {
    toks.push({ kind, text, value, pos, end, spaceBefore: space });
    space = false;
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      space = true;
      continue;
    }
    if (c === '.' && src.startsWith('...', i)) {
      // MATLAB line continuation: skip to the end of the line, newline included
      const nl = src.indexOf('\n', i);
      i = nl < 0 ? src.length : nl + 1;
      space = true;
      continue;
    }
    if (c === '%') {
      const nl = src.indexOf('\n', i);
      i = nl < 0 ? src.length : nl;
      continue;
    }
    if (c === '\n') {
      push('nl', '\n', i, i + 1);
      space = true; // a newline also separates the tokens around it
      i++;
      continue;
    }
    const start = i;
    if (isDigit(c) || (c === '.' && isDigit(src[i + 1]))) {
      while (isDigit(src[i])) i++;
      if (src[i] === '.') {
        const n = src[i + 1];
        // `1.*x`, `1./x`, `1.^x`, `1.'` : the dot belongs to the operator
        if (!(n === '*' || n === '/' || n === '^' || n === "'")) {
          i++;
          while (isDigit(src[i])) i++;
        }
      }
      if (src[i] === 'e' || src[i] === 'E') {
        let k = i + 1;
        if (src[k] === '+' || src[k] === '-') k++;
        if (!isDigit(src[k])) {
          throw new ParseError(`malformed number '${src.slice(start, k)}' at ${start}: expected digits in the exponent at ${k}`, k, 'digits');
        }
        while (isDigit(src[k])) k++;
        i = k;
      }
      const text = src.slice(start, i);
      const value = Number(text);
      if (!Number.isFinite(value)) throw new ParseError(`number ${text} at ${start} is out of range`, start, 'a finite number');
      if (isIdStart(src[i])) {
        throw new ParseError(`unexpected '${src[i]}' right after number ${text} at ${i}: expected an operator`, i, 'an operator');
      }
      push('num', text, start, i, value);
      continue;
    }
    if (isIdStart(c)) {
      while (isIdChar(src[i])) i++;
      push('name', src.slice(start, i), start, i);
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '.*' || two === './' || two === '.^' || two === ".'") {
      push('op', two, i, i + 2);
      i += 2;
      continue;
    }
    if (c === "'") {
      if (!endsOperand(toks[toks.length - 1])) {
        throw new ParseError(
          `unexpected "'" at ${i}: "'" is the transpose operator and must follow an operand (there are no strings)`,
          i,
          'an operand before the transpose',
        );
      }
      push('op', "'", i, i + 1);
      i++;
      continue;
    }
    if (c === '+' || c === '-' || c === '*' || c === '^' || c === '/' || c === '\\') {
      push('op', c, i, i + 1);
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === '[' || c === ']' || c === ',' || c === ';' || c === ':') {
      push(c, c, i, i + 1);
      i++;
      continue;
    }
    throw new ParseError(`unexpected character '${c}' at ${i}`, i, 'an expression');
  }
  push('eof', '', src.length, src.length);
  return toks;
}

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

/** Parses one index (`:`, `2:end`, `end-1`) on its own, for the builder. */
export function parseIndexSpec(text: string): IndexSpec {
  if (typeof text !== 'string') throw new ParseError(`expected an index as text, got ${typeof text}`, 0, 'an index');
  return new Parser(`_(${text})`).parseIndexOnly();
}

// ---------------------------------------------------------------------------------------------
// Ast → text

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
