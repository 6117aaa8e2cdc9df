/**
 * The PyTorch CPU peer, measured in the same run: runs bench/peer_torch.py with Debian's
 * `/usr/bin/python3` (package python3-torch) and collects its JSON lines. When Python or torch is
 * missing, logs one row saying so and returns: the rest of the bench runs without this peer.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './rows.js';

const PYTHON = '/usr/bin/python3';

/** bench/peer_torch.py, found from the source tree or from dist/bench. */
function script(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const p of [resolve(here, 'peer_torch.py'), resolve(here, '../../bench/peer_torch.py')]) if (existsSync(p)) return p;
  return resolve(process.cwd(), 'bench/peer_torch.py');
}

/** Why the peer cannot run here, or null when it can. */
export function torchUnavailable(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found (install Debian's python3-torch)`;
  const r = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.status !== 0) return `PyTorch not importable by ${PYTHON} (apt-get install -y python3-torch): ${(r.stderr || '').trim().split('\n').pop() ?? ''}`;
  return null;
}

export async function runTorch(sizes: readonly number[], maps: readonly string[], reps: number, log: (r: BenchRow) => void): Promise<void> {
  const why = torchUnavailable();
  if (why) {
    console.error(`pytorch peer skipped: ${why}`);
    log({ lib: 'pytorch(cpu)', map: '*', mode: '*', n: 0, error: `skipped: ${why}` });
    return;
  }
  const args = [script(), '--maps', maps.join(','), '--sizes', sizes.join(','), '--reps', String(reps)];
  await new Promise<void>((done) => {
    const child = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) log(JSON.parse(line) as BenchRow);
      }
    });
    child.on('close', (code) => {
      if (code !== 0) log({ lib: 'pytorch(cpu)', map: '*', mode: '*', n: 0, error: `peer_torch.py exited with ${code}` });
      done();
    });
  });
}
