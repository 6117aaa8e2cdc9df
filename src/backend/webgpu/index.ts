/** The WebGPU backend (Dawn in Node, navigator.gpu in browsers). */
export { WebGpuBackend, WebGpuError, WebGpuTensor, createWebGpuBackend, type WebGpuOptions } from './backend.js';
export { sizeClass } from './buffers.js';
export { planChunks, grid2D } from './chunks.js';
