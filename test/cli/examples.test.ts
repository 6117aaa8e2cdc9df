/**
 * The array-job examples in examples/ run as written, at a small size: the GNU parallel script
 * with four workers, the Slurm batch script as each array task would run it, and the Kubernetes
 * Indexed Job's container command once per index, four pods at a time. Each leaves a file
 * bit-identical to the single-process `--out` of the same Jacobian.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');
const MATJAC = `${process.execPath} ${CLI}`;
const run = promisify(execFile);

let dir: string;
const f = (name: string): string => path.join(dir, name);
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'matjac-examples-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The single-process file for A*X*B with X, A, B = rand(n,n) (the examples' inputs). */
function reference(n: number, name: string): Buffer {
  execFileSync(process.execPath, [CLI, 'jacobian', 'A*X*B', '--wrt', 'X', '--at', `X=rand(${n},${n}), A=rand(${n},${n}), B=rand(${n},${n})`, '--backend', 'cpu', '--out', f(name)]);
  return readFileSync(f(name));
}

describe('examples/', () => {
  it('parallel.sh: four GNU parallel workers, one shared file', () => {
    const ref = reference(7, 'ref7.npy');
    const out = execFileSync('bash', [path.join(ROOT, 'examples', 'parallel.sh'), f('par.npy')], { env: { ...process.env, WORKERS: '4', N: '7', MATJAC }, encoding: 'utf8' });
    expect(out).toContain('wrote');
    expect(readFileSync(f('par.npy')).equals(ref)).toBe(true);
  });

  it('slurm-jacobian.sbatch: each array task (here run in reverse order) writes its tile', () => {
    const ref = reference(6, 'ref6.npy');
    const script = path.join(ROOT, 'examples', 'slurm-jacobian.sbatch');
    expect(readFileSync(script, 'utf8')).toMatch(/#SBATCH --array=0-\d+/);
    for (const k of [3, 2, 1, 0]) {
      execFileSync('bash', [script], { env: { ...process.env, SLURM_ARRAY_TASK_ID: String(k), SLURM_ARRAY_TASK_COUNT: '4', N: '6', OUT: f('slurm.npy'), MATJAC } });
    }
    expect(readFileSync(f('slurm.npy')).equals(ref)).toBe(true);
  });

  it("k8s-jacobian-job.yaml: the container's command once per completion index, four pods at a time", async () => {
    const yaml = readFileSync(path.join(ROOT, 'examples', 'k8s-jacobian-job.yaml'), 'utf8');
    expect(yaml).toMatch(/completionMode: Indexed/);
    const completions = Number(/completions: (\d+)/.exec(yaml)![1]);
    const block = /args:\n((?: {12}- .*\n)+)/.exec(yaml)![1]!;
    const args = [...block.matchAll(/^ {12}- (.*)$/gm)].map((m) => m[1]!.replace(/^"(.*)"$/, '$1'));
    expect(args[args.indexOf('--tiles') + 1]).toBe(String(completions));
    // the same command at n = 5, writing to a local file instead of the volume
    const small = args.map((a) => a.replaceAll('160', '5').replace('/data/J.npy', f('k8s.npy')));
    const ref = reference(5, 'ref5.npy');
    const order = Array.from({ length: completions }, (_, k) => (k * 7) % completions);
    for (let k = 0; k < order.length; k += 4) {
      await Promise.all(order.slice(k, k + 4).map((index) => run(process.execPath, [CLI, ...small], { env: { ...process.env, JOB_COMPLETION_INDEX: String(index) } })));
    }
    expect(readFileSync(f('k8s.npy')).equals(ref)).toBe(true);
  });
});
