/**
 * Small canvas plots for the demo: a frame with "nice" ticks, axis labels and a title, and two
 * plots drawn in it: the sorted spectrum (λᵢ against i) and a density curve (density against λ).
 * Drawn at the device pixel ratio so lines and text stay sharp.
 */

export const COLORS = {
  axis: '#444',
  grid: '#e4e4e4',
  text: '#222',
  muted: '#777',
  positive: '#b2182b',
  negative: '#2166ac',
  zero: '#888',
  line: '#2166ac',
  fill: 'rgba(33, 102, 172, 0.18)',
} as const;

/** Up to about `count` round tick positions covering [lo, hi] (1, 2 or 5 times a power of ten apart). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  // the step among 1, 2, 5, 10 × 10^k whose tick count comes closest to `count`
  let step = p;
  for (const m of [2, 5, 10]) if (Math.abs((hi - lo) / (m * p) - count) < Math.abs((hi - lo) / step - count)) step = m * p;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

/** A tick label: short, with an exponent for very large or small magnitudes. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}

/** The range [lo, hi] padded by `frac` of its width on each side (a degenerate range gets ±1 or ±10 %). */
export function padRange(lo: number, hi: number, frac = 0.05): [number, number] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [-1, 1];
  if (hi === lo) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return [lo - d, hi + d];
  }
  const d = (hi - lo) * frac;
  return [lo - d, hi + d];
}

export interface Frame {
  readonly ctx: CanvasRenderingContext2D;
  /** The plotting area, in CSS pixels. */
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
  x(v: number): number;
  y(v: number): number;
}

export interface FrameSpec {
  readonly x: [number, number];
  readonly y: [number, number];
  readonly xLabel: string;
  readonly yLabel: string;
  readonly title: string;
  /** Ticks on x only at indices 1, 2, … (positive integers). */
  readonly xIntegers?: boolean;
  /** A custom x scale: data → [0, 1] across the plot, with its own tick positions. */
  readonly xScale?: { readonly map: (v: number) => number; readonly ticks: readonly number[] };
}

/** Sizes the canvas for the device pixel ratio and returns a context in CSS pixels. */
function prepare(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; w: number; h: number } | null {
  const w = canvas.clientWidth || Number(canvas.getAttribute('width')) || 440;
  const h = canvas.clientHeight || Number(canvas.getAttribute('height')) || 260;
  const dpr = Math.max(1, Math.min(3, globalThis.devicePixelRatio || 1));
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  return { ctx, w, h };
}

/** Clears a plot canvas to white (used when a result is withdrawn). */
export function clearPlot(canvas: HTMLCanvasElement): void {
  prepare(canvas);
}

/** Draws the title, axes, grid, ticks and labels; returns the data → pixel maps. */
export function drawFrame(canvas: HTMLCanvasElement, spec: FrameSpec): Frame | null {
  const p = prepare(canvas);
  if (!p) return null;
  const { ctx, w, h } = p;
  const left = 58;
  const right = 12;
  const top = 26;
  const bottom = 40;
  const width = Math.max(10, w - left - right);
  const height = Math.max(10, h - top - bottom);
  const [x0, x1] = spec.x;
  const [y0, y1] = spec.y;
  const x = spec.xScale ? (v: number): number => left + spec.xScale!.map(v) * width : (v: number): number => left + ((v - x0) / (x1 - x0 || 1)) * width;
  const y = (v: number): number => top + height - ((v - y0) / (y1 - y0 || 1)) * height;

  ctx.font = '11px system-ui, sans-serif';
  ctx.lineWidth = 1;
  const xt = spec.xScale ? [...spec.xScale.ticks] : niceTicks(x0, x1, Math.max(2, Math.floor(width / 70))).filter((t) => !spec.xIntegers || (Number.isInteger(t) && t >= 1));
  const yt = niceTicks(y0, y1, Math.max(2, Math.floor(height / 40)));
  ctx.strokeStyle = COLORS.grid;
  ctx.beginPath();
  for (const t of xt) {
    ctx.moveTo(Math.round(x(t)) + 0.5, top);
    ctx.lineTo(Math.round(x(t)) + 0.5, top + height);
  }
  for (const t of yt) {
    ctx.moveTo(left, Math.round(y(t)) + 0.5);
    ctx.lineTo(left + width, Math.round(y(t)) + 0.5);
  }
  ctx.stroke();

  ctx.strokeStyle = COLORS.axis;
  ctx.strokeRect(left + 0.5, top + 0.5, width, height);
  ctx.fillStyle = COLORS.text;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of xt) ctx.fillText(tickLabel(t), x(t), top + height + 4);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of yt) ctx.fillText(tickLabel(t), left - 5, y(t));

  ctx.font = '12px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.fillText(spec.xLabel, left + width / 2, h - 4);
  ctx.save();
  ctx.translate(13, top + height / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = 'middle';
  ctx.fillText(spec.yLabel, 0, 0);
  ctx.restore();
  ctx.font = 'bold 12px system-ui, sans-serif';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillText(spec.title, left, 6);
  return { ctx, left, top, width, height, x, y };
}

