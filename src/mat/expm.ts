/**
 * The matrix exponential e^X = Σ X^k/k! by scaling and squaring with the [13/13] Padé
 * approximant (Higham 2005): e^X = (e^{X/2^s})^{2^s}, s chosen so ‖X/2^s‖₁ ≤ θ₁₃, and
 * r₁₃(A) = (V − U)⁻¹(V + U) with U odd and V even in A.
 * Its Fréchet derivative L(X, E) (e^{X+E} = e^X + L(X, E) + O(‖E‖²)) is the top-right block of
 * e^{[X E; 0 X]} (the block-triangular identity), and its Kronecker form K(X) the n²×n² matrix
 * with vec L(X, E) = K(X) vec(E).
 */
import { NotSquareError } from '../errors.js';
import { solve } from './lu.js';
import { Mat } from './mat.js';
import { matmul } from './matmul.js';

const THETA13 = 5.371920351148152;
const B = [
  64764752532480000, 32382376266240000, 7771770303897600, 1187353796428800, 129060195264000, 10559470521600, 670442572800,
  33522128640, 1323241920, 40840800, 960960, 16380, 182, 1,
];

/** Σ cᵢ Mᵢ (+ c₀ I when `identity` is given) over matrices of one size. */
function combo(n: number, terms: readonly (readonly [number, Mat])[], identity = 0): Mat {
  const out = new Float64Array(n * n);
  for (const [c, M] of terms) {
    const d = M.data;
    for (let k = 0; k < out.length; k++) out[k]! += c * d[k]!;
  }
  if (identity !== 0) for (let i = 0; i < n; i++) out[i + i * n]! += identity;
  return new Mat(n, n, out);
}

function norm1(X: Mat): number {
  let best = 0;
  for (let j = 0; j < X.cols; j++) {
    let s = 0;
    for (let i = 0; i < X.rows; i++) s += Math.abs(X.data[i + j * X.rows]!);
    best = Math.max(best, s);
  }
  return best;
}

/** e^X of a square matrix, float64. */
export function expm(X: Mat): Mat {
  if (X.rows !== X.cols) throw new NotSquareError('expm', X.shape);
  const n = X.rows;
  const nrm = norm1(X);
  const s = nrm > THETA13 ? Math.max(0, Math.ceil(Math.log2(nrm / THETA13))) : 0;
  const scale = 2 ** -s;
  const A = new Mat(n, n, Float64Array.from(X.data, (v) => v * scale));
  const A2 = matmul(A, A);
  const A4 = matmul(A2, A2);
  const A6 = matmul(A4, A2);
  const U = matmul(A, combo(n, [[1, matmul(A6, combo(n, [[B[13]!, A6], [B[11]!, A4], [B[9]!, A2]]))], [B[7]!, A6], [B[5]!, A4], [B[3]!, A2]], B[1]!));
  const V = combo(n, [[1, matmul(A6, combo(n, [[B[12]!, A6], [B[10]!, A4], [B[8]!, A2]]))], [B[6]!, A6], [B[4]!, A4], [B[2]!, A2]], B[0]!);
  let R = solve(combo(n, [[1, V], [-1, U]]), combo(n, [[1, V], [1, U]]));
  for (let k = 0; k < s; k++) R = matmul(R, R);
  return R;
}

/** L(X, E): the top-right n×n block of e^{[X E; 0 X]}. */
export function expmFrechet(X: Mat, E: Mat): Mat {
  const n = X.rows;
  const big = Mat.zeros(2 * n, 2 * n);
  for (let j = 0; j < n; j++)
    for (let i = 0; i < n; i++) {
      const x = X.data[i + j * n]!;
      big.data[i + j * 2 * n] = x;
      big.data[n + i + (n + j) * 2 * n] = x;
      big.data[i + (n + j) * 2 * n] = E.data[i + j * n]!;
    }
  const F = expm(big);
  const out = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) out[i + j * n] = F.data[i + (n + j) * 2 * n]!;
  return new Mat(n, n, out);
}

/** K(X), n²×n²: column i + j·n is vec L(X, E_ij), so vec L(X, E) = K(X) vec(E). */
export function expmFrechetKron(X: Mat): Mat {
  const n = X.rows;
  const K = Mat.zeros(n * n, n * n);
  const E = Mat.zeros(n, n);
  for (let c = 0; c < n * n; c++) {
    E.data.fill(0);
    E.data[c] = 1;
    K.data.set(expmFrechet(X, E).data, c * n * n);
  }
  return K;
}
