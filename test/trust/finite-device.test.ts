/**
 * On WebGPU (Dawn + SwiftShader) a float32 overflow is found on the device, in one reduction
 * before the readback (shaders/finite_scan.wgsl), not by a host scan of the matrix. Each path
 * that reads a result back is run on a "blind" backend: the real WebGPU backend whose readbacks
 * reach the host with every non-finite entry replaced by 0, so only the device's flags can tell.
 * It must still refuse the overflow with NonFiniteError (the count the device found, the first
 * entry), re-run it in float64 on the CPU under 'auto', and return finite results unchanged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebGpuBackend } from '../../src/backend/webgpu/index.js';
import { saveJacobianNpy } from '../../src/io/save.js';
import { Mat, grad, hessian, hessianEigs, jacobian, jacobianTiles, jvp, registerBackend, resetBackends, vjp, type FiniteScan, type RunReport } from '../../src/index.js';
import type { Tensor } from '../../src/backend/backend.js';
import { getSwiftShaderBackend, relFrobenius } from '../helpers/gpu.js';
import { expectCode } from './helpers.js';

let gpu: WebGpuBackend;
beforeAll(async () => {
  gpu = await getSwiftShaderBackend();
});
afterAll(() => resetBackends());

/** A copy of M with its non-finite entries replaced by 0 (what a host scan would then miss). */
function blinded(M: Mat): Mat {
  return new Mat(M.rows, M.cols, M.data.map((v) => (Number.isFinite(v) ? v : 0)) as Float32Array);
}

/** The WebGPU backend with blinded readbacks; `scans` records what the device reported, `reads` counts plain reads. */
function blindBackend(): { b: WebGpuBackend; scans: FiniteScan[]; reads: () => number } {
  const scans: FiniteScan[] = [];
  let reads = 0;
  const b = Object.create(gpu) as WebGpuBackend;
  b.readChecked = async (t: Tensor) => {
    const { mat, scan } = await gpu.readChecked(t);
    scans.push(scan);
    return { mat: blinded(mat), scan };
  };
  b.read = async (t: Tensor) => {
    reads++;
    return blinded(await gpu.read(t));
  };
  return { b, scans, reads: () => reads };
}

const X = Mat.random(3, 3, { seed: 1 });
const big = (s: number): Mat => Mat.from([[s, 0.5, 0], [0.25, s, 0], [0, 0.1, s]]);
const OVERFLOWS: [string, Record<string, Mat>][] = [
  ['exp(X)', { X: Mat.fromColumnMajor(2, 2, [100, 1, 2, 100]) }],
  ['1e39*X', { X }],
  ['A*X*B', { X, A: big(1e20), B: big(1e20) }],
];

