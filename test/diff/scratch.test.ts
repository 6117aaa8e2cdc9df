import { test } from 'vitest';
import { Mat, jacobian, hessian, frobenius, transpose, grad, hvp, matmul } from '../../src/index.js';
import { genExpr } from '../expr/arbitrary.js';
function dn(A: Mat, B: Mat) { let s = 0; for (let k = 0; k < A.size; k++) s += (A.data[k]! - B.data[k]!) ** 2; return Math.sqrt(s); }
test('explore', async () => {
  const cats = new Map<string, string[]>();
  const rec = (k: string, v: string) => { const a = cats.get(k) ?? []; a.push(v); cats.set(k, a); };
  const N = Number(process.env.N ?? 400);
  const scalar = !!process.env.SCALAR;
  for (let s = 0; s < N; s++) {
    const g = genExpr(s * 7 + 3, { maxDim: 4, ...(scalar ? { shape: [1, 1] } : {}) });
    const names = Object.keys(g.env).sort();
    if (!names.length || /^\w+$/.test(g.text)) continue;
    const w = names[s % names.length]!;
    const at = g.env;
    try {
      if (!scalar) {
        const fd = await jacobian(g.text, { wrt: w, at, backend: 'cpu', method: 'fd', layout: 'numerator' });
        for (const method of ['structured', 'forward', 'reverse', 'auto'] as const) {
          let J: Mat;
          try { J = await jacobian(g.text, { wrt: w, at, backend: 'cpu', method, layout: 'numerator' }); }
          catch (e) { rec(`${method} throws ${(e as Error).message.replace(/[0-9]+/g, '#').slice(0, 80)}`, `${g.text} wrt ${w}`); continue; }
          const d = dn(J, fd);
          if (!(d <= 1e-5 * frobenius(fd) + 1e-7)) rec(`${method} mismatch`, `${g.text} wrt ${w} rel ${d / frobenius(fd)}`);
          const D = await jacobian(g.text, { wrt: w, at, backend: 'cpu', method, layout: 'denominator' });
          if (dn(D, transpose(J)) > 1e-12 * frobenius(J)) rec(`${method} layouts`, `${g.text} wrt ${w}`);
        }
      } else {
        let H: Mat;
        try { H = await hessian(g.text, { wrt: w, at, backend: 'cpu' }); } catch (e) { rec(`hess throws ${(e as Error).message.replace(/[0-9]+/g, '#').slice(0, 80)}`, `${g.text} wrt ${w}`); continue; }
        if (dn(H, transpose(H)) > 1e-10 * frobenius(H) + 1e-13) rec('asym', `${g.text} wrt ${w} ${dn(H, transpose(H))} ${frobenius(H)}`);
        const Hfd = await hessian(g.text, { wrt: w, at, backend: 'cpu', method: 'fd' });
        if (dn(H, Hfd) > 1e-5 * frobenius(Hfd) + 1e-7) rec('hess vs fd', `${g.text} wrt ${w} ${dn(H, Hfd)} ${frobenius(Hfd)}`);
        for (const method of ['structured', 'forward', 'reverse'] as const) {
          try { const H2 = await hessian(g.text, { wrt: w, at, backend: 'cpu', method }); if (dn(H2, H) > 1e-7 * frobenius(H) + 1e-12) rec(`hess ${method} mismatch`, `${g.text} wrt ${w}`); }
          catch (e) { rec(`hess ${method} throws ${(e as Error).message.replace(/[0-9]+/g, '#').slice(0, 80)}`, `${g.text} wrt ${w}`); }
        }
      }
    } catch (e) { rec(`other ${(e as Error).message.replace(/[0-9]+/g, '#').slice(0, 80)}`, `${g.text} wrt ${w}`); }
  }
  for (const [k, v] of cats) console.log(`== ${k} (${v.length})\n  ` + v.sort((a, b) => a.length - b.length).slice(0, 3).join('\n  '));
});