export interface SpectrumSpec {
  /** Order of H (the x axis runs over 1…mn). */
  readonly order: number;
  /** 1-based positions in the ascending spectrum, and the eigenvalues there. */
  readonly indices: ArrayLike<number>;
  readonly values: ArrayLike<number>;
  /** |λ| ≤ zeroTol is drawn as zero (grey). */
  readonly zeroTol: number;
  /** Positions known to be missing (Lanczos computes only the ends): shaded and labelled. */
  readonly gap?: readonly [number, number];
  readonly title: string;
}

/** Share of the x axis the gap of a broken axis takes. */
const GAP_SHARE = 0.14;

/**
 * The x scale of a spectrum with a gap [g0, g1] of uncomputed positions: the two computed ends
 * get equal shares of the axis, the gap a narrow band between them (a broken axis).
 */
function brokenScale(order: number, gap: readonly [number, number]): { map: (v: number) => number; ticks: number[] } {
  const lo: [number, number] = [0.5, gap[0] - 0.5];
  const hi: [number, number] = [gap[1] + 0.5, order + 0.5];
  const side = (1 - GAP_SHARE) / 2;
  const map = (v: number): number =>
    v <= lo[1] ? ((v - lo[0]) / (lo[1] - lo[0])) * side : v >= hi[0] ? 1 - side + ((v - hi[0]) / (hi[1] - hi[0])) * side : side + ((v - lo[1]) / (hi[0] - lo[1])) * GAP_SHARE;
  const ints = (a: number, b: number): number[] => niceTicks(a, b, 3).filter((t) => Number.isInteger(t) && t >= Math.ceil(a) && t <= Math.floor(b));
  return { map, ticks: [...ints(1, gap[0] - 1), ...ints(gap[1] + 1, order)] };
}

/**
 * λᵢ against i: one dot an eigenvalue, red positive, blue negative, grey zero; y = 0 dashed.
 * With a gap (Lanczos: only the ends are known) the x axis is broken: both ends get room and the
 * uncomputed interior is a narrow shaded band.
 */
