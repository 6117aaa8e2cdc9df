/**
 * Linear and structural ops of the typed IR: variables, constants, the matrix product,
 * transpose, gathers (indexing, vec, diag, reshape), block concatenation and the Kronecker
 * product (DESIGN.md §1):
 *   d(AB) = dA·B + A·dB     d(Aᵀ) = (dA)ᵀ     d(A⊗B) = dA⊗B + A⊗dB
 * and their transposes by the trace trick ⟨C, A dX B⟩ = ⟨Aᵀ C Bᵀ, dX⟩.
 */
import { InvalidArgumentError, fmtShape } from '../errors.js';
import type { Node, NodeOf } from '../expr/ast.js';
import { Mat } from '../mat/mat.js';
import { kron as kronKernel } from '../mat/kron.js';
import { matmul as matmulKernel } from '../mat/matmul.js';
import { transpose as transposeKernel } from '../mat/ops.js';
import { concatBlocks, gather as gatherKernel } from '../mat/select.js';
import * as N from './nodes.js';
import { PREC, formatNumber, never, type OpRecord } from './types.js';

const same = (a: readonly [number, number], b: readonly [number, number]): boolean => a[0] === b[0] && a[1] === b[1];

export const variable: OpRecord<'var'> = {
  batch: null, // the seed itself
  label: (n) => n.name,
  eval: () => {
    throw new Error('internal: variables are looked up by the evaluator');
  },
  jvp: () => {
    throw new Error('internal: the tangent of a variable is the seed');
  },
  vjp: () => undefined,
  restricted: never,
  structure: (t) => [{ kind: 'kron', alpha: 1, gamma: null, A: null, B: null, C: null, S: null, transposed: false, shape: t.shape }],
  format: (n) => n.name,
  prec: () => PREC.atom,
};

export const constant: OpRecord<'const'> = {
  batch: null,
  label: () => 'constant',
  eval: (n) => n.value.toFloat64(),
  jvp: () => null,
  vjp: () => undefined,
  restricted: never,
  structure: 'dense',
  format: (n) => fmtConst(n.value),
  prec: (n) => (n.value.rows === 1 && n.value.cols === 1 && n.value.data[0]! < 0 ? PREC.neg : PREC.atom),
};

function fmtConst(v: Mat): string {
  if (v.rows === 1 && v.cols === 1) return formatNumber(v.data[0]!);
  const rows: string[] = [];
  for (let i = 0; i < v.rows; i++) {
    const r: string[] = [];
    for (let j = 0; j < v.cols; j++) r.push(formatNumber(v.data[i + j * v.rows]!));
    rows.push(r.join(', '));
  }
  return `[${rows.join('; ')}]`;
}

export const matmul: OpRecord<'matmul'> = {
  // a transposed operand is folded into the product instead of materialised
  batch: (n, v, b) => {
    const ta = n.a.op === 'transpose';
    const tb = n.b.op === 'transpose';
    return b.matmul(v(ta ? (n.a as NodeOf<'transpose'>).a : n.a), v(tb ? (n.b as NodeOf<'transpose'>).a : n.b), ta, tb);
  },
  label: () => '*',
  eval: (_n, [a, b]) => matmulKernel(a!, b!),
  jvp: (n, d) => N.add(N.matmul(d(n.a), n.b), N.matmul(n.a, d(n.b))),
  vjp: (n, c, acc) => {
    acc(n.a, N.matmul(c, N.transpose(n.b)));
    acc(n.b, N.matmul(N.transpose(n.a), c));
  },
  restricted: never,
  // P (A dX B) = (PA) dX B, (A dX B) P = A dX (BP)
  structure: (t, c) => {
    const sp = c.split(t.a, t.b);
    if (!sp) return c.fallback();
    const rebuild = (x: Node): Node => (sp.left ? N.matmul(sp.p, x)! : N.matmul(x, sp.p)!);
    return c.each(
      c.walk(sp.t),
      (s) => {
        if (s.kind === 'outer') return { ...s, U: rebuild(s.U), shape: t.shape };
        if (s.S || !same(s.shape, c.innerShape(s))) return null;
        return sp.left ? { ...s, A: N.matmul(sp.p, s.A) ?? sp.p, shape: t.shape } : { ...s, B: N.matmul(s.B, sp.p) ?? sp.p, shape: t.shape };
      },
      rebuild,
    );
  },
  format: (n, f) => `${f.wrap(n.a, PREC.mul)} * ${f.wrap(n.b, PREC.mul + 1)}`,
  prec: () => PREC.mul,
};

