/**
 * The Web Worker that runs the demo's Hessian eigen-analysis (demo/eig-analysis.ts) off the
 * page's main thread. Protocol (structured clone):
 *   page → worker  { id, request: EigRequest }
 *   worker → page  { id, type: 'progress', progress } …, then { id, type: 'result', result }
 *                  or { id, type: 'error', error: { code, message } }.
 * Cancelling is `worker.terminate()` on the page side: no cooperation needed from the solver.
 */
import { MatjacError } from '../src/errors.js';
import { analyse, type EigAnalysis, type EigProgress, type EigRequest } from './eig-analysis.js';

export interface WorkerError {
  /** The MatjacError code, or E_INTERNAL for anything else (a bug). */
  readonly code: string;
  readonly message: string;
}

export type WorkerMessage =
  | { readonly id: number; readonly type: 'progress'; readonly progress: EigProgress }
  | { readonly id: number; readonly type: 'result'; readonly result: EigAnalysis }
  | { readonly id: number; readonly type: 'error'; readonly error: WorkerError };

/** Code and message only: class names do not survive minification. */
export function toWorkerError(e: unknown): WorkerError {
  if (e instanceof MatjacError) return { code: e.code, message: e.message };
  return { code: 'E_INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

interface WorkerScope {
  onmessage: ((ev: MessageEvent<{ id: number; request: EigRequest }>) => void) | null;
  postMessage(message: WorkerMessage, transfer?: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;

scope.onmessage = (ev) => {
  const { id, request } = ev.data;
  analyse(request, (progress) => scope.postMessage({ id, type: 'progress', progress })).then(
    (result) => {
      const buffers = [result.values, result.indices, result.density.grid, result.density.density, ...result.bottom.map((d) => d.data), ...result.top.map((d) => d.data)].map((a) => a.buffer);
      scope.postMessage({ id, type: 'result', result }, buffers);
    },
    (e: unknown) => scope.postMessage({ id, type: 'error', error: toWorkerError(e) }),
  );
};
