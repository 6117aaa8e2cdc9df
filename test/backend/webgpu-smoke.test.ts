import { test } from 'vitest';
import { getSwiftShaderBackend, relFrobenius } from '../helpers/gpu.js';
import { CpuBackend } from '../../src/backend/cpu.js';
import { Mat } from '../../src/mat/mat.js';
test('smoke', async () => {
const gpu = await getSwiftShaderBackend({ poison: NaN });
console.log(gpu.device, gpu.featureLevel);
const cpu = new CpuBackend();
const A = Mat.random(7, 5, { seed: 1 }), B = Mat.random(7, 5, { seed: 2 });
const r = await gpu.read(gpu.elementwise('add', gpu.upload(A), gpu.upload(B)));
const c = await cpu.read(cpu.elementwise('add', cpu.upload(A), cpu.upload(B)));
console.log('add', relFrobenius(r.data, c.data));
const m = 5, n = 4, p = 3, q = 6;
const KA = Mat.random(p, m, { seed: 3 }), KB = Mat.random(n, q, { seed: 4 });
for (const layout of ['numerator', 'denominator'] as const) {
  const terms = [{ kind: 'kron' as const, alpha: 1.5, A: KA, B: KB, C: null, S: null, transposed: false }];
  const g = await gpu.read(gpu.assemble(terms, { m, n, p, q }, layout));
  const h = await cpu.read(cpu.assemble(terms, { m, n, p, q }, layout));
  console.log('assemble', layout, relFrobenius(g.data, h.data));
}
const X = Mat.random(33, 17, { seed: 5 }), Y = Mat.random(17, 65, { seed: 6 });
const g = await gpu.read(gpu.matmul(gpu.upload(X), gpu.upload(Y)));
const h = await cpu.read(cpu.matmul(cpu.upload(X), cpu.upload(Y)));
console.log('matmul', relFrobenius(g.data, h.data));
gpu.destroy();
});
