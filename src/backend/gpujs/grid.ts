/**
 * How one logical output grid is cut into gpu.js launches.
 *
 * Every gpujs kernel computes a logical grid (x, y, z) = (row, column, batch slice) of an output
 * stored column-major with slices contiguous, so cell (x, y, z) lives at `x + X·(y + Y·z)`. gpu.js
 * renders a launch with output `[lx, ly, lz]` into one texture (GL modes): `[lx, ly]` exactly when
 * `lz = 1` and `ly > 1`, else the closest square holding `lx·ly·lz` texels. Textures are bounded by
 * the device's MAX_TEXTURE_SIZE, and index arithmetic in gpu.js's shaders is float32 (exact below
 * 2^24), so large outputs are split:
 *  - whole slices per launch when a slice fits (`y = ty`, `z = tz + z0`);
 *  - otherwise one slice at a time in column ranges (`y = ty + tz·cy + y0`, `z = z0`), folding the
 *    range into two texture layers (`lz = 2`) when a column is taller than a texture row is long.
 * A kernel sees its launch as the trailing arguments `(y0, z0, cy, cz, yEnd)` and skips cells with
 * `y ≥ yEnd` (the padding of an odd range folded in two).
 */
import { TooLargeError } from '../../errors.js';

export interface GridLimits {
  /** The device's MAX_TEXTURE_SIZE (Infinity where there are no textures: webasm, cpu). */
  readonly maxTextureSize: number;
  /** The most output cells one launch may have. */
  readonly maxOutputElements: number;
}

/** One kernel launch: output `[lx, ly, lz]`; thread (tx, ty, tz) is cell (tx, ty + tz·cy + y0, tz·cz + z0) when its y < yEnd. */
export interface Launch {
  readonly lx: number;
  readonly ly: number;
  readonly lz: number;
  readonly y0: number;
  readonly z0: number;
  readonly cy: number;
  readonly cz: number;
  readonly yEnd: number;
}

/** gpu.js's `utils.closestSquareDimensions`. */
export function closestSquare(length: number): [number, number] {
  const sqrt = Math.sqrt(length);
  let high = Math.ceil(sqrt);
  let low = Math.floor(sqrt);
  while (high * low < length) {
    high--;
    low = Math.ceil(length / high);
  }
  return [low, Math.ceil(length / low)];
}

/** The texture gpu.js allocates for an output `[w, h, d]` (its `utils.getKernelTextureSize`, single precision). */
export function outputTextureSize(w: number, h: number, d: number): [number, number] {
  const texels = w * h * d;
  if (h > 1 && w * h === texels) return [w, h];
  return closestSquare(texels);
}

export function launchFits(lx: number, ly: number, lz: number, limits: GridLimits): boolean {
  if (lx * ly * lz > limits.maxOutputElements) return false;
  if (!Number.isFinite(limits.maxTextureSize)) return true;
  const [tw, th] = outputTextureSize(lx, ly, lz);
  return tw <= limits.maxTextureSize && th <= limits.maxTextureSize;
}

/** The launches covering an X×Y×Z grid, every cell exactly once. */
export function planGrid(X: number, Y: number, Z: number, limits: GridLimits): Launch[] {
  const launches: Launch[] = [];
  if (X === 0 || Y === 0 || Z === 0) return launches;
  const slice = X * Y;
  const single = (z: number): void => {
    if (!launchFits(X, 1, 1, limits)) {
      throw new TooLargeError(
        `gpujs: one output column of ${X} entries exceeds what one gpu.js launch may write (${limits.maxOutputElements} entries, textures ≤ ${limits.maxTextureSize}²); tile the output`,
        X * 4,
      );
    }
    const yc = Math.max(1, Math.floor(limits.maxOutputElements / X));
    for (let y0 = 0; y0 < Y; ) {
      // The widest column range from y0 that fits: flat ([X, c] or the closest square of X·c),
      // else folded in two layers ([X, ⌈c/2⌉, 2], the closest square of X·2⌈c/2⌉).
      for (let c = Math.min(yc, Y - y0); c >= 1; c--) {
        if (launchFits(X, c, 1, limits)) {
          launches.push({ lx: X, ly: c, lz: 1, y0, z0: z, cy: 0, cz: 0, yEnd: y0 + c });
          y0 += c;
          break;
        }
        const ly = Math.ceil(c / 2);
        if (c >= 2 && launchFits(X, ly, 2, limits)) {
          launches.push({ lx: X, ly, lz: 2, y0, z0: z, cy: ly, cz: 0, yEnd: y0 + c });
          y0 += c;
          break;
        }
      }
    }
  };
  if (slice > limits.maxOutputElements) {
    for (let z = 0; z < Z; z++) single(z);
    return launches;
  }
  const zc = Math.min(Z, Math.floor(limits.maxOutputElements / slice));
  for (let z = 0; z < Z; ) {
    let cnt = Math.min(zc, Z - z);
    while (cnt > 1 && !launchFits(X, Y, cnt, limits)) cnt--;
    if (launchFits(X, Y, cnt, limits)) {
      launches.push({ lx: X, ly: Y, lz: cnt, y0: 0, z0: z, cy: 0, cz: 1, yEnd: Y });
      z += cnt;
    } else {
      single(z);
      z += 1;
    }
  }
  return launches;
}

/**
 * Copies a gpu.js result for `launch` (a Float32Array, or arrays of them for 2D/3D outputs) into
 * `out`, the X×Y×Z grid in column-major slice order.
 */
export function scatterResult(result: unknown, launch: Launch, X: number, Y: number, out: Float32Array): void {
  const { ly, lz, y0, z0, cy, cz, yEnd } = launch;
  const rowAt = (ty: number, tz: number): ArrayLike<number> => {
    if (isNumeric(result)) {
      // A flat result: the launch's cells in x-fastest order.
      const base = (ty + tz * ly) * launch.lx;
      return (result as Float32Array).subarray(base, base + launch.lx);
    }
    const outer = result as unknown[];
    if (lz === 1 && isNumeric(outer[ty])) return outer[ty] as ArrayLike<number>;
    const plane = outer[tz] as unknown[];
    if (isNumeric(plane)) {
      // [lx, 1, lz] may come back as one row per z.
      return plane as ArrayLike<number>;
    }
    return plane[ty] as ArrayLike<number>;
  };
  for (let tz = 0; tz < lz; tz++) {
    for (let ty = 0; ty < ly; ty++) {
      const y = ty + tz * cy + y0;
      if (y >= yEnd) continue;
      const z = tz * cz + z0;
      const row = rowAt(ty, tz);
      if (!row || row.length < X) throw new Error(`gpujs: kernel returned a malformed result (row ${ty}, layer ${tz})`);
      const o = (z * Y + y) * X;
      if (row instanceof Float32Array) out.set(row.length === X ? row : row.subarray(0, X), o);
      else for (let x = 0; x < X; x++) out[o + x] = row[x]!;
    }
  }
}

function isNumeric(v: unknown): boolean {
  return ArrayBuffer.isView(v) || (Array.isArray(v) && (v.length === 0 || typeof v[0] === 'number'));
}
