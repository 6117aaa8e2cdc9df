import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Mat, eigh, eigvalsh, MatjacError, NotSymmetricError } from '../../src/index.js';
import { eigResidual, eighColumns, eighLazy } from '../../src/eig/dense.js';
import { FC } from '../mat/helpers.js';
import { randomSymmetric, residuals, sturmEigenvalues, tridiagonal, wilkinson, withSpectrum } from './helpers.js';

const norm2 = (values: ArrayLike<number>): number => Math.max(0, ...Array.from(values, Math.abs));

/** The contract checks: ascending, residual and orthogonality within 1e-12·n·‖H‖, the sign convention. */
function checkDecomposition(H: Mat, normH = norm2(eigvalsh(H))): Float64Array {
  const n = H.rows;
  const { values, vectors } = eigh(H);
  expect(values.length).toBe(n);
  expect([vectors.rows, vectors.cols]).toEqual([n, n]);
  for (let k = 1; k < n; k++) expect(values[k]!).toBeGreaterThanOrEqual(values[k - 1]!);
  const { residual, orthogonality } = residuals(H, values, vectors);
  expect(residual).toBeLessThanOrEqual(1e-12 * n * normH);
  expect(orthogonality).toBeLessThanOrEqual(1e-12 * n);
  for (let k = 0; k < n; k++) {
    const col = Array.from(vectors.data.subarray(k * n, (k + 1) * n));
    const big = col.reduce((b, x, i) => (Math.abs(x) > Math.abs(col[b]!) ? i : b), 0);
    expect(col[big]!).toBeGreaterThan(0);
  }
  return values;
}

function expectValues(got: ArrayLike<number>, want: readonly number[], tol: number): void {
  const sorted = [...want].sort((a, b) => a - b);
  expect(got.length).toBe(sorted.length);
  let worst = 0;
  for (let k = 0; k < sorted.length; k++) worst = Math.max(worst, Math.abs(got[k]! - sorted[k]!));
  expect(worst).toBeLessThanOrEqual(tol);
}

describe('eigh / eigvalsh: small and special matrices', () => {
  it('1×1', () => {
    const { values, vectors } = eigh(Mat.from([[-3.5]]));
    expect(Array.from(values)).toEqual([-3.5]);
    expect(Array.from(vectors.data)).toEqual([1]);
    expect(Array.from(eigvalsh(Mat.from([[2]])))).toEqual([2]);
  });

  it('0×0 gives empty results', () => {
    expect(eigh(Mat.zeros(0, 0)).values.length).toBe(0);
    expect(eigvalsh(Mat.zeros(0, 0)).length).toBe(0);
  });

  it('2×2 against the closed form (a+c)/2 ± √(((a−c)/2)² + b²)', () => {
    for (const [a, b, c] of [[2, 1, 3], [1, 0, 1], [0, 1e-9, 0], [-4, 7, 2.5], [1e8, 1, -1e-8]] as const) {
      const H = Mat.from([[a, b], [b, c]]);
      const r = Math.hypot((a - c) / 2, b);
      const want = [(a + c) / 2 - r, (a + c) / 2 + r];
      expectValues(checkDecomposition(H), want, 4e-16 * Math.max(1, Math.abs(a), Math.abs(c), Math.abs(b)) * 4);
      expectValues(eigvalsh(H), want, 4e-16 * Math.max(1, Math.abs(a), Math.abs(c), Math.abs(b)) * 4);
    }
  });

  it('the zero matrix: all eigenvalues 0, orthonormal vectors', () => {
    const values = checkDecomposition(Mat.zeros(7, 7), 0);
    expect(Array.from(values)).toEqual(new Array(7).fill(0));
  });

  it('a diagonal matrix: its diagonal sorted, unit vectors', () => {
    const d = [3, -1, 0, 2, -7, 2];
    const { values, vectors } = eigh(tridiagonal(d, [0, 0, 0, 0, 0]));
    expect(Array.from(values)).toEqual([...d].sort((a, b) => a - b));
    for (let k = 0; k < 6; k++) expect(Math.max(...Array.from(vectors.data.subarray(k * 6, k * 6 + 6)))).toBe(1);
  });

  it("Wilkinson W21+ and W21− against Sturm-sequence bisection (W21+ has pairs equal to 1e-14)", () => {
    for (const sign of [1, -1] as const) {
      for (const size of [21, 41]) {
        const W = wilkinson(size, sign);
        const d = Array.from({ length: size }, (_, i) => W.get(i, i));
        const e = Array.from({ length: size - 1 }, () => 1);
        const want = sturmEigenvalues(d, e);
        const values = checkDecomposition(W, norm2(want));
        expectValues(values, want, 1e-12 * size * norm2(want));
        expectValues(eigvalsh(W), want, 1e-12 * size * norm2(want));
      }
    }
  });

  it('divide-and-conquer stress: glued Wilkinson matrices, a split (e = 0) tridiagonal, a constant one', () => {
    const glued = (copies: number, glue: number): [number[], number[]] => {
      const d: number[] = [];
      const e: number[] = [];
      for (let c = 0; c < copies; c++) {
        for (let i = 0; i < 21; i++) d.push(Math.abs(10 - i));
        for (let i = 0; i < 20; i++) e.push(1);
        if (c < copies - 1) e.push(glue);
      }
      return [d, e];
    };
    const cases: [number[], number[]][] = [
      glued(6, 1e-14),
      glued(5, 1e-7),
      [Array.from({ length: 96 }, (_, i) => Math.floor(i / 8)), Array.from({ length: 95 }, (_, i) => (i % 8 === 7 ? 0 : 0.5))],
      [new Array(70).fill(3), new Array(69).fill(1)],
    ];
    for (const [d, e] of cases) {
      const n = d.length;
      const want = sturmEigenvalues(d, e);
      const T = tridiagonal(d, e);
      expectValues(checkDecomposition(T, norm2(want)), want, 1e-12 * n * norm2(want));
    }
  });

  it('random tridiagonal matrices against Sturm-sequence bisection', () => {
    for (const [n, seed] of [[10, 1], [60, 2], [150, 3]] as const) {
      const r = Mat.random(2 * n, 1, { seed });
      const d = Array.from({ length: n }, (_, i) => r.data[i]!);
      const e = Array.from({ length: n - 1 }, (_, i) => r.data[n + i]!);
      const want = sturmEigenvalues(d, e);
      const T = tridiagonal(d, e);
      expectValues(checkDecomposition(T, norm2(want)), want, 1e-12 * n * norm2(want));
      expectValues(eigvalsh(T), want, 1e-12 * n * norm2(want));
    }
  });
});

