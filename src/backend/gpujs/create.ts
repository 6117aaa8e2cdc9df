/**
 * `createGpuJsBackend()`: starts gpu.js (loaded on demand, so matjac does not need it at load
 * time) in the best mode that works here and checks, with one small kernel, that it computes in
 * single precision. Browser: WebGL2, then WebGL, then WebAssembly, then gpu.js's CPU mode. Node:
 * headless-gl where it is installed (it is not, here), else WebAssembly, else CPU mode.
 * `backend.device` and `backend.mode` say which one runs.
 */
import { BackendUnavailableError, InvalidArgumentError } from '../../errors.js';
import { namesSoftwareRenderer } from '../software.js';
import { GpuJsBackend, type GpuJsInstance, type GpuJsKernel } from './backend.js';
import type { GridLimits } from './grid.js';
import { SMOKE } from './kernels.js';

/** gpu.js kernel modes: 'gpu' lets gpu.js pick (GL, then WebAssembly); 'auto' is ours (the same, then CPU mode). */
export type GpuJsMode = 'auto' | 'gpu' | 'webgl2' | 'webgl' | 'headlessgl' | 'webasm' | 'cpu';

/** The gpu.js `GPU` class, as far as this backend uses it. */
export interface GpuJsConstructor {
  new (settings?: { mode?: string }): GpuJsInstance;
  readonly isWebGL2Supported?: boolean;
  readonly isWebGLSupported?: boolean;
  readonly isHeadlessGLSupported?: boolean;
  readonly isWebAssemblySupported?: boolean;
}

export interface GpuJsBackendOptions {
  /** Default 'auto'. A mode named here runs or fails with BackendUnavailableError; it never falls back. */
  readonly mode?: GpuJsMode;
  /** The gpu.js `GPU` constructor to use (default: `(await import('gpu.js')).GPU`). */
  readonly GPU?: GpuJsConstructor;
  /** Lower the per-launch limits (tests use this to exercise the tiling on small outputs). */
  readonly limits?: Partial<GridLimits>;
}

const KERNEL_CLASS_MODES: readonly (readonly [string, string])[] = [
  ['WebGL2Kernel', 'webgl2'],
  ['WebGLKernel', 'webgl'],
  ['HeadlessGLKernel', 'headlessgl'],
  ['WebAssemblyKernel', 'webasm'],
  ['WebGPUKernel', 'webgpu'],
  ['CPUKernel', 'cpu'],
];

const GL_MODES = new Set(['webgl2', 'webgl', 'headlessgl']);

const isBrowser = (): boolean => typeof window !== 'undefined' && typeof document !== 'undefined';

async function loadGpuJs(): Promise<{ GPU: GpuJsConstructor; module: Record<string, unknown> }> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import('gpu.js')) as unknown as Record<string, unknown>;
  } catch (e) {
    throw new BackendUnavailableError('gpujs', `gpu.js could not be loaded (${e instanceof Error ? e.message : String(e)})`);
  }
  const ns = (typeof mod.GPU === 'function' ? mod : (mod.default as Record<string, unknown> | undefined)) ?? {};
  const GPU = ns.GPU as GpuJsConstructor | undefined;
  if (typeof GPU !== 'function') throw new BackendUnavailableError('gpujs', 'the gpu.js module has no GPU class');
  return { GPU, module: ns };
}

function flag(GPU: GpuJsConstructor, name: keyof GpuJsConstructor): boolean {
  try {
    return Boolean(GPU[name]);
  } catch {
    return false;
  }
}

/** The mode 'auto' asks gpu.js for. */
function autoMode(GPU: GpuJsConstructor): string {
  if (isBrowser()) {
    if (flag(GPU, 'isWebGL2Supported')) return 'webgl2';
    if (flag(GPU, 'isWebGLSupported')) return 'webgl';
  } else if (flag(GPU, 'isHeadlessGLSupported')) {
    return 'headlessgl';
  }
  if (flag(GPU, 'isWebAssemblySupported')) return 'webasm';
  return 'cpu';
}

/** Which gpu.js kernel backend an instance actually uses. */
function resolvedMode(gpu: GpuJsInstance, sources: readonly Record<string, unknown>[], requested: string): string {
  const K = gpu.Kernel;
  for (const [cls, mode] of KERNEL_CLASS_MODES) {
    if (K !== undefined && sources.some((s) => s[cls] === K)) return mode;
  }
  const name = (K as { name?: unknown } | undefined)?.name;
  for (const [cls, mode] of KERNEL_CLASS_MODES) if (name === cls) return mode;
  return requested;
}

function glInfo(kernel: GpuJsKernel): { maxTextureSize?: number; renderer?: string } {
  try {
    const gl = (kernel as unknown as { kernel?: { context?: WebGLRenderingContext } }).kernel?.context;
    if (!gl || typeof gl.getParameter !== 'function') return {};
    const maxTextureSize = Number(gl.getParameter(gl.MAX_TEXTURE_SIZE));
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    return { maxTextureSize: Number.isFinite(maxTextureSize) && maxTextureSize > 0 ? maxTextureSize : undefined, renderer };
  } catch {
    return {};
  }
}

