/**
 * NumPy (Debian's python3-numpy) as the independent judge of matjac's .npy files, both ways:
 * it loads what matjac writes (np.load, and memory-mapped) and compares against the same values
 * sent as raw column-major bytes (no .npy involved); matjac loads what NumPy writes (C and
 * Fortran order, float32/float64, 1-D, 0-D, formats 1.0/2.0/3.0) and compares likewise; files
 * NumPy writes that matjac cannot represent give typed errors.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileFormatError, Mat, jacobian, loadNpy, saveNpy, toNpy } from '../../src/node.js';
import { python, requireNumpy } from '../helpers/numpy.js';

requireNumpy();

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'matjac-numpy-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const f = (name: string): string => path.join(dir, name);
const raw = (M: Mat): Uint8Array => new Uint8Array(M.data.buffer, M.data.byteOffset, M.data.byteLength);

function testMat(m: number, n: number, seed: number, f32: boolean): Mat {
  const M = Mat.random(m, n, { seed, lo: -1e3, hi: 1e3 });
  if (m * n > 2) M.data[1] = -0;
  return f32 ? new Mat(m, n, Float32Array.from(M.data)) : M;
}

const SHAPES: [number, number][] = [
  [0, 4],
  [4, 0],
  [1, 1],
  [1, 9],
  [9, 1],
  [17, 13],
  [40, 31],
];

describe('NumPy reads what matjac writes', () => {
  it.each(SHAPES)('%i×%i float64 and float32: np.load and np.load(mmap_mode="r") give the values, Fortran-contiguous', async (m, n) => {
    for (const f32 of [false, true]) {
      const M = testMat(m, n, 100 * m + n, f32);
      const name = `w-${m}x${n}-${f32 ? 4 : 8}`;
      await saveNpy(f(`${name}.npy`), M);
      writeFileSync(f(`${name}.bin`), raw(M));
      const out = python(
        `
import sys, numpy as np
npy, binf, m, n, dt = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
ref = np.fromfile(binf, dtype=dt).reshape((m, n), order='F')
for mode in (None, 'r'):
    a = np.load(npy, mmap_mode=mode)
    assert a.shape == (m, n), a.shape
    assert a.dtype == np.dtype(dt), a.dtype
    assert a.flags.f_contiguous
    assert np.array_equal(a, ref), 'values differ'
    assert np.array_equal(np.signbit(a), np.signbit(ref)), 'signs of zeros differ'
print('ok')
`,
        [f(`${name}.npy`), f(`${name}.bin`), String(m), String(n), f32 ? '<f4' : '<f8'],
      );
      expect(out.trim()).toBe('ok');
    }
  });

  it("matjac's header is byte for byte NumPy's own for a Fortran-order array", () => {
    for (const [m, n] of SHAPES.filter(([m, n]) => m > 1 && n > 1)) {
      const M = testMat(m, n, m + n, false);
      writeFileSync(f('h.bin'), raw(M));
      python(`import sys, numpy as np\nnp.save(sys.argv[2], np.asfortranarray(np.fromfile(sys.argv[1], '<f8').reshape((${m}, ${n}), order='F')))`, [f('h.bin'), f('h-np.npy')]);
      expect(Buffer.compare(readFileSync(f('h-np.npy')), Buffer.from(toNpy(M)))).toBe(0);
    }
  });

  it('a Jacobian saved by matjac equals B⊗Aᵀ computed by NumPy (np.kron) from the same A, B', async () => {
    const A = Mat.random(3, 4, { seed: 1 });
    const B = Mat.random(5, 2, { seed: 2 });
    const X = Mat.random(4, 5, { seed: 3 });
    await saveNpy(f('J.npy'), await jacobian('A*X*B', { wrt: 'X', at: { A, X, B }, backend: 'cpu' }));
    await saveNpy(f('A.npy'), A);
    await saveNpy(f('B.npy'), B);
    const out = python(
      `
import sys, numpy as np
J, A, B = (np.load(p) for p in sys.argv[1:4])
print(J.shape, float(np.abs(J - np.kron(B, A.T)).max()))
`,
      [f('J.npy'), f('A.npy'), f('B.npy')],
    );
    const [shape, err] = out.trim().split(') ');
    expect(shape + ')').toBe('(20, 6)');
    expect(Number(err)).toBeLessThanOrEqual(1e-15);
  });
});

describe('matjac reads what NumPy writes', () => {
  const cases: [string, string][] = [
    ['C order float64', "a = rng.standard_normal((7, 5)); np.save(out, a)"],
    ['Fortran order float64', "a = np.asfortranarray(rng.standard_normal((7, 5))); np.save(out, a)"],
    ['C order float32', "a = rng.standard_normal((6, 11)).astype('<f4'); np.save(out, a)"],
    ['Fortran order float32', "a = np.asfortranarray(rng.standard_normal((11, 6)).astype('<f4')); np.save(out, a)"],
    ['a transposed view (Fortran order on disk)', "a = rng.standard_normal((5, 8)).T; np.save(out, a)"],
    ['1-D (a column)', "a = rng.standard_normal(9); np.save(out, a)"],
    ['0-D (1×1)', "a = np.array(2.5); np.save(out, a)"],
    ['0×3', "a = np.zeros((0, 3)); np.save(out, a)"],
    ['1×1', "a = np.array([[-7.25]]); np.save(out, a)"],
    ['format 2.0', "a = rng.standard_normal((4, 3))\nwith open(out, 'wb') as fh: np.lib.format.write_array(fh, a, version=(2, 0))"],
    ['format 3.0', "a = rng.standard_normal((3, 4))\nwith open(out, 'wb') as fh: np.lib.format.write_array(fh, a, version=(3, 0))"],
    ['an open_memmap file', "a = np.lib.format.open_memmap(out, mode='w+', dtype='<f8', shape=(6, 4), fortran_order=True); a[:] = rng.standard_normal((6, 4)); a.flush(); a = np.array(a)"],
  ];
  it.each(cases)('%s', async (name, make) => {
    const out = f(`np-${name.replace(/\W+/g, '_')}.npy`);
    const binf = `${out}.bin`;
    const shape = python(
      `
import sys, numpy as np
out, binf = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(5)
${make}
m, n = a.shape if a.ndim == 2 else (a.shape[0], 1) if a.ndim == 1 else (1, 1)
np.asarray(a).reshape((m, n)).ravel(order='F').tofile(binf)
print(m, n, a.dtype.str)
`,
      [out, binf],
    ).trim();
    const [m, n, dt] = shape.split(' ');
    const M = await loadNpy(out);
    expect([M.rows, M.cols]).toEqual([Number(m), Number(n)]);
    expect(M.data instanceof Float32Array).toBe(dt === '<f4');
    const ref = readFileSync(binf);
    expect(Buffer.compare(Buffer.from(raw(M)), ref)).toBe(0);
  });

  it.each([
    ['big-endian', "np.save(out, np.arange(6.0).astype('>f8').reshape(2, 3))", 'endian'],
    ['int64', 'np.save(out, np.arange(6).reshape(2, 3))', 'dtype'],
    ['complex', 'np.save(out, np.ones((2, 2), dtype=complex))', 'dtype'],
    ['3-D', 'np.save(out, np.zeros((2, 2, 2)))', 'ndim'],
    ['structured', "np.save(out, np.zeros(3, dtype=[('a', '<f8'), ('b', '<i4')]))", 'dtype'],
  ])('%s: FileFormatError (%s)', async (_name, make, reason) => {
    const out = f(`bad-${reason}-${_name}.npy`);
    python(`import sys, numpy as np\nout = sys.argv[1]\n${make}`, [out]);
    const err = await loadNpy(out).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileFormatError);
    expect((err as FileFormatError).reason).toBe(reason);
  });
});
