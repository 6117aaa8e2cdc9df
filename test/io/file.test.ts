/**
 * .npy files on disk (src/io/file.ts, src/io/save.ts): saveNpy/loadNpy, column tiles written
 * into a file shared by concurrent writers, merging per-tile files, streaming a Jacobian or a
 * Hessian tile by tile (equal to the in-memory result), and progress callbacks (monotone,
 * complete).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CpuBackend,
  DeviceLostError,
  FileFormatError,
  InvalidArgumentError,
  IoError,
  Mat,
  NpyColumnFile,
  fromNpy,
  hessian,
  jacobian,
  grad,
  jacobianTiles,
  kron,
  loadNpy,
  mergeNpy,
  saveJacobianNpy,
  saveNpy,
  toNpy,
  transpose,
  type Progress,
} from '../../src/node.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'matjac-io-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const f = (name: string): string => path.join(dir, name);
const cpu = new CpuBackend();

const bits = (M: Mat): Buffer => Buffer.from(M.data.buffer, M.data.byteOffset, M.data.byteLength);

/** Checks a progress sequence: starts at 0, never decreases, one total, ends complete. */
function expectProgress(calls: Progress[], total: number): void {
  expect(calls.length).toBeGreaterThanOrEqual(2);
  expect(calls[0]!.done).toBe(0);
  for (let k = 1; k < calls.length; k++) expect(calls[k]!.done).toBeGreaterThanOrEqual(calls[k - 1]!.done);
  expect(new Set(calls.map((c) => c.total))).toEqual(new Set([total]));
  expect(calls.at(-1)!.done).toBe(total);
  expect(calls.every((c) => c.unit === 'columns')).toBe(true);
}

