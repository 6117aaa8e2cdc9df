import { test } from 'vitest';
import { Mat, jacobian, relError } from '../../src/index.js';
test('s', async () => {
  const x = Mat.scalar(0.7), b = Mat.random(3, 1, { seed: 3 }), c = Mat.random(3, 1, { seed: 4 }), B = Mat.random(2, 3, { seed: 5 }), y = Mat.random(2,1,{seed:6});
  for (const [e, wrt] of [["vec((b*x)')'*c", 'x'], ["vec(x*b')'*c", 'x'], ["vec(x*b')", 'x'], ["vec(x*B)", 'x'], ["vec(x*B)'*[c;c]", 'x'], ["vec(sum(y)*B)", 'y'], ["vec(y'*y*B)", 'y'], ["vec(x*B)'", 'x']] as const) {
    const at = { x, b, c, B, y };
    for (const method of ['structured', 'auto'] as const) {
      try { const J = await jacobian(e, { at, wrt, backend: 'cpu', method }); console.log(e, method, relError(J, await jacobian(e, { at, wrt, backend: 'cpu', method: 'forward' }))); }
      catch (err) { console.log(e, method, 'THROWS', (err as Error).message); }
    }
  }
});
