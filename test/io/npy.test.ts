/**
 * The .npy codec in memory (src/io/npy.ts): round trips over shapes (0×n, 1×1, odd sizes),
 * dtypes, format versions and orders; the header's exact layout; C-order files built here by
 * hand (row-major bytes, an independent construction) read as the same matrix; bad files give
 * FileFormatError with a reason.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FileFormatError, Mat, encodeNpyHeader, fromNpy, parseNpyHeader, toNpy } from '../../src/index.js';

function randomMat(m: number, n: number, seed: number, f32 = false): Mat {
  const M = Mat.random(m, n, { seed });
  return f32 ? new Mat(m, n, Float32Array.from(M.data)) : M;
}

/** A C-order .npy written by hand: header with fortran_order False, then row by row. */
function cOrderNpy(M: Mat, version: 1 | 2 = 1): Uint8Array {
  const f32 = M.data instanceof Float32Array;
  const header = encodeNpyHeader(M.rows, M.cols, f32 ? 'float32' : 'float64', { fortranOrder: false, version });
  const size = f32 ? 4 : 8;
  const out = new Uint8Array(header.length + M.rows * M.cols * size);
  out.set(header);
  const dv = new DataView(out.buffer);
  let off = header.length;
  for (let i = 0; i < M.rows; i++)
    for (let j = 0; j < M.cols; j++, off += size) {
      if (f32) dv.setFloat32(off, M.get(i, j), true);
      else dv.setFloat64(off, M.get(i, j), true);
    }
  return out;
}

/** A file from a header text (the dict) and data bytes, in format 1.0, padded like NumPy. */
function rawNpy(dict: string, data: Uint8Array = new Uint8Array(0), version = 1): Uint8Array {
  const pre = version === 1 ? 10 : 12;
  const total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  const out = new Uint8Array(total + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, total - pre, true);
  else dv.setUint32(8, total - pre, true);
  out.fill(0x20, pre, total - 1);
  for (let k = 0; k < dict.length; k++) out[pre + k] = dict.charCodeAt(k);
  out[total - 1] = 0x0a;
  out.set(data, total);
  return out;
}

function expectFormatError(f: () => unknown, reason: string, text?: RegExp): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, `expected FileFormatError (${reason})`).toBeInstanceOf(FileFormatError);
  expect((err as FileFormatError).code).toBe('E_FILE_FORMAT');
  expect((err as FileFormatError).reason).toBe(reason);
  if (text) expect((err as Error).message).toMatch(text);
}

const sameBits = (a: Mat, b: Mat): void => {
  expect([b.rows, b.cols]).toEqual([a.rows, a.cols]);
  expect(b.data.constructor).toBe(a.data.constructor);
  expect(new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength)).toEqual(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength));
};

describe('npy header', () => {
  it("is NumPy's layout: magic, version, length, the dict, spaces, newline; 64-byte aligned", () => {
    const h = encodeNpyHeader(3, 4, 'float64');
    expect(h.length).toBe(128); // like NumPy 1.24's own for this array (checked in numpy.test.ts)
    expect([...h.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    expect(new DataView(h.buffer).getUint16(8, true)).toBe(118);
    const text = String.fromCharCode(...h.subarray(10));
    expect(text).toBe("{'descr': '<f8', 'fortran_order': True, 'shape': (3, 4), }".padEnd(117, ' ') + '\n');
    const h2 = encodeNpyHeader(25600, 25600, 'float32', { version: 2 });
    expect(h2.length % 64).toBe(0);
    expect([h2[6], h2[7]]).toEqual([2, 0]);
    expect(parseNpyHeader(h2)).toMatchObject({ version: 2, dtype: 'float32', fortranOrder: true, rows: 25600, cols: 25600, dataOffset: h2.length, dataBytes: 25600 * 25600 * 4 });
  });

  it('parses what other writers produce: double quotes, no trailing comma, keys in any order, 3.0 headers, 1-D and 0-D shapes', () => {
    const x = new Uint8Array(new Float64Array([1.5, -2, 3]).buffer);
    expect(fromNpy(rawNpy('{"shape": (3,), "fortran_order": False, "descr": "<f8"}', x)).toArray()).toEqual([[1.5], [-2], [3]]);
    expect(fromNpy(rawNpy("{'descr':'<f8','fortran_order':False,'shape':()}", x.subarray(0, 8))).toArray()).toEqual([[1.5]]);
    expect(fromNpy(rawNpy("{'descr': '<f8', 'fortran_order': True, 'shape': (1, 3), }", x, 3)).toArray()).toEqual([[1.5, -2, 3]]);
    expect(fromNpy(rawNpy("{'descr': '<f8', 'fortran_order': True, 'shape': (3L, 1L), }", x)).toArray()).toEqual([[1.5], [-2], [3]]);
  });
});

describe('toNpy / fromNpy round trips', () => {
  const shapes: [number, number][] = [
    [0, 5],
    [5, 0],
    [0, 0],
    [1, 1],
    [1, 7],
    [7, 1],
    [3, 5],
    [17, 13],
    [64, 33],
  ];
  it.each(shapes)('%i×%i, float64 and float32, format 1 and 2: bit-identical', (m, n) => {
    for (const f32 of [false, true])
      for (const version of [1, 2] as const) {
        const M = randomMat(m, n, m * 31 + n, f32);
        const bytes = toNpy(M, { version });
        expect(bytes[6]).toBe(version);
        const h = parseNpyHeader(bytes);
        expect(h).toMatchObject({ dtype: f32 ? 'float32' : 'float64', fortranOrder: true, shape: [m, n] });
        expect(h.dataOffset % 64).toBe(0);
        expect(bytes.length).toBe(h.dataOffset + m * n * (f32 ? 4 : 8));
        sameBits(M, fromNpy(bytes));
      }
  });

  it.each(shapes)('%i×%i in C order (row-major bytes) reads as the same matrix', (m, n) => {
    for (const f32 of [false, true]) {
      const M = randomMat(m, n, 7 * m + n + 1, f32);
      sameBits(M, fromNpy(cOrderNpy(M, f32 ? 2 : 1)));
    }
  });

  it('column-major data is written as it is (fortran_order True, no transpose)', () => {
    const M = Mat.from([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const b = toNpy(M);
    const data = new Float64Array(b.slice(parseNpyHeader(b).dataOffset).buffer);
    expect([...data]).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('property: any matrix (NaN, ±Inf, −0 included) survives toNpy → fromNpy bit for bit', () => {
    const value = fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, -0, 5e-324));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }), fc.boolean(), fc.array(value, { minLength: 81, maxLength: 81 }), (m, n, f32, vals) => {
        const data = f32 ? Float32Array.from(vals.slice(0, m * n)) : Float64Array.from(vals.slice(0, m * n));
        const M = new Mat(m, n, data);
        sameBits(M, fromNpy(toNpy(M)));
        sameBits(M, fromNpy(cOrderNpy(M)));
      }),
      { numRuns: 200, seed: 11 },
    );
  });

  it('reads from an ArrayBuffer and from a Uint8Array at an odd offset (unaligned data)', () => {
    const M = randomMat(5, 3, 3);
    const b = toNpy(M);
    sameBits(M, fromNpy(b.buffer as ArrayBuffer));
    const shifted = new Uint8Array(b.length + 3);
    shifted.set(b, 3);
    sameBits(M, fromNpy(shifted.subarray(3)));
  });
});

