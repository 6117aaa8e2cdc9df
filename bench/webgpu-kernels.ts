/**
 * Micro-benchmark of the WebGPU kernels (not of whole plans):
 *   - assemble, one Kron term B⊗Aᵀ (the A*X*B Jacobian, denominator layout);
 *   - assemble, the two-term X*X' Jacobian (X⊗I + (I⊗X)K_nn, numerator layout);
 *   - the pure write floor measured on the same device (the fill kernel over the same bytes);
 *   - batched matmul (n×n slices) and one square SGEMM, GFLOP/s.
 * Timing: performance.now() around encode + submit + sync() (queue.onSubmittedWorkDone), median of
 * reps; also `msQueued`: `queued` launches recorded into one command buffer, one submit and one
 * sync, per launch (amortises the submit/wait latency: close to the kernel time). Software adapters prove
 * correctness only; quote figures from real GPUs.
 *
 *   node dist/bench/webgpu-kernels.js [--sizes 32,64,96,128] [--reps 10] [--queued 10]
 *        [--matmul 96x9216,4096x1] [--adapter default|swiftshader|llvmpipe]
 *        [--assemble-v 2] [--fill-v 4] [--wg 256] [--specialize true|false]   (kernel tuning knobs)
 *        [--timestamps true|false] [--dawn-flags 'disable-dawn-features=timestamp_quantization']
 * (Dawn quantizes timestamps unless told otherwise; on the H100 the quantum was 65.5 µs.)
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Term } from '../src/backend/backend.js';
import { createWebGpuBackend, type WebGpuBackend, type WebGpuTensor } from '../src/backend/webgpu/index.js';
import { full, hasTimestamps, splitPass, takePassTimings, timePasses } from '../src/backend/webgpu/bench-hooks.js';
import { Mat } from '../src/mat/mat.js';
import { median, type BenchRow } from './rows.js';
import { assembleTerms } from '../src/plan/assembly.js';

export interface WebGpuKernelOptions {
  /** n = m = p = q of the assembled Jacobians (n² × n²). */
  readonly sizes?: readonly number[];
  readonly reps?: number;
  /** Launches per sync for the queued timing (0 = skip). */
  readonly queued?: number;
  /** Batched matmuls as [n, batch]: batch n×n · n×n products. */
  readonly matmul?: readonly (readonly [number, number])[];
  readonly log?: (line: string) => void;
}

export interface KernelRow extends BenchRow {
  readonly lib: 'matjac-webgpu-kernel';
  readonly kernel: string;
  readonly reps: number;
  /** Median ms per launch with `queued` launches per sync. */
  readonly msQueued?: number;
  /** Median GPU time of the launch's compute pass (timestamp queries), when available. */
  readonly gpuMs?: number;
  readonly gbps?: number;
  readonly gbpsGpu?: number;
  readonly gbpsQueued?: number;
  /** Measured write floor (fill of the same bytes; GPU time when available, else queued timing) and the ratio to it. */
  readonly floorMs?: number;
  readonly xFloor?: number;
  readonly gflops?: number;
  readonly gflopsQueued?: number;
  readonly gflopsGpu?: number;
}

async function time(backend: WebGpuBackend, launch: () => { dispose(): void }, reps: number, queued: number): Promise<{ ms: number; msQueued?: number; gpuMs?: number }> {
  // warm-up: pipelines, buffers in the pool
  for (let w = 0; w < 2; w++) {
    const r = launch();
    await backend.sync();
    r.dispose();
  }
  const single: number[] = [];
  for (let k = 0; k < reps; k++) {
    const t0 = performance.now();
    const r = launch();
    await backend.sync();
    single.push(performance.now() - t0);
    r.dispose();
  }
  let gpuMs: number | undefined;
  if (hasTimestamps(backend)) {
    await takePassTimings(backend); // drop earlier passes
    timePasses(backend, true);
    splitPass(backend);
    for (let k = 0; k < reps; k++) {
      const r = launch();
      splitPass(backend); // one timed pass per launch
      r.dispose();
    }
    timePasses(backend, false);
    const ts = await takePassTimings(backend);
    gpuMs = median(ts.slice(-reps));
  }
  if (queued <= 0) return { ms: median(single), gpuMs };
  const batched: number[] = [];
  for (let k = 0; k < Math.max(3, Math.ceil(reps / 2)); k++) {
    const t0 = performance.now();
    for (let j = 0; j < queued; j++) {
      const r = launch();
      r.dispose(); // the next launch reuses the same output buffer (recorded after this one)
    }
    await backend.sync();
    batched.push((performance.now() - t0) / queued);
  }
  return { ms: median(single), msQueued: median(batched), gpuMs };
}