export const transpose: OpRecord<'transpose'> = {
  batch: (n, v, b) => b.transpose(v(n.a)),
  label: () => "'",
  eval: (_n, [a]) => transposeKernel(a!),
  jvp: (n, d) => N.transpose(d(n.a)),
  vjp: (n, c, acc) => acc(n.a, N.transpose(c)),
  restricted: never,
  // (S ⊙ A (C⊙dX) B)ᵀ = Sᵀ ⊙ Bᵀ (Cᵀ⊙dXᵀ) Aᵀ
  structure: (t, c) =>
    c.each(
      c.walk(t.a),
      (s) => {
        if (s.kind === 'outer') return { ...s, U: N.transpose(s.U)!, shape: t.shape };
        if (!same(s.shape, c.innerShape(s))) return null;
        return { ...s, A: N.transpose(s.B), B: N.transpose(s.A), C: N.transpose(s.C), S: N.transpose(s.S), transposed: !s.transposed, shape: t.shape };
      },
      (x) => N.transpose(x)!,
    ),
  format: (n, f) => `${f.wrap(n.a, PREC.postfix)}'`,
  prec: () => PREC.postfix,
};

export const gather: OpRecord<'gather'> = {
  batch: (n, v, b) => b.gather(v(n.a), n.idx, n.shape[0], n.shape[1]),
  label: (n) => gatherForm(n).kind,
  eval: (n, [a]) => gatherKernel(a!, n.idx, n.shape[0], n.shape[1]),
  jvp: (n, d) => N.gather(d(n.a), n.idx, n.shape[0], n.shape[1]),
  vjp: (n, c, acc) => acc(n.a, N.gather(c, inverseMap(n.idx, n.a.shape[0] * n.a.shape[1]), n.a.shape[0], n.a.shape[1])),
  restricted: never,
  structure: (t, c) => {
    const size = t.a.shape[0] * t.a.shape[1];
    const isReshape = t.idx.length === size && t.idx.every((v, k) => v === k);
    const single = t.idx.length === 1 && t.idx[0]! >= 0 ? t.idx[0]! : -1;
    return c.each(
      c.walk(t.a),
      (s) => {
        if (isReshape) return s.kind === 'outer' ? { ...s, U: N.reshape(s.U, t.shape[0], t.shape[1])!, shape: t.shape } : { ...s, shape: t.shape };
        if (s.kind === 'outer') return { ...s, U: N.gather(s.U, t.idx, t.shape[0], t.shape[1])!, shape: t.shape };
        if (single >= 0) return c.entryToOuter(s, single);
        // a submatrix A(I, J) = P_I A P_Jᵀ: the selections join the term's outer factors
        const sel = selection(t);
        if (!sel || s.S || !same(s.shape, c.innerShape(s))) return null;
        const [p, q] = s.shape;
        const full = (v: number[], size: number): boolean => v.length === size && v.every((x, k) => x === k);
        const PI = full(sel.rows, p) ? null : N.constant(selector(sel.rows, p, false));
        const PJ = full(sel.cols, q) ? null : N.constant(selector(sel.cols, q, true));
        return { ...s, A: PI ? (N.matmul(PI, s.A) ?? PI) : s.A, B: PJ ? (N.matmul(s.B, PJ) ?? PJ) : s.B, shape: t.shape };
      },
      (x) => N.gather(x, t.idx, t.shape[0], t.shape[1])!,
    );
  },
  format: (n, f) => formatGather(n, f.wrap, f.text),
  prec: (n) => {
    const k = gatherForm(n).kind;
    return k === 'index' || k === 'slice' ? PREC.postfix : PREC.atom;
  },
};

/** The rows and columns (0-based) of a gather that picks a submatrix A(I, J), else null. */
function selection(n: NodeOf<'gather'>): { rows: number[]; cols: number[] } | null {
  const m = n.a.shape[0];
  const [r, c] = n.shape;
  const idx = n.idx;
  if (idx.length !== r * c || idx.some((v) => v < 0)) return null;
  const rows = Array.from(idx.subarray(0, r), (v) => v % m);
  const cols = Array.from({ length: c }, (_, j) => Math.floor(idx[j * r]! / m));
  for (let j = 0; j < c; j++) for (let i = 0; i < r; i++) if (idx[i + j * r] !== rows[i]! + cols[j]! * m) return null;
  return { rows, cols };
}

