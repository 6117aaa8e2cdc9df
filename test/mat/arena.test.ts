/**
 * The arena of small float64 intermediates (mat/arena.ts): fresh views read as zeros and never
 * overlap; kernels take from it only inside `withArena`; and nothing a caller gets back lives in it
 * (its buffer is shared), whatever entry point produced it.
 */
import { describe, expect, it } from 'vitest';
import { evaluate, grad, hessian, hvp, jacobian, jacobianTiles, jvp, vjp, Mat } from '../../src/index.js';
import { ARENA_MAX_LENGTH, arenaF64, inArena, newF64, withArena } from '../../src/mat/arena.js';
import { inv } from '../../src/mat/lu.js';
import { matmul } from '../../src/mat/matmul.js';
import { transpose } from '../../src/mat/ops.js';
import { fdJacobian } from '../../src/plan/fd.js';
import { check } from '../../src/expr/check.js';
import { parse } from '../../src/expr/parse.js';

const point = (n: number, seed: number): Record<string, Mat> => {
  const X = Mat.random(n, n, { seed });
  for (let i = 0; i < n; i++) X.data[i + i * n]! += n;
  return { X, A: Mat.random(n, n, { seed: seed + 1 }), B: Mat.random(n, n, { seed: seed + 2 }) };
};

describe('arena', () => {
  it('hands out zero-filled views that never overlap, and buffers of their own above ARENA_MAX_LENGTH', () => {
    const views: Float64Array[] = [];
    // more than one chunk's worth, of mixed lengths
    for (let k = 0; k < 200; k++) {
      const v = arenaF64(1 + ((k * 37) % ARENA_MAX_LENGTH));
      expect(inArena(v)).toBe(true);
      expect(v.every((x) => x === 0)).toBe(true);
      v.fill(k + 1);
      views.push(v);
    }
    // every view still holds what was written into it: no region was handed out twice
    views.forEach((v, k) => expect(v.every((x) => x === k + 1)).toBe(true));
    const big = arenaF64(ARENA_MAX_LENGTH + 1);
    expect(inArena(big)).toBe(false);
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(big.byteLength);
  });

  it('newF64 takes from the arena only inside withArena, also after a throw', () => {
    expect(inArena(newF64(16))).toBe(false);
    expect(withArena((len) => inArena(newF64(len)), 16)).toBe(true);
    expect(withArena(() => withArena(() => inArena(newF64(16)), 0), 0)).toBe(true);
    expect(() =>
      withArena(() => {
        throw new Error('boom');
      }, 0),
    ).toThrow('boom');
    expect(inArena(newF64(16))).toBe(false);
    // a kernel a caller runs gets its own buffer
    const X = point(4, 1).X!;
    for (const M of [inv(X), transpose(X), matmul(X, X)]) expect(inArena(M.data)).toBe(false);
    for (const M of withArena((Y) => [inv(Y), transpose(Y), matmul(Y, Y)], X)) expect(inArena(M.data)).toBe(true);
  });

  it('no result of the public API lives in the arena', async () => {
    const at = point(4, 3);
    const opts = { wrt: 'X', at, backend: 'cpu' as const };
    const results: Mat[] = [
      await evaluate("inv(X)' + A", { at }),
      await evaluate('X', { at }),
      await jacobian('inv(X)', opts),
      await jacobian("X'", opts),
      await jacobian('sigmoid(A*X)', { ...opts, method: 'forward' }),
      await jacobian("X*X'", { ...opts, method: 'reverse' }),
      await hessian("logdet(X) + tr(X'*A*X)", opts),
      await grad("logdet(X) + tr(X'*A*X)", opts),
      await grad('tr(inv(X))', { ...opts, method: 'structured' }),
      await jvp("inv(X)'", { ...opts, tangent: at.A! }),
      await jvp('A', { ...opts, tangent: at.A! }),
      await vjp('inv(X)', { ...opts, cotangent: at.A! }),
      await hvp("logdet(X) + tr(X'*A*X)", { ...opts, v: at.A! }),
    ];
    for await (const { tile } of jacobianTiles("inv(X)'", { ...opts, tileCols: 3 })) results.push(tile);
    for (const M of results) expect(inArena(M.data)).toBe(false);
  });

  it('calls in flight together (their primal values in the arena) give what they give one at a time', async () => {
    const f = "logdet(X) + tr(X'*A*X)";
    const points = [point(4, 5), point(4, 6), point(4, 7), point(3, 8)];
    const alone: Mat[] = [];
    for (const at of points) alone.push(await hessian(f, { wrt: 'X', at, backend: 'cpu' }));
    const together = await Promise.all(points.flatMap((at) => [hessian(f, { wrt: 'X', at, backend: 'cpu' }), jacobian("inv(X)'*A", { wrt: 'X', at, backend: 'cpu' })]));
    points.forEach((at, k) => {
      expect(together[2 * k]!.data).toEqual(alone[k]!.data);
      // and against finite differences, independently of any plan
      const J = transpose(fdJacobian(check(parse("inv(X)'*A"), at), 'X', at));
      const D = together[2 * k + 1]!;
      let err = 0;
      for (let i = 0; i < J.size; i++) err = Math.max(err, Math.abs(J.data[i]! - D.data[i]!));
      expect(err).toBeLessThan(1e-6);
    });
  });
});
