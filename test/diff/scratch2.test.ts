import { test } from 'vitest';
import { Mat, jacobian, hessian, grad, relError } from '../../src/index.js';
test('s', async () => {
  const x = Mat.scalar(0.7), a = Mat.random(1, 3, { seed: 2 }), b = Mat.random(3, 1, { seed: 3 });
  for (const e of ['kron(a, exp(x)) * (b*x)', 'kron(a, x) * (b*x)', '(a*x) * (b*x)', '(x*a) * (b*x)', 'a * (b*x)', '(a*x)*b', 'kron(a, x)*b', 'kron(x, a)*b', '(x*a)*(x*b)', 'a*x*b*x', "(b'*x)*(b*x)", '(x*a)*(x*b)*x']) {
    const at = { x, a, b };
    try {
      const g = await grad(e, { at, wrt: 'x', backend: 'cpu' });
      const H = await hessian(e, { at, wrt: 'x', backend: 'cpu' });
      const Hf = await hessian(e, { at, wrt: 'x', backend: 'cpu', method: 'fd' });
      console.log(e, g.data[0], H.data[0], Hf.data[0]);
    } catch (err) { console.log(e, 'THROWS', (err as Error).message, (err as Error).stack?.split('\n').slice(1, 6).join('\n')); }
  }
});
