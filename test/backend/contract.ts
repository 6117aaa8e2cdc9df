/**
 * The backend contract suite: what every backend (cpu, webgpu on SwiftShader and on llvmpipe,
 * gpujs) must do, checked against independent float64 references (src/mat kernels, plain loops,
 * the dense Kronecker construction of test/helpers/kron-dense.ts), never against another backend.
 * Each `contract-*.test.ts` runs it on one backend; backends whose allocations can be poisoned
 * (NaN) are created so, so an entry a kernel never writes fails the check.
 *
 * Covered: identity; upload/read round trip and its errors; unitBatch; matmul (transposes, awkward
 * sizes, batch broadcasting, inner-dimension and batch errors); elementwise add/sub/mul/div with
 * batch and 1×1 broadcasting, scale, and shape errors; transpose; gather (−1 holes, index errors);
 * concat (blocks, broadcast blocks, mismatched blocks); kron (batched, broadcast); sumAll; stack
 * (both orientations); tensors of another backend and disposed tensors; a chain of ops read once;
 * assemble: every null/non-null combination of A, B, C, S × transposed × layout, the closed forms
 * (A·X·B → Bᵀ⊗A / B⊗Aᵀ, X' → K_mn), outer terms alone and mixed, more than 8 terms, awkward
 * sizes, column ranges and add tiles (tiles glue to the whole), no terms, and the errors of bad
 * terms, ranges, layouts and add tiles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, JacobianShape, KronTerm, Layout, OuterTerm, Tensor, Term } from '../../src/backend/backend.js';
import { CpuBackend } from '../../src/backend/cpu/index.js';
import { InvalidArgumentError, ShapeError } from '../../src/errors.js';
import { Mat, commutation, kron, matmul, transpose } from '../../src/mat/index.js';
import { assembleTerms } from '../../src/plan/assembly.js';
import { relFrobenius } from '../helpers/gpu.js';
import { materializeKronDense } from '../helpers/kron-dense.js';
import { FACTOR_COMBOS, randomKronTerm, type FactorPresence } from '../helpers/terms.js';

export interface ContractTarget {
  readonly label: string;
  /** A fresh backend (NaN-poisoned allocations where the backend supports it). */
  readonly make: () => Promise<Backend>;
  readonly destroy?: (b: Backend) => void;
  /** 'f64' backends must agree to 1e-12, 'f32' ones to 1e-5 (relative Frobenius). */
  readonly precision: 'f32' | 'f64';
  /** Largest matrix side in the op tests (software GPUs and gpu.js are slow on big ones). */
  readonly maxDim?: number;
  /** Side n of the larger assembled map (an n²×n² Jacobian), 20 unless a backend's limits need less. */
  readonly bigMap?: number;
}

const LAYOUTS: readonly Layout[] = ['numerator', 'denominator'];

