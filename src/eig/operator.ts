/**
 * The Hessian of a scalar f as a linear operator, H vec(V) = vec(∂/∂t ∇f(X + tV)), never formed.
 * Compiled once: the gradient ∇f is symbolic (reverse mode), its tangent d(∇f)[dX] is linearised
 * once (forward-over-reverse), and each product evaluates that linear expression on the chosen
 * backend with dX bound to V (to a batch of V's at once for `applyBatch`). Primal factors (X⁻¹,
 * σ'(AX), …) are computed once in float64 and shared by every product.
 */
import type { Backend, Tensor } from '../backend/backend.js';
import { InvalidArgumentError } from '../errors.js';
import type { Node } from '../expr/ast.js';
import { evaluateNode } from '../expr/eval.js';
import { linearize } from '../diff/jvp.js';
import { simplifyLinear } from '../diff/simplify.js';
import { variable } from '../diff/nodes.js';
import { Mat } from '../mat/mat.js';
import { readFinite } from '../plan/finite.js';
import { evalLinear } from '../plan/linear.js';
import { domainNodes } from '../plan/plan.js';

export interface HessianOperator {
  /** N = mn, the order of H. */
  readonly size: number;
  /** The shape m×n of X. */
  readonly shape: readonly [number, number];
  /** 'f64' on the CPU, 'f32' on a GPU (the products are rounded to float32 there). */
  readonly precision: 'f32' | 'f64';
  /** H v for one vec(V) of length N. */
  apply(v: Float64Array): Promise<Float64Array>;
  /** H V for P vectors, the columns of V (N×P, column-major): one batched evaluation. */
  applyBatch(V: Float64Array, P: number): Promise<Float64Array>;
  /** Products computed so far (a batch of P counts P). */
  readonly products: number;
  /**
   * Frees the primal factors the operator keeps on its backend between products (uploaded by the
   * first product). Optional for a caller: on the CPU they are garbage collected. Later products
   * upload them again.
   */
  dispose(): void;
}

/**
 * H as an operator for the gradient expression `grad` of f (with respect to `wrt`, bound in
 * `env`), on backend `b`. f's domain (logdet of a matrix with positive determinant, …) is checked
 * once, here.
 */
export function hessianOperator(grad: Node, f: Node, wrt: string, env: Readonly<Record<string, Mat>>, b: Backend): HessianOperator {
  const X = env[wrt]!;
  const [m, n] = [X.rows, X.cols];
  const N = m * n;
  const memo = new Map<Node, Mat>();
  const primal = (x: Node): Mat => evaluateNode(x, env, memo);
  for (const x of domainNodes(f)) primal(x);
  const seedName = `∂${wrt}`;
  const lin = linearize(grad, wrt, variable(seedName, [m, n]));
  // fewer products and passes per batch: transposes folded into the gemms, P·dX + Q·dX = (P + Q)·dX
  const tangent = lin && simplifyLinear(lin, seedName);
  let products = 0;
  // primal factors (X⁻ᵀ, A + Aᵀ, …) stay on the backend from one product to the next
  const uploads = new Map<Node, Tensor>();

  async function run(V: Float64Array, P: number): Promise<Float64Array> {
    products += P;
    if (!tangent) return new Float64Array(N * P);
    // views of V's columns: upload copies them into the backend's memory, once
    const mats = Array.from({ length: P }, (_, t) => new Mat(m, n, V.subarray(t * N, (t + 1) * N)));
    const seed = b.upload(P === 1 ? mats[0]! : mats);
    const out = evalLinear(tangent, seedName, seed, b, primal, uploads);
    let stacked = out;
    try {
      if (P > 1) {
        stacked = out.batch === P ? b.stack(out, false) : out;
        if (out.batch !== P) {
          // a product independent of the seed's batch (cannot happen for a linear map of V, but never read garbage)
          throw new InvalidArgumentError(`internal: the Hessian product came back with batch ${out.batch}, expected ${P}`);
        }
      }
      // an overflowing product (float32 on a GPU) is refused, or under 'auto' re-run in float64
      const M = await readFinite(b, stacked, f, 'Hessian-vector product');
      return M.data instanceof Float64Array ? M.data : Float64Array.from(M.data);
    } finally {
      if (stacked !== out) b.dispose(stacked);
      if (out !== seed && ![...uploads.values()].includes(out)) b.dispose(out);
      b.dispose(seed);
    }
  }

  return {
    size: N,
    shape: [m, n],
    precision: b.precision,
    apply: (v) => run(v, 1),
    applyBatch: (V, P) => run(V, P),
    get products() {
      return products;
    },
    dispose() {
      for (const t of uploads.values()) b.dispose(t);
      uploads.clear();
    },
  };
}