describe('eigh / eigvalsh: matrices with a known spectrum (Q diag(λ) Qᵀ, Q random orthogonal)', () => {
  const cases: [string, (n: number) => number[]][] = [
    ['random', (n) => Array.from(Mat.random(n, 1, { seed: n }).data).map((x) => 10 * x)],
    ['clustered (1 + k·1e-10)', (n) => Array.from({ length: n }, (_, k) => (k < n / 2 ? 1 + k * 1e-10 : -2 + k * 1e-11))],
    ['repeated (each value 4 times)', (n) => Array.from({ length: n }, (_, k) => Math.floor(k / 4) - n / 8)],
    ['graded 1e-8 … 1e8, both signs', (n) => Array.from({ length: n }, (_, k) => (k % 2 ? -1 : 1) * 10 ** (-8 + (16 * k) / (n - 1)))],
    ['one multiple eigenvalue', (n) => Array.from({ length: n }, (_, k) => (k === 0 ? 5 : 2))],
  ];
  for (const [name, spectrum] of cases) {
    it(name, () => {
      for (const [n, seed] of [[12, 5], [48, 6], [130, 7], ...(name === 'random' || name.startsWith('repeated') ? ([[300, 8]] as const) : [])] as const) {
        const lambda = spectrum(n);
        const H = withSpectrum(lambda, seed);
        const normH = norm2(lambda);
        expectValues(checkDecomposition(H, normH), lambda, 1e-12 * n * normH);
        expectValues(eigvalsh(H), lambda, 1e-12 * n * normH);
      }
    });
  }

  it('matrices near the overflow and underflow thresholds are scaled, not lost', () => {
    for (const s of [1e200, 1e-200]) {
      const lambda = [1, -2, 3, 0.5, -0.25].map((x) => x * s);
      const H = withSpectrum(lambda, 11);
      const values = eigvalsh(H);
      expectValues(values, lambda, 1e-13 * s);
      expectValues(eigh(H).values, lambda, 1e-13 * s);
    }
  });
});

describe('eigh: random symmetric matrices (property)', () => {
  it('residual, orthogonality and sign convention, and eigh agrees with eigvalsh', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 2 ** 30 }), (n, seed) => {
        const H = randomSymmetric(n, seed);
        const w = eigvalsh(H);
        const values = checkDecomposition(H, norm2(w));
        expectValues(values, Array.from(w), 1e-12 * n * norm2(w));
      }),
      { ...FC, numRuns: 60 },
    );
  });

  it('a float32 matrix (a GPU Hessian) is accepted and solved in float64', () => {
    const H = randomSymmetric(9, 3);
    const H32 = new Mat(9, 9, Float32Array.from(H.data));
    const w = eigvalsh(H32);
    expectValues(eigh(H32).values, Array.from(w), 1e-12 * 9 * norm2(w));
  });
});

