/**
 * Every worked example of the source notes, against closed forms computed independently with
 * the CPU kernels (kron, transpose, matmul, inv, det, commutation), in both layouts and by
 * every method (structured / forward / reverse exact to ~1e-9; fd to ~1e-6). Closed forms that
 * take some deriving (commutation layouts, the logdet Hessian) are also checked against
 * finite differences, so a test cannot pass for the wrong reason.
 */
import { describe, expect, it } from 'vitest';
import {
  Mat,
  commutation,
  det,
  derivative,
  evaluate,
  explain,
  grad,
  hessian,
  hvp,
  inv,
  jacobian,
  jvp,
  kron,
  matmul,
  transpose,
  vjp,
} from '../../src/index.js';
import {
  EXACT_TOL,
  FD_TOL,
  diagOf,
  dot,
  emap,
  expectClose,
  expectGradAllMethods,
  expectJacobianAllMethods,
  plus,
  times,
  unvecOf,
  vecOf,
  wellConditioned,
} from './helpers.js';

const cpu = 'cpu' as const;
const sig = (x: number): number => 1 / (1 + Math.exp(-x));
/** softmax of a column vector, written out here (independent of the engine). */
function softmaxCol(z: Mat): Mat {
  const e = emap(z, Math.exp);
  const s = dot(e, emap(e, () => 1));
  return emap(e, (v) => v / s);
}

describe('scalar functions of a vector (the notes §2)', () => {
  it("y'*y → 2y", async () => {
    const y = Mat.random(5, 1, { seed: 11 });
    await expectGradAllMethods("y'*y", { wrt: 'y', at: { y } }, times(2, y), "y'*y");
  });

  it('log(x(1)) + x(1)*x(2) - sin(x(2)) → [1/x1 + x2; x1 − cos x2]', async () => {
    const x = Mat.col([0.7, -1.3]);
    const [x1, x2] = [0.7, -1.3];
    const G = Mat.col([1 / x1 + x2, x1 - Math.cos(x2)]);
    await expectGradAllMethods('log(x(1)) + x(1)*x(2) - sin(x(2))', { at: { x } }, G, 'notes scalar example');
  });

  it("∂(y'*A*y)/∂y = (A + Aᵀ)y", async () => {
    const A = Mat.random(4, 4, { seed: 21 });
    const y = Mat.random(4, 1, { seed: 22 });
    await expectGradAllMethods("y'*A*y", { wrt: 'y', at: { y, A } }, matmul(plus(A, transpose(A)), y), "y'Ay");
  });

  it('scalar by scalar: d/dt sin(t)*t^2 = cos(t)t² + 2t sin(t)', async () => {
    const t = 0.83;
    const want = Mat.scalar(Math.cos(t) * t * t + 2 * t * Math.sin(t));
    await expectJacobianAllMethods('sin(t)*t^2', { at: { t } }, want, 'scalar by scalar');
    expectClose(await grad('sin(t)*t^2', { at: { t }, backend: cpu }), want, EXACT_TOL, 'grad scalar');
    expectClose(await derivative('sin(t)*t^2', { at: { t }, backend: cpu }), want, EXACT_TOL, 'derivative scalar');
  });
});

