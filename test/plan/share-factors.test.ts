/**
 * A plan's terms share structurally equal factors (same shape and text), so a call evaluates each
 * once; the Hessian assembled from the shared factors is still the right one.
 */
import { describe, expect, it } from 'vitest';
import { hessian, preparePlan } from '../../src/api.js';
import { Mat } from '../../src/mat/mat.js';
import { check, formatNode } from '../../src/expr/check.js';
import { parse } from '../../src/expr/parse.js';
import { fdJacobian } from '../../src/plan/fd.js';
import { relError } from '../../src/mat/ops.js';
import type { Node } from '../../src/expr/ast.js';

describe('shared factors', () => {
  it("the Hessian of logdet(X) + tr(X'*A*X): the two inv(X)' of its Kronecker term are one node", async () => {
    const n = 4;
    const X = Mat.random(n, n, { seed: 3 });
    for (let i = 0; i < n; i++) X.data[i + i * n]! += n;
    const at = { X, A: Mat.random(n, n, { seed: 4 }) };
    const f = "logdet(X) + tr(X'*A*X)";
    const { plan } = preparePlan(f, { wrt: 'X', at, hessian: true });
    const factors = plan.terms!.flatMap((t) => (t.kind === 'kron' ? [t.A, t.B, t.C, t.S] : t.kind === 'outer' ? [t.U, t.V] : [])).filter((x): x is Node => x !== null);
    const byText = new Map<string, Set<Node>>();
    for (const x of factors) {
      const k = `${x.shape.join('x')}:${formatNode(x)}`;
      if (!byText.has(k)) byText.set(k, new Set());
      byText.get(k)!.add(x);
    }
    expect(byText.has(`${n}x${n}:inv(X)'`)).toBe(true);
    for (const nodes of byText.values()) expect(nodes.size).toBe(1);
    // ∇f = X⁻ᵀ + (A + Aᵀ) X; the Hessian is its Jacobian (symmetric, so either layout)
    const H = await hessian(f, { wrt: 'X', at, backend: 'cpu' });
    const ref = fdJacobian(check(parse("inv(X)' + (A + A')*X"), at), 'X', at);
    expect(relError(H, ref)).toBeLessThan(1e-6);
  });
});
