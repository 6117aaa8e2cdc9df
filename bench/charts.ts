/**
 * Charts of a bench run, drawn as plain SVG from its JSON lines (no chart library: a log-scale
 * line chart is ~100 lines and renders in any browser or on GitHub):
 *
 *   - floor-ratio.svg: matjac's time over the write floor measured in the same run, per map and n
 *     (a reused output against `fill`, a new output each call against first-touch);
 *   - speedup-<peer>.svg: matjac's speed-up over each peer (the peer's best mode), per map and n,
 *     for each kind of output.
 *
 *   node dist/bench/charts.js bench/results/cpu-2026-11-29/bench.jsonl [--out DIR]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchRow } from './rows.js';

/**
 * How a matjac row's output was provided: `new`, a new Mat each call (as `jacobian()` returns);
 * `reused`, one Float64Array passed as `out` every call; `wasm`, one `Mat.wasm` passed as `out`
 * (a buffer in WebAssembly memory, which the writer's SIMD kernel stores into in place).
 */
export type OutputKind = 'new' | 'reused' | 'wasm';
export const OUTPUT_KINDS: readonly OutputKind[] = ['new', 'reused', 'wasm'];

/** One derived figure: matjac at (map, n, output) against a reference time. */
export interface Ratio {
  readonly map: string;
  readonly n: number;
  readonly output: OutputKind;
  readonly ms: number;
  readonly refMs: number;
  /** ms / refMs for floors (≥ 1 ideally near 1); refMs / ms for peers (the speed-up). */
  readonly value: number;
}

const ok = (r: BenchRow): boolean => typeof r.ms === 'number' && !r.error;
const matjacCpu = (rows: readonly BenchRow[]): BenchRow[] => rows.filter((r) => ok(r) && r.lib === 'matjac(cpu)' && OUTPUT_KINDS.includes(r.output as OutputKind));

/**
 * matjac's time over the floor of the same n: reused vs `fill`, new vs `first-touch`; the floor
 * timed in turns with the row itself (`floorMs`) where the row has one, else the floor row of that n.
 */
export function floorRatios(rows: readonly BenchRow[]): Ratio[] {
  const floor = (n: number, mode: string): number | undefined => rows.find((r) => ok(r) && r.lib === 'floor' && r.n === n && r.mode === mode)?.ms;
  const out: Ratio[] = [];
  for (const r of matjacCpu(rows)) {
    const f = typeof r.floorMs === 'number' ? r.floorMs : floor(r.n, r.output === 'new' ? 'first-touch' : 'fill');
    if (f !== undefined) out.push({ map: r.map, n: r.n, output: r.output as OutputKind, ms: r.ms!, refMs: f, value: r.ms! / f });
  }
  return out;
}

/** The peer libraries present in a run (`pytorch(cpu)`, `jax-js(wasm)`, …). */
export function peers(rows: readonly BenchRow[]): string[] {
  return [...new Set(rows.filter((r) => ok(r) && r.lib !== 'floor' && !r.lib.startsWith('matjac')).map((r) => r.lib))];
}

