/**
 * What only the gpujs backend has: how it starts in Node (webasm, cpu mode, unavailable modes,
 * a gpu.js that computes garbage) and the launch grid that cuts work to the device's limits.
 * Every op of the Backend contract is checked by contract-gpujs.test.ts (test/backend/contract.ts)
 * in the webasm and cpu modes and with tiny launch limits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createGpuJsBackend, launchFits, outputTextureSize, planGrid, type GridLimits } from '../../src/backend/gpujs/index.js';
import { BackendUnavailableError, InvalidArgumentError, TooLargeError } from '../../src/errors.js';

describe('createGpuJsBackend', () => {
  it('starts in Node in webasm mode and says so', async () => {
    const g = await createGpuJsBackend();
    expect(g.name).toBe('gpujs');
    expect(g.precision).toBe('f32');
    expect(g.mode).toBe('webasm');
    expect(g.device).toMatch(/^gpu\.js \(webasm mode, Node\)$/);
    expect(g.limits.maxTextureSize).toBe(Infinity);
    g.destroy();
  });

  it('runs in cpu mode when asked', async () => {
    const g = await createGpuJsBackend({ mode: 'cpu' });
    expect(g.mode).toBe('cpu');
    expect(g.device).toContain('cpu mode');
    g.destroy();
  });

  it("'gpu' mode resolves to what gpu.js picks (webasm in Node without headless-gl)", async () => {
    const g = await createGpuJsBackend({ mode: 'gpu' });
    expect(g.mode).toBe('webasm');
    g.destroy();
  });

  it.each(['headlessgl', 'webgl2', 'webgl'] as const)('mode %s is unavailable in Node: BackendUnavailableError', async (mode) => {
    const err = await createGpuJsBackend({ mode }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as BackendUnavailableError).code).toBe('E_BACKEND_UNAVAILABLE');
    expect((err as BackendUnavailableError).backend).toBe('gpujs');
    expect((err as Error).message).toContain(mode);
  });

  it('asynchronous gpu.js modes are refused, unknown modes are an invalid argument', async () => {
    for (const mode of ['webgpu', 'async', 'dev']) {
      await expect(createGpuJsBackend({ mode: mode as never })).rejects.toBeInstanceOf(BackendUnavailableError);
    }
    await expect(createGpuJsBackend({ mode: 'vulkan' as never })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('a gpu.js that cannot start or computes garbage gives BackendUnavailableError', async () => {
    class Throws {
      constructor() {
        throw new Error('no context');
      }
      createKernel(): never {
        throw new Error('unreachable');
      }
    }
    await expect(createGpuJsBackend({ GPU: Throws as never })).rejects.toBeInstanceOf(BackendUnavailableError);
    class Garbage {
      createKernel() {
        const k = () => [[Float32Array.of(0.5, 0.5), Float32Array.of(0.5, 0.5)]];
        return Object.assign(k, { setOutput: () => k });
      }
    }
    const err = await createGpuJsBackend({ GPU: Garbage as never }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as Error).message).toMatch(/start-up check/);
  });
});

describe('planGrid', () => {
  const limitsArb = fc.record({ maxTextureSize: fc.integer({ min: 4, max: 40 }), maxOutputElements: fc.integer({ min: 8, max: 400 }) });
  it('covers every cell exactly once with launches that fit the limits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 6 }), limitsArb, (X, Y, Z, lim: GridLimits) => {
        if (!launchFits(X, 1, 1, lim)) return; // one column must fit (else TooLargeError)
        const seen = new Uint8Array(Y * Z);
        for (const L of planGrid(X, Y, Z, lim)) {
          expect(L.lx).toBe(X);
          expect(L.lx * L.ly * L.lz).toBeLessThanOrEqual(lim.maxOutputElements);
          const [tw, th] = outputTextureSize(L.lx, L.ly, L.lz);
          expect(Math.max(tw, th)).toBeLessThanOrEqual(lim.maxTextureSize);
          for (let tz = 0; tz < L.lz; tz++) {
            for (let ty = 0; ty < L.ly; ty++) {
              const y = ty + tz * L.cy + L.y0;
              if (y >= L.yEnd) continue;
              const z = tz * L.cz + L.z0;
              expect(y).toBeLessThan(Y);
              expect(z).toBeLessThan(Z);
              seen[y + z * Y]!++;
            }
          }
        }
        expect(Array.from(seen).every((s) => s === 1)).toBe(true);
      }),
      { seed: 7, numRuns: 250 },
    );
  });

  it('one whole launch when the grid fits', () => {
    expect(planGrid(7, 5, 3, { maxTextureSize: Infinity, maxOutputElements: 1 << 24 })).toEqual([{ lx: 7, ly: 5, lz: 3, y0: 0, z0: 0, cy: 0, cz: 1, yEnd: 5 }]);
  });

  it('columns taller than a texture row fold into two layers; a column too tall for any launch is TooLargeError', () => {
    const launches = planGrid(144, 50, 1, { maxTextureSize: 24, maxOutputElements: 300 });
    expect(launches.some((L) => L.lz === 2 && L.cy === L.ly)).toBe(true);
    expect(() => planGrid(1000, 2, 1, { maxTextureSize: 24, maxOutputElements: 300 })).toThrow(TooLargeError);
    // The real WebGL2 defaults (8192 textures, 2^22 cells per launch): a 9216² Jacobian tiles.
    const big = planGrid(9216, 9216, 1, { maxTextureSize: 8192, maxOutputElements: 2 ** 22 });
    expect(big.length).toBeGreaterThan(1);
    for (const L of big) expect(L.lx * L.ly * L.lz).toBeLessThanOrEqual(2 ** 22);
  });
});
