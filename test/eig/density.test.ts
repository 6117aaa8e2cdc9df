import { describe, expect, it } from 'vitest';
import { Mat, eigvalsh, hessian, spectralDensity, UnknownOptionError } from '../../src/index.js';

/** ∫ φ and ∫ t φ by the trapezoid rule. */
function moments(grid: Float64Array, phi: Float64Array): { mass: number; mean: number } {
  let mass = 0;
  let first = 0;
  for (let i = 1; i < grid.length; i++) {
    const h = grid[i]! - grid[i - 1]!;
    mass += (h * (phi[i]! + phi[i - 1]!)) / 2;
    first += (h * (grid[i]! * phi[i]! + grid[i - 1]! * phi[i - 1]!)) / 2;
  }
  return { mass, mean: first };
}

const n = 10;
const at = { X: Mat.random(n, n, { seed: 1 }), A: Mat.random(n, n, { seed: 2 }), C: Mat.random(n, n, { seed: 3 }), D: Mat.random(n, n, { seed: 4 }) };
const f = 'sum(sigmoid(A*X*C)) + sum(D.*X.^2)';

describe('spectralDensity', () => {
  it('exact path (small mn): integrates to 1, mean = tr H / mn, trace = Σλ', async () => {
    const H = await hessian(f, { wrt: 'X', at, backend: 'cpu' });
    const w = eigvalsh(H);
    let tr = 0;
    for (let i = 0; i < n * n; i++) tr += H.get(i, i);
    const sd = await spectralDensity(f, { wrt: 'X', at, backend: 'cpu' });
    expect(sd.method).toBe('exact');
    expect(Math.abs(sd.trace - tr)).toBeLessThanOrEqual(1e-10 * Math.abs(tr) + 1e-12);
    const { mass, mean } = moments(sd.grid, sd.density);
    expect(Math.abs(mass - 1)).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(mean - tr / (n * n))).toBeLessThanOrEqual(1e-4 * (Math.abs(w[0]!) + Math.abs(w[n * n - 1]!)));
    expect(sd.grid.length).toBe(200);
    expect(Array.from(sd.nodes)).toEqual(Array.from(w));
  });

  it('stochastic Lanczos quadrature vs the exact smoothed density (same grid and σ)', async () => {
    const H = await hessian(f, { wrt: 'X', at, backend: 'cpu' });
    const N = n * n;
    let tr = 0;
    let off = 0;
    for (let j = 0; j < N; j++) {
      for (let i = 0; i < N; i++) {
        if (i === j) tr += H.get(i, i);
        else off += H.get(i, j) ** 2;
      }
    }
    const exact = await spectralDensity(f, { wrt: 'X', at, backend: 'cpu', method: 'exact' });
    const probes = 24;
    const slq = await spectralDensity(f, { wrt: 'X', at, backend: 'cpu', method: 'slq', probes, steps: 40, seed: 5, grid: exact.grid, sigma: exact.sigma });
    expect(slq.method).toBe('slq');
    // Hutchinson with Rademacher probes: variance 2 Σ_{i≠j} H_ij² / probes
    const sd = Math.sqrt((2 * off) / probes);
    expect(Math.abs(slq.trace - tr)).toBeLessThanOrEqual(4 * sd);
    const a = moments(slq.grid, slq.density);
    const b = moments(exact.grid, exact.density);
    expect(Math.abs(a.mass - 1)).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(b.mass - 1)).toBeLessThanOrEqual(1e-4);
    // the quadrature's mean is its trace estimate / N (Gauss quadrature is exact for degree 1)
    expect(Math.abs(a.mean - slq.trace / N)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(a.mean)));
    expect(Math.abs(a.mean - b.mean)).toBeLessThanOrEqual((4 * sd) / N);
    // the densities themselves: L1 distance
    let l1 = 0;
    for (let i = 1; i < exact.grid.length; i++) l1 += (exact.grid[i]! - exact.grid[i - 1]!) * Math.abs(slq.density[i]! - exact.density[i]!);
    expect(l1).toBeLessThanOrEqual(0.25);
  });

  it('with steps ≥ mn every node is an exact eigenvalue', async () => {
    const small = { x: Mat.random(12, 1, { seed: 3 }), A: Mat.random(12, 12, { seed: 4 }) };
    const w = eigvalsh(await hessian("x'*A*x", { wrt: 'x', at: small, backend: 'cpu' }));
    const sd = await spectralDensity("x'*A*x", { wrt: 'x', at: small, backend: 'cpu', method: 'slq', probes: 2, steps: 12 });
    let total = 0;
    sd.nodes.forEach((t, i) => {
      total += sd.weights[i]!;
      if (sd.weights[i]! > 1e-10) expect(Math.min(...Array.from(w, (l) => Math.abs(l - t)))).toBeLessThanOrEqual(1e-8);
    });
    expect(total).toBeCloseTo(1, 12);
  });

  it('options: a given grid is used as is; bad options get typed errors', async () => {
    const grid = [-1, 0, 1, 2];
    const sd = await spectralDensity(f, { wrt: 'X', at, backend: 'cpu', grid });
    expect(Array.from(sd.grid)).toEqual(grid);
    await expect(spectralDensity(f, { wrt: 'X', at, backend: 'cpu', grid, points: 10 })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    await expect(spectralDensity(f, { wrt: 'X', at, backend: 'cpu', grid: [1, 0] })).rejects.toThrow(/ascending/);
    await expect(spectralDensity(f, { wrt: 'X', at, backend: 'cpu', probes: 0 })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    await expect(spectralDensity(f, { wrt: 'X', at, backend: 'cpu', method: 'magic' as never })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    await expect(spectralDensity(f, { wrt: 'X', at, backend: 'cpu', bins: 3 } as never)).rejects.toBeInstanceOf(UnknownOptionError);
  });
});