describe('bad files give FileFormatError with a reason', () => {
  const good = toNpy(randomMat(4, 3, 1));
  const f8 = new Uint8Array(new Float64Array(12).buffer);
  it('wrong magic, empty, short', () => {
    expectFormatError(() => fromNpy(new TextEncoder().encode('PK\x03\x04 not numpy at all, a zip file')), 'magic', /does not start with/);
    expectFormatError(() => fromNpy(new Uint8Array(0)), 'truncated');
    expectFormatError(() => fromNpy(good.subarray(0, 9)), 'truncated');
    expectFormatError(() => fromNpy(good.subarray(0, 40)), 'truncated', /header needs 128 bytes/);
  });
  it('truncated data and trailing bytes', () => {
    expectFormatError(() => fromNpy(good.subarray(0, good.length - 1)), 'truncated', /needs 96 data bytes, the file has 95/);
    const longer = new Uint8Array(good.length + 8);
    longer.set(good);
    expectFormatError(() => fromNpy(longer), 'size', /8 bytes after/);
  });
  it('unsupported versions', () => {
    const v9 = good.slice();
    v9[6] = 9;
    expectFormatError(() => fromNpy(v9), 'version', /9\.0/);
    expect(() => toNpy(Mat.eye(2), { version: 3 as never })).toThrow(FileFormatError);
  });
  it('big-endian, integer, complex, structured dtypes', () => {
    expectFormatError(() => fromNpy(rawNpy("{'descr': '>f8', 'fortran_order': True, 'shape': (4, 3), }", f8)), 'endian', /big-endian/);
    for (const d of ['<i8', '<f2', '<c16', '|u1', '|b1', '=f8', '<M8[s]']) expectFormatError(() => fromNpy(rawNpy(`{'descr': '${d}', 'fortran_order': True, 'shape': (4, 3), }`, f8)), 'dtype');
    expectFormatError(() => fromNpy(rawNpy("{'descr': [('a', '<f8'), ('b', '<f8')], 'fortran_order': False, 'shape': (6,), }", f8)), 'dtype', /structured/);
  });
  it('more than two dimensions', () => {
    expectFormatError(() => fromNpy(rawNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3, 2), }", f8)), 'ndim', /3 dimensions/);
  });
  it('malformed headers', () => {
    for (const dict of [
      "{'descr': '<f8', 'fortran_order': True}",
      "{'descr': '<f8', 'shape': (2, 2), }",
      "{'descr': '<f8', 'fortran_order': Yes, 'shape': (2, 2), }",
      "{'descr': '<f8', 'fortran_order': True, 'shape': (2, -2), }",
      "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), } trailing",
      "['descr', '<f8']",
      "{'descr: '<f8'}",
      "{'descr': '<f8', 'fortran_order': True, 'shape': (99999999999, 99999999999), }",
    ]) {
      expectFormatError(() => fromNpy(rawNpy(dict, f8)), 'header');
    }
  });
});