describe('vector functions of a vector: layouts (the notes §2)', () => {
  it('[x(1)^2 + x(2)^2 + x(3); x(3)^2 + 2*x(1)] → denominator [[2x1, 2], [2x2, 0], [1, 2x3]]', async () => {
    const [x1, x2, x3] = [0.4, -1.1, 2.3];
    const x = Mat.col([x1, x2, x3]);
    const D = Mat.from([
      [2 * x1, 2],
      [2 * x2, 0],
      [1, 2 * x3],
    ]);
    const e = '[x(1)^2 + x(2)^2 + x(3); x(3)^2 + 2*x(1)]';
    await expectJacobianAllMethods(e, { wrt: 'x', at: { x } }, D, 'notes vector example');
    // shapes spelled out: x is m = 3, y is p = 2 → denominator m×p, numerator p×m
    const Dn = await jacobian(e, { wrt: 'x', at: { x }, backend: cpu });
    const Jn = await jacobian(e, { wrt: 'x', at: { x }, backend: cpu, layout: 'numerator' });
    expect([Dn.rows, Dn.cols]).toEqual([3, 2]);
    expect([Jn.rows, Jn.cols]).toEqual([2, 3]);
    expect(Jn.toArray()).toEqual([
      [2 * x1, 2 * x2, 1],
      [2, 0, 2 * x3],
    ]);
  });

  it('∂(A*y)/∂y = Aᵀ (denominator), A (numerator), m×p / p×m', async () => {
    const A = Mat.random(3, 5, { seed: 31 }); // p = 3, m = 5
    const y = Mat.random(5, 1, { seed: 32 });
    await expectJacobianAllMethods('A*y', { wrt: 'y', at: { A, y } }, transpose(A), 'Ay');
    const D = await jacobian('A*y', { wrt: 'y', at: { A, y }, backend: cpu });
    expect([D.rows, D.cols]).toEqual([5, 3]);
    const J = await jacobian('A*y', { wrt: 'y', at: { A, y }, backend: cpu, layout: 'numerator' });
    expect([J.rows, J.cols]).toEqual([3, 5]);
    expectClose(J, A, EXACT_TOL, 'numerator = A');
  });

  it('vector by vector with elementwise functions: tanh(A*x) + x(1)*b', async () => {
    const A = Mat.random(4, 3, { seed: 35 });
    const b = Mat.random(4, 1, { seed: 36 });
    const x = Mat.random(3, 1, { seed: 37 });
    // J = diag(tanh'(Ax)) A + b e1ᵀ
    const t = emap(matmul(A, x), (v) => 1 - Math.tanh(v) ** 2);
    const e1 = Mat.from([[1, 0, 0]]);
    const J = plus(matmul(diagOf(t), A), matmul(b, e1));
    await expectJacobianAllMethods('tanh(A*x) + x(1)*b', { wrt: 'x', at: { A, b, x } }, transpose(J), 'tanh(Ax) + x1 b');
  });
});