export async function runWebGpuKernels(backend: WebGpuBackend, opts: WebGpuKernelOptions = {}): Promise<KernelRow[]> {
  const sizes = opts.sizes ?? [32, 64, 96, 128];
  const reps = opts.reps ?? 10;
  const queued = opts.queued ?? 10;
  const log = opts.log ?? (() => undefined);
  const rows: KernelRow[] = [];
  const device = backend.device;
  const emit = (r: KernelRow): void => {
    rows.push(r);
    log(JSON.stringify(r));
  };
  const gb = (bytes: number, ms: number | undefined): number | undefined => (ms ? bytes / (ms * 1e6) : undefined);

  for (const n of sizes) {
    const N = n * n;
    const bytes = N * N * 4;
    if (bytes > backend.limits.maxBufferSize) {
      emit({ lib: 'matjac-webgpu-kernel', kernel: 'assemble', map: 'A*X*B', mode: 'kernel', n, reps, device, error: `${bytes} bytes exceed maxBufferSize` });
      continue;
    }
    const hold = (t: WebGpuTensor): { dispose(): void } => ({ dispose: () => backend.dispose(t) });
    // write floor: one pass writing the same number of bytes
    const floor = await time(backend, () => hold(full(backend, 1, N, N, 0)), reps, queued);
    const floorMs = floor.gpuMs ?? floor.msQueued ?? floor.ms;
    emit({ lib: 'matjac-webgpu-kernel', kernel: 'write-floor (fill)', map: 'fill', mode: 'kernel', n, ms: floor.ms, msQueued: floor.msQueued, gpuMs: floor.gpuMs, outBytes: bytes, gbps: gb(bytes, floor.ms), gbpsQueued: gb(bytes, floor.msQueued), gbpsGpu: gb(bytes, floor.gpuMs), reps, device });

    const A = Mat.random(n, n, { seed: 1 });
    const B = Mat.random(n, n, { seed: 2 });
    const X = Mat.random(n, n, { seed: 3 });
    const axb: Term[] = [{ kind: 'kron', alpha: 1, A, B, C: null, S: null, transposed: false }];
    const xxt: Term[] = [
      { kind: 'kron', alpha: 1, A: null, B: transposeMat(X), C: null, S: null, transposed: false },
      { kind: 'kron', alpha: 1, A: X, B: null, C: null, S: null, transposed: true },
    ];
    const shape = { m: n, n, p: n, q: n };
    for (const [map, terms, layout] of [
      ['A*X*B (B⊗Aᵀ, denominator)', axb, 'denominator'],
      ['A*X*B (Bᵀ⊗A, numerator)', axb, 'numerator'],
      ["X*X' (X⊗I + (I⊗X)K, numerator)", xxt, 'numerator'],
      ["X*X' (denominator)", xxt, 'denominator'],
    ] as const) {
      const t = await time(backend, () => hold(assembleTerms(backend, terms, shape, layout)), reps, queued);
      const ms = t.gpuMs ?? t.msQueued ?? t.ms;
      emit({
        lib: 'matjac-webgpu-kernel',
        kernel: 'assemble',
        map,
        mode: layout,
        n,
        ms: t.ms,
        msQueued: t.msQueued,
        gpuMs: t.gpuMs,
        outBytes: bytes,
        gbps: gb(bytes, t.ms),
        gbpsQueued: gb(bytes, t.msQueued),
        gbpsGpu: gb(bytes, t.gpuMs),
        floorMs,
        xFloor: ms / floorMs,
        reps,
        device,
      });
    }
  }

  for (const [n, batch] of opts.matmul ?? [
    [96, 9216],
    [1024, 1],
    [4096, 1],
  ]) {
    const bytes = batch * n * n * 4;
    if (bytes > Math.min(backend.limits.maxBufferSize, backend.maxWindowElems * 4)) {
      emit({ lib: 'matjac-webgpu-kernel', kernel: 'matmul', map: `matmul ${n}×${n} ×${batch}`, mode: 'kernel', n, reps, device, error: 'too large for this device' });
      continue;
    }
    const a = backend.upload(Array.from({ length: batch }, (_, k) => Mat.random(n, n, { seed: 10 + (k % 7) })));
    const b = backend.upload(Mat.random(n, n, { seed: 20 }));
    const t = await time(
      backend,
      () => {
        const c = backend.matmul(a, b);
        return { dispose: () => backend.dispose(c) };
      },
      reps,
      queued,
    );
    const flop = 2 * n * n * n * batch;
    emit({
      lib: 'matjac-webgpu-kernel',
      kernel: 'matmul',
      map: `matmul ${n}×${n} ×${batch}`,
      mode: 'kernel',
      n,
      ms: t.ms,
      msQueued: t.msQueued,
      gpuMs: t.gpuMs,
      gflops: flop / (t.ms * 1e6),
      gflopsQueued: t.msQueued ? flop / (t.msQueued * 1e6) : undefined,
      gflopsGpu: t.gpuMs ? flop / (t.gpuMs * 1e6) : undefined,
      reps,
      device,
    });
    backend.dispose(a);
    backend.dispose(b);
  }
  return rows;
}

