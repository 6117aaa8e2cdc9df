/**
 * Browser bundle entry for test/browser/gpujs.browser.test.ts: puts `window.__gpujsTest` on the
 * page, whose checks run the gpujs backend and the CPU reference side by side in the page and
 * return relative Frobenius errors (plain JSON).
 */
import type { JacobianShape, KronTerm, Layout, Tensor, Term } from '../../../src/backend/backend.js';
import { CpuBackend, type CpuTensor } from '../../../src/backend/cpu/index.js';
import { createGpuJsBackend, type GpuJsBackend, type GpuJsMode, type GpuJsTensor, type GridLimits } from '../../../src/backend/gpujs/index.js';
import { Mat } from '../../../src/mat/mat.js';
import { assembleTerms } from '../../../src/plan/assembly.js';

export interface CheckResult {
  readonly label: string;
  readonly err: number;
}

export interface BackendInfo {
  readonly name: string;
  readonly precision: string;
  readonly mode: string;
  readonly device: string;
  readonly maxTextureSize: number | null;
  readonly maxOutputElements: number;
}

export interface EnvInfo {
  readonly hasNavigatorGpu: boolean;
  readonly adapter: string | null;
  readonly webgl2: boolean;
  readonly secureContext: boolean;
}

export interface StartOptions {
  readonly mode?: GpuJsMode;
  readonly limits?: Partial<GridLimits>;
}

const cpu = new CpuBackend();
const backends = new Map<string, Promise<GpuJsBackend>>();

function backend(opts: StartOptions = {}): Promise<GpuJsBackend> {
  const key = JSON.stringify(opts);
  let b = backends.get(key);
  if (!b) {
    b = createGpuJsBackend(opts);
    backends.set(key, b);
  }
  return b;
}

function relErr(got: Tensor, want: Tensor): number {
  if (got.batch !== want.batch || got.rows !== want.rows || got.cols !== want.cols) return Infinity;
  const g = (got as GpuJsTensor).data;
  const w = (want as CpuTensor).data;
  if (!(g instanceof Float32Array)) return Infinity;
  let num = 0;
  let den = 0;
  for (let k = 0; k < w.length; k++) {
    const d = g[k]! - w[k]!;
    num += d * d;
    den += w[k]! * w[k]!;
  }
  const e = den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
  return Number.isNaN(e) ? Infinity : e;
}

let seed = 1;
const rnd = (m: number, n: number): Mat => Mat.random(m, n, { seed: seed++ });
const batchOf = (b: number, m: number, n: number): Mat[] => Array.from({ length: b }, () => rnd(m, n));

async function info(opts: StartOptions = {}): Promise<BackendInfo> {
  const g = await backend(opts);
  return {
    name: g.name,
    precision: g.precision,
    mode: g.mode,
    device: g.device,
    maxTextureSize: Number.isFinite(g.limits.maxTextureSize) ? g.limits.maxTextureSize : null,
    maxOutputElements: g.limits.maxOutputElements,
  };
}

async function env(): Promise<EnvInfo> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  let adapter: string | null = null;
  if (gpu) {
    try {
      const a = await gpu.requestAdapter();
      adapter = a ? `${a.info?.vendor ?? '?'} / ${a.info?.architecture ?? '?'}` : null;
    } catch {
      adapter = null;
    }
  }
  return {
    hasNavigatorGpu: gpu !== undefined,
    adapter,
    webgl2: document.createElement('canvas').getContext('webgl2') !== null,
    secureContext: window.isSecureContext,
  };
}

