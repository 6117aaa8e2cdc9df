/**
 * Small, targeted reproductions of derivative bugs found by the property tests
 * (methods.property.test.ts), each against a closed form computed with the CPU kernels, by
 * every method and in both layouts. (Error-handling bugs are in test/api/errors.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { Mat, checkJacobian, commutation, grad, hessian, jacobian, kron, transpose } from '../../src/index.js';
import { SingularMatrixError } from '../../src/errors.js';
import { EXACT_TOL, dot, expectClose, expectJacobianAllMethods, vecOf } from './helpers.js';

const cpu = 'cpu' as const;

describe("method 'fd' when F is the bound variable itself", () => {
  // fdJacobian reads F(X + h e_c) and F(X − h e_c) from the Mat the evaluator returns, which for
  // a bare variable is the perturbed input buffer itself: both reads alias it, the difference is 0.
  it("jacobian('X', fd) = I, not 0", async () => {
    const X = Mat.random(2, 3, { seed: 1 });
    expectClose(await jacobian('X', { at: { X }, backend: cpu, method: 'fd' }), Mat.eye(6), 1e-9, 'fd of X');
    await expectJacobianAllMethods('X', { at: { X } }, Mat.eye(6), 'X');
  });

  it("X^1 (lowered to X itself) and checkJacobian('X')", async () => {
    const X = Mat.random(2, 2, { seed: 2 });
    await expectJacobianAllMethods('X^1', { at: { X } }, Mat.eye(4), 'X^1');
    const r = await checkJacobian('X', { at: { X }, backend: cpu });
    expect(r.relError).toBeLessThanOrEqual(1e-6);
    expect(r.ok).toBe(true);
  });
});

describe('structured assembly of reshaped terms (vec, diag∘diag)', () => {
  // terms.ts keeps A/B factors of the inner (pre-reshape) shape; the backends' assemble checks
  // them against F's shape p×q and throws "assemble: A = I needs p = m".
  const X = Mat.random(2, 3, { seed: 3 });
  const A = Mat.random(4, 2, { seed: 4 });
  const B = Mat.random(3, 2, { seed: 5 });

  it('vec(X) → I', async () => {
    await expectJacobianAllMethods('vec(X)', { at: { X } }, Mat.eye(6), 'vec(X)');
  });

  it("vec(X') → K_mn (numerator), K_nm (denominator)", async () => {
    await expectJacobianAllMethods("vec(X')", { at: { X } }, commutation(3, 2), "vec(X')");
  });

  it('vec(A*X*B) → Bᵀ⊗A (numerator), as vec(AXB) = (Bᵀ⊗A)vec(X)', async () => {
    await expectJacobianAllMethods('vec(A*X*B)', { wrt: 'X', at: { A, X, B } }, kron(B, transpose(A)), 'vec(AXB)');
  });

  it('vec(X*X) for a square X', async () => {
    const S = Mat.random(2, 2, { seed: 6 });
    // numerator (Xᵀ⊗I) + (I⊗X)
    const J = Mat.zeros(4, 4);
    const t1 = kron(transpose(S), Mat.eye(2));
    const t2 = kron(Mat.eye(2), S);
    for (let k = 0; k < 16; k++) J.data[k] = t1.data[k]! + t2.data[k]!;
    await expectJacobianAllMethods('vec(X*X)', { at: { X: S } }, transpose(J), 'vec(XX)');
  });

  it('diag(diag(x)) of a row vector x is xᵀ → I', async () => {
    const x = Mat.random(1, 4, { seed: 7 });
    await expectJacobianAllMethods('diag(diag(x))', { at: { x } }, Mat.eye(4), 'diag(diag(x))');
  });
});

describe('reshaped rank-one (outer) terms keep their old shape', () => {
  // terms.ts, case 'gather' (isReshape): `{ ...s, shape }` leaves an outer term's U in the
  // pre-reshape shape, so a later transpose/matmul uses U with the wrong shape.
  const x = Mat.scalar(0.7);
  const B = Mat.random(2, 3, { seed: 8 });

  it("vec(x*B)' for a scalar x: J = vec(B) — structured/auto return wrong numbers", async () => {
    await expectJacobianAllMethods("vec(x*B)'", { wrt: 'x', at: { x, B } }, transpose(vecOf(B)), "vec(xB)'");
  });

  it("vec(x*b')'*c: J = b'c — structured/auto throw ShapeError", async () => {
    const b = Mat.random(3, 1, { seed: 9 });
    const c = Mat.random(3, 1, { seed: 10 });
    const v = dot(b, c);
    await expectJacobianAllMethods("vec(x*b')'*c", { wrt: 'x', at: { x, b, c } }, Mat.scalar(v), "vec(xb')'c");
  });

  it("the Hessian of kron(a, x)*(b*x) (whose gradient has such a term) = 2·a·b", async () => {
    const a = Mat.random(1, 3, { seed: 11 });
    const b = Mat.random(3, 1, { seed: 12 });
    const ab = dot(a, b);
    for (const method of ['auto', 'structured', 'forward', 'reverse'] as const) {
      expectClose(await hessian('kron(a, x) * (b*x)', { wrt: 'x', at: { x, a, b }, backend: cpu, method }), Mat.scalar(2 * ab), EXACT_TOL, `hessian ${method}`);
    }
  });
});

describe('concatenations whose block rows are not a grid', () => {
  // CpuBackend.concat (forward mode) wants the same number of blocks in every block row, with
  // equal widths column by column; the grammar (and evaluate, reverse mode) allow any rows of
  // equal total width, e.g. [a, x; c].
  it('[a, x; c] with a, x 1×1 and c 1×2', async () => {
    const a = Mat.scalar(0.3);
    const x = Mat.scalar(-0.8);
    const c = Mat.random(1, 2, { seed: 13 });
    // vec F = [a; c1; x; c2]: the numerator Jacobian wrt x is e3
    await expectJacobianAllMethods('[a, x; c]', { wrt: 'x', at: { a, x, c } }, Mat.from([[0, 0, 1, 0]]), '[a, x; c]');
  });

  it('[P, Q; R, S] with column splits that differ between the rows', async () => {
    const P = Mat.random(1, 1, { seed: 14 });
    const Q = Mat.random(1, 2, { seed: 15 });
    const R = Mat.random(1, 2, { seed: 16 });
    const S = Mat.random(1, 1, { seed: 17 });
    // F (2×3): vec F = [P; R1; Q1; R2; Q2; S]; wrt R (1×2): R1 → 2nd, R2 → 4th entry
    const D = Mat.from([
      [0, 1, 0, 0, 0, 0],
      [0, 0, 0, 1, 0, 0],
    ]);
    await expectJacobianAllMethods('[P, Q; R, S]', { wrt: 'R', at: { P, Q, R, S } }, D, '[P, Q; R, S]');
  });
});

describe('det at singular matrices', () => {
  // The exact rules use d|X| = tr(adj(X) dX) (the adjugate), so at a singular X every method
  // gives the cofactor matrix; only second derivatives (the derivative of adj) need X⁻¹.
  const X = Mat.from([
    [1, 2],
    [2, 4],
  ]);
  it('grad det(X) at a singular X is the cofactor matrix by every method', async () => {
    const cof = Mat.from([
      [4, -2],
      [-2, 1],
    ]);
    for (const method of ['auto', 'structured', 'forward', 'reverse'] as const) {
      expectClose(await grad('det(X)', { at: { X }, backend: cpu, method }), cof, EXACT_TOL, `grad det ${method}`);
    }
    expectClose(await grad('det(X)', { at: { X }, backend: cpu, method: 'fd' }), cof, 1e-6, 'grad det fd');
  });

  it('Hessian of det on 2×2: ∂²(x11x22 − x12x21) exact at a regular X, refused at a singular one', async () => {
    // vec order (x11, x21, x12, x22)
    const H = Mat.from([
      [0, 0, 0, 1],
      [0, 0, -1, 0],
      [0, -1, 0, 0],
      [1, 0, 0, 0],
    ]);
    expectClose(await hessian('det(X)', { at: { X: Mat.from([[2, 1], [0.5, 3]]) }, backend: cpu }), H, EXACT_TOL, 'regular X');
    await expect(hessian('det(X)', { at: { X }, backend: cpu })).rejects.toBeInstanceOf(SingularMatrixError);
  });
});
