/**
 * Text output of `matjac eig`: numbers, lists of eigenvalues, and the spectral density drawn
 * in the terminal as a horizontal histogram. Pure functions (strings in, strings out).
 */

/** A number in at most ~10 characters: fixed for moderate magnitudes, exponent otherwise. */
export function fmtNum(v: number, digits = 6): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e5 || a < 1e-3 ? v.toExponential(Math.min(3, digits - 1)) : v.toPrecision(digits).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

/** Values in columns of equal width, `perLine` a line, each line indented by `indent`. */
export function numberList(values: ArrayLike<number>, indent: string, perLine = 5): string {
  const cells = Array.from(values, (v) => fmtNum(v));
  const w = Math.max(0, ...cells.map((c) => c.length));
  const lines: string[] = [];
  for (let i = 0; i < cells.length; i += perLine) lines.push(indent + cells.slice(i, i + perLine).map((c) => c.padStart(w)).join('  '));
  return lines.join('\n');
}

export interface HistogramBin {
  readonly lo: number;
  readonly hi: number;
  /** ∫ density over [lo, hi) (trapezoid rule on the given grid): the share of eigenvalues there. */
  readonly mass: number;
}

/**
 * Bins a density sampled on an increasing grid into `bins` equal intervals of [grid₀, grid_end]:
 * each bin's mass is ∫ density over it, by the trapezoid rule on the grid, with the density
 * interpolated linearly at bin edges that fall between grid points.
 */
export function binDensity(grid: ArrayLike<number>, density: ArrayLike<number>, bins: number): HistogramBin[] {
  const n = grid.length;
  if (n < 2 || bins < 1) return [];
  const a = grid[0]!;
  const b = grid[n - 1]!;
  const at = (x: number, k: number): number => {
    const x0 = grid[k]!;
    const x1 = grid[k + 1]!;
    const t = x1 > x0 ? (x - x0) / (x1 - x0) : 0;
    return density[k]! + t * (density[k + 1]! - density[k]!);
  };
  const out: HistogramBin[] = [];
  let k = 0;
  for (let j = 0; j < bins; j++) {
    const lo = a + ((b - a) * j) / bins;
    const hi = j === bins - 1 ? b : a + ((b - a) * (j + 1)) / bins;
    let mass = 0;
    // walk the grid intervals [grid_k, grid_k+1] that overlap [lo, hi]
    while (k < n - 2 && grid[k + 1]! <= lo) k++;
    for (let i = k; i < n - 1 && grid[i]! < hi; i++) {
      const x0 = Math.max(lo, grid[i]!);
      const x1 = Math.min(hi, grid[i + 1]!);
      if (x1 > x0) mass += 0.5 * (x1 - x0) * (at(x0, i) + at(x1, i));
    }
    out.push({ lo, hi, mass });
  }
  return out;
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of `fraction` ∈ [0, 1] of `width` cells, in eighths of a cell. */
export function bar(fraction: number, width: number): string {
  const eighths = Math.round(Math.max(0, Math.min(1, fraction)) * width * 8);
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8]!;
}

/**
 * The density as a horizontal histogram, one line a bin: `[lo, hi)  ████▌  12.5 %`; bars are
 * scaled to the fullest bin, the percentage is the bin's share of the total mass.
 */
export function textHistogram(grid: ArrayLike<number>, density: ArrayLike<number>, opts: { bins?: number; width?: number; indent?: string } = {}): string {
  const bins = binDensity(grid, density, opts.bins ?? 16);
  const width = opts.width ?? 40;
  const indent = opts.indent ?? '';
  const total = bins.reduce((s, b) => s + b.mass, 0);
  const peak = Math.max(0, ...bins.map((b) => b.mass));
  const labels = bins.map((b, i) => `[${fmtNum(b.lo, 3)}, ${fmtNum(b.hi, 3)}${i === bins.length - 1 ? ']' : ')'}`);
  const lw = Math.max(0, ...labels.map((l) => l.length));
  return bins
    .map((b, i) => {
      const share = total > 0 ? (100 * b.mass) / total : 0;
      return `${indent}${labels[i]!.padEnd(lw)} │${bar(peak > 0 ? b.mass / peak : 0, width).padEnd(width)} ${share.toFixed(1).padStart(5)} %`;
    })
    .join('\n');
}