describe('scalar functions of a matrix (gradient matrices)', () => {
  const a = Mat.random(3, 1, { seed: 41 });
  const b = Mat.random(4, 1, { seed: 42 });
  const X = Mat.random(3, 4, { seed: 43 });

  it("∂(a'*X*b)/∂X = abᵀ", async () => {
    await expectGradAllMethods("a'*X*b", { wrt: 'X', at: { a, b, X } }, matmul(a, transpose(b)), "a'Xb");
  });

  it("∂(a'*X'*b)/∂X = baᵀ", async () => {
    const Xt = Mat.random(4, 3, { seed: 44 }); // X' is 3×4 so a'X'b needs a 3-vector and b a 4-vector
    await expectGradAllMethods("a'*X'*b", { wrt: 'X', at: { a, b, X: Xt } }, matmul(b, transpose(a)), "a'X'b");
  });

  it('∂tr(X*A) = Aᵀ', async () => {
    const A = Mat.random(4, 3, { seed: 45 });
    await expectGradAllMethods('tr(X*A)', { wrt: 'X', at: { X, A } }, transpose(A), 'tr(XA)');
  });

  it('∂tr(A*X*B) = AᵀBᵀ', async () => {
    const A = Mat.random(5, 3, { seed: 46 });
    const B = Mat.random(4, 5, { seed: 47 });
    await expectGradAllMethods('tr(A*X*B)', { wrt: 'X', at: { X, A, B } }, matmul(transpose(A), transpose(B)), 'tr(AXB)');
  });

  it("∂tr(A*X'*B) = BA", async () => {
    const A = Mat.random(5, 4, { seed: 48 });
    const B = Mat.random(3, 5, { seed: 49 });
    await expectGradAllMethods("tr(A*X'*B)", { wrt: 'X', at: { X, A, B } }, matmul(B, A), "tr(AX'B)");
  });

  it("∂tr(X'*A) = A", async () => {
    const A = Mat.random(3, 4, { seed: 50 });
    await expectGradAllMethods("tr(X'*A)", { wrt: 'X', at: { X, A } }, A, "tr(X'A)");
  });

  it('∂tr(X^2) = 2Xᵀ', async () => {
    const S = Mat.random(4, 4, { seed: 51 });
    await expectGradAllMethods('tr(X^2)', { wrt: 'X', at: { X: S } }, times(2, transpose(S)), 'tr(X²)');
  });

  it('∂norm(X)^2 = 2X', async () => {
    await expectGradAllMethods('norm(X)^2', { wrt: 'X', at: { X } }, times(2, X), 'norm(X)²');
  });

  it('∂det(X) = det(X)X⁻ᵀ', async () => {
    const S = wellConditioned(4, 52);
    // make the determinant negative too: det flips sign, the formula holds all the same
    const N = S.clone();
    for (let i = 0; i < 4; i++) N.data[i]! *= -1;
    for (const M of [S, N]) {
      await expectGradAllMethods('det(X)', { wrt: 'X', at: { X: M } }, times(det(M), transpose(inv(M))), `det(X), det = ${det(M)}`);
    }
    expect(det(N)).toBeLessThan(0);
  });

  it('∂logdet(X) = X⁻ᵀ (det X > 0)', async () => {
    const S = wellConditioned(4, 53);
    expect(det(S)).toBeGreaterThan(0);
    await expectGradAllMethods('logdet(X)', { wrt: 'X', at: { X: S } }, transpose(inv(S)), 'logdet(X)');
  });

  it('softmax cross-entropy -y\'*log(softmax(W*x)) → (softmax(Wx) − y)xᵀ', async () => {
    const W = Mat.random(4, 3, { seed: 54 });
    const x = Mat.random(3, 1, { seed: 55 });
    const s = softmaxCol(matmul(W, x));
    const oneHot = Mat.col([0, 0, 1, 0]);
    const probs = Mat.col([0.1, 0.2, 0.3, 0.4]);
    for (const y of [oneHot, probs]) {
      const G = matmul(plus(s, times(-1, y)), transpose(x));
      await expectGradAllMethods("-y'*log(softmax(W*x))", { wrt: 'W', at: { W, x, y } }, G, 'softmax CE');
    }
  });

  it("grad with form 'jacobian' is the n×m transpose", async () => {
    const A = Mat.random(4, 3, { seed: 56 });
    const G = await grad('tr(X*A)', { wrt: 'X', at: { X, A }, backend: cpu });
    const Gj = await grad('tr(X*A)', { wrt: 'X', at: { X, A }, backend: cpu, form: 'jacobian' });
    expect([G.rows, G.cols]).toEqual([3, 4]);
    expect([Gj.rows, Gj.cols]).toEqual([4, 3]);
    expectClose(Gj, transpose(G), 0, 'form jacobian');
    expectClose(Gj, A, EXACT_TOL, 'form jacobian of tr(XA) = A');
  });
});

