export { CpuBackend, CpuTensor, type CpuBackendOptions } from './backend.js';
export { writeAssembly } from './assemble.js';
