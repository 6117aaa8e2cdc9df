/**
 * The CLI's progress bar: on stderr when it is a terminal (cli-progress), silent otherwise, so
 * piped and logged output (array jobs, CI) stays clean.
 */
import cliProgress from 'cli-progress';
import type { OnProgress } from '../plan/tiles.js';

export interface ProgressBar {
  readonly onProgress: OnProgress | undefined;
  stop(): void;
}

export function progressBar(label: string, enabled = process.stderr.isTTY === true): ProgressBar {
  if (!enabled) return { onProgress: undefined, stop: () => undefined };
  let bar: cliProgress.SingleBar | undefined;
  return {
    onProgress: ({ done, total }) => {
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { stream: process.stderr, format: `${label} [{bar}] {percentage}% | {value}/{total} columns | {duration_formatted} elapsed, eta {eta_formatted}`, hideCursor: true, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, done);
      } else bar.update(done);
    },
    stop: () => bar?.stop(),
  };
}
