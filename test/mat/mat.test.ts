import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, MatjacError, NonFiniteError } from '../../src/errors.js';
import { Mat, formatMat, mulberry32 } from '../../src/mat/index.js';
import { FC, dim } from './helpers.js';

describe('Mat', () => {
  it('from/toArray round trip, stored column-major', () => {
    const X = Mat.from([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(X.rows).toBe(2);
    expect(X.cols).toBe(3);
    expect(Array.from(X.data)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(X.get(1, 2)).toBe(6);
    expect(X.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    fc.assert(
      fc.property(dim, dim, fc.integer(), (m, n, s) => {
        const rows = Array.from({ length: m }, (_, i) => Array.from({ length: n }, (_, j) => ((s + 7 * i + 13 * j) % 97) / 7));
        expect(Mat.from(rows).toArray()).toEqual(rows);
      }),
      FC,
    );
  });

  it('fromColumnMajor wraps data, constructors check their arguments', () => {
    const d = Float64Array.of(1, 2, 3, 4);
    const X = Mat.fromColumnMajor(2, 2, d);
    expect(X.data).toBe(d);
    expect(Mat.fromColumnMajor(2, 1, [5, 6]).toArray()).toEqual([[5], [6]]);
    expect(() => new Mat(2, 2, new Float64Array(3))).toThrow(InvalidArgumentError);
    expect(() => new Mat(-1, 2, new Float64Array(0))).toThrow(InvalidArgumentError);
    expect(() => new Mat(1.5, 2, new Float64Array(3))).toThrow(/non-negative integers/);
    expect(() => Mat.from([[1, 2], [3]])).toThrow(/row 1 has 1 entries, row 0 has 2/);
    expect(() => Mat.from('x' as unknown as number[][])).toThrow(InvalidArgumentError);
    try {
      new Mat(2, 2, new Float64Array(3));
    } catch (e) {
      expect(e).toBeInstanceOf(MatjacError);
      expect((e as MatjacError).code).toBe('E_INVALID_ARGUMENT');
    }
  });

  it('get/set out of range throw', () => {
    const X = Mat.zeros(2, 3);
    expect(() => X.get(2, 0)).toThrow(/outside a 2×3 matrix/);
    expect(() => X.get(0, 3)).toThrow(InvalidArgumentError);
    expect(() => X.get(-1, 0)).toThrow(InvalidArgumentError);
    expect(() => X.get(0.5, 0)).toThrow(InvalidArgumentError);
    expect(() => X.set(0, 5, 1)).toThrow(InvalidArgumentError);
    X.set(1, 2, 7);
    expect(X.get(1, 2)).toBe(7);
  });

  it('zeros, eye, scalar, col', () => {
    expect(Mat.eye(3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(Mat.zeros(2).shape).toEqual([2, 2]);
    expect(Mat.scalar(4).toArray()).toEqual([[4]]);
    expect(Mat.col([1, 2]).shape).toEqual([2, 1]);
  });

  it('random is reproducible with a seed and differs across seeds', () => {
    const a = Mat.random(4, 3, { seed: 7 });
    const b = Mat.random(4, 3, { seed: 7 });
    const c = Mat.random(4, 3, { seed: 8 });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
    for (const v of a.data) expect(v >= -1 && v < 1).toBe(true);
    const u = Mat.random(10, 10, { seed: 3, lo: 2, hi: 3 });
    for (const v of u.data) expect(v >= 2 && v < 3).toBe(true);
    const g = Mat.random(50, 50, { seed: 3, dist: 'normal' });
    const mean = Array.from(g.data).reduce((s, v) => s + v, 0) / g.size;
    expect(Math.abs(mean)).toBeLessThan(0.1);
    const r = mulberry32(5);
    const r2 = mulberry32(5);
    expect([r(), r(), r()]).toEqual([r2(), r2(), r2()]);
  });

  it('toString aligns columns and elides large matrices', () => {
    const s = Mat.from([
      [1, -2.5],
      [30, 4],
    ]).toString();
    expect(s.split('\n')[0]).toBe('2×2 float64');
    expect(s).toContain('-2.5');
    const big = Mat.random(40, 40, { seed: 1 }).toString();
    expect(big).toContain('…');
    expect(big).toContain('⋮');
    expect(big.split('\n').length).toBe(1 + 12);
    expect(formatMat(Mat.zeros(2, 20), { maxCols: 5 }).split('\n')[1]!.trim().split(/\s+/).length).toBe(5);
    expect(formatMat(Mat.scalar(1e-7))).toContain('e-7');
  });

  it('assertFinite names the first bad entry', () => {
    const X = Mat.from([
      [1, 2],
      [3, NaN],
    ]);
    expect(() => X.assertFinite('X')).toThrow(NonFiniteError);
    expect(() => X.assertFinite('X')).toThrow(/X has a non-finite entry NaN at \(2, 2\)/);
    expect(Mat.eye(2).assertFinite()).toBeInstanceOf(Mat);
  });
});
