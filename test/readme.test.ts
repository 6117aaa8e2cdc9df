import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The README's examples are runnable: every ```js block that imports 'matjac' runs against the
 * built package (the package resolves itself by name through its `exports`), and every
 * `npx matjac …` line of the quick start runs the built CLI. Needs `npm run build` first, which
 * `npm test` does.
 */
const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const tmp = join(root, 'dist', 'readme-examples');

const jsBlocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => b.includes("from 'matjac'"));
const cliLines = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
  .flatMap((m) => m[1]!.split('\n'))
  .map((l) => l.replace(/\s+#.*$/, '').trim())
  .filter((l) => l.startsWith('npx matjac '));

/** Splits a shell line into arguments (double-quoted strings kept whole). */
function shellArgs(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

describe('README', () => {
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('has js examples and CLI lines to run', () => {
    expect(jsBlocks.length).toBeGreaterThanOrEqual(2);
    expect(cliLines.length).toBeGreaterThanOrEqual(4);
  });

  it.each(jsBlocks.map((b, i) => [i, b] as const))('js example %i runs and prints only true checks', (i, block) => {
    mkdirSync(tmp, { recursive: true });
    const file = join(tmp, `example-${i}.mjs`);
    writeFileSync(file, block);
    const out = execFileSync(process.execPath, [file], { cwd: root, encoding: 'utf8', env: { ...process.env, MATJAC_BACKEND: 'cpu' } });
    expect(out).not.toMatch(/\bfalse\b/);
    expect(out.length).toBeGreaterThan(0);
  });

  it.each(cliLines)('%s', (line) => {
    const args = shellArgs(line).slice(2);
    const out = execFileSync(process.execPath, [join(root, 'dist/src/cli/main.js'), ...args, ...(args[0] === '--help' ? [] : ['--backend', 'cpu'])], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(out).not.toMatch(/FAILED/);
    expect(out.length).toBeGreaterThan(0);
  });
});
