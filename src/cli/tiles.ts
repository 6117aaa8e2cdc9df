/**
 * `--tiles N --tile K`: which share of the columns this process computes. K may come from the
 * flag, from a variable named by `--tile-env`, or from the array-job engines' own variables:
 * `SLURM_ARRAY_TASK_ID` (Slurm job arrays, `--array=0-(N-1)`) and `JOB_COMPLETION_INDEX`
 * (Kubernetes Indexed Jobs). GNU parallel passes it as an argument (`--tile {}`).
 */
import { InvalidArgumentError } from '../errors.js';

export interface TileFlags {
  readonly tiles?: string;
  readonly tile?: string;
  readonly tileEnv?: string;
}

/** The engines' variables, in the order they are consulted. */
export const TILE_ENV_VARS = ['SLURM_ARRAY_TASK_ID', 'JOB_COMPLETION_INDEX'] as const;

function nonNegativeInt(text: string, what: string): number {
  if (!/^\s*\d+\s*$/.test(text)) throw new InvalidArgumentError(`${what} must be a non-negative integer, got '${text}'`);
  return Number(text);
}

/** `{count, index}` from the flags and environment, or undefined without `--tiles`. */
export function resolvePart(flags: TileFlags, env: Readonly<Record<string, string | undefined>> = process.env): { count: number; index: number } | undefined {
  if (flags.tiles === undefined) {
    if (flags.tile !== undefined || flags.tileEnv !== undefined) throw new InvalidArgumentError('--tile and --tile-env need --tiles N (how many tiles in all)');
    return undefined;
  }
  const count = nonNegativeInt(flags.tiles, '--tiles');
  if (count < 1) throw new InvalidArgumentError('--tiles must be at least 1');
  let index: number;
  if (flags.tile !== undefined) index = nonNegativeInt(flags.tile, '--tile');
  else if (flags.tileEnv !== undefined) {
    const v = env[flags.tileEnv];
    if (v === undefined) throw new InvalidArgumentError(`--tile-env ${flags.tileEnv}: that variable is not set`);
    index = nonNegativeInt(v, `$${flags.tileEnv}`);
  } else {
    const name = TILE_ENV_VARS.find((k) => env[k] !== undefined);
    if (!name) throw new InvalidArgumentError(`--tiles ${count} needs the tile index: --tile K, --tile-env VAR, or ${TILE_ENV_VARS.join(' / ')} set by the job engine`);
    index = nonNegativeInt(env[name]!, `$${name}`);
  }
  if (index >= count) throw new InvalidArgumentError(`tile index ${index} is outside 0..${count - 1} (--tiles ${count}; Slurm arrays must be 0-based: --array=0-${count - 1})`);
  return { count, index };
}

/** A `{tile}` in the output path makes one file per tile (joined later by `matjac merge`); the index is zero-padded so the files sort in order. */
export function partPath(out: string, part: { count: number; index: number }): string | undefined {
  if (!out.includes('{tile}')) return undefined;
  return out.replaceAll('{tile}', String(part.index).padStart(String(part.count - 1).length, '0'));
}
