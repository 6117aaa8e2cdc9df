/** Random Kronecker terms for the assembly tests. */
import type { JacobianShape, KronTerm } from '../../src/backend/backend.js';
import type { Mat } from '../../src/mat/mat.js';

export interface FactorPresence {
  readonly A: boolean;
  readonly B: boolean;
  readonly C: boolean;
  readonly S: boolean;
}

/** The 16 combinations of present/absent A, B, C, S. */
export const FACTOR_COMBOS: readonly FactorPresence[] = Array.from({ length: 16 }, (_, bits) => ({ A: !!(bits & 1), B: !!(bits & 2), C: !!(bits & 4), S: !!(bits & 8) }));

/**
 * A random Kron term for X m×n with the given factors present (drawn by `rnd`); present A, B make
 * F p×q with (p, q) = pq, absent ones tie p, q to X's shape (an identity needs it).
 */
export function randomKronTerm(rnd: (r: number, c: number) => Mat, m: number, n: number, has: FactorPresence, transposed: boolean, alpha: number, pq: readonly [number, number] = [5, 2]): { term: KronTerm; shape: JacobianShape } {
  const [ka, kb] = transposed ? [n, m] : [m, n];
  const p = has.A ? pq[0] : ka;
  const q = has.B ? pq[1] : kb;
  const term: KronTerm = {
    kind: 'kron',
    alpha,
    A: has.A ? rnd(p, ka) : null,
    B: has.B ? rnd(kb, q) : null,
    C: has.C ? rnd(ka, kb) : null,
    S: has.S ? rnd(p, q) : null,
    transposed,
  };
  return { term, shape: { m, n, p, q } };
}
