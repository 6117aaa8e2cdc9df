/**
 * NumPy as an independent reader and writer of .npy files: Debian's `python3-numpy`, run through
 * `/usr/bin/python3` (the system interpreter, whatever `python3` comes first on PATH). The tests
 * that use it never skip: a missing NumPy is an error saying what to install (`.ci/run` and
 * `npm test`'s system check install it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PYTHON = '/usr/bin/python3';

export function requireNumpy(): void {
  const ok = existsSync(PYTHON) && (() => {
    try {
      execFileSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  if (!ok) throw new Error(`these tests need NumPy for ${PYTHON} (apt-get install -y python3-numpy; scripts/system-deps.sh installs it)`);
}

/** Runs a Python script with arguments (sys.argv[1:]); returns its stdout. Fails on a non-zero exit with its stderr. */
export function python(script: string, args: readonly string[] = [], cwd?: string): string {
  return execFileSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8', cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}
