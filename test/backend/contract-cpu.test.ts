/** The backend contract on the CPU backend (float64), with NaN-poisoned recycled buffers. */
import { CpuBackend } from '../../src/backend/cpu/index.js';
import { backendContract } from './contract.js';

backendContract({ label: 'cpu', precision: 'f64', maxDim: 129, make: async () => new CpuBackend({ poison: true }) });