describe('matrix functions of a matrix (the Kronecker forms)', () => {
  it('A*X*B → B⊗Aᵀ (denominator), Bᵀ⊗A (numerator), one structured term', async () => {
    const A = Mat.random(3, 2, { seed: 61 });
    const X = Mat.random(2, 4, { seed: 62 });
    const B = Mat.random(4, 5, { seed: 63 });
    await expectJacobianAllMethods('A*X*B', { wrt: 'X', at: { A, X, B } }, kron(B, transpose(A)), 'AXB');
    const J = await jacobian('A*X*B', { wrt: 'X', at: { A, X, B }, backend: cpu, layout: 'numerator' });
    expectClose(J, kron(transpose(B), A), EXACT_TOL, 'AXB numerator = Bᵀ⊗A');
    expect([J.rows, J.cols]).toEqual([15, 8]);

    const ex = explain('A*X*B', { wrt: 'X', at: { A, X, B }, backend: cpu });
    expect(ex.method).toBe('structured');
    expect(ex.steps).toHaveLength(1);
    expect(ex.steps[0]!.step).toMatch(/\b1 term\b/);
    expect(ex.steps[0]!.formula).toContain('⊗');
    expect(ex.steps[0]!.formula.match(/⊗/g)).toHaveLength(1);
    expect(ex.steps[0]!.formula).not.toContain('+');
    expect(ex.text).toContain('structured');
    const exN = explain('A*X*B', { wrt: 'X', at: { A, X, B }, backend: cpu, layout: 'numerator' });
    expect(exN.steps).toHaveLength(1);
    expect(exN.steps[0]!.formula.match(/⊗/g)).toHaveLength(1);
  });

  it('inv(X) → −(X⁻¹ ⊗ X⁻ᵀ) (denominator)', async () => {
    const X = wellConditioned(3, 64);
    const Xi = inv(X);
    const D = times(-1, kron(Xi, transpose(Xi)));
    await expectJacobianAllMethods('inv(X)', { at: { X } }, D, 'inv(X)');
    expectClose(await jacobian('inv(X)', { at: { X }, backend: cpu, layout: 'numerator' }), times(-1, kron(transpose(Xi), Xi)), EXACT_TOL, 'inv numerator −(X⁻ᵀ⊗X⁻¹)');
  });

  it("X' → commutation: numerator K_mn, denominator K_nm (X m×n, m ≠ n)", async () => {
    const [m, n] = [2, 3];
    const X = Mat.random(m, n, { seed: 65 });
    // sanity on the kernel: K_mn vec(X) = vec(Xᵀ)
    expectClose(matmul(commutation(m, n), vecOf(X)), vecOf(transpose(X)), 0, 'K_mn vec X = vec Xᵀ');
    await expectJacobianAllMethods("X'", { at: { X } }, commutation(n, m), "X'");
    const J = await jacobian("X'", { at: { X }, backend: cpu, layout: 'numerator' });
    expectClose(J, commutation(m, n), 0, "X' numerator = K_mn exactly");
    const D = await jacobian("X'", { at: { X }, backend: cpu, layout: 'denominator' });
    expectClose(D, commutation(n, m), 0, "X' denominator = K_nm exactly");
    expect(commutation(m, n).toArray()).not.toEqual(commutation(n, m).toArray());
  });

  it("X*X' → (X⊗I) + (I⊗X)K_mn (numerator)", async () => {
    const [m, n] = [3, 2];
    const X = Mat.random(m, n, { seed: 66 });
    const J = plus(kron(X, Mat.eye(m)), matmul(kron(Mat.eye(m), X), commutation(m, n)));
    await expectJacobianAllMethods("X*X'", { at: { X } }, transpose(J), "XX'");
  });

  it('sigmoid(A*X) → diag(vec σ\'(AX))(I⊗A) (numerator)', async () => {
    const A = Mat.random(4, 3, { seed: 67 });
    const X = Mat.random(3, 2, { seed: 68 });
    const s = emap(matmul(A, X), (v) => sig(v) * (1 - sig(v)));
    const J = matmul(diagOf(s), kron(Mat.eye(2), A));
    await expectJacobianAllMethods('sigmoid(A*X)', { wrt: 'X', at: { A, X } }, transpose(J), 'sigmoid(AX)');
  });

  it('the logdet closed form and the commutation layouts agree with finite differences directly', async () => {
    // guard against a closed form that is wrong the same way the engine is
    const X = Mat.random(2, 3, { seed: 69 });
    expectClose(await jacobian("X'", { at: { X }, backend: cpu, method: 'fd', layout: 'numerator' }), commutation(2, 3), FD_TOL, 'fd Xᵀ');
  });
});

