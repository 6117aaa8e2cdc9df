/** Located messages for the float64 evaluation of an op (DESIGN.md §4: say where and what). */
import { DomainError, SingularMatrixError, fmtShape } from '../errors.js';
import type { Node } from '../expr/ast.js';
import type { Mat } from '../mat/mat.js';

export const at = (pos: number | undefined): string => (pos === undefined ? '' : ` at ${pos}`);
/** 1-based (row, column) of the column-major entry k. */
export const entry = (k: number, rows: number): string => `(${(k % rows) + 1}, ${Math.floor(k / rows) + 1})`;

/** Throws a DomainError naming the first entry of `a` where `bad` holds. */
export function domainCheck(n: Node, label: string, a: Mat, bad: (x: number) => boolean, need: string): void {
  const d = a.data;
  for (let k = 0; k < d.length; k++) {
    if (bad(d[k]!)) {
      throw new DomainError(`'${label}'${at(n.pos)}: entry ${entry(k, a.rows)} of its ${fmtShape(a.shape)} argument is ${d[k]} (${need})`);
    }
  }
}

/**
 * Runs a kernel, prefixing its singular/domain errors with the op as written and its position
 * (in place of the kernel's own name: `A/B` runs `solve`, but its message says `'/'`).
 */
export function locate<T>(n: Node, label: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    const msg = (e: Error): string => `'${label}'${at(n.pos)}: ${e.message.replace(/^(inv|solve|det|logdet|lu): /, '')}`;
    if (err instanceof SingularMatrixError) throw new SingularMatrixError(msg(err));
    if (err instanceof DomainError) throw new DomainError(msg(err));
    throw err;
  }
}
