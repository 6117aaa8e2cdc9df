/**
 * The CLI's files (the built `matjac`, dist/src/cli/main.js; `npm test` builds first): `--out`,
 * `@file.npy` inputs, streaming past `--max-bytes`, `--tiles N --tile K` from flags and from
 * the job engines' variables, `matjac merge`, four GNU parallel workers (Debian `parallel`)
 * leaving a file bit-identical to the single-process one, `--version`, and the typed errors.
 * Inputs are written here as .npy files, so the CLI and the library in this process see
 * exactly the same matrices.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Mat, evaluate, grad, hessian, jacobian, loadNpy, saveNpy } from '../../src/node.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');
const PARALLEL = '/usr/bin/parallel';
if (!existsSync(PARALLEL)) throw new Error('the GNU parallel test needs Debian\'s parallel (apt-get install -y parallel; scripts/system-deps.sh installs it)');

let dir: string;
const f = (name: string): string => path.join(dir, name);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}
function cli(args: readonly string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
function ok(args: readonly string[], env: Record<string, string> = {}): string {
  const r = cli(args, env);
  expect(r.stderr, `matjac ${args.join(' ')}`).toBe('');
  expect(r.status, `matjac ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}
function fails(args: readonly string[], code: string, env: Record<string, string> = {}): string {
  const r = cli(args, env);
  expect(r.status, `matjac ${args.join(' ')} should fail`).toBe(1);
  expect(r.stderr).toContain(`matjac: ${code}:`);
  expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  return r.stderr;
}
const bytesOf = (name: string): Buffer => readFileSync(f(name));
const bits = (M: Mat): Buffer => Buffer.from(M.data.buffer, M.data.byteOffset, M.data.byteLength);

const A = Mat.random(5, 6, { seed: 21 });
const X = Mat.random(6, 4, { seed: 22 });
const B = Mat.random(4, 3, { seed: 23 });
const S = Mat.random(4, 4, { seed: 24 });
for (let i = 0; i < 4; i++) S.data[i * 5]! += 4;
const AT = 'A=@A.npy, X=@X.npy, B=@B.npy';
const BASE = ['jacobian', 'A*X*B', '--wrt', 'X', '--at', AT, '--backend', 'cpu'];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'matjac-cli-io-'));
  await saveNpy(f('A.npy'), A);
  await saveNpy(f('X.npy'), X);
  await saveNpy(f('B.npy'), B);
  await saveNpy(f('S.npy'), S);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('matjac --out and @file.npy', () => {
  it('--version prints package.json', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(ok(['--version']).trim()).toBe(pkg.version);
  });

  it('jacobian, grad, hessian and eval write what the library computes, bit for bit', async () => {
    const at = { A, X, B };
    expect(ok([...BASE, '--out', 'J.npy'])).toMatch(/wrote J\.npy: 24×15 float64/);
    expect(bits(await loadNpy(f('J.npy'))).equals(bits(await jacobian('A*X*B', { wrt: 'X', at, backend: 'cpu' })))).toBe(true);
    ok([...BASE, '--layout', 'numerator', '--out', 'Jn.npy']);
    expect(bits(await loadNpy(f('Jn.npy'))).equals(bits(await jacobian('A*X*B', { wrt: 'X', at, backend: 'cpu', layout: 'numerator' })))).toBe(true);
    const fS = "logdet(X) + tr(X'*X)";
    ok(['grad', fS, '--at', 'X=@S.npy', '--backend', 'cpu', '--out', 'g.npy']);
    expect(bits(await loadNpy(f('g.npy'))).equals(bits(await grad(fS, { at: { X: S }, backend: 'cpu' })))).toBe(true);
    ok(['hessian', fS, '--at', 'X=@S.npy', '--backend', 'cpu', '--out', 'H.npy']);
    expect(bits(await loadNpy(f('H.npy'))).equals(bits(await hessian(fS, { at: { X: S }, backend: 'cpu' })))).toBe(true);
    ok(['eval', 'A*X*B', '--at', AT, '--out', 'F.npy']);
    expect(bits(await loadNpy(f('F.npy'))).equals(bits(await evaluate('A*X*B', { at })))).toBe(true);
    ok([...BASE, '--out', 'J32.npy', '--max-bytes', '256', '--dtype', 'float32']);
    const J32 = await loadNpy(f('J32.npy'));
    expect(J32.data).toBeInstanceOf(Float32Array);
    expect([...J32.data]).toEqual([...Float32Array.from((await loadNpy(f('J.npy'))).data)]);
    const json = JSON.parse(ok([...BASE, '--out', 'J.npy', '--json'])) as Record<string, unknown>;
    expect(json).toMatchObject({ out: 'J.npy', rows: 24, cols: 15, dtype: 'float64', backend: 'cpu' });
  });

  it('eig --out writes the eigenvalues it computed: those of the Hessian A + Aᵀ of x\'Ax, 5 ∓ √5', async () => {
    ok(['eig', "x'*A*x", '--wrt', 'x', '--at', 'x=[1;2], A=[2 1;1 3]', '--backend', 'cpu', '--out', 'w.npy']);
    const w = await loadNpy(f('w.npy'));
    expect([w.rows, w.cols]).toEqual([2, 1]);
    expect(Math.abs(w.data[0]! - (5 - Math.sqrt(5)))).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(w.data[1]! - (5 + Math.sqrt(5)))).toBeLessThanOrEqual(1e-12);
  });

  it('@file inputs mix with generators and constants; float32 files are read as their values', async () => {
    await saveNpy(f('x32.npy'), new Mat(2, 1, Float32Array.of(0.1, 3)));
    const out = ok(['eval', "x' * [1 0; 0 2] * x + c", '--at', 'x=@x32.npy, c=1', '--json']);
    expect((JSON.parse(out) as { data: number[][] }).data[0]![0]).toBe(Math.fround(0.1) ** 2 + 2 * 9 + 1);
  });

  it('bad inputs: missing or malformed files, --tiles without --out, tiles out of range, bad --max-bytes', async () => {
    expect(fails(['eval', 'X', '--at', 'X=@missing.npy'], 'E_IO')).toContain('missing.npy');
    writeFileSync(f('junk.npy'), 'not a numpy file');
    expect(fails(['eval', 'X', '--at', 'X=@junk.npy'], 'E_FILE_FORMAT')).toContain('X=@junk.npy');
    fails(['eval', 'X', '--at', 'X=@'], 'E_INVALID_ARGUMENT');
    fails([...BASE, '--tiles', '2', '--tile', '0'], 'E_INVALID_ARGUMENT');
    expect(fails([...BASE, '--out', 'T.npy', '--tiles', '2', '--tile', '2'], 'E_INVALID_ARGUMENT')).toContain('0..1');
    expect(fails([...BASE, '--out', 'T.npy', '--tiles', '2'], 'E_INVALID_ARGUMENT')).toContain('SLURM_ARRAY_TASK_ID');
    fails([...BASE, '--out', 'T.npy', '--tiles', '2', '--tile-env', 'NO_SUCH_VAR_HERE'], 'E_INVALID_ARGUMENT');
    fails([...BASE, '--out', 'T.npy', '--tiles', 'x', '--tile', '0'], 'E_INVALID_ARGUMENT');
    fails([...BASE, '--max-bytes', 'lots'], 'E_INVALID_ARGUMENT');
    fails([...BASE, '--out', 'T.npy', '--max-bytes', '100', '--check'], 'E_INVALID_ARGUMENT');
  });

  it('a result too large for memory without --out, or to print as JSON, points to --out', () => {
    expect(fails([...BASE, '--max-bytes', '1000'], 'E_TOO_LARGE')).toContain('--out FILE.npy');
    // 1089×1089 entries: more than --json prints
    const r = fails(['jacobian', 'X*2', '--at', 'X=rand(33,33)', '--backend', 'cpu', '--json'], 'E_TOO_LARGE');
    expect(r).toContain('--out');
    expect(ok(['jacobian', 'X*2', '--at', 'X=rand(33,33)', '--backend', 'cpu'])).toMatch(/1089×1089 float64[\s\S]*elided; --out FILE\.npy saves them all/);
  });
});

describe('streaming and tiles', () => {
  it('a tiny --max-bytes streams tiles into --out: the same bytes as the in-memory result', () => {
    ok([...BASE, '--out', 'J.npy']);
    expect(ok([...BASE, '--out', 'Js.npy', '--max-bytes', '256'])).toMatch(/wrote 15 column tiles to Js\.npy: 24×15 float64/);
    expect(bytesOf('Js.npy').equals(bytesOf('J.npy'))).toBe(true);
    for (const [e, at] of [
      ['inv(X)', 'X=@S.npy'],
      ["X*X'", 'X=@X.npy'],
    ]) {
      ok(['jacobian', e!, '--at', at!, '--backend', 'cpu', '--out', 'e1.npy']);
      ok(['jacobian', e!, '--at', at!, '--backend', 'cpu', '--out', 'e2.npy', '--max-bytes', '1k']);
      expect(bytesOf('e2.npy').equals(bytesOf('e1.npy')), e).toBe(true);
    }
    ok(['hessian', "logdet(X) + tr(X'*X)", '--at', 'X=@S.npy', '--backend', 'cpu', '--out', 'H1.npy']);
    ok(['hessian', "logdet(X) + tr(X'*X)", '--at', 'X=@S.npy', '--backend', 'cpu', '--out', 'H2.npy', '--max-bytes', '300']);
    const [h1, h2] = [bytesOf('H1.npy'), bytesOf('H2.npy')];
    expect(h2.length).toBe(h1.length);
    const d1 = new Float64Array(h1.buffer.slice(h1.byteOffset + 128, h1.byteOffset + h1.length));
    const d2 = new Float64Array(h2.buffer.slice(h2.byteOffset + 128, h2.byteOffset + h2.length));
    expect(Math.max(...d1.map((v, k) => Math.abs(v - d2[k]!)))).toBeLessThanOrEqual(1e-12 * Math.max(...d1.map(Math.abs)));
  });

  it('--tiles N --tile K in any order, K from --tile-env, SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX: one complete file', () => {
    ok([...BASE, '--out', 'J.npy']);
    const runs: [string[], Record<string, string>][] = [
      [['--tile', '3'], {}],
      [['--tile-env', 'MY_INDEX'], { MY_INDEX: '1' }],
      [[], { SLURM_ARRAY_TASK_ID: '4' }],
      [[], { JOB_COMPLETION_INDEX: '0' }],
      [['--tile', '2'], { SLURM_ARRAY_TASK_ID: '0' }], // the flag wins
    ];
    for (const [flags, env] of runs) expect(ok([...BASE, '--out', 'T.npy', '--tiles', '5', ...flags], env)).toMatch(/wrote tile \d of 5 \(columns \d+\.\.\d+\) to T\.npy/);
    expect(bytesOf('T.npy').equals(bytesOf('J.npy'))).toBe(true);
  });

  it('--out with {tile}: one file per tile, joined by matjac merge', () => {
    ok([...BASE, '--out', 'J.npy']);
    for (const k of [2, 0, 1]) ok([...BASE, '--out', 'part-{tile}.npy', '--tiles', '3', '--tile', String(k)]);
    expect(ok(['merge', 'M.npy', 'part-0.npy', 'part-1.npy', 'part-2.npy'])).toMatch(/merged 3 files into M\.npy: 24×15 float64/);
    expect(bytesOf('M.npy').equals(bytesOf('J.npy'))).toBe(true);
    fails(['merge', 'M2.npy', 'part-0.npy', 'missing.npy'], 'E_IO');
  });

  it('four GNU parallel workers, into one shared file and into per-tile files merged: bit-identical to one process', () => {
    const big = ['jacobian', 'A*X*B', '--wrt', 'X', '--at', 'A=rand(9,12), X=rand(12,10), B=rand(10,11)', '--backend', 'cpu'];
    execFileSync(process.execPath, [CLI, ...big, '--out', 'one.npy'], { cwd: dir });
    const cmd = [process.execPath, CLI, ...big].map((a) => `'${a}'`).join(' ');
    execFileSync(PARALLEL, ['--will-cite', '--halt', 'now,fail=1', '-j', '4', `${cmd} --out shared.npy --tiles 4 --tile {}`, ':::', '0', '1', '2', '3'], { cwd: dir, stdio: 'pipe' });
    expect(bytesOf('shared.npy').equals(bytesOf('one.npy'))).toBe(true);
    execFileSync(PARALLEL, ['--will-cite', '--halt', 'now,fail=1', '-j', '4', `${cmd} --out 'own-{tile}.npy' --tiles 4 --tile {}`, ':::', '3', '2', '1', '0'], { cwd: dir, stdio: 'pipe' });
    execFileSync(process.execPath, [CLI, 'merge', 'merged.npy', 'own-0.npy', 'own-1.npy', 'own-2.npy', 'own-3.npy'], { cwd: dir });
    expect(bytesOf('merged.npy').equals(bytesOf('one.npy'))).toBe(true);
  });

  it('no progress bar when stderr is not a terminal (output stays clean for logs)', () => {
    const r = cli([...BASE, '--out', 'q.npy', '--max-bytes', '256']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('a progress bar on stderr when it is a terminal (run under script(1), a pseudo-terminal)', () => {
    ok([...BASE, '--out', 'J.npy']);
    const cmd = [process.execPath, CLI, ...BASE, '--out', 'tty.npy', '--max-bytes', '256'].map((a) => `'${a}'`).join(' ');
    const out = execFileSync('script', ['-qec', cmd, '/dev/null'], { cwd: dir, encoding: 'utf8' });
    expect(out).toMatch(/jacobian \[[█░]+\] 100% \| 15\/15 columns/);
    expect(out).toContain('wrote 15 column tiles to tty.npy');
    expect(bytesOf('tty.npy').equals(bytesOf('J.npy'))).toBe(true);
  });
});
