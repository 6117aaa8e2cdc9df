/**
 * The demo's tiled assembly helpers (demo/tiles.ts) against the one-piece ones they stand in
 * for: pooling tile by tile gives poolMaxAbs's cells over the whole matrix, and the running
 * checksum gives inputs.ts's checksum, for tile widths that do and do not divide the pooling
 * blocks.
 */
import { describe, expect, it } from 'vitest';
import { Mat } from '../../src/index.js';
import { poolMaxAbs } from '../../demo/heatmap.js';
import { checksum } from '../../demo/inputs.js';
import { PoolAccumulator, RunningChecksum } from '../../demo/tiles.js';

describe('demo tiles', () => {
  it.each([
    [7, 5, 1, 512],
    [37, 41, 3, 8],
    [1030, 600, 97, 512],
    [0, 4, 2, 512],
  ])('%i×%i in tiles of %i columns (pool limit %i): the same heat map and checksum as the whole', (rows, cols, width, limit) => {
    const M = Mat.random(rows, cols, { seed: rows + cols });
    const whole = poolMaxAbs(M.data, rows, cols, limit);
    const acc = new PoolAccumulator(rows, cols, limit);
    const sums = new RunningChecksum();
    for (let c0 = 0; c0 < cols; c0 += width) {
      const count = Math.min(width, cols - c0);
      const tile = M.data.subarray(c0 * rows, (c0 + count) * rows);
      acc.add(c0, tile, count);
      sums.add(c0 * rows, tile);
    }
    const tiled = acc.result();
    expect({ ...tiled, cells: [...tiled.cells] }).toEqual({ ...whole, cells: [...whole.cells] });
    const ref = checksum(M.data);
    expect(sums.sum).toBe(ref.sum); // the same additions in the same order
    expect(sums.abs).toBe(ref.abs);
  });
});
