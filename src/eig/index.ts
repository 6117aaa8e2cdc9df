/** Symmetric eigen-analysis (DESIGN.md §1, §2): dense float64 solvers and matrix-free Lanczos over hvp. */
export { eigh, eigvalsh, type Eigh } from './dense.js';
