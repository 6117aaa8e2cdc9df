/** CPU float64 reference kernels and the Mat type (DESIGN.md §1 conventions). */
export { Mat, mulberry32, formatMat, type MatData } from './mat.js';
export * from './ops.js';
export * from './matmul.js';
export * from './kron.js';
export * from './lu.js';
export * from './elementwise.js';
export * from './select.js';
export * from './expm.js';
export * from './adj.js';
