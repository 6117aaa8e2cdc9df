/**
 * The bench's command line and its derived figures (ratios to the floor, speed-ups, SVG charts),
 * on synthetic rows: no timing here (performance lives in bench/, never in tests).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { charts, floorRatios, lineChart, peers, speedups } from '../../bench/charts.js';
import { benchProgram } from '../../bench/run.js';
import type { BenchRow } from '../../bench/rows.js';

const rows: BenchRow[] = [
  { lib: 'floor', map: '*', mode: 'fill', n: 32, ms: 0.5 },
  { lib: 'floor', map: '*', mode: 'first-touch', n: 32, ms: 4 },
  { lib: 'matjac(cpu)', map: 'A*X*B', mode: 'structured/new', output: 'new', n: 32, ms: 5 },
  { lib: 'matjac(cpu)', map: 'A*X*B', mode: 'structured/reused', output: 'reused', n: 32, ms: 0.6 },
  { lib: 'pytorch(cpu)', map: 'A*X*B', mode: 'autograd-vec', n: 32, ms: 120 },
  { lib: 'pytorch(cpu)', map: 'A*X*B', mode: 'func.jacrev', n: 32, ms: 100 },
  { lib: 'pytorch(cpu)', map: 'A*X*B', mode: 'autograd-vec', n: 64, error: 'skipped' },
  { lib: 'jax-js(wasm)', map: 'A*X*B', mode: 'jacrev', n: 32, ms: 60 },
];

describe('bench figures', () => {
  it('ratios to the floor of the same n: new vs first-touch, reused vs fill', () => {
    const fr = floorRatios(rows);
    expect(fr.map((r) => [r.output, r.value])).toEqual([
      ['new', 5 / 4],
      ['reused', 0.6 / 0.5],
    ]);
  });

  it("speed-ups over a peer's best mode; errors and floors are not peers", () => {
    expect(peers(rows)).toEqual(['pytorch(cpu)', 'jax-js(wasm)']);
    const sp = speedups(rows, 'pytorch(cpu)');
    expect(sp.map((r) => [r.output, r.value])).toEqual([
      ['new', 100 / 5],
      ['reused', 100 / 0.6],
    ]);
  });

  it('charts: one per kind, valid-looking SVG, names escaped, reference lines drawn', () => {
    const files = charts(rows, '2026-11-29');
    expect([...files.keys()].sort()).toEqual(['floor-ratio.svg', 'speedup-jax-js-wasm.svg', 'speedup-pytorch-cpu.svg']);
    const svg = files.get('speedup-pytorch-cpu.svg')!;
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('target 10×');
    expect(svg).toContain('A*X*B (reused)');
    const tricky = lineChart({ title: "X*X' <&>", subtitle: '', yLabel: 'y', xs: [1], series: [{ name: 'a<b', color: '#000', dashed: false, points: [[1, 3]] }], refs: [] });
    expect(tricky).toContain('X*X&#39; &lt;&amp;&gt;');
    expect(tricky).toContain('a&lt;b');
    expect(tricky).not.toContain('a<b');
  });
});

describe('bench command line', () => {
  it('parses lists and numbers, rejects unknown values with a message', () => {
    const p = benchProgram().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    p.parse(['--backends', 'cpu', '--sizes', '16,32', '--reps', '3', '--outputs', 'new'], { from: 'user' });
    expect(p.opts()).toMatchObject({ backends: ['cpu'], sizes: [16, 32], reps: 3, outputs: ['new'], floor: true });
    const bad = (args: string[]): string => {
      try {
        benchProgram().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} }).parse(args, { from: 'user' });
        return 'accepted';
      } catch (e) {
        return String((e as Error).message);
      }
    };
    expect(bad(['--reps', '0'])).toMatch(/positive integer/);
    expect(bad(['--sizes', '16,x'])).toMatch(/sizes/);
    expect(bad(['--backends', 'tpu'])).toMatch(/unknown tpu/);
    expect(bad(['--bogus'])).toMatch(/unknown option/);
  });

  it('`node dist/bench/run.js --help` prints the options and exits 0 (built package)', () => {
    if (!existsSync('dist/bench/run.js')) throw new Error('build first: npm test builds before running vitest');
    const out = execFileSync(process.execPath, ['dist/bench/run.js', '--help'], { encoding: 'utf8' });
    expect(out).toMatch(/Usage: run\.js/);
    for (const flag of ['--backends', '--sizes', '--outputs', '--peers', '--results', '--factors']) expect(out).toContain(flag);
  });
});
