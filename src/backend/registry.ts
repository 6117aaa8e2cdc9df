/**
 * The backend registry: how each backend is created (lazily: Dawn and gpu.js load only when
 * asked for), one instance per backend and process, and the order 'auto' tries them in. Each
 * backend declares its own 'auto' preference (`Backend.autoPassOver`); plan/backends.ts runs work
 * on the chosen one and falls back.
 */
import { BackendUnavailableError, InvalidArgumentError } from '../errors.js';
import type { Backend, BackendName } from './backend.js';
import { CpuBackend } from './cpu/index.js';

/** The order 'auto' tries backends in. */
export const BACKEND_NAMES: readonly BackendName[] = ['webgpu', 'gpujs', 'cpu'];

const defaultLoaders: Record<BackendName, () => Promise<Backend>> = {
  webgpu: async () => (await import('./webgpu/index.js')).createWebGpuBackend(),
  gpujs: async () => (await import('./gpujs/index.js')).createGpuJsBackend(),
  cpu: async () => new CpuBackend(),
};

const loaders = { ...defaultLoaders };
const cache = new Map<BackendName, Promise<Backend>>();

/** Refuses a name that is not a backend. */
export function checkBackendName(name: unknown, withAuto: boolean): asserts name is BackendName {
  if (!BACKEND_NAMES.includes(name as BackendName)) {
    throw new InvalidArgumentError(`unknown backend '${String(name)}' (known: ${withAuto ? 'auto, ' : ''}${BACKEND_NAMES.join(', ')})`);
  }
}

/** Back to the built-in ways of creating backends (after `registerBackend`). */
export function resetBackends(): void {
  Object.assign(loaders, defaultLoaders);
  cache.clear();
}

/** One instance per backend, created on first use and reused (one GPU device per process). */
export function getBackend(name: BackendName): Promise<Backend> {
  checkBackendName(name, true);
  let p = cache.get(name);
  if (!p) {
    // a failure is remembered too: the adapter probe runs once per process (Dawn prints its
    // warnings once, and a call without a GPU does not pay for a new probe each time)
    p = loaders[name]().catch((e: unknown) => {
      throw e instanceof BackendUnavailableError ? e : new BackendUnavailableError(name, e instanceof Error ? e.message : String(e));
    });
    cache.set(name, p);
  }
  return p;
}

/**
 * Replaces how a backend is created (a WebGPU device with particular flags, a test double): the
 * next use of `name`, by name or under 'auto', calls `create`.
 */
export function registerBackend(name: BackendName, create: () => Promise<Backend>): void {
  checkBackendName(name, false);
  loaders[name] = create;
  cache.delete(name);
}

/** Whether `name` is created by a `registerBackend` call (the caller's own choice, used as given under 'auto'). */
export function isRegistered(name: BackendName): boolean {
  return loaders[name] !== defaultLoaders[name];
}

/** Forgets a backend instance (after its device was lost, the next use makes a new one). */
export function forgetBackend(name: BackendName): void {
  cache.delete(name);
}
