/**
 * The device-side finiteness scan (shaders/finite_scan.wgsl, `readChecked`): the count of ±Inf/NaN
 * entries of a result and the first of them come back with the result (8 bytes), and they equal
 * what a host scan of the same data finds — on results with none, one, a few scattered and all
 * entries non-finite, in one dispatch and across many binding windows, with the padding of a
 * poisoned buffer left out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebGpuBackend } from '../../src/backend/webgpu/index.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { Mat } from '../../src/mat/index.js';
import { getBackend, type AdapterName } from '../helpers/gpu.js';

/** The host's answer: how many entries are non-finite, and the first (−1: none). */
function hostScan(d: ArrayLike<number>): { nonFinite: number; first: number } {
  let nonFinite = 0;
  let first = -1;
  for (let k = 0; k < d.length; k++) {
    if (Number.isFinite(d[k]!)) continue;
    if (first < 0) first = k;
    nonFinite++;
  }
  return { nonFinite, first };
}

/** A rows×cols matrix of random finite entries with the given entries replaced. */
function planted(rows: number, cols: number, seed: number, bad: readonly [number, number][]): Mat {
  const M = Mat.random(rows, cols, { seed });
  for (const [k, v] of bad) M.data[k] = v;
  return M;
}

describe.each<[AdapterName, number | undefined]>([
  ['swiftshader', undefined],
  ['swiftshader', 4096],
  ['llvmpipe', undefined],
])('finite scan on the device: %s, maxBindingBytes %s', (adapter, maxBindingBytes) => {
  let gpu: WebGpuBackend;
  beforeAll(async () => {
    gpu = await getBackend(adapter, { poison: NaN, ...(maxBindingBytes && { maxBindingBytes }) });
  });
  afterAll(() => gpu?.destroy());

  async function scanOf(M: Mat): Promise<{ nonFinite: number; first: number; data: Float32Array }> {
    const t = gpu.upload(M);
    try {
      const { mat, scan } = await gpu.readChecked(t);
      return { ...scan, data: mat.data as Float32Array };
    } finally {
      gpu.dispose(t);
    }
  }

  it('finds none in a finite result, and returns the same data as read()', async () => {
    const M = Mat.random(37, 53, { seed: 1, lo: -3e38, hi: 3e38 }); // near float32's largest, still finite
    const t = gpu.upload(M);
    const { mat, scan } = await gpu.readChecked(t);
    const plain = await gpu.read(t);
    gpu.dispose(t);
    expect(scan).toEqual({ nonFinite: 0, first: -1 });
    expect(Array.from(mat.data)).toEqual(Array.from(plain.data));
    expect(mat.data.every(Number.isFinite)).toBe(true);
  });

  it('counts ±Inf (float32 overflow of the upload) and NaN, and names the first, as the host scan does', async () => {
    const cases: [number, number, [number, number][]][] = [
      [5, 7, [[0, Infinity]]],
      [5, 7, [[34, -Infinity]]],
      [3, 3, [[4, NaN], [2, 1e39], [8, -1e39]]], // 1e39 becomes Inf in float32
      [61, 43, [[2622, NaN], [1500, Infinity], [777, -Infinity], [2000, NaN], [1501, Infinity]]],
      [1, 1, [[0, NaN]]],
    ];
    for (const [r, c, bad] of cases) {
      const M = planted(r, c, r * c, bad);
      const got = await scanOf(M);
      const want = hostScan(got.data);
      expect(want.nonFinite, `${r}×${c}: the data read back has the planted entries`).toBe(new Set(bad.map(([k]) => k)).size);
      expect({ nonFinite: got.nonFinite, first: got.first }, `${r}×${c}`).toEqual(want);
    }
  });

  it('an all-non-finite result: every entry counted across many workgroups (and windows)', async () => {
    const M = new Mat(300, 301, new Float64Array(300 * 301).fill(-Infinity));
    M.data[12345] = NaN;
    const got = await scanOf(M);
    expect({ nonFinite: got.nonFinite, first: got.first }).toEqual({ nonFinite: 300 * 301, first: 0 });
  });

  it('a single bad entry late in a large result (the last window), then a clean one: the flags are cleared between reads', async () => {
    const n = 100_003;
    const M = planted(n, 1, 7, [[n - 2, Infinity]]);
    expect(await scanOf(M)).toMatchObject({ nonFinite: 1, first: n - 2 });
    expect(await scanOf(Mat.random(n, 1, { seed: 8 }))).toMatchObject({ nonFinite: 0, first: -1 });
  });

  it("a kernel's output of odd length in a NaN-poisoned buffer: the padding after the last entry is not counted", async () => {
    // 3×3 = 9 entries in a buffer of 12 (whole vec4s) filled with NaN before the matmul writes it
    const a = gpu.upload(Mat.random(3, 3, { seed: 3 }));
    const b = gpu.upload(Mat.random(3, 3, { seed: 4 }));
    const p = gpu.matmul(a, b);
    const { mat, scan } = await gpu.readChecked(p);
    expect(mat.data.every(Number.isFinite)).toBe(true);
    expect(scan).toEqual({ nonFinite: 0, first: -1 });
    // the same buffer class, now with a NaN computed on the device: Inf − Inf
    const inf = gpu.upload(planted(3, 3, 5, [[5, Infinity]]));
    const d = gpu.elementwise('sub', inf, inf);
    expect((await gpu.readChecked(d)).scan).toEqual({ nonFinite: 1, first: 5 });
    for (const t of [a, b, p, inf, d]) gpu.dispose(t);
  });

  it('an empty result has nothing to flag; a batch is refused as by read()', async () => {
    const e = gpu.upload(Mat.zeros(0, 4));
    expect((await gpu.readChecked(e)).scan).toEqual({ nonFinite: 0, first: -1 });
    const batch = gpu.upload([Mat.random(2, 2, { seed: 1 }), Mat.random(2, 2, { seed: 2 })]);
    await expect(gpu.readChecked(batch)).rejects.toThrow(InvalidArgumentError);
    gpu.dispose(e);
    gpu.dispose(batch);
  });
});
