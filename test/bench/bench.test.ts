/**
 * The bench's command line and its derived figures (ratios to the floor, speed-ups, SVG charts),
 * on synthetic rows: no timing here (performance lives in bench/, never in tests).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { charts, floorRatios, lineChart, peers, speedups } from '../../bench/charts.js';
import { benchProgram } from '../../bench/run.js';
import { BATCH_MS, loopTimes, type BenchRow } from '../../bench/rows.js';
import { floorCall } from '../../bench/floor.js';

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

  it('a row timed with its own floor (floorMs) is taken over that floor, not the floor row of its n', () => {
    const own: BenchRow[] = [...rows, { lib: 'matjac(cpu)', map: 'X*X\'', mode: 'structured/new', output: 'new', n: 32, ms: 3, floorMs: 2 }];
    const fr = floorRatios(own);
    expect(fr.map((r) => [r.map, r.output, r.refMs, r.value])).toEqual([
      ['A*X*B', 'new', 4, 5 / 4],
      ['A*X*B', 'reused', 0.5, 0.6 / 0.5],
      ["X*X'", 'new', 2, 3 / 2],
    ]);
  });

  it('loopTimes: batches take turns, each runs at least BATCH_MS, every call counted (no timing asserted)', async () => {
    const order: string[] = [];
    const a = (): void => void order.push('a');
    const b = async (): Promise<void> => {
      order.push('b');
      await new Promise((r) => setTimeout(r, 1));
    };
    const [ta, tb] = await loopTimes([a, b], 2);
    // runs of a, then of b, then of a, then of b
    const runs = order.join('').match(/a+|b+/g)!;
    expect(runs.map((r) => r[0])).toEqual(['a', 'b', 'a', 'b']);
    expect(ta!.calls).toBe(order.filter((x) => x === 'a').length);
    expect(tb!.calls).toBe(order.filter((x) => x === 'b').length);
    // a batch of b lasts at least BATCH_MS, at ≥ 1 ms a call: at most BATCH_MS + 1 calls, at least 2
    expect(runs[1]!.length).toBeLessThanOrEqual(BATCH_MS + 1);
    expect(tb!.calls).toBeGreaterThanOrEqual(2);
    for (const t of [ta!, tb!]) for (const v of [t.ms, t.callMs, t.cpuMs, t.faults]) expect(Number.isFinite(v) && v >= 0).toBe(true);
    // the first-touch floor hands back a new buffer each call, the fill floor writes one; both
    // write a non-zero value (r + 1 for call r: never the memset of a fill with 0)
    const ft = floorCall('first-touch', 8);
    const x = ft(3) as Float64Array;
    expect(x).not.toBe(ft(3));
    expect([...x]).toEqual(new Array(8).fill(4));
    expect([...(ft(0) as Float64Array)]).toEqual(new Array(8).fill(1));
    expect(floorCall('fill', 8)(1)).toBeUndefined();
    // the fill floor of a reused output writes that output's own buffer (its first len entries)
    const own = new Float64Array(10);
    floorCall('fill', 8, own)(6);
    expect([...own]).toEqual([...new Array(8).fill(7), 0, 0]);
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
    expect(svg).toContain('A*X*B (array)');
    const tricky = lineChart({ title: "X*X' <&>", subtitle: '', yLabel: 'y', xs: [1], series: [{ name: 'a<b', color: '#000', dash: null, points: [[1, 3]] }], refs: [] });
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