describe('matrix functions of a scalar: derivative', () => {
  it('t^2*A + sin(t)*B → 2tA + cos(t)B (shape of Y); jacobian 1×pq / pq×1', async () => {
    const A = Mat.random(3, 2, { seed: 71 });
    const B = Mat.random(3, 2, { seed: 72 });
    const t = 0.6;
    const e = 't^2*A + sin(t)*B';
    const dY = plus(times(2 * t, A), times(Math.cos(t), B));
    const d = await derivative(e, { wrt: 't', at: { t, A, B }, backend: cpu });
    expect([d.rows, d.cols]).toEqual([3, 2]);
    expectClose(d, dY, EXACT_TOL, 'derivative');
    const row = Mat.fromColumnMajor(1, 6, Float64Array.from(dY.data));
    await expectJacobianAllMethods(e, { wrt: 't', at: { t, A, B } }, row, 'Y(t) as a jacobian');
    const Jn = await jacobian(e, { wrt: 't', at: { t, A, B }, backend: cpu, layout: 'numerator' });
    expect([Jn.rows, Jn.cols]).toEqual([6, 1]);
    const Dn = await jacobian(e, { wrt: 't', at: { t, A, B }, backend: cpu });
    expect([Dn.rows, Dn.cols]).toEqual([1, 6]);
  });

  it('derivative of a matrix function built with inv, matrix powers and exp', async () => {
    const A = Mat.random(3, 3, { seed: 73 });
    const t = 0.3;
    // Y = inv(I*4 + t*A): dY/dt = −Y A Y
    const I4 = times(4, Mat.eye(3));
    const Y = inv(plus(I4, times(t, A)));
    const d = await derivative('inv(I4 + t*A)', { wrt: 't', at: { t, A, I4 }, backend: cpu });
    expectClose(d, times(-1, matmul(matmul(Y, A), Y)), EXACT_TOL, 'd inv(I4 + tA)/dt');
    // Y = exp(t) * A^2: dY/dt = exp(t) A²
    const d2 = await derivative('exp(t)*A^2', { wrt: 't', at: { t, A }, backend: cpu });
    expectClose(d2, times(Math.exp(t), matmul(A, A)), EXACT_TOL, 'd exp(t)A²/dt');
  });
});

describe('Hessians', () => {
  it("x'*A*x + b'*x → A + Aᵀ", async () => {
    const A = Mat.random(4, 4, { seed: 81 });
    const b = Mat.random(4, 1, { seed: 82 });
    const x = Mat.random(4, 1, { seed: 83 });
    const H = plus(A, transpose(A));
    for (const method of ['auto', 'structured', 'forward', 'reverse'] as const) {
      for (const layout of ['denominator', 'numerator'] as const) {
        expectClose(await hessian("x'*A*x + b'*x", { wrt: 'x', at: { A, b, x }, backend: cpu, method, layout }), H, EXACT_TOL, `hessian ${method} ${layout}`);
      }
    }
    expectClose(await hessian("x'*A*x + b'*x", { wrt: 'x', at: { A, b, x }, backend: cpu, method: 'fd' }), H, FD_TOL, 'hessian fd');
  });

  it("logdet(X) + tr(X'*A*X) → −K_nn(X⁻ᵀ⊗X⁻¹) + I⊗(A + Aᵀ)", async () => {
    const n = 3;
    const X = wellConditioned(n, 84);
    const A = Mat.random(n, n, { seed: 85 });
    const Xi = inv(X);
    // d(X⁻ᵀ) = −X⁻ᵀ dXᵀ X⁻ᵀ → vec: −(X⁻¹⊗X⁻ᵀ) K_nn vec dX = −K_nn (X⁻ᵀ⊗X⁻¹) vec dX
    const Hlog = times(-1, matmul(commutation(n, n), kron(transpose(Xi), Xi)));
    // d((A + Aᵀ)X) = (A + Aᵀ) dX → I ⊗ (A + Aᵀ)
    const Htr = kron(Mat.eye(n), plus(A, transpose(A)));
    const H = plus(Hlog, Htr);
    const e = "logdet(X) + tr(X'*A*X)";
    const at = { X, A };
    // the closed form itself, against central differences of the exact gradient X⁻ᵀ + (A + Aᵀ)X
    const fdOfGrad = await jacobian("inv(X)' + (A + A')*X", { wrt: 'X', at, backend: cpu, method: 'fd', layout: 'numerator' });
    expectClose(H, fdOfGrad, FD_TOL, 'closed form vs fd of the closed-form gradient');
    expectClose(Hlog, transpose(Hlog), 1e-14, 'logdet Hessian symmetric');
    for (const method of ['auto', 'structured', 'forward', 'reverse'] as const) {
      for (const layout of ['denominator', 'numerator'] as const) {
        expectClose(await hessian(e, { wrt: 'X', at, backend: cpu, method, layout }), H, EXACT_TOL, `hessian ${method} ${layout}`);
      }
    }
    expectClose(await hessian(e, { wrt: 'X', at, backend: cpu, method: 'fd' }), H, FD_TOL, 'hessian fd');
    const ex = explain(e, { wrt: 'X', at, backend: cpu, hessian: true });
    expect(ex.method).toBe('structured');
  });
});