describe('eigh / eigvalsh: bad input gets a typed error', () => {
  it('not square', () => {
    expect(() => eigh(Mat.zeros(2, 3))).toThrow(expect.objectContaining({ code: 'E_NOT_SQUARE' }));
    expect(() => eigvalsh(Mat.zeros(3, 1))).toThrow(/square.*3×1/);
  });

  it('not symmetric: names the largest asymmetry and where (1-based)', () => {
    const H = Mat.from([[1, 2, 3], [2, 1, 0], [3, 0.5, 1]]);
    let err: unknown;
    try {
      eigh(H);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NotSymmetricError);
    const e = err as NotSymmetricError;
    expect(e.code).toBe('E_NOT_SYMMETRIC');
    expect([e.row, e.col]).toEqual([2, 1]);
    expect(e.asymmetry).toBeCloseTo(0.5, 15);
    expect(e.message).toMatch(/H\(3, 2\) = 0\.5 but H\(2, 3\) = 0/);
  });

  it('asymmetry at the level of rounding is accepted (and the symmetric part is used)', () => {
    const H = randomSymmetric(6, 4);
    H.data[1] = H.data[1]! * (1 + 1e-15);
    expect(() => eigh(H)).not.toThrow();
  });

  it('non-finite entries', () => {
    const H = Mat.from([[1, NaN], [NaN, 1]]);
    expect(() => eigh(H)).toThrow(expect.objectContaining({ code: 'E_NON_FINITE' }));
    expect(() => eigvalsh(Mat.from([[Infinity]]))).toThrow(/non-finite.*\(1, 1\)/);
  });

  it('not a Mat', () => {
    expect(() => eigh([[1, 2], [2, 1]] as unknown as Mat)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
  });

  it('too large for memory: refused before anything is allocated', () => {
    const huge = Object.setPrototypeOf({ rows: 20000, cols: 20000, data: new Float64Array(0) }, Mat.prototype) as Mat;
    let err: unknown;
    try {
      eigh(huge);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MatjacError);
    expect((err as MatjacError).code).toBe('E_TOO_LARGE');
    expect((err as Error).message).toMatch(/hessianEigs/);
  });
});

describe('eighColumns: every eigenvalue, the eigenvectors of chosen positions (as eigh)', () => {
  it.each([
    ['QL path, n = 20', randomSymmetric(20, 41)],
    ['divide-and-conquer, n = 150', randomSymmetric(150, 42)],
    // clusters (each value 6 times, as in I⊗S) and a graded part
    ['clustered, n = 120', withSpectrum([...Array.from({ length: 20 }, (_, i) => Array<number>(6).fill(i - 7))].flat(), 43)],
  ])('%s', (_name, H) => {
    const n = H.rows;
    const positions = [0, 1, 2, n - 1, n - 2, Math.floor(n / 2)];
    const full = eigh(H);
    const part = eighColumns(H, positions);
    const norm = Math.max(Math.abs(full.values[0]!), Math.abs(full.values[n - 1]!));
    expect(Array.from(part.values)).toEqual(Array.from(full.values));
    expect([part.vectors.rows, part.vectors.cols]).toEqual([n, positions.length]);
    positions.forEach((p, j) => {
      const v = part.vectors.data.subarray(j * n, (j + 1) * n);
      // HV = VΛ column by column, unit norm, the largest entry positive
      expect(eigResidual(H, v, part.values[p]!)).toBeLessThanOrEqual(1e-12 * n * norm);
      let nn = 0;
      let big = 0;
      for (const x of v) {
        nn += x * x;
        if (Math.abs(x) > Math.abs(big)) big = x;
      }
      expect(Math.abs(Math.sqrt(nn) - 1)).toBeLessThanOrEqual(1e-12 * n);
      expect(big).toBeGreaterThan(0);
      // the same column eigh gives, where the eigenvalue is simple (a repeated one's vectors are any basis)
      const simple = [p - 1, p + 1].every((q) => q < 0 || q >= n || Math.abs(full.values[q]! - full.values[p]!) > 1e-6 * norm);
      if (simple) v.forEach((x, i) => expect(Math.abs(x - full.vectors.data[i + p * n]!)).toBeLessThanOrEqual(1e-12));
    });
    // vectors of distinct positions are orthogonal (within a cluster too)
    for (let a = 0; a < positions.length; a++)
      for (let b = a + 1; b < positions.length; b++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += part.vectors.data[i + a * n]! * part.vectors.data[i + b * n]!;
        expect(Math.abs(dot)).toBeLessThanOrEqual(1e-12 * n);
      }
  });

  it('a position outside 0…n−1 is a typed error', () => {
    const H = randomSymmetric(5, 1);
    for (const p of [-1, 5, 1.5]) expect(() => eighColumns(H, [p])).toThrow(MatjacError);
  });
});

describe('eighLazy: the values at once, the vectors of any positions later, from one decomposition', () => {
  it('columns asked twice, in any order, equal eighColumns; the values equal eigh', () => {
    const H = randomSymmetric(140, 44);
    const lazy = eighLazy(H);
    expect(Array.from(lazy.values)).toEqual(Array.from(eigh(H).values));
    for (const positions of [[139, 0, 70], [5, 6, 7, 8, 139]]) {
      const want = eighColumns(H, positions).vectors.data;
      const got = lazy.columns(positions);
      expect([got.rows, got.cols]).toEqual([140, positions.length]);
      got.data.forEach((x, i) => expect(x).toBe(want[i]));
    }
  });
});
