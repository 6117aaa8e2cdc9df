/**
 * The tokenizer of the expression grammar (DESIGN.md §2): numbers, names, operators,
 * brackets and separators, with whether whitespace came before each token (significant inside
 * `[ ]`). No `eval`, no `new Function`.
 */
import { ParseError } from '../errors.js';

export type TokKind = 'num' | 'name' | 'op' | '(' | ')' | '[' | ']' | ',' | ';' | ':' | 'nl' | 'eof';

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

export function describe(t: Tok): string {
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
