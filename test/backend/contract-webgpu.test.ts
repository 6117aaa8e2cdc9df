/**
 * The backend contract on WebGPU: Dawn + SwiftShader (Vulkan, core features) and Dawn + Mesa
 * llvmpipe (OpenGL ES, compatibility mode), every output poisoned with NaN. A missing adapter fails
 * the run (no skipping; test/helpers/gpu.ts says why it could not be created).
 */
import type { WebGpuBackend } from '../../src/backend/webgpu/index.js';
import { getBackend } from '../helpers/gpu.js';
import { backendContract } from './contract.js';

for (const adapter of ['swiftshader', 'llvmpipe'] as const) {
  backendContract({
    label: `webgpu on ${adapter}`,
    precision: 'f32',
    maxDim: 129,
    make: () => getBackend(adapter, { poison: NaN }),
    destroy: (b) => (b as WebGpuBackend).destroy(),
  });
}