describe('WebGPU: non-finite results are found on the device', () => {
  it('exp(X) at X = 100, 1e39*X, A*X*B with huge A, B: NonFiniteError from the device flags, every method', async () => {
    for (const [e, at] of OVERFLOWS) {
      for (const method of ['auto', 'structured', 'forward', 'reverse'] as const) {
        if (method === 'structured' && e === 'exp(X)') continue; // exp has no Kronecker-structured form
        const { b, scans, reads } = blindBackend();
        const err = await expectCode(() => jacobian(e, { wrt: 'X', at, backend: b, method }), 'E_NON_FINITE', `${e} ${method}`);
        const last = scans[scans.length - 1]!;
        expect(last.nonFinite, `${e} ${method}`).toBeGreaterThan(0);
        expect(err.message).toContain(`${last.nonFinite} non-finite ${last.nonFinite === 1 ? 'entry' : 'entries'} (found on the device)`);
        expect(err.message).toMatch(/overflows float32 on the webgpu backend/);
        expect(reads(), 'nothing was read without the device check').toBe(0);
      }
    }
  });

  it('the device reports the count and first entry a host scan of the same result finds; the host does not rescan', async () => {
    // a device that vouches "all finite" whatever the data: the data comes back as computed,
    // unscanned (the device flag is the only check), which gives the host's answer to compare with
    const liar = Object.create(gpu) as WebGpuBackend;
    liar.readChecked = async (t: Tensor) => ({ mat: (await gpu.readChecked(t)).mat, scan: { nonFinite: 0, first: -1 } });
    for (const [e, at] of OVERFLOWS) {
      for (const method of ['forward', 'reverse'] as const) {
        const opts = { wrt: 'X', at, layout: 'numerator', method } as const;
        const raw = await jacobian(e, { ...opts, backend: liar });
        const bad = [...raw.data.keys()].filter((k) => !Number.isFinite(raw.data[k]!));
        expect(bad.length, `${e} ${method}: the raw float32 result overflows`).toBeGreaterThan(0);
        const { b, scans } = blindBackend();
        const err = await expectCode(() => jacobian(e, { ...opts, backend: b }), 'E_NON_FINITE', `${e} ${method}`);
        expect(scans[0], `${e} ${method}`).toEqual({ nonFinite: bad.length, first: bad[0] });
        const k = bad[0]!;
        const entry = `(${(k % raw.rows) + 1}, ${Math.floor(k / raw.rows) + 1})`;
        // (the value quoted is the blinded one here: 0)
        expect(err.message).toContain(`, the first 0 at ${entry} of its ${raw.rows}×${raw.cols} result`);
      }
    }
  });

  it('finite results are unchanged (agree with the float64 CPU path) and cost no plain read', async () => {
    const at = { X: Mat.random(4, 4, { seed: 2 }), A: Mat.random(4, 4, { seed: 3 }), B: Mat.random(4, 4, { seed: 4 }) };
    for (const e of ['exp(X)', 'A*X*B', 'inv(X)', 'X.*X', "X'*A*X"]) {
      const { b, scans, reads } = blindBackend();
      const J = await jacobian(e, { wrt: 'X', at, backend: b });
      const ref = await jacobian(e, { wrt: 'X', at, backend: 'cpu' });
      expect(J.data).toBeInstanceOf(Float32Array);
      expect(relFrobenius(J.data, ref.data), e).toBeLessThan(1e-4);
      expect(scans.length, e).toBeGreaterThan(0);
      expect(scans.every((s) => s.nonFinite === 0 && s.first === -1), e).toBe(true);
      expect(reads(), e).toBe(0);
    }
  });

  it('grad, jvp, vjp, the Hessian and its eigenvalues (Hessian-vector products) read through the device check too', async () => {
    const at = { X: Mat.fromColumnMajor(1, 2, [100, 1]) };
    const dX = Mat.fromColumnMajor(1, 2, [1, 1]);
    const calls: [string, (b: WebGpuBackend) => Promise<unknown>][] = [
      ['grad', (b) => grad('sum(exp(X))', { wrt: 'X', at, backend: b })],
      ['jvp', (b) => jvp('exp(X)', { wrt: 'X', at, tangent: dX, backend: b })],
      ['vjp', (b) => vjp('exp(X)', { wrt: 'X', at, cotangent: dX, backend: b })],
      ['hessian', (b) => hessian('sum(exp(X))', { wrt: 'X', at, backend: b })],
      ['hessianEigs', (b) => hessianEigs('sum(exp(X))', { wrt: 'X', at, backend: b, k: 1 })],
    ];
    for (const [what, call] of calls) {
      const { b, scans } = blindBackend();
      const err = await expectCode(() => call(b), 'E_NON_FINITE', what);
      expect(err.message, what).toMatch(/found on the device/);
      expect(scans.some((s) => s.nonFinite > 0), what).toBe(true);
    }
  });

  it("under 'auto' the overflow found on the device re-runs in float64 on the CPU, reported", async () => {
    const { b, scans } = blindBackend();
    registerBackend('webgpu', async () => b);
    try {
      for (const [e, at] of OVERFLOWS) {
        const reports: RunReport[] = [];
        const J = await jacobian(e, { wrt: 'X', at, backend: 'auto', onReport: (r) => reports.push(r) });
        const ref = await jacobian(e, { wrt: 'X', at, backend: 'cpu' });
        expect(J.data).toBeInstanceOf(Float64Array);
        expect(Array.from(J.data), e).toEqual(Array.from(ref.data));
        expect(reports[0]!.backend).toBe('cpu');
        expect(reports[0]!.skipped.find((s) => s.backend === 'webgpu')!.reason).toMatch(/float32 result had non-finite entries/);
        expect(scans[scans.length - 1]!.nonFinite, e).toBeGreaterThan(0);
      }
    } finally {
      resetBackends();
    }
  });

  it('streamed results: jacobianTiles, progress batches, out, and saveJacobianNpy (the CLI --max-bytes path)', async () => {
    const [e, at] = OVERFLOWS[0]!;
    const tiles = async (b: WebGpuBackend): Promise<void> => {
      for await (const t of jacobianTiles(e, { wrt: 'X', at, backend: b, tileCols: 1 })) void t;
    };
    const dir = mkdtempSync(join(tmpdir(), 'matjac-finite-'));
    try {
      const calls: [string, (b: WebGpuBackend) => Promise<unknown>][] = [
        ['jacobianTiles', tiles],
        ['onProgress', (b) => jacobian(e, { wrt: 'X', at, backend: b, method: 'reverse', onProgress: () => undefined })],
        ['out', (b) => jacobian(e, { wrt: 'X', at, backend: b, out: new Float32Array(16) })],
        ['saveJacobianNpy', (b) => saveJacobianNpy(join(dir, 'J.npy'), e, { wrt: 'X', at, backend: b, tileCols: 2 })],
      ];
      for (const [what, call] of calls) {
        const { b, scans, reads } = blindBackend();
        const err = await expectCode(() => call(b), 'E_NON_FINITE', what);
        expect(err.message, what).toMatch(/found on the device/);
        expect(scans.some((s) => s.nonFinite > 0), what).toBe(true);
        expect(reads(), what).toBe(0);
      }
      // finite tiles agree with the CPU
      const fine = { X: Mat.random(3, 3, { seed: 5 }) };
      const { b } = blindBackend();
      const ref = await jacobian(e, { wrt: 'X', at: fine, backend: 'cpu' });
      for await (const t of jacobianTiles(e, { wrt: 'X', at: fine, backend: b, tileCols: 4 })) {
        const want = ref.data.subarray(t.col0 * t.tile.rows, (t.col0 + t.count) * t.tile.rows);
        expect(relFrobenius(t.tile.data, want)).toBeLessThan(1e-5);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
