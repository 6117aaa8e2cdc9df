/**
 * The op records (src/ops): the table covers every op of the typed IR (a missing rule is a
 * compile error, checked here with @ts-expect-error, which itself fails the type check if the
 * line ever compiles), and each record is what expr/, diff/ and plan/ use.
 */
import { describe, expect, it } from 'vitest';
import { check } from '../../src/expr/check.js';
import { parse } from '../../src/expr/parse.js';
import { FN_NAMES, FUNCTIONS } from '../../src/ops/functions.js';
import { OPS, UNARY, UNARY_FNS, type OpTable } from '../../src/ops/index.js';
import { domainNodes } from '../../src/plan/plan.js';

describe('op records', () => {
  it('a table without a record for some op does not type-check', () => {
    const { softmax: _dropped, ...rest } = OPS;
    // @ts-expect-error: 'softmax' is missing, so this is not an OpTable
    const partial: OpTable = rest;
    expect(Object.keys(partial)).not.toContain('softmax');
  });

  it('a record without a forward rule does not type-check', () => {
    // @ts-expect-error: 'jvp' is missing
    const broken: OpTable = { ...OPS, tr: { ...OPS.tr, jvp: undefined } };
    expect(broken.tr.jvp).toBeUndefined();
  });

  it('every elementwise function of the table is a grammar function of arity 1', () => {
    for (const f of UNARY_FNS) {
      expect(FN_NAMES).toContain(f);
      expect(FUNCTIONS[f].arity).toEqual([1, 1]);
    }
    expect(UNARY_FNS).toEqual(Object.keys(UNARY));
  });

  it('the domain checks come from the records: restricted entries of the unary table, inv, logdet, ./', () => {
    const f = check(parse('log(X) + sqrt(X) + exp(X) + inv(X) + X ./ X + X.^2 + X.^0.5 + logdet(X)*X'), { X: [2, 2] });
    const labels = domainNodes(f).map((n) => (n.op === 'fn' ? n.fn : n.op)).sort();
    expect(labels).toEqual(['div', 'inv', 'log', 'logdet', 'pow', 'sqrt']);
  });
});