/** The 0/1 matrix selecting `picks` out of `size`: |picks|×size rows of I (or its transpose, size×|picks|). */
function selector(picks: readonly number[], size: number, transposed: boolean): Mat {
  const k = picks.length;
  const P = transposed ? Mat.zeros(size, k) : Mat.zeros(k, size);
  picks.forEach((v, i) => (P.data[transposed ? v + i * size : i + v * k] = 1));
  return P;
}

/** The transpose of a gather with distinct sources: another gather. */
export function inverseMap(idx: Int32Array, size: number): Int32Array {
  const inv = new Int32Array(size).fill(-1);
  for (let k = 0; k < idx.length; k++) {
    const s = idx[k]!;
    if (s < 0) continue;
    if (inv[s] !== -1) throw new InvalidArgumentError('internal: gather with a repeated source has no gather transpose');
    inv[s] = k;
  }
  return inv;
}

type GatherForm = { kind: 'index'; i: number; j?: number } | { kind: 'vec' } | { kind: 'diag' } | { kind: 'slice'; specs: string } | { kind: 'gather' };

/** 1-based positions as an index: `:` (all of `size`), one value, or a range `lo:hi` / `lo:step:hi`; null if none fits. */
function progression(vals: readonly number[], size: number): string | null {
  if (vals.length === size && vals.every((v, k) => v === k + 1)) return ':';
  if (vals.length === 1) return String(vals[0]);
  const step = vals[1]! - vals[0]!;
  if (step === 0 || !vals.every((v, k) => v === vals[0]! + k * step)) return null;
  return step === 1 ? `${vals[0]}:${vals[vals.length - 1]}` : `${vals[0]}:${step}:${vals[vals.length - 1]}`;
}

/** A gather that `X(I)` or `X(I, J)` with ranges would make (see expr/check's lowering), as its index text. */
function sliceForm(n: NodeOf<'gather'>): string | null {
  const [m, k] = n.a.shape;
  const [r, c] = n.shape;
  const idx = Array.from(n.idx);
  if (idx.some((v) => v < 0)) return null;
  if (r === 1 || c === 1) {
    const spec = progression(idx.map((v) => v + 1), m * k);
    const len = idx.length;
    const shape = spec === ':' ? [len, 1] : k === 1 && m > 1 ? [len, 1] : [1, len];
    if (spec !== null && shape[0] === r && shape[1] === c) return spec;
  }
  const rows = idx.slice(0, r).map((v) => v % m);
  const cols = Array.from({ length: c }, (_, j) => Math.floor(idx[j * r]! / m));
  for (let j = 0; j < c; j++) for (let i = 0; i < r; i++) if (idx[i + j * r] !== rows[i]! + cols[j]! * m) return null;
  const I = progression(rows.map((v) => v + 1), m);
  const J = progression(cols.map((v) => v + 1), k);
  return I !== null && J !== null ? `${I}, ${J}` : null;
}

/** Which grammar form made a gather (indexing, vec or diag), for its text. */
function gatherForm(n: NodeOf<'gather'>): GatherForm {
  const [m, k] = n.a.shape;
  const idx = n.idx;
  const size = m * k;
  if (idx.length === 1 && n.shape[0] === 1 && n.shape[1] === 1) {
    const l = idx[0]!;
    if (l < 0 || l >= size) return { kind: 'gather' };
    if (m === 1 || k === 1) return { kind: 'index', i: l + 1 };
    return { kind: 'index', i: (l % m) + 1, j: Math.floor(l / m) + 1 };
  }
  if (n.shape[0] === size && n.shape[1] === 1 && idx.every((v, t) => v === t)) return { kind: 'vec' };
  if ((m === 1 || k === 1) && n.shape[0] === size && n.shape[1] === size) {
    if (idx.every((v, t) => (t % size === Math.floor(t / size) ? v === t % size : v === -1))) return { kind: 'diag' };
  }
  if (m === k && n.shape[0] === m && n.shape[1] === 1 && idx.every((v, t) => v === t + t * m)) return { kind: 'diag' };
  const specs = sliceForm(n);
  return specs === null ? { kind: 'gather' } : { kind: 'slice', specs };
}

