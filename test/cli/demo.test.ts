/**
 * `npm start` (`matjac demo`) ends with commands for the reader to try: each must run as printed
 * and exit 0, so the first thing a newcomer copies works.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');

/** Splits a shell command line into arguments (double-quoted strings, no escapes inside). */
function shellWords(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

describe('matjac demo', () => {
  const demo = spawnSync(process.execPath, [CLI, 'demo'], { encoding: 'utf8' });
  const suggested = demo.stdout
    .split('\n')
    .map((l) => l.replace(/^Try:/, '').trim())
    .filter((l) => l.startsWith('npx matjac '));

  it('runs and suggests commands', () => {
    expect(demo.status).toBe(0);
    expect(suggested.length).toBeGreaterThanOrEqual(2);
  });

  it.each(suggested.map((l) => [l]))('the suggested command runs: %s', (line) => {
    const args = shellWords(line).slice(2);
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/matjac: E_[A-Z_]+/);
    expect(r.status).toBe(0);
  });
});
