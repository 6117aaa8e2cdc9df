export { createGpuJsBackend } from './create.js';
export { GpuJsBackend, GpuJsTensor } from './backend.js';
export type { GpuJsBackendOptions, GpuJsConstructor, GpuJsMode } from './create.js';
export type { GpuJsInstance, GpuJsKernel } from './backend.js';
export { planGrid, launchFits, outputTextureSize, type GridLimits, type Launch } from './grid.js';
