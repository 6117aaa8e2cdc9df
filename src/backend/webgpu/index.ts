export { createWebGpuBackend, WebGpuBackend } from './backend.js';
