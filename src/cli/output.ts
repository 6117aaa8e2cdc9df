/**
 * How the CLI shows a result: text (elided beyond 12×10 entries) or JSON for small results,
 * a one-line summary when it goes to a file (`--out`). A result too large to print as JSON
 * (or in full) is refused with a pointer to `--out` rather than building a string of
 * hundreds of megabytes.
 */
import { InvalidArgumentError, TooLargeError } from '../errors.js';
import { saveNpy } from '../io/file.js';
import type { Mat } from '../mat/mat.js';
import type { RunReport } from '../plan/backends.js';
import { fmtBytes } from '../plan/plan.js';

export interface OutputFlags {
  readonly json?: boolean;
  readonly full?: boolean;
  readonly out?: string;
}

/** The most entries printed as JSON or with --full (about 20 MB of text). */
export const MAX_PRINTED_ENTRIES = 1 << 20;

export async function output(label: string, M: Mat, flags: OutputFlags, report?: RunReport): Promise<void> {
  const entries = M.rows * M.cols;
  const dtype = M.data instanceof Float32Array ? 'float32' : 'float64';
  // doubts about the precision go to stderr, whatever the output format
  for (const w of report?.warnings ?? []) console.error(`matjac: warning: ${w}`);
  if (flags.out) {
    await saveNpy(flags.out, M);
    if (flags.json) console.log(JSON.stringify({ label, out: flags.out, rows: M.rows, cols: M.cols, dtype, backend: report?.backend, device: report?.device }));
    else console.log(`${label}: wrote ${flags.out}: ${M.rows}×${M.cols} ${dtype} (${fmtBytes(M.data.byteLength)})${report ? `   [${report.backend}: ${report.device}]` : ''}`);
    return;
  }
  if ((flags.json || flags.full) && entries > MAX_PRINTED_ENTRIES) {
    throw new TooLargeError(
      `the ${M.rows}×${M.cols} result has ${entries} entries, too many to print${flags.json ? ' as JSON' : ' in full'} (at most ${MAX_PRINTED_ENTRIES}); write it to a NumPy file with --out FILE.npy`,
      M.data.byteLength,
    );
  }
  if (flags.json) {
    console.log(JSON.stringify({ label, rows: M.rows, cols: M.cols, data: M.toArray(), backend: report?.backend, device: report?.device }));
    return;
  }
  console.log(`${label}${report ? `   [${report.backend}: ${report.device}]` : ''}`);
  console.log(M.toString(flags.full ? { maxRows: Infinity, maxCols: Infinity } : {}));
  if (!flags.full && (M.rows > 12 || M.cols > 10)) console.log(`  (${entries} entries, ${fmtBytes(M.data.byteLength)}: elided; --out FILE.npy saves them all)`);
  if (report?.skipped.length) for (const s of report.skipped) console.log(`  (skipped ${s.backend}: ${s.reason})`);
}

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** `--max-bytes`: a byte count, optionally with a binary suffix: 1e9, 512k, 256M, 4G, 4GiB. */
export function parseBytes(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  const v = m ? Number(m[1]) * UNITS[m[2]!.toLowerCase()]! : NaN;
  if (!Number.isFinite(v) || v < 1) throw new InvalidArgumentError(`--max-bytes must be a positive byte count (e.g. 1e9, 256M, 4G), got '${text}'`);
  return Math.floor(v);
}
