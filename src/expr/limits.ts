/**
 * Bounds on expression trees (DESIGN.md §4: text nested or long enough to exhaust the stack is a
 * typed error, never a RangeError). Every walk after parsing (shape check, evaluation,
 * derivatives, formatting) recurses at most a constant times the tree's depth, so the depth is
 * bounded once here:
 * - long flat chains of one precedence level (`X + X + … + X`, `A*B*…*Z`) are built balanced,
 *   so 2,500 terms are 12 levels deep, not 2,500;
 * - a chain of more than CHAIN_COLLAPSE unary signs or transposes is reduced by parity;
 * - any tree deeper than MAX_DEPTH (deep nesting of parentheses, functions, powers) is refused
 *   with a ParseError at the position where the limit is crossed.
 */
import { InvalidArgumentError, ParseError } from '../errors.js';
import { FN_NAMES } from '../ops/functions.js';
import type { Ast } from './ast.js';

/** The deepest expression tree accepted (parentheses alone do not count: `((X))` is depth 1). */
export const MAX_DEPTH = 128;
/** Chains up to this many operands keep the left-to-right shape of the grammar. */
export const CHAIN_BALANCE = 32;
/** Runs of unary signs / transposes longer than this are reduced by parity. */
export const CHAIN_COLLAPSE = 32;

type BinOp = Extract<Ast, { kind: 'binary' }>['op'];

/** `x1 op x2 op … op xk` as a balanced tree (op associative); `pos[i]` is the position of the op before x(i+1). */
export function balanced(op: BinOp, xs: readonly Ast[], pos: readonly (number | undefined)[], lo = 0, hi = xs.length): Ast {
  if (hi - lo === 1) return xs[lo]!;
  const mid = (lo + hi) >>> 1;
  const p = pos[mid - 1];
  return { kind: 'binary', op, a: balanced(op, xs, pos, lo, mid), b: balanced(op, xs, pos, mid, hi), ...(p !== undefined && { pos: p }) };
}

/**
 * A left-associative chain `x0 o1 x1 o2 x2 …` of one precedence level. Up to CHAIN_BALANCE
 * operands: folded left, exactly as written. Longer: additive chains as (sum of the terms added)
 * − (sum of the terms subtracted), each balanced; multiplicative chains as runs of one operator
 * (`*` and `.*` are associative: `a*b*c*d = a*((b*c)*d)`), each run balanced, `./` folded left.
 */
export function chain(xs: readonly Ast[], ops: readonly BinOp[], pos: readonly (number | undefined)[]): Ast {
  const fold = (): Ast => {
    let acc = xs[0]!;
    for (let k = 0; k < ops.length; k++) acc = { kind: 'binary', op: ops[k]!, a: acc, b: xs[k + 1]!, ...(pos[k] !== undefined && { pos: pos[k] }) };
    return acc;
  };
  if (xs.length <= CHAIN_BALANCE) return fold();
  if (ops.every((o) => o === '+' || o === '-')) {
    const plus: Ast[] = [xs[0]!];
    const plusPos: (number | undefined)[] = [];
    const minus: Ast[] = [];
    const minusPos: (number | undefined)[] = [];
    ops.forEach((o, k) => {
      const [terms, at] = o === '+' ? [plus, plusPos] : [minus, minusPos];
      terms.push(xs[k + 1]!);
      at.push(pos[k]);
    });
    const P = balanced('+', plus, plusPos);
    if (minus.length === 0) return P;
    const N = balanced('+', minus, minusPos.slice(1));
    return { kind: 'binary', op: '-', a: P, b: N, ...(minusPos[0] !== undefined && { pos: minusPos[0] }) };
  }
  let acc = xs[0]!;
  let k = 0;
  while (k < ops.length) {
    const o = ops[k]!;
    let e = k;
    while (e < ops.length && ops[e] === o) e++;
    if (o === '*' || o === '.*') {
      const run = balanced(o, xs.slice(k + 1, e + 1), pos.slice(k + 1, e));
      acc = { kind: 'binary', op: o, a: acc, b: run, ...(pos[k] !== undefined && { pos: pos[k] }) };
    } else {
      for (let t = k; t < e; t++) acc = { kind: 'binary', op: o, a: acc, b: xs[t + 1]!, ...(pos[t] !== undefined && { pos: pos[t] }) };
    }
    k = e;
  }
  return acc;
}

/** Every Ast kind (a new kind of the grammar is added here, with the check of its fields below). */
const KINDS: ReadonlySet<string> = new Set(['name', 'num', 'binary', 'neg', 'transpose', 'index', 'slice', 'end', 'concat', 'call']);
const BIN_OPS: ReadonlySet<string> = new Set(['+', '-', '*', '.*', './', '/', '\\', '.^', '^']);
const FNS: ReadonlySet<string> = new Set(FN_NAMES);

