/**
 * The `matjac` command on bad input (issue 10): one line `matjac: E_CODE: message` (or one JSON
 * object with --json) and a non-zero exit status; never a Node stack trace. Runs the built CLI.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const main = join(root, 'dist', 'src', 'cli', 'main.js');

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', env: { ...process.env, MATJAC_BACKEND: 'cpu' }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const noStack = (s: string): void => {
  expect(s).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);
  expect(s).not.toMatch(/RangeError|TypeError/);
};

describe('matjac CLI on hostile input', () => {
  it('is built (npm test builds first)', () => {
    expect(existsSync(main)).toBe(true);
  });

  const cases: [string, string[], string][] = [
    ['a matrix too large to allocate', ['jacobian', 'A*X', '--wrt', 'X', '--at', 'X=rand(100000,100000), A=rand(3,3)'], 'E_TOO_LARGE'],
    ['ones too large', ['eval', 'X', '--at', 'X=ones(100000,100000)'], 'E_TOO_LARGE'],
    ['several names and no --wrt', ['jacobian', 'A*X', '--at', 'X=rand(3,3), A=rand(3,3)'], 'E_INVALID_ARGUMENT'],
    ['a name given twice in --at', ['eval', 'X', '--at', 'X=1, X=2'], 'E_INVALID_ARGUMENT'],
    ['a bad --seed', ['eval', 'X', '--at', 'X=rand(2,2)', '--seed', 'abc'], 'E_INVALID_ARGUMENT'],
    ['deep nesting', ['eval', '('.repeat(2000) + '1' + ')'.repeat(2000)], 'E_PARSE'],
    ['an unbound name', ['grad', 'sum(Y)', '--at', 'X=rand(2,2)'], 'E_UNKNOWN_NAME'],
    ['a huge matrix power', ['eval', 'X^1e300', '--at', 'X=rand(2,2)'], 'E_INVALID_ARGUMENT'],
    ['prototype names', ['jacobian', 'X', '--wrt', 'toString', '--at', 'X=rand(2,2)'], 'E_INVALID_ARGUMENT'],
  ];
  for (const [what, args, code] of cases) {
    it(`${what}: ${code}, one line, exit 1`, () => {
      const r = run(...args);
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toMatch(new RegExp(`^matjac: ${code}: `));
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      noStack(r.stderr + r.stdout);
    });
  }

  it('--json reports an error as one JSON object', () => {
    const r = run('jacobian', '((', '--json');
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout) as { error: { code: string; message: string } };
    expect(out.error.code).toBe('E_PARSE');
    expect(out.error.message.length).toBeGreaterThan(5);
  });

  it('a constant expression needs no --at', () => {
    const r = run('eval', '2*3 + 1', '--json');
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { data: number[][] }).data).toEqual([[7]]);
  });
});
