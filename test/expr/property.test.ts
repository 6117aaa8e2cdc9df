import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check, formatNode } from '../../src/expr/check.js';
import { evaluateNode } from '../../src/expr/eval.js';
import { stripPos } from '../../src/expr/build.js';
import { formatAst, parse } from '../../src/expr/parse.js';
import type { Mat } from '../../src/mat/mat.js';
import { arbExpr, genExpr, rebuild } from './arbitrary.js';

const RUNS = Number(process.env.EXPR_PROP_RUNS ?? 300);

function relDiff(a: Mat, b: Mat): number {
  let num = 0;
  let den = 0;
  for (let k = 0; k < a.size; k++) {
    num += (a.data[k]! - b.data[k]!) ** 2;
    den += b.data[k]! ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-300);
}

describe('random well-typed expressions', () => {
  it('the generator is deterministic and covers the grammar', () => {
    expect(genExpr(7)).toEqual(genExpr(7));
    const all = Array.from({ length: 400 }, (_, s) => genExpr(s).text).join(' ');
    for (const tok of ['+', ' - ', '*', '.*', './', '.^', '^', "'", '(1)', '[', ';', 'kron(', 'vec(', 'diag(', 'tr(', 'det(', 'logdet(', 'inv(', 'sum(', 'norm(', 'exp(', 'log(', 'sin(', 'cos(', 'tanh(', 'sigmoid(', 'sqrt(', 'softmax(']) {
      expect(all, tok).toContain(tok);
    }
  });

  it('parse, check and evaluate without throwing; the value is finite and has the checked shape', () => {
    fc.assert(
      fc.property(arbExpr(), ({ text, env, shape }) => {
        const node = check(parse(text), env);
        expect(node.shape).toEqual(shape);
        const v = evaluateNode(node, env);
        expect(v.shape).toEqual(shape);
        expect(Array.from(v.data).every(Number.isFinite)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('formatNode round-trips: text → node → text → node gives the same text and value', () => {
    fc.assert(
      fc.property(arbExpr(), ({ text, env }) => {
        const n1 = check(parse(text), env);
        const t1 = formatNode(n1);
        const n2 = check(parse(t1), env);
        expect(formatNode(n2)).toBe(t1);
        expect(n2.shape).toEqual(n1.shape);
        expect(relDiff(evaluateNode(n2, env), evaluateNode(n1, env))).toBeLessThanOrEqual(1e-12);
      }),
      { numRuns: RUNS },
    );
  });

  it('formatAst round-trips and the builder rebuilds the parser’s Ast exactly', () => {
    fc.assert(
      fc.property(arbExpr(), ({ text }) => {
        const a = stripPos(parse(text));
        expect(stripPos(parse(formatAst(a)))).toEqual(a);
        expect(rebuild(a).ast).toEqual(a);
      }),
      { numRuns: RUNS },
    );
  });

  it('options: fixed shape, depth and excluded productions', () => {
    for (let s = 0; s < 50; s++) {
      const g = genExpr(s, { shape: [1, 1], maxDepth: 2, exclude: ['kron', 'mpow', 'inv'] });
      expect(check(parse(g.text), g.env).shape).toEqual([1, 1]);
      expect(g.text).not.toMatch(/kron|inv|(^|[^.])\^/);
    }
  });
});
