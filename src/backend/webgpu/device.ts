/**
 * Adapter and device acquisition for the WebGPU backend, in the browser (`navigator.gpu`) and in
 * Node (the `webgpu` package, i.e. Dawn, imported through a variable specifier so that bundlers
 * never try to bundle the native addon).
 */
import { BackendUnavailableError } from '../../errors.js';
import { namesSoftwareRenderer } from '../software.js';

export interface WebGpuOptions {
  /** A GPU object to use instead of `navigator.gpu` / Dawn (tests pass fakes). */
  readonly gpu?: GPU;
  /** Node only: flags for Dawn's `create()`, e.g. `['backend=opengles']`. */
  readonly nodeFlags?: readonly string[];
  /** 'compatibility' for OpenGL ES adapters (Dawn + llvmpipe); default 'core'. */
  readonly featureLevel?: 'core' | 'compatibility';
  readonly powerPreference?: GPUPowerPreference;
  /**
   * Caps the storage binding size below the device limit (bytes), so that tests can force the
   * paths that write an output through several bindings.
   */
  readonly maxBindingBytes?: number;
  /**
   * Debugging aid for tests: every freshly allocated output is filled with this value (e.g. NaN)
   * before its kernel runs, so an element a kernel forgets to write shows up in the result.
   */
  readonly poison?: number;
  /**
   * Kernel tuning knobs (benchmarks, tests): vec4s written per invocation by assemble / fill,
   * workgroup size, and whether assemble compiles a pipeline per term structure (default: yes on
   * hardware adapters, no on software ones, whose shader compiles take seconds).
   */
  /** Benchmarks: request 'timestamp-query' (when the adapter has it) so kernel passes can be timed on the GPU. */
  readonly timestamps?: boolean;
  readonly tuning?: { readonly assembleV?: number; readonly fillV?: number; readonly workgroupSize?: number; readonly specialize?: boolean;
    /** Lowers the dispatch grid limit (tests: forces the 2-D grids and batch splitting of large dispatches). */
    readonly maxWorkgroupsPerDimension?: number;
    /**
     * Packed assemble factors up to this many bytes travel in the upload arena with the dispatch
     * parameters (one writeBuffer per submit); larger ones get a pooled buffer of their own
     * (default 4 MiB; tests lower it to exercise that path).
     */
    readonly maxStagedBytes?: number;
    /** Dispatches recorded before the pending command buffer is submitted unasked (default 2048; tests lower it). */
    readonly flushEvery?: number;
  };
}

export interface AcquiredDevice {
  /**
   * The GPU object (in Node: Dawn's instance). Whoever holds the device must keep this alive:
   * if Dawn's instance is garbage-collected, its pending promises never settle (and SwiftShader
   * may abort the process).
   */
  readonly gpu: GPU;
  readonly adapter: GPUAdapter;
  readonly device: GPUDevice;
  /** `vendor / architecture / device` (empty parts omitted). */
  readonly description: string;
  readonly featureLevel: 'core' | 'compatibility';
  /** A software rasteriser (SwiftShader, llvmpipe, WARP…): correct, and far slower than the CPU path. */
  readonly software: boolean;
}

/**
 * Whether an adapter is a software implementation: `info.isFallbackAdapter`, or a vendor /
 * architecture / device / description naming one (Dawn reports `google / swiftshader`, Mesa
 * `llvmpipe`).
 */
export function isSoftwareAdapter(info: Partial<GPUAdapterInfo> & { readonly isFallbackAdapter?: boolean } | undefined): boolean {
  if (!info) return false;
  if (info.isFallbackAdapter === true) return true;
  return namesSoftwareRenderer([info.vendor, info.architecture, info.device, info.description].filter((s) => typeof s === 'string').join(' '));
}

/** Kept in a variable so that bundlers (Vite, esbuild, webpack) do not resolve it. */
const NODE_WEBGPU_SPECIFIER = 'webgpu';

