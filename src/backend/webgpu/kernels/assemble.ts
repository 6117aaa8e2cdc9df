/**
 * The Jacobian writer (shaders/kron_assemble.wgsl): an assembly resolved by plan/assembly.ts, its
 * factors packed into one array (a read over the output's fastest coordinate x0 packed with x0 at
 * stride 1), its terms as records of the kernel's uniform, ≤ 8 terms per dispatch.
 */
import type { Mat } from '../../../mat/mat.js';
import { InvalidArgumentError } from '../../../errors.js';
import { X0, packTransposed, strides, type Assembly } from '../../../plan/assembly.js';
import type { CachedPipeline } from '../bindgroups.js';
import { grid2D, planChunks, tooLargeForBinding, type InputSpec } from '../chunks.js';
import type { GpuQueue } from '../queue.js';
import type { WebGpuTensor } from '../tensor.js';

const ASSEMBLE_MAX_TERMS = 8;
/** Words of one term record in the assemble kernel's uniform (struct Term of kron_assemble.wgsl). */
const TERM_WORDS = 24;
/** Bytes of the assemble kernel's uniform (header + ASSEMBLE_MAX_TERMS term records). */
const ASSEMBLE_PARAM_BYTES = 80 + 4 * TERM_WORDS * ASSEMBLE_MAX_TERMS;

/** assemble's pipelines per (term structure), per queue. */
const pipeCache = new WeakMap<GpuQueue, Map<string, CachedPipeline>>();
function pipes(q: GpuQueue): Map<string, CachedPipeline> {
  let p = pipeCache.get(q);
  if (!p) {
    const made = new Map<string, CachedPipeline>();
    pipeCache.set(q, made);
    q.onDestroy.push(() => made.clear());
    p = made;
  }
  return p;
}

export function assemble(q: GpuQueue, A: Assembly): WebGpuTensor {
  q.alive();
  const add = A.add ? q.own(A.add, 'assemble') : null;
  const { rows: R, count, col0 } = A;
  const layout_ = layoutTerms(A);
  const out = q.newTensor(1, R, count);
  const total = R * count;
  if (total === 0) return out;
  const W = q.maxWindowElems;
  if (layout_.len > W) throw tooLargeForBinding('the packed assemble factors', layout_.len, W);
  q.open();
  // The factors: in the upload arena (written with the parameters, one writeBuffer per submit),
  // or, when large, in a pooled buffer written now. (Also bound as the absent add tile, an
  // array of vec4: whole vec4s.)
  const fBytes = Math.max(16, Math.ceil(layout_.len / 4) * 16);
  let fb: GPUBuffer | null = null;
  let stagedAt = -1;
  let fBind: GPUBufferBinding | null = null;
  const factors = (): GPUBufferBinding => {
    if (fb) return fBind!;
    if (fBytes > q.maxStagedBytes) {
      fb = q.pool.acquire(fBytes, true);
      const data = new Float32Array(fBytes / 4);
      writeFactors(layout_, data, 0);
      q.gpuDevice.queue.writeBuffer(fb, 0, data);
      return (fBind = { buffer: fb, offset: 0, size: fBytes });
    }
    // a submit since staging handed the arena over: stage again for this command buffer
    if (fBind && stagedAt === q.submitted) return fBind;
    const slot = q.arena.alloc(fBytes);
    const at = slot.offset / 4;
    slot.f32.fill(0, at + layout_.len, at + fBytes / 4);
    writeFactors(layout_, slot.f32, at);
    stagedAt = q.submitted;
    return (fBind = { buffer: slot.buffer, offset: slot.offset, size: fBytes });
  };
  const [rMod, rDiv, cMod] = A.ext;
  const stride = 4 * q.wg; // elements between an invocation's consecutive vec4s
  const dR = stride % R;
  const dCol = Math.floor(stride / R);
  const dR0 = dR % rMod;
  const dR1 = Math.floor(dR / rMod);
  const dC0 = dCol % cMod;
  const dC1 = Math.floor(dCol / cMod);
  const addSpec: InputSpec[] = add ? [{ kind: 'same', sliceLen: total, length: total, what: "assemble's add tile" }] : [];
  const nt = layout_.flags.length;
  const groups = Math.max(1, Math.ceil(nt / ASSEMBLE_MAX_TERMS));
  const perGroup = q.wg * 4 * q.assembleV; // elements per workgroup
  for (const r of planChunks(total, total, addSpec, q.maxVec4Window)) {
    const o = q.window(out, r.e0, r.e1, true);
    const aw = add ? q.window(add, r.e0, r.e1, true) : null;
    const cnt = r.e1 - r.e0;
    const [gx, gy] = grid2D(Math.ceil(cnt / perGroup), q.maxPerDim);
    for (let g = 0; g < groups; g++) {
      const t0 = g * ASSEMBLE_MAX_TERMS;
      const ntg = Math.min(ASSEMBLE_MAX_TERMS, nt - t0);
      const mode = (g === 0 && aw ? 1 : 0) | (g > 0 ? 2 : 0);
      const pipe = assemblePipeline(q, layout_.flags, t0, ntg);
      q.computePass(); // (a submit here would hand the arena over before the factors are bound)
      const fB = factors();
      q.encode(
        pipe,
        ASSEMBLE_PARAM_BYTES,
        (u32, at, f32) => {
          u32[at] = cnt;
          u32[at + 1] = r.e0;
          u32[at + 2] = o.base;
          u32[at + 3] = aw ? aw.base : 0;
          u32[at + 4] = R;
          u32[at + 5] = col0;
          u32[at + 6] = ntg;
          u32[at + 7] = mode;
          u32[at + 8] = rMod;
          u32[at + 9] = rDiv;
          u32[at + 10] = cMod;
          u32[at + 11] = 0;
          u32[at + 12] = dR0;
          u32[at + 13] = dR1;
          u32[at + 14] = dC0;
          u32[at + 15] = dC1;
          u32[at + 16] = 0;
          u32[at + 17] = 0;
          u32[at + 18] = 0;
          u32[at + 19] = 0;
          const d = layout_.descs;
          for (let k = 0; k < ASSEMBLE_MAX_TERMS; k++) {
            const w = at + 20 + TERM_WORDS * k;
            if (k >= ntg) {
              u32.fill(0, w, w + TERM_WORDS);
              continue;
            }
            const src = TERM_WORDS * (t0 + k);
            f32[w] = d[src]!; // alpha, as f32
            for (let j = 1; j < TERM_WORDS; j++) u32[w + j] = d[src + j]!;
          }
        },
        [fB, aw ? aw.resource : fB, o.resource],
        [gx, gy, 1],
      );
    }
  }
  if (fb) q.pool.release(fb);
  return out;
}

