/**
 * WebGPU backends on the software adapters installed here and in CI (DESIGN.md §5):
 * Dawn + SwiftShader (Vulkan, core features) and Dawn + Mesa llvmpipe (OpenGL ES, compatibility).
 * No skipping: when the adapter cannot be created the calling test fails with the reason.
 */
import { createWebGpuBackend, type WebGpuBackend, type WebGpuOptions } from '../../src/backend/webgpu/index.js';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Dawn on Vulkan + SwiftShader (core). Extra options (e.g. maxBindingBytes, poison) create a fresh backend. */
export async function getSwiftShaderBackend(opts: Omit<WebGpuOptions, 'nodeFlags' | 'featureLevel'> = {}): Promise<WebGpuBackend> {
  process.env.VK_DRIVER_FILES ??= SWIFTSHADER_ICD;
  return createWebGpuBackend({ ...opts, nodeFlags: [] });
}

/** Dawn on OpenGL ES + llvmpipe (compatibility mode). */
export async function getLlvmpipeBackend(opts: Omit<WebGpuOptions, 'nodeFlags' | 'featureLevel'> = {}): Promise<WebGpuBackend> {
  process.env.EGL_PLATFORM ??= 'surfaceless';
  return createWebGpuBackend({ ...opts, nodeFlags: ['backend=opengles'], featureLevel: 'compatibility' });
}

export type AdapterName = 'swiftshader' | 'llvmpipe';

export function getBackend(which: AdapterName, opts: Omit<WebGpuOptions, 'nodeFlags' | 'featureLevel'> = {}): Promise<WebGpuBackend> {
  return which === 'swiftshader' ? getSwiftShaderBackend(opts) : getLlvmpipeBackend(opts);
}

/** ‖a − b‖_F / max(‖b‖_F, tiny), NaN-propagating (a NaN anywhere gives NaN, which fails ≤ checks). */
export function relFrobenius(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let k = 0; k < a.length; k++) {
    const d = a[k]! - b[k]!;
    num += d * d;
    den += b[k]! * b[k]!;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}
