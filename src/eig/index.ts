/** Symmetric eigen-analysis (DESIGN.md §1, §2): dense float64 solvers and matrix-free Lanczos over hvp. */
export { eigh, eigvalsh, eigResidual, type Eigh } from './dense.js';
export { hessianEigs, type HessianEigs, type HessianEigsOptions } from './hessian-eigs.js';
export type { LanczosProgress, Which } from './lanczos.js';
export { criticalPoint, type CriticalPoint, type CriticalPointOptions, type Inertia, type PointKind } from './critical.js';
export { spectralDensity, type SpectralDensity, type SpectralDensityOptions } from './spectral-density.js';
export { analyzeHessian, type EigenPair, type HessianAnalysis, type HessianAnalysisOptions, type HessianAnalysisProgress } from './analyze.js';