function formatGather(node: NodeOf<'gather'>, wrap: (x: Node, min: number) => string, text: (x: Node) => string): string {
  const g = gatherForm(node);
  switch (g.kind) {
    case 'index':
      return `${wrap(node.a, PREC.postfix)}(${g.i}${g.j !== undefined ? `, ${g.j}` : ''})`;
    case 'slice':
      return `${wrap(node.a, PREC.postfix)}(${g.specs})`;
    case 'vec':
      return `vec(${text(node.a)})`;
    case 'diag':
      return `diag(${text(node.a)})`;
    case 'gather':
      return `gather(${text(node.a)}, [${Array.from(node.idx).join(' ')}] → ${fmtShape(node.shape)})`;
  }
}

/** Indices of a rows×cols block at (r0, c0) inside a matrix with `total` rows. */
export function blockMap(total: number, r0: number, c0: number, rows: number, cols: number): Int32Array {
  const idx = new Int32Array(rows * cols);
  for (let j = 0; j < cols; j++) for (let i = 0; i < rows; i++) idx[i + j * rows] = r0 + i + (c0 + j) * total;
  return idx;
}

export const concat: OpRecord<'concat'> = {
  // rows first, then the rows stacked: block rows need not split their columns alike
  batch: (n, v, b) => {
    const rows = n.blocks.map((row) => (row.length === 1 ? v(row[0]!) : b.concat([row.map(v)])));
    return rows.length === 1 ? rows[0]! : b.concat(rows.map((r) => [r]));
  },
  label: () => '[',
  eval: (n, x) => {
    let k = 0;
    return concatBlocks(
      n.blocks.map((r) => r.map(() => x[k++]!)),
      n.shape[0],
      n.shape[1],
    );
  },
  jvp: (n, d) =>
    N.concat(
      n.blocks.map((row) => row.map(d)),
      n.blocks.map((row) => row.map((b) => b.shape)),
    ),
  vjp: (n, c, acc) => {
    let r0 = 0;
    for (const row of n.blocks) {
      let c0 = 0;
      for (const b of row) {
        acc(b, N.gather(c, blockMap(n.shape[0], r0, c0, b.shape[0], b.shape[1]), b.shape[0], b.shape[1]));
        c0 += b.shape[1];
      }
      r0 += row[0]!.shape[0];
    }
  },
  restricted: never,
  structure: 'dense',
  format: (n, f) => `[${n.blocks.map((r) => r.map((b) => f.text(b)).join(', ')).join('; ')}]`,
  prec: () => PREC.atom,
};

/** R[i + j·m, k + l·p] = (a⊗b)[i·p + k, j·q + l], as indices into vec(a⊗b) (which has m·p rows). */
function kronRearrange(m: number, n: number, p: number, q: number): Int32Array {
  const idx = new Int32Array(m * n * p * q);
  const rowsR = m * n;
  const rowsK = m * p;
  for (let l = 0; l < q; l++)
    for (let k = 0; k < p; k++)
      for (let j = 0; j < n; j++)
        for (let i = 0; i < m; i++) idx[i + j * m + (k + l * p) * rowsR] = i * p + k + (j * q + l) * rowsK;
  return idx;
}

export const kron: OpRecord<'kron'> = {
  batch: (n, v, b) => b.kron(v(n.a), v(n.b)),
  label: () => 'kron',
  eval: (_n, [a, b]) => kronKernel(a!, b!),
  jvp: (n, d) => N.add(N.kron(d(n.a), n.b), N.kron(n.a, d(n.b))),
  // vec(ā) = R vec(b), vec(b̄) = Rᵀ vec(a), R[i + j·m, k + l·p] = C̄[i·p + k, j·q + l]
  vjp: (n, c, acc) => {
    const [m, nn] = n.a.shape;
    const [p, q] = n.b.shape;
    const R = N.gather(c, kronRearrange(m, nn, p, q), m * nn, p * q)!;
    acc(n.a, N.reshape(N.matmul(R, N.reshape(n.b, p * q, 1)), m, nn));
    acc(n.b, N.reshape(N.matmul(N.transpose(R), N.reshape(n.a, m * nn, 1)), p, q));
  },
  restricted: never,
  structure: 'dense',
  format: (n, f) => `kron(${f.text(n.a)}, ${f.text(n.b)})`,
  prec: () => PREC.atom,
};
