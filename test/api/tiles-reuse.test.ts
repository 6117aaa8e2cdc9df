/**
 * jacobianTiles with `reuse`: every tile written into one buffer (valid until the next tile),
 * concatenating to the same Jacobian as without it, for structured and batched plans.
 */
import { describe, expect, it } from 'vitest';
import { jacobian, jacobianTiles, Mat, MatjacError } from '../../src/index.js';

const env = (): Record<string, Mat> => {
  const X = Mat.random(4, 4, { seed: 3 });
  for (let i = 0; i < 4; i++) X.data[i + i * 4]! += 4;
  return { X, A: Mat.random(4, 4, { seed: 4 }), B: Mat.random(4, 4, { seed: 5 }) };
};

describe('jacobianTiles reuse', () => {
  for (const [expr, method] of [
    ['A*X*B + inv(X)', 'structured'],
    ['sigmoid(A*X)', 'auto'],
    ['A*X*X', 'reverse'],
    ['A*X*X', 'forward'],
  ] as const)
    for (const layout of ['denominator', 'numerator'] as const) {
      it(`${expr} (${method}, ${layout}): one buffer, the same columns`, async () => {
        const at = env();
        const full = await jacobian(expr, { wrt: 'X', at, layout, method, backend: 'cpu' });
        const got: number[] = [];
        const buffers = new Set<ArrayBufferLike>();
        let tiles = 0;
        for await (const { col0, count, tile } of jacobianTiles(expr, { wrt: 'X', at, layout, method, backend: 'cpu', tileCols: 5, reuse: true })) {
          expect(col0).toBe(got.length / full.rows);
          expect([tile.rows, tile.cols]).toEqual([full.rows, count]);
          buffers.add(tile.data.buffer);
          got.push(...tile.data);
          tiles++;
        }
        expect(tiles).toBe(Math.ceil(full.cols / 5));
        expect(buffers.size).toBe(1);
        expect(got).toEqual(Array.from(full.data));
      });
    }

  it('without reuse every tile is its own; reuse must be a boolean', async () => {
    const at = env();
    const seen = new Set<ArrayBufferLike>();
    for await (const { tile } of jacobianTiles('A*X*B', { wrt: 'X', at, backend: 'cpu', tileCols: 4 })) seen.add(tile.data.buffer);
    expect(seen.size).toBe(4);
    const err = await (async () => {
      for await (const _ of jacobianTiles('A*X*B', { wrt: 'X', at, backend: 'cpu', reuse: 'yes' as never })) void _;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MatjacError);
    expect((err as MatjacError).code).toBe('E_INVALID_ARGUMENT');
  });
});