const MODES: readonly string[] = ['auto', 'gpu', 'webgl2', 'webgl', 'headlessgl', 'webasm', 'cpu'];

export async function createGpuJsBackend(opts: GpuJsBackendOptions = {}): Promise<GpuJsBackend> {
  const m = opts.mode as string | undefined;
  if (m === 'webgpu' || m === 'async' || m === 'dev') {
    // gpu.js's WebGPU and 'async' kernels return Promises; this backend's ops are synchronous
    // (WebGPU is matjac's own 'webgpu' backend), and 'dev' does not transpile at all.
    throw new BackendUnavailableError('gpujs', `gpu.js mode '${m}' is not supported by the gpujs backend (its kernels must run synchronously); use one of ${MODES.join(', ')}`);
  }
  if (m !== undefined && !MODES.includes(m)) throw new InvalidArgumentError(`gpujs: unknown gpu.js mode '${m}' (known: ${MODES.join(', ')})`);
  const loaded = opts.GPU ? { GPU: opts.GPU, module: {} as Record<string, unknown> } : await loadGpuJs();
  const { GPU, module } = loaded;
  const requested = opts.mode ?? 'auto';
  const mode = requested === 'auto' ? autoMode(GPU) : requested;
  let gpu: GpuJsInstance;
  try {
    gpu = new GPU({ mode });
  } catch (e) {
    throw new BackendUnavailableError('gpujs', `gpu.js cannot start in mode '${mode}' here (${e instanceof Error ? e.message : String(e)})`);
  }
  const actual = resolvedMode(gpu, [module, GPU as unknown as Record<string, unknown>], mode);
  const gl = GL_MODES.has(actual);
  const env = isBrowser() ? 'browser' : typeof process !== 'undefined' && process.versions?.node ? 'Node' : 'worker';

  // One small batched product with non-dyadic values: proves the kernels compile, run and read
  // back in single precision (a GL context without float textures would come back 8-bit).
  let info: { maxTextureSize?: number; renderer?: string } = {};
  try {
    const kernel = gpu.createKernel(SMOKE.source, {
      output: [2, 2, 1],
      constants: { K: 3, aBS: 0, sAi: 1, sAk: 2, bBS: 0, sBk: 1, sBj: 3 },
      argumentTypes: { a: 'Array', b: 'Array', y0: 'Integer', z0: 'Integer', cy: 'Integer', cz: 'Integer', yEnd: 'Integer' },
      precision: 'single',
      tactic: 'precision',
    });
    const a = Float32Array.from([1 / 3, -2 / 7, 5 / 11, 0.1, -1.5, 2 / 3]); // 2×3
    const b = Float32Array.from([0.7, -1 / 9, 3, 1 / 13, 2.5, -0.3]); // 3×2
    const result = kernel(a, b, 0, 0, 0, 0, 2) as ArrayLike<ArrayLike<ArrayLike<number>>>;
    let worst = 0;
    for (let j = 0; j < 2; j++) {
      for (let i = 0; i < 2; i++) {
        let want = 0;
        for (let k = 0; k < 3; k++) want += a[i + 2 * k]! * b[k + 3 * j]!;
        const got = Number(result[0]?.[j]?.[i]);
        worst = Math.max(worst, Math.abs(got - want) / Math.max(1, Math.abs(want)));
      }
    }
    if (!(worst <= 1e-5)) throw new Error(`a 2×3·3×2 test product came back wrong (relative error ${worst}); no single-precision float support?`);
    if (gl) info = glInfo(kernel);
    kernel.destroy?.();
  } catch (e) {
    try {
      gpu.destroy?.();
    } catch {
      // ignore
    }
    if (e instanceof BackendUnavailableError) throw e;
    throw new BackendUnavailableError('gpujs', `gpu.js in mode '${actual}' failed its start-up check (${e instanceof Error ? e.message : String(e)})`);
  }

  const maxTextureSize = opts.limits?.maxTextureSize ?? (gl ? (info.maxTextureSize ?? 2048) : Infinity);
  const defaultOut = gl ? Math.min(2 ** 22, Math.floor((maxTextureSize - 2) ** 2 / 2)) : 2 ** 24;
  const limits: GridLimits = { maxTextureSize, maxOutputElements: opts.limits?.maxOutputElements ?? defaultOut };
  const device = `gpu.js (${actual} mode, ${env}${info.renderer ? `: ${info.renderer}` : ''})`;
  const wasm = actual === 'webasm';
  const software = gl && namesSoftwareRenderer(info.renderer);
  return new GpuJsBackend({ gpu, mode: actual, device, limits, software, ...(wasm ? { maxCachedKernels: 24, moduleCacheLimit: 2 } : {}) });
}