/** matjac's speed-up over `peer` (its fastest mode at that map and n). */
export function speedups(rows: readonly BenchRow[], peer: string): Ratio[] {
  const best = new Map<string, number>();
  for (const r of rows) {
    if (!ok(r) || r.lib !== peer) continue;
    const k = `${r.map}|${r.n}`;
    best.set(k, Math.min(best.get(k) ?? Infinity, r.ms!));
  }
  const out: Ratio[] = [];
  for (const r of matjacCpu(rows)) {
    const p = best.get(`${r.map}|${r.n}`);
    if (p !== undefined) out.push({ map: r.map, n: r.n, output: r.output as OutputKind, ms: r.ms!, refMs: p, value: p / r.ms! });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// SVG

interface Series {
  readonly name: string;
  readonly color: string;
  /** SVG stroke-dasharray, or null for a solid line. */
  readonly dash: string | null;
  readonly points: readonly (readonly [number, number])[];
}

interface ChartSpec {
  readonly title: string;
  readonly subtitle: string;
  readonly yLabel: string;
  readonly xs: readonly number[];
  readonly series: readonly Series[];
  /** Horizontal reference lines (targets). */
  readonly refs: readonly { y: number; label: string }[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf'];
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#39;');
const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toPrecision(1));

/** A line chart with a categorical x axis (n) and a log-scale y axis. */
export function lineChart(spec: ChartSpec): string {
  const W = 820;
  const H = 420;
  const L = 70;
  const R = 250;
  const sub = spec.subtitle.split('\n');
  const T = 56 + 14 * (sub.length - 1);
  const B = 50;
  const ys = [...spec.series.flatMap((s) => s.points.map((p) => p[1])), ...spec.refs.map((r) => r.y)].filter((v) => v > 0 && Number.isFinite(v));
  const lo10 = Math.min(0, Math.floor(Math.log10(Math.min(...ys)) - 0.02));
  const hi10 = Math.ceil(Math.log10(Math.max(...ys, 2)) + 0.02);
  const X = (n: number): number => L + ((spec.xs.indexOf(n) + 0.5) / spec.xs.length) * (W - L - R);
  const Y = (v: number): number => T + ((hi10 - Math.log10(v)) / (hi10 - lo10)) * (H - T - B);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${L}" y="22" font-size="15" font-weight="bold">${esc(spec.title)}</text>`,
    ...sub.map((line, i) => `<text x="${L}" y="${40 + 14 * i}" fill="#555">${esc(line)}</text>`),
  ];
  // grid: decades and 2×, 5× within them
  for (let d = lo10; d <= hi10; d++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** d;
      if (Math.log10(v) > hi10) continue;
      const y = Y(v);
      parts.push(`<line x1="${L}" x2="${W - R}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="${m === 1 ? '#ccc' : '#eee'}"/>`);
      parts.push(`<text x="${L - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" fill="#444">${fmt(v)}×</text>`);
    }
  }
  for (const n of spec.xs) {
    parts.push(`<line x1="${X(n).toFixed(1)}" x2="${X(n).toFixed(1)}" y1="${T}" y2="${H - B}" stroke="#f3f3f3"/>`);
    parts.push(`<text x="${X(n).toFixed(1)}" y="${H - B + 18}" text-anchor="middle">${n}</text>`);
  }
  parts.push(`<text x="${((L + W - R) / 2).toFixed(0)}" y="${H - 10}" text-anchor="middle" fill="#444">n (X and F n×n; the Jacobian n²×n²)</text>`);
  parts.push(`<text transform="translate(16 ${((T + H - B) / 2).toFixed(0)}) rotate(-90)" text-anchor="middle" fill="#444">${esc(spec.yLabel)}</text>`);
  parts.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#999"/>`);
  spec.refs.forEach((r, i) => {
    // labels alternate right and left so close reference lines stay readable
    const y = Y(r.y).toFixed(1);
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y}" y2="${y}" stroke="#000" stroke-dasharray="2 3"/>`);
    const [x, anchor] = i % 2 === 0 ? [W - R - 4, 'end'] : [L + 4, 'start'];
    parts.push(`<text x="${x}" y="${(Number(y) - 4).toFixed(1)}" text-anchor="${anchor}" font-size="11">${esc(r.label)}</text>`);
  });
  spec.series.forEach((s, i) => {
    const pts = [...s.points].sort((a, b) => spec.xs.indexOf(a[0]) - spec.xs.indexOf(b[0]));
    if (pts.length === 0) return;
    const d = pts.map(([n, v], k) => `${k === 0 ? 'M' : 'L'}${X(n).toFixed(1)} ${Y(v).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    for (const [n, v] of pts) parts.push(`<circle cx="${X(n).toFixed(1)}" cy="${Y(v).toFixed(1)}" r="3" fill="${s.color}"><title>${esc(`${s.name}, n=${n}: ${fmt(v)}×`)}</title></circle>`);
    const ly = T + 8 + i * 18;
    parts.push(`<line x1="${W - R + 12}" x2="${W - R + 40}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    parts.push(`<text x="${W - R + 46}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** Line styles: solid for an output in `Mat.wasm`, dotted for a Float64Array `out`, dashed for a new output. */
const DASH: Record<OutputKind, string | null> = { wasm: null, reused: '2 3', new: '6 4' };
/** Legend names of the outputs. */
const LABEL: Record<OutputKind, string> = { wasm: 'Mat.wasm', reused: 'array', new: 'new' };
const STYLE_NOTE = 'solid: out = Mat.wasm, dotted: out = Float64Array ("array"), dashed: new output';

/** Series per (map, output), styled by DASH. */
function seriesOf(ratios: readonly Ratio[]): Series[] {
  const maps = [...new Set(ratios.map((r) => r.map))];
  const out: Series[] = [];
  for (const output of ['wasm', 'reused', 'new'] as const)
    maps.forEach((map, i) => {
      const pts = ratios.filter((r) => r.map === map && r.output === output).map((r) => [r.n, r.value] as const);
      if (pts.length) out.push({ name: `${map} (${LABEL[output]})`, color: COLORS[i % COLORS.length]!, dash: DASH[output], points: pts });
    });
  return out;
}

/** Every chart of a run: file name → SVG text. */
export function charts(rows: readonly BenchRow[], when: string): Map<string, string> {
  const files = new Map<string, string>();
  const fr = floorRatios(rows);
  const xsOf = (rs: readonly Ratio[]): number[] => [...new Set(rs.map((r) => r.n))].sort((a, b) => a - b);
  if (fr.length) {
    files.set(
      'floor-ratio.svg',
      lineChart({
        title: 'matjac (CPU, float64): time over the write floor',
        subtitle: `${when}; lower is better; out over fill, new over first-touch\n${STYLE_NOTE}`,
        yLabel: 'time / write floor',
        xs: xsOf(fr),
        series: seriesOf(fr),
        refs: [
          { y: 1.3, label: 'target 1.3× (out)' },
          { y: 1.5, label: 'target 1.5× (new)' },
        ],
      }),
    );
  }
  for (const peer of peers(rows)) {
    const sp = speedups(rows, peer);
    if (!sp.length) continue;
    const slug = peer.replace(/[^a-z0-9]+/gi, '-').replace(/-+$/, '').toLowerCase();
    files.set(
      `speedup-${slug}.svg`,
      lineChart({
        title: `matjac (CPU) speed-up over ${peer}`,
        subtitle: `${when}; the peer's best mode; higher is better\n${STYLE_NOTE}`,
        yLabel: `${peer} time / matjac time`,
        xs: xsOf(sp),
        series: seriesOf(sp),
        refs: [{ y: 10, label: 'target 10×' }],
      }),
    );
  }
  return files;
}

/** Writes the charts of `rows` into `dir`; returns the paths written. */
export function writeCharts(rows: readonly BenchRow[], dir: string, when: string): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, svg] of charts(rows, when)) {
    const p = join(dir, name);
    writeFileSync(p, svg);
    written.push(p);
  }
  return written;
}

/** Reads a JSON-lines file of bench rows (blank lines ignored). */
export function readRows(file: string): BenchRow[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as BenchRow);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help || positionals.length !== 1) {
    console.log('usage: node dist/bench/charts.js RUN.jsonl [--out DIR]   (DIR defaults to the file’s folder)');
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const file = resolve(positionals[0]!);
  const rows = readRows(file);
  const when = String(rows.find((r) => typeof r.time === 'string')?.time ?? '').slice(0, 10);
  for (const p of writeCharts(rows, values.out ?? dirname(file), when)) console.log(`wrote ${p}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