export function backendContract(target: ContractTarget): void {
  const tol = target.precision === 'f64' ? 1e-12 : 1e-5;
  /** Closed forms are single products of inputs: float32 rounding only. */
  const closedTol = target.precision === 'f64' ? 1e-14 : 1e-6;
  const maxDim = target.maxDim ?? 65;
  const dims = [1, 7, 33, 65].filter((d) => d <= maxDim);
  let seed = 1;
  const rnd = (r: number, c: number, lo = -1, hi = 1): Mat => Mat.random(r, c, { seed: seed++, lo, hi });
  const batchOf = (k: number, r: number, c: number): Mat[] => Array.from({ length: k }, () => rnd(r, c));
  const slices = (x: Mat | readonly Mat[]): readonly Mat[] => (x instanceof Mat ? [x] : x);

  describe(`backend contract: ${target.label}`, () => {
    let b: Backend;
    beforeAll(async () => {
      b = await target.make();
    });
    afterAll(() => {
      if (b) target.destroy?.(b);
    });

    /** Every entry of a tensor (any batch) in storage order, through stack + read. */
    async function readAll(t: Tensor): Promise<Mat['data']> {
      if (t.batch === 1) return (await b.read(t)).data;
      const s = b.stack(t, false);
      const m = await b.read(s);
      b.dispose(s);
      return m.data;
    }

    /** The tensor is the batch of `want` slices (its shape, every entry written, within tolerance). */
    async function expectSlices(t: Tensor, want: readonly Mat[], exact = false): Promise<void> {
      const w = want[0]!;
      expect([t.batch, t.rows, t.cols]).toEqual([want.length, w.rows, w.cols]);
      const got = await readAll(t);
      const nan = Array.from(got).findIndex((v) => Number.isNaN(v));
      expect(nan, `entry ${nan} was never written`).toBe(-1);
      const ref = new Float64Array(want.length * w.size);
      want.forEach((M, k) => ref.set(M.data, k * w.size));
      if (exact) {
        const r = target.precision === 'f64' ? ref : Float32Array.from(ref);
        expect(Array.from(got)).toEqual(Array.from(r));
      } else expect(relFrobenius(got, ref)).toBeLessThanOrEqual(tol);
    }

    /** Per-slice reference of a binary op with batch-1 broadcasting. */
    function perSlice(x: Mat | readonly Mat[], y: Mat | readonly Mat[], f: (a: Mat, c: Mat) => Mat): Mat[] {
      const X = slices(x);
      const Y = slices(y);
      const k = Math.max(X.length, Y.length);
      return Array.from({ length: k }, (_, t) => f(X[X.length === 1 ? 0 : t]!, Y[Y.length === 1 ? 0 : t]!));
    }

    it('names itself and its precision', () => {
      expect(['cpu', 'webgpu', 'gpujs']).toContain(b.name);
      expect(b.precision).toBe(target.precision);
      expect(typeof b.device).toBe('string');
    });

    it('upload / read round trip; a batch cannot be read; mismatched uploads are refused', async () => {
      const X = rnd(7, 3);
      const m = await b.read(b.upload(X));
      expect([m.rows, m.cols]).toEqual([7, 3]);
      expect(m.data).toBeInstanceOf(target.precision === 'f64' ? Float64Array : Float32Array);
      expect(relFrobenius(m.data, X.data)).toBeLessThanOrEqual(target.precision === 'f64' ? 0 : 1e-7);
      await expect(b.read(b.upload([X, X]))).rejects.toThrow(/batch/);
      expect(() => b.upload([X, rnd(3, 7)])).toThrow(ShapeError);
      expect(() => b.upload([])).toThrow(InvalidArgumentError);
    });

    it('unitBatch: slice t has a single 1 at vec index t', async () => {
      for (const [m, n] of [
        [1, 1],
        [2, 3],
        [7, 5],
      ] as const) {
        const want = Array.from({ length: m * n }, (_, t) => {
          const E = Mat.zeros(m, n);
          E.data[t] = 1;
          return E;
        });
        await expectSlices(b.unitBatch(m, n), want, true);
      }
    });

    it('matmul: every transpose, awkward sizes, batch broadcasting, and its shape errors', async () => {
      for (const M of dims) {
        for (const K of [1, 7].concat(maxDim >= 33 ? [33] : [])) {
          for (const N of [1, 5, maxDim]) {
            for (const [tA, tB] of [
              [false, false],
              [true, false],
              [false, true],
              [true, true],
            ] as const) {
              const A = tA ? rnd(K, M) : rnd(M, K);
              const B = tB ? rnd(N, K) : rnd(K, N);
              const want = matmul(tA ? transpose(A) : A, tB ? transpose(B) : B);
              await expectSlices(b.matmul(b.upload(A), b.upload(B), tA, tB), [want]);
            }
          }
        }
      }
      for (const [k, M, K, N] of [
        [9, 7, 7, 7],
        [5, 33, 17, 9],
        [40, 3, 2, 5],
      ] as const) {
        const As = batchOf(k, M, K);
        const Bs = batchOf(k, K, N);
        const A1 = rnd(M, K);
        const B1 = rnd(K, N);
        await expectSlices(b.matmul(b.upload(As), b.upload(Bs)), perSlice(As, Bs, matmul));
        await expectSlices(b.matmul(b.upload(A1), b.upload(Bs)), perSlice(A1, Bs, matmul));
        await expectSlices(b.matmul(b.upload(As), b.upload(B1)), perSlice(As, B1, matmul));
        const Ats = batchOf(k, K, M);
        await expectSlices(b.matmul(b.upload(Ats), b.upload(B1), true, false), perSlice(Ats, B1, (a, c) => matmul(transpose(a), c)));
      }
      // larger and tall-skinny products
      const extra: [number, number, number][] = [[16, 16, 16], [2, 300, 3]];
      if (maxDim >= 129) extra.push([129, 129, 129], [64, 64, 64], [129, 65, 33]);
      for (const [M, K, N] of extra) {
        const A = rnd(M, K);
        const B = rnd(K, N);
        await expectSlices(b.matmul(b.upload(A), b.upload(B)), [matmul(A, B)]);
      }
      // the batched JVP shape: one factor times the unit batch, and many slices against themselves transposed
      const F = rnd(6, 5);
      const units = Array.from({ length: 20 }, (_, t) => {
        const E = Mat.zeros(5, 4);
        E.data[t] = 1;
        return E;
      });
      await expectSlices(b.matmul(b.upload(F), b.unitBatch(5, 4)), perSlice(F, units, matmul));
      const Xs = batchOf(40, 3, 3);
      await expectSlices(b.matmul(b.upload(Xs), b.upload(Xs), false, true), perSlice(Xs, Xs, (x, y) => matmul(x, transpose(y))));
      const A = rnd(3, 4);
      expect(() => b.matmul(b.upload(A), b.upload(A))).toThrow(ShapeError);
      expect(() => b.matmul(b.upload(batchOf(2, 2, 2)), b.upload(batchOf(3, 2, 2)))).toThrow(ShapeError);
    });

    it('elementwise add/sub/mul/div and scale, batch and 1×1 broadcasting, and shape errors', async () => {
      const f = { add: (x: number, y: number) => x + y, sub: (x: number, y: number) => x - y, mul: (x: number, y: number) => x * y, div: (x: number, y: number) => x / y };
      const apply = (op: keyof typeof f) => (x: Mat, y: Mat): Mat => {
        const big = x.size >= y.size ? x : y;
        return Mat.fromColumnMajor(big.rows, big.cols, Float64Array.from(big.data, (_, e) => f[op](x.data[x.size === 1 ? 0 : e]!, y.data[y.size === 1 ? 0 : e]!)));
      };
      for (const [r, c] of [
        [1, 1],
        [7, 33],
        [maxDim, 1],
        [1, maxDim],
      ] as const) {
        const A = rnd(r, c);
        const B = rnd(r, c, 0.5, 2);
        const As = batchOf(4, r, c);
        const Bs = Array.from({ length: 4 }, () => rnd(r, c, 0.5, 2));
        const S = rnd(1, 1, 0.5, 2);
        const Ss = [S, Mat.scalar(1.5), Mat.scalar(-0.75), Mat.scalar(3)];
        for (const op of ['add', 'sub', 'mul', 'div'] as const) {
          const pairs: [Mat | Mat[], Mat | Mat[]][] = [
            [A, B],
            [As, B],
            [B, As],
            [A, S],
            [S, B],
            [As, Ss],
            [Ss, As],
            [As, Bs],
          ];
          // divisors stay away from 0: B and S are in [0.5, 2]; As only as a numerator
          for (const [x, y] of pairs) {
            if (op === 'div' && (y === As || y === A)) continue;
            await expectSlices(b.elementwise(op, b.upload(x), b.upload(y)), perSlice(x, y, apply(op)));
          }
        }
        for (const alpha of [-2.5, 3]) await expectSlices(b.scale(b.upload(As), alpha), As.map((M) => Mat.fromColumnMajor(r, c, M.data.map((v) => alpha * v))));
      }
      expect(() => b.elementwise('add', b.upload(rnd(2, 3)), b.upload(rnd(3, 2)))).toThrow(ShapeError);
      expect(() => b.elementwise('pow' as 'add', b.upload(rnd(2, 2)), b.upload(rnd(2, 2)))).toThrow(InvalidArgumentError);
    });

    it('transpose of each slice (tile edges)', async () => {
      for (const r of dims) {
        for (const c of [1, 7, 33, 65].filter((d) => d <= maxDim)) {
          const X = batchOf(r * c > 1000 ? 1 : 3, r, c);
          await expectSlices(b.transpose(b.upload(X)), X.map(transpose), true);
        }
      }
    });

    it('gather: vec(out)[k] = idx[k] ≥ 0 ? vec(a)[idx[k]] : 0, and its index errors', async () => {
      const X = batchOf(3, 7, 5);
      const idx = Int32Array.from({ length: 24 }, (_, k) => (k % 5 === 0 ? -1 : (k * 13) % 35));
      const want = X.map((M) => Mat.fromColumnMajor(6, 4, Float64Array.from(idx, (i) => (i >= 0 ? M.data[i]! : 0))));
      await expectSlices(b.gather(b.upload(X), idx, 6, 4), want, true);
      const v = Int32Array.from({ length: 35 }, (_, k) => k);
      await expectSlices(b.gather(b.upload(X[0]!), v, 35, 1), [Mat.fromColumnMajor(35, 1, X[0]!.data)], true);
      // a transpose written as a gather
      const vecT = Int32Array.from({ length: 35 }, (_, k) => (k % 5) * 7 + Math.floor(k / 5));
      await expectSlices(b.gather(b.upload(X), vecT, 5, 7), X.map(transpose), true);
      expect(() => b.gather(b.upload(X), Int32Array.of(35), 1, 1)).toThrow(ShapeError);
      expect(() => b.gather(b.upload(X), Int32Array.of(1, 2), 1, 1)).toThrow(ShapeError);
    });

    it('concat: block matrices, batched and broadcast blocks, and mismatched blocks', async () => {
      const a = batchOf(3, 7, 5);
      const c2 = rnd(7, 33);
      const c = batchOf(3, 1, 5);
      const d = batchOf(3, 1, 33);
      const block = (t: number): Mat => {
        const out = Mat.zeros(8, 38);
        const put = (M: Mat, r0: number, col0: number): void => {
          for (let j = 0; j < M.cols; j++) for (let i = 0; i < M.rows; i++) out.data[r0 + i + (col0 + j) * 8] = M.get(i, j);
        };
        put(a[t]!, 0, 0);
        put(c2, 0, 5);
        put(c[t]!, 7, 0);
        put(d[t]!, 7, 5);
        return out;
      };
      const U = (x: Mat | Mat[]): Tensor => b.upload(x);
      await expectSlices(b.concat([[U(a), U(c2)], [U(c), U(d)]]), [0, 1, 2].map(block), true);
      const top = rnd(1, 1);
      const right = rnd(1, 9);
      await expectSlices(b.concat([[U(top), U(right)]]), [Mat.fromColumnMajor(1, 10, Float64Array.from([...top.data, ...right.data]))], true);
      const tall = rnd(9, 33);
      await expectSlices(b.concat([[U(c2)], [U(tall)]]), [Mat.fromColumnMajor(16, 33, transpose(Mat.fromColumnMajor(33, 16, Float64Array.from([...transpose(c2).data, ...transpose(tall).data]))).data)], true);
      expect(() => b.concat([[U(a), U(rnd(6, 2))]])).toThrow(ShapeError);
      expect(() => b.concat([[U(c2)], [U(rnd(2, 5))]])).toThrow(ShapeError);
      expect(() => b.concat([])).toThrow(ShapeError);
    });

    it('kron per slice (batched, broadcast)', async () => {
      const pairs: [Mat | Mat[], Mat | Mat[]][] = [
        [rnd(3, 2), rnd(4, 5)],
        [rnd(1, 7), rnd(33, 1)],
        [batchOf(3, 2, 3), rnd(7, 2)],
        [rnd(2, 2), batchOf(4, 3, 3)],
        [batchOf(2, 7, 7), batchOf(2, 7, 7)],
      ];
      for (const [x, y] of pairs) await expectSlices(b.kron(b.upload(x), b.upload(y)), perSlice(x, y, kron));
    });

    it('sumAll of each slice (small, multi-stage, batched)', async () => {
      for (const [k, r, c] of [
        [1, 1, 1],
        [3, 7, 33],
        [2, maxDim, maxDim],
        [70, 1, 5],
        [1, 300, maxDim],
      ] as const) {
        const X = batchOf(k, r, c);
        await expectSlices(
          b.sumAll(b.upload(X)),
          X.map((M) => Mat.scalar(Array.from(M.data).reduce((s, v) => s + v, 0))),
        );
      }
    });

    it('stack: slice t becomes column t, or row t when transposed', async () => {
      for (const [m, n] of [
        [1, 1],
        [2, 3],
        [7, 5],
      ] as const) {
        const X = batchOf(5, m, n);
        const cols = Mat.fromColumnMajor(m * n, 5, Float64Array.from(X.flatMap((M) => Array.from(M.data))));
        await expectSlices(b.stack(b.upload(X), false), [cols], true);
        await expectSlices(b.stack(b.upload(X), true), [transpose(cols)], true);
      }
      // stacking the unit batch gives the identity
      await expectSlices(b.stack(b.unitBatch(3, 4), true), [Mat.eye(12)], true);
    });

    it('refuses tensors of another backend and disposed tensors; a chain of ops reads back once', async () => {
      const foreign = b.name === 'cpu' ? ({ batch: 1, rows: 2, cols: 2 } as Tensor) : new CpuBackend().upload(rnd(2, 2));
      expect(() => b.transpose(foreign)).toThrow(InvalidArgumentError);
      const A = rnd(33, 33);
      const X = rnd(33, 33);
      const a = b.upload(A);
      const x = b.upload(X);
      const ax = b.matmul(a, x);
      const axt = b.transpose(ax);
      b.dispose(ax);
      b.dispose(ax); // twice is a no-op
      const s = b.elementwise('add', axt, b.scale(x, 2));
      const want = matmul(A, X);
      const ref = transpose(want).data.map((v, e) => v + 2 * X.data[e]!);
      expect(relFrobenius((await b.read(s)).data, ref)).toBeLessThanOrEqual(tol);
      if (b.name !== 'gpujs') expect(() => b.transpose(ax)).toThrow(/disposed/); // gpu.js tensors are host arrays the collector frees
    });

    describe('assemble', () => {
      const combos = FACTOR_COMBOS;
      const kronTerm = (m: number, n: number, has: FactorPresence, transposed: boolean, pq: [number, number] = [5, 2]): { term: KronTerm; shape: JacobianShape } =>
        randomKronTerm(rnd, m, n, has, transposed, 0.5 + (seed % 7) / 4, pq);

      /** Columns [col0, col0 + count) of Σ dense terms in the layout, plus `add`: the independent reference. */
      function reference(terms: readonly Term[], shape: JacobianShape, layout: Layout, col0: number, count: number, add?: Mat): Float64Array {
        const { m, n, p, q } = shape;
        const pq = p * q;
        const J = new Float64Array(pq * m * n);
        for (const t of terms) {
          const D = materializeKronDense(t as KronTerm | OuterTerm, shape);
          for (let e = 0; e < J.length; e++) J[e]! += D.data[e]!;
        }
        const R = layout === 'numerator' ? pq : m * n;
        const ref = new Float64Array(R * count);
        for (let y = 0; y < count; y++) {
          for (let x = 0; x < R; x++) {
            const v = layout === 'numerator' ? J[x + (col0 + y) * pq]! : J[col0 + y + x * pq]!;
            ref[x + y * R] = v + (add ? add.data[x + y * R]! : 0);
          }
        }
        return ref;
      }

      async function check(terms: readonly Term[], shape: JacobianShape, layout: Layout, cols?: { col0: number; count: number }, add?: Mat): Promise<void> {
        const total = layout === 'numerator' ? shape.m * shape.n : shape.p * shape.q;
        const R = layout === 'numerator' ? shape.p * shape.q : shape.m * shape.n;
        const { col0, count } = cols ?? { col0: 0, count: total };
        const t = assembleTerms(b, terms, shape, layout, { ...(cols && { cols }), ...(add && { add: b.upload(add) }) });
        expect([t.batch, t.rows, t.cols]).toEqual([1, R, count]);
        const got = (await b.read(t)).data;
        const nan = Array.from(got).findIndex((v) => Number.isNaN(v));
        expect(nan, `entry ${nan} of the ${layout} Jacobian was never written`).toBe(-1);
        const err = relFrobenius(got, reference(terms, shape, layout, col0, count, add));
        expect(err, `${layout} ${JSON.stringify(shape)}`).toBeLessThanOrEqual(tol);
      }

      it('every combination of null/non-null A, B, C, S × transposed × layout, one term', async () => {
        for (const has of combos) {
          for (const tr of [false, true]) {
            const { term, shape } = kronTerm(3, 4, has, tr);
            for (const layout of LAYOUTS) await check([term], shape, layout);
          }
        }
      });

      it('the closed forms: A·X·B → Bᵀ⊗A (numerator), B⊗Aᵀ (denominator); X′ → K_mn', async () => {
        const A = rnd(4, 3);
        const B = rnd(5, 2);
        const shape = { m: 3, n: 5, p: 4, q: 2 };
        const axb: Term = { kind: 'kron', alpha: 1, A, B, C: null, S: null, transposed: false };
        expect(relFrobenius((await b.read(assembleTerms(b, [axb], shape, 'numerator'))).data, kron(transpose(B), A).data)).toBeLessThanOrEqual(closedTol);
        expect(relFrobenius((await b.read(assembleTerms(b, [axb], shape, 'denominator'))).data, kron(B, transpose(A)).data)).toBeLessThanOrEqual(closedTol);
        const xt: Term = { kind: 'kron', alpha: 1, A: null, B: null, C: null, S: null, transposed: true };
        const K = await b.read(assembleTerms(b, [xt], { m: 3, n: 5, p: 5, q: 3 }, 'numerator'));
        expect(Array.from(K.data)).toEqual(Array.from(commutation(3, 5).data));
        // d(XXᵀ) = dX Xᵀ + X dXᵀ  →  J = (X⊗I) + (I⊗X) K_nn
        const n = 6;
        const X = rnd(n, n);
        const xxT: Term[] = [
          { kind: 'kron', alpha: 1, A: null, B: transpose(X), C: null, S: null, transposed: false },
          { kind: 'kron', alpha: 1, A: X, B: null, C: null, S: null, transposed: true },
        ];
        const I = Mat.eye(n);
        const want = kron(X, I).data.map((v, k) => v + matmul(kron(I, X), commutation(n, n)).data[k]!);
        expect(relFrobenius((await b.read(assembleTerms(b, xxT, { m: n, n, p: n, q: n }, 'numerator'))).data, want)).toBeLessThanOrEqual(closedTol);
      });

      it('awkward sizes (1, 7, 33), non-square, transposed and scaled terms', async () => {
        for (const [m, n, p, q] of [
          [1, 1, 1, 1],
          [7, 1, 1, 7],
          [1, 7, 33, 1],
          [7, 5, 3, 9],
        ] as const) {
          const shape = { m, n, p, q };
          const terms: Term[] = [
            { kind: 'kron', alpha: 1.5, A: rnd(p, m), B: rnd(n, q), C: rnd(m, n), S: rnd(p, q), transposed: false },
            { kind: 'kron', alpha: -0.25, A: rnd(p, n), B: rnd(m, q), C: null, S: rnd(p, q), transposed: true },
          ];
          for (const layout of LAYOUTS) await check(terms, shape, layout);
        }
        for (const [m, n, pA, qB] of [
          [1, 1, 1, 1],
          [7, 1, 3, 7],
          [1, 7, 7, 1],
          [7, 7, 7, 7],
          [33, 7, 5, 9],
          [7, 33, 33, 3],
        ] as const) {
          for (const tr of [false, true]) {
            const { term, shape } = kronTerm(m, n, { A: true, B: true, C: true, S: true }, tr, [pA, qB]);
            for (const layout of LAYOUTS) await check([term], shape, layout);
          }
        }
      });

      it('outer terms J = α vec(U) vec(V)ᵀ, alone and mixed with Kronecker terms; more than 8 terms', async () => {
        const shape = { m: 3, n: 4, p: 5, q: 2 };
        const outer: Term = { kind: 'outer', alpha: 2, U: rnd(5, 2), V: rnd(3, 4) };
        const flat: Term = { kind: 'outer', alpha: -1, U: rnd(10, 1), V: rnd(12, 1) };
        const row: Term = { kind: 'outer', alpha: 0.5, U: rnd(1, 10), V: rnd(12, 1) };
        const many: Term[] = [outer, flat];
        for (let k = 0; k < 9; k++) many.push(kronTerm(3, 4, { A: true, B: true, C: k % 2 === 0, S: k % 3 === 0 }, k % 2 === 1, [5, 2]).term);
        for (const layout of LAYOUTS) {
          await check([outer], shape, layout);
          await check([outer, flat, row], shape, layout);
          await check(many, shape, layout);
        }
        expect(many.length).toBeGreaterThan(8);
        // 19 terms (three dispatches' worth on WebGPU), identities included, every 7th an outer term
        const n = 6;
        const sq = { m: n, n, p: n, q: n };
        const mixed: Term[] = [];
        for (let k = 0; k < 19; k++) {
          const mask = (k * 5) % 16;
          const t = kronTerm(n, n, { A: !!(mask & 1), B: !!(mask & 2), C: !!(mask & 4), S: !!(mask & 8) }, k % 3 === 0, [n, n]).term;
          mixed.push(k % 7 === 6 ? { kind: 'outer', alpha: 0.3, U: rnd(n, n), V: rnd(n, n) } : t);
        }
        for (const layout of LAYOUTS) await check(mixed, sq, layout);
      });

      it('column ranges write exactly those columns; add is added in the same pass; tiles glue to the whole', async () => {
        const { term, shape } = kronTerm(3, 4, { A: true, B: true, C: true, S: true }, false);
        const second = kronTerm(3, 4, { A: true, B: true, C: false, S: false }, true).term;
        const terms: Term[] = [term, second, { kind: 'outer', alpha: 0.7, U: rnd(5, 2), V: rnd(3, 4) }];
        for (const layout of LAYOUTS) {
          const total = layout === 'numerator' ? 12 : 10;
          const R = layout === 'numerator' ? 10 : 12;
          for (const cols of [
            { col0: 0, count: total },
            { col0: 3, count: 5 },
            { col0: total - 1, count: 1 },
            { col0: 2, count: 0 },
          ]) {
            await check(terms, shape, layout, cols);
            if (cols.count > 0) await check(terms, shape, layout, cols, rnd(R, cols.count));
          }
          await check([], shape, layout, { col0: 1, count: 4 }, rnd(R, 4));
          await check([], shape, layout);
          const whole = await b.read(assembleTerms(b, terms, shape, layout));
          const left = await b.read(assembleTerms(b, terms, shape, layout, { cols: { col0: 0, count: 4 } }));
          const right = await b.read(assembleTerms(b, terms, shape, layout, { cols: { col0: 4, count: total - 4 } }));
          expect(Array.from(whole.data)).toEqual([...Array.from(left.data), ...Array.from(right.data)]);
        }
      });

      it(`a ${target.bigMap ?? 20}×${target.bigMap ?? 20} map: A·X·B and a transposed, scaled term`, async () => {
        const n = target.bigMap ?? 20;
        const A = rnd(n, n);
        const B = rnd(n, n);
        const terms: Term[] = [
          { kind: 'kron', alpha: 1, A, B, C: null, S: null, transposed: false },
          { kind: 'kron', alpha: -0.5, A: B, B: A, C: rnd(n, n), S: rnd(n, n), transposed: true },
        ];
        for (const layout of LAYOUTS) await check(terms, { m: n, n, p: n, q: n }, layout);
      });

      it('bad terms, ranges, layouts and add tiles are refused with typed errors', () => {
        const shape = { m: 3, n: 4, p: 5, q: 2 };
        const K = (t: Partial<KronTerm>): KronTerm => ({ kind: 'kron', alpha: 1, A: null, B: null, C: null, S: null, transposed: false, ...t });
        expect(() => assembleTerms(b, [K({ A: rnd(5, 4), B: rnd(4, 2) })], shape, 'numerator')).toThrow(/A is 5×4, expected 5×3/);
        expect(() => assembleTerms(b, [K({ B: rnd(4, 2) })], shape, 'numerator')).toThrow(/A = I needs p = m/);
        expect(() => assembleTerms(b, [K({ A: rnd(5, 3) })], shape, 'numerator')).toThrow(/B = I needs q = n/);
        expect(() => assembleTerms(b, [K({ A: rnd(5, 3), B: rnd(4, 2), C: rnd(4, 3) })], shape, 'numerator')).toThrow(ShapeError);
        expect(() => assembleTerms(b, [K({ A: rnd(5, 3), B: rnd(4, 2), S: rnd(2, 5) })], shape, 'numerator')).toThrow(ShapeError);
        expect(() => assembleTerms(b, [{ kind: 'outer', alpha: 1, U: rnd(3, 3), V: rnd(3, 4) }], shape, 'numerator')).toThrow(ShapeError);
        expect(() => assembleTerms(b, [{ kind: 'outer', alpha: 1, U: rnd(5, 2), V: rnd(3, 3) }], shape, 'numerator')).toThrow(ShapeError);
        expect(() => assembleTerms(b, [{ kind: 'weird' } as unknown as Term], shape, 'numerator')).toThrow(InvalidArgumentError);
        expect(() => assembleTerms(b, [], shape, 'numerator', { cols: { col0: 10, count: 5 } })).toThrow(InvalidArgumentError);
        expect(() => assembleTerms(b, [], shape, 'numerator', { cols: { col0: -1, count: 1 } })).toThrow(InvalidArgumentError);
        expect(() => assembleTerms(b, [], shape, 'numerator', { add: b.upload(rnd(2, 2)) })).toThrow(ShapeError);
        expect(() => assembleTerms(b, [], shape, 'sideways' as Layout)).toThrow(InvalidArgumentError);
        expect(() => assembleTerms(b, [], { m: 1.5, n: 1, p: 1, q: 1 }, 'numerator')).toThrow(InvalidArgumentError);
        const foreign = b.name === 'cpu' ? ({ batch: 1, rows: 10, cols: 12 } as Tensor) : new CpuBackend().upload(rnd(10, 12));
        expect(() => assembleTerms(b, [], shape, 'numerator', { add: foreign })).toThrow(InvalidArgumentError);
      });
    });
  });
}
