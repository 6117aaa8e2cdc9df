export { createGpuJsBackend } from './create.js';
export { GpuJsBackend, GpuJsTensor } from './backend.js';
