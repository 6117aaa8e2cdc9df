/**
 * The Node entry of matjac (package.json `exports` condition "node"): everything of the
 * browser-safe entry (./index.ts) plus the file functions, which import node:fs. Bundlers for
 * the browser resolve `matjac` to ./index.ts and never see this module.
 */
export * from './index.js';
export { saveNpy, loadNpy, readNpyHeader, mergeNpy, NpyColumnFile, type NpyColumnFileOptions } from './io/file.js';
export { saveJacobianNpy, type SaveJacobianOptions, type SavedJacobian } from './io/save.js';
