/** a ∘ b per slice (∘ = + − ⊙ ⊘, batch and 1×1 broadcasts) and α·a (shaders/elementwise.wgsl). */
import type { Tensor } from '../../backend.js';
import { elementwiseShape } from '../../checks.js';
import { inputRange, planChunks, type InputSpec } from '../chunks.js';
import { u32s, type GpuQueue } from '../queue.js';
import type { WebGpuTensor } from '../tensor.js';

export function elementwise(q: GpuQueue, op: 'add' | 'sub' | 'mul' | 'div', a: Tensor, b: Tensor): WebGpuTensor {
  const A = q.own(a, op);
  const B = q.own(b, op);
  const { batch, rows, cols } = elementwiseShape(op, A, B);
  const code = ({ add: 0, sub: 1, mul: 2, div: 3 } as const)[op];
  const out = q.newTensor(batch, rows, cols);
  binary(q, code, 0, out, A, B);
  return out;
}

export function scale(q: GpuQueue, a: Tensor, alpha: number): WebGpuTensor {
  const A = q.own(a, 'scale');
  const out = q.newTensor(A.batch, A.rows, A.cols);
  binary(q, 4, alpha, out, A, A);
  return out;
}

function binary(q: GpuQueue, op: number, alpha: number, out: WebGpuTensor, A: WebGpuTensor, B: WebGpuTensor): void {
  const len = out.sliceLen;
  const operand = (T: WebGpuTensor, what: string): { spec: InputSpec; SS: number; ES: number } => {
    const scalar = T.sliceLen === 1 && len !== 1;
    const SS = T.batch === 1 && out.batch > 1 ? 0 : T.sliceLen;
    const ES = scalar ? 0 : 1;
    let kind: InputSpec['kind'] = 'slices';
    if (SS === 0) kind = 'whole';
    else if (!scalar) kind = 'same';
    return { spec: q.spec(T, kind, what), SS, ES };
  };
  const oa = operand(A, 'an elementwise operand');
  const ob = operand(B, 'an elementwise operand');
  const f = new Float32Array([alpha]);
  const alphaBits = new Uint32Array(f.buffer)[0]!;
  for (const r of planChunks(out.length, len, [oa.spec, ob.spec], q.maxWindowElems)) {
    const o = q.window(out, r.e0, r.e1);
    const ra = inputRange(oa.spec, r, len);
    const rb = inputRange(ob.spec, r, len);
    const aw = q.window(A, ra.e0, ra.e1);
    const bw = q.window(B, rb.e0, rb.e1);
    const params = u32s([r.e1 - r.e0, r.e0, o.base, len, oa.SS, oa.ES, aw.base, ob.SS, ob.ES, bw.base, alphaBits, 0]);
    q.linear('elementwise', { OP: op }, params, [aw.resource, bw.resource, o.resource], r.e1 - r.e0);
  }
}