/**
 * Checks that `a` is a well-formed Ast (every node of a known kind with fields of the right
 * types: a hand-made or corrupted tree is an InvalidArgumentError, not a TypeError later) no
 * deeper than MAX_DEPTH (a ParseError at the position, when known). Walks without recursion;
 * shared subtrees are visited once.
 */
export function validateAst(a: unknown): Ast {
  const depth = new Map<object, number>();
  const open = new Set<object>();
  const invalid = (why: string): never => {
    throw new InvalidArgumentError(`malformed expression tree: ${why}`);
  };
  // iterative post-order: a node's depth is 1 + the deepest of its children
  const stack: { node: unknown; expanded: boolean }[] = [{ node: a, expanded: false }];
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const n = top.node as Record<string, unknown>;
    if (typeof n !== 'object' || n === null || !KINDS.has(n.kind as string)) {
      invalid(`expected a node with kind ${[...KINDS].join('|')}, got ${n === null ? 'null' : typeof n === 'object' ? `kind ${String((n as { kind?: unknown }).kind)}` : typeof n}`);
    }
    if (depth.has(n)) {
      stack.pop();
      continue;
    }
    const kids = childrenOf(n, invalid);
    if (!top.expanded) {
      top.expanded = true;
      open.add(n);
      for (const c of kids) {
        if (typeof c === 'object' && c !== null && open.has(c)) invalid('a node contains itself (the tree has a cycle)');
        if (typeof c !== 'object' || c === null || !depth.has(c)) stack.push({ node: c, expanded: false });
      }
      continue;
    }
    stack.pop();
    open.delete(n);
    let d = 0;
    for (const c of kids) d = Math.max(d, depth.get(c as object) ?? 0);
    d += 1;
    if (d > MAX_DEPTH) {
      const pos = typeof n.pos === 'number' ? n.pos : undefined;
      if (pos !== undefined) {
        throw new ParseError(`the expression is nested more than ${MAX_DEPTH} levels deep at ${pos}; split it into parts`, pos, 'a shallower expression');
      }
      throw new InvalidArgumentError(`the expression is nested more than ${MAX_DEPTH} levels deep; build long sums and products with add(a, b, c, …) / mul(…) in one call (balanced), or split it into parts`);
    }
    depth.set(n, d);
  }
  return a as Ast;
}

function childrenOf(n: Record<string, unknown>, invalid: (why: string) => never): unknown[] {
  if (n.pos !== undefined && (typeof n.pos !== 'number' || !Number.isInteger(n.pos) || n.pos < 0)) invalid(`'pos' must be a non-negative integer`);
  switch (n.kind) {
    case 'name':
      if (typeof n.name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(n.name)) invalid(`a name node needs an identifier 'name', got ${String(n.name)}`);
      return [];
    case 'num':
      if (typeof n.value !== 'number' || !Number.isFinite(n.value)) invalid(`a num node needs a finite 'value', got ${String(n.value)}`);
      return [];
    case 'binary':
      if (!BIN_OPS.has(n.op as string)) invalid(`unknown binary op ${String(n.op)}`);
      return [n.a, n.b];
    case 'neg':
    case 'transpose':
      return [n.a];
    case 'index':
      if (typeof n.i !== 'number' || !Number.isInteger(n.i) || (n.j !== undefined && (typeof n.j !== 'number' || !Number.isInteger(n.j)))) invalid('an index node needs integer i (and j)');
      return [n.a];
    case 'end':
      return [];
    case 'slice': {
      if (!Array.isArray(n.specs) || n.specs.length < 1 || n.specs.length > 2) invalid("a slice node needs 1 or 2 'specs'");
      const parts: unknown[] = [n.a];
      for (const sp of n.specs as Record<string, unknown>[]) {
        if (typeof sp !== 'object' || sp === null) invalid('an index spec must be an object');
        if (sp.kind === 'all') continue;
        if (sp.kind === 'one') parts.push(sp.at);
        else if (sp.kind === 'range') parts.push(sp.lo, sp.hi, ...(sp.step === undefined ? [] : [sp.step]));
        else invalid(`unknown index spec ${String(sp.kind)}`);
      }
      return parts;
    }
    case 'concat':
      if (!Array.isArray(n.rows) || n.rows.length === 0 || !n.rows.every((r) => Array.isArray(r) && r.length > 0)) invalid("a concat node needs non-empty 'rows' of non-empty arrays");
      return (n.rows as unknown[][]).flat();
    case 'call':
      if (!FNS.has(n.fn as string)) invalid(`unknown function ${String(n.fn)}`);
      if (!Array.isArray(n.args)) invalid("a call node needs an 'args' array");
      return n.args as unknown[];
    default:
      return invalid(`unknown kind ${String(n.kind)}`);
  }
}