/** The assemble pipeline for terms [t0, t0 + nt) of this structure (specialised on hardware adapters). */
function assemblePipeline(q: GpuQueue, flags: readonly number[], t0: number, nt: number): CachedPipeline {
  let key = 'A';
  if (q.specialize) for (let k = t0; k < t0 + nt; k++) key += `,${flags[k]}`;
  let p = pipes(q).get(key);
  if (!p) {
    const constants: Record<string, number> = { WG: q.wg, V: q.assembleV };
    if (q.specialize) {
      constants.SPEC = 1;
      constants.NT = nt;
      for (let k = 0; k < nt; k++) constants[`FL${k}`] = flags[t0 + k]!;
    }
    p = q.pipelines.get('kron_assemble', constants);
    pipes(q).set(key, p);
  }
  return p;
}

/**
 * Where each read of an assembly goes in the packed factor array, and the term records of the
 * kernel's uniform: TERM_WORDS words per term (word 0 alpha as a number, stored as f32; then
 * flags, identity coordinates, the offsets and the strides of up to 4 reads; see
 * kron_assemble.wgsl). A read over x0 (the output's fastest coordinate) is packed with x0 at
 * stride 1. Copies nothing (`writeFactors` does).
 */
export interface TermLayout {
  readonly descs: readonly number[];
  /** Flags word of each term. */
  readonly flags: readonly number[];
  /** Total packed length (elements). */
  readonly len: number;
  readonly copies: readonly { readonly M: Mat; readonly transpose: boolean; readonly off: number }[];
}

export function layoutTerms(A: Assembly): TermLayout {
  const copies: { M: Mat; transpose: boolean; off: number }[] = [];
  const descs: number[] = [];
  const flagsOf: number[] = [];
  let len = 0;
  for (const term of A.terms) {
    if (term.reads.length > 4 || term.deltas.length > 2) throw new InvalidArgumentError(`assemble: a term with ${term.reads.length} reads and ${term.deltas.length} identities (the kernel takes 4 and 2)`);
    const d = new Array<number>(TERM_WORDS).fill(0);
    d[0] = term.alpha;
    let flags = 0;
    term.reads.forEach((r, f) => {
      const transpose = packTransposed(r, X0);
      copies.push({ M: r.M, transpose, off: len });
      d[4 + f] = len;
      strides(r, transpose).forEach((s, c) => (d[8 + 4 * f + c] = s));
      len += r.M.rows * r.M.cols;
      flags |= 1 << f;
    });
    term.deltas.forEach((dl, k) => {
      d[2]! |= (dl.a | (dl.b << 2)) << (4 * k);
      flags |= 16 << k;
    });
    d[1] = flags;
    flagsOf.push(flags);
    for (const w of d) descs.push(w);
  }
  return { descs, flags: flagsOf, len, copies };
}

/** Writes a layout's factors (float32) into `dst` from element `base` on. */
export function writeFactors(L: TermLayout, dst: Float32Array, base: number): void {
  for (const { M, transpose, off } of L.copies) {
    const src = M.data;
    const o = base + off;
    if (!transpose) {
      dst.set(src, o);
      continue;
    }
    const R = M.rows;
    const C = M.cols;
    for (let j = 0; j < C; j++) for (let i = 0; i < R; i++) dst[o + j + i * C] = src[i + j * R]!;
  }
}
