/**
 * The backend contract on gpu.js in Node: its WebAssembly mode (the default here), its plain
 * JavaScript mode, and WebAssembly with tiny limits (every op cut into many launches; one output
 * column may hold at most 300 entries there, so its larger map is 17×17).
 */
import { createGpuJsBackend, type GpuJsBackend } from '../../src/backend/gpujs/index.js';
import { backendContract } from './contract.js';

const variants = [
  { label: 'gpujs (webasm)', make: () => createGpuJsBackend() },
  { label: 'gpujs (cpu mode)', make: () => createGpuJsBackend({ mode: 'cpu' }) },
  { label: 'gpujs (webasm, tiled launches)', make: () => createGpuJsBackend({ mode: 'webasm', limits: { maxTextureSize: 24, maxOutputElements: 300 } }), maxDim: 33, bigMap: 17 },
];
for (const v of variants) backendContract({ ...v, precision: 'f32', destroy: (b) => (b as GpuJsBackend).destroy() });