function transposeMat(X: Mat): Mat {
  const T = Mat.zeros(X.cols, X.rows);
  for (let i = 0; i < X.rows; i++) for (let j = 0; j < X.cols; j++) T.data[j + i * X.cols] = X.data[i + j * X.rows]!;
  return T;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '32,64,96,128' },
      reps: { type: 'string', default: '10' },
      queued: { type: 'string', default: '10' },
      matmul: { type: 'string', default: '96x9216,1024x1,4096x1' },
      adapter: { type: 'string', default: 'default' },
      'assemble-v': { type: 'string' },
      'fill-v': { type: 'string' },
      wg: { type: 'string' },
      specialize: { type: 'string' },
      timestamps: { type: 'string', default: 'true' },
      'dawn-flags': { type: 'string', default: '' },
    },
  });
  const adapter = values.adapter;
  if (adapter === 'swiftshader') process.env.VK_DRIVER_FILES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
  if (adapter === 'llvmpipe') process.env.EGL_PLATFORM ??= 'surfaceless';
  const tuning = {
    ...(values['assemble-v'] ? { assembleV: Number(values['assemble-v']) } : {}),
    ...(values['fill-v'] ? { fillV: Number(values['fill-v']) } : {}),
    ...(values.wg ? { workgroupSize: Number(values.wg) } : {}),
    ...(values.specialize ? { specialize: values.specialize === 'true' } : {}),
  };
  const timestamps = values.timestamps !== 'false';
  const dawnFlags = values['dawn-flags'].split(' ').filter(Boolean);
  const backend = await createWebGpuBackend(
    adapter === 'llvmpipe'
      ? { nodeFlags: ['backend=opengles', ...dawnFlags], featureLevel: 'compatibility', tuning, timestamps }
      : { nodeFlags: dawnFlags, tuning, timestamps },
  );
  const lim = backend.limits;
  console.log(
    `# adapter: ${backend.device} (${backend.featureLevel}; maxStorageBufferBindingSize ${lim.maxStorageBufferBindingSize}, maxBufferSize ${lim.maxBufferSize}, ` +
      `workgroup storage ${lim.maxComputeWorkgroupStorageSize}; features ${[...backend.features].sort().join(',')})`,
  );
  const matmul = values.matmul
    .split(',')
    .filter(Boolean)
    .map((s) => s.split('x').map(Number) as [number, number]);
  await runWebGpuKernels(backend, {
    sizes: values.sizes.split(',').map(Number),
    reps: Number(values.reps),
    queued: Number(values.queued),
    matmul,
    log: (l) => console.log(l),
  });
  backend.destroy();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
