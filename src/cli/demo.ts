import { explain, jacobian } from '../api.js';
import { Mat } from '../mat/mat.js';
import { kron, relError, transpose } from '../mat/index.js';
import type { BackendChoice, RunReport } from '../plan/backends.js';

/**
 * `npm start`: the Jacobian of F = A·X·B (X 3×2) in both layouts, next to the closed forms
 * B⊗Aᵀ (denominator) and Bᵀ⊗A (numerator) of DESIGN.md §1.
 */
export async function runDemo(backend: BackendChoice = 'auto'): Promise<void> {
  const A = Mat.from([[1, 2, 0], [0, 1, -1]]);
  const X = Mat.from([[1, 2], [3, 4], [5, 6]]);
  const B = Mat.from([[2, 1], [0, 3]]);
  let report: RunReport | undefined;
  const at = { A, X, B };
  const D = await jacobian('A*X*B', { wrt: 'X', at, backend, onReport: (r) => (report = r) });
  const J = await jacobian('A*X*B', { wrt: 'X', at, backend, layout: 'numerator' });
  const closedD = kron(B, transpose(A));
  const closedJ = kron(transpose(B), A);
  const line = '─'.repeat(72);
  console.log(`matjac — the derivative of F = A*X*B with respect to X\n${line}`);
  console.log(`A (2×3) =\n${A.toString()}\nX (3×2) =\n${X.toString()}\nB (2×2) =\n${B.toString()}\n`);
  console.log('F is 2×2 and X is 3×2, so the derivative has 6·4 = 24 entries.');
  console.log(`Ran on: ${report?.backend} (${report?.device})${report?.skipped.length ? `; skipped: ${report.skipped.map((s) => `${s.backend} (${s.reason})`).join('; ')}` : ''}\n`);
  console.log(`Denominator layout (default): D = ∂F/∂X, 6×4, vec(dF) = Dᵀ vec(dX)\n${D.toString()}`);
  console.log(`closed form B⊗Aᵀ: relative error ${relError(D.toFloat64(), closedD).toExponential(1)}\n`);
  console.log(`Numerator layout: J, 4×6, vec(dF) = J vec(dX)\n${J.toString()}`);
  console.log(`closed form Bᵀ⊗A: relative error ${relError(J.toFloat64(), closedJ).toExponential(1)}\n`);
  console.log(`How it was assembled:\n${explain('A*X*B', { wrt: 'X', at }).text}\n${line}`);
  console.log(`Try:  npx matjac jacobian "inv(X)" --at "X=[2 1;1 3]" --check --explain`);
  console.log(`      npx matjac hessian "logdet(X) + tr(X'*A*X)" --wrt X --at "X=randspd(3), A=rand(3,3)"`);
  console.log(`      npx matjac eig "logdet(X) + tr(X'*A*X)" --wrt X --at "X=randspd(3), A=rand(3,3)" --density`);
}
