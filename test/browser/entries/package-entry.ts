/**
 * Browser bundle entry for test/browser/package.browser.test.ts: the *built* package
 * (dist/src/index.js, what `npm run build` emits and `exports` points at) on `window.__pkg`.
 */
import { Mat, hessian, jacobian, type RunReport } from '../../../dist/src/index.js';

export interface PkgResult {
  readonly rows: number;
  readonly cols: number;
  readonly f32: boolean;
  /** ‖J − J_cpu‖_F / ‖J_cpu‖_F against the CPU float64 backend in the same page. */
  readonly relError: number;
  readonly report: RunReport;
}

function inputs(n: number): Record<string, Mat> {
  const X = Mat.random(n, n, { seed: 31 });
  for (let i = 0; i < n; i++) X.data[i * (n + 1)]! += n;
  return { X, A: Mat.random(n, n, { seed: 32 }), B: Mat.random(n, n, { seed: 33 }) };
}

async function run(args: {
  expr: string;
  n: number;
  hessian?: boolean;
  layout?: 'denominator' | 'numerator';
  method?: 'auto' | 'structured' | 'forward' | 'reverse';
  backend?: 'auto' | 'webgpu' | 'gpujs';
}): Promise<PkgResult> {
  const at = inputs(args.n);
  const f = args.hessian ? hessian : jacobian;
  let report: RunReport | undefined;
  const J = await f(args.expr, { wrt: 'X', at, layout: args.layout, method: args.method, backend: args.backend, onReport: (r) => (report = r) });
  const ref = await f(args.expr, { wrt: 'X', at, layout: args.layout, method: args.method, backend: 'cpu' });
  let d = 0;
  let s = 0;
  for (let k = 0; k < ref.data.length; k++) {
    d += (J.data[k]! - ref.data[k]!) ** 2;
    s += ref.data[k]! ** 2;
  }
  return { rows: J.rows, cols: J.cols, f32: J.data instanceof Float32Array, relError: Math.sqrt(d) / Math.sqrt(s), report: report! };
}

export interface WasmOutResult {
  /** The result is the `Mat.wasm` given as `out` (written in place). */
  readonly inPlace: boolean;
  /** Its entries equal, bit for bit, those written into a `Float64Array` `out`. */
  readonly same: boolean;
  /** The `.buffer` is the memory's, larger than the matrix. */
  readonly wholeMemory: boolean;
  /** What transferring the buffer (structuredClone with a transfer list) did: 'transferred', or the error's name and message. */
  readonly transfer: string;
}

/** A Jacobian or Hessian on the CPU into a `Mat.wasm` (the SIMD kernel in place) against a `Float64Array` `out`. */
async function wasmOut(args: { expr: string; n: number; hessian?: boolean }): Promise<WasmOutResult> {
  const at = inputs(args.n);
  const f = args.hessian ? hessian : jacobian;
  const N = args.n * args.n;
  const W = Mat.wasm(N, N);
  W.data.fill(NaN);
  const J = await f(args.expr, { wrt: 'X', at, backend: 'cpu', out: W });
  const ref = await f(args.expr, { wrt: 'X', at, backend: 'cpu', out: new Float64Array(N * N) });
  let same = true;
  for (let k = 0; k < ref.data.length; k++) if (!Object.is(J.data[k], ref.data[k])) same = false;
  let transfer = 'transferred';
  try {
    structuredClone(W.data.buffer, { transfer: [W.data.buffer as ArrayBuffer] });
  } catch (e) {
    transfer = `${(e as Error).name}: ${(e as Error).message}`;
  }
  return { inPlace: J.data === W.data, same, wholeMemory: W.data.buffer.byteLength > W.data.byteLength, transfer };
}

(window as unknown as { __pkg: { run: typeof run; wasmOut: typeof wasmOut } }).__pkg = { run, wasmOut };
