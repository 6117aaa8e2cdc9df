import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JacobianShape, KronTerm, OuterTerm, Term } from '../../src/backend/backend.js';
import { CpuBackend, CpuTensor, writeAssembly } from '../../src/backend/cpu/index.js';
import { materializeKronDense } from '../helpers/kron-dense.js';
import { InvalidArgumentError, ShapeError } from '../../src/errors.js';
import { Mat, add, divide, hadamard, kron, matmul, matmulNaive, scale, sub, sumAll, transpose, vec } from '../../src/mat/index.js';
import { FC, dim, expectClose, matOf, seedArb } from '../mat/helpers.js';
import { assembleTerms, describeAssembly } from '../../src/plan/assembly.js';

const be = new CpuBackend();
const read = (t: unknown): Promise<Mat> => be.read(t as CpuTensor);
const sliceOf = (t: CpuTensor, k: number): Mat => t.slice(k);

describe('CpuBackend basics', () => {
  it('identity', () => {
    expect(be.name).toBe('cpu');
    expect(be.precision).toBe('f64');
    expect(be.device).toBe('cpu (float64)');
  });

  it('upload / read round trip; upload copies, read hands the buffer over; batch > 1 cannot be read', async () => {
    const X = Mat.random(3, 2, { seed: 1 });
    const T = be.upload(X);
    expect([T.batch, T.rows, T.cols]).toEqual([1, 3, 2]);
    expect(T.data).not.toBe(X.data);
    const R = await read(T);
    expectClose(R, X, 0);
    expect(R.data).toBe(T.data);
    const B = be.upload([X, Mat.random(3, 2, { seed: 2 })]);
    expect(B.batch).toBe(2);
    expectClose(sliceOf(B, 1), Mat.random(3, 2, { seed: 2 }), 0);
    await expect(be.read(B)).rejects.toThrow(ShapeError);
    expect(() => be.upload([X, Mat.zeros(2, 3)])).toThrow(/matrix 1 is 2×3, matrix 0 is 3×2/);
    expect(() => be.upload([])).toThrow(InvalidArgumentError);
    // float32 input is widened
    expect(be.upload(new Mat(1, 2, Float32Array.of(1.5, 2))).data).toBeInstanceOf(Float64Array);
    be.dispose(T);
    await be.sync();
  });

  it('rejects tensors from another backend', () => {
    const foreign = { batch: 1, rows: 1, cols: 1 };
    expect(() => be.scale(foreign, 2)).toThrow(InvalidArgumentError);
  });

  it('unitBatch: slice t has a single 1 at vec index t', () => {
    const U = be.unitBatch(2, 3);
    expect([U.batch, U.rows, U.cols]).toEqual([6, 2, 3]);
    for (let t = 0; t < 6; t++) {
      const E = sliceOf(U, t);
      for (let e = 0; e < 6; e++) expect(E.data[e]).toBe(e === t ? 1 : 0);
    }
    // stacking the unit batch gives the identity both ways
    expectClose(sliceOf(be.stack(U, false), 0), Mat.eye(6), 0);
    expectClose(sliceOf(be.stack(U, true), 0), Mat.eye(6), 0);
  });
});

