/**
 * The gpu.js kernels of the gpujs backend, as source text.
 *
 * gpu.js transpiles a kernel's JavaScript source to GLSL (webgl, webgl2), WebAssembly (webasm) or
 * plain JavaScript (cpu). The kernels are kept as fixed strings of this module, not as functions,
 * so no bundler, minifier or coverage tool can rewrite them into something gpu.js cannot parse;
 * gpu.js parses these strings itself. No text from outside this module ever reaches a kernel.
 *
 * Every kernel computes one cell of a logical grid (x, y, z) = (row, column, slice) of a
 * column-major output, and takes the launch arguments of ./grid.ts last. Index arithmetic runs in
 * float32 on GL (exact below 2^24, which the backend enforces). Integer sizes and strides are
 * kernel constants (baked into the compiled kernel, one compilation per distinct set).
 */

export interface KernelSpec {
  /** Cache key prefix. */
  readonly name: string;
  /** Array argument names, in order (before the launch arguments). */
  readonly arrays: readonly string[];
  readonly source: string;
}

export const LAUNCH_ARGS = ['y0', 'z0', 'cy', 'cz', 'yEnd'] as const;

function kernel(name: string, arrays: readonly string[], body: string): KernelSpec {
  const source =
    `function (${[...arrays, ...LAUNCH_ARGS].join(', ')}) {\n` +
    '  const x = this.thread.x;\n' +
    '  const y = this.thread.y + this.thread.z * cy + y0;\n' +
    '  const z = this.thread.z * cz + z0;\n' +
    '  let r = 0;\n' +
    '  if (y < yEnd) {\n' +
    body +
    '  }\n' +
    '  return r;\n' +
    '}';
  return { name, arrays, source };
}

/**
 * Batched `op(a) · op(b)`: out(x, y, z) = Σ_k a[z·aBS + x·sAi + k·sAk] · b[z·bBS + k·sBk + y·sBj].
 * Constants: K, aBS, sAi, sAk, bBS, sBk, sBj.
 */
export const MATMUL = kernel(
  'matmul',
  ['a', 'b'],
  '    for (let k = 0; k < this.constants.K; k++) {\n' +
    '      r += a[z * this.constants.aBS + x * this.constants.sAi + k * this.constants.sAk] * b[z * this.constants.bBS + k * this.constants.sBk + y * this.constants.sBj];\n' +
    '    }\n',
);

const ELEMENTWISE_OPS = { add: '+', sub: '-', mul: '*', div: '/' } as const;
export type ElementwiseOp = keyof typeof ELEMENTWISE_OPS;

/**
 * out(x, y, z) = a[z·aBS + (x + y·X)·aS] ∘ b[z·bBS + (x + y·X)·bS]; aS/bS = 0 broadcast a 1×1 slice.
 * Constants: X, aBS, aS, bBS, bS.
 */
export const ELEMENTWISE: Readonly<Record<ElementwiseOp, KernelSpec>> = Object.fromEntries(
  (Object.keys(ELEMENTWISE_OPS) as ElementwiseOp[]).map((op) => [
    op,
    kernel(
      `elementwise-${op}`,
      ['a', 'b'],
      '    const e = x + y * this.constants.X;\n' +
        `    r = a[z * this.constants.aBS + e * this.constants.aS] ${ELEMENTWISE_OPS[op]} b[z * this.constants.bBS + e * this.constants.bS];\n`,
    ),
  ]),
) as Record<ElementwiseOp, KernelSpec>;

/** out = alpha[0] · a. Constants: X, S (slice size). */
export const SCALE = kernel('scale', ['a', 'alpha'], '    r = alpha[0] * a[z * this.constants.S + x + y * this.constants.X];\n');

/** Transpose per slice: out(x, y) = a(y, x). Constants: R (rows of a), S (slice size). */
export const TRANSPOSE = kernel('transpose', ['a'], '    r = a[z * this.constants.S + y + x * this.constants.R];\n');

/** out(x, y, z) = idx[x + y·X] ≥ 0 ? a[z·S + idx[x + y·X]] : 0. Constants: X, S (input slice size). */
export const GATHER = kernel(
  'gather',
  ['a', 'idx'],
  '    const k = idx[x + y * this.constants.X];\n' + '    if (k >= 0) {\n' + '      r = a[z * this.constants.S + k];\n' + '    }\n',
);

/**
 * a ⊗ b per slice through index tables (no integer division in the kernel):
 * out(x, y, z) = a[z·aBS + rt[x] + ct[y]] · b[z·bBS + rt[X + x] + ct[Y + y]].
 * Constants: X, Y, aBS, bBS.
 */
export const KRON = kernel(
  'kron',
  ['a', 'b', 'rt', 'ct'],
  '    r = a[z * this.constants.aBS + rt[x] + ct[y]] * b[z * this.constants.bBS + rt[this.constants.X + x] + ct[this.constants.Y + y]];\n',
);

/** Column sums: out(0, y, z) = Σ_i a[z·S + i + y·R]. Constants: R, S. */
export const COLSUM = kernel(
  'colsum',
  ['a'],
  '    for (let i = 0; i < this.constants.R; i++) {\n' + '      r += a[z * this.constants.S + i + y * this.constants.R];\n' + '    }\n',
);

/**
 * Σ over terms of α_t · Π_f F[rt[(4t+f)·X + x] + ct[(4t+f)·Yt + y]] (four factors per term, F[0] = 1
 * stands for a missing one), plus `ad[x + (y − y0)·X]` with `add`. Constants: nT, X, Yt.
 */
function assembleKernel(withAdd: boolean): KernelSpec {
  return kernel(
    withAdd ? 'assemble-add' : 'assemble',
    withAdd ? ['F', 'rt', 'ct', 'al', 'ad'] : ['F', 'rt', 'ct', 'al'],
    '    for (let t = 0; t < this.constants.nT; t++) {\n' +
      '      let v = al[t];\n' +
      '      for (let f = 0; f < 4; f++) {\n' +
      '        const g = t * 4 + f;\n' +
      '        v = v * F[rt[g * this.constants.X + x] + ct[g * this.constants.Yt + y]];\n' +
      '      }\n' +
      '      r += v;\n' +
      '    }\n' +
      (withAdd ? '    r += ad[x + (y - y0) * this.constants.X];\n' : ''),
  );
}

export const ASSEMBLE = assembleKernel(false);
export const ASSEMBLE_ADD = assembleKernel(true);

/** Used once at start-up to prove the chosen mode computes in single precision. */
export const SMOKE = MATMUL;