/** Batched matmul (transposes, broadcasting, awkward sizes) and the other ops, gpujs vs CPU. */
async function ops(opts: StartOptions = {}): Promise<CheckResult[]> {
  const g = await backend(opts);
  const out: CheckResult[] = [];
  const both = (mats: Mat[]): [Tensor, Tensor] => [g.upload(mats), cpu.upload(mats)];
  for (const [m, k, n] of [
    [1, 1, 1],
    [7, 33, 2],
    [33, 7, 5],
    [16, 16, 16],
  ] as const) {
    for (const [ba, bb] of [
      [1, 1],
      [4, 4],
      [1, 9],
      [6, 1],
    ] as const) {
      for (const tA of [false, true]) {
        for (const tB of [false, true]) {
          const [ga, ca] = both(batchOf(ba, tA ? k : m, tA ? m : k));
          const [gb, cb] = both(batchOf(bb, tB ? n : k, tB ? k : n));
          out.push({ label: `matmul ${ba}×${m}×${k}${tA ? 'ᵀ' : ''} · ${bb}×${k}×${n}${tB ? 'ᵀ' : ''}`, err: relErr(g.matmul(ga, gb, tA, tB), cpu.matmul(ca, cb, tA, tB)) });
        }
      }
    }
  }
  // The forward-mode shape: one matrix times all unit tangents.
  {
    const [ga, ca] = both([rnd(9, 6)]);
    out.push({ label: 'matmul 9×6 · unitBatch(6, 5)', err: relErr(g.matmul(ga, g.unitBatch(6, 5)), cpu.matmul(ca, cpu.unitBatch(6, 5))) });
  }
  const [ga, ca] = both(batchOf(3, 7, 5));
  const [gb, cb] = both(batchOf(1, 7, 5));
  const [gs, cs] = both(batchOf(3, 1, 1));
  for (const op of ['add', 'sub', 'mul', 'div'] as const) {
    out.push({ label: `elementwise ${op}`, err: relErr(g.elementwise(op, ga, gb), cpu.elementwise(op, ca, cb)) });
    out.push({ label: `elementwise ${op} 1×1`, err: relErr(g.elementwise(op, ga, gs), cpu.elementwise(op, ca, cs)) });
  }
  out.push({ label: 'scale', err: relErr(g.scale(ga, -1.7), cpu.scale(ca, -1.7)) });
  out.push({ label: 'transpose', err: relErr(g.transpose(ga), cpu.transpose(ca)) });
  const idx = Int32Array.from({ length: 24 }, (_, e) => (e % 7 === 2 ? -1 : (e * 11) % 35));
  out.push({ label: 'gather', err: relErr(g.gather(ga, idx, 4, 6), cpu.gather(ca, idx, 4, 6)) });
  const [gk, ck] = both(batchOf(3, 2, 3));
  out.push({ label: 'kron', err: relErr(g.kron(gk, gb), cpu.kron(ck, cb)) });
  out.push({ label: 'sumAll', err: relErr(g.sumAll(ga), cpu.sumAll(ca)) });
  out.push({ label: 'stack', err: relErr(g.stack(ga, false), cpu.stack(ca, false)) });
  out.push({ label: 'stack transposed', err: relErr(g.stack(ga, true), cpu.stack(ca, true)) });
  out.push({ label: 'concat', err: relErr(g.concat([[ga, gb], [gb, ga]]), cpu.concat([[ca, cb], [cb, ca]])) });
  return out;
}

function kronTerm(shape: JacobianShape, transposed: boolean, bits: number, alpha: number): KronTerm {
  const { m, n, p, q } = shape;
  const f = (on: boolean, r: number, c: number): Mat | null => (on ? rnd(r, c) : null);
  return {
    kind: 'kron',
    alpha,
    transposed,
    A: f(!!(bits & 1), p, transposed ? n : m),
    B: f(!!(bits & 2), transposed ? m : n, q),
    C: f(!!(bits & 4), transposed ? n : m, transposed ? m : n),
    S: f(!!(bits & 8), p, q),
  };
}

