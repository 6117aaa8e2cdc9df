import type { Backend, BackendName } from '../backend/backend.js';
import { CpuBackend } from '../backend/cpu/index.js';
import { BackendUnavailableError, DeviceLostError, InvalidArgumentError, TooLargeError } from '../errors.js';

export type BackendChoice = 'auto' | BackendName | Backend;
export const BACKEND_NAMES: readonly BackendName[] = ['webgpu', 'gpujs', 'cpu'];

/** Which backend ran a call, on which device, and why the ones before it did not. */
export interface RunReport {
  readonly backend: BackendName;
  readonly device: string;
  readonly skipped: readonly { readonly backend: BackendName; readonly reason: string }[];
}

const defaultLoaders: Record<BackendName, () => Promise<Backend>> = {
  webgpu: async () => (await import('../backend/webgpu/index.js')).createWebGpuBackend(),
  gpujs: async () => (await import('../backend/gpujs/index.js')).createGpuJsBackend(),
  cpu: async () => new CpuBackend(),
};

const loaders = { ...defaultLoaders };
const cache = new Map<BackendName, Promise<Backend>>();

/** Back to the built-in ways of creating backends (after `registerBackend`). */
export function resetBackends(): void {
  Object.assign(loaders, defaultLoaders);
  cache.clear();
}

/** One instance per backend, created on first use and reused (one GPU device per process). */
export function getBackend(name: BackendName): Promise<Backend> {
  if (!BACKEND_NAMES.includes(name)) {
    throw new InvalidArgumentError(`unknown backend '${String(name)}' (known: auto, ${BACKEND_NAMES.join(', ')})`);
  }
  let p = cache.get(name);
  if (!p) {
    p = loaders[name]().catch((e: unknown) => {
      cache.delete(name);
      throw e instanceof BackendUnavailableError ? e : new BackendUnavailableError(name, e instanceof Error ? e.message : String(e));
    });
    cache.set(name, p);
  }
  return p;
}

/**
 * Why 'auto' passes a working backend by: gpu.js without a GPU (its WebAssembly or JavaScript
 * modes, as in Node) computes in float32 and is slower than the float64 CPU backend.
 */
function passOver(b: Backend): string | undefined {
  const mode = (b as { mode?: string }).mode;
  if (b.name === 'gpujs' && mode !== undefined && !['gpu', 'webgl2', 'webgl', 'headlessgl'].includes(mode)) {
    return `gpu.js runs in its ${mode} mode here (no GPU); the CPU backend is faster and float64 (ask for backend 'gpujs' to use it anyway)`;
  }
  return undefined;
}

/** The default backend: the MATJAC_BACKEND environment variable in Node, else 'auto'. */
function defaultChoice(): 'auto' | BackendName {
  const env = typeof process !== 'undefined' ? process.env?.MATJAC_BACKEND : undefined;
  if (env === undefined || env === '') return 'auto';
  if (env === 'auto' || BACKEND_NAMES.includes(env as BackendName)) return env as 'auto' | BackendName;
  throw new InvalidArgumentError(`MATJAC_BACKEND='${env}' is not a backend (known: auto, ${BACKEND_NAMES.join(', ')})`);
}

/**
 * Replaces how a backend is created (a WebGPU device with particular flags, a test double): the
 * next use of `name`, by name or under 'auto', calls `create`.
 */
export function registerBackend(name: BackendName, create: () => Promise<Backend>): void {
  if (!BACKEND_NAMES.includes(name)) throw new InvalidArgumentError(`unknown backend '${String(name)}' (known: ${BACKEND_NAMES.join(', ')})`);
  loaders[name] = create;
  cache.delete(name);
}

/** Forgets a backend instance (after its device was lost, the next use makes a new one). */
export function forgetBackend(name: BackendName): void {
  cache.delete(name);
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
  const order: BackendName[] = choice === 'auto' ? [...BACKEND_NAMES] : [choice];
  if (choice !== 'auto' && !BACKEND_NAMES.includes(choice)) {
    throw new InvalidArgumentError(`unknown backend '${String(choice)}' (known: auto, ${BACKEND_NAMES.join(', ')})`);
  }
  const skipped: { backend: BackendName; reason: string }[] = [];
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
    if (choice === 'auto' && !last) {
      const why = passOver(backend);
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
      if (last || choice !== 'auto' || !(e instanceof DeviceLostError || e instanceof TooLargeError)) throw e;
      if (e instanceof DeviceLostError) {
        forgetBackend(name);
        skipped.push({ backend: name, reason: `device lost mid-run (${e.reason}); re-ran on the next backend` });
      } else {
        skipped.push({ backend: name, reason: `${e.message}; re-ran on the next backend` });
      }
    }
  }
  throw new BackendUnavailableError('auto', 'no backend could run');
}