describe('jvp / vjp / hvp against the full matrices', () => {
  const A = Mat.random(3, 4, { seed: 91 });
  const X = Mat.random(4, 2, { seed: 92 });
  const e = 'sigmoid(A*X) .* (A*X)';

  it('jvp = J vec(V), vjp = Jᵀ vec(W)', async () => {
    const at = { A, X };
    const J = await jacobian(e, { wrt: 'X', at, backend: cpu, layout: 'numerator' });
    const V = Mat.random(4, 2, { seed: 93 });
    const W = Mat.random(3, 2, { seed: 94 });
    const jv = await jvp(e, { wrt: 'X', at, backend: cpu, tangent: V });
    expect([jv.rows, jv.cols]).toEqual([3, 2]);
    expectClose(jv, unvecOf(matmul(J, vecOf(V)), 3, 2), EXACT_TOL, 'jvp');
    const vj = await vjp(e, { wrt: 'X', at, backend: cpu, cotangent: W });
    expect([vj.rows, vj.cols]).toEqual([4, 2]);
    expectClose(vj, unvecOf(matmul(transpose(J), vecOf(W)), 4, 2), EXACT_TOL, 'vjp');
    // and against fd of the function itself
    const Jfd = await jacobian(e, { wrt: 'X', at, backend: cpu, layout: 'numerator', method: 'fd' });
    expectClose(jv, unvecOf(matmul(Jfd, vecOf(V)), 3, 2), FD_TOL, 'jvp vs fd');
  });

  it('hvp = H vec(V)', async () => {
    const n = 3;
    const Xs = wellConditioned(n, 95);
    const As = Mat.random(n, n, { seed: 96 });
    const f = "logdet(X) + tr(X'*A*X) + sum(sin(X))";
    const at = { X: Xs, A: As };
    const H = await hessian(f, { wrt: 'X', at, backend: cpu });
    const V = Mat.random(n, n, { seed: 97 });
    const hv = await hvp(f, { wrt: 'X', at, backend: cpu, v: V });
    expect([hv.rows, hv.cols]).toEqual([n, n]);
    expectClose(hv, unvecOf(matmul(H, vecOf(V)), n, n), EXACT_TOL, 'hvp');
    const Hfd = await hessian(f, { wrt: 'X', at, backend: cpu, method: 'fd' });
    expectClose(hv, unvecOf(matmul(Hfd, vecOf(V)), n, n), FD_TOL, 'hvp vs fd');
  });

  it('evaluate agrees with the kernels on the same example', async () => {
    const F = await evaluate(e, { at: { A, X } });
    const AX = matmul(A, X);
    expectClose(F, emap(AX, (v) => sig(v) * v), 1e-15, 'evaluate');
  });
});