/** assemble: every factor-null combination × transposed × layout, outer terms, sums, column ranges, add. */
async function assemble(opts: StartOptions = {}): Promise<CheckResult[]> {
  const g = await backend(opts);
  const out: CheckResult[] = [];
  const run = (label: string, terms: Term[], shape: JacobianShape, layout: Layout, cols?: { col0: number; count: number }, withAdd = false): void => {
    const R = layout === 'numerator' ? shape.p * shape.q : shape.m * shape.n;
    const total = layout === 'numerator' ? shape.m * shape.n : shape.p * shape.q;
    const count = cols ? cols.count : total;
    const addMat = withAdd ? rnd(R, count) : null;
    const got = assembleTerms(g, terms, shape, layout, { ...(cols ? { cols } : {}), ...(addMat ? { add: g.upload(addMat) } : {}) });
    const want = assembleTerms(cpu, terms, shape, layout, { ...(cols ? { cols } : {}), ...(addMat ? { add: cpu.upload(addMat) } : {}) });
    out.push({ label: `${label} ${layout}${cols ? ` cols [${cols.col0}, +${cols.count})` : ''}${withAdd ? ' +add' : ''}`, err: relErr(got, want) });
  };
  for (const transposed of [false, true]) {
    for (let bits = 0; bits < 16; bits++) {
      const m = 3;
      const n = 4;
      const shape = { m, n, p: bits & 1 ? 5 : transposed ? n : m, q: bits & 2 ? 2 : transposed ? m : n };
      const term = kronTerm(shape, transposed, bits, -0.75);
      for (const layout of ['numerator', 'denominator'] as const) run(`kron A${bits & 1 ? '' : '=I'} B${bits & 2 ? '' : '=I'} C${bits & 4 ? '' : '=1'} S${bits & 8 ? '' : '=1'}${transposed ? ' ·K' : ''}`, [term], shape, layout);
    }
  }
  const sq = { m: 3, n: 3, p: 3, q: 3 };
  const all: Term[] = [{ kind: 'outer', alpha: 0.5, U: rnd(3, 3), V: rnd(9, 1) }];
  for (const transposed of [false, true]) for (let bits = 0; bits < 16; bits++) all.push(kronTerm(sq, transposed, bits, 0.1 + 0.05 * all.length));
  const rect = { m: 4, n: 3, p: 5, q: 2 };
  const mixed: Term[] = [kronTerm(rect, false, 15, 1.5), kronTerm(rect, true, 11, -0.5), { kind: 'outer', alpha: 2, U: rnd(5, 2), V: rnd(4, 3) }];
  for (const layout of ['numerator', 'denominator'] as const) {
    run('outer', [all[0]!], sq, layout);
    run('sum of 33 terms', all, sq, layout);
    const total = layout === 'numerator' ? 12 : 10;
    for (const [col0, count] of [
      [0, total],
      [3, 4],
      [total - 1, 1],
    ] as const) {
      run('mixed', mixed, rect, layout, { col0, count });
      run('mixed', mixed, rect, layout, { col0, count }, true);
    }
  }
  return out;
}

/** A bigger structured Jacobian (B⊗Aᵀ of A·X·B and X⁻ᵀ⊗X⁻¹-like terms) at size n, optionally with a column range. */
async function bigAssemble(args: { n: number; opts?: StartOptions }): Promise<CheckResult[]> {
  const g = await backend(args.opts ?? {});
  const { n } = args;
  const shape = { m: n, n, p: n, q: n };
  const terms: Term[] = [
    { kind: 'kron', alpha: 1, A: rnd(n, n), B: rnd(n, n), C: null, S: null, transposed: false },
    { kind: 'kron', alpha: -0.5, A: rnd(n, n), B: rnd(n, n), C: null, S: rnd(n, n), transposed: true },
  ];
  const out: CheckResult[] = [];
  for (const layout of ['numerator', 'denominator'] as const) {
    const t0 = performance.now();
    const got = assembleTerms(g, terms, shape, layout);
    const ms = performance.now() - t0;
    out.push({ label: `A·X·B-like n=${n} ${layout} (${(n * n) ** 2} entries, ${ms.toFixed(0)} ms)`, err: relErr(got, assembleTerms(cpu, terms, shape, layout)) });
    const cols = { col0: 5, count: n * n - 9 };
    out.push({ label: `A·X·B-like n=${n} ${layout} cols`, err: relErr(assembleTerms(g, terms, shape, layout, { cols }), assembleTerms(cpu, terms, shape, layout, { cols })) });
  }
  return out;
}

async function startError(opts: StartOptions): Promise<{ name: string; code: string; message: string } | null> {
  try {
    await createGpuJsBackend(opts);
    return null;
  } catch (e) {
    const err = e as { name?: string; code?: string; message?: string };
    return { name: String(err.name), code: String(err.code), message: String(err.message) };
  }
}

export const gpujsTest = { info, env, ops, assemble, bigAssemble, startError };
export type GpujsTestApi = typeof gpujsTest;

(window as unknown as { __gpujsTest: GpujsTestApi }).__gpujsTest = gpujsTest;