export function plotSpectrum(canvas: HTMLCanvasElement, s: SpectrumSpec): Frame | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < s.values.length; k++) {
    lo = Math.min(lo, s.values[k]!);
    hi = Math.max(hi, s.values[k]!);
  }
  const gap = s.gap && s.gap[1] >= s.gap[0] ? s.gap : undefined;
  // a margin of 1% at each side so the dots at i = 1 and i = mn stay inside the frame
  const margin = gap ? 0 : 0.01 * s.order;
  const f = drawFrame(canvas, {
    x: [0.5 - margin, s.order + 0.5 + margin],
    y: padRange(Math.min(lo, 0), Math.max(hi, 0), 0.08),
    xLabel: gap ? `i (ascending; positions ${gap[0]}…${gap[1]} not computed)` : 'i (eigenvalues in ascending order)',
    yLabel: 'λᵢ',
    title: s.title,
    xIntegers: true,
    ...(gap ? { xScale: brokenScale(s.order, gap) } : {}),
  });
  if (!f) return null;
  const { ctx } = f;
  if (gap) {
    const gx0 = f.x(gap[0] - 0.5);
    const gx1 = f.x(gap[1] + 0.5);
    ctx.fillStyle = '#f1f1f1';
    ctx.fillRect(gx0, f.top + 1, gx1 - gx0, f.height - 1);
    // the break marks: two slanted strokes on each axis line
    ctx.strokeStyle = COLORS.axis;
    ctx.beginPath();
    for (const gx of [gx0, gx1])
      for (const gy of [f.top, f.top + f.height]) {
        ctx.moveTo(gx - 3, gy + 5);
        ctx.lineTo(gx + 3, gy - 5);
      }
    ctx.stroke();
    ctx.save();
    ctx.translate((gx0 + gx1) / 2, f.top + f.height / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillStyle = COLORS.muted;
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(`${gap[1] - gap[0] + 1} not computed`, 0, 0);
    ctx.restore();
  }
  ctx.strokeStyle = COLORS.muted;
  ctx.setLineDash([4, 3]);
  ctx.beginPath();
  ctx.moveTo(f.left, Math.round(f.y(0)) + 0.5);
  ctx.lineTo(f.left + f.width, Math.round(f.y(0)) + 0.5);
  ctx.stroke();
  ctx.setLineDash([]);
  const r = s.values.length > 400 ? 1.5 : s.values.length > 100 ? 2 : 3;
  for (let k = 0; k < s.values.length; k++) {
    const v = s.values[k]!;
    ctx.fillStyle = Math.abs(v) <= s.zeroTol ? COLORS.zero : v > 0 ? COLORS.positive : COLORS.negative;
    ctx.beginPath();
    ctx.arc(f.x(s.indices[k]!), f.y(v), r, 0, 2 * Math.PI);
    ctx.fill();
  }
  return f;
}

export interface DensitySpec {
  readonly grid: ArrayLike<number>;
  readonly density: ArrayLike<number>;
  /** Eigenvalues to mark under the curve (a rug), if known. */
  readonly rug?: ArrayLike<number>;
  readonly title: string;
}

/** The density as a filled curve over its grid, with a rug of known eigenvalues. */
export function plotDensity(canvas: HTMLCanvasElement, s: DensitySpec): Frame | null {
  const n = s.grid.length;
  let peak = 0;
  for (let k = 0; k < n; k++) if (Number.isFinite(s.density[k]!)) peak = Math.max(peak, s.density[k]!);
  const f = drawFrame(canvas, {
    x: n > 1 ? [s.grid[0]!, s.grid[n - 1]!] : [-1, 1],
    y: [0, peak > 0 ? peak * 1.08 : 1],
    xLabel: 'λ',
    yLabel: 'density',
    title: s.title,
  });
  if (!f || n < 2) return f;
  const { ctx } = f;
  ctx.save();
  ctx.beginPath();
  ctx.rect(f.left, f.top, f.width, f.height);
  ctx.clip();
  ctx.beginPath();
  ctx.moveTo(f.x(s.grid[0]!), f.y(0));
  for (let k = 0; k < n; k++) ctx.lineTo(f.x(s.grid[k]!), f.y(Math.max(0, s.density[k]!)));
  ctx.lineTo(f.x(s.grid[n - 1]!), f.y(0));
  ctx.closePath();
  ctx.fillStyle = COLORS.fill;
  ctx.fill();
  ctx.beginPath();
  for (let k = 0; k < n; k++) {
    const px = f.x(s.grid[k]!);
    const py = f.y(Math.max(0, s.density[k]!));
    if (k === 0) ctx.moveTo(px, py);
    else ctx.lineTo(px, py);
  }
  ctx.strokeStyle = COLORS.line;
  ctx.lineWidth = 1.5;
  ctx.stroke();
  if (s.rug) {
    ctx.strokeStyle = 'rgba(34, 34, 34, 0.55)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    const base = f.top + f.height;
    for (let k = 0; k < s.rug.length; k++) {
      const px = Math.round(f.x(s.rug[k]!)) + 0.5;
      ctx.moveTo(px, base);
      ctx.lineTo(px, base - 7);
    }
    ctx.stroke();
  }
  ctx.restore();
  return f;
}
