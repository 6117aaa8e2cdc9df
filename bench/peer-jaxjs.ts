/**
 * The JavaScript peer, measured in the same run: jax-js (`@jax-js/jax`) Jacobians and Hessians of
 * the benchmark maps through its generic `jacrev`/`jacfwd`/`hessian` on flattened inputs, timed
 * like matjac (the loop of `loopTimes`: median batch of back-to-back calls, result ready on the device). jax-js cannot jit inv/slogdet
 * (triangular_solve), so those run un-jitted, as in ../shared/gpu/peer-jaxjs.mjs.
 */
import { loopTimes, warmUp, type BenchRow } from './rows.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Times jax-js on `backend` for each n and map; a larger n of a map is skipped (with a row that
 * says so) once one call took longer than `maxMs`, or would by n^4.5 growth seen from its last n
 * (jax-js wasm needs seconds for inv and the Hessian from n = 32), which keeps the bench within
 * minutes.
 */
export async function runJaxJs(backend: 'wasm' | 'webgpu', sizes: readonly number[], maps: readonly string[], reps: number, log: (r: BenchRow) => void, maxMs = 6000): Promise<void> {
  let jax: any;
  try {
    jax = await import('@jax-js/jax' as string);
    if (backend === 'webgpu') await jax.init();
    else await jax.init('wasm');
    jax.defaultDevice(backend);
  } catch (e) {
    log({ lib: `jax-js(${backend})`, map: '*', mode: '*', n: 0, error: `jax-js unavailable: ${String(e).slice(0, 160)}` });
    return;
  }
  const np = jax.numpy;
  const tooSlow = new Set<string>();
  const last = new Map<string, { n: number; ms: number }>();
  let seed = 12345;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  for (const n of sizes) {
    const randn = (k: number): number[] => Array.from({ length: k }, rand);
    const A = np.array(randn(n * n)).reshape([n, n]);
    const B = np.array(randn(n * n)).reshape([n, n]);
    const X = np.array(randn(n * n).map((v, i) => v + (i % (n + 1) === 0 ? n : 0)));
    const fns: Record<string, [(x: any) => any, 'jac' | 'hess']> = {
      'A*X*B': [(x) => np.matmul(np.matmul(A.ref, x.reshape([n, n])), B.ref).reshape([n * n]), 'jac'],
      "X*X'": [(x) => { const M = x.reshape([n, n]); return np.matmul(M.ref, M.transpose()).reshape([n * n]); }, 'jac'],
      'inv(X)': [(x) => np.linalg.inv(x.reshape([n, n])).reshape([n * n]), 'jac'],
      'sigmoid(A*X)': [(x) => jax.nn.sigmoid(np.matmul(A.ref, x.reshape([n, n]))).reshape([n * n]), 'jac'],
      "logdet(X)+tr(X'*A*X)": [(x) => { const M = x.reshape([n, n]); return np.linalg.slogdet(M.ref)[1].add(np.trace(np.matmul(np.matmul(M.ref.transpose(), A.ref), M))); }, 'hess'],
    };
    for (const map of maps) {
      const entry = fns[map];
      if (!entry) continue;
      const [f, kind] = entry;
      const prev = last.get(map);
      if (tooSlow.has(map) || (prev && prev.ms * (n / prev.n) ** 4.5 > maxMs)) {
        log({ lib: `jax-js(${backend})`, map, mode: '*', n, error: `skipped: a call would take over ${maxMs} ms (a smaller n took ${prev ? prev.ms.toFixed(0) : '> ' + maxMs} ms)` });
        continue;
      }
      const modes: [string, any][] = kind === 'hess' ? [['hessian', jax.hessian(f)]] : [['jacrev', jax.jacrev(f)], ['jacfwd', jax.jacfwd(f)]];
      for (const [mode, g0] of modes) {
        const g = /inv|logdet/.test(map) ? g0 : jax.jit(g0);
        try {
          await warmUp(async () => {
            const W = g(X.ref);
            await W.blockUntilReady();
            W.dispose?.();
          });
          // timed as matjac's rows are: a loop's batches of back-to-back calls (loopTimes)
          const [t] = await loopTimes(
            [
              async () => {
                const J = g(X.ref);
                await J.blockUntilReady();
                J.dispose?.();
              },
            ],
            reps,
          );
          log({ lib: `jax-js(${backend})`, map, mode, n, ms: t!.ms, callMs: t!.callMs, cpuMs: t!.cpuMs, outBytes: n ** 4 * 4 });
          if (t!.callMs > maxMs) tooSlow.add(map);
          if (!last.has(map) || last.get(map)!.n !== n || t!.callMs < last.get(map)!.ms) last.set(map, { n, ms: t!.callMs });
        } catch (e) {
          log({ lib: `jax-js(${backend})`, map, mode, n, error: String(e).slice(0, 160) });
        }
      }
    }
  }
}