interface NodeWebGpuModule {
  create(flags: string[]): GPU;
  globals: object;
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

async function findGpu(opts: WebGpuOptions): Promise<GPU> {
  if (opts.gpu) return opts.gpu;
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (!isNode()) throw new BackendUnavailableError('webgpu', 'this environment has no navigator.gpu (WebGPU is not supported or not enabled)');
  let mod: NodeWebGpuModule;
  try {
    mod = (await import(/* @vite-ignore */ NODE_WEBGPU_SPECIFIER)) as NodeWebGpuModule;
  } catch (e) {
    throw new BackendUnavailableError('webgpu', `the 'webgpu' package (Dawn for Node) could not be loaded: ${(e as Error).message}`);
  }
  const g = globalThis as Record<string, unknown>;
  if (typeof g.GPUBufferUsage === 'undefined') Object.assign(globalThis, mod.globals);
  try {
    return mod.create([...(opts.nodeFlags ?? [])]);
  } catch (e) {
    throw new BackendUnavailableError('webgpu', `Dawn could not start: ${(e as Error).message}`);
  }
}

/** The adapter limits the kernels want raised above the WebGPU defaults (never above the adapter's). */
const RAISED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
  'maxUniformBufferBindingSize',
] as const;

export async function acquireDevice(opts: WebGpuOptions = {}): Promise<AcquiredDevice> {
  const gpu = await findGpu(opts);
  const featureLevel = opts.featureLevel ?? 'core';
  let adapter: GPUAdapter | null;
  try {
    const req: GPURequestAdapterOptions = { featureLevel };
    if (opts.powerPreference) req.powerPreference = opts.powerPreference;
    adapter = await gpu.requestAdapter(req);
  } catch (e) {
    throw new BackendUnavailableError('webgpu', `requestAdapter failed: ${(e as Error).message}`);
  }
  if (!adapter) {
    const hint = isNode()
      ? ' (in Node without a GPU, install a software driver: VK_DRIVER_FILES=/usr/lib/chromium/vk_swiftshader_icd.json for SwiftShader, or EGL_PLATFORM=surfaceless with nodeFlags [\'backend=opengles\'] and featureLevel \'compatibility\')'
      : '';
    throw new BackendUnavailableError('webgpu', `no WebGPU adapter${featureLevel === 'compatibility' ? ' (compatibility mode)' : ''} is available${hint}`);
  }
  const requiredLimits: Record<string, number> = {};
  const al = adapter.limits as unknown as Record<string, number>;
  for (const k of RAISED_LIMITS) {
    const v = al[k];
    if (typeof v === 'number') requiredLimits[k] = v;
  }
  if ((requiredLimits.maxComputeInvocationsPerWorkgroup ?? 0) < 256) {
    throw new BackendUnavailableError('webgpu', `the adapter allows only ${requiredLimits.maxComputeInvocationsPerWorkgroup} invocations per workgroup (matjac's kernels need 256)`);
  }
  let device: GPUDevice;
  try {
    const requiredFeatures: GPUFeatureName[] = [];
    if (opts.timestamps && adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
    device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  } catch (e) {
    throw new BackendUnavailableError('webgpu', `requestDevice failed: ${(e as Error).message}`);
  }
  const info = adapter.info as GPUAdapterInfo | undefined;
  const description = info ? [info.vendor, info.architecture, info.device].filter((s) => s && s.length > 0).join(' / ') || info.description || 'unknown adapter' : 'unknown adapter';
  return {
    gpu,
    adapter,
    device,
    description,
    featureLevel: (adapter as { featureLevel?: string }).featureLevel === 'compatibility' ? 'compatibility' : featureLevel,
    // (older browsers flag a fallback adapter on the adapter itself, not in its info)
    software: (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter === true || isSoftwareAdapter(info as (GPUAdapterInfo & { isFallbackAdapter?: boolean }) | undefined),
  };
}
