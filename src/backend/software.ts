/**
 * Software rasterisers: correct, and far slower than the float64 CPU path (SwiftShader runs
 * `A*X*B` at n = 60 some twenty times slower), so `auto` passes them over (DESIGN.md §4).
 * Recognised by name in a WebGPU adapter's info (Dawn reports `google / swiftshader`, Mesa
 * `llvmpipe`) or a WebGL renderer string (`ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device …))`).
 */
const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render|\bwarp\b/i;

/** Whether a device description (adapter vendor/architecture/device, WebGL renderer) names a software rasteriser. */
export function namesSoftwareRenderer(text: string | undefined): boolean {
  return typeof text === 'string' && SOFTWARE_NAMES.test(text);
}
