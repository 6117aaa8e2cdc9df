/**
 * Running work on a backend: the one named, or under 'auto' the first of the registry's order that
 * starts and does not pass itself over, falling back when a device is lost mid-run.
 */
import type { Backend, BackendName } from '../backend/backend.js';
import { BACKEND_NAMES, checkBackendName, forgetBackend, getBackend, isRegistered } from '../backend/registry.js';
import { BackendUnavailableError, DeviceLostError, InvalidArgumentError, NonFiniteError, TooLargeError } from '../errors.js';

export { BACKEND_NAMES, forgetBackend, getBackend, registerBackend, resetBackends } from '../backend/registry.js';

export type BackendChoice = 'auto' | BackendName | Backend;

/** Which backend ran a call, on which device, and why the ones before it did not. */
export interface RunReport {
  readonly backend: BackendName;
  readonly device: string;
  readonly skipped: readonly { readonly backend: BackendName; readonly reason: string }[];
  /** Doubts about the result's precision (ill-conditioned inputs: the condition estimate of each). */
  readonly warnings?: readonly string[];
}

/** The default backend: the MATJAC_BACKEND environment variable in Node, else 'auto'. */
function defaultChoice(): 'auto' | BackendName {
  const env = typeof process !== 'undefined' ? process.env?.MATJAC_BACKEND : undefined;
  if (env === undefined || env === '') return 'auto';
  if (env === 'auto' || BACKEND_NAMES.includes(env as BackendName)) return env as 'auto' | BackendName;
  throw new InvalidArgumentError(`MATJAC_BACKEND='${env}' is not a backend (known: auto, ${BACKEND_NAMES.join(', ')})`);
}

/**
 * Runs `work` on the chosen backend. A backend named explicitly runs there or throws;
 * 'auto' tries webgpu → gpujs → cpu, moving on when one is unavailable or its device is lost
 * mid-run (the partial result is discarded), and reports what happened.
 */
export async function withBackend<T>(choice: BackendChoice | undefined, work: (b: Backend) => Promise<T>, onReport?: (r: RunReport) => void): Promise<T> {
  if (choice !== undefined && typeof choice === 'object') {
    const result = await work(choice);
    onReport?.({ backend: choice.name, device: choice.device, skipped: [] });
    return result;
  }
  choice ??= defaultChoice();
  if (choice !== 'auto') {
    // a backend named explicitly runs there or throws
    checkBackendName(choice, true);
    const backend = await getBackend(choice);
    const result = await work(backend);
    onReport?.({ backend: choice, device: backend.device, skipped: [] });
    return result;
  }
  // 'auto': the registry's order
  const order: readonly BackendName[] = BACKEND_NAMES;
  const skipped: { backend: BackendName; reason: string }[] = [];
  /** set when a float32 result overflowed: only a float64 backend may run it */
  let needF64 = false;
  for (const name of order) {
    const last = name === order[order.length - 1];
    let backend: Backend;
    try {
      backend = await getBackend(name);
    } catch (e) {
      if (last) throw e;
      skipped.push({ backend: name, reason: (e as BackendUnavailableError).reason ?? String(e) });
      continue;
    }
    if (needF64 && backend.precision !== 'f64' && !last) {
      skipped.push({ backend: name, reason: 'float32 (the result overflowed float32)' });
      continue;
    }
    if (!last) {
      // a backend the caller registered is their choice; a built-in one may decline 'auto'
      const why = isRegistered(name) ? undefined : backend.autoPassOver?.();
      if (why) {
        skipped.push({ backend: name, reason: why });
        continue;
      }
    }
    try {
      const result = await work(backend);
      onReport?.({ backend: name, device: backend.device, skipped });
      return result;
    } catch (e) {
      const overflowF32 = e instanceof NonFiniteError && e.precision === 'f32';
      if (last || !(e instanceof DeviceLostError || e instanceof TooLargeError || overflowF32)) throw e;
      if (overflowF32) {
        needF64 = true;
        skipped.push({ backend: name, reason: 'the float32 result had non-finite entries (overflow); re-ran in float64 on the CPU' });
      } else if (e instanceof DeviceLostError) {
        forgetBackend(name);
        skipped.push({ backend: name, reason: `device lost mid-run (${e.reason}); re-ran on the next backend` });
      } else {
        skipped.push({ backend: name, reason: `${e.message}; re-ran on the next backend` });
      }
    }
  }
  throw new BackendUnavailableError('auto', 'no backend could run');
}
