/** The node constructors of the derivative engine live with the op records (src/ops/nodes.ts). */
export * from '../ops/nodes.js';