describe('CpuBackend tensor ops against the plain kernels', () => {
  it('matmul with transposes and broadcasting', () => {
    fc.assert(
      fc.property(dim, dim, dim, fc.constantFrom(1, 3), fc.constantFrom(1, 3), fc.boolean(), fc.boolean(), seedArb, (m, k, n, ab, bb, tA, tB, s) => {
        if (ab !== bb && ab !== 1 && bb !== 1) return;
        const As = Array.from({ length: ab }, (_, t) => matOf(m, k, s + t));
        const Bs = Array.from({ length: bb }, (_, t) => matOf(k, n, s + 10 + t));
        const a = be.upload(As.map((A) => (tA ? transpose(A) : A)));
        const b = be.upload(Bs.map((B) => (tB ? transpose(B) : B)));
        const C = be.matmul(a, b, tA, tB);
        const batch = Math.max(ab, bb);
        expect([C.batch, C.rows, C.cols]).toEqual([batch, m, n]);
        for (let t = 0; t < batch; t++) expectClose(sliceOf(C, t), matmulNaive(As[ab === 1 ? 0 : t]!, Bs[bb === 1 ? 0 : t]!), 1e-14);
      }),
      FC,
    );
    expect(() => be.matmul(be.upload(Mat.zeros(2, 3)), be.upload(Mat.zeros(2, 3)))).toThrow(/2×3 · 2×3/);
    expect(() => be.matmul(be.upload(Mat.zeros(2, 3)), be.upload(Mat.zeros(2, 3)), true)).not.toThrow();
    const b2 = be.upload([Mat.zeros(2), Mat.zeros(2)]);
    const b3 = be.upload([Mat.zeros(2), Mat.zeros(2), Mat.zeros(2)]);
    expect(() => be.matmul(b2, b3)).toThrow(/batch sizes 2 and 3/);
  });

  it('elementwise with batch and 1×1 broadcasting', () => {
    const ops = { add, sub, mul: hadamard, div: divide } as const;
    fc.assert(
      fc.property(dim, dim, fc.constantFrom('add', 'sub', 'mul', 'div'), fc.constantFrom(1, 3), fc.constantFrom(1, 3), fc.constantFrom('none', 'a', 'b'), seedArb, (m, n, op, ab, bb, scalar, s) => {
        if (ab !== bb && ab !== 1 && bb !== 1) return;
        const As = Array.from({ length: ab }, (_, t) => (scalar === 'a' ? matOf(1, 1, s + t) : matOf(m, n, s + t)));
        const Bs = Array.from({ length: bb }, (_, t) => (scalar === 'b' ? matOf(1, 1, s + 10 + t) : matOf(m, n, s + 10 + t)));
        const R = be.elementwise(op, be.upload(As), be.upload(Bs));
        const batch = Math.max(ab, bb);
        expect([R.batch, R.rows, R.cols]).toEqual([batch, m, n]);
        const full = (M: Mat): Mat => (M.rows === 1 && M.cols === 1 && (m > 1 || n > 1) ? new Mat(m, n, new Float64Array(m * n).fill(M.data[0]!)) : M);
        for (let t = 0; t < batch; t++) {
          expectClose(sliceOf(R, t), ops[op](full(As[ab === 1 ? 0 : t]!), full(Bs[bb === 1 ? 0 : t]!)), 0);
        }
      }),
      FC,
    );
    expect(() => be.elementwise('add', be.upload(Mat.zeros(2, 3)), be.upload(Mat.zeros(3, 2)))).toThrow(/add: shapes 2×3 and 3×2/);
  });

  it('scale, transpose, kron, sumAll per slice', () => {
    fc.assert(
      fc.property(dim, dim, dim, dim, fc.constantFrom(1, 2, 3), seedArb, (m, n, p, q, batch, s) => {
        const As = Array.from({ length: batch }, (_, t) => matOf(m, n, s + t));
        const B = matOf(p, q, s + 20);
        const a = be.upload(As);
        const b = be.upload(B);
        const sc = be.scale(a, -2.5);
        const tr = be.transpose(a);
        const kr = be.kron(a, b);
        const kr2 = be.kron(b, a);
        const su = be.sumAll(a);
        expect([tr.rows, tr.cols, kr.rows, kr.cols, su.batch, su.rows, su.cols]).toEqual([n, m, m * p, n * q, batch, 1, 1]);
        for (let t = 0; t < batch; t++) {
          expectClose(sliceOf(sc, t), scale(As[t]!, -2.5), 0);
          expectClose(sliceOf(tr, t), transpose(As[t]!), 0);
          expectClose(sliceOf(kr, t), kron(As[t]!, B), 0);
          expectClose(sliceOf(kr2, t), kron(B, As[t]!), 0);
          expect(su.data[t]).toBeCloseTo(sumAll(As[t]!), 14);
        }
      }),
      FC,
    );
  });

  it('gather: vec(out)[k] = idx[k] >= 0 ? vec(a)[idx[k]] : 0', () => {
    const A = Mat.from([
      [1, 2],
      [3, 4],
    ]);
    const a = be.upload([A, scale(A, 10)]);
    // diag as a column, then a 2×2 with a zero
    const d = be.gather(a, Int32Array.of(0, 3), 2, 1);
    expect(Array.from(d.data)).toEqual([1, 4, 10, 40]);
    const g = be.gather(a, Int32Array.of(3, -1, 1, 0), 2, 2);
    expect(sliceOf(g, 0).toArray()).toEqual([
      [4, 3],
      [0, 1],
    ]);
    expect(() => be.gather(a, Int32Array.of(0), 2, 1)).toThrow(ShapeError);
    expect(() => be.gather(a, Int32Array.of(0, 4), 2, 1)).toThrow(/index 4 is outside a 2×2/);
  });

  it('concat: block matrices with batch broadcasting', () => {
    const A = Mat.from([[1, 2]]);
    const B = Mat.from([[3]]);
    const C = Mat.from([
      [4, 5],
      [6, 7],
    ]);
    const D = Mat.from([[8], [9]]);
    const r = be.concat([
      [be.upload([A, scale(A, 2)]), be.upload(B)],
      [be.upload(C), be.upload(D)],
    ]);
    expect([r.batch, r.rows, r.cols]).toEqual([2, 3, 3]);
    expect(sliceOf(r, 0).toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 8],
      [6, 7, 9],
    ]);
    expect(sliceOf(r, 1).toArray()[0]).toEqual([2, 4, 3]);
    expect(() => be.concat([[be.upload(A), be.upload(D)]])).toThrow(ShapeError);
    expect(() => be.concat([[be.upload(A)], [be.upload(D)]])).toThrow(/block \(2, 1\) is 2×1, but block \(1, 1\) has 2 columns/);
    expect(() => be.concat([])).toThrow(ShapeError);
  });

  it('stack: slice t becomes column t, or row t when transposed', () => {
    fc.assert(
      fc.property(dim, dim, fc.integer({ min: 1, max: 5 }), seedArb, (m, n, batch, s) => {
        const As = Array.from({ length: batch }, (_, t) => matOf(m, n, s + t));
        const a = be.upload(As);
        const S = sliceOf(be.stack(a, false), 0);
        const St = sliceOf(be.stack(a, true), 0);
        expect(S.shape).toEqual([m * n, batch]);
        expect(St.shape).toEqual([batch, m * n]);
        for (let t = 0; t < batch; t++) {
          for (let e = 0; e < m * n; e++) {
            expect(S.get(e, t)).toBe(As[t]!.data[e]);
            expect(St.get(t, e)).toBe(As[t]!.data[e]);
          }
        }
      }),
      FC,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// assemble

/** The entry formula of backend.ts, written out naively (a third, independent construction). */
function entryFormula(term: KronTerm, sh: JacobianShape): Mat {
  const { m, n, p, q } = sh;
  const J = Mat.zeros(p * q, m * n);
  const A = (r: number, c: number): number => (term.A ? term.A.get(r, c) : r === c ? 1 : 0);
  const B = (r: number, c: number): number => (term.B ? term.B.get(r, c) : r === c ? 1 : 0);
  const C = (r: number, c: number): number => (term.C ? term.C.get(r, c) : 1);
  const S = (r: number, c: number): number => (term.S ? term.S.get(r, c) : 1);
  for (let k = 0; k < p; k++)
    for (let l = 0; l < q; l++)
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          const v = term.transposed ? A(k, j) * C(j, i) * B(i, l) : A(k, i) * C(i, j) * B(j, l);
          J.set(k + l * p, i + j * m, term.alpha * S(k, l) * v);
        }
  return J;
}

interface Case {
  term: KronTerm;
  shape: JacobianShape;
}

/** A random Kron term with each factor independently null or not. */
const kronCase = fc
  .record({
    m: dim,
    n: dim,
    p: dim,
    q: dim,
    nullA: fc.boolean(),
    nullB: fc.boolean(),
    nullC: fc.boolean(),
    nullS: fc.boolean(),
    transposed: fc.boolean(),
    alpha: fc.constantFrom(1, -1, 0.5, 2.25),
    seed: seedArb,
  })
  .map(({ m, n, p, q, nullA, nullB, nullC, nullS, transposed, alpha, seed }): Case => {
    const ka = transposed ? n : m;
    const kb = transposed ? m : n;
    if (nullA) p = ka;
    if (nullB) q = kb;
    const term: KronTerm = {
      kind: 'kron',
      alpha,
      A: nullA ? null : matOf(p, ka, seed),
      B: nullB ? null : matOf(kb, q, seed + 1),
      C: nullC ? null : transposed ? matOf(n, m, seed + 2) : matOf(m, n, seed + 2),
      S: nullS ? null : matOf(p, q, seed + 3),
      transposed,
    };
    return { term, shape: { m, n, p, q } };
  });

function colRange(M: Mat, c0: number, count: number): Mat {
  return new Mat(M.rows, count, M.data.slice(c0 * M.rows, (c0 + count) * M.rows));
}

describe('CpuBackend.assemble', () => {
  it('the dense construction matches the entry formula (checks the checker)', () => {
    fc.assert(
      fc.property(kronCase, ({ term, shape }) => {
        expectClose(materializeKronDense(term, shape), entryFormula(term, shape), 1e-14);
      }),
      FC,
    );
  });

  it('every null/non-null combination of A, B, C, S, transposed, in both layouts', () => {
    // exhaustive over the 32 combinations, a few shapes each
    let seed = 1;
    for (let mask = 0; mask < 32; mask++) {
      for (const [m0, n0, p0, q0] of [
        [1, 1, 1, 1],
        [2, 3, 4, 5],
        [3, 2, 1, 4],
        [5, 4, 3, 2],
      ] as const) {
        const transposed = (mask & 16) !== 0;
        const ka = transposed ? n0 : m0;
        const kb = transposed ? m0 : n0;
        const p = mask & 1 ? ka : p0;
        const q = mask & 2 ? kb : q0;
        const term: KronTerm = {
          kind: 'kron',
          alpha: 1.5,
          A: mask & 1 ? null : Mat.random(p, ka, { seed: seed++ }),
          B: mask & 2 ? null : Mat.random(kb, q, { seed: seed++ }),
          C: mask & 4 ? null : Mat.random(transposed ? n0 : m0, transposed ? m0 : n0, { seed: seed++ }),
          S: mask & 8 ? null : Mat.random(p, q, { seed: seed++ }),
          transposed,
        };
        const shape = { m: m0, n: n0, p, q };
        const ref = materializeKronDense(term, shape);
        const J = sliceOf(assembleTerms(be, [term], shape, 'numerator'), 0);
        const D = sliceOf(assembleTerms(be, [term], shape, 'denominator'), 0);
        expectClose(J, ref, 1e-14);
        expectClose(D, transpose(ref), 1e-14);
      }
    }
  });

  it('random terms, sums of terms, outer terms, both layouts (property)', () => {
    fc.assert(
      fc.property(kronCase, seedArb, (c, s) => {
        const { shape } = c;
        const { m, n, p, q } = shape;
        const outer: OuterTerm = { kind: 'outer', alpha: -0.75, U: matOf(p, q, s), V: matOf(m, n, s + 1) };
        // a second Kron term of the same shape: dense A, B, not transposed
        const second: KronTerm = { kind: 'kron', alpha: 2, A: matOf(p, m, s + 2), B: matOf(n, q, s + 3), C: null, S: null, transposed: false };
        const terms: Term[] = [c.term, outer, second];
        const ref = add(add(materializeKronDense(c.term, shape), materializeKronDense(outer, shape)), entryFormula(second, shape));
        expectClose(sliceOf(assembleTerms(be, terms, shape, 'numerator'), 0), ref, 1e-13);
        expectClose(sliceOf(assembleTerms(be, terms, shape, 'denominator'), 0), transpose(ref), 1e-13);
      }),
      FC,
    );
  });

  it('outer term: J = α vec(U) vec(V)ᵀ', () => {
    const U = Mat.from([[1, 2]]);
    const V = Mat.from([[3], [4], [5]]);
    const shape = { m: 3, n: 1, p: 1, q: 2 };
    const J = sliceOf(assembleTerms(be, [{ kind: 'outer', alpha: 2, U, V }], shape, 'numerator'), 0);
    expectClose(J, scale(matmul(vec(U), transpose(vec(V))), 2), 0);
    expect(J.shape).toEqual([2, 3]);
  });

  it('F = AXB gives Bᵀ⊗A (numerator) and B⊗Aᵀ (denominator)', () => {
    const A = Mat.random(3, 2, { seed: 1 });
    const B = Mat.random(4, 5, { seed: 2 });
    const shape = { m: 2, n: 4, p: 3, q: 5 };
    const term: KronTerm = { kind: 'kron', alpha: 1, A, B, C: null, S: null, transposed: false };
    expectClose(sliceOf(assembleTerms(be, [term], shape, 'numerator'), 0), kron(transpose(B), A), 0);
    expectClose(sliceOf(assembleTerms(be, [term], shape, 'denominator'), 0), kron(B, transpose(A)), 0);
  });

  it('column ranges write exactly those columns; add is added in the same pass', () => {
    fc.assert(
      fc.property(kronCase, fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), seedArb, (c, numerator, u, w, s) => {
        const { term, shape } = c;
        const layout = numerator ? 'numerator' : 'denominator';
        const refNum = materializeKronDense(term, shape);
        const ref = numerator ? refNum : transpose(refNum);
        const col0 = Math.min(ref.cols - 1, Math.floor(u * ref.cols));
        const count = Math.max(1, Math.floor(w * (ref.cols - col0 + 1)));
        const cnt = Math.min(count, ref.cols - col0);
        const tile = sliceOf(assembleTerms(be, [term], shape, layout, { cols: { col0, count: cnt } }), 0);
        expectClose(tile, colRange(ref, col0, cnt), 1e-14);
        const extra = matOf(ref.rows, cnt, s);
        const withAdd = sliceOf(assembleTerms(be, [term], shape, layout, { cols: { col0, count: cnt }, add: be.upload(extra) }), 0);
        expectClose(withAdd, add(colRange(ref, col0, cnt), extra), 1e-14);
      }),
      FC,
    );
  });

  it('an empty term list gives zeros (or just add)', () => {
    const shape = { m: 2, n: 2, p: 1, q: 3 };
    expect(Array.from(assembleTerms(be, [], shape, 'numerator').data)).toEqual(new Array(12).fill(0));
    const extra = Mat.random(4, 3, { seed: 5 });
    expectClose(sliceOf(assembleTerms(be, [], shape, 'denominator', { add: be.upload(extra) }), 0), extra, 0);
  });

  it('bad terms, ranges and add tiles throw', () => {
    const shape = { m: 2, n: 3, p: 4, q: 5 };
    const bad = (over: Partial<KronTerm>): KronTerm => ({ kind: 'kron', alpha: 1, A: Mat.zeros(4, 2), B: Mat.zeros(3, 5), C: null, S: null, transposed: false, ...over });
    expect(() => assembleTerms(be, [bad({})], shape, 'numerator')).not.toThrow();
    expect(() => assembleTerms(be, [bad({ A: Mat.zeros(4, 3) })], shape, 'numerator')).toThrow(/A is 4×3, expected 4×2/);
    expect(() => assembleTerms(be, [bad({ A: null })], shape, 'numerator')).toThrow(ShapeError);
    expect(() => assembleTerms(be, [bad({ B: null })], shape, 'numerator')).toThrow(ShapeError);
    expect(() => assembleTerms(be, [bad({ C: Mat.zeros(3, 2) })], shape, 'numerator')).toThrow(/C is 3×2, expected 2×3/);
    expect(() => assembleTerms(be, [bad({ S: Mat.zeros(5, 4) })], shape, 'numerator')).toThrow(ShapeError);
    expect(() => assembleTerms(be, [{ kind: 'outer', alpha: 1, U: Mat.zeros(3, 1), V: Mat.zeros(6, 1) }], shape, 'numerator')).toThrow(ShapeError);
    expect(() => assembleTerms(be, [bad({})], shape, 'numerator', { cols: { col0: 4, count: 3 } })).toThrow(InvalidArgumentError);
    expect(() => assembleTerms(be, [bad({})], shape, 'numerator', { add: be.upload(Mat.zeros(20, 5)) })).toThrow(/'add' is 20×5, the tile is 20×6/);
    expect(() => assembleTerms(be, [bad({})], shape, 'sideways' as 'numerator')).toThrow(InvalidArgumentError);
  });
});

// ---------------------------------------------------------------------------------------------
// buffer pool and ownership

/**
 * A poisoning backend holding one recycled NaN-filled buffer of `len` entries; returns that buffer,
 * so a test can check that the next op of that length took it.
 */
function primed(b: CpuBackend, len: number): Float64Array {
  const t = b.upload(new Mat(len, 1, new Float64Array(len).fill(7)));
  const d = t.data;
  b.dispose(t);
  expect(Number.isNaN(d[0]!) && Number.isNaN(d[len - 1]!)).toBe(true);
  return d;
}

/** Kron terms of shapes large enough for the unrolled loops (lengths ≥ 16 and remainders). */
function bigCases(): { term: KronTerm; shape: JacobianShape }[] {
  const cases: { term: KronTerm; shape: JacobianShape }[] = [];
  let seed = 100;
  for (let mask = 0; mask < 32; mask++) {
    for (const [m0, n0, p0, q0] of [
      [9, 17, 19, 8],
      [16, 3, 33, 11],
    ] as const) {
      const transposed = (mask & 16) !== 0;
      const ka = transposed ? n0 : m0;
      const kb = transposed ? m0 : n0;
      const p = mask & 1 ? ka : p0;
      const q = mask & 2 ? kb : q0;
      cases.push({
        term: {
          kind: 'kron',
          alpha: -1.25,
          A: mask & 1 ? null : Mat.random(p, ka, { seed: seed++ }),
          B: mask & 2 ? null : Mat.random(kb, q, { seed: seed++ }),
          C: mask & 4 ? null : Mat.random(transposed ? n0 : m0, transposed ? m0 : n0, { seed: seed++ }),
          S: mask & 8 ? null : Mat.random(p, q, { seed: seed++ }),
          transposed,
        },
        shape: { m: m0, n: n0, p, q },
      });
    }
  }
  return cases;
}

describe('CpuBackend buffer pool: ownership', () => {
  it('read hands the buffer to the Mat: dispose after read frees nothing, and later work never changes the Mat', async () => {
    const b = new CpuBackend({ poison: true });
    const A = Mat.random(16, 16, { seed: 1 });
    const B = Mat.random(16, 16, { seed: 2 });
    const shape = { m: 16, n: 16, p: 16, q: 16 };
    const term: KronTerm = { kind: 'kron', alpha: 1, A, B, C: null, S: null, transposed: false };
    const t1 = assembleTerms(b, [term], shape, 'denominator');
    const M = await b.read(t1);
    expect(M.data).toBe(t1.data);
    const snapshot = M.data.slice();
    b.dispose(t1);
    expect(b.poolStats()).toEqual({ buffers: 0, bytes: 0 });
    // more work of the same size, recycled through the pool, never lands in M
    for (let r = 0; r < 3; r++) {
      const t = assembleTerms(b, [{ ...term, alpha: r + 2 }], shape, 'denominator');
      expect(t.data).not.toBe(M.data);
      b.dispose(t);
      b.dispose(b.unitBatch(16, 16));
    }
    expect(M.data.every((v, e) => v === snapshot[e])).toBe(true);
    expectClose(M, kron(B, transpose(A)), 0);
  });

  it('double dispose puts a buffer in the pool once; two later tensors never share a buffer', () => {
    const b = new CpuBackend();
    const t = b.upload(Mat.random(40, 40, { seed: 3 }));
    b.dispose(t);
    b.dispose(t);
    expect(b.poolStats()).toEqual({ buffers: 1, bytes: 40 * 40 * 8 });
    const u1 = b.upload(Mat.random(40, 40, { seed: 4 }));
    const u2 = b.upload(Mat.random(40, 40, { seed: 5 }));
    expect(u1.data).toBe(t.data);
    expect(u2.data).not.toBe(u1.data);
    // disposing the first tensor again, now that its buffer belongs to u1, must not free u1's buffer
    b.dispose(t);
    expect(b.poolStats().buffers).toBe(0);
    const u3 = b.upload(Mat.zeros(40, 40));
    expect(u3.data).not.toBe(u1.data);
    expectClose(sliceOf(u1, 0), Mat.random(40, 40, { seed: 4 }), 0);
  });

  it('a disposed tensor cannot be used or read; foreign and hand-built tensors never enter the pool', async () => {
    const b = new CpuBackend();
    const t = b.upload(Mat.random(30, 30, { seed: 6 }));
    b.dispose(t);
    expect(() => b.scale(t, 2)).toThrow(/was disposed/);
    await expect(b.read(t)).rejects.toThrow(/was disposed/);
    const own = new Float64Array(900).fill(1);
    const handBuilt = new CpuTensor(1, 30, 30, own);
    b.dispose(handBuilt);
    b.dispose({ batch: 1, rows: 1, cols: 1 });
    expect(b.poolStats().buffers).toBe(1);
    expect(b.upload(Mat.zeros(30, 30)).data).toBe(t.data);
    expect(b.upload(Mat.zeros(30, 30)).data).not.toBe(own);
    expect(own.every((v) => v === 1)).toBe(true);
  });

  it("a tensor disposed through another CPU backend is dead for both, and enters neither one's pool", async () => {
    const b1 = new CpuBackend();
    const b2 = new CpuBackend();
    const t = b1.upload(Mat.random(30, 30, { seed: 8 }));
    b2.dispose(t);
    expect(() => b1.scale(t, 2)).toThrow(/was disposed/);
    await expect(b1.read(t)).rejects.toThrow(/was disposed/);
    b1.dispose(t); // already disposed: a no-op
    expect(b1.poolStats().buffers).toBe(0);
    expect(b2.poolStats().buffers).toBe(0);
    // a tensor read into a Mat is no longer its backend's: disposing it frees nothing
    const u = b1.upload(Mat.random(30, 30, { seed: 9 }));
    const M = await b1.read(u);
    b1.dispose(u);
    expect(b1.poolStats().buffers).toBe(0);
    expect(b1.upload(Mat.zeros(30, 30)).data).not.toBe(M.data);
  });

  it('the pool respects its caps, evicting the least recently freed buffers, and poolBytes 0 turns it off', () => {
    const b = new CpuBackend({ poolPerSize: 2, poolBytes: 3 * 8000 + 8 });
    const ts = Array.from({ length: 4 }, () => b.upload(Mat.zeros(1000, 1)));
    ts.forEach((t) => b.dispose(t));
    expect(b.poolStats()).toEqual({ buffers: 2, bytes: 2 * 8000 });
    const us = Array.from({ length: 2 }, () => b.upload(Mat.zeros(1001, 1)));
    b.dispose(us[0]!);
    expect(b.poolStats()).toEqual({ buffers: 3, bytes: 2 * 8000 + 8008 });
    // over the byte budget: the oldest 1000-entry buffers go, the newest stay
    b.dispose(us[1]!);
    expect(b.poolStats()).toEqual({ buffers: 2, bytes: 2 * 8008 });
    const again = b.upload(Mat.zeros(1001, 1));
    expect(again.data).toBe(us[1]!.data); // most recently freed first
    // a buffer larger than the whole budget is never kept
    b.dispose(b.upload(Mat.zeros(4000, 1)));
    expect(b.poolStats()).toEqual({ buffers: 1, bytes: 8008 });
    b.trimPool();
    expect(b.poolStats()).toEqual({ buffers: 0, bytes: 0 });
    const off = new CpuBackend({ poolBytes: 0 });
    off.dispose(off.upload(Mat.zeros(1000, 1)));
    expect(off.poolStats().buffers).toBe(0);
    expect(() => new CpuBackend({ poolPerSize: -1 })).toThrow(InvalidArgumentError);
  });
});

describe('CpuBackend buffer pool: recycled (NaN-poisoned) buffers give the same results', () => {
  const fresh = new CpuBackend({ poolBytes: 0 });
  const same = (got: CpuTensor, want: CpuTensor): void => {
    expect([got.batch, got.rows, got.cols]).toEqual([want.batch, want.rows, want.cols]);
    // bitwise equal (NaN from a poisoned buffer included); a plain loop, as deep equality of long arrays is slow
    let bad = -1;
    for (let e = 0; e < want.data.length && bad < 0; e++) if (!Object.is(got.data[e], want.data[e])) bad = e;
    expect(bad < 0 ? 'equal' : `entry ${bad}: ${got.data[bad]} vs ${want.data[bad]}`).toBe('equal');
  };

  it('every tensor op overwrites (or zeroes) all of a recycled buffer', () => {
    const b = new CpuBackend({ poison: true });
    const As = Array.from({ length: 8 }, (_, t) => Mat.random(8, 8, { seed: 10 + t }));
    const Bs = Array.from({ length: 8 }, (_, t) => Mat.random(8, 8, { seed: 30 + t }));
    const a = b.upload(As);
    const c = b.upload(Bs);
    const fa = fresh.upload(As);
    const fc2 = fresh.upload(Bs);
    const check = (len: number, got: () => CpuTensor, want: CpuTensor): void => {
      const buf = primed(b, len);
      const t = got();
      expect(t.data).toBe(buf);
      same(t, want);
    };
    check(512, () => b.upload(As), fa);
    check(512, () => b.matmul(a, c), fresh.matmul(fa, fc2));
    check(512, () => b.matmul(a, c, true, true), fresh.matmul(fa, fc2, true, true));
    for (const op of ['add', 'sub', 'mul', 'div'] as const) check(512, () => b.elementwise(op, a, c), fresh.elementwise(op, fa, fc2));
    check(512, () => b.scale(a, -3), fresh.scale(fa, -3));
    check(512, () => b.transpose(a), fresh.transpose(fa));
    const idx = Int32Array.from({ length: 64 }, (_, k) => (k % 5 === 0 ? -1 : 63 - k));
    check(512, () => b.gather(a, idx, 8, 8), fresh.gather(fa, idx, 8, 8));
    const half = b.upload(As.map((M) => new Mat(8, 4, M.data.slice(0, 32))));
    const fhalf = fresh.upload(As.map((M) => new Mat(8, 4, M.data.slice(0, 32))));
    check(512, () => b.concat([[half, half]]), fresh.concat([[fhalf, fhalf]]));
    check(512, () => b.stack(a, false), fresh.stack(fa, false));
    check(512, () => b.stack(a, true), fresh.stack(fa, true));
    check(4096, () => b.unitBatch(8, 8), fresh.unitBatch(8, 8));
    const k1 = b.upload(Mat.random(4, 4, { seed: 50 }));
    const fk1 = fresh.upload(Mat.random(4, 4, { seed: 50 }));
    check(8 * 8 * 8 * 4 * 4, () => b.kron(a, k1), fresh.kron(fa, fk1));
    const many = Array.from({ length: 600 }, (_, t) => Mat.random(2, 2, { seed: 60 + t }));
    check(600, () => b.sumAll(b.upload(many)), fresh.sumAll(fresh.upload(many)));
  });

  it('assemble: every factor combination, both layouts, column ranges, sums and add tiles (unrolled lengths)', () => {
    const b = new CpuBackend({ poison: true });
    for (const { term, shape } of bigCases()) {
      const { m, n, p, q } = shape;
      const outer: OuterTerm = { kind: 'outer', alpha: 0.5, U: Mat.random(p, q, { seed: 7 }), V: Mat.random(m, n, { seed: 8 }) };
      const dense: KronTerm = { kind: 'kron', alpha: 2, A: Mat.random(p, m, { seed: 9 }), B: Mat.random(n, q, { seed: 10 }), C: null, S: null, transposed: false };
      const refNum = materializeKronDense(term, shape);
      for (const layout of ['numerator', 'denominator'] as const) {
        const ref = layout === 'numerator' ? refNum : transpose(refNum);
        const R = ref.rows;
        for (const terms of [[term], [term, outer], [term, dense, outer], [outer, term]] as Term[][]) {
          const want = assembleTerms(fresh, terms, shape, layout);
          const buf = primed(b, want.data.length);
          const got = assembleTerms(b, terms, shape, layout);
          expect(got.data).toBe(buf);
          same(got, want);
        }
        expectClose(sliceOf(assembleTerms(fresh, [term], shape, layout), 0), ref, 1e-14);
        // a column tile, alone and with an add tile
        const col0 = Math.floor(ref.cols / 3);
        const count = Math.max(1, Math.floor(ref.cols / 2));
        const tile = colRange(ref, col0, count);
        primed(b, R * count);
        expectClose(sliceOf(assembleTerms(b, [term], shape, layout, { cols: { col0, count } }), 0), tile, 1e-14);
        const extra = Mat.random(R, count, { seed: 11 });
        const addT = b.upload(extra);
        primed(b, R * count);
        expectClose(sliceOf(assembleTerms(b, [term], shape, layout, { cols: { col0, count }, add: addT }), 0), add(tile, extra), 1e-14);
      }
      // an empty term list on a recycled buffer is zeros
      primed(b, m * n * p * q);
      expect(assembleTerms(b, [], shape, 'numerator').data.every((v) => v === 0)).toBe(true);
    }
  });

  it('the CPU writer on a fresh buffer matches the backend', () => {
    for (const { term, shape } of bigCases().slice(0, 8)) {
      const A = describeAssembly([term], shape, 'numerator');
      const data = writeAssembly(A, new Float64Array(A.rows * A.count), true, null);
      same(new CpuTensor(1, A.rows, A.count, data), assembleTerms(fresh, [term], shape, 'numerator'));
    }
  });
});