describe('saveNpy / loadNpy', () => {
  it('round trip, bit for bit, both dtypes; the file is toNpy', async () => {
    for (const M of [Mat.random(13, 7, { seed: 1 }), new Mat(3, 2, Float32Array.of(1, -2.5, 3e-8, 4, 5, -0)), Mat.zeros(0, 6)]) {
      await saveNpy(f('a.npy'), M);
      const back = await loadNpy(f('a.npy'));
      expect([back.rows, back.cols]).toEqual([M.rows, M.cols]);
      expect(back.data.constructor).toBe(M.data.constructor);
      expect(bits(back).equals(bits(M))).toBe(true);
      expect(readFileSync(f('a.npy')).equals(Buffer.from(toNpy(M)))).toBe(true);
    }
  });

  it('missing files and unwritable paths give IoError with the system code; bad files FileFormatError', async () => {
    const e1 = await loadNpy(f('nope.npy')).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(IoError);
    expect((e1 as IoError).sysCode).toBe('ENOENT');
    expect((e1 as IoError).message).toContain('nope.npy');
    const e2 = await saveNpy(f('no/such/dir/x.npy'), Mat.eye(2)).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(IoError);
    writeFileSync(f('junk.npy'), 'hello');
    const e3 = await loadNpy(f('junk.npy')).catch((e: unknown) => e);
    expect(e3).toBeInstanceOf(FileFormatError);
    const full = toNpy(Mat.random(4, 4, { seed: 2 }));
    writeFileSync(f('short.npy'), full.subarray(0, full.length - 3));
    const e4 = await loadNpy(f('short.npy')).catch((e: unknown) => e);
    expect((e4 as FileFormatError).reason).toBe('truncated');
    await expect(saveNpy(f('x.npy'), [[1]] as never)).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describe('NpyColumnFile: tiles into their byte ranges', () => {
  it('eight concurrent writers share one file, in any order; exactly one creates it', async () => {
    const M = Mat.random(37, 29, { seed: 3 });
    const ranges = [
      [20, 29],
      [0, 3],
      [9, 14],
      [3, 9],
      [14, 15],
      [15, 20],
      [29, 29],
      [0, 0],
    ] as const;
    const results = await Promise.all(
      ranges.map(async ([a, b]) => {
        const file = await NpyColumnFile.open(f('shared.npy'), { rows: 37, cols: 29, dtype: 'float64', mode: 'shared' });
        await file.writeColumns(a, Mat.fromColumnMajor(37, b - a, M.data.slice(a * 37, b * 37)));
        await file.close();
        return file.created;
      }),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(readFileSync(f('shared.npy')).equals(Buffer.from(toNpy(M)))).toBe(true);
  });

  it('a shared file of another shape or dtype is refused; a stalled creation times out', async () => {
    await NpyColumnFile.open(f('s2.npy'), { rows: 4, cols: 5, dtype: 'float64' }).then((x) => x.close());
    for (const o of [
      { rows: 4, cols: 6, dtype: 'float64' },
      { rows: 4, cols: 5, dtype: 'float32' },
    ] as const) {
      const e = await NpyColumnFile.open(f('s2.npy'), { ...o, mode: 'shared' }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(FileFormatError);
      expect((e as FileFormatError).reason).toBe('mismatch');
      expect((e as Error).message).toContain('4×5 float64');
    }
    writeFileSync(f('stalled.npy'), '');
    const e = await NpyColumnFile.open(f('stalled.npy'), { rows: 4, cols: 5, dtype: 'float64', mode: 'shared', waitMs: 100 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(IoError);
    expect((e as Error).message).toMatch(/stayed incomplete/);
  });

  it('a tile that does not fit is refused; a float32 tile is widened into a float64 file', async () => {
    const file = await NpyColumnFile.open(f('fit.npy'), { rows: 3, cols: 4, dtype: 'float64' });
    await expect(file.writeColumns(3, Mat.zeros(3, 2))).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(file.writeColumns(0, Mat.zeros(2, 1))).rejects.toBeInstanceOf(InvalidArgumentError);
    await file.writeColumns(1, new Mat(3, 2, Float32Array.of(0.1, 2, 3, 4, 5, 6)));
    await file.close();
    const back = await loadNpy(f('fit.npy'));
    expect(back.data).toBeInstanceOf(Float64Array);
    expect(back.get(0, 1)).toBe(Math.fround(0.1));
    expect(back.get(2, 2)).toBe(6);
    expect(statSync(f('fit.npy')).size).toBe(128 + 12 * 8);
  });
});

describe('mergeNpy', () => {
  it('joins column blocks in the given order (like np.hstack), streaming through a small buffer', async () => {
    const M = Mat.random(33, 21, { seed: 4 });
    const cuts = [0, 1, 8, 8, 20, 21];
    const parts: string[] = [];
    for (let k = 0; k + 1 < cuts.length; k++) {
      parts.push(f(`part-${k}.npy`));
      await saveNpy(parts[k]!, Mat.fromColumnMajor(33, cuts[k + 1]! - cuts[k]!, M.data.slice(cuts[k]! * 33, cuts[k + 1]! * 33)));
    }
    expect(await mergeNpy(f('merged.npy'), parts, { chunkBytes: 1000 })).toEqual({ rows: 33, cols: 21, dtype: 'float64' });
    expect(readFileSync(f('merged.npy')).equals(Buffer.from(toNpy(M)))).toBe(true);
  });

  it('refuses parts with other row counts or dtypes, C-order parts, and the output among the parts', async () => {
    await saveNpy(f('p1.npy'), Mat.zeros(3, 2));
    await saveNpy(f('p2.npy'), Mat.zeros(4, 2));
    await saveNpy(f('p3.npy'), new Mat(3, 1, new Float32Array(3)));
    await expect(mergeNpy(f('m.npy'), [f('p1.npy'), f('p2.npy')])).rejects.toMatchObject({ code: 'E_FILE_FORMAT', reason: 'mismatch' });
    await expect(mergeNpy(f('m.npy'), [f('p1.npy'), f('p3.npy')])).rejects.toMatchObject({ code: 'E_FILE_FORMAT', reason: 'mismatch' });
    await expect(mergeNpy(f('p1.npy'), [f('p1.npy')])).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(mergeNpy(f('m.npy'), [])).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describe('saveJacobianNpy: tile by tile equals the in-memory result', () => {
  const A = Mat.random(3, 4, { seed: 5 });
  const X = Mat.random(4, 5, { seed: 6 });
  const B = Mat.random(5, 2, { seed: 7 });
  const S = Mat.random(3, 3, { seed: 8 });
  for (let i = 0; i < 3; i++) S.data[i * 4]! += 3;

  it.each(['denominator', 'numerator'] as const)('A*X*B, inv(X), sigmoid(A*X) in the %s layout, any tile width', async (layout) => {
    for (const [e, at] of [
      ['A*X*B', { A, X, B }],
      ['inv(X)', { X: S }],
      ['sigmoid(A*X)', { A, X }],
    ] as const) {
      const full = await jacobian(e, { wrt: 'X', at, layout, backend: cpu });
      for (const tileCols of [1, 2, 7, 1000]) {
        const r = await saveJacobianNpy(f('J.npy'), e, { wrt: 'X', at, layout, backend: cpu, tileCols });
        expect(r).toMatchObject({ rows: full.rows, cols: full.cols, dtype: 'float64', col0: 0, count: full.cols, tiles: Math.ceil(full.cols / tileCols) });
        const back = await loadNpy(f('J.npy'));
        expect(Math.max(...back.data.map((v, k) => Math.abs(v - full.data[k]!))), `${e} ${tileCols}`).toBeLessThanOrEqual(1e-14 * Math.max(1, ...full.data.map(Math.abs)));
      }
    }
  });

  it('the closed form: A*X*B saved in tiles is B⊗Aᵀ bit for bit against the one-piece jacobian', async () => {
    const full = await jacobian('A*X*B', { wrt: 'X', at: { A, X, B }, backend: cpu });
    await saveJacobianNpy(f('K.npy'), 'A*X*B', { wrt: 'X', at: { A, X, B }, backend: cpu, maxBytes: 200 });
    const back = await loadNpy(f('K.npy'));
    expect(bits(back).equals(bits(full))).toBe(true);
    const K = kron(B, transpose(A));
    expect(Math.max(...back.data.map((v, k) => Math.abs(v - K.data[k]!)))).toBeLessThanOrEqual(1e-15);
  });

  it('a Hessian, and parts written into one shared file in any order', async () => {
    const f2 = "logdet(X) + tr(X'*A*X)";
    const at = { X: S, A: Mat.random(3, 3, { seed: 9 }) };
    const H = await hessian(f2, { wrt: 'X', at, backend: cpu });
    for (const index of [2, 0, 3, 1]) {
      const r = await saveJacobianNpy(f('H.npy'), f2, { wrt: 'X', at, backend: cpu, hessian: true, part: { count: 4, index }, tileCols: 1 });
      expect(r.created).toBe(index === 2);
    }
    const back = await loadNpy(f('H.npy'));
    expect(Math.max(...back.data.map((v, k) => Math.abs(v - H.data[k]!)))).toBeLessThanOrEqual(1e-12);
    // own files per part, merged
    const parts: string[] = [];
    for (let index = 0; index < 3; index++) {
      parts.push(f(`H-${index}.npy`));
      const r = await saveJacobianNpy(parts[index]!, f2, { wrt: 'X', at, backend: cpu, hessian: true, part: { count: 3, index }, partFile: true });
      expect((await loadNpy(parts[index]!)).cols).toBe(r.count);
    }
    await mergeNpy(f('H2.npy'), parts);
    expect(readFileSync(f('H2.npy')).equals(readFileSync(f('H.npy')))).toBe(true);
  });

  it('a run that fails midway leaves no file, and an older file of that name as it was', async () => {
    /** The CPU backend, failing on its third assembly (the third tile), into a new or a reused buffer. */
    class FailingBackend extends CpuBackend {
      calls = 0;
      override assemble(...args: Parameters<CpuBackend['assemble']>): ReturnType<CpuBackend['assemble']> {
        if (++this.calls === 3) throw new DeviceLostError('cpu', 'injected failure');
        return super.assemble(...args);
      }
      override assembleInto(...args: Parameters<CpuBackend['assembleInto']>): ReturnType<CpuBackend['assembleInto']> {
        if (++this.calls === 3) throw new DeviceLostError('cpu', 'injected failure');
        return super.assembleInto(...args);
      }
    }
    const at = { A, X, B };
    await expect(saveJacobianNpy(f('fail.npy'), 'A*X*B', { wrt: 'X', at, backend: new FailingBackend(), tileCols: 2 })).rejects.toBeInstanceOf(DeviceLostError);
    expect(existsSync(f('fail.npy'))).toBe(false);
    await saveNpy(f('old.npy'), Mat.eye(3));
    const before = readFileSync(f('old.npy'));
    await expect(saveJacobianNpy(f('old.npy'), 'A*X*B', { wrt: 'X', at, backend: new FailingBackend(), tileCols: 2 })).rejects.toBeInstanceOf(DeviceLostError);
    expect(readFileSync(f('old.npy')).equals(before)).toBe(true);
    expect(readdirSync(dir).filter((n) => n.endsWith('.partial'))).toEqual([]);
  });

  it('bad options are typed errors', async () => {
    await expect(saveJacobianNpy(f('x.npy'), 'A*X', { wrt: 'X', at: { A, X }, dtype: 'int8' as never })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(saveJacobianNpy(f('x.npy'), 'A*X', { wrt: 'X', at: { A, X }, tileCols: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(saveJacobianNpy(f('x.npy'), 'A*X', { wrt: 'X', at: { A, X }, part: { count: 2, index: 2 } })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(saveJacobianNpy(f('x.npy'), 'A*X', { wrt: 'X', at: { A, X }, method: 'fd' })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(saveJacobianNpy('', 'A*X', { wrt: 'X', at: { A, X } })).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describe('onProgress: monotone, complete', () => {
  const A = Mat.random(4, 4, { seed: 10 });
  const X = Mat.random(4, 4, { seed: 11 });
  for (let i = 0; i < 4; i++) X.data[i * 5]! += 4;

  it('jacobianTiles counts the columns of its tiles (all of them, or one part)', async () => {
    const calls: Progress[] = [];
    let tiles = 0;
    for await (const t of jacobianTiles('A*X*A', { wrt: 'X', at: { A, X }, backend: cpu, tileCols: 3, onProgress: (p) => calls.push(p) })) {
      tiles++;
      expect(calls.at(-1)!.done).toBe(t.col0); // reported before the next tile: what is done so far
    }
    expect(tiles).toBe(6);
    expectProgress(calls, 16);
    const part: Progress[] = [];
    for await (const t of jacobianTiles('A*X*A', { wrt: 'X', at: { A, X }, backend: cpu, tileCols: 2, part: { count: 3, index: 1 }, onProgress: (p) => part.push(p) })) void t;
    expectProgress(part, 5);
  });

  it('jacobian and hessian in forward/reverse batches, structured, fd; grad: the same values as without', async () => {
    for (const [e, method, layout] of [
      ['inv(X)', 'forward', 'numerator'],
      ['inv(X)', 'reverse', 'denominator'],
      ['sigmoid(A*X)', 'auto', 'denominator'],
      ['A*X', 'structured', 'denominator'],
      ['A*X', 'fd', 'numerator'],
    ] as const) {
      const calls: Progress[] = [];
      const backend = method === 'fd' ? 'cpu' : cpu;
      const J = await jacobian(e, { wrt: 'X', at: { A, X }, backend, method, layout, onProgress: (p) => calls.push(p) });
      expectProgress(calls, 16);
      if (method === 'forward' || method === 'reverse') expect(calls.length).toBe(17);
      const ref = await jacobian(e, { wrt: 'X', at: { A, X }, backend, method, layout });
      expect(bits(J).equals(bits(ref)), `${e} ${method}`).toBe(true);
    }
    const calls: Progress[] = [];
    const H = await hessian('logdet(X) + sum(sin(X))', { at: { X }, backend: cpu, method: 'reverse', onProgress: (p) => calls.push(p) });
    expectProgress(calls, 16);
    expect(bits(H).equals(bits(await hessian('logdet(X) + sum(sin(X))', { at: { X }, backend: cpu, method: 'reverse' })))).toBe(true);
    const g: Progress[] = [];
    await grad('logdet(X)', { at: { X }, backend: cpu, onProgress: (p) => g.push(p) });
    expectProgress(g, 1);
  });

  it('fromNpy of saveJacobianNpy output agrees with fromNpy(toNpy(jacobian))', async () => {
    const J = await jacobian('A*X', { wrt: 'X', at: { A, X }, backend: cpu });
    await saveJacobianNpy(f('p.npy'), 'A*X', { wrt: 'X', at: { A, X }, backend: cpu, tileCols: 5 });
    expect(bits(fromNpy(readFileSync(f('p.npy')))).equals(bits(fromNpy(toNpy(J))))).toBe(true);
  });
});
